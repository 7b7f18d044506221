//! How long rendering every report takes: 50 benchmarks, each with three head runs and a base run
//! of 10,000 samples, rendered to Markdown, HTML, JUnit and charts (SVG + PNG) and written to a
//! temporary folder through the same function `memgate check` and `memgate report` use.
//!
//!     cargo bench --bench render
//!
//! Prints the wall time of each of five rounds and the median. The target (issue 5) is under 2 s.

use std::time::Instant;

use memgate::commands::report::{Outputs, write_outputs};
use memgate::gate::compare::apply_baseline;
use memgate::results::{BudgetFigures, Environment, Method, Results, RunResult, Status, timestamp};
use memgate::testing;

const MIB: f64 = 1024.0 * 1024.0;
const BENCHMARKS: usize = 50;
const POINTS: usize = 10_000;
const ROUNDS: usize = 5;

fn timeline(seed: u64, plateau_mib: f64, secs: f64) -> Vec<(f64, u64)> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..POINTS)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let t = secs * i as f64 / (POINTS - 1) as f64;
            let x = t / secs;
            let mib = if x < 0.15 {
                20.0 + (plateau_mib - 20.0) * x / 0.15
            } else {
                plateau_mib
                    * (1.0 + 0.03 * (x * 40.0).sin() + 0.02 * ((state % 1000) as f64 / 1000.0))
            };
            (t, (mib * MIB) as u64)
        })
        .collect()
}

fn run(timeline: Vec<(f64, u64)>, secs: f64) -> RunResult {
    RunResult {
        peak_total_bytes: 0,
        processes: 3,
        ..testing::run(timeline, secs)
    }
}

fn suite(base: bool) -> Results {
    let benchmarks = (0..BENCHMARKS)
        .map(|i| {
            let plateau = 100.0 + (i * 53 % 700) as f64 * if base { 0.9 } else { 1.0 };
            let secs = 30.0 + (i % 9) as f64 * 10.0;
            let runs: Vec<RunResult> = (0..3)
                .map(|r| {
                    run(
                        timeline((i * 10 + r + usize::from(base)) as u64, plateau, secs),
                        secs,
                    )
                })
                .collect();
            let budget = BudgetFigures {
                peak_bytes: Some(((plateau * 1.1) * MIB) as u64),
                ..testing::budget(None)
            };
            testing::judged(
                &format!("pipeline/stage-{i:02}"),
                &format!("python -m pipeline.stage --id {i}"),
                runs,
                Some(budget),
            )
        })
        .collect();
    let mut results = Results::new(Environment::detect(Method::CgroupV2), timestamp());
    results.benchmarks = benchmarks;
    results
}

fn main() {
    let base = suite(true);
    let mut head = suite(false);
    apply_baseline(&mut head, &base, "ref:main".into(), |_| Default::default());
    assert!(head.benchmarks.iter().all(|b| b.status != Status::Error));
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut times = Vec::new();
    for round in 1..=ROUNDS {
        let out = dir.path().join(format!("round-{round}"));
        let (markdown, html, junit, charts) = (
            out.join("report.md"),
            out.join("report.html"),
            out.join("junit.xml"),
            out.join("charts"),
        );
        let started = Instant::now();
        write_outputs(
            &head,
            &Outputs {
                markdown: Some(&markdown),
                charts: Some(&charts),
                html: Some(&html),
                junit: Some(&junit),
            },
        )
        .expect("outputs written");
        let secs = started.elapsed().as_secs_f64();
        let files = std::fs::read_dir(&charts).map_or(0, |d| d.count());
        println!("round {round}: {secs:.3} s ({files} chart files)");
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "render: {BENCHMARKS} benchmarks × 3 runs × {POINTS} points (+ base): median {:.3} s, best {:.3} s",
        times[ROUNDS / 2],
        times[0]
    );
}
