//! What getting a memory cgroup costs (issue 10): the acquisition, once per memgate process, and
//! the overhead per run of a leaf over sampling, on this machine.
//!
//!     cargo bench --bench cgroup_acquire [-- ROUNDS]
//!
//! Each round releases the cgroup (as a command's end does), then measures `true` three ways
//! through `measure::measure`: the first run with a cgroup (acquisition + leaf), a second run
//! with a cgroup (leaf only), and a sampled run (no cgroup). Acquisition = first − second; per
//! run overhead = second − sampled. Prints the median and the spread of each, in milliseconds,
//! as a Markdown table, and the way the cgroup was got. Targets: acquisition ≤ 50 ms, per run
//! overhead ≤ 20 ms.

use std::time::{Duration, Instant};

use memgate::measure::{self, Launch, MethodChoice, RunSpec};

fn spec(method: MethodChoice) -> RunSpec {
    RunSpec {
        launch: Launch {
            argv: vec!["true".into()],
            cwd: None,
            env: Vec::new(),
            output: None,
        },
        interval: Duration::from_millis(10),
        timeout: None,
        method,
        cgroup: None,
    }
}

fn timed(method: MethodChoice) -> (f64, String) {
    let started = Instant::now();
    let measured = measure::measure(&spec(method)).expect("a measurement");
    (
        started.elapsed().as_secs_f64() * 1000.0,
        measured.method.to_string(),
    )
}

fn stats(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.1), at(0.9))
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(30);
    let (mut first, mut second, mut sampled) = (Vec::new(), Vec::new(), Vec::new());
    let mut method = String::new();
    for _ in 0..rounds {
        measure::release();
        let (ms, m) = timed(MethodChoice::Auto);
        first.push(ms);
        method = m;
        second.push(timed(MethodChoice::Auto).0);
        sampled.push(timed(MethodChoice::Sampled).0);
    }
    let source = measure::cgroup_source().map_or("-".to_string(), |s| s.to_string());
    measure::release();
    let acquire: Vec<f64> = first.iter().zip(&second).map(|(a, b)| a - b).collect();
    let overhead: Vec<f64> = second.iter().zip(&sampled).map(|(a, b)| a - b).collect();
    println!("cgroup: {source}, method: {method}, {rounds} rounds of `true`\n");
    println!("| figure | median (ms) | p10 (ms) | p90 (ms) |");
    println!("| --- | --- | --- | --- |");
    for (name, values) in [
        ("first run with a cgroup", first),
        ("later run with a cgroup", second),
        ("sampled run", sampled),
        ("acquisition (first − later)", acquire),
        ("per run overhead (later − sampled)", overhead),
    ] {
        let (median, p10, p90) = stats(values);
        println!("| {name} | {median:.2} | {p10:.2} | {p90:.2} |");
    }
}
