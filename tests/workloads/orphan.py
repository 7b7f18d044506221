"""Double-fork: a grandchild, orphaned when its parent exits at once, holds SIZE MiB for HOLD
seconds; the original process exits right after its child did (long before the grandchild ends).

Usage: orphan.py SIZE HOLD

The grandchild is reparented away from the tree (to init, or to the nearest child subreaper), so
`/usr/bin/time` and a walk of the tree from the root process never see it.

Known truth: peak ≈ SIZE MiB + one interpreter's baseline (the grandchild's); the run lasts at
least HOLD seconds if the tool waits for the whole tree; processes = 3.
"""

import os
import time

from _common import allocate, arg, mib, seconds

size = arg(1, convert=mib)
hold = arg(2, convert=seconds)

pid = os.fork()
if pid == 0:
    if os.fork() == 0:
        block = allocate(size)
        time.sleep(hold)
        os._exit(0)
    os._exit(0)  # the middle process exits: the grandchild is orphaned
os.waitpid(pid, 0)
