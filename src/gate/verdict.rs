//! The verdict of one benchmark: its runs aggregated and held to its budget. Pure: figures in,
//! status, reason and checks out.

use crate::config::Regression;
use crate::gate::{growth, reason};
use crate::results::{
    Aggregate, BaselineFigures, BudgetFigures, Check, CheckKind, GrowthJudgement, GrowthWindow,
    Metric, PhaseBudget, PhasePeak, RunResult, Status, Verdict, phase_peaks,
};
use crate::units::{format_rate, format_size};

/// A benchmark's figures over its measured runs: peak = max of runs (the worst case is what a
/// budget guards), steady and growth = the median run (robust to one noisy run; see
/// [`median_run`] for an even count), and what the growth means over `window`.
pub fn aggregate(runs: &[RunResult], window: &GrowthWindow) -> Aggregate {
    let peaks: Vec<u64> = runs.iter().map(|r| r.peak_bytes).collect();
    let steady: Vec<f64> = runs.iter().map(|r| r.steady_bytes as f64).collect();
    let growth: Vec<f64> = runs.iter().map(|r| r.growth_bytes_per_sec).collect();
    let durations: Vec<f64> = runs.iter().map(|r| r.duration_secs).collect();
    Aggregate {
        peak_bytes: peaks.iter().copied().max().unwrap_or(0),
        peak_total_bytes: runs.iter().map(|r| r.peak_total_bytes).max().unwrap_or(0),
        steady_bytes: median_run(&steady) as u64,
        growth_bytes_per_sec: median_run(&growth),
        growth: growth::judge(runs, window),
        duration_secs: median_run(&durations),
        peak_spread_bytes: (
            peaks.iter().copied().min().unwrap_or(0),
            peaks.iter().copied().max().unwrap_or(0),
        ),
        phases: phase_peaks(runs.iter().map(|r| r.phases.as_slice())),
    }
}

/// The median of the runs' figures, always one run's own figure: the middle one of an odd count,
/// the higher of the two middle ones of an even count. Why not their mean: two runs at +8.7 and
/// −8.7 MiB/s would read as a flat 0 that hides the run that grew; the higher middle is the more
/// cautious of the two figures the runs gave, as the peak is the highest. 0 for no runs; NaNs are
/// ignored.
pub fn median_run(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// The base to compare with, and the thresholds a change must clear to be a regression.
#[derive(Debug, Clone, Copy)]
pub struct Against<'a> {
    pub base: &'a BaselineFigures,
    pub regression: &'a Regression,
}

/// Judges a benchmark: `error` when a run crashed, timed out or was killed; else `fail` over a
/// budget or beyond a regression threshold, `warn` above `warn_at` of a budget, `pass`. No budget
/// and no base: measured and reported, never failed.
pub fn judge(
    runs: &[RunResult],
    figures: &Aggregate,
    budget: Option<&BudgetFigures>,
    against: Option<Against<'_>>,
) -> Verdict {
    if let Some((index, run)) = runs.iter().enumerate().find(|(_, r)| !r.succeeded()) {
        return Verdict {
            status: Status::Error,
            reason: Some(format!(
                "run {} of {} {}",
                index + 1,
                runs.len(),
                run.ending()
            )),
            checks: Vec::new(),
        };
    }
    let mut checks = budget.map_or_else(Vec::new, |b| budget_checks(figures, b));
    if let Some(against) = against {
        checks.extend(regression_checks(runs, figures, against));
    }
    let (status, reason) = reason::of(&checks);
    Verdict {
        status,
        reason,
        checks,
    }
}

fn budget_checks(figures: &Aggregate, budget: &BudgetFigures) -> Vec<Check> {
    let peak = if budget.include_file {
        figures.peak_total_bytes
    } else {
        figures.peak_bytes
    };
    let sizes = [
        (Metric::Peak, budget.peak_bytes, peak),
        (Metric::Steady, budget.steady_bytes, figures.steady_bytes),
    ];
    let mut checks: Vec<Check> = sizes
        .into_iter()
        .filter_map(|(metric, limit, actual)| {
            Some(budget_check(
                metric,
                limit? as f64,
                actual as f64,
                budget.warn_at,
            ))
        })
        .collect();
    if let Some(limit) = budget.growth_bytes_per_sec {
        checks.push(growth_check(figures, limit, budget.warn_at));
    }
    checks.extend(
        budget
            .phases
            .iter()
            .map(|limit| phase_check(&figures.phases, limit, budget.warn_at)),
    );
    checks
}

/// A phase's peak against its budget. A budgeted phase that no run marked fails: its marker went
/// missing (renamed, or the code that wrote it no longer runs), and a budget that silently holds
/// nothing is no gate.
fn phase_check(peaks: &[PhasePeak], limit: &PhaseBudget, warn_at: f64) -> Check {
    let check = |actual: u64| Check {
        phase: Some(limit.name.clone()),
        ..budget_check(
            Metric::Peak,
            limit.peak_bytes as f64,
            actual as f64,
            warn_at,
        )
    };
    match peaks.iter().find(|p| p.name == limit.name) {
        Some(peak) => check(peak.peak_bytes),
        None => Check {
            ok: false,
            warn: false,
            judged: false,
            detail: Some(format!("no run wrote `memgate:phase {}`", limit.name)),
            ..check(0)
        },
    }
}

fn budget_check(metric: Metric, limit: f64, actual: f64, warn_at: f64) -> Check {
    let ok = actual <= limit;
    Check {
        metric,
        kind: CheckKind::Budget,
        limit,
        actual,
        ok,
        warn: ok && actual > limit * warn_at,
        base: None,
        detail: None,
        judged: true,
        phase: None,
    }
}

/// The growth budget, applied only to a leak (see `gate::growth`). Runs that disagree over a
/// rate above the budget warn; no trend, or too short to judge, never fail nor warn.
fn growth_check(figures: &Aggregate, limit: f64, warn_at: f64) -> Check {
    let actual = figures.growth_bytes_per_sec;
    if figures.growth.is_leak() {
        return budget_check(Metric::Growth, limit, actual, warn_at);
    }
    let disagree = matches!(figures.growth, GrowthJudgement::Disagree { .. });
    Check {
        ok: true,
        warn: disagree && actual > limit,
        detail: Some(figures.growth.sentence()),
        judged: false,
        ..budget_check(Metric::Growth, limit, actual, warn_at)
    }
}

/// Peak and steady against the base. A change is a regression only when it exceeds the percent
/// threshold, is at least `min_delta`, and — with 2+ runs on each side — clears both sides'
/// spreads (head's lowest run above base's highest), so that run-to-run noise never fails a PR.
fn regression_checks(runs: &[RunResult], figures: &Aggregate, against: Against<'_>) -> Vec<Check> {
    let base = against.base;
    let head_steady: Vec<u64> = runs.iter().map(|r| r.steady_bytes).collect();
    let sides = [
        (
            Metric::Peak,
            against.regression.peak,
            figures.peak_bytes,
            base.peak_bytes,
            (runs.len() >= 2).then_some(figures.peak_spread_bytes),
            base.peak_spread_bytes,
        ),
        (
            Metric::Steady,
            against.regression.steady,
            figures.steady_bytes,
            base.steady_bytes,
            spread(&head_steady),
            base.steady_spread_bytes,
        ),
    ];
    sides
        .into_iter()
        .map(
            |(metric, threshold, head, base_value, head_spread, base_spread)| {
                let limit = base_value as f64 * (1.0 + threshold);
                let delta = head.saturating_sub(base_value);
                let beyond = head as f64 > limit && delta >= against.regression.min_delta;
                let spreads = head_spread.zip(base_spread);
                let (ok, detail) = match (beyond, spreads) {
                    (false, _) if head as f64 > limit => (
                        true,
                        Some(format!(
                            "above +{:.0}% but under the minimum change {}",
                            threshold * 100.0,
                            format_size(against.regression.min_delta)
                        )),
                    ),
                    (false, _) => (true, None),
                    (true, None) => (false, None),
                    (true, Some((h, b))) if h.0 > b.1 => (
                        false,
                        Some(format!(
                            "clear: head's lowest run {} is above base's highest {}",
                            format_size(h.0),
                            format_size(b.1)
                        )),
                    ),
                    (true, Some((h, b))) => (
                        true,
                        Some(format!(
                            "within noise: head's runs ({}–{}) overlap base's ({}–{})",
                            format_size(h.0),
                            format_size(h.1),
                            format_size(b.0),
                            format_size(b.1)
                        )),
                    ),
                };
                Check {
                    metric,
                    kind: CheckKind::Regression,
                    limit,
                    actual: head as f64,
                    ok,
                    warn: false,
                    base: Some(base_value as f64),
                    detail,
                    judged: true,
                    phase: None,
                }
            },
        )
        .collect()
}

/// Lowest and highest of several values; `None` for fewer than two.
fn spread(values: &[u64]) -> Option<(u64, u64)> {
    (values.len() >= 2).then(|| {
        (
            values.iter().copied().min().unwrap_or(0),
            values.iter().copied().max().unwrap_or(0),
        )
    })
}

/// "+100%", "-12%", "±0%"; "new" when the base is zero.
pub fn format_percent_change(base: f64, head: f64) -> String {
    if base <= 0.0 {
        return "new".to_string();
    }
    let change = ((head - base) / base * 100.0).round();
    if change == 0.0 {
        return "±0%".to_string(); // never "-0%"
    }
    format!("{}{change:.0}%", if change > 0.0 { "+" } else { "" })
}

/// Share of the budget used (1.0 = all of it), of a budget check that was applied; `None` for a
/// regression check (its limit is no budget) and a growth budget not applied. A figure below zero
/// (memory that fell) uses none of it: 0, never a negative share.
pub fn budget_use(check: &Check) -> Option<f64> {
    if check.kind != CheckKind::Budget || !check.judged {
        return None;
    }
    let actual = check.actual.max(0.0);
    Some(if check.limit > 0.0 {
        actual / check.limit
    } else if actual > 0.0 {
        f64::INFINITY
    } else {
        0.0
    })
}

/// A size or a rate, as the metric needs.
pub fn format_figure(metric: Metric, value: f64) -> String {
    match metric {
        Metric::Growth => format_rate(value),
        Metric::Peak | Metric::Steady => format_size(value.max(0.0) as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, MIB, budget};

    fn agg(runs: &[RunResult]) -> Aggregate {
        aggregate(runs, &GrowthWindow::default())
    }

    /// A 10 s run whose growth is a leak when it is positive.
    fn run(peak_mib: u64, steady_mib: u64, growth_mib: f64) -> RunResult {
        RunResult {
            peak_bytes: peak_mib * MIB,
            peak_total_bytes: peak_mib * MIB + 50 * MIB,
            file_peak_bytes: 50 * MIB,
            kernel_bytes: None,
            steady_bytes: steady_mib * MIB,
            growth_bytes_per_sec: growth_mib * MIB as f64,
            leak: growth_mib > 0.0,
            samples: 100,
            ..testing::run(vec![], 10.0)
        }
    }

    #[test]
    fn aggregate_takes_max_peak_and_median_steady_and_growth() {
        let runs = [run(300, 200, 0.0), run(320, 210, 5.0), run(310, 250, 1.0)];
        let figures = agg(&runs);
        assert_eq!(figures.peak_bytes, 320 * MIB);
        assert_eq!(figures.steady_bytes, 210 * MIB);
        assert_eq!(figures.growth_bytes_per_sec, MIB as f64);
        assert_eq!(figures.peak_spread_bytes, (300 * MIB, 320 * MIB));
    }

    #[test]
    fn over_budget_fails_with_a_reason_naming_both_figures() {
        let runs = [run(812, 600, 0.0)];
        let verdict = judge(&runs, &agg(&runs), Some(&budget(Some(600))), None);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.reason.as_deref(),
            Some("peak 812.0 MiB exceeds budget 600.0 MiB")
        );
        assert_eq!(verdict.checks.len(), 2);
        assert!(!verdict.checks[0].ok && verdict.checks[1].ok);
    }

    #[test]
    fn above_warn_at_warns_and_still_passes() {
        let runs = [run(560, 400, 0.0)];
        let verdict = judge(&runs, &agg(&runs), Some(&budget(Some(600))), None);
        assert_eq!(verdict.status, Status::Warn);
        assert_eq!(
            verdict.reason.as_deref(),
            Some("peak 560.0 MiB is 93% of budget 600.0 MiB")
        );
        assert!(verdict.status.passes());
    }

    #[test]
    fn under_budget_passes_and_no_budget_is_never_failed() {
        let runs = [run(100, 90, 0.0)];
        let figures = agg(&runs);
        assert_eq!(
            judge(&runs, &figures, Some(&budget(Some(600))), None).status,
            Status::Pass
        );
        let big = [run(100_000, 90_000, 500.0)];
        let verdict = judge(&big, &agg(&big), None, None);
        assert_eq!(verdict.status, Status::Pass);
        assert!(verdict.checks.is_empty());
    }

    #[test]
    fn growth_over_budget_fails() {
        let runs = [run(100, 90, 6.7)];
        let verdict = judge(&runs, &agg(&runs), Some(&budget(None)), None);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.reason.as_deref(),
            Some("growth 6.70 MiB/s exceeds budget 2.00 MiB/s")
        );
    }

    #[test]
    fn growth_that_cannot_be_judged_never_fails_and_uses_no_budget() {
        let short = RunResult {
            duration_secs: 3.0,
            ..run(100, 90, 37.7)
        };
        let short = [short];
        let verdict = judge(&short, &agg(&short), Some(&budget(None)), None);
        assert_eq!(verdict.status, Status::Pass, "{verdict:?}");
        let growth = &verdict.checks[0];
        assert!(growth.ok && !growth.judged && budget_use(growth).is_none());
        assert!(
            growth
                .detail
                .as_deref()
                .unwrap()
                .starts_with("too short to judge")
        );
        // A rise no run calls significant: no trend, no failure.
        let noise = RunResult {
            leak: false,
            ..run(100, 90, 37.7)
        };
        let noise = [noise];
        let verdict = judge(&noise, &agg(&noise), Some(&budget(None)), None);
        assert_eq!(verdict.status, Status::Pass);
        assert_eq!(
            verdict.checks[0].detail.as_deref(),
            Some("no significant trend in 1 run")
        );
    }

    #[test]
    fn falling_memory_uses_none_of_a_growth_budget() {
        let check = Check {
            judged: true,
            ..budget_check(Metric::Growth, 2.0 * MIB as f64, -19.26 * MIB as f64, 0.9)
        };
        assert_eq!(budget_use(&check), Some(0.0));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_higher_middle_run() {
        assert_eq!(median_run(&[8.7, -8.7]), 8.7);
        assert_eq!(median_run(&[1.0, 4.0, 2.0, 3.0]), 3.0);
        assert_eq!(median_run(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median_run(&[]), 0.0);
        // Two runs that disagree: the growth shown is the one that grew, and the gate warns.
        let runs = [run(100, 90, 8.7), run(100, 90, -8.7)];
        let figures = agg(&runs);
        assert_eq!(figures.growth_bytes_per_sec, 8.7 * MIB as f64);
        let verdict = judge(&runs, &figures, Some(&budget(None)), None);
        assert_eq!(verdict.status, Status::Warn, "{verdict:?}");
        assert!(
            verdict
                .reason
                .unwrap()
                .contains("runs disagree: 1 of 2 runs")
        );
    }

    #[test]
    fn the_reason_names_every_failed_check_a_regression_first() {
        let runs = [run(405, 300, 6.7)];
        let figures = agg(&runs);
        let mut limits = budget(Some(300));
        limits.steady_bytes = Some(200 * MIB);
        let base = BaselineFigures {
            peak_bytes: 186 * MIB,
            steady_bytes: 222 * MIB,
            ..BaselineFigures::default()
        };
        let regression = Regression::default();
        let against = Against {
            base: &base,
            regression: &regression,
        };
        let verdict = judge(&runs, &figures, Some(&limits), Some(against));
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.reason.as_deref(),
            Some(
                "peak 405.0 MiB vs base 186.0 MiB (+118%, limit +10%); \
                 steady 300.0 MiB vs base 222.0 MiB (+35%, limit +10%); \
                 growth 6.70 MiB/s exceeds budget 2.00 MiB/s; \
                 steady 300.0 MiB exceeds budget 200.0 MiB; \
                 peak 405.0 MiB exceeds budget 300.0 MiB"
            )
        );
    }

    #[test]
    fn include_file_counts_file_backed_pages() {
        let runs = [run(580, 400, 0.0)];
        let mut with_file = budget(Some(600));
        with_file.include_file = true;
        let verdict = judge(&runs, &agg(&runs), Some(&with_file), None);
        assert_eq!(verdict.status, Status::Fail, "{verdict:?}");
    }

    #[test]
    fn a_failed_run_is_an_error_whatever_the_budget() {
        let mut crashed = run(100, 90, 0.0);
        crashed.signal = Some(libc::SIGKILL);
        crashed.exit_code = None;
        let runs = [run(100, 90, 0.0), crashed];
        let verdict = judge(&runs, &agg(&runs), Some(&budget(Some(600))), None);
        assert_eq!(verdict.status, Status::Error);
        assert_eq!(
            verdict.reason.as_deref(),
            Some("run 2 of 2 was killed by SIGKILL")
        );
        let mut timed_out = run(100, 90, 0.0);
        timed_out.timed_out = true;
        let verdict = judge(&[timed_out.clone()], &agg(&[timed_out]), None, None);
        assert_eq!(verdict.reason.as_deref(), Some("run 1 of 1 timed out"));
    }
}
