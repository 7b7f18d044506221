#!/usr/bin/env bash
# systemd-image.sh DISK: a Debian bookworm disk image with systemd as PID 1 for the cgroup v2
# proof (tests/cgroup_v2.sh): debootstrap into a folder, users and linger as on the hosts memgate
# runs on, slow or interactive units masked, then an ext4 image made from the folder without
# mounting anything (mkfs.ext4 -d). The caller caches DISK, keyed by a hash of this file.
set -euo pipefail
disk=$1
PACKAGES=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd
root=$(mktemp -d "$disk.root.XXXXXX")
trap 'rm -rf "$root" "$root.img"' EXIT

debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" http://deb.debian.org/debian \
  >"$disk.debootstrap.log" 2>&1 || { tail -n 30 "$disk.debootstrap.log" >&2; exit 1; }

# A laptop's user (1000) and GitHub's runner user (1001), both with linger, so that logind starts
# their user managers at boot (what `loginctl enable-linger` records).
chroot "$root" useradd --create-home --uid 1000 --shell /bin/sh dev
chroot "$root" useradd --create-home --uid 1001 --shell /bin/sh runner
mkdir -p "$root/var/lib/systemd/linger"
touch "$root/var/lib/systemd/linger/dev" "$root/var/lib/systemd/linger/runner"
echo memgate-v2 >"$root/etc/hostname"
chroot "$root" systemd-machine-id-setup >/dev/null
# Nothing waits for a terminal, a timer or the network; the proof's unit powers the VM off.
for unit in getty@.service serial-getty@.service console-getty.service apt-daily.timer \
  apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer \
  systemd-tmpfiles-clean.timer systemd-networkd.service systemd-timesyncd.service \
  systemd-networkd-wait-online.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

size_mib=$(($(du -sm "$root" | cut -f1) + 384))
mkfs.ext4 -q -F -L memgate-v2 -d "$root" "$root.img" "${size_mib}M" >/dev/null
mv "$root.img" "$disk"
