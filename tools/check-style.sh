#!/usr/bin/env bash
# Fails on code clang-format would change and on calls to banned functions (gen/ is generated, so exempt).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files -- 'src/*.c' 'src/*.h' 'tools/*.c' 'tools/*.h' 'tests/*.c' 'tests/*.cc' 'tests/*.h' 'bench/*.c' 'bench/*.h')
status=0
if [ -n "$files" ]; then
  # shellcheck disable=SC2086
  clang-format --dry-run --Werror $files || status=1
  # shellcheck disable=SC2086
  if grep -nE '(^|[^_[:alnum:]])(atoi|sprintf|strcpy|strcat|rand|gets)[[:space:]]*\(' $files; then
    echo "banned function used (atoi, sprintf, strcpy, strcat, rand, gets)"
    status=1
  fi
fi
exit $status
