#!/usr/bin/env bash
# Config-scan benchmark: salthunt with the full built-in pack versus ripgrep
# searching the same tree for the pack's line patterns, in one run.
#
#   bench/config_scan.sh [N_CONFIGS] [SALTHUNT_BINARY]
#
# Builds bench/data/configs/ with N (default 10000) configs: copies of the
# corpus configs (../shared/corpus) and the example network, each with a new
# hostname and shifted private addresses, so no two files are identical.
# Prints configs/s, MB/s, the salthunt/ripgrep speed ratio and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
BIN=${2:-build/release/salthunt}
CORPUS=${SH_CORPUS:-../shared/corpus}
DATA=bench/data/configs

if [ ! -x "$BIN" ]; then
  cmake --preset release >/dev/null && cmake --build build/release -j2 --target salthunt >/dev/null
fi
command -v rg >/dev/null || { echo "ripgrep (rg) is needed: scripts/deps.sh installs it"; exit 2; }

if [ ! -f "$DATA/.complete-$N" ]; then
  rm -rf "$DATA"; mkdir -p "$DATA"
  python3 - "$CORPUS" "$DATA" "$N" <<'PY'
import os, random, re, sys
corpus, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
srcs = []
for sub in ("batfish/networks", "avd", "napalm", "hier_config", "batfish/unit-testconfigs/cisco",
            "batfish/unit-testconfigs/arista", "batfish/unit-testconfigs/juniper",
            "batfish/unit-testconfigs/cisco_nxos", "batfish/unit-testconfigs/cisco_xr"):
    for root, _, files in os.walk(os.path.join(corpus, sub)):
        for f in files:
            if f.endswith((".json", ".yml", ".yaml", ".md", ".txt")) and "config" not in f:
                continue
            p = os.path.join(root, f)
            if os.path.getsize(p) > 400:
                srcs.append(p)
for root, _, files in os.walk("examples/network/configs"):
    srcs += [os.path.join(root, f) for f in files]
srcs.sort()
rnd = random.Random(239)
host = re.compile(r"^(hostname|switchname)\s+\S+", re.M)
ip = re.compile(r"\b10\.(\d+)\.(\d+)\.(\d+)\b")
for i in range(n):
    src = srcs[i % len(srcs)]
    text = open(src, encoding="utf-8", errors="replace").read()
    text = host.sub(lambda m: f"{m.group(1)} bench-{i:05d}", text, count=1)
    k = rnd.randrange(1, 250)
    text = ip.sub(lambda m: f"10.{(int(m.group(1)) + k) % 256}.{m.group(2)}.{m.group(3)}", text)
    d = os.path.join(out, f"site{i % 100:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"dev{i:05d}.cfg"), "w") as fh:
        fh.write(text)
PY
  touch "$DATA/.complete-$N"
fi

PAT=bench/data/patterns.txt
"$BIN" rules export-patterns > "$PAT"
files=$(find "$DATA" -type f -name '*.cfg' | wc -l)
bytes=$(find "$DATA" -type f -name '*.cfg' -printf '%s\n' | awk '{s+=$1} END {print s}')
mb=$(python3 -c "print(f'{$bytes/1e6:.1f}')")
echo "tree: $files configs, $mb MB; pack: $(wc -l < "$PAT") line patterns; cores: $(nproc)"

# Warm the page cache so both tools read from memory.
cat $(find "$DATA" -type f -name '*.cfg') > /dev/null

best() { # best of 3 runs of "$@"; prints the best line
  local bestl="" bests=999999 l s
  for _ in 1 2 3; do
    l=$(python3 bench/run_measured.py "$@")
    s=$(sed -E 's/seconds=([0-9.]+).*/\1/' <<<"$l")
    if python3 -c "import sys; sys.exit(0 if $s < $bests else 1)"; then bests=$s; bestl=$l; fi
  done
  echo "$bestl"
}

# The compiled packs are cached between runs (README "Files it keeps"): one
# run with an empty cache shows the first-run cost, the best of three after
# it what a user sees from then on.
export SALTHUNT_CACHE_DIR=bench/data/cache
rm -rf "$SALTHUNT_CACHE_DIR"
cold_line=$(python3 bench/run_measured.py "$BIN" scan --no-db -q --fail-on none --format jsonl "$DATA")
sh_line=$(best "$BIN" scan --no-db -q --fail-on none --format jsonl "$DATA")
rg_line=$(best rg -i -c -f "$PAT" "$DATA")
sh_s=$(sed -E 's/seconds=([0-9.]+).*/\1/' <<<"$sh_line"); sh_rss=$(sed -E 's/.*maxrss_kb=([0-9]+).*/\1/' <<<"$sh_line")
rg_s=$(sed -E 's/seconds=([0-9.]+).*/\1/' <<<"$rg_line")
cold_s=$(sed -E 's/seconds=([0-9.]+).*/\1/' <<<"$cold_line")
python3 - "$files" "$bytes" "$sh_s" "$rg_s" "$sh_rss" "$cold_s" <<'PY'
import sys
files, nbytes, sh, rg, rss = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
cold = float(sys.argv[6])
print(f"salthunt scan, first run (packs compiled): {cold:.2f} s  {files/cold:,.0f} configs/s")
print(f"salthunt scan (full pack, all outputs): {sh:.2f} s  {files/sh:,.0f} configs/s  {nbytes/1e6/sh:,.1f} MB/s  peak RSS {rss/1024:.0f} MB")
print(f"rg -i -f patterns (match only):          {rg:.2f} s  {files/rg:,.0f} configs/s  {nbytes/1e6/rg:,.1f} MB/s")
print(f"ratio salthunt/ripgrep speed: {rg/sh:.2f}x  (>= 1.0 means salthunt is at least as fast)")
PY
