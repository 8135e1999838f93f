#!/usr/bin/env bash
# GoReleaser, built from the Go module proxy at the version pinned in
# .ci/goreleaser-version (not in go.mod: it is a tool, not a dependency):
#   1. `goreleaser check` validates .goreleaser.yaml (all six targets);
#   2. a snapshot release for this machine's target only (the six cross builds take
#      far longer than CI's budget on two cores) must produce the archive and
#      checksums.txt, and the archived binary must report the stamped version.
# A Go test (cmd/ztsync release_test.go) checks that the config builds all six targets.
set -euo pipefail
cd "$(dirname "$0")/.."

GORELEASER_VERSION=$(cat .ci/goreleaser-version)
bin_dir="${GORELEASER_BIN:-$HOME/.cache/ztsync-ci/goreleaser-${GORELEASER_VERSION}}"
if [ ! -x "$bin_dir/goreleaser" ]; then
	echo "== installing goreleaser ${GORELEASER_VERSION} from the Go module proxy"
	GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}"
fi
goreleaser="$bin_dir/goreleaser"

echo "== goreleaser check"
"$goreleaser" check

goos=$(go env GOOS)
goarch=$(go env GOARCH)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The same configuration, narrowed to this machine's target, written outside the tree.
sed -e "s/^    goos: .*/    goos: [${goos}]/" -e "s/^    goarch: .*/    goarch: [${goarch}]/" \
	-e "s|^project_name: ztsync|project_name: ztsync\ndist: ${work}/dist|" .goreleaser.yaml > "$work/goreleaser.yaml"
grep -q "goos: \[${goos}\]" "$work/goreleaser.yaml"

# GoReleaser reads the commit through the repository's remote; a checkout
# without one (a local work tree) stamps "none". Build from a clone then,
# whose origin is this repository: the same commit.
src=.
if [ -z "$(git remote)" ]; then
	git clone -q . "$work/src"
	src="$work/src"
fi

echo "== goreleaser release --snapshot (${goos}/${goarch})"
(cd "$src" && "$goreleaser" release --snapshot --clean --config "$work/goreleaser.yaml")

dist="$work/dist"
archive=$(ls "$dist"/ztsync_*_"${goos}"_"${goarch}".tar.gz)
(cd "$dist" && sha256sum --ignore-missing -c checksums.txt)
tar -xzf "$archive" -C "$work" ztsync
version=$("$work/ztsync" version)
echo "$version"
case "$version" in
"ztsync v"*snapshot*"(commit $(git rev-parse HEAD),"*) ;;
*) echo "the snapshot binary does not report the stamped version: $version" >&2; exit 1 ;;
esac
