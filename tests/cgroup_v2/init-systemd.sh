#!/bin/busybox sh
# /init of the first stage of the systemd boot of the cgroup v2 proof (tests/cgroup_v2.sh):
# loads the virtio and ext4 modules, measures the truths on this same kernel (lib.sh's truth, in
# a leaf made here before systemd runs), mounts the Debian disk (a throwaway snapshot), copies the
# proof's files and units in, and hands PID 1 to systemd.
# shellcheck disable=SC2086 # $WORK, $POOL, $LONG are argument lists, split on purpose
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /newroot
mount -t tmpfs tmp /tmp
for module in virtio_pci virtio_blk crc32c_generic ext4; do modprobe "$module"; done
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
. /lib.sh
. /workloads.sh
truth_work=$(truth $WORK)
say "stage1 truth workload=work bytes=$truth_work"
umount /sys/fs/cgroup
i=0
until [ -b /dev/vda ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/vda /newroot || { say "stage1 error=no-root-disk"; poweroff -f; }
proof=/newroot/opt/memgate-v2
mkdir -p "$proof"
cp /bin/memgate /bin/alloc /bin/sigdfl /lib.sh /workloads.sh /systemd-scenarios.sh /systemd-job.sh "$proof/"
echo "truth_work=$truth_work" >"$proof/truth.env"
cp /units/* /newroot/etc/systemd/system/
ln -sf ../v2proof.service /newroot/etc/systemd/system/multi-user.target.wants/v2proof.service
umount /tmp /proc /sys /dev
exec switch_root /newroot /lib/systemd/systemd
