//! Results for the report tests: realistic timelines (ramp, plateau with noise, a spike, teardown),
//! judged by memgate's own verdict and compared by its own baseline code, deterministic to the byte.

#![allow(dead_code)] // each test file uses a part

use memgate::config::Regression;
use memgate::gate::compare::apply_baseline;
use memgate::results::{
    BaselineInfo, BenchmarkResult, BudgetFigures, Environment, Method, Phase, PhaseBudget, Results,
    RunResult,
};
use memgate::testing;

pub use memgate::testing::{MIB, budget};

/// The shape of one run's memory over time.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub secs: f64,
    pub points: usize,
    pub plateau_mib: f64,
    /// A short spike to this height at 60% of the run (0: none).
    pub spike_mib: f64,
    /// Leak, MiB per second, on top of the plateau.
    pub leak_mib_s: f64,
    pub seed: u64,
}

impl Shape {
    pub fn new(secs: f64, plateau_mib: f64) -> Self {
        Self {
            secs,
            points: 400,
            plateau_mib,
            spike_mib: 0.0,
            leak_mib_s: 0.0,
            seed: 1,
        }
    }

    pub fn spike(mut self, mib: f64) -> Self {
        self.spike_mib = mib;
        self
    }

    pub fn leak(mut self, mib_s: f64) -> Self {
        self.leak_mib_s = mib_s;
        self
    }

    pub fn points(mut self, points: usize) -> Self {
        self.points = points;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn timeline(&self) -> Vec<(f64, u64)> {
        let mut state = self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut noise = move || {
            // xorshift64: the same numbers on every machine.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 10_000) as f64 / 10_000.0
        };
        let start = 18.0;
        (0..self.points)
            .map(|i| {
                let t = self.secs * i as f64 / (self.points - 1) as f64;
                let x = t / self.secs;
                let mib = if x < 0.15 {
                    start + (self.plateau_mib - start) * (x / 0.15)
                } else if x > 0.985 {
                    start
                } else {
                    let wave = (x * 40.0).sin() * 0.02 * self.plateau_mib;
                    let jitter = (noise() - 0.5) * 0.03 * self.plateau_mib;
                    let spike = if self.spike_mib > 0.0 && (x - 0.6).abs() < 0.012 {
                        self.spike_mib - self.plateau_mib
                    } else {
                        0.0
                    };
                    self.plateau_mib + wave + jitter + spike + self.leak_mib_s * t
                };
                (
                    (t * 1000.0).round() / 1000.0,
                    (mib.max(1.0) * MIB as f64) as u64,
                )
            })
            .collect()
    }

    pub fn run(&self) -> RunResult {
        run_of(self.timeline(), self.secs)
    }
}

/// A run of `timeline` that also had 12 MiB of file-backed pages.
pub fn run_of(timeline: Vec<(f64, u64)>, secs: f64) -> RunResult {
    let run = testing::run(timeline, secs);
    RunResult {
        peak_total_bytes: run.peak_bytes + 12 * MIB,
        file_peak_bytes: 12 * MIB,
        kernel_bytes: None,
        ..run
    }
}

/// A benchmark judged from its runs by memgate's verdict, at line 7 of its config.
pub fn benchmark(
    name: &str,
    command: &str,
    runs: Vec<RunResult>,
    budget: Option<BudgetFigures>,
) -> BenchmarkResult {
    let mut b = testing::judged(name, command, runs, budget);
    b.config_line = Some(7);
    b
}

/// A benchmark that could not start.
pub fn could_not_start(name: &str, command: &str, reason: &str) -> BenchmarkResult {
    let mut b = testing::not_run(name, command, reason);
    b.method = Method::CgroupV2;
    b.budget = Some(budget(Some(100)));
    b.config_line = Some(7);
    b
}

pub fn results(benchmarks: Vec<BenchmarkResult>) -> Results {
    let environment = Environment {
        kernel: "6.8.0-49-generic".to_string(),
        cpus: 4,
        git_sha: Some("9c834f6ff5f47e8d89308e258c76f5dd3b47240d".to_string()),
        git_ref: Some("refs/pull/42/merge".to_string()),
        ..testing::environment(Method::CgroupV2)
    };
    let mut results = testing::results(environment, benchmarks);
    // Fixed, like the date: snapshots do not change with memgate's version.
    results.memgate_version = "0.1.0".to_string();
    results
}

fn runs(shape: Shape, n: u64) -> Vec<RunResult> {
    (0..n).map(|i| shape.seed(shape.seed + i).run()).collect()
}

/// Five benchmarks of an ML repository, one over budget unless `fixed`.
fn suite(f64_plateau: f64) -> Vec<BenchmarkResult> {
    vec![
        benchmark(
            "train-f32",
            ".memgate/venv/bin/python examples/train.py --dtype float32",
            runs(Shape::new(6.0, 300.0).spike(318.0), 3),
            Some(budget(Some(400))),
        ),
        benchmark(
            "train-f64",
            ".memgate/venv/bin/python examples/train.py --dtype float64",
            runs(Shape::new(6.4, f64_plateau).spike(f64_plateau * 1.04), 3),
            Some(budget(Some(600))),
        ),
        benchmark(
            "load-csv",
            ".memgate/venv/bin/python examples/load_array.py --chunked",
            runs(Shape::new(3.1, 180.0), 3),
            Some(budget(Some(400))),
        ),
        benchmark(
            "dataloader-workers",
            ".memgate/venv/bin/python examples/batches.py --workers 4",
            runs(Shape::new(8.0, 360.0).spike(410.0), 3),
            Some(budget(Some(512))),
        ),
        benchmark(
            "tokenize",
            ".memgate/venv/bin/python examples/read_lines.py",
            runs(Shape::new(2.2, 64.0), 3),
            None,
        ),
    ]
}

pub fn all_pass() -> Results {
    results(suite(280.0))
}

pub fn warn() -> Results {
    let mut benchmarks = suite(280.0);
    benchmarks[3] = benchmark(
        "dataloader-workers",
        ".memgate/venv/bin/python examples/batches.py --workers 4",
        runs(Shape::new(8.0, 400.0).spike(478.0), 3),
        Some(budget(Some(512))),
    );
    results(benchmarks)
}

pub fn fail() -> Results {
    results(suite(780.0))
}

pub fn error() -> Results {
    let mut benchmarks = suite(280.0);
    let mut killed = Shape::new(1.5, 900.0).points(150).run();
    killed.exit_code = None;
    killed.signal = Some(9);
    killed.oom_killed = true;
    benchmarks[4] = benchmark(
        "tokenize",
        ".memgate/venv/bin/python examples/read_lines.py",
        vec![Shape::new(2.2, 64.0).run(), killed],
        None,
    );
    benchmarks.push(could_not_start(
        "embed",
        "bin/embed --batch 64",
        "could not start `bin/embed`: No such file or directory (os error 2)",
    ));
    results(benchmarks)
}

/// Head with train-f64 over budget and regressed, load-csv regressed, one new benchmark and one
/// gone since the base.
pub fn with_base() -> Results {
    let mut base = results(suite(380.0));
    // Other runs of the same code: close, not equal.
    for b in &mut base.benchmarks {
        for run in &mut b.runs {
            let timeline = run
                .timeline
                .iter()
                .enumerate()
                .map(|(i, &(t, bytes))| (t, bytes - bytes / 100 * (i as u64 % 3)))
                .collect();
            *run = run_of(timeline, run.duration_secs);
        }
        *b = benchmark(&b.name, &b.command, b.runs.clone(), b.budget.clone());
    }
    base.benchmarks[2] = benchmark(
        "load-csv",
        ".memgate/venv/bin/python examples/load_array.py --chunked",
        runs(Shape::new(3.0, 120.0), 3),
        Some(budget(Some(400))),
    );
    base.benchmarks.push(benchmark(
        "old-loader",
        "python old.py",
        runs(Shape::new(1.0, 50.0), 3),
        None,
    ));
    base.environment.git_sha = Some("4f2c9e1ab7d0c3e5f6a7b8c9d0e1f2a3b4c5d6e7".to_string());
    let mut head = results(suite(780.0));
    head.benchmarks.push(benchmark(
        "features-v2",
        "python features.py --v2",
        runs(Shape::new(4.0, 210.0), 3),
        Some(budget(Some(300))),
    ));
    apply_baseline(&mut head, &base, "ref:main".to_string(), |_| {
        Regression::default()
    });
    head
}

/// A base was asked for and could not be had.
pub fn base_missing() -> Results {
    let mut results = all_pass();
    results.baseline = Some(BaselineInfo {
        source: "ref:main".to_string(),
        git_sha: None,
        removed: vec![],
        missing_reason: Some(
            "git fetch --depth=1 origin 4f2c9e1 failed: could not read from remote".to_string(),
        ),
        ..BaselineInfo::default()
    });
    results
}

/// Names, commands and messages that try to break out of Markdown, HTML and Mermaid.
pub fn hostile() -> Results {
    let mut over = benchmark(
        "<script>alert(1)</script>",
        "python -c \"print('</details><img src=x onerror=alert(1)>')\"",
        runs(Shape::new(2.0, 700.0), 1),
        Some(budget(Some(600))),
    );
    over.tags = vec!["@octocat".to_string(), "a|b".to_string()];
    over.runs[0].notes = vec!["fell back to sampling: <b>@admin</b> see #12 | x".to_string()];
    let benchmarks = vec![
        over,
        benchmark(
            "@octocat please look",
            "echo @octocat",
            runs(Shape::new(2.0, 100.0), 1),
            Some(budget(Some(600))),
        ),
        benchmark(
            "a|b|c",
            "printf 'a|b'",
            runs(Shape::new(2.0, 120.0), 1),
            Some(budget(Some(600))),
        ),
        benchmark(
            "\"]; click A \"javascript:alert(1)\"",
            "echo '\"]'",
            runs(Shape::new(2.0, 140.0), 1),
            Some(budget(Some(600))),
        ),
        benchmark(
            "``rm -rf /`` and ```fence```",
            "echo ```\necho '~~~'",
            runs(Shape::new(2.0, 160.0), 1),
            Some(budget(Some(600))),
        ),
        benchmark(
            "fixes #1 [link](https://example.com) *bold* _em_ $x$ %%{init}%%",
            "true",
            runs(Shape::new(2.0, 180.0), 1),
            Some(budget(Some(600))),
        ),
        benchmark(
            "训练 naïve 🚀 train/eval",
            "python train.py",
            runs(Shape::new(2.0, 200.0), 1),
            Some(budget(Some(600))),
        ),
        could_not_start(
            "@here <img src=x>",
            "`whoami` @team",
            "could not start `@team`: <b>no</b> such | file",
        ),
    ];
    results(benchmarks)
}

/// A training script that marked its phases (load 210, train 110, eval 60 MiB), a phase budget
/// it breaks, one it keeps, and one for a phase it never marked; and a second benchmark whose
/// phase names try to break out of every format.
pub fn phased() -> Results {
    let phase = |name: &str, start_secs: f64, end_secs: f64, mib: u64| Phase {
        name: name.to_string(),
        start_secs,
        end_secs,
        peak_bytes: mib * MIB,
    };
    // A step timeline: 10 MiB before the first marker, then each phase's size.
    let steps = [(0.0, 10), (1.0, 210), (3.0, 110), (5.0, 60), (6.0, 0)];
    let timeline: Vec<(f64, u64)> = (0..=600)
        .map(|i| {
            let t = i as f64 * 0.01;
            let mib = steps.iter().rev().find(|s| s.0 <= t).map_or(0, |s| s.1);
            (t, mib * MIB)
        })
        .collect();
    let mut run = run_of(timeline.clone(), 6.0);
    run.phases = vec![
        phase("load", 1.0, 3.0, 210),
        phase("train", 3.0, 5.0, 110),
        phase("eval", 5.0, 6.0, 60),
    ];
    let mut limits = budget(Some(400));
    limits.growth_bytes_per_sec = None;
    limits.phases = ["load:200", "train:300", "evaluate:100"]
        .iter()
        .map(|spec| {
            let (name, mib) = spec.split_once(':').unwrap();
            PhaseBudget {
                name: name.to_string(),
                peak_bytes: mib.parse::<u64>().unwrap() * MIB,
            }
        })
        .collect();
    let phased = benchmark(
        "train-phases",
        "python examples/train.py --phases",
        vec![run],
        Some(limits),
    );
    let mut hostile_run = run_of(timeline, 6.0);
    hostile_run.phases = vec![
        phase("::error file=memgate.yml::owned", 1.0, 2.0, 210),
        phase("@octocat <b>x</b> | `y`", 2.0, 4.0, 110),
        phase("\"]; click A \"javascript:alert(1)\"", 4.0, 5.0, 60),
        phase("%%{init}%% ``` fixes #1", 5.0, 6.0, 60),
    ];
    let mut hostile_budget = budget(None);
    hostile_budget.growth_bytes_per_sec = None;
    hostile_budget.phases = vec![PhaseBudget {
        name: "@octocat <b>x</b> | `y`".to_string(),
        peak_bytes: 100 * MIB,
    }];
    let hostile = benchmark(
        "hostile-phases",
        "python x.py",
        vec![hostile_run],
        Some(hostile_budget),
    );
    results(vec![phased, hostile])
}

/// 400 benchmarks of 3 runs with 2,000-point timelines (the most a results file stores), five
/// over budget: far over what one comment can hold.
pub fn huge() -> Results {
    let benchmarks = (0..400)
        .map(|i| {
            let plateau = 60.0 + (i * 37 % 500) as f64;
            let limit = if i % 80 == 13 {
                plateau as u64 / 2
            } else {
                700
            };
            benchmark(
                &format!("suite-{:02}/case-{i:03}", i / 20),
                &format!("python -m bench.suite --case {i} --repeat 3"),
                runs(
                    Shape::new(10.0 + (i % 7) as f64, plateau)
                        .points(2000)
                        .seed(i as u64),
                    3,
                ),
                Some(budget(Some(limit))),
            )
        })
        .collect();
    results(benchmarks)
}
