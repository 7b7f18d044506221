"""Helpers shared by the workloads (imported, never run on its own).

Memory is allocated with ``bytearray(b"\\x01") * n``, which writes every byte, so every page is
really resident. ``bytearray(n)`` would be calloc'd: untouched zero pages that no tool should count.
"""

import os
import sys

MIB = 1 << 20


def mib(text):
    """A size argument in MiB (may be fractional) as a number of bytes."""
    return int(float(text) * MIB)


def seconds(text):
    return float(text)


def allocate(size_bytes):
    """``size_bytes`` of touched, private, anonymous memory."""
    if size_bytes <= 0:
        return bytearray()
    return bytearray(b"\x01") * size_bytes


def arg(index, default=None, convert=str):
    """argv[index], or ``default`` when absent (``None``: required), passed through ``convert``."""
    if len(sys.argv) > index:
        return convert(sys.argv[index])
    if default is None:
        sys.exit(f"usage: {os.path.basename(sys.argv[0])}: missing argument {index}")
    return convert(str(default))


class StartTogether:
    """A pipe barrier between a parent and the workers it forks: each worker calls ``arrive()``
    when its memory is in place and blocks until the parent, in ``release(n)``, has seen all n
    arrive. Their holds then overlap for sure, however loaded the machine: the peak is the same
    in every run, so a truth measured in one run holds for another.

    Make it before forking; the pipes are inherited.
    """

    def __init__(self):
        self._ready_r, self._ready_w = os.pipe()
        self._go_r, self._go_w = os.pipe()

    def arrive(self):
        """In a worker: says it is ready, then waits for the parent's go (EOF on the pipe)."""
        os.close(self._ready_r)
        os.close(self._go_w)
        os.write(self._ready_w, b"r")
        os.read(self._go_r, 1)

    def release(self, n):
        """In the parent, after forking n workers: waits until all have arrived, then lets them go."""
        os.close(self._ready_w)
        os.close(self._go_r)
        got = 0
        while got < n:
            chunk = os.read(self._ready_r, n - got)
            if not chunk:
                break  # a worker died before arriving; its exit status tells
            got += len(chunk)
        os.close(self._ready_r)
        os.close(self._go_w)
