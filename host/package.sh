#!/usr/bin/env bash
# Packs a release binary the way the host-mode action (host/install.sh) and cargo-binstall
# (Cargo.toml's [package.metadata.binstall]) fetch it:
#
#   bash host/package.sh BINARY VERSION TARGET OUT_DIR
#
# writes OUT_DIR/memgate-vVERSION-TARGET.tar.gz (memgate, README.md, the licence files) and beside
# it the .sha256 line that `sha256sum -c` reads.
set -euo pipefail
if (($# != 4)); then
  echo "usage: package.sh BINARY VERSION TARGET OUT_DIR" >&2
  exit 2
fi
binary=$1 version=$2 target=$3 out=$4
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] || { echo "package: not a version: $version" >&2; exit 2; }
[[ $target =~ ^[a-z0-9_]+(-[a-z0-9_]+){2,3}$ ]] || { echo "package: not a target triple: $target" >&2; exit 2; }
[[ -x $binary ]] || { echo "package: no executable at $binary" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
name=memgate-v$version-$target
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out"
cp "$binary" "$stage/$name/memgate"
chmod 0755 "$stage/$name/memgate"
cp "$root/README.md" "$stage/$name/"
for licence in "$root"/LICENSE*; do [[ -e $licence ]] && cp "$licence" "$stage/$name/"; done
# Members in sorted order, and gzip without the file's name and time (-n). The members keep their
# owners and times: the archive is not byte-for-byte reproducible, and its .sha256 is what pins it.
(cd "$stage" && find "$name" -print | LC_ALL=C sort >list &&
  tar -cf - --no-recursion -T list | gzip -n -9 >"$name.tar.gz")
mv "$stage/$name.tar.gz" "$out/"
if command -v sha256sum >/dev/null; then
  (cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
else
  (cd "$out" && shasum -a 256 "$name.tar.gz" >"$name.tar.gz.sha256")
fi
echo "package: $out/$name.tar.gz ($(wc -c <"$out/$name.tar.gz") bytes)"
