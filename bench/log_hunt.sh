#!/usr/bin/env bash
# Log-hunt benchmark: salthunt with the full built-in log pack (and the
# indicator sweep, correlations and coverage) versus ripgrep searching the
# same file for the pack's literal strings, in one run.
#
#   bench/log_hunt.sh [SIZE_MB] [SALTHUNT_BINARY]      (default 1024 MB)
#
# Prints MB/s and lines/s for both, the speed ratio, salthunt's peak RSS,
# and whether every planted actor sequence was found.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-1024}
BIN=${2:-build/release/salthunt}
LOG=bench/data/logs/day-$MB.log
[ -x "$BIN" ] || { cmake --preset release >/dev/null && cmake --build build/release -j2 --target salthunt >/dev/null; }
mkdir -p bench/data/logs
if [ ! -f "$LOG" ]; then
  python3 bench/gen_syslog.py "$LOG" "$MB" > "$LOG.planted"
fi
planted=$(cat "$LOG.planted")
PAT=bench/data/log_patterns.txt
# The pack's search strings: every literal value under the rules' detection
# sections, wildcards removed (what a user would grep for).
python3 - > "$PAT" <<'PY'
import glob, yaml
out = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k != "condition":
                walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
    elif isinstance(v, str):
        s = v.strip("*").replace("*", "")
        if len(s) >= 4 and "?" not in s:
            out.add(s)
for f in sorted(glob.glob("rules/logs/*.yml")):
    for doc in yaml.safe_load_all(open(f)):
        if isinstance(doc, dict) and "detection" in doc:
            walk(doc["detection"])
print("\n".join(sorted(out)))
PY
bytes=$(stat -c %s "$LOG"); lines=$(wc -l < "$LOG")
echo "log: $(python3 -c "print(f'{$bytes/1e6:.0f}')") MB, $lines lines, $planted planted sequences; pack: $(wc -l < "$PAT") search strings; cores: $(nproc)"
cat "$LOG" > /dev/null
sh_out=$(mktemp)
sh_line=$(python3 bench/run_measured.py sh -c "'$BIN' scan --no-db -q --fail-on none -f jsonl '$LOG' > '$sh_out'")
rg_line=$(python3 bench/run_measured.py rg -c -F -i -f "$PAT" "$LOG")
found=$(python3 - "$sh_out" <<'PY'
import json, sys
devs = set()
for l in open(sys.argv[1]):
    o = json.loads(l)
    if (o.get("device") or "").startswith("planted-") and o["rule"] in ("L-01", "L-15", "L-17-aaa"):
        devs.add(o["device"])
print(len(devs))
PY
)
rm -f "$sh_out"
python3 - "$bytes" "$lines" "$sh_line" "$rg_line" "$planted" "$found" <<'PY'
import re, sys
b, n = int(sys.argv[1]), int(sys.argv[2])
def parse(s):
    return float(re.search(r"seconds=([0-9.]+)", s).group(1)), int(re.search(r"maxrss_kb=(\d+)", s).group(1))
sh, rss = parse(sys.argv[3]); rg, _ = parse(sys.argv[4])
print(f"salthunt scan (log pack, sweep, correlations): {sh:.2f} s  {b/1e6/sh:,.0f} MB/s  {n/sh:,.0f} lines/s  peak RSS {rss/1024:.0f} MB")
print(f"rg -F -i -f pack strings (match only):         {rg:.2f} s  {b/1e6/rg:,.0f} MB/s  {n/rg:,.0f} lines/s")
print(f"ratio salthunt/ripgrep speed: {rg/sh:.2f}x   planted sequences found: {sys.argv[6]}/{sys.argv[5]}")
PY
