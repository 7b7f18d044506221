# What each worker of pool.py runs: in a module of its own, so that loky's exec'd workers import
# it by name (a function of __main__ would travel pickled by value, its file unknown).
import os
import time


def grow(n, meeting):
    keep = [bytearray(1 << 20) for _ in range(n)]  # WORKER
    # Hold until two different workers have grown (each writes its pid into `meeting`): loky may
    # hand every task to the worker that started first, and the test wants both workers' sites.
    open(os.path.join(meeting, str(os.getpid())), "w").close()
    deadline = time.monotonic() + 30
    while len(os.listdir(meeting)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(keep)
