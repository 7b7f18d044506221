//! One benchmark's entry in the results: its figures, runs, budget, checks and verdict, and the
//! two ways to make one (judged from its runs, or could not run).

use serde::{Deserialize, Serialize};

use super::attribution::Attribution;
use super::growth::{GrowthJudgement, GrowthWindow};
use super::phase::{PhaseBudget, PhasePeak, clean_name, is_valid_name};
use super::run::{Method, RunResult};
use super::{Status, limits};

/// A benchmark's entry in the results.
///
/// Made by [`BenchmarkResult::judged`] or [`BenchmarkResult::not_run`] (`#[non_exhaustive]` keeps
/// other crates, the tests among them, to those two), so that its figures always agree with its
/// runs and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BenchmarkResult {
    pub name: String,
    pub command: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub peak_bytes: u64,
    pub steady_bytes: u64,
    pub growth_bytes_per_sec: f64,
    /// What the growth figure means: a leak held to the budget, no trend, or too short to judge.
    /// Absent in files of memgate before it judged growth (their growth was always judged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth_judgement: Option<GrowthJudgement>,
    /// The window growth was read over (`steady_after`, `min_window`), kept so that `compare`
    /// judges the runs again the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth_window: Option<GrowthWindow>,
    pub duration_secs: f64,
    pub method: Method,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "limits::tags"
    )]
    pub tags: Vec<String>,
    /// Lowest and highest peak over the runs: how much the runs agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_spread_bytes: Option<(u64, u64)>,
    #[serde(deserialize_with = "limits::runs")]
    pub runs: Vec<RunResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetFigures>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "limits::checks"
    )]
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
    /// An `error` benchmark's last lines of stderr (its failed run's), when its output was
    /// captured: why it crashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
    /// Allocation sites from one unmeasured re-run under memray (docs/attribution.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
    /// The peak of each phase the runs marked, the highest over the runs.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "limits::phase_peaks"
    )]
    pub phases: Vec<PhasePeak>,
}

/// What a result is about, from memgate.yml: the benchmark's name, command line and tags, the line
/// annotations point to, and the budget it is held to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subject {
    pub name: String,
    pub command: String,
    pub tags: Vec<String>,
    pub config_line: Option<usize>,
    pub budget: Option<BudgetFigures>,
    /// The window growth is read over and judged on.
    pub window: GrowthWindow,
}

impl BenchmarkResult {
    /// A benchmark that ran: its measured runs, their figures and the verdict on them (from
    /// `verdict::aggregate` and `verdict::judge`), and the method that measured them.
    pub fn judged(
        subject: Subject,
        method: Method,
        runs: Vec<RunResult>,
        figures: &Aggregate,
        verdict: Verdict,
    ) -> Self {
        Self {
            name: subject.name,
            command: subject.command,
            status: verdict.status,
            reason: verdict.reason,
            peak_bytes: figures.peak_bytes,
            steady_bytes: figures.steady_bytes,
            growth_bytes_per_sec: figures.growth_bytes_per_sec,
            growth_judgement: Some(figures.growth),
            growth_window: Some(subject.window),
            duration_secs: figures.duration_secs,
            method,
            tags: subject.tags,
            peak_spread_bytes: (runs.len() > 1).then_some(figures.peak_spread_bytes),
            phases: figures.phases.clone(),
            runs,
            budget: subject.budget,
            checks: verdict.checks,
            config_line: subject.config_line,
            baseline: None,
            comparison: None,
            stderr_tail: None,
            attribution: None,
        }
    }

    /// A benchmark whose command could not even start (e.g. `argv` names a missing program): an
    /// error of that benchmark, with no runs and no figures.
    pub fn not_run(subject: Subject, reason: String) -> Self {
        Self {
            name: subject.name,
            command: subject.command,
            status: Status::Error,
            reason: Some(reason),
            peak_bytes: 0,
            steady_bytes: 0,
            growth_bytes_per_sec: 0.0,
            growth_judgement: None,
            growth_window: None,
            duration_secs: 0.0,
            method: Method::Sampled,
            tags: subject.tags,
            peak_spread_bytes: None,
            phases: Vec::new(),
            runs: Vec::new(),
            budget: subject.budget,
            checks: Vec::new(),
            config_line: subject.config_line,
            baseline: None,
            comparison: None,
            stderr_tail: None,
            attribution: None,
        }
    }

    /// The breakdown of the run with the benchmark's peak (the first such run), if it has one.
    pub fn peak_breakdown(&self) -> Option<&super::Breakdown> {
        let highest = self.runs.iter().map(|r| r.peak_bytes).max()?;
        self.runs
            .iter()
            .find(|r| r.peak_bytes == highest)?
            .breakdown
            .as_deref()
    }
}

/// A benchmark's figures over its measured runs: peak = max of runs (the worst case is what a
/// budget guards), steady and growth = median (robust to one noisy run), and what the growth
/// means. Made by `verdict::aggregate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub peak_bytes: u64,
    pub peak_total_bytes: u64,
    pub steady_bytes: u64,
    pub growth_bytes_per_sec: f64,
    pub growth: GrowthJudgement,
    pub duration_secs: f64,
    /// Lowest and highest peak of the runs.
    pub peak_spread_bytes: (u64, u64),
    /// Each marked phase's peak, the highest over the runs.
    pub phases: Vec<PhasePeak>,
}

/// The verdict on a benchmark: status, a one-line reason, and every check made. Made by
/// `verdict::judge`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: Status,
    pub reason: Option<String>,
    pub checks: Vec<Check>,
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
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "limits::timeline"
    )]
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
    /// Limits on the peak of named phases (`budget.phases`), in the config's order.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "limits::phase_budgets"
    )]
    pub phases: Vec<PhaseBudget>,
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
    /// How clearly a regression check was decided (spreads, minimum change), or why a growth
    /// figure was not held to its budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// False for a growth budget that was not applied (no trend, too short to judge): it has no
    /// budget use and never fails. True in files from before growth was judged.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub judged: bool,
    /// The phase whose peak a phase budget holds (`budget.phases`); `None` for the whole run.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "phase_name"
    )]
    pub phase: Option<String>,
}

impl Check {
    /// What the check is about, the phase name quoted by `quote` (each reporter's own code span
    /// or escape): "peak", "phase `load` peak".
    pub fn subject(&self, quote: impl Fn(&str) -> String) -> String {
        match &self.phase {
            Some(phase) => format!("phase {} {}", quote(phase), self.metric.as_str()),
            None => self.metric.as_str().to_string(),
        }
    }
}

/// A phase name between backticks, as plain text (terminal, reasons) shows it.
pub fn backticked(name: &str) -> String {
    format!("`{name}`")
}

/// A check's phase name read from a file, cleaned as every phase name is.
fn phase_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = Option::<String>::deserialize(d)?;
    Ok(raw.map(|name| {
        if is_valid_name(&name) {
            name
        } else {
            clean_name(&name)
        }
    }))
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}
