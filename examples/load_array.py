"""Memory advice: memory-map a large array (np.load(mmap_mode="r") / np.memmap), don't load it.

Analyses .memgate/data/sensors.npy, a float64 array of 409600 x 128 (400 MiB, written by
make_data.py), a block of rows at a time: per-column mean, standard deviation, min and max, then a
few iterations of k-means over the rows (one pass over the array each). Run
it twice:

  load_array.py --mode load     X = np.load(path): 400 MiB copied into the process's own memory
  load_array.py --mode memmap   X = np.load(path, mmap_mode="r"): the file mapped, nothing copied

Why the pair differs: np.load reads the whole file into anonymous memory that belongs to the
process, whatever part of it the code goes on to use. With a memory map, the array's pages are the
kernel's page cache of the file: file-backed, clean, shared with any other reader, and dropped
by the kernel under pressure (they can always be read back), so they are not the process's to
budget. memgate's budgets count anonymous + shared memory by default; the memmap run shows only the
interpreter, numpy and the small per-block temporaries, while its file-backed pages show up only in
the "with file-backed pages" figure. Everything is computed by the same code, block by block, in
both modes, and the results are the same to the last digit.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / ".memgate" / "data" / "sensors.npy"


def column_stats(X: np.ndarray, block_rows: int):
    """Mean, standard deviation, min and max of every column: two passes over X."""
    rows, cols = X.shape
    total = np.zeros(cols)
    low = np.full(cols, np.inf)
    high = np.full(cols, -np.inf)
    for start in range(0, rows, block_rows):
        block = X[start : start + block_rows]
        total += block.sum(axis=0)
        np.minimum(low, block.min(axis=0), out=low)
        np.maximum(high, block.max(axis=0), out=high)
    mean = total / rows
    squares = np.zeros(cols)
    for start in range(0, rows, block_rows):
        centred = X[start : start + block_rows] - mean
        squares += np.einsum("ij,ij->j", centred, centred)
    return mean, np.sqrt(squares / rows), low, high


def kmeans(X: np.ndarray, k: int, iterations: int, block_rows: int, seed: int):
    """Lloyd's k-means over the rows of X: one pass over X per iteration. Returns the final inertia
    (sum of squared distances of the rows to their centres) and the size of the largest cluster."""
    rows, cols = X.shape
    rng = np.random.default_rng(seed)
    centres = np.array(X[np.sort(rng.choice(rows, size=k, replace=False))])
    labels = np.arange(k)
    for _ in range(iterations):
        sums = np.zeros((k, cols))
        counts = np.zeros(k)
        inertia = 0.0
        for start in range(0, rows, block_rows):
            block = X[start : start + block_rows]
            # squared distances, block_rows x k, without a block_rows x k x cols temporary
            distances = (
                np.einsum("ij,ij->i", block, block)[:, None]
                - 2.0 * (block @ centres.T)
                + np.einsum("ij,ij->i", centres, centres)[None, :]
            )
            nearest = distances.argmin(axis=1)
            inertia += distances[np.arange(len(block)), nearest].sum()
            one_hot = (nearest[:, None] == labels).astype(X.dtype)
            sums += one_hot.T @ block
            counts += one_hot.sum(axis=0)
        nonempty = counts > 0
        centres[nonempty] = sums[nonempty] / counts[nonempty, None]
    return inertia, int(counts.max())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["load", "memmap"], required=True)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="(default: %(default)s)")
    parser.add_argument("--block-rows", type=int, default=8192, help="(default: %(default)s)")
    parser.add_argument("--clusters", type=int, default=8, help="k of k-means (default: %(default)s)")
    parser.add_argument("--iterations", type=int, default=6, help="k-means passes (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    if not args.file.is_file():
        sys.exit(f"load_array: {args.file} is missing; run make_data.py first")
    if args.mode == "load":
        X = np.load(args.file)                      # a 400 MiB copy in anonymous memory
    else:
        X = np.load(args.file, mmap_mode="r")       # an np.memmap over the file: no copy
    mean, std, low, high = column_stats(X, args.block_rows)
    inertia, largest = kmeans(X, args.clusters, args.iterations, args.block_rows, args.seed)

    print(
        f"load_array: {args.mode}: {X.shape[0]}x{X.shape[1]} {X.dtype} ({X.nbytes / 2**20:.0f} MiB); "
        f"column means {mean.min():.6f}..{mean.max():.6f}, stds {std.min():.6f}..{std.max():.6f}, "
        f"range {low.min():.3f}..{high.max():.3f}; k-means k={args.clusters}: "
        f"inertia {inertia:.6e}, largest cluster {largest} rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
