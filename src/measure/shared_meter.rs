//! `cgroup-shared`: memgate's own cgroup, readable but not writable (a container's
//! `/sys/fs/cgroup`), read as a meter of the run. The kernel counts every page of the cgroup once,
//! shared or not, so what the run adds to it is its memory, counted once, provided the few other
//! processes there stay steady (`acquire` only chooses this when they hold little).
//!
//! Each reading is taken less the one made just before the run (the baseline). The peak is the
//! highest sample; where the cgroup keeps a peak (`memory.peak`, `memory.max_usage_in_bytes`), a
//! run that raised it has its exact peak in the rise, and one that did not stayed below it.

use std::io;

use super::cgroup::{CgroupHome, CgroupMemory, Meter, parse_number};

/// The shared cgroup's meter and what it showed before the run.
#[derive(Debug)]
pub struct SharedMeter {
    home: CgroupHome,
    meter: Meter,
    baseline: CgroupMemory,
    peak_before: Option<u64>,
}

impl SharedMeter {
    /// Opens the meter and takes the baseline: call just before the run starts.
    pub fn open(home: &CgroupHome) -> io::Result<Self> {
        let meter = Meter::open(home.version, &home.dir)?;
        let mut buf = Vec::with_capacity(8192);
        let baseline = meter.read(&mut buf)?;
        let mut opened = Self {
            home: home.clone(),
            meter,
            baseline,
            peak_before: None,
        };
        opened.peak_before = opened.peak_now();
        Ok(opened)
    }

    /// The cgroup's reading now, less the baseline.
    pub fn read_run(&self, buf: &mut Vec<u8>) -> io::Result<CgroupMemory> {
        let now = self.meter.read(buf)?;
        Ok(CgroupMemory {
            counted: now.counted.saturating_sub(self.baseline.counted),
            file: now.file.saturating_sub(self.baseline.file),
            kernel: now.kernel.saturating_sub(self.baseline.kernel),
            total: now.total.saturating_sub(self.baseline.total),
        })
    }

    /// The cgroup's lifetime peak now, where the kernel keeps one.
    pub fn peak_now(&self) -> Option<u64> {
        let text = std::fs::read(self.home.dir.join(self.home.version.peak_file())).ok()?;
        parse_number(&text)
    }

    /// What the peak file says about the run, read after it: see [`KernelPeak`].
    pub fn kernel_peak(&self) -> Option<KernelPeak> {
        Some(KernelPeak {
            before: self.peak_before?,
            after: self.peak_now()?,
            baseline_total: self.baseline.total,
        })
    }

    pub fn home(&self) -> &CgroupHome {
        &self.home
    }
}

/// The shared cgroup's lifetime peak before and after a run, and its total before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelPeak {
    pub before: u64,
    pub after: u64,
    pub baseline_total: u64,
}

impl KernelPeak {
    /// The run's own peak total (all it charged): exact when the run raised the lifetime peak,
    /// else an upper bound (the run stayed below the old peak).
    pub fn run_total(&self) -> (u64, bool) {
        let raised = self.after > self.before;
        (self.after.saturating_sub(self.baseline_total), raised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::cgroup::CgroupVersion;
    use std::fs;

    fn stat(anon: u64, file: u64) -> String {
        format!("anon {anon}\nfile {file}\nkernel 100\nshmem 0\n")
    }

    #[test]
    fn readings_are_taken_less_the_baseline_and_the_peak_rise_is_the_runs() {
        let dir = tempfile::tempdir().unwrap();
        let write = |anon: u64, current: u64, peak: u64| {
            fs::write(dir.path().join("memory.stat"), stat(anon, 50)).unwrap();
            fs::write(dir.path().join("memory.current"), current.to_string()).unwrap();
            fs::write(dir.path().join("memory.peak"), peak.to_string()).unwrap();
        };
        write(1000, 1150, 5000);
        let home = CgroupHome {
            version: CgroupVersion::V2,
            dir: dir.path().to_path_buf(),
            mount: dir.path().to_path_buf(),
        };
        let meter = SharedMeter::open(&home).unwrap();
        write(4000, 4150, 9000);
        let mut buf = Vec::new();
        let run = meter.read_run(&mut buf).unwrap();
        assert_eq!(
            (run.counted, run.file, run.kernel, run.total),
            (3000, 0, 0, 3000)
        );
        let peak = meter.kernel_peak().unwrap();
        assert_eq!(peak.run_total(), (9000 - 1150, true));
        write(4000, 4150, 5000);
        assert!(!meter.kernel_peak().unwrap().run_total().1);
    }
}
