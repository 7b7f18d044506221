"""Allocate SIZE MiB, then kill itself with SIGKILL.

Usage: sigkill_self.py [SIZE]   (default 20 MiB)

Known truth: the process ends by signal 9 (SIGKILL), no exit code; peak ≈ SIZE MiB + the baseline.
"""

import os
import signal

from _common import allocate, arg, mib

size = arg(1, default=20.0, convert=mib)
block = allocate(size)
os.kill(os.getpid(), signal.SIGKILL)
