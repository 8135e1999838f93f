#!/usr/bin/env bash
# Run staticcheck over the module, built from the Go module proxy at a pinned
# version (not in go.mod: it is a tool, not a dependency). Exits non-zero on
# findings. Extra arguments go to staticcheck (e.g. -f json, or packages).
#
# v0.8.2 (staticcheck 2026.2.x) is the newest release the proxy serves and the
# first whose go.mod says go 1.26.0, so it understands this module's Go.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2

pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
	pkgs=(./...)
fi

echo "== staticcheck ${STATICCHECK_VERSION}: ${pkgs[*]}"
# `go run pkg@version` ignores the main module's go.mod, so nothing is added to it.
GOFLAGS=-buildvcs=false go run "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}" "${pkgs[@]}"
