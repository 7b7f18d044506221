"""A pure-Python CPU loop of a fixed amount of work (MILLIONS million iterations), little memory.

Usage: cpu_bound.py MILLIONS

Used to measure the wall-time slowdown a measuring tool causes: run it bare and under the tool,
interleaved, and compare. About 3 s for MILLIONS = 24 on this project's machines. Prints the loop's
own wall time and its CPU time (this process's user + system) in seconds on stdout, the
interpreter's start-up excluded.
"""

import time

from _common import arg

millions = arg(1, convert=float)
n = int(millions * 1_000_000)
start, start_cpu = time.perf_counter(), time.process_time()
acc = 0
for i in range(n):
    acc = (acc + i * i) % 1_000_003
print(f"{time.perf_counter() - start:.6f} {time.process_time() - start_cpu:.6f}")
