"""Grow by STEP MiB every STEP_SECS seconds, STEPS times, keeping everything; then exit 0.

Usage: leak.py STEP STEPS STEP_SECS

Known truth: growth slope = STEP / STEP_SECS MiB/s; peak = STEP × STEPS MiB + the baseline.
"""

import time

from _common import allocate, arg, mib, seconds

step = arg(1, convert=mib)
steps = arg(2, convert=int)
step_secs = arg(3, convert=seconds)

kept = []
start = time.monotonic()
for i in range(steps):
    kept.append(allocate(step))
    # An absolute schedule: allocation time does not stretch the period.
    delay = start + (i + 1) * step_secs - time.monotonic()
    if delay > 0:
        time.sleep(delay)
