//! The exact path's sampler: the run's own leaf cgroup read as a meter at every tick.
//!
//! The cgroup counts each page once, whoever maps it, so no sharing correction is needed; its
//! kernel-kept peak (read once at the end) is exact between samples.

use std::collections::HashSet;
use std::sync::Arc;

use super::cgroup::RunCgroup;
use super::sampler::{Probe, Sample};

/// Ticks between reads of `cgroup.procs` (which v1 makes reopening necessary): the list only
/// counts processes, the memory figures come from `memory.stat` at every tick.
const PIDS_EVERY: u32 = 5;

pub struct CgroupProbe {
    cgroup: Arc<RunCgroup>,
    buf: Vec<u8>,
    seen: HashSet<u32>,
    tick: u32,
    processes: usize,
    /// A failed read (e.g. the leaf vanished) is recorded rather than hidden.
    pub read_errors: u32,
}

impl CgroupProbe {
    pub fn new(cgroup: Arc<RunCgroup>) -> Self {
        Self {
            cgroup,
            buf: Vec::with_capacity(8192),
            seen: HashSet::new(),
            tick: 0,
            processes: 0,
            read_errors: 0,
        }
    }

    /// Distinct processes seen in the leaf.
    pub fn processes_seen(&self) -> usize {
        self.seen.len()
    }
}

impl Probe for CgroupProbe {
    fn sample(&mut self) -> Sample {
        if self.tick % PIDS_EVERY == 0 {
            let pids = self.cgroup.pids();
            self.processes = pids.len();
            self.seen.extend(pids);
        }
        self.tick = self.tick.wrapping_add(1);
        let processes = self.processes;
        match self.cgroup.sample(&mut self.buf) {
            Ok(memory) => Sample {
                counted: memory.counted,
                file: memory.file,
                processes,
            },
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
