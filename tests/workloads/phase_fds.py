"""Prints the descriptors this process holds (its own listing's excepted) and what
MEMGATE_PHASE_FD names, as JSON on stdout, then marks a phase through a forked child (which
inherits the descriptor like any child) and exits 0.

Usage: phase_fds.py
"""

import json
import os
import stat

fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
# listdir's own descriptor is closed again by now: keep those that still exist.
fds = [fd for fd in fds if os.path.exists(f"/proc/self/fd/{fd}")]
named = os.environ.get("MEMGATE_PHASE_FD")
kinds = {}
for fd in fds:
    mode = os.fstat(fd).st_mode
    kinds[fd] = "fifo" if stat.S_ISFIFO(mode) else "other"
print(json.dumps({"fds": fds, "named": named, "kinds": {str(k): v for k, v in kinds.items()}}))
pid = os.fork()
if pid == 0:
    os.write(int(named), b"memgate:phase from-child\n")
    os._exit(0)
os.waitpid(pid, 0)
