"""Memory advice: use float32, not numpy's default float64, for features and weights.

A logistic-regression model trained by full-batch gradient descent on a synthetic N x D feature
matrix. Run it twice:

  train.py --dtype float32    X takes N * D * 4 bytes (196608 x 128 -> 96 MiB)
  train.py --dtype float64    X takes N * D * 8 bytes (192 MiB): twice the memory

Why the pair differs: the feature matrix dominates the process's memory, and float64 stores every
element in 8 bytes instead of 4. numpy creates float64 arrays unless told otherwise (np.random,
np.zeros, np.array of Python floats, np.loadtxt...), so a pipeline is float64 by accident unless it
asks for float32 when the data is made or loaded. For gradient descent, float32's ~7 significant
digits are plenty: both runs reach the same loss and accuracy to the digits printed.
"""

import argparse
import sys

import numpy as np


def make_dataset(rng: np.random.Generator, rows: int, cols: int, dtype: np.dtype, chunk_rows: int = 16_384):
    """Features uniform in [-1, 1) and labels from a noisy linear rule.

    The numbers are drawn as float32 a chunk of rows at a time and stored into an array of `dtype`,
    so both dtypes train on the same data and no full-size float64 temporary is ever made.
    """
    X = np.empty((rows, cols), dtype=dtype)
    block = np.empty((chunk_rows, cols), dtype=np.float32)
    for start in range(0, rows, chunk_rows):
        stop = min(start + chunk_rows, rows)
        rng.random(dtype=np.float32, out=block[: stop - start])
        X[start:stop] = block[: stop - start]
    X *= 2
    X -= 1
    w_true = rng.standard_normal(cols, dtype=np.float32).astype(dtype)
    noise = rng.standard_normal(rows, dtype=np.float32).astype(dtype)
    y = ((X @ w_true + noise) > 0).astype(dtype)
    return X, y


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def train(X: np.ndarray, y: np.ndarray, steps: int, lr: float):
    rows, cols = X.shape
    w = np.zeros(cols, dtype=X.dtype)
    b = X.dtype.type(0)
    eps = X.dtype.type(1e-7)
    for _ in range(steps):
        p = sigmoid(X @ w + b)             # one pass over X
        error = p - y
        grad_w = (X.T @ error) / rows      # a second pass over X
        grad_b = error.mean()
        w -= X.dtype.type(lr) * grad_w
        b -= X.dtype.type(lr) * grad_b
    p = sigmoid(X @ w + b)
    loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    accuracy = np.mean((p > 0.5) == (y > 0.5))
    return float(loss), float(accuracy)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--rows", type=int, default=196_608)
    parser.add_argument("--cols", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--lr", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(args.seed)
    X, y = make_dataset(rng, args.rows, args.cols, dtype)
    loss, accuracy = train(X, y, args.steps, args.lr)
    print(
        f"train: {args.dtype} X {X.shape[0]}x{X.shape[1]} ({X.nbytes / 2**20:.0f} MiB), "
        f"{args.steps} steps: loss {loss:.4f}, accuracy {accuracy:.2%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
