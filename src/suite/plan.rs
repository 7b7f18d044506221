//! What a suite runs: the benchmarks selected (by name, tag and shard) in the config's order, and
//! how each is run (its [`RunSpec`], measured runs and warm-ups). Pure: reads only the config.

use std::path::PathBuf;

use crate::config::{Config, Invocation, ResolvedBenchmark};
use crate::measure::{Launch, MethodChoice, RunSpec};
use crate::report::escape::unique_file_stems;
use crate::results::{BudgetFigures, PhaseBudget, Subject};

use super::Shard;
use super::logs::Output;

/// Which benchmarks of the config run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// By name; all when empty. Every name must be in the config.
    pub names: Vec<String>,
    /// Those with any of these tags; all when empty.
    pub tags: Vec<String>,
    /// Then only those of this shard (which may leave none).
    pub shard: Option<Shard>,
}

/// Why a selection names no benchmark to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("no benchmark named `{name}` in {}{hint} (known: {})", config.display(), known.join(", "))]
    UnknownName {
        name: String,
        config: PathBuf,
        known: Vec<String>,
        /// " — did you mean `mlp-mlfs`?", or empty.
        hint: String,
    },
    #[error("no benchmark has the tag(s) {}", tags.join(", "))]
    NoneTagged { tags: Vec<String> },
}

/// The benchmarks to run, in order, and how.
#[derive(Debug, Clone)]
pub struct Plan<'c> {
    /// The head's config: where the benchmarks come from, and the regression thresholds of a
    /// comparison with a base.
    pub config: &'c Config,
    pub benchmarks: Vec<Planned<'c>>,
    /// How every run is measured, the base's too.
    pub method: MethodChoice,
    /// What becomes of the benchmarks' output: shown unless the caller captures it.
    pub output: Output,
    /// `--attribute`: every benchmark re-run under memray, whatever its `attribution:`.
    pub attribute_all: bool,
}

/// One benchmark of a plan.
#[derive(Debug, Clone)]
pub struct Planned<'c> {
    pub benchmark: &'c ResolvedBenchmark,
    pub spec: RunSpec,
    /// Measured runs: `--runs`, else the benchmark's; at least 1. A base runs as many.
    pub runs: u32,
    /// Unmeasured runs before the measured ones.
    pub warmup: u32,
    /// The name made safe for a file name, unique in the plan (its logs are named by it).
    pub stem: String,
}

impl<'c> Plan<'c> {
    /// The benchmarks of `config` that `selection` names; `runs` overrides every benchmark's
    /// measured runs.
    pub fn new(
        config: &'c Config,
        selection: &Selection,
        runs: Option<u32>,
        method: MethodChoice,
    ) -> Result<Self, SelectError> {
        let selected: Vec<&ResolvedBenchmark> = select(config, &selection.names, &selection.tags)?
            .into_iter()
            .filter(|b| selection.shard.is_none_or(|shard| shard.contains(&b.name)))
            .collect();
        let stems = unique_file_stems(selected.iter().map(|b| b.name.as_str()));
        let benchmarks = selected
            .into_iter()
            .zip(stems)
            .map(|(benchmark, stem)| Planned {
                benchmark,
                spec: spec(config, benchmark, method),
                runs: runs.unwrap_or(benchmark.runs).max(1),
                warmup: benchmark.warmup,
                stem,
            })
            .collect();
        Ok(Self {
            config,
            benchmarks,
            method,
            output: Output::Shown,
            attribute_all: false,
        })
    }
}

/// The benchmarks named (all when none), keeping the file's order, filtered by tags.
fn select<'a>(
    config: &'a Config,
    names: &[String],
    tags: &[String],
) -> Result<Vec<&'a ResolvedBenchmark>, SelectError> {
    for name in names {
        if config.benchmark(name).is_none() {
            let known: Vec<String> = config.benchmarks.iter().map(|b| b.name.clone()).collect();
            let names: Vec<&str> = known.iter().map(String::as_str).collect();
            let hint = crate::config::nearest(name, &names)
                .map(|near| format!(" — did you mean `{near}`?"))
                .unwrap_or_default();
            return Err(SelectError::UnknownName {
                name: name.clone(),
                config: config.path.clone(),
                known,
                hint,
            });
        }
    }
    let selected: Vec<&ResolvedBenchmark> = config
        .benchmarks
        .iter()
        .filter(|b| names.is_empty() || names.contains(&b.name))
        .filter(|b| tags.is_empty() || b.tags.iter().any(|t| tags.contains(t)))
        .collect();
    if selected.is_empty() {
        return Err(SelectError::NoneTagged {
            tags: tags.to_vec(),
        });
    }
    Ok(selected)
}

/// How one run of `benchmark` is started and measured (a base's benchmark too).
pub fn spec(config: &Config, benchmark: &ResolvedBenchmark, method: MethodChoice) -> RunSpec {
    RunSpec {
        launch: Launch {
            argv: match &benchmark.command {
                Invocation::Shell(line) => vec!["sh".into(), "-c".into(), line.clone()],
                Invocation::Argv(argv) => argv.clone(),
            },
            cwd: Some(benchmark.cwd.clone()),
            env: benchmark
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            // Each run's own files, when captured (`suite::logs`).
            output: None,
        },
        interval: benchmark.interval,
        timeout: Some(benchmark.timeout),
        method,
        cgroup: config.cgroup.clone(),
    }
}

/// What the results say of `benchmark` from memgate.yml; annotations point to its name's line.
pub fn subject(benchmark: &ResolvedBenchmark) -> Subject {
    Subject {
        name: benchmark.name.clone(),
        command: benchmark.command.to_string(),
        tags: benchmark.tags.clone(),
        config_line: Some(benchmark.line),
        budget: budget_figures(benchmark),
        window: benchmark.window,
    }
}

fn budget_figures(benchmark: &ResolvedBenchmark) -> Option<BudgetFigures> {
    let budget = &benchmark.budget;
    let any = budget.peak.is_some()
        || budget.steady.is_some()
        || budget.growth.is_some()
        || !budget.phases.is_empty();
    any.then(|| BudgetFigures {
        peak_bytes: budget.peak,
        steady_bytes: budget.steady,
        growth_bytes_per_sec: budget.growth,
        warn_at: budget.warn_at,
        include_file: budget.include_file,
        phases: budget
            .phases
            .iter()
            .map(|(name, peak_bytes)| PhaseBudget {
                name: name.clone(),
                peak_bytes: *peak_bytes,
            })
            .collect(),
    })
}
