"""Phases of known sizes, marked on MEMGATE_PHASE_FD: `idle` (nothing), then each SIZE MiB held
for SECONDS, freed before the next phase's marker.

Usage: phases.py SECONDS NAME=SIZE...   e.g. phases.py 0.6 load=200 train=100 eval=50

Known truth: each phase's peak = its SIZE MiB + the idle interpreter's, which it prints first
(`baseline-bytes N`: RssAnon + RssShmem from its /proc/self/status). Outside memgate (no
MEMGATE_PHASE_FD) it runs the same and marks nothing.
"""

import os
import sys
import time

from _common import allocate, arg, mib, seconds

FD = os.environ.get("MEMGATE_PHASE_FD")


def phase(name):
    # The documented one-liner (docs/phases.md).
    FD and os.write(int(FD), f"memgate:phase {name}\n".encode())


hold = arg(1, convert=seconds)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
baseline = sum(int(status[k].split()[0]) * 1024 for k in ("RssAnon", "RssShmem"))
print(f"baseline-bytes {baseline}", flush=True)
phase("idle")
time.sleep(hold)
for spec in sys.argv[2:]:
    name, size = spec.split("=")
    phase(name)
    block = allocate(mib(size))
    time.sleep(hold)
    del block
