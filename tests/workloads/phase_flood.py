"""A hostile phase writer: floods MEMGATE_PHASE_FD with junk, control characters, workflow
commands, overlong names and more markers than memgate keeps, then exits 0.

Usage: phase_flood.py FLOOD_MIB

Known truth: memgate keeps at most 100 phases, drops the rest with a note, and never blocks the
writer for good (the run ends).
"""

import os

from _common import arg, mib

fd = int(os.environ["MEMGATE_PHASE_FD"])
flood = arg(1, convert=mib)


def write(data):
    os.write(fd, data)


write(b"memgate:phase ::error file=memgate.yml::owned\n")
write(b"memgate:phase a\x1b[31mred\x07\n")  # control characters: dropped
write(b"memgate:phase \xff\xfe\n")  # not UTF-8: dropped
write(b"memgate:phase " + b"N" * 10_000 + b"\n")  # overlong: dropped
write(b"memgate:phase @octocat | <b>x</b> `tick`\n")
line = b"junk " * 50 + b"\n"
written = 0
while written < flood:
    write(line)
    written += len(line)
for i in range(300):
    write(b"memgate:phase step-%d\n" % i)
