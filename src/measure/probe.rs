//! Which probe samples a run, and what each one learned beyond its samples.

use std::time::{Duration, Instant};

use crate::results::Breakdown;

use super::cgroup_probe::{CgroupReadings, Source};
use super::sampler::Probe;
use super::{cgroup_probe, portable, proc_tree};

/// What a probe learned beyond its samples.
#[derive(Debug, Clone, Default)]
pub(super) struct ProbeSummary {
    pub processes_seen: usize,
    /// The highest high-water mark of one process (`VmHWM`): a spike between samples.
    pub largest_process_peak: u64,
    pub pss_reads: u32,
    pub pss_time: Duration,
    /// What a cgroup's readings showed (cgroup paths only).
    pub cgroup: Option<CgroupReadings>,
    /// The kernel gave no `Pss_Shmem`: shared memory was counted once per process mapping it.
    pub no_pss_shmem: bool,
    /// The tree by role at its highest sample (Linux probes).
    pub breakdown: Option<Breakdown>,
}

/// A probe that can say, when the run is over, what it learned beyond its samples.
pub(super) trait FinishingProbe: Probe {
    fn finish(&self) -> ProbeSummary;
}

impl FinishingProbe for cgroup_probe::CgroupProbe {
    fn finish(&self) -> ProbeSummary {
        ProbeSummary {
            processes_seen: self.processes_seen(),
            cgroup: Some(self.readings),
            breakdown: self.shares.finish(),
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
            cgroup: None,
            no_pss_shmem: self.summary.no_pss_shmem,
            breakdown: self.shares.finish(),
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

/// The run's cgroup (its leaf, or the shared one) when it has one; else the /proc tree on Linux,
/// `sysinfo` elsewhere. `started` is when the run began.
pub(super) fn make_probe(
    cgroup: Option<Source>,
    root: u32,
    started: Instant,
) -> Box<dyn FinishingProbe> {
    if let Some(source) = cgroup {
        return Box::new(cgroup_probe::CgroupProbe::new(source, started));
    }
    #[cfg(target_os = "linux")]
    {
        let _ = root;
        Box::new(proc_tree::ProcTreeProbe::new(started))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = started;
        Box::new(portable::PortableProbe::new(root))
    }
}
