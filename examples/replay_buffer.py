"""Memory advice: give an experience (replay) buffer a fixed capacity; an unbounded one is a leak.

A DQN-style reinforcement-learning loop: a simulated environment yields stacked frames (4 x 84 x 84
float32, 110 KiB), every transition (obs, action, reward, next_obs, done) is stored with copies of
both observations (about 220 KiB), and every 4 steps a batch of 32 stored transitions is sampled for
a gradient step of a linear Q-function. The environment is paced at a fixed 200 steps per second
(3 s for the default 600 steps), as a simulator or a real environment would be. Run it twice:

  replay_buffer.py --mode unbounded   buffer = []; buffer.append(...)        grows without end
  replay_buffer.py --mode bounded     buffer = deque(maxlen=100); same code   stays flat

Why the pair differs: the unbounded buffer keeps every transition ever seen, so memory grows by
about 220 KiB per step, ~43 MiB/s at 200 steps/s, for as long as training runs: a leak, however
slowly it goes, that ends in an out-of-memory kill on a long run. A `deque(maxlen=N)` drops the
oldest transition when a new one arrives, so after N steps (100 here, half a second) memory stays
at N transitions, whatever the run's length. memgate's `growth` budget (the slope of memory's floor
after warm-up) catches the first and passes the second.
"""

import argparse
import random
import sys
import time
from collections import deque

import numpy as np

FRAMES, HEIGHT, WIDTH = 4, 84, 84
ACTIONS = 6


class Environment:
    """A stand-in for an Atari-like environment: random frames, a reward that depends on the action."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.obs = rng.random((FRAMES, HEIGHT, WIDTH), dtype=np.float32)

    def step(self, action: int):
        frame = self.rng.random((1, HEIGHT, WIDTH), dtype=np.float32)
        self.obs = np.concatenate([self.obs[1:], frame])   # a new stacked observation
        reward = float(frame[0, action * 14 : action * 14 + 14].mean() > 0.5)
        done = self.rng.random() < 0.01
        return self.obs, reward, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["unbounded", "bounded"], required=True)
    parser.add_argument("--capacity", type=int, default=100, help="bounded buffer size (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--rate", type=float, default=200.0, help="environment steps per second (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--train-every", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    sampler = random.Random(args.seed)
    env = Environment(rng)
    buffer = [] if args.mode == "unbounded" else deque(maxlen=args.capacity)

    weights = np.zeros((FRAMES * HEIGHT * WIDTH, ACTIONS), dtype=np.float32)
    gamma, lr, epsilon = np.float32(0.99), np.float32(1e-6), 0.1
    obs = env.obs
    total_reward = 0.0
    updates = 0
    td_error = 0.0

    start = time.perf_counter()
    for step in range(args.steps):
        if sampler.random() < epsilon:
            action = sampler.randrange(ACTIONS)
        else:
            action = int(np.argmax(obs.reshape(-1) @ weights))
        next_obs, reward, done = env.step(action)
        buffer.append((obs.copy(), action, reward, next_obs.copy(), done))
        total_reward += reward
        obs = next_obs

        if step % args.train_every == 0 and len(buffer) >= args.batch:
            picked = [buffer[i] for i in sampler.sample(range(len(buffer)), args.batch)]
            states = np.stack([t[0] for t in picked]).reshape(args.batch, -1)
            next_states = np.stack([t[3] for t in picked]).reshape(args.batch, -1)
            actions = np.array([t[1] for t in picked])
            rewards = np.array([t[2] for t in picked], dtype=np.float32)
            dones = np.array([t[4] for t in picked], dtype=np.float32)
            targets = rewards + gamma * (1 - dones) * (next_states @ weights).max(axis=1)
            q = (states @ weights)[np.arange(args.batch), actions]
            error = q - targets
            gradient = np.zeros((args.batch, ACTIONS), dtype=np.float32)
            gradient[np.arange(args.batch), actions] = error
            weights -= lr * (states.T @ gradient)
            td_error = float(np.mean(error**2))
            updates += 1

        # The environment runs at a fixed rate: wait for the next tick.
        delay = start + (step + 1) / args.rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)

    held = sum(t[0].nbytes + t[3].nbytes for t in buffer)
    print(
        f"replay_buffer: {args.mode}: {args.steps} steps, {updates} updates, reward {total_reward:.0f}, "
        f"last TD error {td_error:.6f}; buffer holds {len(buffer)} transitions ({held / 2**20:.1f} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
