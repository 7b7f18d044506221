//! The measurement engine: run one command, measure its whole process tree.
//!
//! [`measure`] is the one entry point the gate calls. The method, in order of preference: a fresh
//! memory cgroup per run (exact peak, v1 or v2); else the sampled /proc tree with sharing corrected
//! by rare PSS reads and spikes caught by per-process high-water marks; `sysinfo` where there is no
//! /proc. The result names its method and states its uncertainty when the bounds disagree. See
//! docs/accuracy.md for how close each method comes.

pub mod cgroup;
mod cgroup_probe;
mod figures;
pub mod interrupt;
mod portable;
mod probe;
mod proc_tree;
pub mod procfs;
pub mod sampler;
mod sharing;
pub mod spawn;
pub mod stats;

use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::results::{Method, RunResult};
pub use spawn::{Launch, SpawnError};

use cgroup::RunCgroup;
use figures::Finish;
use probe::ProbeSummary;
use sampler::Recorder;

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
    let cgroup = choose_cgroup(spec.method, &mut notes)?.map(Arc::new);
    // Without a leaf, memgate's own cgroup (readable even where it is not writable) still counts
    // OOM kills: a SIGKILL that comes with a new one was the OOM killer.
    let home = cgroup.is_none().then(cgroup::find_home).flatten();
    let home_oom_kills_before = home.as_ref().map_or(0, cgroup::oom_kills_in);

    let started = Instant::now();
    let root = spawn::start(&spec.launch, cgroup.as_deref())?;
    let sampler = SamplerThread::start(cgroup.clone(), root, started, spec.interval);
    let exit = spawn::wait_for_tree(root, started, spec.timeout, cgroup.as_ref());
    let duration_secs = started.elapsed().as_secs_f64();
    let (recorder, probe) = sampler.stop();

    let oom_kills = match (&cgroup, &home) {
        (Some(cgroup), _) => cgroup.oom_kills(),
        (None, Some(home)) if exit.signal == Some(libc::SIGKILL) => {
            cgroup::oom_kills_in(home).saturating_sub(home_oom_kills_before)
        }
        _ => 0,
    };
    let peak = match &cgroup {
        Some(cgroup) => figures::cgroup_peak(cgroup.version(), cgroup.peak().ok(), &recorder),
        None => figures::sampled_peak(&recorder, &probe),
    };
    drop(cgroup); // removes the leaf (after killing anything left in it)

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

/// The run's cgroup, as `choice` asks: none for sampling; with `auto`, none where one cannot be
/// made, which a note says.
fn choose_cgroup(
    choice: MethodChoice,
    notes: &mut Vec<String>,
) -> Result<Option<RunCgroup>, MeasureError> {
    Ok(match choice {
        MethodChoice::Sampled => None,
        MethodChoice::Cgroup => Some(make_cgroup().map_err(MeasureError::NoCgroup)?),
        MethodChoice::Auto => match make_cgroup() {
            Ok(cgroup) => Some(cgroup),
            Err(reason) => {
                notes.push(format!("sampled: no memory cgroup here ({reason})"));
                None
            }
        },
    })
}

fn make_cgroup() -> Result<RunCgroup, String> {
    let home = cgroup::find_home().ok_or("no memory controller in /proc/self/cgroup")?;
    RunCgroup::create(&home).map_err(|err| format!("{}: {err}", home.dir.display()))
}

/// The sampler on its own OS thread, from the command's start until [`SamplerThread::stop`].
struct SamplerThread {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<(Recorder, ProbeSummary)>,
}

impl SamplerThread {
    fn start(
        cgroup: Option<Arc<RunCgroup>>,
        root: u32,
        started: Instant,
        interval: Duration,
    ) -> Self {
        let (stop, stop_rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("memgate-sampler".into())
            .spawn(move || {
                let mut recorder = Recorder::new(sampler::MAX_POINTS);
                let mut probe = probe::make_probe(cgroup, root);
                sampler::run(probe.as_mut(), started, interval, &stop_rx, &mut recorder);
                (recorder, probe.finish())
            })
            .expect("spawning the sampler thread");
        Self { stop, thread }
    }

    /// Takes one last sample and returns what was recorded and what the probe learned.
    fn stop(self) -> (Recorder, ProbeSummary) {
        drop(self.stop);
        self.thread.join().expect("the sampler thread panicked")
    }
}
