"""A tree that would outlive any timeout: a parent, a child, and a double-forked (orphaned)
grandchild, all sleeping SECONDS. Every process keeps this argv, so MARKER (any unique word)
finds all of them with `pgrep -f MARKER`.

Usage: sleeper_tree.py SECONDS MARKER

Known truth: nothing of it may be left running after the measuring tool times out or is told to
stop (SIGTERM, Ctrl-C).
"""

import os
import sys
import time

from _common import arg, seconds

hold = arg(1, convert=seconds)
marker = arg(2)

if os.fork() == 0:  # a child that just sleeps
    time.sleep(hold)
    os._exit(0)
pid = os.fork()
if pid == 0:
    if os.fork() == 0:  # the orphan
        time.sleep(hold)
        os._exit(0)
    os._exit(0)
os.waitpid(pid, 0)
print(f"sleeper_tree {marker}: started", file=sys.stderr, flush=True)
time.sleep(hold)
