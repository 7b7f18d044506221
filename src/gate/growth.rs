//! Whether a benchmark's growth figure can be judged, and what it means (docs/reports.md,
//! "Growth"). A slope is always computed, but the slope of a few seconds of an import ramp or a
//! load phase is not a leak: growth is held to its budget only when most runs had a steady window
//! of at least `min_window` and showed a significant, material rise (the run's `leak`, from the
//! Mann–Kendall test in `measure::stats`).

use crate::measure::stats;
use crate::results::{GrowthJudgement, GrowthWindow, RunResult, WarmUp};

/// Reads each run's steady state and growth again over the benchmark's window, when its warm-up
/// is not the default one the measurement used. From the stored timeline: the same samples up
/// to 2,000 of them, else a min/max reduction that keeps each window's floor (what growth reads)
/// and moves the steady median a little.
pub fn rewindow(runs: &mut [RunResult], window: &GrowthWindow) {
    if window.warm_up == WarmUp::default() {
        return;
    }
    for run in runs.iter_mut().filter(|run| !run.timeline.is_empty()) {
        let growth = stats::growth_after(&run.timeline, window.warm_up);
        run.steady_bytes = stats::steady_bytes_after(&run.timeline, window.warm_up);
        run.growth_bytes_per_sec = growth.bytes_per_sec;
        run.leak = growth.leak;
    }
}

/// What the runs' growth says. Too short when most runs' steady windows are under the minimum;
/// else a leak when most runs flag one, runs that disagree when some do, no trend when none does.
/// "Most" is more than half: with 2 runs that disagree, neither wins and the gate does not fail.
pub fn judge(runs: &[RunResult], window: &GrowthWindow) -> GrowthJudgement {
    let n = runs.len();
    let spans: Vec<f64> = runs
        .iter()
        .map(|run| stats::steady_span(run.duration_secs, window.warm_up))
        .collect();
    let long_enough = |span: f64| span >= window.min_window_secs;
    let judged = spans.iter().filter(|&&span| long_enough(span)).count();
    if n == 0 || judged * 2 <= n {
        let mut sorted = spans.clone();
        sorted.sort_by(f64::total_cmp);
        return GrowthJudgement::TooShort {
            window_secs: sorted.get(n / 2).copied().unwrap_or(0.0),
            min_window_secs: window.min_window_secs,
            run_secs: stats::run_secs_for(window.min_window_secs, window.warm_up),
        };
    }
    let leaking = runs
        .iter()
        .zip(&spans)
        .filter(|(run, span)| run.leak && long_enough(**span))
        .count();
    if leaking * 2 > n {
        GrowthJudgement::Leak { leaking, runs: n }
    } else if leaking > 0 {
        GrowthJudgement::Disagree { leaking, runs: n }
    } else {
        GrowthJudgement::NoTrend { runs: n }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn run(secs: f64, leak: bool) -> RunResult {
        RunResult {
            duration_secs: secs,
            leak,
            ..testing::run(vec![], secs)
        }
    }

    #[test]
    fn a_short_run_is_too_short_to_judge_and_says_how_long_a_run_must_be() {
        let window = GrowthWindow::default();
        let judgement = judge(&[run(3.0, true)], &window);
        let GrowthJudgement::TooShort {
            window_secs,
            run_secs,
            ..
        } = judgement
        else {
            panic!("{judgement:?}");
        };
        assert!((window_secs - 3.0 * 0.78).abs() < 1e-9, "{window_secs}");
        // 5 s of window after 20% warm-up and 2% teardown.
        assert!((run_secs - 5.0 / 0.78).abs() < 1e-9, "{run_secs}");
        assert!(judgement.sentence().contains("runs of at least 6.4 s"));
        let after_two = GrowthWindow {
            warm_up: WarmUp::Secs(2.0),
            min_window_secs: 5.0,
        };
        assert!(judge(&[run(8.0, true)], &after_two).is_leak());
        assert!(!judge(&[run(6.0, true)], &after_two).is_leak());
    }

    #[test]
    fn a_leak_needs_most_runs_and_two_that_disagree_do_not_fail() {
        let window = GrowthWindow::default();
        assert_eq!(
            judge(&[run(10.0, true), run(10.0, false)], &window),
            GrowthJudgement::Disagree {
                leaking: 1,
                runs: 2
            }
        );
        assert_eq!(
            judge(
                &[run(10.0, true), run(10.0, false), run(10.0, true)],
                &window
            ),
            GrowthJudgement::Leak {
                leaking: 2,
                runs: 3
            }
        );
        assert_eq!(
            judge(&[run(10.0, false)], &window),
            GrowthJudgement::NoTrend { runs: 1 }
        );
    }
}
