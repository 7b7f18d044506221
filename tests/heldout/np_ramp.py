"""numpy: build features in a growing list for the whole (short) run, then summarise (~4 s)."""
import time
import numpy as np
rng = np.random.default_rng(0)
feats = []
start = time.monotonic()
while time.monotonic() - start < 3.5:
    feats.append(rng.standard_normal((20_000, 8)))  # 1.2 MiB per step, bounded by the run
    time.sleep(0.02)
print(np.vstack(feats).mean())
