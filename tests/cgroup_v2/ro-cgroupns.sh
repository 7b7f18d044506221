#!/bin/sh
# ro-cgroupns CMD [ARGS…]: CMD as a Docker container action sees cgroups: a private cgroup
# namespace and mount namespace, /sys/fs/cgroup mounted again (rooted at the namespace) read-only.
exec /usr/bin/unshare --cgroup --mount -- sh -c \
  'umount /sys/fs/cgroup && mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 /sys/fs/cgroup && exec "$@"' \
  sh "$@"
