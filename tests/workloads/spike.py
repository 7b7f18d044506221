"""Allocate SIZE MiB, free it at once, then (optionally) keep running AFTER seconds and exit 0.

Usage: spike.py SIZE [AFTER]   (AFTER defaults to 0: exit right after freeing)

The block lives only while it is being written and is freed the moment it is complete: its peak
lasts a few milliseconds, shorter than a 10 ms sample. Known truth: peak = SIZE MiB + the idle
interpreter's baseline; steady ≈ the baseline (when AFTER is long enough to have a steady part).
"""

import time

from _common import allocate, arg, mib, seconds

size = arg(1, convert=mib)
after = arg(2, default=0.0, convert=seconds)
block = allocate(size)
del block  # freed at once: the munmap happens here
time.sleep(after)
