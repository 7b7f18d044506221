"""Memory advice: run a model over a dataset in mini-batches, not in one full batch.

Evaluates a small two-layer network (64 -> 128 ReLU -> 1 sigmoid) on a synthetic dataset of
131072 rows x 64 float32 features (32 MiB), once per saved checkpoint (20 weight sets, as when
picking the best checkpoint on a validation set), and reports the log-loss of the best one. Run it twice:

  batches.py --mode full   one giant matmul over all rows at once
  batches.py --mode mini   the same computation, 1024 rows at a time

Why the pair differs: the dataset is the same in both, but the intermediate activations are not.
In full-batch mode, X @ W1 + b1 and its ReLU are each rows x hidden float32 arrays (131072 x 128
-> 64 MiB each), alive together, and while one checkpoint's are being computed the previous
checkpoint's hidden layer is still bound to its variable: six times the size of the dataset.
In mini-batch mode the same arrays are 1024 x 128 (512 KiB each), so memory is the dataset plus
the interpreter. The losses agree to the digits printed (float32 sums in a different order).
"""

import argparse
import sys

import numpy as np


def make_dataset(rng: np.random.Generator, rows: int, cols: int):
    X = rng.standard_normal((rows, cols), dtype=np.float32)
    w = rng.standard_normal(cols, dtype=np.float32)
    y = (X @ w + rng.standard_normal(rows, dtype=np.float32) * 4 > 0).astype(np.float32)
    return X, y


def make_checkpoints(rng: np.random.Generator, count: int, cols: int, hidden: int):
    return [
        (
            rng.standard_normal((cols, hidden), dtype=np.float32) / np.float32(np.sqrt(cols)),
            rng.standard_normal(hidden, dtype=np.float32) * np.float32(0.1),
            rng.standard_normal(hidden, dtype=np.float32) / np.float32(np.sqrt(hidden)),
            np.float32(0.0),
        )
        for _ in range(count)
    ]


def log_loss_sum(logits: np.ndarray, y: np.ndarray) -> float:
    """Sum of binary cross-entropy from logits, in a numerically stable form."""
    return float(np.sum(np.logaddexp(0, logits) - y * logits, dtype=np.float64))


def evaluate_full(X, y, checkpoints):
    losses = []
    for W1, b1, w2, b2 in checkpoints:
        hidden = np.maximum(X @ W1 + b1, 0)        # rows x hidden, twice over
        logits = hidden @ w2 + b2
        losses.append(log_loss_sum(logits, y) / len(X))
    return losses


def evaluate_mini(X, y, checkpoints, batch: int):
    losses = []
    for W1, b1, w2, b2 in checkpoints:
        total = 0.0
        for start in range(0, len(X), batch):
            xb, yb = X[start : start + batch], y[start : start + batch]
            hidden = np.maximum(xb @ W1 + b1, 0)   # batch x hidden
            logits = hidden @ w2 + b2
            total += log_loss_sum(logits, yb)
        losses.append(total / len(X))
    return losses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["full", "mini"], required=True)
    parser.add_argument("--rows", type=int, default=131_072)
    parser.add_argument("--cols", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--checkpoints", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1024, help="mini-batch rows (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    X, y = make_dataset(rng, args.rows, args.cols)
    checkpoints = make_checkpoints(rng, args.checkpoints, args.cols, args.hidden)
    if args.mode == "full":
        losses = evaluate_full(X, y, checkpoints)
    else:
        losses = evaluate_mini(X, y, checkpoints, args.batch)

    best = int(np.argmin(losses))
    print(
        f"batches: {args.mode}: {len(X)} rows x {args.cols} ({X.nbytes / 2**20:.0f} MiB), "
        f"{len(checkpoints)} checkpoints: best #{best} log-loss {losses[best]:.5f}, "
        f"worst {max(losses):.5f}, mean {np.mean(losses):.5f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
