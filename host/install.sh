#!/usr/bin/env bash
# The host-mode action's first step (host/action.yml): puts the released memgate binary for this
# runner on PATH, fetched once and then taken from the tool cache.
#
#   MEMGATE_VERSION        the release (X.Y.Z); default: host/VERSION, written by the release commit
#   MEMGATE_DOWNLOAD_URL   where the release's assets are; default: the GitHub release of the
#                          action's own repository (tests point it at a server on 127.0.0.1)
#   RUNNER_TOOL_CACHE      the cache folder (set by the runner); default ~/.cache
#
# The archive's SHA-256 must match host/checksums.txt, which the release commit wrote beside this
# script, so the tag the workflow pins also pins the bytes it runs. Only a version that file does
# not list (an older or newer release asked for by `version:`) falls back to the .sha256 published
# beside the asset, and says so. A mismatch installs nothing and fails the step.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fail() {
  echo "::error title=memgate install::$*"
  exit 1
}

version=${MEMGATE_VERSION:-}
if [[ -z $version && -f $here/VERSION ]]; then version=$(tr -d '[:space:]' <"$here/VERSION"); fi
[[ -n $version ]] || fail "no version: set the action's 'version' input (this copy of the action names none)"
# The version becomes part of a URL and of a folder name: nothing but a version gets through.
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] ||
  fail "'version' must look like 1.2.3 (got something else)"

os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
case "$os/$arch" in
  Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-gnu ;;
  macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
  macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
  *) fail "no memgate release for this runner (RUNNER_OS/RUNNER_ARCH); the container action (uses: OWNER/memgate@vX) runs on Linux runners" ;;
esac

asset=memgate-v$version-$target.tar.gz
repository=${GITHUB_ACTION_REPOSITORY:-memgate/memgate}
[[ $repository =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || repository=memgate/memgate
base=${MEMGATE_DOWNLOAD_URL:-https://github.com/$repository/releases/download/v$version}
case $base in
  https://*) protocols='=https' ;;
  http://127.0.0.1:* | http://localhost:*) protocols='=http' ;; # the tests' local server
  *) fail "MEMGATE_DOWNLOAD_URL must be https:// (or http:// on 127.0.0.1 for tests)" ;;
esac

sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }

expected=
if [[ -f $here/checksums.txt ]]; then
  expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1 }' "$here/checksums.txt" | head -n1)
fi

cache=${RUNNER_TOOL_CACHE:-${HOME:-/tmp}/.cache}/memgate/$version/$target
if [[ -x $cache/memgate && -f $cache/archive.sha256 ]] &&
  { [[ -z $expected ]] || [[ $(cat "$cache/archive.sha256") == "$expected" ]]; }; then
  echo "memgate $version ($target) from the tool cache"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  curl --proto "$protocols" --fail --silent --show-error --location --retry 3 \
    --output "$tmp/$asset" "$base/$asset" || fail "could not download $asset"
  if [[ -z $expected ]]; then
    curl --proto "$protocols" --fail --silent --show-error --location --retry 3 \
      --output "$tmp/$asset.sha256" "$base/$asset.sha256" || fail "could not download $asset.sha256"
    expected=$(cut -d' ' -f1 <"$tmp/$asset.sha256")
    echo "::notice title=memgate install::$version is not in this action's checksums.txt; checked against the .sha256 published with the release"
  fi
  [[ $expected =~ ^[0-9a-f]{64}$ ]] || fail "no valid SHA-256 for $asset"
  actual=$(sha256 "$tmp/$asset")
  [[ $actual == "$expected" ]] || fail "$asset has SHA-256 $actual, expected $expected: not installed"
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tmp/$asset" -C "$tmp/unpacked" --no-same-owner
  binary=$tmp/unpacked/memgate-v$version-$target/memgate
  [[ -f $binary && ! -L $binary ]] || fail "$asset holds no memgate binary"
  # Into place with a rename, so that a cache another job reads is never half written.
  mkdir -p "$(dirname "$cache")"
  staged=$(mktemp -d "$(dirname "$cache")/.staging.XXXXXX")
  install -m 0755 "$binary" "$staged/memgate"
  printf '%s' "$expected" >"$staged/archive.sha256"
  rm -rf "$cache"
  mv "$staged" "$cache"
  echo "memgate $version ($target) installed from $asset"
fi

"$cache/memgate" --version
if [[ -n ${GITHUB_PATH:-} ]]; then echo "$cache" >>"$GITHUB_PATH"; fi
