//! `results.json` (DESIGN §4): the one format every reporter reads.
//!
//! Versioned, sizes in integer bytes, written atomically (temporary file, then rename) so that a
//! reader never sees half a file and a crash later loses nothing already written.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::measure::{Measurement, Method, Uncertainty};

pub const SCHEMA: &str = "memgate/results@1";

/// Points of a run's timeline stored in the results file; the sampler keeps more in memory.
pub const STORED_TIMELINE_POINTS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Error => "error",
        }
    }

    /// The gate passes on pass and warn.
    pub fn passes(self) -> bool {
        matches!(self, Self::Pass | Self::Warn)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema: String,
    pub memgate_version: String,
    pub created_at: String,
    pub environment: Environment,
    pub status: Status,
    pub benchmarks: Vec<BenchmarkResult>,
    /// The baseline these results were compared with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineInfo>,
}

/// Where the baseline came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BaselineInfo {
    /// `file:PATH` or `ref:REF`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_sha: Option<String>,
    /// Benchmarks the base had and head does not (reported, never failed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// Why a wanted baseline is missing (the gate then uses budgets alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub os: String,
    pub kernel: String,
    pub cpus: usize,
    pub memory_bytes: u64,
    pub method: Method,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_sha: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
}

impl Environment {
    /// The machine, from `sysinfo` on every platform, so that two results files say whether they
    /// were measured on comparable machines.
    pub fn detect(method: Method) -> Self {
        let mut system = sysinfo::System::new();
        system.refresh_memory();
        Self {
            os: std::env::consts::OS.to_string(),
            kernel: sysinfo::System::kernel_version().unwrap_or_default(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes: system.total_memory(),
            method,
            git_sha: None,
            git_ref: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkResult {
    pub name: String,
    pub command: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub peak_bytes: u64,
    pub steady_bytes: u64,
    pub growth_bytes_per_sec: f64,
    pub duration_secs: f64,
    pub method: Method,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Lowest and highest peak over the runs: how much the runs agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_spread_bytes: Option<(u64, u64)>,
    pub runs: Vec<RunResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetFigures>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Line of the benchmark's budget (or name) in memgate.yml, for annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_line: Option<usize>,
    /// The base's figures, when there is a baseline that has this benchmark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineFigures>,
    /// Where this benchmark stands against the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

/// The base's figures for one benchmark (from `--baseline FILE` or `--baseline-ref REF`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BaselineFigures {
    pub peak_bytes: u64,
    pub steady_bytes: u64,
    pub growth_bytes_per_sec: f64,
    /// Lowest and highest peak of the base's runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_spread_bytes: Option<(u64, u64)>,
    /// Lowest and highest steady state of the base's runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steady_spread_bytes: Option<(u64, u64)>,
    /// The base's first run's timeline, for charts that draw head over base.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<(f64, u64)>,
}

/// Head against base for one benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Comparison {
    /// Both sides measured it; see `baseline` and the regression checks.
    Compared,
    /// New in head: nothing to compare with (never a failure).
    New,
}

/// The budget a benchmark was held to, in bytes and bytes per second.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BudgetFigures {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steady_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth_bytes_per_sec: Option<f64>,
    /// Fraction of a budget above which the status is `warn`.
    pub warn_at: f64,
    /// Whether peak counts file-backed pages too.
    #[serde(default)]
    pub include_file: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    Peak,
    Steady,
    Growth,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Peak => "peak",
            Self::Steady => "steady",
            Self::Growth => "growth",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    Budget,
    Regression,
}

/// One comparison the verdict made. Sizes in bytes, growth in bytes per second.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub metric: Metric,
    pub kind: CheckKind,
    pub limit: f64,
    pub actual: f64,
    pub ok: bool,
    /// Within the limit but above its `warn_at` share.
    #[serde(default)]
    pub warn: bool,
    /// The base's figure, for regression checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<f64>,
    /// How clearly a regression check was decided (spreads, minimum change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub peak_bytes: u64,
    pub peak_total_bytes: u64,
    pub file_peak_bytes: u64,
    pub steady_bytes: u64,
    pub growth_bytes_per_sec: f64,
    pub leak: bool,
    pub duration_secs: f64,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub oom_killed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<i32>,
    pub processes: usize,
    pub samples: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub timeline: Vec<(f64, u64)>,
}

impl From<&Measurement> for RunResult {
    fn from(m: &Measurement) -> Self {
        Self {
            peak_bytes: m.peak_bytes,
            peak_total_bytes: m.peak_total_bytes,
            file_peak_bytes: m.file_peak_bytes,
            steady_bytes: m.steady_bytes,
            growth_bytes_per_sec: m.growth_bytes_per_sec,
            leak: m.leak,
            duration_secs: m.duration_secs,
            exit_code: m.exit_code,
            signal: m.signal,
            timed_out: m.timed_out,
            oom_killed: m.oom_killed,
            interrupted: m.interrupted,
            processes: m.processes,
            samples: m.samples,
            uncertainty: m.uncertainty.clone(),
            notes: m.notes.clone(),
            timeline: crate::stats::downsample(&m.timeline, STORED_TIMELINE_POINTS),
        }
    }
}

impl RunResult {
    pub fn succeeded(&self) -> bool {
        self.ending() == crate::measure::SUCCESS
    }

    pub fn ending(&self) -> String {
        crate::measure::describe_ending(
            self.exit_code,
            self.signal,
            self.timed_out,
            self.oom_killed,
            self.interrupted,
        )
    }
}

impl Results {
    pub fn new(environment: Environment) -> Self {
        Self {
            schema: SCHEMA.to_string(),
            memgate_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            environment,
            status: Status::Pass,
            benchmarks: Vec::new(),
            baseline: None,
        }
    }

    /// The overall status: the worst of the benchmarks'.
    pub fn worst_status(&self) -> Status {
        self.benchmarks
            .iter()
            .map(|b| b.status)
            .max()
            .unwrap_or(Status::Pass)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results serialize") + "\n"
    }

    /// Writes the file atomically: a temporary file beside it, flushed, then renamed over it.
    pub fn write_atomic(&self, path: &Path) -> io::Result<()> {
        write_atomic(path, self.to_json().as_bytes())
    }
}

/// Results files larger than this are refused: they may come from an untrusted fork.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads and validates a results file: its size, its JSON, its schema.
pub fn read(path: &Path) -> Result<Results, String> {
    let size = fs::metadata(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{} is {size} bytes; results files are at most {MAX_FILE_BYTES}",
            path.display()
        ));
    }
    let text =
        fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| format!("{}: not JSON: {err}", path.display()))?;
    let schema = value.get("schema").and_then(|s| s.as_str()).unwrap_or("");
    if schema != SCHEMA {
        return Err(format!(
            "{} has schema `{schema}`; this memgate reads `{SCHEMA}`",
            path.display()
        ));
    }
    serde_json::from_value(value).map_err(|err| format!("{}: {err}", path.display()))
}

/// Makes the folder of an output file before anything is measured, so that a path that cannot be
/// written (its folder cannot be made: a file is in the way, no permission) fails at once, not
/// after the whole run.
pub fn prepare_output(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => fs::create_dir_all(dir)
            .map_err(|err| format!("cannot write {}: {}: {err}", path.display(), dir.display())),
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_results() -> Results {
        let mut results = Results::new(Environment {
            os: "linux".into(),
            kernel: "6.8.0".into(),
            cpus: 2,
            memory_bytes: 1 << 34,
            method: Method::CgroupV1,
            git_sha: None,
            git_ref: None,
        });
        results.benchmarks.push(BenchmarkResult {
            name: "a".into(),
            command: "true".into(),
            status: Status::Warn,
            reason: None,
            peak_bytes: 1,
            steady_bytes: 1,
            growth_bytes_per_sec: 0.0,
            duration_secs: 0.1,
            method: Method::Sampled,
            tags: vec![],
            peak_spread_bytes: None,
            runs: vec![],
            budget: None,
            checks: vec![],
            config_line: None,
            baseline: None,
            comparison: None,
        });
        results
    }

    #[test]
    fn round_trips_through_json_with_the_schema_tag() {
        let results = sample_results();
        let json = results.to_json();
        assert!(json.contains("\"schema\": \"memgate/results@1\""));
        assert!(json.contains("\"method\": \"cgroup-v1\""));
        let back: Results = serde_json::from_str(&json).unwrap();
        assert_eq!(back, results);
    }

    #[test]
    fn worst_status_orders_error_over_fail_over_warn() {
        let mut results = sample_results();
        assert_eq!(results.worst_status(), Status::Warn);
        results.benchmarks[0].status = Status::Error;
        assert_eq!(results.worst_status(), Status::Error);
        assert!(!Status::Fail.passes() && Status::Warn.passes());
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
