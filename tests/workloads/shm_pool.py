"""A pool of N spawned workers (separate interpreters, as joblib's loky backend starts them) that
share one SIZE MiB array through /dev/shm, in ROUNDS rounds: in each, every worker maps the array,
reads every page, allocates WORKER MiB of its own, waits until all workers have done so (a
barrier), holds for HOLD seconds, then unmaps the array and frees its memory. Between rounds no
worker maps the array, as between joblib's tasks.

Usage: shm_pool.py MODE SIZE N WORKER ROUNDS HOLD

MODE ``shm``: ``multiprocessing.shared_memory`` (shm_open; the parent keeps it mapped too).
MODE ``memmap``: a file in /dev/shm written by the parent, which does not map it, and mapped
read-only (``MAP_SHARED``) by each worker, as joblib memmaps large arguments.

Known truth: peak ≈ SIZE + N × WORKER MiB + the parent's baseline + N + 1 interpreters'
baselines (the workers and multiprocessing's resource tracker): the array's pages exist once,
however many processes map them. Summed RSS is ≈ (N or N + 1) × SIZE + N × WORKER MiB.
processes = N + 2.
"""

import mmap
import multiprocessing as mp
import os
import time
from multiprocessing import shared_memory

from _common import allocate, arg, mib, seconds

CHUNK = 1 << 20
BARRIER = None


def init(barrier):
    global BARRIER
    BARRIER = barrier


def task(job):
    mode, name, size, worker, hold = job
    if mode == "shm":
        shm = shared_memory.SharedMemory(name=name)
        view = shm.buf
    else:
        with open(name, "rb") as file:
            shm = mmap.mmap(file.fileno(), size, access=mmap.ACCESS_READ)
        view = memoryview(shm)
    pages = sum(view[::4096])  # reads one byte per page; writes none
    mine = allocate(worker)
    BARRIER.wait()
    time.sleep(hold)
    view.release()
    shm.close()
    del mine
    return pages


def fill(write, size):
    ones = b"\x01" * CHUNK
    for start in range(0, size, CHUNK):
        write(start, ones[: min(CHUNK, size - start)])


def main():
    mode = arg(1)
    size = arg(2, convert=mib)
    n = arg(3, convert=int)
    worker = arg(4, convert=mib)
    rounds = arg(5, convert=int)
    hold = arg(6, convert=seconds)
    ctx = mp.get_context("spawn")
    if mode == "shm":
        shm = shared_memory.SharedMemory(create=True, size=size)
        name = shm.name

        def write(start, data):
            shm.buf[start : start + len(data)] = data

    else:
        name = f"/dev/shm/memgate-shm-pool-{os.getpid()}"
        shm = open(name, "wb")

        def write(start, data):
            shm.write(data)

    try:
        fill(write, size)
        if mode != "shm":
            shm.close()
        with ctx.Pool(n, initializer=init, initargs=(ctx.Barrier(n),)) as pool:
            for _ in range(rounds):
                jobs = [(mode, name, size, worker, hold)] * n
                pages = pool.map(task, jobs, chunksize=1)
                assert pages == [(size + 4095) // 4096] * n, pages
    finally:
        if mode == "shm":
            shm.close()
            shm.unlink()
        else:
            os.unlink(name)


if __name__ == "__main__":
    main()
