#!/usr/bin/env bash
# Proof on a real cgroup v2 kernel: Debian's own kernel booted in qemu (software emulation, no KVM
# needed) with a busybox initramfs that places memgate as hosts, services and containers do, and
# checks the method it reports and its peak against a cgroup this test makes itself.
#
#   bash tests/cgroup_v2.sh [MEMGATE_BINARY]     (default: `cargo build`, target/debug/memgate)
#
# Needs root (apt-get download), qemu-system-x86, busybox-static, gcc; .ci/run installs them.
# MEMGATE_CGROUP_V2_BOOTS=busybox (or systemd) runs one of the two boots.
# Downloads are cached in $MEMGATE_CGROUP_V2_CACHE (default /var/cache/memgate-cgroup-v2), keyed
# by a hash of what they are made from, so a second run downloads nothing.
# The scenarios are in tests/cgroup_v2/scenarios.sh; docs/accuracy.md says what each one proves.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${MEMGATE_CGROUP_V2_CACHE:-/var/cache/memgate-cgroup-v2}
VM_SECONDS=${MEMGATE_CGROUP_V2_TIMEOUT:-420}
BOOTS=${MEMGATE_CGROUP_V2_BOOTS:-busybox systemd} # either or both
started=$SECONDS
failures=0
checks=0

log() { printf '[cgroup-v2 %(%H:%M:%S)T +%ss] %s\n' -1 "$((SECONDS - started))" "$*"; }
pass() { checks=$((checks + 1)); printf '  ok    %s\n' "$*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); printf '  FAIL  %s\n' "$*"; }
hash() { sha256sum | cut -c1-16; }

binary=${1:-}
if [[ -z $binary ]]; then
  nice -n 10 cargo build -q
  binary=target/debug/memgate
fi
binary=$(realpath "$binary")
work=$(mktemp -d /tmp/memgate-cgroup-v2.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$CACHE"

# --- 1. Debian's kernel: the package linux-image-amd64 depends on, cached by name and version ---
kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1; }
package=$(kernel_package)
if [[ -z $package ]]; then
  apt-get update -qq
  package=$(kernel_package)
fi
version=$(apt-cache policy "$package" | sed -n 's/^ *Candidate: //p')
kernel=$CACHE/kernel-$(printf '%s\n' "$package=$version" "$(sha256sum <tests/cgroup_v2/kernel.sh)" | hash)
if [[ ! -s $kernel/vmlinuz ]]; then
  log "downloading $package $version"
  bash tests/cgroup_v2/kernel.sh "$package=$version" "$kernel"
  find "$CACHE" -maxdepth 1 -name 'kernel-*' ! -name "${kernel##*/}" -exec rm -rf {} + # stale keys
fi
log "kernel: $package $version ($kernel)"

# --- 2. The initramfs: busybox, memgate and its libraries, the workload, the scenarios --------
copy_with_libs() { # ROOT BINARY DEST: the binary, stripped, and every library ldd lists
  objcopy --strip-debug "$2" "$1/$3"
  ldd "$2" | grep -o '/[^ ]*' | while read -r lib; do
    mkdir -p "$1$(dirname "$lib")"
    cp -L "$lib" "$1$lib"
  done
}
ldd /bin/busybox >/dev/null 2>&1 && { echo "cgroup-v2: /bin/busybox is not static (busybox-static)" >&2; exit 1; }
gcc -O2 -static -o "$work/alloc" tests/cgroup_v2/alloc.c
gcc -O2 -static -o "$work/sigdfl" tests/cgroup_v2/sigdfl.c
initramfs() { # NAME INIT: $work/NAME.cpio, with INIT as /init and every file of the proof
  local root=$work/$1
  mkdir -p "$root"/{bin,usr/bin,proc,sys,dev,tmp,units}
  cp /bin/busybox "$root/bin/busybox"
  copy_with_libs "$root" "$binary" bin/memgate
  copy_with_libs "$root" "$(command -v unshare)" usr/bin/unshare # busybox's has no --cgroup
  cp "$work/alloc" "$work/sigdfl" "$root/bin/"
  install -m 755 "tests/cgroup_v2/$2" "$root/init"
  install -m 755 tests/cgroup_v2/ro-cgroupns.sh "$root/bin/ro-cgroupns"
  install -m 755 tests/cgroup_v2/*.sh "$root/"
  cp tests/cgroup_v2/units/* "$root/units/"
  cp -r "$kernel/modules/lib" "$root/"
  (cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$work/$1.cpio"
  log "initramfs $1: $(($(stat -c %s "$work/$1.cpio") / 1048576)) MiB, $("$binary" --version)"
}

# boot NAME QEMU_ARGS…: the VM, killed after $VM_SECONDS; its console in $work/NAME.txt.
boot() {
  local name=$1 rc=0 at=$SECONDS
  shift
  log "booting $name (qemu -accel tcg, limit ${VM_SECONDS} s)"
  timeout -s KILL "$VM_SECONDS" qemu-system-x86_64 -accel tcg -m 1536 -smp 2 -nodefaults \
    -no-reboot -display none -serial "file:$work/$name.log" -kernel "$kernel/vmlinuz" \
    -initrd "$work/$name.cpio" "$@" || rc=$?
  log "$name: the VM ran $((SECONDS - at)) s (exit $rc)"
  tr -d '\r' <"$work/$name.log" >"$work/$name.txt"
  grep -v 'MEMGATE-V2-JSON' "$work/$name.txt" | sed 's/^/  vm| /'
  if [[ $rc -ne 137 ]]; then
    pass "$name: the VM powered off by itself"
  else
    fail "$name: the VM was killed after ${VM_SECONDS} s"
  fi
}

# checks NAME: the checks of check.py on the VM's result lines.
checks() {
  while IFS= read -r line; do
    case $line in
    ok*) pass "$1: ${line#ok }" ;;
    FAIL*) fail "$1: ${line#FAIL }" ;;
    *) echo "$line" ;;
    esac
  done < <(python3 tests/cgroup_v2/check.py "$work/$1.txt")
}

# --- 3. busybox as PID 1 --------------------------------------------------------------------------
if [[ " $BOOTS " == *" busybox "* ]]; then
  initramfs busybox init.sh
  boot busybox -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init"
  checks busybox
fi

# --- 4. systemd as PID 1, from a debootstrapped disk image (cached) -------------------------------
if [[ " $BOOTS " == *" systemd "* ]]; then
  disk=$CACHE/systemd-$(sha256sum <tests/cgroup_v2/systemd-image.sh | hash).img
  if [[ ! -s $disk ]]; then
    log "building the systemd disk image (debootstrap bookworm)"
    bash tests/cgroup_v2/systemd-image.sh "$disk"
    find "$CACHE" -maxdepth 1 -name 'systemd-*.img*' -type f ! -name "${disk##*/}*" -delete # stale keys
  fi
  log "systemd disk: $disk ($(($(stat -c %s "$disk") / 1048576)) MiB)"
  initramfs systemd init-systemd.sh
  boot systemd -drive "file=$disk,format=raw,if=virtio,snapshot=on" \
    -append "console=ttyS0 quiet loglevel=3 systemd.show_status=0 panic=-1 rdinit=/init"
  checks systemd
fi

log "$checks checks, $failures failed, in $((SECONDS - started)) s"
[[ $failures -eq 0 ]]
