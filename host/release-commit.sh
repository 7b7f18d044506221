#!/usr/bin/env bash
# The release commit's changes (run by .github/workflows/release.yml's publish job, on a clean
# checkout of the commit being released):
#
#   bash host/release-commit.sh VERSION IMAGE@sha256:DIGEST SHA256SUMS
#
# - action.yml: `image: Dockerfile` becomes `image: docker://IMAGE@sha256:DIGEST`, so a job that
#   uses the tag pulls the published image (seconds) instead of building it (minutes), and gets
#   exactly the bytes that were released;
# - host/VERSION: the release the host-mode action installs by default;
# - host/checksums.txt: the SHA-256 of every binary, which host/install.sh checks before it runs one.
set -euo pipefail
if (($# != 3)); then
  echo "usage: release-commit.sh VERSION IMAGE@sha256:DIGEST SHA256SUMS" >&2
  exit 2
fi
version=$1 image=$2 sums=$3
cd "$(dirname "$0")/.."

[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "release-commit: not a version: $version" >&2; exit 2; }
[[ $image =~ ^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$ ]] ||
  { echo "release-commit: not an image reference by digest: $image" >&2; exit 2; }
[[ -s $sums ]] || { echo "release-commit: no checksums in $sums" >&2; exit 2; }
while read -r hash name; do
  [[ $hash =~ ^[0-9a-f]{64}$ && ${name#\*} =~ ^memgate-v$version-[a-z0-9_]+(-[a-z0-9_]+){2,3}\.tar\.gz$ ]] ||
    { echo "release-commit: unexpected line in $sums: $hash $name" >&2; exit 2; }
done <"$sums"

if [[ $(grep -c '^  image: Dockerfile$' action.yml) != 1 ]]; then
  echo "release-commit: action.yml has no single '  image: Dockerfile' line to replace" >&2
  exit 1
fi
sed -i.bak "s|^  image: Dockerfile\$|  image: docker://$image|" action.yml && rm -f action.yml.bak
printf '%s\n' "$version" >host/VERSION
LC_ALL=C sort -k2 "$sums" >host/checksums.txt
git add action.yml host/VERSION host/checksums.txt
echo "release-commit: action.yml uses docker://$image; host/ pins $version and $(wc -l <host/checksums.txt) checksum(s)"
