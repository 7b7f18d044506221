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

/// The head's allocation sites that grew against the base's, when both were attributed (a base's
/// results file with an attribution; `memgate compare`); otherwise what the head has stays.
fn grow_sites(
    head: &mut crate::results::BenchmarkResult,
    base: Option<&crate::results::BenchmarkResult>,
) {
    let base_sites = base
        .and_then(|b| b.attribution.as_ref())
        .map(|a| &a.sites)
        .filter(|sites| !sites.is_empty());
    if let (Some(attribution), Some(base_sites)) = (head.attribution.as_mut(), base_sites) {
        attribution.grown = crate::results::grown_sites(&attribution.sites, base_sites);
    }
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
        let base_benchmark = base.benchmarks.iter().find(|b| b.name == benchmark.name);
        grow_sites(benchmark, base_benchmark);
        let (comparison, baseline) = match base_benchmark {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Attribution, Method, Site};
    use crate::testing;

    fn attributed(line: u32, bytes: u64) -> Results {
        let runs = vec![testing::run(vec![(0.0, bytes)], 1.0)];
        let mut b = testing::judged("b", "python x.py", runs, None);
        b.attribution = Some(Attribution {
            tool: "memray".into(),
            sites: vec![Site {
                function: "f".into(),
                file: "x.py".into(),
                line,
                bytes,
                share: 1.0,
            }],
            ..Attribution::default()
        });
        testing::results(testing::environment(Method::Sampled), vec![b])
    }

    #[test]
    fn comparing_two_attributed_files_gives_the_sites_that_grew() {
        let mut head = attributed(3, 200 << 20);
        let base = attributed(3, 50 << 20);
        apply_baseline(&mut head, &base, "file:b".into(), |_| Regression::default());
        let grown = &head.benchmarks[0].attribution.as_ref().unwrap().grown;
        assert_eq!(grown.len(), 1);
        assert_eq!(grown[0].growth_bytes(), 150 << 20);
    }
}
