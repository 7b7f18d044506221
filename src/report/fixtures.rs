//! Benchmarks for the reports' unit tests, written as `results.json` (whose schema is fixed), so
//! that they do not depend on how the Rust types are built.

use serde_json::{Value, json};

use crate::results::{BenchmarkResult, Results};

pub const MIB: u64 = 1 << 20;

/// A run that exited with code 0, its timeline in (seconds, MiB); peak and steady from it.
pub fn run(timeline: &[(f64, u64)]) -> Value {
    let peak = timeline.iter().map(|p| p.1).max().unwrap_or(0) * MIB;
    json!({
        "peak_bytes": peak, "peak_total_bytes": peak, "file_peak_bytes": 0,
        "steady_bytes": peak / 2, "growth_bytes_per_sec": 0.0, "leak": false,
        "duration_secs": timeline.last().map_or(0.0, |p| p.0),
        "exit_code": 0, "signal": null, "timed_out": false, "oom_killed": false,
        "processes": 1, "samples": timeline.len(),
        "timeline": timeline.iter().map(|&(t, mib)| json!([t, mib * MIB])).collect::<Vec<_>>(),
    })
}

/// A benchmark named `name` with these runs (its peak the highest of theirs), and `extra` fields
/// (`status`, `reason`, `budget`, `baseline`, …) over the defaults.
pub fn benchmark(name: &str, runs: Vec<Value>, extra: Value) -> BenchmarkResult {
    let peak = runs
        .iter()
        .filter_map(|r| r["peak_bytes"].as_u64())
        .max()
        .unwrap_or(0);
    let mut value = json!({
        "name": name, "command": "true", "status": "pass", "peak_bytes": peak,
        "steady_bytes": peak / 2, "growth_bytes_per_sec": 0.0, "duration_secs": 1.0,
        "method": "cgroup-v2", "runs": runs,
    });
    for (key, field) in extra.as_object().into_iter().flatten() {
        value[key] = field.clone();
    }
    serde_json::from_value(value).expect("a benchmark of the results schema")
}

/// A budget of `peak_mib` for the peak.
pub fn budget(peak_mib: u64) -> Value {
    json!({"peak_bytes": peak_mib * MIB, "warn_at": 0.9})
}

/// Results holding `benchmarks`.
pub fn results(benchmarks: Vec<BenchmarkResult>) -> Results {
    let mut results: Results = serde_json::from_value(json!({
        "schema": crate::results::SCHEMA, "memgate_version": "0.1.0",
        "created_at": "2026-01-01T00:00:00Z", "status": "pass", "benchmarks": [],
        "environment": {"os": "linux", "kernel": "6.8", "cpus": 2, "memory_bytes": 1u64 << 34,
                        "method": "cgroup-v2"},
    }))
    .expect("results of the results schema");
    results.benchmarks = benchmarks;
    results
}
