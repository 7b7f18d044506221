#!/usr/bin/env bash
# Proof of what a release ships, without a registry (docs/release.md):
#
#   bash tests/distribution.sh      (needs a Docker engine and the image tests/container.sh built)
#
# 1. The release binary, built the release way (the Dockerfile's build stage: the pinned Rust,
#    --release --locked, symbols stripped): its size, the newest glibc it needs, and that it runs
#    on this machine and in a bare Debian container (no Python, no git, nothing but minbase).
# 2. The archive host/package.sh makes of it, served by a file server on 127.0.0.1, installed by the
#    host-mode action's host/install.sh as the runner would run it: verified, cached, then taken
#    from the cache without a request; a wrong checksum, a swapped archive and a hostile version
#    refused with nothing installed; then the action's second step, `memgate action` with INPUT_*,
#    on a small repository: its outputs, and the time from the step's start to the first benchmark.
# 3. host/release-commit.sh on a scratch clone: action.yml pointing at an image by digest, the
#    host action's VERSION and checksums; hostile arguments refused.
# 4. The image as a pull would bring it: its compressed size, `docker load` and start.
# 5. `cargo package`: the crate builds alone from what it ships.
set -euo pipefail
cd "$(dirname "$0")/.."

# Tagged as the release names the published image (docs/release.md), so that what runs here is
# what a released action.yml's `docker://` reference runs.
IMAGE=${MEMGATE_TEST_IMAGE:-ghcr.io/memgate/memgate:$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)}
MAX_BINARY_BYTES=$((15 * 1000 * 1000))
started=$SECONDS
failures=0
checks=0
log() { printf '[distribution %(%H:%M:%S)T +%ss] %s\n' -1 "$((SECONDS - started))" "$*"; }
pass() { checks=$((checks + 1)); printf '  ok    %s\n' "$*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); printf '  FAIL  %s\n' "$*"; }
check() { # DESCRIPTION COMMAND…
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
refused() { # DESCRIPTION COMMAND… : the command must fail
  local what=$1
  shift
  if "$@"; then fail "$what"; else pass "$what"; fi
}
now() { date +%s.%N; }
seconds_since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }

work=$(mktemp -d /tmp/memgate-distribution.XXXXXX)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
target=x86_64-unknown-linux-gnu
[[ $(uname -m) == x86_64 ]] || target=aarch64-unknown-linux-gnu

# --- 1. the release binary ---------------------------------------------------------------------
log "the release binary, from the Dockerfile's build stage ($IMAGE-build)"
if ! docker image inspect "$IMAGE-build" >/dev/null 2>&1; then
  echo "distribution: no image $IMAGE-build; run tests/container.sh first" >&2
  exit 2
fi
builder=$(docker create "$IMAGE-build")
docker cp -q "$builder:/build/target/release/memgate" "$work/memgate" >/dev/null
docker rm -f "$builder" >/dev/null
binary=$work/memgate
size=$(wc -c <"$binary")
log "binary: $size bytes, $(file -b "$binary" 2>/dev/null | cut -d, -f1-2 || echo '?')"
check "the release binary is at most 15 MB ($size bytes)" test "$size" -le "$MAX_BINARY_BYTES"
check "the release binary is stripped" bash -c "! nm '$binary' 2>&1 | grep -q ' T main$'"
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n1)
log "newest glibc symbol version it needs: ${glibc:-none} (Ubuntu 22.04 has 2.35, Debian bookworm 2.36)"
check "it needs no glibc newer than 2.35 (Ubuntu 22.04's)" \
  python3 -c "import sys; v = tuple(map(int, sys.argv[1].split('_')[1].split('.'))); sys.exit(v > (2, 35))" "$glibc"
check "it runs on this machine" bash -c "'$binary' --version | grep -qx 'memgate $version'"
check "it measures on this machine" bash -c \
  "'$binary' run --method sampled -- sh -c 'head -c 30000000 /dev/zero | tail -c 1 >/dev/null' 2>&1 | grep -q peak"
minbase=$(docker images --format '{{.Repository}}:{{.Tag}}' memgate-test/bookworm-minbase | head -n1)
if [[ -n $minbase ]]; then
  check "it runs in a bare Debian container ($minbase)" bash -c \
    "docker run --rm -v '$work:/opt/memgate:ro' '$minbase' /opt/memgate/memgate run --method sampled -- sh -c 'head -c 30000000 /dev/zero | tail -c 1 >/dev/null' 2>&1 | grep -q peak"
else
  fail "no bare Debian image (memgate-test/bookworm-minbase, made by tests/container/build-bases.sh)"
fi

# --- 2. the host-mode action -------------------------------------------------------------------
log "host-mode action: host/package.sh, a file server on 127.0.0.1, host/install.sh"
bash host/package.sh "$binary" "$version" "$target" "$work/dist" >/dev/null
asset=memgate-v$version-$target.tar.gz
good_sum=$(cut -d' ' -f1 <"$work/dist/$asset.sha256")
python3 tests/distribution/file_server.py --root "$work/dist" --port-file "$work/port" \
  --log "$work/requests.log" &
server_pid=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat "$work/port")
requests() { grep -c '^GET ' "$work/requests.log" 2>/dev/null || true; }

# install NAME CHECKSUMS [VAR=VALUE…]: host/ copied as the runner checks the action out, with
# CHECKSUMS as its checksums.txt ("" for none), then install.sh run as the runner runs the step.
install() {
  local name=$1 sums=$2
  shift 2
  local action=$work/action-$name
  rm -rf "$action" && mkdir -p "$action" && cp host/* "$action/"
  if [[ -n $sums ]]; then printf '%s\n' "$sums" >"$action/checksums.txt"; fi
  : >"$work/$name.path"
  set +e
  env -i PATH=/usr/bin:/bin HOME="$work/home" RUNNER_OS=Linux RUNNER_ARCH=X64 \
    RUNNER_TOOL_CACHE="$work/toolcache-${TOOLCACHE:-1}" GITHUB_PATH="$work/$name.path" \
    MEMGATE_VERSION="$version" MEMGATE_DOWNLOAD_URL="$url" "$@" \
    bash "$action/install.sh" >"$work/$name.out" 2>&1
  echo $? >"$work/$name.rc"
  set -e
}
cached=$work/toolcache-1/memgate/$version/$target/memgate
before=$(requests)
install first "$good_sum  $asset"
check "install: exit 0" grep -qx 0 "$work/first.rc"
check "install: downloaded once ($(($(requests) - before)) request(s))" test "$(($(requests) - before))" -eq 1
check "install: the binary is in the tool cache and runs" bash -c "'$cached' --version | grep -qx 'memgate $version'"
check "install: the cache folder is added to GITHUB_PATH" grep -qx "$(dirname "$cached")" "$work/first.path"
before=$(requests)
t0=$(now)
install again "$good_sum  $asset"
cache_secs=$(seconds_since "$t0")
check "install again: exit 0, from the cache" bash -c "grep -qx 0 '$work/again.rc' && grep -q 'from the tool cache' '$work/again.out'"
check "install again: no request at all" test "$(requests)" -eq "$before"
log "install from the cache: $cache_secs s"

TOOLCACHE=2 install wrongsum "$(printf '%064d' 0)  $asset"
check "a wrong checksum: the step fails with an ::error" bash -c \
  "! grep -qx 0 '$work/wrongsum.rc' && grep -q '^::error title=memgate install::.*expected 0000' '$work/wrongsum.out'"
check "a wrong checksum: nothing installed" test ! -e "$work/toolcache-2/memgate/$version/$target/memgate"

TOOLCACHE=3 install nosums ""
check "a version checksums.txt does not list: checked against the release's .sha256, said so" bash -c \
  "grep -qx 0 '$work/nosums.rc' && grep -q '^::notice' '$work/nosums.out'"

cp "$work/dist/$asset" "$work/good.tar.gz"
printf 'swapped' >>"$work/dist/$asset" # the server now serves other bytes under the same name
TOOLCACHE=4 install swapped "$good_sum  $asset"
check "a swapped archive: refused, nothing installed" bash -c \
  "! grep -qx 0 '$work/swapped.rc' && test ! -e '$work/toolcache-4/memgate/$version/$target/memgate'"
TOOLCACHE=5 install swapped_unpinned ""
check "a swapped archive and its published .sha256 disagree: refused" bash -c "! grep -qx 0 '$work/swapped_unpinned.rc'"
mv "$work/good.tar.gz" "$work/dist/$asset"

before=$(requests)
TOOLCACHE=6 install hostile "$good_sum  $asset" MEMGATE_VERSION='1.0.0/../../../etc'
check "a hostile version: refused before any request" bash -c \
  "! grep -qx 0 '$work/hostile.rc' && test $(requests) -eq $before && test ! -e '$work/toolcache-6'"
TOOLCACHE=7 install elsewhere "$good_sum  $asset" MEMGATE_DOWNLOAD_URL=http://example.com/x
check "a plain-http download URL off this host: refused" bash -c "! grep -qx 0 '$work/elsewhere.rc'"
TOOLCACHE=8 install windows "$good_sum  $asset" RUNNER_OS=Windows
check "a runner with no release (Windows): a clear error" bash -c \
  "! grep -qx 0 '$work/windows.rc' && grep -q 'no memgate release for this runner' '$work/windows.out'"

# The action's second step, as the runner runs it: INPUT_* in the environment, `memgate action`.
repo=$work/repo
mkdir -p "$repo"
cat >"$repo/memgate.yml" <<'EOF'
version: 1
benchmarks:
  - name: first
    run: date +%s.%N > started && head -c 20000000 /dev/zero | tail -c 1 > /dev/null
    budget:
      peak: 200MiB
EOF
: >"$work/step.output" && : >"$work/step.summary"
t0=$(now)
install step "$good_sum  $asset"
set +e
(cd "$repo" && env -i PATH="$(dirname "$cached"):/usr/bin:/bin" HOME="$work/home" \
  GITHUB_ACTIONS=true CI=true GITHUB_OUTPUT="$work/step.output" GITHUB_STEP_SUMMARY="$work/step.summary" \
  GITHUB_WORKSPACE="$repo" GITHUB_EVENT_NAME=push GITHUB_REPOSITORY=acme/ml \
  INPUT_CONFIG=memgate.yml INPUT_GITHUB_TOKEN= INPUT_COMMENT=never INPUT_BASELINE_REF= \
  INPUT_ARGS= INPUT_WORKING_DIRECTORY=. memgate action >"$work/step.out" 2>&1)
echo $? >"$work/step.rc"
set -e
first_benchmark=$(python3 -c "import sys; print(f'{float(open(sys.argv[2]).read()) - float(sys.argv[1]):.2f}')" "$t0" "$repo/started" 2>/dev/null || echo '?')
check "the host action's gate: exit 0" grep -qx 0 "$work/step.rc"
check "the host action's gate: output status=pass" grep -qx 'pass' "$work/step.output"
check "the host action's gate: the job summary holds the report" grep -q 'first' "$work/step.summary"
log "host action, cached binary: from the install step's start to the first benchmark: $first_benchmark s"

# --- 3. the release commit ---------------------------------------------------------------------
log "host/release-commit.sh on a scratch clone"
git clone -q . "$work/clone"
digest=$(printf '%064d' 7 | tr 0 a)
(cd "$work/dist" && cat ./*.sha256 >"$work/SHA256SUMS")
release_commit() { (cd "$work/clone" && bash host/release-commit.sh "$@") >"$work/release.out" 2>&1; }
check "release commit: made" release_commit "$version" "ghcr.io/acme/memgate@sha256:$digest" "$work/SHA256SUMS"
check "release commit: action.yml uses the image by digest" \
  grep -qx "  image: docker://ghcr.io/acme/memgate@sha256:$digest" "$work/clone/action.yml"
check "release commit: host/VERSION and host/checksums.txt" bash -c \
  "grep -qx '$version' '$work/clone/host/VERSION' && grep -q '$good_sum  $asset' '$work/clone/host/checksums.txt'"
check "release commit: the new action.yml passes the Actions metadata schema" bash -c \
  "'${MEMGATE_CONTAINER_LINT_VENV:-target/container-lint}/bin/check-jsonschema' --builtin-schema vendor.github-actions '$work/clone/action.yml' >/dev/null"
(cd "$work/clone" && git reset -q --hard && git clean -qfd)
refused "release commit: an image by tag, not digest, refused" \
  release_commit "$version" ghcr.io/acme/memgate:latest "$work/SHA256SUMS"
refused "release commit: an image reference with a newline refused" \
  release_commit "$version" "ghcr.io/acme/memgate@sha256:$digest"$'\n''  env: {}' "$work/SHA256SUMS"
printf '%s  ../../action.yml\n' "$good_sum" >"$work/BADSUMS"
refused "release commit: a checksum line naming another file refused" \
  release_commit "$version" "ghcr.io/acme/memgate@sha256:$digest" "$work/BADSUMS"
refused "release commit: a version that is not X.Y.Z refused" \
  release_commit "1.0.0; rm -rf /" "ghcr.io/acme/memgate@sha256:$digest" "$work/SHA256SUMS"
check "release commit: nothing changed by the refused ones" bash -c \
  "cd '$work/clone' && git diff --quiet HEAD && test -z \"\$(git status --porcelain)\""

# --- 4. the image as a pull brings it ----------------------------------------------------------
log "the image as a pull brings it: docker save | gzip, docker load, start"
docker save "$IMAGE" | gzip -6 >"$work/image.tar.gz"
compressed=$(wc -c <"$work/image.tar.gz")
docker image rm "$IMAGE" >/dev/null
t0=$(now)
docker load -q -i "$work/image.tar.gz" >/dev/null
load_secs=$(seconds_since "$t0")
t0=$(now)
check "the loaded image runs" bash -c "docker run --rm '$IMAGE' --version | grep -qx 'memgate $version'"
start_secs=$(seconds_since "$t0")
log "image: $((compressed / 1000000)) MB compressed; docker load $load_secs s (its base layers were already here); docker run to memgate's answer $start_secs s"
rm -f "$work/image.tar.gz"

# --- 5. the crate ------------------------------------------------------------------------------
log "cargo package: the crate builds alone from what it ships"
dirty=()
if ! git diff --quiet HEAD 2>/dev/null; then dirty=(--allow-dirty); fi
if cargo package --locked "${dirty[@]}" >"$work/package.log" 2>&1; then
  pass "cargo package: packaged and built alone ($(grep -o 'Packaged [0-9]* files[^)]*)' "$work/package.log"))"
else
  tail -n 30 "$work/package.log"
  fail "cargo package"
fi

log "$checks checks, $failures failed, in $((SECONDS - started)) s"
((failures == 0))
