#!/usr/bin/env bash
# The whole test suite, as CI runs it: install dependencies, build with gcc
# and -Werror, run every test (unit, golden, cli, rules, corpus, fuzz-replay,
# daemon), then build again with ASan+UBSan and run the suite once more.
#
#   scripts/test.sh            # everything
#   scripts/test.sh --no-asan  # skip the sanitizer pass (quicker while developing)
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1
[ "${1:-}" = "--no-asan" ] && asan=0

scripts/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== house lint and formatting"
scripts/checksrc
git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h' 'fuzz/*.c' 'tools/*.c' \
  'bench/*.c' | xargs clang-format --dry-run -Werror

echo "== gcc build (-Werror) and full suite"
cmake --preset dev >/dev/null
cmake --build build/dev -j"$jobs"
ctest --test-dir build/dev --output-on-failure -j"$jobs"

if [ "$asan" = 1 ]; then
  echo "== ASan+UBSan build and full suite"
  cmake --preset asan >/dev/null
  cmake --build build/asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build/asan --output-on-failure -j"$jobs"
fi
echo "== all tests passed"
