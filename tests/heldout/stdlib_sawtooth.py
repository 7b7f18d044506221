"""stdlib: per-epoch buffers built and dropped, a sawtooth with a flat floor (~10 s)."""
import time
start = time.monotonic()
epochs = 0
while time.monotonic() - start < 10.0:
    buf = [bytes(1024) for _ in range(60_000)]  # ~60 MiB, freed each epoch
    s = sum(len(b) for b in buf)
    del buf
    epochs += 1
print(epochs, s)
