"""Load a float64 table in chunks (a load phase of a few seconds), then work on it (~6 s)."""
import time
import numpy as np
chunks = []
for i in range(40):
    chunks.append(np.random.default_rng(i).standard_normal((100_000, 8)))  # 6.1 MiB each
    time.sleep(0.06)
data = np.concatenate(chunks)
del chunks
start = time.monotonic()
acc = 0.0
while time.monotonic() - start < 3.0:
    acc += float((data * 1.0001).sum())
print(acc)
