//! Who held the memory at the tree's highest sample: the probes hand over each live process's
//! share whenever the tree reaches a new high (the sampled path at every new high, a cgroup path
//! at a new high by a margin), and this keeps the last such snapshot and each process's command
//! line, read once per process (`/proc/PID/cmdline`), so that processes that exited before the
//! end keep their names. [`PeakShares::finish`] groups the snapshot by role into a [`Breakdown`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::results::{Breakdown, COMMAND_CHARS, Member};

use super::roles;

const MIB: u64 = 1024 * 1024;

/// Whether probes take breakdowns: on, except in `benches/breakdown_cost.rs`, which measures the
/// sampler with and without them.
static ENABLED: AtomicBool = AtomicBool::new(true);
/// Nanoseconds spent on breakdowns by every probe of this process, and of them on PSS reads
/// (for the same bench).
static SPENT_NANOS: AtomicU64 = AtomicU64::new(0);
static PSS_NANOS: AtomicU64 = AtomicU64::new(0);

/// Turns breakdowns on or off for the probes made from now on. For benches only.
#[doc(hidden)]
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Time spent on breakdowns by every probe of this process so far. For benches only.
#[doc(hidden)]
pub fn spent() -> Duration {
    Duration::from_nanos(SPENT_NANOS.load(Ordering::Relaxed))
}

/// Of [`spent`], the time spent on PSS reads that corrected shares (cgroup paths). For benches
/// only.
#[doc(hidden)]
pub fn pss_spent() -> Duration {
    Duration::from_nanos(PSS_NANOS.load(Ordering::Relaxed))
}

/// One live process's share at a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub pid: u32,
    /// Its parent, when known (a forked worker is named after it).
    pub parent: Option<u32>,
    pub bytes: u64,
    /// A digest of its `Name:` in `status` when last read (see [`procfs::comm_digest`]): it
    /// changes at `exec`, and its command line is then read again.
    pub comm: u64,
}

/// The snapshot at the highest sample so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub at_secs: f64,
    pub total: u64,
    pub shares: Vec<Share>,
    pub approximate: Option<String>,
}

#[derive(Debug, Clone)]
struct Named {
    argv: Vec<String>,
    /// The [`Share::comm`] it was read with; another one means the process has exec'd since.
    comm: u64,
    /// The snapshot it was read at.
    read_at: u64,
    /// Read at two snapshots. A process whose command line is its parent's may have been read
    /// between its fork and its `exec` of the same program (same `comm`), so it is read once more
    /// at a later snapshot before it counts as a fork.
    rechecked: bool,
}

/// The snapshot of the highest sample and the command lines of the processes in it.
#[derive(Debug)]
pub struct PeakShares {
    enabled: bool,
    started: Instant,
    names: HashMap<u32, Named>,
    /// Snapshots kept so far.
    snapshots: u64,
    pub snapshot: Option<Snapshot>,
    /// Time spent on snapshots, command lines and PSS reads for them.
    pub spent: Duration,
}

impl PeakShares {
    pub fn new(started: Instant) -> Self {
        Self {
            enabled: ENABLED.load(Ordering::Relaxed),
            started,
            names: HashMap::new(),
            snapshots: 0,
            snapshot: None,
            spent: Duration::ZERO,
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Seconds since the run started.
    pub fn now_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Keeps `snapshot` as the highest so far and names its processes (and their parents) not
    /// named yet.
    pub fn keep(&mut self, snapshot: Snapshot) {
        let began = Instant::now();
        self.snapshots += 1;
        for share in &snapshot.shares {
            if let Some(parent) = share.parent {
                let comm = snapshot
                    .shares
                    .iter()
                    .find(|s| s.pid == parent)
                    .map(|s| s.comm);
                self.name(parent, comm, None);
            }
            self.name(share.pid, Some(share.comm), share.parent);
        }
        self.snapshot = Some(snapshot);
        self.charge(began.elapsed());
    }

    /// Keeps the shares of the sample taken now, whose counted total is `total`, and charges
    /// the time since `began` (when the probe started reading for it).
    pub fn keep_now(
        &mut self,
        total: u64,
        shares: Vec<Share>,
        approximate: Option<String>,
        began: Instant,
    ) {
        let snapshot = Snapshot {
            at_secs: self.now_secs(),
            total,
            shares,
            approximate,
        };
        self.charge(began.elapsed());
        self.keep(snapshot);
    }

    /// Adds `time` to what breakdowns cost.
    pub fn charge(&mut self, time: Duration) {
        self.spent += time;
        SPENT_NANOS.fetch_add(time.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Adds `time`, spent on PSS reads, to what breakdowns cost.
    pub fn charge_pss(&mut self, time: Duration) {
        self.charge(time);
        PSS_NANOS.fetch_add(time.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Reads the command line of `pid` unless it was read already with the same `comm` (a
    /// parent that is not in the snapshot, `None`, is read once) and, if it is its parent's,
    /// rechecked (see [`Named::rechecked`]). An empty one (a process in the middle of `exec`, a
    /// zombie) is read again next time.
    fn name(&mut self, pid: u32, comm: Option<u64>, parent: Option<u32>) {
        if self.settled(pid, comm, parent) {
            return;
        }
        let rechecked = self.names.contains_key(&pid);
        let Ok(bytes) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            return;
        };
        let argv = roles::parse_cmdline(&bytes);
        if argv.is_empty() && self.names.contains_key(&pid) {
            return;
        }
        let named = Named {
            argv,
            comm: comm.unwrap_or(0),
            read_at: self.snapshots,
            rechecked,
        };
        self.names.insert(pid, named);
    }

    /// Whether the command line read of `pid` stands: not empty, of the same program, read at
    /// this snapshot already, or not (or no longer) possibly read before an `exec`.
    fn settled(&self, pid: u32, comm: Option<u64>, parent: Option<u32>) -> bool {
        let Some(named) = self.names.get(&pid) else {
            return false;
        };
        if named.argv.is_empty() || comm.is_some_and(|comm| comm != named.comm) {
            return false;
        }
        if named.rechecked || named.read_at == self.snapshots {
            return true;
        }
        let parents = parent.and_then(|p| self.names.get(&p));
        parents.is_none_or(|p| p.argv != named.argv)
    }

    /// The breakdown of the highest snapshot, grouped by role.
    pub fn finish(&self) -> Option<Breakdown> {
        let snapshot = self.snapshot.as_ref()?;
        let members = snapshot.shares.iter().map(|share| {
            let argv = self.names.get(&share.pid).map_or(&[][..], |n| &n.argv[..]);
            let parent = share
                .parent
                .and_then(|p| self.names.get(&p))
                .map(|n| &n.argv[..]);
            Member {
                role: roles::role(argv, parent),
                command: roles::command_line(argv, COMMAND_CHARS),
                bytes: share.bytes,
            }
        });
        let unheld_min = MIB.max(snapshot.total / 100);
        let mut breakdown = Breakdown::group(snapshot.at_secs, snapshot.total, members, unheld_min);
        breakdown.approximate = snapshot.approximate.clone();
        Some(breakdown)
    }
}

/// Whether shares that add up to `held` for a total of `total` are off by more than 3% (and
/// 1 MiB), the accuracy the breakdown promises.
pub fn off(held: u64, total: u64) -> bool {
    held.abs_diff(total) > MIB.max(total * 3 / 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_of_this_process_names_it_and_groups_it() {
        let mut shares = PeakShares::new(Instant::now());
        let me = std::process::id();
        let share = |pid, bytes| Share {
            pid,
            parent: None,
            bytes,
            comm: 0,
        };
        shares.keep(Snapshot {
            at_secs: 1.0,
            total: 12 * MIB,
            shares: vec![share(me, 4 * MIB), share(me, 5 * MIB)],
            approximate: None,
        });
        let breakdown = shares.finish().unwrap();
        assert_eq!(breakdown.groups.len(), 2, "{breakdown:?}");
        assert_eq!(breakdown.groups[0].count, 2);
        assert_eq!(breakdown.groups[0].bytes, 9 * MIB);
        assert!(!breakdown.groups[0].command.is_empty());
        assert_eq!(breakdown.groups[1].role, crate::results::UNHELD_ROLE);
    }

    #[test]
    fn shares_are_off_past_three_percent() {
        assert!(!off(100 * MIB, 102 * MIB));
        assert!(off(100 * MIB, 110 * MIB));
        assert!(!off(0, MIB / 2));
    }
}
