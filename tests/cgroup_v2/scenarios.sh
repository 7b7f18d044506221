# The scenarios without systemd (busybox is PID 1), run by init.sh; each prints its result lines
# (lib.sh). Every placement is made here as an administrator or a CI system would make it.
# shellcheck disable=SC2086 # $WORK, $POOL, $LONG are argument lists, split on purpose

. /workloads.sh

truth_work=$(truth $WORK)
say "truth workload=work bytes=$truth_work"

# a. Alone in a cgroup of its own.
mkdir "$CG/solo"
memgate_in "$CG/solo" exec a-own -- alloc $WORK
report a-own expect_method=cgroup-v2 expect_cgroup=own truth=$truth_work expect_exit=0

# b. A service cgroup at the root, shared with another process; no systemd; root.
mkdir "$CG/job.service"
sleep 100000 &
echo $! >"$CG/job.service/cgroup.procs"
memgate_in "$CG/job.service" shell b-created -- alloc $WORK
report b-created expect_method=cgroup-v2 expect_cgroup=created truth=$truth_work expect_exit=0 \
  expect_shell_cg=/job.service

# c. A base cgroup an administrator prepared (memory enabled for its children, empty), named by
#    MEMGATE_CGROUP; memgate started from the shared service cgroup.
mkdir "$CG/prepared"
echo +memory >"$CG/prepared/cgroup.subtree_control"
export MEMGATE_CGROUP=$CG/prepared
memgate_in "$CG/job.service" shell c-admin -- alloc $WORK
unset MEMGATE_CGROUP
children=$(find "$CG/prepared" -mindepth 1 -type d | wc -l)
report c-admin expect_method=cgroup-v2 expect_cgroup=admin truth=$truth_work expect_exit=0 \
  expect_shell_cg=/job.service prepared_children=$children

# d. A container action: a cgroup of its own, a private cgroup namespace, /sys/fs/cgroup mounted
#    read-only (as Docker does; ro-cgroupns.sh).
mkdir "$CG/container"
WRAP=ro-cgroupns
memgate_in "$CG/container" exec d-read-only -- alloc $WORK
WRAP=
report d-read-only expect_method=cgroup-shared expect_cgroup=read-only-shared truth=$truth_work \
  expect_exit=0

# e. Sampling a pool whose workers share memory: a MAP_SHARED region, then a /dev/shm file.
truth_pool=$(truth $POOL)
memgate_in "$CG/job.service" shell e-sampled-mapshared --method sampled -- alloc $POOL
report e-sampled-mapshared expect_method=sampled expect_cgroup=none truth=$truth_pool expect_exit=0
truth_shm=$(truth $POOL -d)
memgate_in "$CG/job.service" shell e-sampled-devshm --method sampled -- alloc $POOL -d
report e-sampled-devshm expect_method=sampled expect_cgroup=none truth=$truth_shm expect_exit=0 \
  devshm_files=$(ls /dev/shm | wc -l)

# f. Ended early: --timeout and SIGINT, alone and in the shared cgroup; nothing may be left.
memgate_in "$CG/solo" exec f-timeout-own --timeout 1s -- alloc $LONG
report f-timeout-own expect_exit=nonzero expect_timed_out=true
memgate_in "$CG/job.service" shell f-timeout-created --timeout 1s -- alloc $LONG
report f-timeout-created expect_exit=nonzero expect_timed_out=true expect_shell_cg=/job.service
memgate_in "$CG/solo" sigint f-sigint-own -- alloc $LONG
report f-sigint-own expect_exit=nonzero
memgate_in "$CG/job.service" sigint f-sigint-created -- alloc $LONG
report f-sigint-created expect_exit=nonzero
export MEMGATE_CGROUP=$CG/prepared
memgate_in "$CG/job.service" sigint f-sigint-admin -- alloc $LONG
unset MEMGATE_CGROUP
report f-sigint-admin expect_exit=nonzero prepared_children=$(find "$CG/prepared" -mindepth 1 -type d | wc -l)
