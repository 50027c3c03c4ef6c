#!/usr/bin/env bash
# Golden tests: each tests/golden/<area>/<case>/ holds `args` (salthunt
# arguments, one per line, run from the source root) and `expected.*` (the
# whole expected stdout, compared byte for byte after replacing the source
# root with @SRC@). `exit` holds the expected exit code (default 0).
#
#   tests/golden/run_golden.sh BIN            # compare
#   tests/golden/run_golden.sh BIN --update   # rewrite expectations (review the diff!)
#
# A scan case runs once per worker count in JOBS: workers finish files in a
# different order each time, and the output must not depend on it.
set -uo pipefail
BIN=$(readlink -f "$1"); UPDATE=${2:-}
cd "$(dirname "$0")/../.."
SRC=$(pwd)
pass=0; fail=0
export SALTHUNT_NOW=2025-09-01T00:00:00Z NO_COLOR=1
for dir in $(find tests/golden -mindepth 2 -maxdepth 2 -type d | sort); do
  [ -f "$dir/args" ] || continue
  mapfile -t args < "$dir/args"
  exp=$(ls "$dir"/expected.* 2>/dev/null | head -n1)
  [ -n "$exp" ] || exp="$dir/expected.txt"
  want_rc=0; [ -f "$dir/exit" ] && want_rc=$(cat "$dir/exit")
  jobs_list=("")
  if [ "${args[0]}" = scan ] && [ "$UPDATE" != "--update" ]; then jobs_list=(1 2 8 8 8); fi
  for jobs in "${jobs_list[@]}"; do
  out=$(mktemp); err=$(mktemp)
  extra=(); [ -n "$jobs" ] && extra=(--jobs "$jobs")
  "$BIN" "${args[@]}" "${extra[@]}" >"$out" 2>"$err"; rc=$?
  sed -i "s#$SRC#@SRC@#g" "$out"
  if [ "$UPDATE" = "--update" ]; then
    cp "$out" "$exp"; echo "$rc" > "$dir/exit"; echo "updated $dir"; pass=$((pass+1))
  elif [ "$rc" != "$want_rc" ]; then
    echo "FAIL $dir: exit $rc, expected $want_rc"; cat "$err"; fail=$((fail+1))
  elif ! diff -u "$exp" "$out" > "$out.diff"; then
    echo "FAIL $dir${jobs:+ (--jobs $jobs)}: output differs"; head -n 60 "$out.diff"; fail=$((fail+1))
  else
    pass=$((pass+1))
  fi
  rm -f "$out" "$err" "$out.diff"
  done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
