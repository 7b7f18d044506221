//! The cgroup paths' sampler: the run's own leaf (or, for `cgroup-shared`, memgate's read-only
//! cgroup less what it held before the run) read as a meter at every tick.
//!
//! The cgroup counts each page once, whoever maps it, so no sharing correction is needed; a
//! leaf's kernel-kept peak (read once at the end) is exact between samples.

use std::collections::HashSet;
use std::sync::Arc;

use super::cgroup::{CgroupMemory, RunCgroup};
use super::sampler::{Probe, Sample};
use super::shared_meter::SharedMeter;

/// Ticks between reads of the process list (`cgroup.procs`, which v1 makes reopening
/// necessary, or memgate's descendants): the list only counts processes, the memory figures
/// come from `memory.stat` at every tick.
const PIDS_EVERY: u32 = 5;

/// What the samples of a cgroup showed beyond counted and file memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupReadings {
    /// The reading with the highest total (all that was charged).
    pub at_highest: CgroupMemory,
    /// The most kernel memory one reading showed.
    pub kernel_max: u64,
}

impl CgroupReadings {
    fn add(&mut self, memory: CgroupMemory) {
        if memory.total >= self.at_highest.total {
            self.at_highest = memory;
        }
        self.kernel_max = self.kernel_max.max(memory.kernel);
    }
}

/// What the probe reads: a run's leaf, or the shared cgroup.
pub enum Source {
    Leaf(Arc<RunCgroup>),
    Shared(Arc<SharedMeter>),
}

pub struct CgroupProbe {
    source: Source,
    buf: Vec<u8>,
    seen: HashSet<u32>,
    tick: u32,
    processes: usize,
    pub readings: CgroupReadings,
    /// A failed read (e.g. the leaf vanished) is recorded rather than hidden.
    pub read_errors: u32,
}

impl CgroupProbe {
    pub fn new(source: Source) -> Self {
        Self {
            source,
            buf: Vec::with_capacity(8192),
            seen: HashSet::new(),
            tick: 0,
            processes: 0,
            readings: CgroupReadings::default(),
            read_errors: 0,
        }
    }

    /// Distinct processes seen in the tree.
    pub fn processes_seen(&self) -> usize {
        self.seen.len()
    }

    fn pids(&self) -> Vec<u32> {
        match &self.source {
            Source::Leaf(cgroup) => cgroup.pids(),
            Source::Shared(_) => super::procfs::descendants(std::process::id()),
        }
    }

    fn read(&mut self) -> std::io::Result<CgroupMemory> {
        match &self.source {
            Source::Leaf(cgroup) => cgroup.sample(&mut self.buf),
            Source::Shared(meter) => meter.read_run(&mut self.buf),
        }
    }
}

impl Probe for CgroupProbe {
    fn sample(&mut self) -> Sample {
        if self.tick % PIDS_EVERY == 0 {
            let pids = self.pids();
            self.processes = pids.len();
            self.seen.extend(pids);
        }
        self.tick = self.tick.wrapping_add(1);
        let processes = self.processes;
        match self.read() {
            Ok(memory) => {
                self.readings.add(memory);
                Sample {
                    counted: memory.counted,
                    file: memory.file,
                    processes,
                }
            }
            Err(_) => {
                self.read_errors += 1;
                Sample {
                    processes,
                    ..Sample::default()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_keep_the_highest_total_and_the_most_kernel_memory() {
        let mut readings = CgroupReadings::default();
        let reading = |total, kernel| CgroupMemory {
            counted: total - kernel,
            file: 0,
            kernel,
            total,
        };
        readings.add(reading(100, 30));
        readings.add(reading(300, 10));
        readings.add(reading(200, 20));
        assert_eq!(readings.at_highest, reading(300, 10));
        assert_eq!(readings.kernel_max, 30);
    }
}
