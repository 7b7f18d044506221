#!/bin/sh
# The scenarios with systemd as PID 1 (v2proof.service runs this at boot, as root, then powers
# off): memgate in a system service shared with another process (g), a user's shell in a scope of
# the user manager (h), and GitHub's runner shape (i). Result lines as lib.sh writes them.
# shellcheck disable=SC2086 # $WORK, $POOL, $LONG are argument lists, split on purpose
PATH=/opt/memgate-v2:$PATH
OUT=/run/memgate-v2
. /opt/memgate-v2/lib.sh
. /opt/memgate-v2/workloads.sh
. /opt/memgate-v2/truth.env
chmod 1777 "$OUT"
say "boot systemd=$(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') kernel=$(uname -r)"
# logind starts the lingering users' managers; their buses are what memgate talks to.
i=0
until [ -S /run/user/1000/bus ] && [ -S /run/user/1001/bus ] || [ $i -ge 600 ]; do
  sleep 0.1
  i=$((i + 1))
done
say "users ready=$([ -S /run/user/1001/bus ] && echo yes || echo no)"

# g. A system service as root, its cgroup shared with another process.
systemctl start v2proof-g.service
report g-system-scope expect_method=cgroup-v2 expect_cgroup=systemd-system-scope \
  truth=$truth_work expect_exit=0 expect_shell_cg=/system.slice/v2proof-g.service

# h. A user at a terminal: the shell in a scope of the user's manager, memgate started beside it.
LAUNCH="runuser -u dev -- env XDG_RUNTIME_DIR=/run/user/1000 systemd-run --user --scope --quiet --unit=terminal"
memgate_in - shell h-user-scope -- alloc $WORK
report h-user-scope expect_method=cgroup-v2 expect_cgroup=systemd-user-scope truth=$truth_work \
  expect_exit=0
# The same, ended by --timeout: memgate's scope must go with it.
memgate_in - shell h-user-timeout --timeout 1s -- alloc $LONG
LAUNCH=
report h-user-timeout expect_exit=nonzero expect_timed_out=true

# i. GitHub's runner: a system service with User=runner, linger, only XDG_RUNTIME_DIR set.
systemctl start v2proof-i.service
report i-runner-service expect_method=cgroup-v2 expect_cgroup=systemd-user-scope \
  truth=$truth_work expect_exit=0 expect_shell_cg=/system.slice/v2proof-i.service

say "done"
systemctl --force poweroff
