//! One benchmark's runs: `warmup + runs` attempts, and with a base, base and head alternating run
//! by run (ABAB…) so that drift of a shared machine falls on both sides alike. Warm-ups are not
//! stored; a crashed run is, and ends its side; an interrupted run ends the benchmark, and so does
//! a terminating signal to memgate seen between runs (the benchmark is then an error that says
//! how many of its runs were done).

use crate::config::ResolvedBenchmark;
use crate::gate::verdict;
use crate::measure::{MeasureError, RunSpec};
use crate::results::{BenchmarkResult, Ending, Method, RunResult, Subject};

use super::logs::{Output, RunLog};
use super::plan::{self, Planned};
use super::{Event, Measure, Side};

/// One side's runs so far, or why it could not start.
struct Runs<'a> {
    side: Side,
    /// The benchmark's name made safe for a file name (its logs').
    stem: &'a str,
    benchmark: &'a ResolvedBenchmark,
    spec: RunSpec,
    runs: Vec<RunResult>,
    method: Method,
    failed: Option<MeasureError>,
    done: bool,
    /// The output of the latest run, when captured.
    log: Option<RunLog>,
}

impl<'a> Runs<'a> {
    fn new(side: Side, stem: &'a str, benchmark: &'a ResolvedBenchmark, spec: RunSpec) -> Self {
        Self {
            side,
            stem,
            benchmark,
            spec,
            runs: Vec::new(),
            method: Method::Sampled,
            failed: None,
            done: false,
            log: None,
        }
    }

    /// Measures one more run (the `attempt`th, from 0), its output into `output`'s files; a
    /// warm-up is kept only when it crashed.
    fn attempt(&mut self, measure: &mut impl Measure, warmup: bool, attempt: u32, output: &Output) {
        self.log = output.open(self.stem, self.side, attempt);
        let mut spec = self.spec.clone();
        spec.launch.output = self.log.as_ref().map(|log| log.capture.clone());
        match measure.measure(&spec) {
            Ok(measurement) => {
                self.method = measurement.method;
                let run = measurement.run;
                // A crashed run makes the benchmark an error: further runs say nothing new.
                self.done = !run.succeeded();
                if !warmup || self.done {
                    self.runs.push(run);
                }
            }
            Err(err) => {
                self.failed = Some(err);
                self.done = true;
            }
        }
    }

    fn interrupted(&self) -> bool {
        self.runs
            .iter()
            .any(|run| matches!(run.ending(), Ending::Interrupted(_)))
    }

    /// The side's result from its runs, judged against its budget. When memgate was `stopped`
    /// by a signal before this side had all its `planned` runs, an error that says so, without
    /// the runs: a part of the runs is no verdict, and a comparison would judge them again.
    fn finish(self, stopped: Option<i32>, planned: u32) -> BenchmarkResult {
        let log = self.log.clone();
        let mut result = self.judge(stopped, planned);
        if result.status == crate::results::Status::Error {
            result.stderr_tail = log.and_then(|log| log.stderr_tail());
        }
        result
    }

    fn judge(self, stopped: Option<i32>, planned: u32) -> BenchmarkResult {
        let benchmark = self.benchmark;
        if let Some(err) = &self.failed {
            // The command could not even start (e.g. `argv` names a missing program): an error
            // of that benchmark, not of memgate.
            return BenchmarkResult::not_run(plan::subject(benchmark), err.to_string());
        }
        if let Some(signal) = stopped.filter(|_| !self.done) {
            let reason = format!(
                "stopped after {} of {planned} runs: memgate {}",
                self.runs.len(),
                Ending::Interrupted(signal)
            );
            return BenchmarkResult::not_run(plan::subject(benchmark), reason);
        }
        let subject = Subject {
            config_line: Some(benchmark.budget_line.unwrap_or(benchmark.line)),
            ..plan::subject(benchmark)
        };
        let mut runs = self.runs;
        crate::gate::growth::rewindow(&mut runs, &subject.window);
        let figures = verdict::aggregate(&runs, &subject.window);
        let verdict = verdict::judge(&runs, &figures, subject.budget.as_ref(), None);
        BenchmarkResult::judged(subject, self.method, runs, &figures, verdict)
    }
}

/// What one benchmark gave: the head's result, the base's when a base ran it, and whether a run
/// was interrupted (which ends the suite).
pub(super) struct Alternated {
    pub head: BenchmarkResult,
    pub base: Option<BenchmarkResult>,
    pub interrupted: bool,
}

/// Runs the benchmark `head` (the `index`th of the plan), and `base` (the base's benchmark of the
/// same name, and its spec) alternating with it.
pub(super) fn alternate<E>(
    index: usize,
    head: &Planned<'_>,
    output: &Output,
    base: Option<(&ResolvedBenchmark, RunSpec)>,
    measure: &mut impl Measure,
    on_event: &mut impl FnMut(Event<'_>) -> Result<(), E>,
) -> Result<Alternated, E> {
    let mut sides: Vec<Runs> = base
        .map(|(benchmark, spec)| Runs::new(Side::Base, &head.stem, benchmark, spec))
        .into_iter()
        .chain([Runs::new(
            Side::Head,
            &head.stem,
            head.benchmark,
            head.spec.clone(),
        )])
        .collect();
    let total = head.warmup + head.runs;
    let mut stopped = None;
    'attempts: for attempt in 0..total {
        let warmup = attempt < head.warmup;
        for runs in sides.iter_mut().filter(|runs| !runs.done) {
            stopped = measure.stop_signal();
            if stopped.is_some() {
                break 'attempts;
            }
            on_event(Event::RunStarted {
                index,
                name: &runs.benchmark.name,
                side: runs.side,
                attempt,
                total,
                warmup,
            })?;
            runs.attempt(measure, warmup, attempt, output);
        }
        if sides.iter().any(Runs::interrupted) {
            break;
        }
    }
    let interrupted = stopped.is_some() || sides.iter().any(Runs::interrupted);
    let mut results: Vec<BenchmarkResult> = sides
        .into_iter()
        .map(|runs| runs.finish(stopped, head.runs))
        .collect();
    let head = results.pop().expect("the head side");
    Ok(Alternated {
        head,
        base: results.pop(),
        interrupted,
    })
}
