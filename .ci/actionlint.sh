#!/usr/bin/env bash
# Lint the repository's workflows (.github/workflows) and the example workflows with actionlint, built from the Go module proxy at a pinned
# version (not in go.mod: it is a tool, not a dependency). Exits non-zero on findings.
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.12

shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml examples/workflows/*.yml examples/workflows/*.yaml)
for d in .github/workflows examples/workflows; do
	if ! ls "$d"/*.y*ml >/dev/null 2>&1; then
		echo "actionlint: no workflows under $d" >&2
		exit 1
	fi
done

echo "== actionlint ${ACTIONLINT_VERSION}: ${files[*]}"
# GOFLAGS=-mod=mod would touch go.mod; `go run pkg@version` ignores the main module.
GOFLAGS=-buildvcs=false go run "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}" \
	-no-color "$@" "${files[@]}"
