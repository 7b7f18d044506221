//! The starter `memgate.yml` that `memgate init` writes.

/// A commented `memgate.yml` to start from. It loads as it is; its one benchmark is an example to
/// replace.
pub const STARTER_CONFIG: &str = r#"# memgate.yml: the benchmarks memgate measures, and the memory they may use.
# Check it with `memgate validate`; run it with `memgate check`.
# Sizes: B, KiB, MiB, GiB (powers of 1024) or KB, MB, GB (powers of 1000), e.g. 400MiB, 1.5GiB.
# Durations: ms, s, m, h. Rates: a size per s or min (2MiB/s). Percentages: 10%.
version: 1

# Settings for every benchmark; a benchmark can set any of them for itself.
defaults:
  runs: 3               # measured runs: peak = largest of them, steady and growth = median
  warmup: 0             # unmeasured runs first
  timeout: 10m          # a run that takes longer is killed and fails
  interval: 10ms        # sampling period
  steady_after: 20%     # warm-up left out of steady state and growth (or a time: 2s)
  min_window: 5s        # growth is judged only over a steady window this long (runs of 6.4s+)
  attribution: on-failure  # re-run a failing Python benchmark once under memray: the lines at its peak
  budget:
    growth: 2MiB/s      # leak slope allowed; applied only when most runs show a significant rise
    warn_at: 90%        # status "warn" (still a pass) above 90% of a budget
  regression:           # against the pull request's base, when it is measured
    peak: 10%
    steady: 10%
    min_delta: 8MiB     # smaller changes are never regressions

# Commands run once, in order, before any benchmark (install what the benchmarks need): a
# virtual environment of its own, made once and reused, not the system's python3.
setup:
  - test -x .memgate/venv/bin/python || python3 -m venv .memgate/venv
  - .memgate/venv/bin/python -m pip install --quiet --requirement requirements.txt

benchmarks:
  - name: example
    # Replace with the command to measure; it runs through `sh -c` from this file's folder.
    # For no shell, write `argv: [.memgate/venv/bin/python, bench/train.py]` instead of `run:`.
    run: .memgate/venv/bin/python -c "import array; data = array.array('d', bytes(64 * 1024 * 1024)); print(len(data))"
    # cwd: .                        # working folder, relative to this file
    # env: { OMP_NUM_THREADS: "1" } # environment variables (values are strings)
    tags: [example]
    budget:
      peak: 400MiB      # largest memory use of the whole process tree
      steady: 300MiB    # median memory use after warm-up

# Pull-request comments on GitHub: always (one comment, edited in place), on-change,
# on-failure or never.
github:
  comment: always
"#;
