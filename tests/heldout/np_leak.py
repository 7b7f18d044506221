"""A numpy training loop that leaks: it keeps every batch's activations (~6 MiB/s), ~12 s."""
import time
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((100_000, 32))
w = np.zeros(32)
history = []
start = time.monotonic()
last = start
while time.monotonic() - start < 12.0:
    xb = X[rng.integers(0, len(X), 2048)]
    w -= 0.01 * xb.T @ (xb @ w - 1.0) / 2048
    now = time.monotonic()
    if now - last >= 0.1:
        history.append(np.ones(78_643))  # 0.6 MiB every 0.1 s = 6 MiB/s, kept forever
        last = now
print(len(history))
