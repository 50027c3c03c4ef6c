#!/usr/bin/env bash
# bench_rules.sh - build tools/bench_rules.c against the release library and
# compare the config rule engine with ripgrep over the same tree.
# Usage: tools/bench_rules.sh RULES_PATH TREE [JOBS]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
RULES=${1:?usage: bench_rules.sh RULES_PATH TREE [JOBS]}
TREE=${2:?usage: bench_rules.sh RULES_PATH TREE [JOBS]}
JOBS=${3:-2}
B="$SRC/build/release"
[ -f "$B/libsalthunt_lib.a" ] || { cmake --preset release >/dev/null && cmake --build "$B" -j2 >/dev/null; }
cc -O2 -std=c17 -I"$SRC/include" -I"$SRC/src/lib" "$SRC/tools/bench_rules.c" "$B/libsalthunt_lib.a" \
   $(pkg-config --libs libhs libpcre2-8 sqlite3 yaml-0.1 jansson zlib libzstd) -lpthread -lm -lstdc++ \
   -o "$B/bench_rules"
"$B/salthunt" rules export-patterns --no-builtin --rules "$RULES" > "$B/patterns.rg"
"$B/salthunt" rules export-patterns --no-builtin --rules "$RULES" --pcre2 > "$B/patterns.pcre2" 2>/dev/null
"$B/bench_rules" -j "$JOBS" "$RULES" "$TREE"
echo "rg -f ($(wc -l < "$B/patterns.rg") patterns, $JOBS threads):"
/usr/bin/time -f "  %e s" rg -c -j "$JOBS" -f "$B/patterns.rg" "$TREE" > /dev/null || true
echo "rg -P -f ($(wc -l < "$B/patterns.pcre2") patterns, $JOBS threads):"
/usr/bin/time -f "  %e s" rg -c -P -j "$JOBS" -f "$B/patterns.pcre2" "$TREE" > /dev/null || true
