#!/usr/bin/env bash
# Indicator-sweep benchmark: salthunt's token sweep versus `rg -F -f` and
# `grep -F -f` over the same syslog with the same indicator list, in one run.
#
#   bench/ioc_sweep.sh [SIZE_MB] [SALTHUNT_BINARY]
#
# Generates bench/data/ioc/syslog.log (SIZE_MB, default 1024) and indicator
# lists of 100 / 10,000 / 100,000 (the advisory's plus generated ones) with
# bench/gen_ioc_bench.py, then times for each list size:
#   sweep   the sweep alone (bench/ioc_sweep_micro.c against the library)
#   scan    `salthunt scan --no-builtin -q --format jsonl` with the list imported
#   rg      rg -F -c -f LIST syslog.log
#   grep    grep -F -c -f LIST syslog.log (stopped after GREP_LIMIT seconds,
#           default 600)
# and prints MB/s per CPU second and the ratios (CPU time, because on a
# shared machine wall time mostly measures the neighbours). The scan figure
# includes reading, every analyzer that claims a syslog file, and writing
# the findings. Data stays under bench/data/ (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1024}
BIN=${2:-build/release/salthunt}
LIB=$(dirname "$BIN")/libsalthunt_lib.a
DATA=bench/data/ioc
GREP_LIMIT=${GREP_LIMIT:-600}

if [ ! -x "$BIN" ] || [ ! -f "$LIB" ]; then
  cmake --preset release >/dev/null && cmake --build build/release -j2 --target salthunt >/dev/null
fi
command -v rg >/dev/null || { echo "ripgrep (rg) is needed"; exit 2; }

if [ ! -f "$DATA/.complete-$SIZE" ]; then
  rm -rf "$DATA"; mkdir -p "$DATA"
  echo "generating ${SIZE} MB of syslog and indicator lists..."
  python3 bench/gen_ioc_bench.py "$DATA" "$SIZE" data/iocs/aa25-239a.csv
  touch "$DATA/.complete-$SIZE"
fi
LOG=$DATA/syslog.log
MB=$(python3 -c "import os; print(os.path.getsize('$LOG') / 1048576)")

MICRO=$DATA/ioc_sweep_micro
cc -O2 -std=gnu17 -Isrc/lib -Iinclude bench/ioc_sweep_micro.c "$LIB" \
   $(pkg-config --libs libhs libpcre2-8 sqlite3 yaml-0.1 jansson zlib libzstd) -lpthread -lm \
   -o "$MICRO"

# CPU seconds (user + system) of a command and its children: on a shared
# machine wall time mostly measures the neighbours, CPU time the work.
cpu() { /usr/bin/time -f '%U %S' -o "$DATA/.time" "$@" >/dev/null 2>&1 || true
        awk '{ printf "%.3f", $1 + $2 }' "$DATA/.time"; }
mbs() { python3 -c "print(f'{$MB / max($1, 1e-3):.0f}')"; }
ratio() { python3 -c "print(f'{$1 / max($2, 1e-3):.1f}x')"; }

echo "MB/s over CPU time (user+sys), one run each; ratio = other tool's CPU time / salthunt's"
printf '%-10s %10s %10s %10s %10s %10s %10s %11s\n' indicators sweep scan rg grep sweep/rg \
  scan/rg sweep/grep
for N in 100 10000 100000; do
  LIST=$DATA/iocs-$N.txt
  c_sweep=$(cpu "$MICRO" "$LIST" "$LOG")
  DB=$DATA/bench-$N.db
  rm -f "$DB"*
  "$BIN" intel import -q --db "$DB" "$LIST" >/dev/null
  c_scan=$(cpu "$BIN" scan --db "$DB" --no-builtin -q --fail-on none --format jsonl "$LOG")
  c_rg=$(cpu rg -F -c -f "$LIST" "$LOG")
  c_grep=$(cpu timeout "$GREP_LIMIT" grep -F -c -f "$LIST" "$LOG")
  printf '%-10s %10s %10s %10s %10s %10s %10s %11s\n' "$N" "$(mbs "$c_sweep")" "$(mbs "$c_scan")" \
    "$(mbs "$c_rg")" "$(mbs "$c_grep")" "$(ratio "$c_rg" "$c_sweep")" "$(ratio "$c_rg" "$c_scan")" \
    "$(ratio "$c_grep" "$c_sweep")"
done
echo "log: $LOG (${MB%.*} MB); grep capped at ${GREP_LIMIT}s wall"
