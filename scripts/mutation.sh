#!/usr/bin/env bash
# Mutation testing: how many deliberate bugs the tests catch, per package.
# Not part of CI (minutes per package). Runs at the lowest CPU priority,
# one package and one mutant at a time. See scripts/mutation/doc.go.
#
#   scripts/mutation.sh                       # planner applier cfapi loader
#   scripts/mutation.sh applier               # one package
#   scripts/mutation.sh -no-gremlins loader   # branch mutants only
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
if [ ${#args[@]} -eq 0 ] || [[ "${args[-1]}" == -* ]]; then
	args+=(planner applier cfapi loader)
fi
exec nice -n 19 go run ./scripts/mutation "${args[@]}"
