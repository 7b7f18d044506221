#!/usr/bin/env bash
# Local stand-ins for the base images of the Dockerfile, for a Docker engine that cannot pull.
#
#   bash tests/container/build-bases.sh
#
# Reads the two FROM lines of ./Dockerfile and makes an image under each exact tag, so that the
# shipped Dockerfile builds unchanged:
#
#   python:3.11-slim-bookworm    Debian bookworm (debootstrap, minbase) + Debian's python3, venv,
#                                pip, ca-certificates (with this machine's extra CAs), `python`
#   rust:X.Y.Z-slim-bookworm     the same Debian + gcc + the host's Rust toolchain (rustc --print
#                                sysroot) + a CARGO_HOME holding every crate of Cargo.lock
#                                (`cargo fetch` on the host), with CARGO_NET_OFFLINE=true: the
#                                Dockerfile's `cargo build --release --locked` runs as written and
#                                needs no network
#
# A tag that exists already and was not made here (a real image, pulled where a registry can be
# reached) is used as it is. A stand-in is rebuilt only when what it is made of changes: each
# carries a label with the hash of its recipe and inputs, and intermediate images are kept under
# memgate-test/*. Downloads are kept in $MEMGATE_TEST_CACHE (default
# /var/cache/memgate-container-test).
set -euo pipefail
cd "$(dirname "$0")/../.."

here=tests/container
cache=${MEMGATE_TEST_CACHE:-/var/cache/memgate-container-test}
label=org.memgate.test.key
mkdir -p "$cache"

log() { printf '[bases %(%H:%M:%S)T] %s\n' -1 "$*"; }
hash() { sha256sum | cut -c1-16; }
# The key an image was made with, or nothing (no such image, or not one of ours).
key_of() { docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true; }
exists() { docker image inspect "$1" >/dev/null 2>&1; }

from_lines=$(sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]\{1,\}\).*/\1/p' Dockerfile)
rust_tag=$(grep '^rust:' <<<"$from_lines" | head -n1)
python_tag=$(grep '^python:' <<<"$from_lines" | head -n1)
if [[ -z $rust_tag || -z $python_tag ]]; then
  echo "build-bases: expected a rust:… and a python:… FROM line in Dockerfile, found: $from_lines" >&2
  exit 2
fi

# --- Debian bookworm, minbase, from the mirror this machine's apt uses --------------------------
mirror=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)\/\{0,1\}[[:space:]]*$/\1/p' \
  /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
if [[ -z $mirror ]]; then
  mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\(http[^[:space:]]*\/debian\)\/\{0,1\}[[:space:]]\{1,\}bookworm[[:space:]].*/\1/p' \
    /etc/apt/sources.list 2>/dev/null | head -n1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
debootstrap_args=(--variant=minbase bookworm)
minbase_key=$(printf '%s\n' "${debootstrap_args[*]}" "$mirror" "recipe 2" | hash)
minbase=memgate-test/bookworm-minbase:$minbase_key

# docker build, its output shown only when it fails.
build() {
  if ! docker build "$@" >"$cache/build.log" 2>&1; then
    tail -n 40 "$cache/build.log" >&2
    echo "build-bases: docker build $* failed" >&2
    exit 2
  fi
}

needs_own() { # TAG KEY: whether TAG must be (re)built here
  local tag=$1 want=$2 have
  if ! exists "$tag"; then return 0; fi
  have=$(key_of "$tag")
  if [[ -z $have ]]; then
    log "$tag exists and is not a stand-in: using it as it is"
    return 1
  fi
  [[ $have != "$want" ]]
}

build_minbase() {
  if exists "$minbase"; then return; fi
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  fi
  local root="$cache/rootfs.$$"
  rm -rf "$root"
  log "debootstrap ${debootstrap_args[*]} from $mirror"
  if ! debootstrap "${debootstrap_args[@]}" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    tail -n 30 "$cache/debootstrap.log" >&2
    rm -rf "$root"
    exit 2
  fi
  # Slim as Debian's official slim images are: no documentation, manual pages or translations
  # (now, and for the packages installed later), no apt caches.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
SLIM
  # apt as in Debian's official images: no package caches kept, no translations fetched.
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$root"/usr/share/{man,groff,info,lintian,linda,locale}/* \
    "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
  log "docker import $minbase"
  tar -C "$root" -c . | docker import \
    --change "LABEL $label=$minbase_key" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$minbase" >/dev/null
  rm -rf "$root"
}

# --- python:3.11-slim-bookworm ------------------------------------------------------------------
build_python() {
  local context="$cache/python-context"
  rm -rf "$context" && mkdir -p "$context/extra-ca"
  # Trust roots this machine added (a TLS-inspecting proxy, say): pip inside the container needs
  # them to reach PyPI from here. Real images need none of this.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$context/extra-ca/"
  fi
  cp "$here/python-base.Dockerfile" "$context/Dockerfile"
  local key
  key=$( (echo "$minbase"; cat "$context/Dockerfile"; cat "$context"/extra-ca/* 2>/dev/null) | hash)
  if ! needs_own "$python_tag" "$key"; then rm -rf "$context"; return; fi
  build_minbase
  log "building the stand-in $python_tag"
  build --build-arg "BASE=$minbase" --label "$label=$key" -t "$python_tag" "$context"
  rm -rf "$context"
}

# --- rust:X.Y.Z-slim-bookworm -------------------------------------------------------------------
build_rust() {
  local sysroot version host toolchain_key
  sysroot=$(readlink -f "$(rustc --print sysroot)")
  version=$(rustc --version | awk '{print $2}')
  host=$(rustc -vV | sed -n 's/^host: //p')
  local wanted=${rust_tag#rust:}
  wanted=${wanted%%-*}
  if [[ $version != "$wanted" ]]; then
    log "warning: $rust_tag is stood in for by the host's Rust $version"
  fi
  toolchain_key=$( (echo "$minbase"; rustc -vV; cat "$here/rust-toolchain.Dockerfile") | hash)
  toolchain_image=memgate-test/rust-toolchain:$toolchain_key
  local key
  key=$( (echo "$toolchain_image"; cat Cargo.lock "$here/rust-base.Dockerfile") | hash)
  if ! needs_own "$rust_tag" "$key"; then return; fi
  # 1. Debian + gcc + the toolchain (rebuilt when the toolchain changes).
  if ! exists "$toolchain_image"; then
    build_minbase
    local context="$cache/toolchain-context"
    rm -rf "$context" && mkdir -p "$context/toolchain/bin"
    log "staging the host's Rust $version ($sysroot)"
    cp "$here/rust-toolchain.Dockerfile" "$context/Dockerfile"
    # Hard links where the cache shares a file system with the toolchain; copies elsewhere.
    cp -al "$sysroot/lib" "$context/toolchain/lib" 2>/dev/null || cp -a "$sysroot/lib" "$context/toolchain/lib"
    for tool in cargo rustc rustdoc; do
      cp -a "$sysroot/bin/$tool" "$context/toolchain/bin/"
    done
    log "building $toolchain_image"
    build --build-arg "BASE=$minbase" --build-arg "TOOLCHAIN=$version-$host" \
      --label "$label=$toolchain_key" -t "$toolchain_image" "$context"
    rm -rf "$context"
  fi
  # 2. + every crate of Cargo.lock, fetched on the host (rebuilt when Cargo.lock changes).
  local cargo_home="$cache/cargo-home"
  log "cargo fetch --locked into $cargo_home"
  CARGO_HOME=$cargo_home cargo fetch --locked --manifest-path Cargo.toml -q
  local context="$cache/rust-context"
  rm -rf "$context" && mkdir -p "$context/cargo-home/registry"
  cp "$here/rust-base.Dockerfile" "$context/Dockerfile"
  cp -al "$cargo_home/registry/index" "$cargo_home/registry/cache" "$context/cargo-home/registry/" 2>/dev/null ||
    cp -a "$cargo_home/registry/index" "$cargo_home/registry/cache" "$context/cargo-home/registry/"
  log "building the stand-in $rust_tag"
  build --build-arg "BASE=$toolchain_image" --label "$label=$key" -t "$rust_tag" "$context"
  rm -rf "$context"
}

build_python
build_rust
# Stand-ins made from older recipes or inputs.
for repository in memgate-test/bookworm-minbase memgate-test/rust-toolchain; do
  for tag in $(docker images "$repository" --format '{{.Tag}}'); do
    case $repository:$tag in
      "$minbase" | "${toolchain_image:-}") ;;
      *) docker rmi "$repository:$tag" >/dev/null || true ;;
    esac
  done
done
log "ready: $python_tag, $rust_tag"
