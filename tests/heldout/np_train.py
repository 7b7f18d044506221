"""A numpy-only training loop: logistic regression by mini-batch SGD on synthetic data (~8 s)."""
import time
import numpy as np
rng = np.random.default_rng(0)
n, d = 200_000, 64
X = rng.standard_normal((n, d)).astype(np.float64)
w_true = rng.standard_normal(d)
y = (X @ w_true + 0.5 * rng.standard_normal(n) > 0).astype(np.float64)
w = np.zeros(d)
start = time.monotonic()
epoch = 0
while time.monotonic() - start < 7.0:
    perm = rng.permutation(n)
    for i in range(0, n, 4096):
        idx = perm[i:i + 4096]
        xb, yb = X[idx], y[idx]
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        w -= 0.1 * xb.T @ (p - yb) / len(idx)
    epoch += 1
print("epochs", epoch, "acc", ((X @ w > 0) == y).mean())
