//! The sections as read: every value checked and parsed, nothing merged yet. `resolve` applies
//! `defaults` and the built-in defaults to them.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::model::{AttributionPolicy, GithubConfig, Invocation};
use crate::results::WarmUp;

/// A value and the line of its key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Lined<T> {
    pub value: T,
    pub line: Option<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct RawBudget {
    pub peak: Option<Lined<u64>>,
    pub steady: Option<Lined<u64>>,
    pub growth: Option<Lined<f64>>,
    pub warn_at: Option<f64>,
    pub include_file: Option<bool>,
    /// `phases:`, each phase's name and peak limit, in file order.
    pub phases: Option<Vec<(String, Lined<u64>)>>,
}

#[derive(Debug, Default)]
pub(crate) struct RawRegression {
    pub peak: Option<f64>,
    pub steady: Option<f64>,
    pub min_delta: Option<u64>,
}

/// What a benchmark and `defaults` can both set; `None` where the file says nothing.
#[derive(Debug, Default)]
pub(crate) struct RawSettings {
    pub cwd: Option<String>,
    pub env: Option<BTreeMap<String, String>>,
    pub timeout: Option<Duration>,
    pub runs: Option<u32>,
    pub warmup: Option<u32>,
    pub interval: Option<Duration>,
    pub steady_after: Option<WarmUp>,
    pub min_window: Option<Duration>,
    pub tags: Option<Vec<String>>,
    pub budget: RawBudget,
    /// Line of the `budget:` key.
    pub budget_line: Option<usize>,
    pub regression: RawRegression,
    pub attribution: Option<AttributionPolicy>,
}

#[derive(Debug)]
pub(crate) struct RawBenchmark {
    pub name: String,
    /// Line of `name:`.
    pub line: usize,
    pub command: Invocation,
    pub settings: RawSettings,
}

#[derive(Debug)]
pub(crate) struct RawConfig {
    pub version: u32,
    pub defaults: RawSettings,
    pub setup: Vec<String>,
    pub cgroup: Option<String>,
    pub benchmarks: Vec<RawBenchmark>,
    pub github: GithubConfig,
}
