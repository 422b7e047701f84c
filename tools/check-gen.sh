#!/usr/bin/env bash
# Fails if gen/ is not what the `gen` target produces from proto/ (generated code is never edited by hand).
set -euo pipefail
build_dir=${1:?usage: tools/check-gen.sh BUILD_DIR}
cd "$(dirname "$0")/.."
cmake --build "$build_dir" --target gen >/dev/null
if [ -n "$(git status --porcelain -- gen)" ]; then
  echo "gen/ is stale or hand-edited; run 'cmake --build $build_dir --target gen' and commit:" >&2
  git status --short -- gen >&2
  git --no-pager diff --stat -- gen >&2
  exit 1
fi
echo "gen/ is current"
