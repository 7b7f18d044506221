#!/usr/bin/env bash
# kernel.sh PACKAGE=VERSION DIR: Debian's kernel package, unpacked into DIR (which the caller
# caches): vmlinuz, its config, and the few modules the systemd boot loads (virtio disk, ext4)
# with their dependencies and a modules.dep for busybox's modprobe. The busybox boot needs none:
# cgroup2, the memory controller and the serial console are built in (checked here).
set -euo pipefail
tmp=$(mktemp -d "$2.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q "$1" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
for option in CONFIG_MEMCG=y CONFIG_SERIAL_8250_CONSOLE=y CONFIG_DEVTMPFS=y; do
  grep -qx "$option" "$tmp"/x/boot/config-* || { echo "kernel.sh: $1 lacks $option" >&2; exit 1; }
done
release=$(basename "$tmp"/x/lib/modules/*)
busybox depmod -b "$tmp/x" "$release"
dep=$tmp/x/lib/modules/$release/modules.dep
# closure MODULE…: the module files these need, dependencies first.
closure() {
  local name line
  for name in "$@"; do
    line=$(grep -E "(^|/)$name\\.ko(\\.[a-z]+)?:" "$dep") || { echo "kernel.sh: no module $name" >&2; exit 1; }
    # shellcheck disable=SC2086 # the dependencies, one word each
    printf '%s\n' ${line#*:} "${line%%:*}"
  done | awk '!seen[$0]++'
}
mkdir -p "$tmp/out/modules"
for file in $(closure virtio_pci virtio_blk crc32c_generic ext4); do
  mkdir -p "$tmp/out/modules/lib/modules/$release/$(dirname "$file")"
  cp "$tmp/x/lib/modules/$release/$file" "$tmp/out/modules/lib/modules/$release/$file"
done
busybox depmod -b "$tmp/out/modules" "$release"
cp "$tmp"/x/boot/vmlinuz-* "$tmp/out/vmlinuz"
cp "$tmp"/x/boot/config-* "$tmp/out/config"
rm -rf "$2"
mv "$tmp/out" "$2"
