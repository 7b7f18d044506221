"""A ``multiprocessing`` pool with the fork start method (joblib's ``multiprocessing`` backend):
the parent holds a SIZE MiB array, then runs ROUNDS rounds of N tasks on N forked workers, each
worker used for one task only (``maxtasksperchild=1``), so every round forks fresh workers that
share the parent's array copy-on-write. Each task reads every page of the array (writes none),
allocates WORKER MiB of its own, waits until all N have done so (a barrier), and holds for HOLD
seconds.

Usage: fork_pool.py SIZE N WORKER ROUNDS HOLD

Known truth: peak ≈ SIZE + N × WORKER MiB + the parent's baseline (+ well under 2 MiB of private
pages per forked worker): the array's pages exist once. Summed RSS is ≈ (N + 1) × SIZE + N ×
WORKER MiB. processes = N + 1 at once, 1 + ROUNDS × N over the run.
"""

import multiprocessing as mp
import time

from _common import allocate, arg, mib, seconds

BLOCK = b""
BARRIER = None


def init(barrier):
    global BARRIER
    BARRIER = barrier


def task(job):
    worker, hold = job
    pages = sum(memoryview(BLOCK)[::4096])  # reads one byte per page; writes none
    mine = allocate(worker)
    BARRIER.wait()
    time.sleep(hold)
    del mine
    return pages


def main():
    global BLOCK
    size = arg(1, convert=mib)
    n = arg(2, convert=int)
    worker = arg(3, convert=mib)
    rounds = arg(4, convert=int)
    hold = arg(5, convert=seconds)
    BLOCK = bytes(allocate(size))
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(n)
    with ctx.Pool(n, initializer=init, initargs=(barrier,), maxtasksperchild=1) as pool:
        for _ in range(rounds):
            pages = pool.map(task, [(worker, hold)] * n, chunksize=1)
            assert pages == [(size + 4095) // 4096] * n, pages


if __name__ == "__main__":
    main()
