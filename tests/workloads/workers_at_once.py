"""Fork N workers that each allocate SIZE MiB and hold it for HOLD seconds, all at the same time.

Usage: workers_at_once.py N SIZE HOLD

A pipe barrier makes sure that all N blocks are resident together: every worker allocates, says
"ready", and waits for the parent's "go" before its HOLD seconds start. The parent waits for all.

Known truth: peak = N × SIZE MiB + the parent's baseline (+ well under 1 MiB of private pages per
worker); processes = N + 1. `/usr/bin/time -v` reports ~ one worker (its ru_maxrss is the largest
single process).
"""

import os
import time

from _common import StartTogether, allocate, arg, mib, seconds

n = arg(1, convert=int)
size = arg(2, convert=mib)
hold = arg(3, convert=seconds)

together = StartTogether()
pids = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        block = allocate(size)
        together.arrive()  # everyone starts holding together
        time.sleep(hold)
        os._exit(0)
    pids.append(pid)
together.release(n)
status = 0
for pid in pids:
    _, code = os.waitpid(pid, 0)
    status = status or code
raise SystemExit(0 if status == 0 else 1)
