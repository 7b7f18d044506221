#!/usr/bin/env bash
# Proof on a real cgroup v2 kernel: Debian's own kernel booted in qemu (software emulation, no KVM
# needed) with a busybox initramfs that places memgate as hosts, services and containers do, and
# checks the method it reports and its peak against a cgroup this test makes itself.
#
#   bash tests/cgroup_v2.sh [MEMGATE_BINARY]     (default: `cargo build`, target/debug/memgate)
#
# Needs root (apt-get download), qemu-system-x86, busybox-static, gcc; .ci/run installs them.
# Downloads are cached in $MEMGATE_CGROUP_V2_CACHE (default /var/cache/memgate-cgroup-v2), keyed
# by a hash of what they are made from, so a second run downloads nothing.
# The scenarios are in tests/cgroup_v2/scenarios.sh; docs/accuracy.md says what each one proves.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${MEMGATE_CGROUP_V2_CACHE:-/var/cache/memgate-cgroup-v2}
VM_SECONDS=${MEMGATE_CGROUP_V2_TIMEOUT:-420}
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
kernel=$CACHE/kernel-$(printf '%s=%s\n' "$package" "$version" | hash)
if [[ ! -s $kernel/vmlinuz ]]; then
  log "downloading $package $version"
  rm -rf "$kernel" && mkdir -p "$kernel.tmp"
  (cd "$kernel.tmp" && apt-get download -q "$package=$version" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  mv "$kernel.tmp"/*.deb "$kernel.tmp/package.deb"
  dpkg-deb --fsys-tarfile "$kernel.tmp/package.deb" | tar -x -C "$kernel.tmp" --wildcards './boot/*'
  mv "$kernel.tmp"/boot/vmlinuz-* "$kernel.tmp/vmlinuz"
  mv "$kernel.tmp"/boot/config-* "$kernel.tmp/config"
  rm -rf "$kernel.tmp/boot"
  mv "$kernel.tmp" "$kernel"
fi
log "kernel: $package $version ($kernel)"
# Nothing to load: cgroup2, the memory controller and the serial console are built in.
for option in CONFIG_MEMCG=y CONFIG_SERIAL_8250_CONSOLE=y CONFIG_DEVTMPFS=y; do
  grep -qx "$option" "$kernel/config" || { echo "cgroup-v2: $package lacks $option" >&2; exit 1; }
done

# --- 2. The initramfs: busybox, memgate and its libraries, the workload, the scenarios --------
root=$work/root
mkdir -p "$root"/{bin,usr/bin,proc,sys,dev,tmp}
copy_with_libs() { # BINARY DEST: the binary, stripped, and every library ldd lists
  objcopy --strip-debug "$1" "$root/$2"
  ldd "$1" | grep -o '/[^ ]*' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
file -L /bin/busybox | grep -q 'statically linked' || { echo "cgroup-v2: /bin/busybox is not static (busybox-static)" >&2; exit 1; }
cp /bin/busybox "$root/bin/busybox"
copy_with_libs "$binary" bin/memgate
copy_with_libs "$(command -v unshare)" usr/bin/unshare # busybox's has no --cgroup
gcc -O2 -static -o "$root/bin/alloc" tests/cgroup_v2/alloc.c
gcc -O2 -static -o "$root/bin/sigdfl" tests/cgroup_v2/sigdfl.c
install -m 755 tests/cgroup_v2/init.sh "$root/init"
install -m 755 tests/cgroup_v2/ro-cgroupns.sh "$root/bin/ro-cgroupns"
cp tests/cgroup_v2/lib.sh tests/cgroup_v2/scenarios.sh "$root/"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$work/initrd"
log "initramfs: $(($(stat -c %s "$work/initrd") / 1048576)) MiB, memgate $("$binary" --version)"

# --- 3. Boot, with a hard limit; the console is the only output ---------------------------------
console=$work/console.log
log "booting (qemu -accel tcg, limit ${VM_SECONDS} s)"
boot_started=$SECONDS
rc=0
timeout -s KILL "$VM_SECONDS" qemu-system-x86_64 -accel tcg -m 1536 -smp 2 -nodefaults -no-reboot \
  -display none -serial "file:$console" -kernel "$kernel/vmlinuz" -initrd "$work/initrd" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" || rc=$?
log "the VM ran $((SECONDS - boot_started)) s (exit $rc)"
tr -d '\r' <"$console" >"$work/console.txt"
grep -v '^MEMGATE-V2-JSON' "$work/console.txt" | sed 's/^/  vm| /'
[[ $rc -ne 137 ]] && pass "the VM powered off by itself" || fail "the VM was killed after ${VM_SECONDS} s"

# --- 4. The checks, from the result lines -------------------------------------------------------
while IFS= read -r line; do
  case $line in
  ok*) pass "${line#ok }" ;;
  FAIL*) fail "${line#FAIL }" ;;
  *) echo "$line" ;;
  esac
done < <(python3 tests/cgroup_v2/check.py "$work/console.txt")

log "$checks checks, $failures failed, in $((SECONDS - started)) s"
[[ $failures -eq 0 ]]
