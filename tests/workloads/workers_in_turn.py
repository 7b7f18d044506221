"""Fork N workers one after another; each allocates SIZE MiB, holds it HOLD seconds and exits
before the next one starts.

Usage: workers_in_turn.py N SIZE HOLD

Known truth: peak = SIZE MiB (one worker) + the parent's baseline, NOT N × SIZE; processes = N + 1.
A tool that adds up per-process peaks over the run would report N × SIZE.
"""

import os
import time

from _common import allocate, arg, mib, seconds

n = arg(1, convert=int)
size = arg(2, convert=mib)
hold = arg(3, convert=seconds)

for _ in range(n):
    pid = os.fork()
    if pid == 0:
        block = allocate(size)
        time.sleep(hold)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise SystemExit(1)
