//! A suite: the benchmarks of a plan, each run `warmup + runs` times (alternating with the base's
//! when there is one), judged, and compared with the baseline, one after the other.
//!
//! [`run`] takes the measurement as a [`Measure`] (the real one is [`measure::measure`]; tests
//! pass a fake that spawns nothing) and tells its caller what happens through [`Event`]s, so that
//! the command decides what to print and what to write. The parts, one job each: `plan`
//! (selection, shards and run specs), `setup` (the `setup:` steps), `baseline` (none, a file, a
//! ref measured in a `worktree`, or missing), `alternate` (the ABAB runs of one benchmark),
//! `child` (setup steps and git: a timeout, and killed when memgate is told to stop).
//!
//! A terminating signal to memgate (Ctrl-C, SIGTERM, …) ends a run through the measurement; the
//! suite also asks [`Measure::stop_signal`] before every run and every benchmark, and once at the
//! end, so that a signal that came between runs (or with a run too short for the watchdog to
//! see it) stops the suite as well.
//!
//! [`measure::measure`]: crate::measure::measure

mod alternate;
mod attribute;
mod baseline;
mod child;
mod fingerprint;
mod head;
mod logs;
mod plan;
pub mod setup;
mod shard;
#[cfg(test)]
mod tests;
mod worktree;

use crate::config::Config;
use crate::measure::{MeasureError, Measurement, RunSpec};
use crate::results::{CgroupSource, Environment, Method, Results, timestamp};

pub use baseline::{BaseError, BaseInterrupted, BaseSide, Baseline};
pub use head::{HeadError, HeadTree};
pub use logs::{Output, TAIL_LINES};
pub use plan::{Plan, Planned, SelectError, Selection};
pub use setup::SetupError;
pub use shard::Shard;
pub use worktree::BaseRef;

/// How one run is measured: [`crate::measure::measure`], or in tests a fake.
pub trait Measure {
    fn measure(&mut self, spec: &RunSpec) -> Result<Measurement, MeasureError>;

    /// The terminating signal memgate received, if any: no further run starts.
    fn stop_signal(&self) -> Option<i32> {
        crate::measure::interrupt::stop_signal()
    }
}

impl<F> Measure for F
where
    F: FnMut(&RunSpec) -> Result<Measurement, MeasureError>,
{
    fn measure(&mut self, spec: &RunSpec) -> Result<Measurement, MeasureError> {
        self(spec)
    }
}

/// Which side of a comparison a run is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The base commit of `--baseline-ref`.
    Base,
    /// The code under test.
    Head,
}

/// What a suite tells its caller as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The `index`th benchmark of the plan starts.
    BenchmarkStarted { index: usize, name: &'a str },
    /// A run starts: the `attempt`th (from 0) of `total`, warm-ups first.
    RunStarted {
        index: usize,
        name: &'a str,
        side: Side,
        attempt: u32,
        total: u32,
        warmup: bool,
    },
    /// The `index`th benchmark, judged, is re-run once under memray for its allocation sites
    /// (`side`'s benchmark; unmeasured).
    Attributing {
        index: usize,
        name: &'a str,
        side: Side,
    },
    /// The `index`th benchmark is judged and compared: `results` are the head's so far, its
    /// result last.
    BenchmarkFinished { index: usize, results: &'a Results },
}

/// What a suite gave.
#[derive(Debug)]
pub struct Finished {
    /// The head's results: every benchmark that ran, judged and compared.
    pub results: Results,
    /// memgate was told to stop (Ctrl-C, SIGTERM, …), in a run or between runs: the suite
    /// stopped after that benchmark, or had run them all when the signal came at the end.
    pub interrupted: bool,
}

/// Runs the benchmarks of `plan` one after the other into `head` (the results to fill: the
/// machine and the time, no benchmarks yet), comparing them with `baseline` after each.
///
/// An error of `on_event` stops the suite and is returned; an interrupted run stops it too, with
/// the results so far.
pub fn run<E>(
    plan: &Plan<'_>,
    baseline: &Baseline,
    head: Results,
    mut measure: impl Measure,
    mut on_event: impl FnMut(Event<'_>) -> Result<(), E>,
) -> Result<Finished, E> {
    let mut results = head;
    let mut base_results = baseline.side().map(|side| side.empty_results(&results));
    let mut method_known = false;
    let stopped = |results| Finished {
        results,
        interrupted: true,
    };
    for (index, planned) in plan.benchmarks.iter().enumerate() {
        if measure.stop_signal().is_some() {
            return Ok(stopped(results));
        }
        let name = &planned.benchmark.name;
        on_event(Event::BenchmarkStarted { index, name })?;
        let base = baseline
            .side()
            .and_then(|side| side.config.benchmark(name))
            .map(|benchmark| (benchmark, plan::spec(plan.config, benchmark, plan.method)));
        let ran = alternate::alternate(
            index,
            planned,
            &plan.output,
            base,
            &mut measure,
            &mut on_event,
        )?;
        if !ran.head.runs.is_empty() {
            // Runs were measured: without a cgroup (sampled, by choice or not) that is "none".
            let source = crate::measure::cgroup_source();
            results.environment.cgroup = Some(source.unwrap_or(CgroupSource::None));
        }
        if !method_known && !ran.head.runs.is_empty() {
            results.environment.method = ran.head.method;
            method_known = true;
        }
        results.benchmarks.push(ran.head);
        if let (Some(base_results), Some(base)) = (base_results.as_mut(), ran.base) {
            base_results.benchmarks.push(base);
        }
        baseline.compare(&mut results, base_results.as_ref(), plan.config);
        if measure.stop_signal().is_none() && !ran.interrupted {
            let mut told = |side| on_event(Event::Attributing { index, name, side });
            attribute_latest(
                plan,
                planned,
                baseline,
                &mut results,
                &mut measure,
                &mut told,
            )?;
        }
        on_event(Event::BenchmarkFinished {
            index,
            results: &results,
        })?;
        if ran.interrupted {
            return Ok(stopped(results));
        }
    }
    Ok(Finished {
        interrupted: measure.stop_signal().is_some(),
        results,
    })
}

/// Re-runs the latest benchmark of `results` under memray when its policy says so (on-failure:
/// it failed a budget or a regression; always; or `--attribute`), after its verdict, which the
/// re-run never changes; with a base, the base's benchmark too (a `--baseline-ref`'s in its own
/// checkout; a `--baseline FILE`'s attribution as the file has it), and the sites that grew.
fn attribute_latest<E>(
    plan: &Plan<'_>,
    planned: &Planned<'_>,
    baseline: &Baseline,
    results: &mut Results,
    measure: &mut impl Measure,
    told: &mut impl FnMut(Side) -> Result<(), E>,
) -> Result<(), E> {
    use crate::config::AttributionPolicy;
    let Some(head) = results.benchmarks.last() else {
        return Ok(());
    };
    let policy = if plan.attribute_all {
        AttributionPolicy::Always
    } else {
        planned.benchmark.attribution
    };
    let wanted = match policy {
        AttributionPolicy::Never => false,
        AttributionPolicy::Always => !head.runs.is_empty(),
        AttributionPolicy::OnFailure => head.status == crate::results::Status::Fail,
    };
    if !wanted {
        return Ok(());
    }
    let head_root = setup::config_folder(&plan.config.path);
    let job = attribute::Job {
        spec: &planned.spec,
        root: &head_root,
        stem: &planned.stem,
        side: Side::Head,
        output: &plan.output,
    };
    told(Side::Head)?;
    let mut attribution = attribute::attribute(&job, measure);
    let base_sites = match baseline {
        Baseline::File { results: base, .. } => base
            .benchmarks
            .iter()
            .find(|b| b.name == planned.benchmark.name)
            .and_then(|b| b.attribution.as_ref())
            .map(|a| a.sites.clone()),
        Baseline::Ref(side) => match side.config.benchmark(&planned.benchmark.name) {
            None => None,
            Some(base) => {
                told(Side::Base)?;
                let spec = plan::spec(&side.config, base, plan.method);
                let root = setup::config_folder(&side.config.path);
                let job = attribute::Job {
                    spec: &spec,
                    root: &root,
                    stem: &planned.stem,
                    side: Side::Base,
                    output: &plan.output,
                };
                Some(attribute::attribute(&job, measure).sites)
            }
        },
        _ => None,
    };
    if let Some(base_sites) = base_sites.filter(|sites| !sites.is_empty()) {
        attribution.grown = crate::results::grown_sites(&attribution.sites, &base_sites);
    }
    if let Some(latest) = results.benchmarks.last_mut() {
        latest.attribution = Some(attribution);
    }
    Ok(())
}

/// The head's results before the first benchmark: this machine, now, and the commit checked out
/// where `config` is.
pub fn head_results(config: &Config) -> Results {
    let mut results = Results::new(Environment::detect(Method::Sampled), timestamp());
    results.environment.git_sha = worktree::head_sha(&setup::config_folder(&config.path));
    results
}
