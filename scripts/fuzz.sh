#!/usr/bin/env bash
# libFuzzer runs of every fuzz target (clang, ASan+UBSan), for deeper checks
# than CI's corpus replay. New inputs that raise coverage are merged back
# into fuzz/corpus/<target>/ so later replays keep them; crashes are left in
# fuzz/artifacts/ to be reproduced, fixed and committed as seeds.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60, all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}; shift || true
scripts/deps.sh
cmake --preset fuzz >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi
mkdir -p fuzz/artifacts
status=0
for t in "${targets[@]}"; do
  cmake --build build/fuzz -j"$(nproc)" --target "fuzz_$t" >/dev/null
  mkdir -p "fuzz/corpus/$t" "build/fuzz/new-$t"
  echo "== fuzz_$t for ${secs}s"
  if ! "build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=65536 -timeout=10 \
      -artifact_prefix="fuzz/artifacts/$t-" "build/fuzz/new-$t" "fuzz/corpus/$t" 2>&1 | tail -n 3; then
    status=1
  fi
  "build/fuzz/fuzz_$t" -merge=1 "fuzz/corpus/$t" "build/fuzz/new-$t" >/dev/null 2>&1 || true
done
exit $status
