#!/bin/busybox sh
# /init of the initramfs of the cgroup v2 proof (tests/cgroup_v2.sh): busybox as PID 1 mounts
# what a host without systemd has, cgroup2 as systemd mounts it (nsdelegate,memory_recursiveprot)
# with memory and pids enabled for the root's children, runs scenarios.sh and powers off.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm /tmp /root
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs tmp /tmp
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
echo '+memory +pids' >/sys/fs/cgroup/cgroup.subtree_control
. /lib.sh
say "boot kernel=$(uname -r)"
. /scenarios.sh
say "done"
sync
poweroff -f
