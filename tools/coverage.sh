#!/usr/bin/env bash
# Line and branch coverage of src/ by the test suite: builds with --coverage in build-coverage/, runs every test
# that asserts behaviour of src/ (not the fuzz replays, which only check that nothing crashes, nor the deployment
# tests, which build and run a Release binary of their own), prints the figures per file
# and in all (gcovr), and fails below 90% of the lines or 75% of the branches.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${STS_COVERAGE_BUILD:-build-coverage}
jobs=$(nproc)
echo "== coverage: building with --coverage in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSTS_COVERAGE=ON >/dev/null
cmake --build "$build" -j"$jobs" | grep -E "error|warning" || true
find "$build" -name '*.gcda' -delete
echo "== coverage: running the suite"
(cd "$build" && ctest --timeout 300 -j"$jobs" -E '^fuzz_replay_' -LE deploy --output-on-failure | tail -5)
echo "== coverage of src/ (counters from threads can be ragged: gcov's parse errors are ignored)"
gcovr --root . --object-directory "$build" --filter 'src/' --gcov-ignore-parse-errors --exclude-unreachable-branches \
  --exclude-throw-branches --print-summary --txt --sort-percentage \
  --fail-under-line 90 --fail-under-branch 75
