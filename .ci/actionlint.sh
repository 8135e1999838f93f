#!/usr/bin/env bash
# Lint the example workflows with actionlint, built from the Go module proxy at a pinned
# version (not in go.mod: it is a tool, not a dependency). Exits non-zero on findings.
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.12

shopt -s nullglob
files=(examples/workflows/*.yml examples/workflows/*.yaml)
if [ ${#files[@]} -eq 0 ]; then
	echo "actionlint: no workflows under examples/workflows" >&2
	exit 1
fi

echo "== actionlint ${ACTIONLINT_VERSION}: ${files[*]}"
# GOFLAGS=-mod=mod would touch go.mod; `go run pkg@version` ignores the main module.
GOFLAGS=-buildvcs=false go run "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}" \
	-no-color "$@" "${files[@]}"
