"""A regression memgate should explain, not only catch: activations kept longer than needed.

A toy 8-layer network (a per-feature scale and shift, then ReLU: cheap, so the run takes seconds)
trained by forward and backward passes over mini-batches, in plain numpy. The forward
pass keeps each layer's input for the backward pass, as every framework does. Run it two ways:

  layers.py                  the saved inputs of a step are dropped after its backward pass
  layers.py --keep-inputs    the "pull request": the list of saved inputs is made once per epoch
                             instead of once per step, so every step's activations stay alive
                             until the epoch ends (8 steps x 8 layers x 4 MiB = +224 MiB at the peak)

The figures differ for one reason, and it is one line: the activation made in `Layer.forward`
(`np.maximum(x * self.scale + self.shift, 0)`) is what is held at the peak. memgate's allocation sites (a re-run
under memray when the gate fails) name that line; the per-process breakdown names the process.
"""

import argparse

import numpy as np

ROWS, WIDTH, LAYERS, BATCH, STEPS_PER_EPOCH, EPOCHS = 16_384, 512, 8, 2_048, 8, 6


class Layer:
    def __init__(self, rng: np.random.Generator, width: int):
        self.scale = rng.uniform(0.5, 1.5, width).astype(np.float32)
        self.shift = np.zeros(width, dtype=np.float32)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x * self.scale + self.shift, 0)

    def backward(self, x: np.ndarray, out: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        grad = grad * (out > 0)
        self.scale -= lr * (x * grad).mean(axis=0)
        self.shift -= lr * grad.mean(axis=0)
        return grad * self.scale


def step(layers, batch, target, saved, lr=1e-3):
    """One forward and backward pass; `saved` receives each layer's input and output."""
    x = batch
    for layer in layers:
        out = layer.forward(x)
        saved.append((x, out))
        x = out
    grad = x - target
    for layer, (x_in, out) in zip(reversed(layers), reversed(saved[-len(layers):])):
        grad = layer.backward(x_in, out, grad, lr)
    return float(np.mean((x - target) ** 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-inputs", action="store_true", help="keep every step's activations until the epoch ends")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    data = rng.standard_normal((ROWS, WIDTH), dtype=np.float32)
    target = np.zeros((BATCH, WIDTH), dtype=np.float32)
    layers = [Layer(rng, WIDTH) for _ in range(LAYERS)]
    for epoch in range(EPOCHS):
        saved_for_epoch = []
        for i in range(STEPS_PER_EPOCH):
            batch = data[i * BATCH:(i + 1) * BATCH]
            saved = saved_for_epoch if args.keep_inputs else []
            loss = step(layers, batch, target, saved)
        print(f"epoch {epoch}: loss {loss:.4f}")


if __name__ == "__main__":
    main()
