"""Write the data files the examples read, into .memgate/data/ next to this script.

This is a `setup` step of memgate.yml, so it runs once, before and outside any measured benchmark:
the benchmarks then measure only reading and using the data, not making it.

  events.csv   2,000,000 rows of fixed width (102 bytes), about 195 MiB: an id, ten features
               x0..x9 in [0, 1) with six decimals, and a 0/1 label. Read by read_lines.py.
  sensors.npy  a float64 array of shape (409600, 128): 400 MiB of data. Read by load_array.py.

Both files are written in chunks (a few MiB at a time), so this script never holds a whole file in
memory, and through a temporary name that is renamed at the end, so an interrupted run never leaves
a file that looks finished. A file that is already there with exactly the expected size is kept,
which makes repeated setup runs (and CI caches of .memgate/) cheap. The content is seeded, so every
machine writes the same bytes.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_DIR = HERE / ".memgate" / "data"

# events.csv layout: "000000001,0.123456,...,0.654321,1\n"
CSV_ROWS = 2_000_000
CSV_FEATURES = 10
ID_DIGITS = 9
FRACTION_DIGITS = 6
CSV_HEADER = ",".join(["id"] + [f"x{i}" for i in range(CSV_FEATURES)] + ["label"]) + "\n"
# id + (comma, "0.", 6 digits) per feature + comma + label + newline
CSV_ROW_BYTES = ID_DIGITS + CSV_FEATURES * (1 + 2 + FRACTION_DIGITS) + 1 + 1 + 1
CSV_CHUNK_ROWS = 50_000  # 5 MB of text per write

# sensors.npy layout
NPY_SHAPE = (409_600, 128)  # 409600 * 128 * 8 bytes = 400 MiB
NPY_DTYPE = np.dtype("<f8")
NPY_CHUNK_ROWS = 16_384  # 16 MiB per write


def csv_size() -> int:
    return len(CSV_HEADER) + CSV_ROWS * CSV_ROW_BYTES


def npy_header() -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer,
        {"descr": np.lib.format.dtype_to_descr(NPY_DTYPE), "fortran_order": False, "shape": NPY_SHAPE},
    )
    return buffer.getvalue()


def npy_size() -> int:
    return len(npy_header()) + NPY_SHAPE[0] * NPY_SHAPE[1] * NPY_DTYPE.itemsize


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """ASCII digits of non-negative integers, zero-padded to `width`: shape (len(values), width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + ord("0")).astype(np.uint8)


def csv_chunk(rng: np.random.Generator, first_id: int, rows: int) -> bytes:
    """`rows` fixed-width CSV rows, built as one uint8 matrix (no per-row Python formatting)."""
    out = np.empty((rows, CSV_ROW_BYTES), dtype=np.uint8)
    out[:, :ID_DIGITS] = digits(np.arange(first_id, first_id + rows, dtype=np.int64), ID_DIGITS)
    features = rng.integers(0, 10**FRACTION_DIGITS, size=(rows, CSV_FEATURES), dtype=np.int64)
    column = ID_DIGITS
    for f in range(CSV_FEATURES):
        out[:, column] = ord(",")
        out[:, column + 1] = ord("0")
        out[:, column + 2] = ord(".")
        out[:, column + 3 : column + 3 + FRACTION_DIGITS] = digits(features[:, f], FRACTION_DIGITS)
        column += 3 + FRACTION_DIGITS
    # The label depends on the features, as a label should: x0 + x1 > 1 (in units of 1e-6).
    label = (features[:, 0] + features[:, 1] > 10**FRACTION_DIGITS).astype(np.uint8)
    out[:, column] = ord(",")
    out[:, column + 1] = label + ord("0")
    out[:, column + 2] = ord("\n")
    return out.tobytes()


def write_csv(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(CSV_HEADER.encode("ascii"))
        for start in range(0, CSV_ROWS, CSV_CHUNK_ROWS):
            rows = min(CSV_CHUNK_ROWS, CSV_ROWS - start)
            f.write(csv_chunk(rng, start + 1, rows))
    os.replace(tmp, path)


def write_npy(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, cols = NPY_SHAPE
    # Each column is a sensor with its own level and noise.
    level = rng.uniform(-5.0, 5.0, size=cols)
    noise = rng.uniform(0.5, 2.0, size=cols)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(npy_header())
        for start in range(0, rows, NPY_CHUNK_ROWS):
            n = min(NPY_CHUNK_ROWS, rows - start)
            chunk = rng.standard_normal((n, cols))
            chunk *= noise
            chunk += level
            chunk.astype(NPY_DTYPE, copy=False).tofile(f)
    os.replace(tmp, path)


def ensure(path: Path, size: int, write, seed: int) -> None:
    if path.is_file() and path.stat().st_size == size:
        print(f"make_data: {path.name} is there ({size / 2**20:.1f} MiB), kept")
        return
    started = time.perf_counter()
    write(path, seed)
    actual = path.stat().st_size
    if actual != size:
        sys.exit(f"make_data: wrote {actual} bytes to {path}, expected {size}")
    elapsed = time.perf_counter() - started
    print(f"make_data: wrote {path.name} ({size / 2**20:.1f} MiB) in {elapsed:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where to write (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    args.dir.mkdir(parents=True, exist_ok=True)
    ensure(args.dir / "events.csv", csv_size(), write_csv, args.seed)
    ensure(args.dir / "sensors.npy", npy_size(), write_npy, args.seed + 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
