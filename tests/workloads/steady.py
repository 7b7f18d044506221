"""Hold SIZE MiB for SECONDS, then exit 0.

Usage: steady.py SIZE SECONDS

Known truth: peak = steady = SIZE MiB + the idle interpreter's baseline; growth 0 MiB/s.
``steady.py 0 0.5`` is the idle baseline itself.
"""

import time

from _common import allocate, arg, mib, seconds

size = arg(1, convert=mib)
hold = arg(2, convert=seconds)
block = allocate(size)
time.sleep(hold)
