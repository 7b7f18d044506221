"""Memory advice: stream a file line by line (a generator), don't read it whole into a list.

Summarises one column of .memgate/data/events.csv (2,000,000 rows, about 195 MiB, written by
make_data.py): its mean and standard deviation, by the textbook two passes (the mean first, then
the squared deviations from it), and the number of rows with label 1. Run it twice:

  read_lines.py --mode whole    lines = f.readlines(), then two passes over the list
  read_lines.py --mode stream   for line in f: ..., twice (one line alive at a time)

Why the pair differs: `readlines()` (like `f.read().splitlines()` or `list(f)`) keeps every line
alive at once as its own Python str: each 102-byte line costs about 150 bytes of object plus 8
bytes of list slot, so a 195 MiB file becomes a list of about 300 MiB. Streaming holds one line (and
the file object's small read buffer) at a time, so its memory does not depend on the file's size.
Needing two passes is no reason to keep the lines: reading the file again is cheap (the second
read comes from the page cache). Both modes compute the same figures, in the same order.

The streamed file still passes through the kernel's page cache, which a memory cgroup counts in its
total; that is file-backed memory the kernel drops when it needs the room, so memgate's budgets
count anonymous + shared memory only (by default) and the streamed run shows only the interpreter's
few MiB.
"""

import argparse
import sys
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / ".memgate" / "data" / "events.csv"


def first_pass(rows, column: int, label: int):
    """Row count, sum of `column`, and count of rows with label 1."""
    count = positives = 0
    total = 0.0
    for line in rows:
        fields = line.split(",")
        total += float(fields[column])
        positives += fields[label] == "1\n"    # label is the last column: it keeps the newline
        count += 1
    return count, total, positives


def second_pass(rows, column: int, mean: float):
    """Sum of squared deviations of `column` from `mean` (the two-pass variance)."""
    squares = 0.0
    for line in rows:
        deviation = float(line.split(",")[column]) - mean
        squares += deviation * deviation
    return squares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["whole", "stream"], required=True)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="(default: %(default)s)")
    parser.add_argument("--column", default="x3", help="column to summarise (default: %(default)s)")
    args = parser.parse_args()

    if not args.file.is_file():
        sys.exit(f"read_lines: {args.file} is missing; run make_data.py first")

    if args.mode == "whole":
        with open(args.file, encoding="ascii") as f:
            lines = f.readlines()                      # every line in memory at once
        header = lines[0].rstrip("\n").split(",")
        column, label = header.index(args.column), header.index("label")
        count, total, positives = first_pass(islice(lines, 1, None), column, label)
        squares = second_pass(islice(lines, 1, None), column, total / count)
    else:
        # Two passes means reading the file twice: one line alive at a time, each time.
        with open(args.file, encoding="ascii") as f:
            header = f.readline().rstrip("\n").split(",")
            column, label = header.index(args.column), header.index("label")
            count, total, positives = first_pass(f, column, label)
        with open(args.file, encoding="ascii") as f:
            f.readline()
            squares = second_pass(f, column, total / count)

    print(
        f"read_lines: {args.mode}: {count} rows; {args.column}: mean {total / count:.6f}, "
        f"std {(squares / count) ** 0.5:.6f}; label=1 in {positives} rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
