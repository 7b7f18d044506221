//! Head against base: attaches the base's figures to each head benchmark and judges it again with
//! the regression thresholds. Pure; used by `check --baseline*` and by `compare`.

use crate::config::Regression;
use crate::gate::verdict::{self, Against};
use crate::results::{
    BaselineFigures, BaselineInfo, BenchmarkResult, Comparison, Results, RunResult,
};

/// The base's figures for one benchmark, when its runs all succeeded.
pub fn baseline_figures(base: &BenchmarkResult) -> Option<BaselineFigures> {
    if base.runs.is_empty() || !base.runs.iter().all(RunResult::succeeded) {
        return None;
    }
    let spread = |values: Vec<u64>| {
        (values.len() >= 2).then(|| {
            (
                values.iter().copied().min().unwrap_or(0),
                values.iter().copied().max().unwrap_or(0),
            )
        })
    };
    Some(BaselineFigures {
        peak_bytes: base.peak_bytes,
        steady_bytes: base.steady_bytes,
        growth_bytes_per_sec: base.growth_bytes_per_sec,
        peak_spread_bytes: spread(base.runs.iter().map(|r| r.peak_bytes).collect()),
        steady_spread_bytes: spread(base.runs.iter().map(|r| r.steady_bytes).collect()),
        timeline: base.runs[0].timeline.clone(),
    })
}

/// Judges `benchmark` again from its stored runs, against `baseline` if there is one.
pub fn rejudge(
    benchmark: &mut BenchmarkResult,
    comparison: Option<Comparison>,
    baseline: Option<BaselineFigures>,
    regression: &Regression,
) {
    benchmark.comparison = comparison;
    benchmark.baseline = baseline;
    if benchmark.runs.is_empty() {
        return; // it never ran: its error stands
    }
    // Files from before growth was judged have no window: the default one.
    let window = benchmark.growth_window.unwrap_or_default();
    let figures = verdict::aggregate(&benchmark.runs, &window);
    let against = benchmark
        .baseline
        .as_ref()
        .map(|base| Against { base, regression });
    let verdict = verdict::judge(
        &benchmark.runs,
        &figures,
        benchmark.budget.as_ref(),
        against,
    );
    benchmark.steady_bytes = figures.steady_bytes;
    benchmark.growth_bytes_per_sec = figures.growth_bytes_per_sec;
    benchmark.growth_judgement = Some(figures.growth);
    benchmark.growth_window = Some(window);
    benchmark.status = verdict.status;
    benchmark.reason = verdict.reason;
    benchmark.checks = verdict.checks;
}

/// Compares every benchmark of `head` with `base`. Benchmarks new in head are marked `new`, those
/// gone from it are listed as removed; neither fails the gate.
pub fn apply_baseline(
    head: &mut Results,
    base: &Results,
    source: String,
    regression_for: impl Fn(&str) -> Regression,
) {
    for benchmark in &mut head.benchmarks {
        let (comparison, baseline) = match base.benchmarks.iter().find(|b| b.name == benchmark.name)
        {
            None => (Some(Comparison::New), None),
            // A base that crashed gives nothing to compare with.
            Some(base) => match baseline_figures(base) {
                Some(figures) => (Some(Comparison::Compared), Some(figures)),
                None => (None, None),
            },
        };
        let regression = regression_for(&benchmark.name);
        rejudge(benchmark, comparison, baseline, &regression);
    }
    let removed = base
        .benchmarks
        .iter()
        .filter(|b| !head.benchmarks.iter().any(|h| h.name == b.name))
        .map(|b| b.name.clone())
        .collect();
    head.baseline = Some(BaselineInfo {
        source,
        git_sha: base.environment.git_sha.clone(),
        removed,
        missing_reason: None,
        setup: None,
    });
}
