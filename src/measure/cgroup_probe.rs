//! The cgroup paths' sampler: the run's own leaf (or, for `cgroup-shared`, memgate's read-only
//! cgroup less what it held before the run) read as a meter at every tick.
//!
//! The cgroup counts each page once, whoever maps it, so no sharing correction is needed; a
//! leaf's kernel-kept peak (read once at the end) is exact between samples.
//!
//! The cgroup gives only the total, so for the breakdown each process's `status` is read (kept
//! fds) when the total reaches a new high by a margin; where the processes' resident memory adds
//! up to more than the cgroup's (copy-on-write forks, a pool's /dev/shm), their PSS is read once
//! the rise has stopped, within a time budget ([`BreakdownBudget`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cgroup::{CgroupMemory, RunCgroup};
use super::peak_shares::{self, PeakShares, Share};
use super::procfs::{self, KeptFile};
use super::sampler::{Probe, Sample};
use super::shared_meter::SharedMeter;
use crate::units::format_size;

const MIB: u64 = 1024 * 1024;

/// What the breakdown may cost on a cgroup path, as shares of wall time with a floor early in a
/// run: the `status` reads of a snapshot, and the PSS reads that correct its shares.
struct BreakdownBudget;

impl BreakdownBudget {
    const SNAPSHOT_SHARE: f64 = 0.01;
    const SNAPSHOT_FLOOR: Duration = Duration::from_millis(5);
    /// A PSS correction walks every page table of the tree (about 12 ms for 5 processes of
    /// 100 MiB): the first one whenever, the next ones within 1% of wall time.
    const PSS_SHARE: f64 = 0.01;
    const PSS_FLOOR: Duration = Duration::ZERO;

    fn allows(spent: Duration, elapsed: Duration, share: f64, floor: Duration) -> bool {
        spent <= floor.max(elapsed.mul_f64(share))
    }
}

/// How long the tree must stay near a snapshot before its shares are corrected with PSS (a rise
/// that pauses between steps is not read at each step).
const SETTLED_FOR: Duration = Duration::from_millis(200);

/// A new high of the total worth a snapshot: above the last snapshot's by max(1 MiB, 1%).
fn worth_a_snapshot(counted: u64, last: Option<u64>) -> bool {
    last.is_none_or(|last| counted > last + margin(counted))
}

fn margin(counted: u64) -> u64 {
    MIB.max(counted / 100)
}

/// While the tree rises, snapshots at most this often; the rise's top is taken when it stops.
const SNAPSHOT_GAP: Duration = Duration::from_millis(250);

/// When a rising tree is read: at a new high (by a margin) at most once per [`SNAPSHOT_GAP`]
/// while it keeps rising by more than the margin a sample, and at the first sample that no longer
/// does, if it is still near the highest sample not read (the top of a rise, or of a tooth of a
/// sawtooth).
#[derive(Debug, Clone, Copy, Default)]
struct SnapshotPolicy {
    /// The highest sample above the last snapshot that was not read.
    unread: Option<u64>,
    last_at: Option<Duration>,
}

impl SnapshotPolicy {
    fn due(&mut self, counted: u64, last_total: Option<u64>, now: Duration) -> bool {
        let above = worth_a_snapshot(counted, last_total);
        let rising = self.unread.is_none_or(|top| counted > top + margin(top));
        let take = if above && rising {
            let due = self.last_at.is_none_or(|at| now >= at + SNAPSHOT_GAP);
            self.unread = (!due).then_some(counted);
            due
        } else {
            let near = self.unread.is_some_and(|top| counted + margin(top) >= top);
            self.unread = None;
            near
        };
        if take {
            self.last_at = Some(now);
        }
        take
    }
}

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
    /// Each process's share at the highest snapshot.
    pub shares: PeakShares,
    /// `status` of the processes of the last snapshot, kept open.
    status: HashMap<u32, KeptFile>,
    /// The last snapshot's shares are resident memory scaled to the cgroup's total: PSS would
    /// be exact.
    pss_wanted: bool,
    /// Since when the tree has stayed near the last snapshot.
    near_since: Option<Duration>,
    /// What each process counted more than once (resident less PSS) at the last PSS correction:
    /// taken off its resident memory at later snapshots, as the sampled path does, so that a
    /// tree that grows after a correction needs no other while it shares as before.
    shared: HashMap<u32, u64>,
    /// The last snapshot's resident memory of each process, beside its shares.
    resident: Vec<u64>,
    policy: SnapshotPolicy,
    /// Time spent on snapshots and on PSS reads for them, each held to its own budget.
    snapshot_time: Duration,
    pss_time: Duration,
}

impl CgroupProbe {
    pub fn new(source: Source, started: Instant) -> Self {
        Self {
            source,
            buf: Vec::with_capacity(8192),
            seen: HashSet::new(),
            tick: 0,
            processes: 0,
            readings: CgroupReadings::default(),
            read_errors: 0,
            shares: PeakShares::new(started),
            status: HashMap::new(),
            pss_wanted: false,
            near_since: None,
            shared: HashMap::new(),
            resident: Vec::new(),
            policy: SnapshotPolicy::default(),
            snapshot_time: Duration::ZERO,
            pss_time: Duration::ZERO,
        }
    }

    /// Reads each process's `status` at a new high of the cgroup's `counted` total: its resident
    /// anonymous + shared memory less what it shared at the last PSS correction, and its parent.
    /// Where they add up to more than the cgroup holds (pages shared between processes), the
    /// shares are scaled down to it and PSS is wanted.
    fn snapshot(&mut self, counted: u64) {
        let began = Instant::now();
        let pids = self.pids();
        let mut shares = Vec::with_capacity(pids.len());
        self.resident.clear();
        for &pid in &pids {
            let file = match self.status.entry(pid) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    let path = format!("/proc/{pid}/status");
                    let Ok(file) = KeptFile::open(Path::new(&path)) else {
                        continue;
                    };
                    entry.insert(file)
                }
            };
            if file.read_into(&mut self.buf).is_err() {
                continue;
            }
            // No memory lines: a zombie.
            let Some(memory) = procfs::parse_status(&self.buf) else {
                continue;
            };
            let resident = memory.counted();
            let shared = self.shared.get(&pid).copied().unwrap_or(0);
            self.resident.push(resident);
            shares.push(Share {
                pid,
                parent: procfs::parse_ppid(&self.buf),
                bytes: resident - shared.min(resident),
                comm: procfs::comm_digest(&self.buf),
            });
        }
        self.status.retain(|pid, _| pids.contains(pid));
        self.near_since = None;
        self.processes = pids.len();
        self.seen.extend(pids);
        let held: u64 = shares.iter().map(|s| s.bytes).sum();
        self.pss_wanted = held > counted && peak_shares::off(held, counted);
        let approximate = self.pss_wanted.then(|| {
            scale(&mut shares, held, counted);
            format!(
                "the processes' resident memory ({}) exceeds the cgroup's ({}): pages shared \
                 between processes; shares scaled to the cgroup's total (no PSS read was \
                 affordable)",
                format_size(held),
                format_size(counted)
            )
        });
        self.shares.keep_now(counted, shares, approximate, began);
        self.snapshot_time += began.elapsed();
    }

    /// Replaces the scaled shares of the last snapshot by PSS (`Pss_Anon + Pss_Shmem`), read
    /// now that the rise has stopped and the tree is still near that snapshot; the snapshot then
    /// is of this sample (`counted`, now).
    fn correct_with_pss(&mut self, counted: u64) {
        self.pss_wanted = false;
        let began = Instant::now();
        let now_secs = self.shares.now_secs();
        let Some(snapshot) = self.shares.snapshot.as_mut() else {
            return;
        };
        let read: Option<Vec<u64>> = snapshot
            .shares
            .iter()
            .map(|share| {
                let walk = procfs::read_proportional(share.pid)?;
                Some(walk.pss_anon + walk.pss_shmem?)
            })
            .collect();
        if let Some(proportional) = read {
            self.shared.clear();
            let resident = self.resident.iter();
            for ((share, bytes), resident) in
                snapshot.shares.iter_mut().zip(&proportional).zip(resident)
            {
                share.bytes = *bytes;
                self.shared
                    .insert(share.pid, resident.saturating_sub(*bytes));
            }
            snapshot.total = counted;
            snapshot.at_secs = now_secs;
            let held: u64 = proportional.iter().sum();
            snapshot.approximate =
                (held > snapshot.total && peak_shares::off(held, snapshot.total)).then(|| {
                    format!(
                        "the processes' PSS ({}) exceeds the cgroup's total ({}): the tree moved \
                         while it was read",
                        format_size(held),
                        format_size(snapshot.total)
                    )
                });
        }
        self.shares.charge_pss(began.elapsed());
        self.pss_time += began.elapsed();
    }

    /// After a sample that took no snapshot: the PSS correction, when wanted, the tree has stayed
    /// at its last snapshot for [`SETTLED_FOR`], and the budget allows.
    fn after_sample(&mut self, counted: u64) {
        let at = self.shares.snapshot.as_ref().map_or(0, |s| s.total);
        // Not below the snapshot by more than a snapshot's margin (nor above it by one: that
        // would have been a snapshot).
        let near = counted + MIB.max(counted / 100) >= at;
        let now = self.shares.elapsed();
        self.near_since = near.then(|| self.near_since.unwrap_or(now));
        let still_there = self
            .near_since
            .is_some_and(|since| now >= since + SETTLED_FOR);
        let affordable = BreakdownBudget::allows(
            self.pss_time,
            self.shares.elapsed(),
            BreakdownBudget::PSS_SHARE,
            BreakdownBudget::PSS_FLOOR,
        );
        if self.pss_wanted && still_there && affordable {
            self.correct_with_pss(counted);
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
                if self.shares.enabled() {
                    let last = self.shares.snapshot.as_ref().map(|s| s.total);
                    let affordable = BreakdownBudget::allows(
                        self.snapshot_time,
                        self.shares.elapsed(),
                        BreakdownBudget::SNAPSHOT_SHARE,
                        BreakdownBudget::SNAPSHOT_FLOOR,
                    );
                    let due = self.policy.due(memory.counted, last, self.shares.elapsed());
                    if due && affordable {
                        self.snapshot(memory.counted);
                    } else if self.pss_wanted {
                        self.after_sample(memory.counted);
                    }
                }
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

/// Shares that add up to `held` scaled down to add up to `total`.
fn scale(shares: &mut [Share], held: u64, total: u64) {
    for share in shares {
        share.bytes =
            (u128::from(share.bytes) * u128::from(total) / u128::from(held.max(1))) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_are_taken_at_new_highs_by_a_margin() {
        assert!(worth_a_snapshot(5, None));
        assert!(!worth_a_snapshot(400 * MIB, Some(398 * MIB)));
        assert!(worth_a_snapshot(400 * MIB, Some(390 * MIB)));
        assert!(!worth_a_snapshot(2 * MIB, Some(MIB + MIB / 2)));
    }

    #[test]
    fn a_rise_is_read_once_per_gap_and_at_its_top() {
        let mut policy = SnapshotPolicy::default();
        let ms = Duration::from_millis;
        let mut last = None;
        let mut taken = Vec::new();
        // Rising 10 MiB a tick for 60 ticks of 10 ms, then holding, then falling.
        let series = (1..=60).chain([60, 60, 60]).chain([5, 5]);
        for (tick, step) in series.enumerate() {
            let counted = step * 10 * MIB;
            if policy.due(counted, last, ms(tick as u64 * 10)) {
                last = Some(counted);
                taken.push(step);
            }
        }
        assert_eq!(taken, [1, 26, 51, 60]);
        // A tooth whose top is between reads: taken just after it, still near it.
        let mut policy = SnapshotPolicy::default();
        let teeth = [100, 200, 300, 299, 100];
        let taken: Vec<u64> = teeth
            .iter()
            .enumerate()
            .filter(|&(i, &mib)| {
                let last = (i > 0).then_some(100 * MIB);
                policy.due(mib * MIB, last, ms(i as u64 * 10))
            })
            .map(|(_, &mib)| mib)
            .collect();
        assert_eq!(taken, [100, 299]);
    }

    #[test]
    fn budgets_are_shares_of_wall_time_with_a_floor() {
        let ms = Duration::from_millis;
        let allows = |spent, elapsed| BreakdownBudget::allows(ms(spent), ms(elapsed), 0.01, ms(10));
        assert!(allows(5, 100));
        assert!(!allows(11, 100));
        assert!(allows(90, 10_000));
        assert!(!allows(110, 10_000));
    }

    #[test]
    fn scaled_shares_add_up_to_the_total() {
        let share = |bytes| Share {
            pid: 1,
            parent: None,
            bytes,
            comm: 0,
        };
        let mut shares = [share(300 * MIB), share(300 * MIB), share(600 * MIB)];
        scale(&mut shares, 1200 * MIB, 400 * MIB);
        let bytes: Vec<u64> = shares.iter().map(|s| s.bytes / MIB).collect();
        assert_eq!(bytes, [100, 100, 200]);
    }

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
