"""A parent allocates SIZE MiB, then forks N workers that read it (copy-on-write, shared) and each
allocate WORKER MiB of their own, all holding for HOLD seconds: DataLoader workers that share the
parent's dataset and build their own batches.

Usage: cow_workers.py SIZE N WORKER HOLD

Known truth: peak ≈ SIZE + N × WORKER MiB + the parent's baseline (the shared pages exist once);
summed RSS of the tree is ≈ (N + 1) × SIZE + N × WORKER MiB. processes = N + 1.
The workers grow while they already share SIZE MiB, which is where a sharing correction read
at one moment and applied at another goes wrong. A pipe barrier (``StartTogether``) starts every
worker's hold only once all of them have allocated, so the peak is the same in every run.
"""

import os
import time

from _common import StartTogether, allocate, arg, mib, seconds

size = arg(1, convert=mib)
n = arg(2, convert=int)
worker = arg(3, convert=mib)
hold = arg(4, convert=seconds)

block = allocate(size)
together = StartTogether()
pids = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        pages = sum(memoryview(block)[::4096])  # reads one byte per page; writes none
        mine = allocate(worker)
        together.arrive()
        time.sleep(hold)
        os._exit(0 if pages else 3)
    pids.append(pid)
together.release(n)
status = 0
for pid in pids:
    _, code = os.waitpid(pid, 0)
    status = status or code
raise SystemExit(0 if status == 0 else 1)
