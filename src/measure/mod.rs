//! The measurement engine: run one command, measure its whole process tree (DESIGN §5).
//!
//! [`measure`] is the one entry point the gate calls. The method, in order of preference: a fresh
//! memory cgroup per run (exact peak, v1 or v2); else the sampled /proc tree with sharing corrected
//! by rare PSS reads and spikes caught by per-process high-water marks; `sysinfo` where there is no
//! /proc. The result names its method and states its uncertainty when the bounds disagree.

pub mod cgroup;
mod cgroup_probe;
pub mod interrupt;
mod portable;
mod proc_tree;
pub mod procfs;
pub mod sampler;
pub mod spawn;

use std::fmt;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::stats;
pub use spawn::{Launch, SpawnError};

use cgroup::RunCgroup;
use sampler::{Probe, Recorder};

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

/// The method a measurement used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    CgroupV1,
    CgroupV2,
    CgroupShared,
    Sampled,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CgroupV1 => "cgroup-v1",
            Self::CgroupV2 => "cgroup-v2",
            Self::CgroupShared => "cgroup-shared",
            Self::Sampled => "sampled",
        })
    }
}

/// What to run and how to sample it.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub launch: Launch,
    pub interval: Duration,
    pub timeout: Option<Duration>,
    pub method: MethodChoice,
}

/// The peak is only known to lie between two figures, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    pub lower_bytes: u64,
    pub upper_bytes: u64,
    pub reason: String,
}

/// One run's figures. Sizes in bytes; "counted" memory is anonymous + shared, what budgets count.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub method: Method,
    pub peak_bytes: u64,
    /// Peak including file-backed pages (page cache, mapped files).
    pub peak_total_bytes: u64,
    pub file_peak_bytes: u64,
    pub steady_bytes: u64,
    pub growth_bytes_per_sec: f64,
    pub leak: bool,
    pub duration_secs: f64,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub oom_killed: bool,
    /// The signal (Ctrl-C, SIGTERM) that made memgate stop the run.
    pub interrupted: Option<i32>,
    pub processes: usize,
    pub samples: u64,
    /// (seconds, counted bytes) at the sampling interval, bounded for long runs.
    pub timeline: Vec<(f64, u64)>,
    pub uncertainty: Option<Uncertainty>,
    /// Things the reader should know: why the method fell back, PSS reads, …
    pub notes: Vec<String>,
}

impl Measurement {
    /// The command did what it should: exit 0, not killed, not timed out.
    pub fn succeeded(&self) -> bool {
        describe_ending(
            self.exit_code,
            self.signal,
            self.timed_out,
            self.oom_killed,
            self.interrupted,
        ) == SUCCESS
    }

    /// How the command ended, in a few words ("exited with code 0", "was killed by SIGKILL").
    pub fn ending(&self) -> String {
        describe_ending(
            self.exit_code,
            self.signal,
            self.timed_out,
            self.oom_killed,
            self.interrupted,
        )
    }
}

/// What [`describe_ending`] says of a command that did what it should.
pub const SUCCESS: &str = "exited with code 0";

/// How a command ended, in a few words; shared by live measurements and stored runs.
pub fn describe_ending(
    exit_code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    oom_killed: bool,
    interrupted: Option<i32>,
) -> String {
    if let Some(signal) = interrupted {
        return format!("was interrupted by {}", signal_name(signal));
    }
    if timed_out {
        return "timed out".to_string();
    }
    if oom_killed {
        return "was killed by the OOM killer".to_string();
    }
    match (exit_code, signal) {
        (_, Some(signal)) => format!("was killed by {}", signal_name(signal)),
        (Some(code), None) => format!("exited with code {code}"),
        (None, None) => "ended in an unknown way".to_string(),
    }
}

/// `SIGKILL`, `SIGSEGV`, … or the number.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
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
}

/// Runs the command of `spec` and measures its whole tree.
///
/// Reaps every child of this process while it runs (it waits for orphans too): call it from one
/// thread at a time, with no other children of this process that someone else waits for.
pub fn measure(spec: &RunSpec) -> Result<Measurement, MeasureError> {
    if spec.interval.is_zero() {
        return Err(MeasureError::ZeroInterval);
    }
    interrupt::install();
    spawn::become_subreaper();
    let mut notes = Vec::new();
    let cgroup = match spec.method {
        MethodChoice::Sampled => None,
        MethodChoice::Cgroup => Some(make_cgroup().map_err(MeasureError::NoCgroup)?),
        MethodChoice::Auto => match make_cgroup() {
            Ok(cgroup) => Some(cgroup),
            Err(reason) => {
                notes.push(format!("sampled: no memory cgroup here ({reason})"));
                None
            }
        },
    };
    let cgroup = cgroup.map(Arc::new);
    // Without a leaf, memgate's own cgroup (readable even where it is not writable) still counts
    // OOM kills: a SIGKILL that comes with a new one was the OOM killer.
    let home = cgroup.is_none().then(cgroup::find_home).flatten();
    let home_oom_kills_before = home.as_ref().map_or(0, cgroup::oom_kills_in);

    let started = Instant::now();
    let root = spawn::start(&spec.launch, cgroup.as_deref())?;

    let (stop, stop_rx) = mpsc::channel::<()>();
    let interval = spec.interval;
    let sampler_cgroup = cgroup.clone();
    let sampler = std::thread::Builder::new()
        .name("memgate-sampler".into())
        .spawn(move || {
            let mut recorder = Recorder::new(sampler::MAX_POINTS);
            let mut probe = make_probe(sampler_cgroup, root);
            sampler::run(probe.as_mut(), started, interval, &stop_rx, &mut recorder);
            (recorder, probe.finish())
        })
        .expect("spawning the sampler thread");

    let ending = spawn::wait_for_tree(root, started, spec.timeout, cgroup.as_ref());
    let duration_secs = started.elapsed().as_secs_f64();
    drop(stop);
    let (recorder, probe_summary) = sampler.join().expect("the sampler thread panicked");

    let oom_kills = match (&cgroup, &home) {
        (Some(cgroup), _) => cgroup.oom_kills(),
        (None, Some(home)) if ending.signal == Some(libc::SIGKILL) => {
            cgroup::oom_kills_in(home).saturating_sub(home_oom_kills_before)
        }
        _ => 0,
    };
    let (method, peak_bytes, peak_total_bytes, uncertainty) = match &cgroup {
        Some(cgroup) => {
            let method = match cgroup.version() {
                cgroup::CgroupVersion::V1 => Method::CgroupV1,
                cgroup::CgroupVersion::V2 => Method::CgroupV2,
            };
            let total = cgroup.peak().unwrap_or(0).max(recorder.max_total.0);
            // The kernel's peak counts page cache too; take the file pages of the sample with the
            // highest total off it. Exact when file pages are steady, as they usually are.
            let counted = total
                .saturating_sub(recorder.max_total.1)
                .max(recorder.max_counted);
            (method, counted, total, None)
        }
        None => {
            let sampled = recorder.max_counted;
            let spike = probe_summary.largest_process_peak;
            let peak = sampled.max(spike);
            let margin = (8 * MIB).max(sampled * 3 / 100);
            let uncertainty = (spike > sampled + margin && recorder.max_processes > 1).then(|| {
                Uncertainty {
                    lower_bytes: peak,
                    upper_bytes: spike + sampled,
                    reason: format!(
                        "one process peaked at {} between samples (its high-water mark); the others' memory at that moment is unknown",
                        crate::units::format_size(spike)
                    ),
                }
            });
            let total = recorder.max_total.0.max(peak);
            (Method::Sampled, peak, total, uncertainty)
        }
    };
    if probe_summary.pss_reads > 0 {
        notes.push(format!(
            "shared pages counted once: {} PSS reads ({:.1} ms)",
            probe_summary.pss_reads,
            probe_summary.pss_time.as_secs_f64() * 1000.0
        ));
    }
    let processes = probe_summary
        .processes_seen
        .max(ending.reaped as usize)
        .max(1);
    drop(cgroup); // removes the leaf (after killing anything left in it)

    let timeline = recorder.clone().into_timeline();
    let growth = stats::growth(&timeline);
    Ok(Measurement {
        method,
        peak_bytes,
        peak_total_bytes,
        file_peak_bytes: recorder.max_file,
        steady_bytes: stats::steady_bytes(&timeline),
        growth_bytes_per_sec: growth.bytes_per_sec,
        leak: growth.leak,
        duration_secs,
        exit_code: ending.exit_code,
        signal: ending.signal,
        timed_out: ending.timed_out,
        oom_killed: oom_kills > 0,
        interrupted: ending.interrupted,
        processes,
        samples: recorder.samples,
        timeline,
        uncertainty,
        notes,
    })
}

const MIB: u64 = 1024 * 1024;

fn make_cgroup() -> Result<RunCgroup, String> {
    let home = cgroup::find_home().ok_or("no memory controller in /proc/self/cgroup")?;
    RunCgroup::create(&home).map_err(|err| format!("{}: {err}", home.dir.display()))
}

/// What a probe learned beyond its samples.
#[derive(Debug, Clone, Default)]
struct ProbeSummary {
    processes_seen: usize,
    largest_process_peak: u64,
    pss_reads: u32,
    pss_time: Duration,
}

trait FinishingProbe: Probe {
    fn finish(&self) -> ProbeSummary;
}

impl FinishingProbe for cgroup_probe::CgroupProbe {
    fn finish(&self) -> ProbeSummary {
        ProbeSummary {
            processes_seen: self.processes_seen(),
            ..ProbeSummary::default()
        }
    }
}

impl FinishingProbe for proc_tree::ProcTreeProbe {
    fn finish(&self) -> ProbeSummary {
        ProbeSummary {
            processes_seen: self.summary.processes_seen,
            largest_process_peak: self.summary.largest_process_peak,
            pss_reads: self.summary.pss_reads,
            pss_time: self.summary.pss_time,
        }
    }
}

impl FinishingProbe for portable::PortableProbe {
    fn finish(&self) -> ProbeSummary {
        ProbeSummary {
            processes_seen: self.processes_seen(),
            ..ProbeSummary::default()
        }
    }
}

fn make_probe(cgroup: Option<Arc<RunCgroup>>, root: u32) -> Box<dyn FinishingProbe> {
    if let Some(cgroup) = cgroup {
        return Box::new(cgroup_probe::CgroupProbe::new(cgroup));
    }
    #[cfg(target_os = "linux")]
    {
        let _ = root;
        Box::new(proc_tree::ProcTreeProbe::new())
    }
    #[cfg(not(target_os = "linux"))]
    {
        Box::new(portable::PortableProbe::new(root))
    }
}
