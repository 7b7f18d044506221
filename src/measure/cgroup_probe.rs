//! The exact path's sampler: the run's own leaf cgroup read as a meter at every tick.
//!
//! The cgroup counts each page once, whoever maps it, so no sharing correction is needed; its
//! kernel-kept peak (read once at the end) is exact between samples.

use std::collections::HashSet;
use std::sync::Arc;

use super::cgroup::RunCgroup;
use super::sampler::{Probe, Sample};

pub struct CgroupProbe {
    cgroup: Arc<RunCgroup>,
    buf: Vec<u8>,
    seen: HashSet<u32>,
    /// A failed read (e.g. the leaf vanished) is recorded rather than hidden.
    pub read_errors: u32,
}

impl CgroupProbe {
    pub fn new(cgroup: Arc<RunCgroup>) -> Self {
        Self {
            cgroup,
            buf: Vec::with_capacity(8192),
            seen: HashSet::new(),
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
        let pids = self.cgroup.pids();
        let processes = pids.len();
        self.seen.extend(pids);
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
