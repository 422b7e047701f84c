#!/usr/bin/env bash
# The whole check: style, a -Werror build, gen/ freshness, every test under ASan+UBSan, a short soak, a bounded
# fuzz run, and the coverage floor.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== style: clang-format and banned functions"
bash tools/check-style.sh

echo "== -Werror release build"
cmake -S . -B build-werror -DCMAKE_BUILD_TYPE=Release -DSTS_WERROR=ON -DSTS_TESTS=OFF >/dev/null
cmake --build build-werror -j"$jobs"

echo "== ASan+UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSTS_WERROR=ON -DSTS_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"

echo "== gen/ is current"
bash tools/check-gen.sh build-asan

echo "== tests"
(cd build-asan && ctest --output-on-failure --timeout 300 -j"$jobs")

echo "== soak, short: 2,000 connections for 10 s (tests/soak/run without options is the full one)"
bash tests/soak/run --seconds 10 --connections 2000 --active 200 --slowloris 50

echo "== fuzzing: every target for 20 s from its committed corpus"
bash tests/fuzz/run 20

echo "== coverage: at least 90% of the lines and 75% of the branches of src/"
bash tools/coverage.sh
