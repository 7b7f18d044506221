//! What the reports show, derived once from [`Results`]: per benchmark its figures, status and
//! budget use, the base's figures, its checks and runs, the run that a timeline shows and the
//! notes worth reading (capped here, so that every report shows the same ones). Markdown, HTML,
//! the terminal table, JUnit, Mermaid and the plotters charts all render from these views; the
//! words are in [`text`](super::text), the escaping in [`escape`](super::escape).

use crate::gate::verdict::{budget_use, format_percent_change};
use crate::results::{
    BaselineFigures, BaselineInfo, BenchmarkResult, Breakdown, Check, CheckKind, Comparison,
    Environment, GrowthJudgement, GrowthWindow, Phase, PhaseBudget, PhasePeak, Results, RunResult,
    Status,
};
use crate::results::{Method, Uncertainty};

use super::escape;

/// Run notes shown per benchmark at most.
pub const MAX_NOTES: usize = 10;

/// The whole suite, one [`BenchmarkView`] per benchmark in the results' order.
#[derive(Debug)]
pub struct SuiteView<'r> {
    pub benchmarks: Vec<BenchmarkView<'r>>,
    /// The overall status: the worst of the benchmarks'.
    pub status: Status,
    /// Whether any benchmark was compared or marked new (a base that could not be had leaves
    /// nothing to show): the Markdown and HTML tables then have a "vs base" column.
    pub has_base: bool,
    /// Whether any benchmark has a comparison: the terminal table then has a "vs base" column.
    pub compared: bool,
    pub baseline: Option<&'r BaselineInfo>,
    pub environment: &'r Environment,
    pub memgate_version: &'r str,
    pub created_at: &'r str,
}

impl<'r> SuiteView<'r> {
    pub fn new(results: &'r Results) -> Self {
        let stems = escape::unique_file_stems(results.benchmarks.iter().map(|b| b.name.as_str()));
        let benchmarks: Vec<BenchmarkView<'r>> = results
            .benchmarks
            .iter()
            .zip(stems)
            .map(|(b, stem)| BenchmarkView::with_stem(b, stem))
            .collect();
        Self {
            status: results.status(),
            has_base: benchmarks
                .iter()
                .any(|b| b.base.is_some() || b.comparison.is_some()),
            compared: benchmarks.iter().any(|b| b.comparison.is_some()),
            benchmarks,
            baseline: results.baseline.as_ref(),
            environment: &results.environment,
            memgate_version: &results.memgate_version,
            created_at: &results.created_at,
        }
    }

    /// At most `max` benchmarks, in their order: errors and failures first, then warnings, then
    /// the largest peaks — what a reader of a cut chart most needs to see.
    pub fn most_telling(&self, max: usize) -> Vec<&BenchmarkView<'r>> {
        let benchmarks = &self.benchmarks;
        if benchmarks.len() <= max {
            return benchmarks.iter().collect();
        }
        let mut order: Vec<usize> = (0..benchmarks.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&benchmarks[a], &benchmarks[b]);
            b.status
                .cmp(&a.status)
                .then(b.figures.peak_bytes.cmp(&a.figures.peak_bytes))
        });
        let mut keep: Vec<usize> = order.into_iter().take(max).collect();
        keep.sort_unstable();
        keep.into_iter().map(|i| &benchmarks[i]).collect()
    }
}

/// Peak, steady state and growth: of a benchmark (the figures over its runs) or of its base.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub peak_bytes: u64,
    pub steady_bytes: u64,
    pub growth_bytes_per_sec: f64,
}

/// One benchmark as every report sees it.
#[derive(Debug)]
pub struct BenchmarkView<'r> {
    pub name: &'r str,
    pub command: &'r str,
    pub status: Status,
    pub reason: Option<&'r str>,
    pub tags: &'r [String],
    pub method: Method,
    /// A stem for the benchmark's chart files, unique in the suite and safe in a file name and an
    /// HTML id (empty for a benchmark viewed on its own, see [`BenchmarkView::new`]).
    pub stem: String,
    /// The figures over the runs (all zero when it never ran: see [`BenchmarkView::measured`]).
    pub figures: Figures,
    /// Lowest and highest peak over the runs.
    pub peak_spread_bytes: Option<(u64, u64)>,
    pub peak_budget: Option<u64>,
    pub steady_budget: Option<u64>,
    /// Limits on the peak of named phases.
    pub phase_budgets: &'r [PhaseBudget],
    /// What the growth figure means (`None` in files from before growth was judged).
    pub growth: Option<GrowthJudgement>,
    /// The window steady state and growth were read over (the default one in older files).
    pub window: GrowthWindow,
    /// The largest share of a budget used, over the budget checks that were applied (1.0 = all
    /// of it): the "budget use" of every format. Regression limits are not budgets.
    pub budget_share: Option<f64>,
    pub comparison: Option<Comparison>,
    /// The base's figures, when the base has this benchmark and measured it.
    pub base: Option<&'r BaselineFigures>,
    pub checks: &'r [Check],
    /// Each marked phase's peak over the runs (none when no run marked a phase).
    pub phases: &'r [PhasePeak],
    pub runs: &'r [RunResult],
    /// Index in `runs` of the run a timeline shows: the one with the benchmark's peak.
    pub head_run: Option<usize>,
    /// What a reader should know about the runs, at most [`MAX_NOTES`].
    pub notes: Vec<RunNote<'r>>,
    /// Allocation sites from the re-run under memray, when there was one.
    pub attribution: Option<&'r crate::results::Attribution>,
    /// The benchmark's duration (median of its runs), set beside the re-run's.
    pub duration_secs: f64,
    /// The processes at the peak of the run with the benchmark's peak, when it has them.
    pub breakdown: Option<&'r Breakdown>,
}

impl<'r> BenchmarkView<'r> {
    /// The view of a benchmark on its own (for a chart of one benchmark: no file stem).
    pub fn new(b: &'r BenchmarkResult) -> Self {
        Self::with_stem(b, String::new())
    }

    fn with_stem(b: &'r BenchmarkResult, stem: String) -> Self {
        let budget = b.budget.as_ref();
        Self {
            name: &b.name,
            command: &b.command,
            status: b.status,
            reason: b.reason.as_deref(),
            tags: &b.tags,
            method: b.method,
            stem,
            figures: Figures {
                peak_bytes: b.peak_bytes,
                steady_bytes: b.steady_bytes,
                growth_bytes_per_sec: b.growth_bytes_per_sec,
            },
            peak_spread_bytes: b.peak_spread_bytes,
            peak_budget: budget.and_then(|budget| budget.peak_bytes),
            steady_budget: budget.and_then(|budget| budget.steady_bytes),
            phase_budgets: budget.map_or(&[], |budget| budget.phases.as_slice()),
            growth: b.growth_judgement,
            window: b.growth_window.unwrap_or_default(),
            budget_share: largest_use(b.checks.iter()),
            comparison: b.comparison,
            base: b.baseline.as_ref(),
            checks: &b.checks,
            phases: &b.phases,
            runs: &b.runs,
            head_run: head_run(b),
            breakdown: b.peak_breakdown(),
            notes: run_notes(&b.runs),
            attribution: b.attribution.as_ref(),
            duration_secs: b.duration_secs,
        }
    }

    /// The phases of the run a timeline shows (none when it marked none).
    pub fn head_phases(&self) -> &'r [Phase] {
        self.head_run
            .and_then(|i| self.runs.get(i))
            .map_or(&[], |run| run.phases.as_slice())
    }

    /// Whether it ran at all: a benchmark that never ran has no figures, not figures of zero.
    pub fn measured(&self) -> bool {
        !self.runs.is_empty()
    }

    /// The run a timeline shows.
    pub fn head(&self) -> Option<&'r RunResult> {
        self.head_run.map(|i| &self.runs[i])
    }

    /// The peak's regression limit against the base, as a change ("+10%"), when it was checked.
    pub fn peak_limit(&self) -> Option<String> {
        self.checks
            .iter()
            .find(|c| c.kind == CheckKind::Regression && c.metric == crate::results::Metric::Peak)
            .and_then(|c| c.base.map(|base| format_percent_change(base, c.limit)))
    }

    /// The base's figures as [`Figures`].
    pub fn base_figures(&self) -> Option<Figures> {
        self.base.map(|base| Figures {
            peak_bytes: base.peak_bytes,
            steady_bytes: base.steady_bytes,
            growth_bytes_per_sec: base.growth_bytes_per_sec,
        })
    }
}

fn largest_use<'c>(checks: impl Iterator<Item = &'c Check>) -> Option<f64> {
    checks
        .filter_map(budget_use)
        .fold(None, |most: Option<f64>, used| {
            Some(most.map_or(used, |m| m.max(used)))
        })
}

/// The run with the benchmark's peak (peak = max of runs), else the first.
fn head_run(b: &BenchmarkResult) -> Option<usize> {
    b.runs
        .iter()
        .position(|run| run.peak_bytes == b.peak_bytes)
        .or_else(|| (!b.runs.is_empty()).then_some(0))
}

/// One thing a reader should know about a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunNote<'r> {
    /// The run's number, from 1.
    pub run: usize,
    pub what: NoteKind<'r>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoteKind<'r> {
    /// The peak is only known between bounds.
    PeakBounds(&'r Uncertainty),
    /// A note of the measurement.
    Said(&'r str),
}

/// Per run, a peak known only between bounds and then the measurement's notes; the first
/// [`MAX_NOTES`] of them.
fn run_notes(runs: &[RunResult]) -> Vec<RunNote<'_>> {
    notes_of(
        runs.iter()
            .map(|run| (run.uncertainty.as_ref(), run.notes.as_slice())),
    )
}

/// [`run_notes`] from each run's bounds and notes.
fn notes_of<'r>(
    runs: impl Iterator<Item = (Option<&'r Uncertainty>, &'r [String])>,
) -> Vec<RunNote<'r>> {
    runs.enumerate()
        .flat_map(|(i, (bounds, notes))| {
            bounds
                .map(NoteKind::PeakBounds)
                .into_iter()
                .chain(notes.iter().map(|note| NoteKind::Said(note)))
                .map(move |what| RunNote { run: i + 1, what })
        })
        .take(MAX_NOTES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_capped_and_numbered_by_run() {
        let bounds = Uncertainty {
            lower_bytes: 1,
            upper_bytes: 2,
            reason: "sampled".to_string(),
        };
        let first: Vec<String> = (0..3).map(|i| format!("a{i}")).collect();
        let second: Vec<String> = (0..9).map(|i| format!("b{i}")).collect();
        let notes = notes_of([(Some(&bounds), &first[..]), (None, &second[..])].into_iter());
        assert_eq!(notes.len(), MAX_NOTES);
        assert_eq!(notes[0].what, NoteKind::PeakBounds(&bounds));
        assert_eq!(
            notes[3],
            RunNote {
                run: 1,
                what: NoteKind::Said("a2")
            }
        );
        assert_eq!(
            notes[4],
            RunNote {
                run: 2,
                what: NoteKind::Said("b0")
            }
        );
    }
}
