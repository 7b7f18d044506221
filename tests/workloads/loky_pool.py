"""A joblib pool on the loky backend (its default): N tasks on N loky workers (separate
interpreters, spawned by loky), each allocating SIZE MiB and holding it for HOLD seconds, all at
about the same time (one task per worker, dispatched one by one).

Usage: loky_pool.py N SIZE HOLD

Known truth: at the peak, N loky workers each hold SIZE MiB and an interpreter of their own
(with joblib imported), beside the parent and loky's resource tracker.
"""

import time

from joblib import Parallel, delayed

from _common import allocate, arg, mib, seconds


def task(size, hold):
    block = allocate(size)
    time.sleep(hold)
    return len(block)


if __name__ == "__main__":
    n = arg(1, convert=int)
    size = arg(2, convert=mib)
    hold = arg(3, convert=seconds)
    Parallel(n_jobs=n, batch_size=1)(delayed(task)(size, hold) for _ in range(n))
