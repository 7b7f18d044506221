//! The measurement engine: run one command, measure its whole process tree.
//!
//! [`measure`] is the one entry point the gate calls. The method, in order of preference: a fresh
//! memory cgroup per run (exact peak, v1 or v2) under the base cgroup this process acquired once
//! (`acquire`, `held`); else memgate's read-only cgroup read as a meter (`cgroup-shared`); else
//! the sampled /proc tree with sharing corrected by rare PSS reads and spikes caught by
//! per-process high-water marks; `sysinfo` where there is no /proc. The result names its method
//! and states its uncertainty when the bounds disagree. See docs/accuracy.md for how close each
//! method comes. [`release`] puts back what acquiring changed: every command calls it at its end.

mod acquire;
mod acquire_facts;
pub mod cgroup;
mod cgroup_figures;
mod cgroup_probe;
mod figures;
mod held;
pub mod interrupt;
#[doc(hidden)]
pub mod peak_shares;
mod phase_marks;
pub mod phase_pipe;
mod phase_tracker;
mod portable;
mod probe;
mod proc_tree;
pub mod procfs;
pub mod roles;
pub mod sampler;
mod shared_meter;
mod sharing;
pub mod spawn;
pub mod stats;
mod systemd;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::results::{CgroupSource, Method, RunResult};
pub use acquire::NamedUnusable;
pub use spawn::{Capture, Launch, SpawnError};

use cgroup::RunCgroup;
use cgroup_probe::Source;
use figures::Finish;
use held::Base;
use phase_marks::Dropped;
use phase_pipe::{PhasePipe, PhaseReader};
use probe::ProbeSummary;
use sampler::Recorder;
use shared_meter::SharedMeter;

/// The longest sampling interval: the steady-state and growth windows are at most 1 s
/// ([`stats`]), so a coarser timeline would leave them mostly empty. The config and the command
/// line take the same bound (`config::INTERVAL_LIMITS`).
pub const MAX_INTERVAL: Duration = Duration::from_secs(1);
/// The longest timeout: 7 days (168h), longer than any CI job runs; a larger figure is a typo,
/// and a deadline the clock cannot hold (`config::TIMEOUT_LIMITS`).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Which method the caller asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MethodChoice {
    /// A cgroup where one can be made, else sampling.
    #[default]
    Auto,
    /// A cgroup, or an error.
    Cgroup,
    /// Sampling only, even where a cgroup could be made.
    Sampled,
}

/// What to run and how to sample it.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub launch: Launch,
    pub interval: Duration,
    pub timeout: Option<Duration>,
    pub method: MethodChoice,
    /// A base cgroup named in the config (`cgroup:`); `MEMGATE_CGROUP` wins over it. Read at the
    /// first measured run of the process, when the cgroup is acquired.
    pub cgroup: Option<PathBuf>,
}

/// One measured run, and the method that measured it (a benchmark's results store the method
/// once, beside its runs).
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub method: Method,
    pub run: RunResult,
}

/// Why a measurement could not be made (memgate's failure, exit 2 — not the command's).
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error("no memory cgroup can be made here ({0}); use --method sampled or auto")]
    NoCgroup(String),
    #[error(transparent)]
    NamedCgroup(#[from] NamedUnusable),
    #[error("the sampling interval must be greater than zero")]
    ZeroInterval,
    #[error(
        "the sampling interval must be at most 1s; a longer one leaves the steady and growth windows empty"
    )]
    LongInterval,
    #[error("the timeout must be at most 168h (7 days)")]
    LongTimeout,
}

/// Runs the command of `spec` and measures its whole tree.
///
/// Reaps every child of this process while it runs (it waits for orphans too): call it from one
/// thread at a time, with no other children of this process that someone else waits for.
pub fn measure(spec: &RunSpec) -> Result<Measurement, MeasureError> {
    if spec.interval.is_zero() {
        return Err(MeasureError::ZeroInterval);
    }
    if spec.interval > MAX_INTERVAL {
        return Err(MeasureError::LongInterval);
    }
    if spec.timeout.is_some_and(|t| t > MAX_TIMEOUT) {
        return Err(MeasureError::LongTimeout);
    }
    interrupt::install();
    spawn::become_subreaper();
    let mut notes = Vec::new();
    let metered = choose_meter(spec, &mut notes)?;
    // Without a leaf, memgate's own cgroup (readable even where it is not writable) still counts
    // OOM kills: a SIGKILL that comes with a new one was the OOM killer.
    let home = match &metered {
        Metered::Leaf(_) => None,
        Metered::Shared(meter) => Some(meter.home().clone()),
        Metered::Sampled => cgroup::find_home(),
    };
    let home_oom_kills_before = home.as_ref().map_or(0, cgroup::oom_kills_in);

    let started = Instant::now();
    let leaf = metered.leaf();
    // Without a pipe (out of descriptors) the run is measured all the same, with no phases.
    let pipe = match PhasePipe::new() {
        Ok(pipe) => Some(pipe),
        Err(err) => {
            notes.push(format!("no phase markers for this run: {err}"));
            None
        }
    };
    let root = spawn::start(&spec.launch, leaf.as_deref(), pipe.as_ref())?;
    let marks = pipe.map(PhasePipe::into_reader);
    let sampler = SamplerThread::start(metered.source(), root, started, spec.interval, marks);
    let exit = spawn::wait_for_tree(root, started, spec.timeout, leaf.as_ref());
    let duration_secs = started.elapsed().as_secs_f64();
    let (recorder, probe, dropped) = sampler.stop();
    notes.extend(dropped.and_then(|d| d.note()));

    let oom_kills = match (&leaf, &home) {
        (Some(cgroup), _) => cgroup.oom_kills(),
        (None, Some(home)) if exit.signal == Some(libc::SIGKILL) => {
            cgroup::oom_kills_in(home).saturating_sub(home_oom_kills_before)
        }
        _ => 0,
    };
    let readings = probe.cgroup.unwrap_or_default();
    let peak = match &metered {
        Metered::Leaf(cgroup) => {
            let kernel_peak = cgroup.has_peak().then(|| cgroup.peak().ok()).flatten();
            if !cgroup.has_peak() {
                notes.push(NO_PEAK_FILE.to_string());
            }
            cgroup_figures::leaf_peak(cgroup.version(), kernel_peak, &readings, &recorder)
        }
        Metered::Shared(meter) => {
            cgroup_figures::shared_peak(meter.kernel_peak(), &readings, &recorder)
        }
        Metered::Sampled => figures::sampled_peak(&recorder, &probe),
    };
    drop(leaf);
    drop(metered); // removes the leaf (after killing anything left in it)

    let finish = Finish {
        exit,
        duration_secs,
        oom_killed: oom_kills > 0,
    };
    Ok(Measurement {
        method: peak.method,
        run: figures::into_run(recorder, &probe, peak, finish, notes),
    })
}

const NO_PEAK_FILE: &str = "this kernel keeps no memory.peak (before 5.19): the peak is the highest sample of the run's cgroup";

/// How this process got its memory cgroup, once a measured run has tried.
pub fn cgroup_source() -> Option<CgroupSource> {
    held::source()
}

/// Puts back what acquiring the cgroup changed (memgate in its original cgroup, no cgroup of
/// memgate's left). Every command calls it at its end, after success, failure or a signal.
pub fn release() {
    held::release();
}

/// What measures a run.
enum Metered {
    /// A fresh leaf of its own.
    Leaf(Arc<RunCgroup>),
    /// memgate's read-only cgroup, read as a meter.
    Shared(Arc<SharedMeter>),
    Sampled,
}

impl Metered {
    fn leaf(&self) -> Option<Arc<RunCgroup>> {
        match self {
            Self::Leaf(cgroup) => Some(cgroup.clone()),
            _ => None,
        }
    }

    fn source(&self) -> Option<Source> {
        match self {
            Self::Leaf(cgroup) => Some(Source::Leaf(cgroup.clone())),
            Self::Shared(meter) => Some(Source::Shared(meter.clone())),
            Self::Sampled => None,
        }
    }
}

/// What measures the run, as `spec.method` asks: sampling by request; else the base this process
/// acquired, where `cgroup` accepts only a leaf and `auto` falls back to sampling (a note says
/// why, once per process).
fn choose_meter(spec: &RunSpec, notes: &mut Vec<String>) -> Result<Metered, MeasureError> {
    if spec.method == MethodChoice::Sampled {
        return Ok(Metered::Sampled);
    }
    let for_run = held::for_run(spec.cgroup.as_deref())?;
    let exact_only = spec.method == MethodChoice::Cgroup;
    let reason = match &for_run.base {
        Base::Leaves(base) => match RunCgroup::create(base) {
            Ok(cgroup) => {
                notes.extend(for_run.first_note);
                return Ok(Metered::Leaf(Arc::new(cgroup)));
            }
            Err(err) => format!("{}: {err}", base.dir.display()),
        },
        Base::Shared(home) if !exact_only => match SharedMeter::open(home) {
            Ok(meter) => {
                notes.extend(for_run.first_note);
                return Ok(Metered::Shared(Arc::new(meter)));
            }
            Err(err) => format!("{}: {err}", home.dir.display()),
        },
        Base::Shared(home) => format!("{} is read-only", home.dir.display()),
        Base::None(why) => why.clone(),
    };
    if exact_only {
        return Err(MeasureError::NoCgroup(reason));
    }
    // The way's own note once per process; a leaf or meter that failed for this run, each time.
    match (&for_run.base, for_run.first_note) {
        (Base::None(_), first_note) => notes.extend(first_note),
        (_, first_note) => {
            notes.extend(first_note);
            notes.push(format!("sampled: no memory cgroup for this run ({reason})"));
        }
    }
    Ok(Metered::Sampled)
}

/// The sampler on its own OS thread, from the command's start until [`SamplerThread::stop`].
struct SamplerThread {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<(Recorder, ProbeSummary, Option<Dropped>)>,
}

impl SamplerThread {
    /// Starts sampling; `marks`, the phase pipe's read end, is read at each tick and closed
    /// when sampling stops (whoever still holds the write end then writes into a closed pipe).
    fn start(
        cgroup: Option<Source>,
        root: u32,
        started: Instant,
        interval: Duration,
        mut marks: Option<PhaseReader>,
    ) -> Self {
        let (stop, stop_rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("memgate-sampler".into())
            .spawn(move || {
                let mut recorder = Recorder::new(sampler::MAX_POINTS);
                let mut probe = probe::make_probe(cgroup, root, started);
                sampler::run(
                    probe.as_mut(),
                    started,
                    interval,
                    &stop_rx,
                    &mut recorder,
                    marks.as_mut(),
                );
                // Markers written after the last tick, up to the end of the tree: their phases
                // have the last sample (see `PhaseTracker::finish`).
                if let Some(marks) = marks.as_mut() {
                    let now = started.elapsed().as_secs_f64();
                    for name in marks.poll() {
                        recorder.phases.start(name, now);
                    }
                }
                let dropped = marks.map(|m| m.dropped());
                (recorder, probe.finish(), dropped)
            })
            .expect("spawning the sampler thread");
        Self { stop, thread }
    }

    /// Takes one last sample and returns what was recorded, what the probe learned and what the
    /// phase markers dropped.
    fn stop(self) -> (Recorder, ProbeSummary, Option<Dropped>) {
        drop(self.stop);
        self.thread.join().expect("the sampler thread panicked")
    }
}
