"""Holds N MiB of touched memory for a moment: a benchmark whose peak is known (tests/container.sh)."""

import sys
import time

mib = int(sys.argv[1])
block = b"\x01" * (mib << 20)
time.sleep(0.6)
print(f"alloc: held {len(block) >> 20} MiB")
