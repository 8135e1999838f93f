#!/usr/bin/env bash
# action.yml's "Download the released ztsync" step. When the Action runs at a release tag
# (uses: ztsync/ztsync@vX.Y.Z), download that release's archive for this runner and its
# checksums.txt, verify the SHA-256, and unpack ztsync into $RUNNER_TEMP/ztsync-bin:
# downloaded=true. At any other ref (a branch, a SHA, a major tag such as v0), on a runner
# without a release build, or when the release or its network is missing: downloaded=false,
# and the following steps build from source. A checksum that does not match fails the step.
#
# Environment: ACTION_REF (github.action_ref), RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP,
# GITHUB_OUTPUT; ZTSYNC_RELEASES_URL overrides the download base (tests).
set -euo pipefail

ref="${ACTION_REF:-}"
base="${ZTSYNC_RELEASES_URL:-https://github.com/ztsync/ztsync/releases/download}"
out="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
dest="${RUNNER_TEMP:?RUNNER_TEMP is not set}/ztsync-bin"

from_source() {
	echo "$1: building ztsync from source"
	echo "downloaded=false" >>"$out"
	exit 0
}

[[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || from_source "the action's ref '${ref}' is not a release tag"
case "${RUNNER_OS:-}" in
Linux) os=linux ;;
macOS) os=darwin ;;
Windows) os=windows ;;
*) from_source "no release build for runner OS '${RUNNER_OS:-}'" ;;
esac
case "${RUNNER_ARCH:-}" in
X64) arch=amd64 ;;
ARM64) arch=arm64 ;;
*) from_source "no release build for runner architecture '${RUNNER_ARCH:-}'" ;;
esac
ext=tar.gz
exe=""
if [ "$os" = windows ]; then
	ext=zip
	exe=.exe
fi
archive="ztsync_${ref#v}_${os}_${arch}.${ext}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {
	local code
	code=$(curl -sSL --retry 3 --connect-timeout 10 -o "$tmp/$1" -w '%{http_code}' "$base/$ref/$1") || code=000
	echo "$code"
}
code=$(fetch checksums.txt)
[ "$code" = 200 ] || from_source "release ${ref} has no checksums.txt (HTTP ${code})"
code=$(fetch "$archive")
[ "$code" = 200 ] || from_source "release ${ref} has no ${archive} (HTTP ${code})"

want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
if command -v sha256sum >/dev/null 2>&1; then
	got=$(sha256sum "$tmp/$archive" | cut -d' ' -f1)
else
	got=$(shasum -a 256 "$tmp/$archive" | cut -d' ' -f1)
fi
if [ -z "$want" ] || [ "$got" != "$want" ]; then
	echo "::error::${archive} of release ${ref} does not match its checksums.txt (sha256 ${got}, listed ${want:-nothing}); refusing to run it"
	exit 1
fi

mkdir -p "$dest"
if [ "$ext" = zip ]; then
	unzip -o -q "$tmp/$archive" "ztsync${exe}" -d "$dest"
else
	tar -xzf "$tmp/$archive" -C "$dest" ztsync
fi
chmod +x "$dest/ztsync${exe}"
echo "Downloaded ztsync ${ref} (${os}/${arch}), sha256 ${got} as listed in checksums.txt"
echo "downloaded=true" >>"$out"
