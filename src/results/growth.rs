//! How a benchmark's growth was judged: the window its runs were read over, and whether the
//! growth figure means a leak, no trend, or could not be judged at all (docs/reports.md, "Growth").

use serde::{Deserialize, Serialize};

/// Share of a run treated as warm-up when a benchmark does not say (`steady_after`).
pub const DEFAULT_WARM_UP_SHARE: f64 = 0.20;
/// Shortest steady window whose growth is judged when a benchmark does not say (`min_window`):
/// 5 s of windows of at most 1 s give the later half at least the 5 points Mann–Kendall needs to
/// reach significance with 1 s windows, and ride out a few garbage-collector cycles.
pub const DEFAULT_MIN_WINDOW_SECS: f64 = 5.0;

/// Where a run's steady window starts: a share of the run, or a time from its start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarmUp {
    /// This fraction of the run's duration (0.2 = the first 20%).
    Share(f64),
    /// These seconds from the start (an import ramp of known length).
    Secs(f64),
}

impl Default for WarmUp {
    fn default() -> Self {
        WarmUp::Share(DEFAULT_WARM_UP_SHARE)
    }
}

/// The window a benchmark's growth is read over and the shortest one it is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GrowthWindow {
    pub warm_up: WarmUp,
    pub min_window_secs: f64,
}

impl Default for GrowthWindow {
    fn default() -> Self {
        GrowthWindow {
            warm_up: WarmUp::default(),
            min_window_secs: DEFAULT_MIN_WINDOW_SECS,
        }
    }
}

/// What a benchmark's growth figure means. Only [`GrowthJudgement::Leak`] is held to a growth
/// budget; the others never fail a gate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "judged", rename_all = "snake_case")]
pub enum GrowthJudgement {
    /// Most runs show a significant, material rise of the memory floor (their `leak`).
    Leak { leaking: usize, runs: usize },
    /// Some runs show a leak, but not most: the runs disagree (a warning with a growth budget).
    Disagree { leaking: usize, runs: usize },
    /// No run shows a significant trend: the rate is the slope of noise.
    NoTrend { runs: usize },
    /// Most runs' steady windows were shorter than the minimum: the slope of a few seconds says
    /// nothing of a leak. `run_secs` is how long a run would need to be.
    TooShort {
        window_secs: f64,
        min_window_secs: f64,
        run_secs: f64,
    },
}

impl GrowthJudgement {
    /// Whether the growth figure stands for a trend (a budget applies to it).
    pub fn is_leak(self) -> bool {
        matches!(self, GrowthJudgement::Leak { .. })
    }

    /// A short phrase for a table cell in place of the rate: "no trend", "too short"; `None`
    /// when the rate itself is the figure to show.
    pub fn cell(self) -> Option<&'static str> {
        match self {
            GrowthJudgement::Leak { .. } => None,
            GrowthJudgement::Disagree { .. } => Some("runs disagree"),
            GrowthJudgement::NoTrend { .. } => Some("no trend"),
            GrowthJudgement::TooShort { .. } => Some("too short"),
        }
    }

    /// The judgement in words: "too short to judge: steady window 2.3 s of the 5.0 s needed, runs
    /// of at least 6.4 s", "no significant trend in 3 runs", "runs disagree: 1 of 2 runs …".
    pub fn sentence(self) -> String {
        match self {
            GrowthJudgement::Leak { leaking, runs } => {
                format!("a leak: {leaking} of {runs} runs show a significant rise")
            }
            GrowthJudgement::Disagree { leaking, runs } => format!(
                "runs disagree: {leaking} of {runs} runs show a leak, not failed; more runs would decide"
            ),
            GrowthJudgement::NoTrend { runs } => format!(
                "no significant trend in {runs} run{}",
                if runs == 1 { "" } else { "s" }
            ),
            GrowthJudgement::TooShort {
                window_secs,
                min_window_secs,
                run_secs,
            } => format!(
                "too short to judge: steady window {window_secs:.1} s of the {min_window_secs:.1} s needed, runs of at least {run_secs:.1} s"
            ),
        }
    }
}
