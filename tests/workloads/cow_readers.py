"""A parent allocates SIZE MiB, then forks N children that only READ it (copy-on-write), and all
hold for HOLD seconds.

Usage: cow_readers.py SIZE N HOLD

Each child reads one byte of every page through a strided memoryview (so every shared page is
mapped in the child too) and never writes to the block. This is what DataLoader-style workers do.
A pipe barrier (``StartTogether``) starts every child's hold only once all of them have read it.

Known truth: peak ≈ SIZE MiB + the parent's baseline (the pages exist once); summed RSS of the tree
is ≈ (N + 1) × SIZE MiB. processes = N + 1.
"""

import os
import time

from _common import StartTogether, allocate, arg, mib, seconds

size = arg(1, convert=mib)
n = arg(2, convert=int)
hold = arg(3, convert=seconds)

block = allocate(size)
together = StartTogether()
pids = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        total = sum(memoryview(block)[::4096])  # reads one byte per page; writes none
        together.arrive()
        time.sleep(hold)
        os._exit(0 if total == len(block) // 4096 + (len(block) % 4096 > 0) else 3)
    pids.append(pid)
together.release(n)
status = 0
for pid in pids:
    _, code = os.waitpid(pid, 0)
    status = status or code
raise SystemExit(0 if status == 0 else 1)
