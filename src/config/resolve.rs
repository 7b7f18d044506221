//! Applies `defaults` and the built-in defaults to each benchmark: the benchmark's own value wins,
//! key by key; `budget`, `regression` and `env` are merged field by field.

use std::path::{Component, Path, PathBuf};

use super::model::{
    Budget, BudgetLines, DEFAULT_INTERVAL, DEFAULT_MIN_DELTA, DEFAULT_REGRESSION_PEAK,
    DEFAULT_REGRESSION_STEADY, DEFAULT_RUNS, DEFAULT_TIMEOUT, DEFAULT_WARMUP, DEFAULT_WARN_AT,
    Regression, ResolvedBenchmark,
};
use super::read::{Lined, RawBenchmark, RawSettings};
use crate::results::{DEFAULT_MIN_WINDOW_SECS, GrowthWindow};

/// Resolves one benchmark; `base` is the absolute folder of the config file.
pub(crate) fn benchmark(
    raw: RawBenchmark,
    defaults: &RawSettings,
    base: &Path,
) -> ResolvedBenchmark {
    let own = raw.settings;
    let cwd = match own.cwd.as_ref().or(defaults.cwd.as_ref()) {
        Some(dir) => normalize(&base.join(dir)),
        None => base.to_path_buf(),
    };
    let mut env = defaults.env.clone().unwrap_or_default();
    env.extend(own.env.unwrap_or_default());
    let (b, d) = (&own.budget, &defaults.budget);
    let pick = |own: Option<Lined<u64>>, default: Option<Lined<u64>>| own.or(default);
    let peak = pick(b.peak, d.peak);
    let steady = pick(b.steady, d.steady);
    let growth = b.growth.or(d.growth);
    let phases = merge_phases(d.phases.as_deref(), b.phases.as_deref());
    let (r, dr) = (&own.regression, &defaults.regression);
    ResolvedBenchmark {
        name: raw.name,
        command: raw.command,
        cwd,
        env,
        timeout: own.timeout.or(defaults.timeout).unwrap_or(DEFAULT_TIMEOUT),
        runs: own.runs.or(defaults.runs).unwrap_or(DEFAULT_RUNS),
        warmup: own.warmup.or(defaults.warmup).unwrap_or(DEFAULT_WARMUP),
        interval: own
            .interval
            .or(defaults.interval)
            .unwrap_or(DEFAULT_INTERVAL),
        window: GrowthWindow {
            warm_up: own
                .steady_after
                .or(defaults.steady_after)
                .unwrap_or_default(),
            min_window_secs: own
                .min_window
                .or(defaults.min_window)
                .map_or(DEFAULT_MIN_WINDOW_SECS, |d| d.as_secs_f64()),
        },
        tags: own
            .tags
            .or_else(|| defaults.tags.clone())
            .unwrap_or_default(),
        budget: Budget {
            peak: peak.map(|l| l.value),
            steady: steady.map(|l| l.value),
            growth: growth.map(|l| l.value),
            warn_at: b.warn_at.or(d.warn_at).unwrap_or(DEFAULT_WARN_AT),
            include_file: b.include_file.or(d.include_file).unwrap_or(false),
            phases: phases.iter().map(|(n, l)| (n.clone(), l.value)).collect(),
        },
        regression: Regression {
            peak: r.peak.or(dr.peak).unwrap_or(DEFAULT_REGRESSION_PEAK),
            steady: r.steady.or(dr.steady).unwrap_or(DEFAULT_REGRESSION_STEADY),
            min_delta: r.min_delta.or(dr.min_delta).unwrap_or(DEFAULT_MIN_DELTA),
        },
        line: raw.line,
        budget_line: own.budget_line.or(defaults.budget_line),
        budget_lines: BudgetLines {
            peak: peak.and_then(|l| l.line),
            steady: steady.and_then(|l| l.line),
            growth: growth.and_then(|l| l.line),
            phases: phases
                .iter()
                .filter_map(|(n, l)| Some((n.clone(), l.line?)))
                .collect(),
        },
        attribution: own.attribution.or(defaults.attribution).unwrap_or_default(),
    }
}

/// `defaults`' phase budgets and the benchmark's, name by name: the benchmark's limit wins, in
/// the place of the default's; its other phases follow.
fn merge_phases(
    defaults: Option<&[(String, Lined<u64>)]>,
    own: Option<&[(String, Lined<u64>)]>,
) -> Vec<(String, Lined<u64>)> {
    let mut merged: Vec<(String, Lined<u64>)> = defaults.unwrap_or_default().to_vec();
    for (name, limit) in own.unwrap_or_default() {
        match merged.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = *limit,
            None => merged.push((name.clone(), *limit)),
        }
    }
    merged
}

/// Drops `.` components (`/repo/./bench` → `/repo/bench`); `..` stays, as symlinks make it
/// impossible to drop lexically.
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The absolute folder of the config file at `path`.
pub(crate) fn base_dir(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match absolute.parent() {
        Some(parent) => parent.to_path_buf(),
        None => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_dots_only() {
        assert_eq!(
            normalize(Path::new("/repo/./a/.")),
            PathBuf::from("/repo/a")
        );
        assert_eq!(
            normalize(Path::new("/repo/../a")),
            PathBuf::from("/repo/../a")
        );
    }

    #[test]
    fn base_dir_is_absolute() {
        assert!(base_dir(Path::new("memgate.yml")).is_absolute());
        assert_eq!(
            base_dir(Path::new("/x/y/memgate.yml")),
            PathBuf::from("/x/y")
        );
    }
}
