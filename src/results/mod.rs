//! `results.json`: the one format every reporter reads, and the types it is made of.
//!
//! Versioned, sizes in integer bytes. The types here are pure data and their methods; the file
//! (size cap, atomic writes) is in `file`, and what is read from the machine and the clock is in
//! `environment`.

mod attribution;
mod benchmark;
mod breakdown;
mod environment;
mod file;
mod fingerprint;
mod growth;
pub mod limits;
pub mod merge;
mod phase;
mod run;

use serde::{Deserialize, Serialize, Serializer};

pub use attribution::{
    Attribution, Capture, CaptureSite, SITES_KEPT, Site, SiteChange, grown as grown_sites,
    merge as merge_sites,
};
pub use benchmark::{
    Aggregate, BaselineFigures, BenchmarkResult, BudgetFigures, Check, CheckKind, Comparison,
    Metric, Subject, Verdict, backticked,
};
pub use breakdown::{
    Breakdown, COMMAND_CHARS, KEPT_GROUPS, Member, OTHER_ROLE, ProcessGroup, UNHELD_ROLE,
};
pub use environment::{CgroupSource, timestamp};
pub use file::{MAX_FILE_BYTES, from_slice, prepare_output, read, write_atomic};
pub use fingerprint::{Fingerprint, SetupFingerprints};
pub use growth::{
    DEFAULT_MIN_WINDOW_SECS, DEFAULT_WARM_UP_SHARE, GrowthJudgement, GrowthWindow, WarmUp,
};
pub use phase::{
    MAX_PHASE_NAME_CHARS, MAX_PHASES, Phase, PhaseBudget, PhasePeak,
    clean_name as clean_phase_name, is_valid_name as is_valid_phase_name, peaks as phase_peaks,
};
pub use run::{Ending, Method, RunResult, Uncertainty};

/// The schema memgate writes. `@2` added each run's `breakdown`.
pub const SCHEMA: &str = "memgate/results@2";
/// The schemas memgate reads: `@1` is `@2` without breakdowns, read as `@2`.
pub const READABLE_SCHEMAS: [&str; 2] = [SCHEMA, SCHEMA_V1];
/// The first schema, before breakdowns.
pub const SCHEMA_V1: &str = "memgate/results@1";

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

/// The results of one run of memgate.
///
/// The overall status is not a field: [`Results::status`] derives it from the benchmarks, so it
/// can never disagree with them. The file still has `"status"` (written from that method; ignored
/// when read, so that a file cannot claim a status its benchmarks do not have).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "Stored")]
pub struct Results {
    pub schema: String,
    pub memgate_version: String,
    pub created_at: String,
    pub environment: Environment,
    pub benchmarks: Vec<BenchmarkResult>,
    /// The baseline these results were compared with, if any.
    pub baseline: Option<BaselineInfo>,
    /// The folder that holds each run's stdout and stderr (`memgate check`), if kept.
    pub logs: Option<String>,
}

/// Where the baseline came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BaselineInfo {
    /// `file:PATH` or `ref:REF`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_sha: Option<String>,
    /// Benchmarks the base had and head does not (reported, never failed).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "limits::benchmarks"
    )]
    pub removed: Vec<String>,
    /// Why a wanted baseline is missing (the gate then uses budgets alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_reason: Option<String>,
    /// With `--baseline-ref`: what setup left in each side's checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<SetupFingerprints>,
}

/// The machine the results were measured on, so that two results files say whether they are
/// comparable. `Environment::detect` reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub os: String,
    pub kernel: String,
    pub cpus: usize,
    pub memory_bytes: u64,
    pub method: Method,
    /// How memgate got its memory cgroup in this process (absent in older files, and when every
    /// run was sampled by request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup: Option<CgroupSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_sha: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
}

impl Results {
    /// No benchmarks yet; `created_at` is RFC 3339 (see [`timestamp`]).
    pub fn new(environment: Environment, created_at: String) -> Self {
        Self {
            schema: SCHEMA.to_string(),
            memgate_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at,
            environment,
            benchmarks: Vec::new(),
            baseline: None,
            logs: None,
        }
    }

    /// The overall status: the worst of the benchmarks'.
    pub fn status(&self) -> Status {
        self.benchmarks
            .iter()
            .map(|b| b.status)
            .max()
            .unwrap_or(Status::Pass)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results serialize") + "\n"
    }
}

/// The fields of results.json in their order, `status` among them.
#[derive(Serialize)]
#[serde(rename = "Results")]
struct StoredRef<'a> {
    schema: &'a str,
    memgate_version: &'a str,
    created_at: &'a str,
    environment: &'a Environment,
    status: Status,
    benchmarks: &'a [BenchmarkResult],
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: &'a Option<BaselineInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logs: &'a Option<String>,
}

impl Serialize for Results {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredRef {
            schema: &self.schema,
            memgate_version: &self.memgate_version,
            created_at: &self.created_at,
            environment: &self.environment,
            status: self.status(),
            benchmarks: &self.benchmarks,
            baseline: &self.baseline,
            logs: &self.logs,
        }
        .serialize(serializer)
    }
}

/// results.json as read: `status` must be there and be a status, as it always had to, but the
/// benchmarks decide.
#[derive(Deserialize)]
#[serde(rename = "Results")]
struct Stored {
    schema: String,
    memgate_version: String,
    created_at: String,
    environment: Environment,
    #[serde(rename = "status")]
    _status: Status,
    #[serde(deserialize_with = "limits::benchmarks")]
    benchmarks: Vec<BenchmarkResult>,
    #[serde(default)]
    baseline: Option<BaselineInfo>,
    #[serde(default)]
    logs: Option<String>,
}

impl From<Stored> for Results {
    fn from(stored: Stored) -> Self {
        // An `@1` file is an `@2` file with no breakdowns: read, it is `@2` (and written so).
        let schema = match stored.schema.as_str() {
            SCHEMA_V1 => SCHEMA.to_string(),
            _ => stored.schema,
        };
        Self {
            schema,
            memgate_version: stored.memgate_version,
            created_at: stored.created_at,
            environment: stored.environment,
            benchmarks: stored.benchmarks,
            baseline: stored.baseline,
            logs: stored.logs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn sample_results() -> Results {
        let mut results = testing::results(testing::environment(Method::CgroupV1), vec![]);
        let mut benchmark = testing::judged("a", "true", vec![], None);
        benchmark.status = Status::Warn;
        results.benchmarks.push(benchmark);
        results
    }

    #[test]
    fn round_trips_through_json_with_the_schema_tag() {
        let results = sample_results();
        let json = results.to_json();
        assert!(json.contains("\"schema\": \"memgate/results@2\""));
        assert!(json.contains("\"method\": \"cgroup-v1\""));
        let back: Results = serde_json::from_str(&json).unwrap();
        assert_eq!(back, results);
    }

    #[test]
    fn status_orders_error_over_fail_over_warn() {
        let mut results = sample_results();
        assert_eq!(results.status(), Status::Warn);
        results.benchmarks[0].status = Status::Error;
        assert_eq!(results.status(), Status::Error);
        assert!(!Status::Fail.passes() && Status::Warn.passes());
    }

    #[test]
    fn the_file_states_the_benchmarks_status_and_reading_trusts_the_benchmarks() {
        let results = sample_results();
        let text = results.to_json();
        let at = |key: &str| text.find(&format!("\n  \"{key}\": ")).unwrap();
        assert!(at("environment") < at("status") && at("status") < at("benchmarks"));
        let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["status"], "warn");
        json["status"] = "pass".into();
        let back: Results = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back.status(), Status::Warn);
        json.as_object_mut().unwrap().remove("status");
        assert!(serde_json::from_value::<Results>(json).is_err());
    }
}
