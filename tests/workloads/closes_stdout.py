"""Close stdout early, then keep working (allocate SIZE MiB, hold HOLD seconds), exit 0.

Usage: closes_stdout.py [SIZE] [HOLD]   (defaults: 50 MiB, 0.3 s)

Known truth: exit 0; peak ≈ SIZE MiB + the baseline. The measuring tool must not crash or report
an error because its child's stdout is gone.
"""

import os
import sys
import time

from _common import allocate, arg, mib, seconds

size = arg(1, default=50.0, convert=mib)
hold = arg(2, default=0.3, convert=seconds)

print("about to close stdout", flush=True)
sys.stdout = None
os.close(1)
block = allocate(size)
time.sleep(hold)
sys.stderr.write("closes_stdout: still working after closing stdout\n")
