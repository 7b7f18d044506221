//! The sampled path's sharing correction, pure: how many bytes summed RSS counts more than once
//! (from the last PSS read, per process), and whether this tick is worth a new PSS read.
//!
//! Between reads, what summed RSS adds is real memory except in two ways: a new process (forked
//! workers share their parent's pages), which is always read; and a process mapping shared memory
//! that exists already (a pool's workers mapping one array from /dev/shm), which raises `RssShmem`
//! without a new page. That second one is bounded without a read: the tree's shared memory cannot
//! exceed what the last read found, or else what the whole machine's `Shmem` grew by since the run
//! began ([`shmem_bound`]). A PSS read walks every page table of the tree (tens of ms for a GiB), so
//! it is spent where it can change the result: when the summed RSS, counted with no sharing at all,
//! is above the peak. See docs/accuracy.md, "Process pools with shared memory".

use std::collections::HashMap;
use std::time::Duration;

use super::procfs::{ProcessMemory, ProportionalMemory};

const MIB: u64 = 1024 * 1024;

/// PSS reads that may raise or lower the peak may take at most this share of wall time (a
/// change of the set of processes is read whatever it costs).
pub const PEAK_SHARE: f64 = 0.02;
/// When the tree maps more shared memory than the last read found, by more than the accuracy
/// target, and the machine-wide bound does not hold it (another program made shared memory
/// too), a read may take up to this share of wall time, or [`SHMEM_FLOOR`] early in a run.
pub const SHMEM_SHARE: f64 = 0.10;
pub const SHMEM_FLOOR: Duration = Duration::from_millis(500);
/// Reads that only refresh the timeline take at most this share.
pub const TIMELINE_SHARE: f64 = 0.005;
/// A re-read of PSS even without a new high, so that copy-on-write pages broken by writes show up.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The bytes one process shares with others, as its last PSS read found them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shared {
    pub anon: u64,
    pub shmem: u64,
    /// The process's own share of shared memory (`Pss_Shmem`).
    pub pss_shmem: u64,
}

impl Shared {
    /// From one `smaps_rollup` walk and the `RssFile` of the tick. The anonymous part is
    /// `Anonymous − Pss_Anon`, both from the walk. `smaps_rollup` has no resident shmem of its
    /// own, but `Rss − Anonymous` is file + shmem from the same walk; file pages (libraries) hold
    /// still while shmem moves (a worker faulting in a memmapped array), so taking the tick's
    /// `RssFile` off leaves the walk's shmem. Without `Pss_Shmem` (kernel < 5.0) shmem is not
    /// corrected: counted once per process that maps it, as before.
    pub fn of(walk: &ProportionalMemory, rss_file: u64) -> Self {
        let shmem = match walk.pss_shmem {
            Some(0) | None => 0,
            Some(pss_shmem) => walk
                .rss
                .saturating_sub(walk.anonymous)
                .saturating_sub(rss_file)
                .saturating_sub(pss_shmem),
        };
        Self {
            anon: walk.shared_anon(),
            shmem,
            pss_shmem: walk.pss_shmem.unwrap_or(0),
        }
    }
}

/// Per process, what it shared at the last PSS read.
#[derive(Debug, Clone, Default)]
pub struct Sharing {
    per_process: HashMap<u32, Shared>,
}

impl Sharing {
    pub fn replace(&mut self, per_process: HashMap<u32, Shared>) {
        self.per_process = per_process;
    }

    /// Keeps, per process, the larger of the previous and the new shared bytes, and the previous
    /// `Pss_Shmem`: for a read that the tree's movement made unreliable (walked one after another,
    /// its shares need not add up), erring towards counting shared pages once.
    pub fn merge_max(&mut self, per_process: HashMap<u32, Shared>) {
        let merged = per_process
            .into_iter()
            .map(|(pid, new)| {
                let old = self.per_process.get(&pid).copied().unwrap_or_default();
                let shared = Shared {
                    anon: old.anon.max(new.anon),
                    shmem: old.shmem.max(new.shmem),
                    pss_shmem: old.pss_shmem,
                };
                (pid, shared)
            })
            .collect();
        self.per_process = merged;
    }

    /// Whether `pid` was read.
    pub fn knows(&self, pid: u32) -> bool {
        self.per_process.contains_key(&pid)
    }

    pub fn clear(&mut self) {
        self.per_process.clear();
    }

    /// Whether the last read found anything shared (else only a new mapping, which raises RSS,
    /// can create sharing, and a timed refresh is pointless).
    pub fn any(&self) -> bool {
        self.per_process.values().any(|s| s.anon + s.shmem > 0)
    }

    /// The bytes counted more than once now, anonymous and shmem: each live process's shared
    /// bytes at the last read, but no more than it maps now (a worker that unmapped a shared array
    /// no longer shares it).
    pub fn now<'a>(&self, live: impl IntoIterator<Item = (u32, &'a ProcessMemory)>) -> Shared {
        let mut total = Shared::default();
        for (pid, memory) in live {
            if let Some(shared) = self.per_process.get(&pid) {
                total.anon += shared.anon.min(memory.anon);
                total.shmem += shared.shmem.min(memory.shmem);
            }
        }
        total
    }

    /// The tree's shared memory, each page once, at the last read: the sum of `Pss_Shmem`.
    pub fn pss_shmem(&self) -> u64 {
        self.per_process.values().map(|s| s.pss_shmem).sum()
    }
}

/// The most shared memory the tree can hold now, each page once: what the last read found
/// (`pss_shmem_at_read`, which covers shared memory that existed before the run), or what the
/// machine's `Shmem` grew by since the run began, whichever is larger. Mapping pages that
/// exist raises `RssShmem` but not `Shmem`. Another process making shared memory meanwhile only
/// loosens the bound; one freeing it could tighten it until the next read.
pub fn shmem_bound(pss_shmem_at_read: u64, machine_now: u64, machine_at_start: u64) -> u64 {
    pss_shmem_at_read.max(machine_now.saturating_sub(machine_at_start))
}

/// Whether the tree moved during a read: `changed` bytes of anon + shmem in all (summed per
/// process, either way) against `counted` before it, beyond the accuracy target max(3%, 8 MiB).
pub fn moved(counted: u64, changed: u64) -> bool {
    changed > (8 * MIB).max(counted * 3 / 100)
}

/// What one tick of a tree of several processes knows when it decides on a PSS read.
#[derive(Debug, Clone, Copy)]
pub struct Tick {
    /// Summed RSS (anon + shmem): the tree's memory if nothing were shared.
    pub rss_sum: u64,
    /// Summed RSS less the sharing of the last read.
    pub provisional: u64,
    /// The highest counted figure so far.
    pub peak: u64,
    pub set_changed: bool,
    /// The tree maps more shared memory than the last read found, by more than max(3%, 8 MiB)
    /// of the peak, even after [`shmem_bound`].
    pub shmem_unread: bool,
    /// The last read is older than [`REFRESH`] and found something shared.
    pub stale: bool,
    pub pss_time: Duration,
    pub elapsed: Duration,
}

/// Whether `tick` reads PSS. The peak can only move where the uncorrected sum is above it.
pub fn decide(tick: &Tick) -> bool {
    let margin = (4 * MIB).max(tick.peak / 100);
    let spent = tick.pss_time.as_secs_f64();
    let wall = tick.elapsed.as_secs_f64();
    let could_raise = tick.rss_sum > tick.peak + margin;
    let new_high = tick.provisional > tick.peak + margin;
    if could_raise && (tick.set_changed || new_high || tick.stale) {
        let shmem_budget = (SHMEM_SHARE * wall).max(SHMEM_FLOOR.as_secs_f64());
        return tick.set_changed
            || spent <= PEAK_SHARE * wall
            || (new_high && tick.shmem_unread && spent <= shmem_budget);
    }
    (tick.set_changed || tick.stale) && spent <= TIMELINE_SHARE * wall
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(rss: u64, anonymous: u64, pss_anon: u64, pss_shmem: Option<u64>) -> ProportionalMemory {
        ProportionalMemory {
            rss: rss * MIB,
            anonymous: anonymous * MIB,
            pss_anon: pss_anon * MIB,
            pss_shmem: pss_shmem.map(|p| p * MIB),
        }
    }

    fn memory(anon: u64, shmem: u64) -> ProcessMemory {
        ProcessMemory {
            anon: anon * MIB,
            shmem: shmem * MIB,
            ..ProcessMemory::default()
        }
    }

    fn shared(anon: u64, shmem: u64, pss_shmem: u64) -> Shared {
        Shared {
            anon: anon * MIB,
            shmem: shmem * MIB,
            pss_shmem: pss_shmem * MIB,
        }
    }

    #[test]
    fn two_workers_mapping_one_array_share_it_once() {
        // Each worker: 300 MiB of shmem (the array, mapped by both), 100 MiB anonymous of its own,
        // 10 MiB of libraries.
        let worker = Shared::of(&walk(410, 100, 100, Some(150)), 10 * MIB);
        assert_eq!(worker, shared(0, 150, 150));
        let mut sharing = Sharing::default();
        sharing.replace(HashMap::from([(1, worker), (2, worker)]));
        assert_eq!(sharing.pss_shmem(), 300 * MIB);
        let both = [(1, memory(100, 300)), (2, memory(100, 300))];
        let now = sharing.now(both.iter().map(|(p, m)| (*p, m)));
        let counted = both.iter().map(|(_, m)| m.counted()).sum::<u64>() - now.anon - now.shmem;
        assert_eq!(counted, 500 * MIB);
    }

    #[test]
    fn a_process_shares_no_more_than_it_maps_now() {
        let mut sharing = Sharing::default();
        sharing.replace(HashMap::from([(1, shared(50, 150, 150))]));
        let unmapped = memory(80, 0);
        assert_eq!(sharing.now([(1, &unmapped)]), shared(50, 0, 0));
        assert_eq!(
            sharing.now([(2, &unmapped)]),
            Shared::default(),
            "not read: shares nothing"
        );
        assert!(sharing.any());
    }

    #[test]
    fn a_read_while_the_tree_moved_keeps_the_larger_sharing() {
        // Three workers held a 300 MiB array (200 MiB of it shared each); the next read walked
        // them one after another while they unmapped it.
        let mut sharing = Sharing::default();
        let held = shared(0, 200, 100);
        sharing.replace(HashMap::from([(1, held), (2, held), (3, held)]));
        let walked = [held, shared(0, 150, 150), Shared::default()];
        sharing.merge_max((1..=3).zip(walked).collect());
        assert_eq!(
            sharing.pss_shmem(),
            300 * MIB,
            "the shares of the last exact read"
        );
        let all = memory(100, 300);
        assert_eq!(
            sharing.now([(1, &all), (2, &all), (3, &all)]).shmem,
            600 * MIB
        );
        assert!(moved(1200 * MIB, 300 * MIB));
        assert!(!moved(1200 * MIB, 30 * MIB));
    }

    #[test]
    fn without_pss_shmem_shmem_is_not_corrected() {
        let old_kernel = Shared::of(&walk(410, 100, 60, None), 10 * MIB);
        assert_eq!(old_kernel, shared(40, 0, 0));
    }

    #[test]
    fn shared_memory_is_bounded_by_what_the_machine_made() {
        // Workers map a 300 MiB array the parent wrote to /dev/shm (not mapped at the last read).
        assert_eq!(shmem_bound(0, 1300 * MIB, 1000 * MIB), 300 * MIB);
        // Shared memory that existed before the run, found by the last read.
        assert_eq!(shmem_bound(50 * MIB, 1000 * MIB, 1000 * MIB), 50 * MIB);
        // Freed elsewhere: never below zero.
        assert_eq!(shmem_bound(0, 900 * MIB, 1000 * MIB), 0);
    }

    fn tick(rss_sum: u64, provisional: u64, peak: u64) -> Tick {
        Tick {
            rss_sum: rss_sum * MIB,
            provisional: provisional * MIB,
            peak: peak * MIB,
            set_changed: false,
            shmem_unread: false,
            stale: false,
            pss_time: Duration::ZERO,
            elapsed: Duration::from_secs(10),
        }
    }

    #[test]
    fn a_read_is_spent_where_it_can_move_the_peak() {
        assert!(decide(&tick(900, 900, 500)), "a new high");
        let stale = Tick {
            stale: true,
            ..tick(900, 450, 500)
        };
        assert!(decide(&stale), "sharing may have been broken");
        assert!(!decide(&tick(900, 450, 500)), "nothing new");
        // Below the peak even if nothing were shared: no read can change the peak.
        let below = Tick {
            stale: true,
            ..tick(400, 300, 500)
        };
        let spent = Tick {
            pss_time: Duration::from_millis(60),
            ..below
        };
        assert!(decide(&below), "cheap enough for the timeline");
        assert!(!decide(&spent), "over the timeline's share");
    }

    #[test]
    fn over_its_budget_only_a_new_process_or_new_shared_memory_is_read() {
        let busy = Tick {
            pss_time: Duration::from_millis(300),
            ..tick(900, 900, 500)
        };
        assert!(!decide(&busy));
        let forked = Tick {
            set_changed: true,
            ..busy
        };
        assert!(decide(&forked));
    }
}
