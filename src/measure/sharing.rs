//! The sampled path's sharing correction, pure: how many bytes summed RSS counts more than once
//! (from the last PSS read, per process), and whether this tick is worth a new PSS read.
//!
//! A PSS read walks every page table of the tree (tens of ms for a GiB), so it is spent where it
//! can change the result: when the summed RSS, counted with no sharing at all, is above the last
//! verified peak, so that a fresh correction could show a new peak or take back a false one. Reads for the
//! timeline alone (a steadier steady state) get a smaller share of the time. See
//! docs/accuracy.md, "Process pools with shared memory".

use std::collections::HashMap;
use std::time::Duration;

use super::procfs::{ProcessMemory, ProportionalMemory};

const MIB: u64 = 1024 * 1024;

/// PSS reads that may raise or lower the peak may take at most this share of wall time. Two
/// reads are made whatever they cost: at a change of the set of processes, and when the figure
/// would pass the last verified peak by more than the accuracy target, max(3%, 8 MiB) — the
/// reads that keep a pool's workers mapping one array from passing for a new peak. Those cost at
/// most one walk per 3% of true growth (about 25 per doubling of the tree).
pub const PEAK_SHARE: f64 = 0.02;
/// Reads that only refresh the timeline take at most this share.
pub const TIMELINE_SHARE: f64 = 0.005;
/// A re-read of PSS even without a new high, so that copy-on-write pages broken by writes show up.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The bytes one process shares with others, as its last PSS read found them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shared {
    pub anon: u64,
    pub shmem: u64,
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

    pub fn clear(&mut self) {
        self.per_process.clear();
    }

    /// Whether the last read found anything shared (else only a new mapping, which raises RSS,
    /// can create sharing, and a timed refresh is pointless).
    pub fn any(&self) -> bool {
        self.per_process.values().any(|s| s.anon + s.shmem > 0)
    }

    /// The bytes counted more than once now: each live process's shared bytes at the last read,
    /// but no more than it maps now (a worker that unmapped a shared array no longer shares it).
    pub fn now<'a>(&self, live: impl IntoIterator<Item = (u32, &'a ProcessMemory)>) -> u64 {
        live.into_iter()
            .filter_map(|(pid, memory)| {
                let shared = self.per_process.get(&pid)?;
                Some(shared.anon.min(memory.anon) + shared.shmem.min(memory.shmem))
            })
            .sum()
    }
}

/// What one tick of a tree of several processes knows when it decides on a PSS read.
#[derive(Debug, Clone, Copy)]
pub struct Tick {
    /// Summed RSS (anon + shmem): the tree's memory if nothing were shared.
    pub rss_sum: u64,
    /// Summed RSS less the sharing of the last read.
    pub provisional: u64,
    /// The highest figure of a tick whose correction was read at that tick (or of a single
    /// process). Measured from here, not from the running peak, so that a slow climb of a few
    /// MiB per tick cannot creep past it without a read.
    pub verified_peak: u64,
    pub set_changed: bool,
    /// The last read is older than [`REFRESH`] and found something shared.
    pub stale: bool,
    pub pss_time: Duration,
    pub elapsed: Duration,
}

/// Why a PSS read is made at a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Not needed, or not affordable for the timeline alone.
    Skip,
    /// Needed for the peak but over its time budget: the tick counts with the old correction,
    /// unverified.
    OverBudget,
    Read,
}

/// Whether `tick` reads PSS. The peak can only move where the uncorrected sum is above it.
pub fn decide(tick: &Tick) -> Decision {
    let margin = (4 * MIB).max(tick.verified_peak / 100);
    let spent = tick.pss_time.as_secs_f64();
    let wall = tick.elapsed.as_secs_f64();
    let could_raise = tick.rss_sum > tick.verified_peak + margin;
    let new_high = tick.provisional > tick.verified_peak + margin;
    let target = (8 * MIB).max(tick.verified_peak * 3 / 100);
    let beyond_target = tick.provisional > tick.verified_peak + target;
    if could_raise && (tick.set_changed || new_high || tick.stale) {
        if tick.set_changed || beyond_target || spent <= PEAK_SHARE * wall {
            return Decision::Read;
        }
        return if new_high {
            Decision::OverBudget
        } else {
            Decision::Skip
        };
    }
    if (tick.set_changed || tick.stale) && spent <= TIMELINE_SHARE * wall {
        return Decision::Read;
    }
    Decision::Skip
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

    #[test]
    fn two_workers_mapping_one_array_share_it_once() {
        // Each worker: 300 MiB of shmem (the array, mapped by both), 100 MiB anonymous of its own,
        // 10 MiB of libraries.
        let worker = Shared::of(&walk(410, 100, 100, Some(150)), 10 * MIB);
        assert_eq!(
            worker,
            Shared {
                anon: 0,
                shmem: 150 * MIB
            }
        );
        let mut sharing = Sharing::default();
        sharing.replace(HashMap::from([(1, worker), (2, worker)]));
        let both = [(1, memory(100, 300)), (2, memory(100, 300))];
        let counted: u64 = both.iter().map(|(_, m)| m.counted()).sum::<u64>()
            - sharing.now(both.iter().map(|(p, m)| (*p, m)));
        assert_eq!(counted, 500 * MIB);
    }

    #[test]
    fn a_process_shares_no_more_than_it_maps_now() {
        let mut sharing = Sharing::default();
        let shared = Shared {
            anon: 50 * MIB,
            shmem: 150 * MIB,
        };
        sharing.replace(HashMap::from([(1, shared)]));
        let unmapped = memory(80, 0);
        assert_eq!(sharing.now([(1, &unmapped)]), 50 * MIB);
        assert_eq!(
            sharing.now([(2, &unmapped)]),
            0,
            "a process not read shares nothing"
        );
        assert!(sharing.any());
    }

    #[test]
    fn without_pss_shmem_shmem_is_not_corrected() {
        let old_kernel = Shared::of(&walk(410, 100, 60, None), 10 * MIB);
        assert_eq!(
            old_kernel,
            Shared {
                anon: 40 * MIB,
                shmem: 0
            }
        );
    }

    fn tick(rss_sum: u64, provisional: u64, peak: u64) -> Tick {
        Tick {
            rss_sum: rss_sum * MIB,
            provisional: provisional * MIB,
            verified_peak: peak * MIB,
            set_changed: false,
            stale: false,
            pss_time: Duration::ZERO,
            elapsed: Duration::from_secs(10),
        }
    }

    #[test]
    fn a_read_is_spent_where_it_can_move_the_peak() {
        assert_eq!(decide(&tick(900, 900, 500)), Decision::Read, "a new high");
        let stale = Tick {
            stale: true,
            ..tick(900, 450, 500)
        };
        assert_eq!(
            decide(&stale),
            Decision::Read,
            "sharing may have been broken"
        );
        assert_eq!(decide(&tick(900, 450, 500)), Decision::Skip, "nothing new");
        // Below the peak even if nothing were shared: no read can change the peak.
        let below = Tick {
            stale: true,
            ..tick(400, 300, 500)
        };
        let spent = Tick {
            pss_time: Duration::from_millis(60),
            ..below
        };
        assert_eq!(
            decide(&below),
            Decision::Read,
            "cheap enough for the timeline"
        );
        assert_eq!(decide(&spent), Decision::Skip, "over the timeline's share");
    }

    #[test]
    fn over_its_budget_a_new_high_is_unverified_but_a_new_process_is_read() {
        let busy = Tick {
            pss_time: Duration::from_millis(300),
            ..tick(510, 510, 500)
        };
        assert_eq!(
            decide(&busy),
            Decision::OverBudget,
            "within the target: unverified"
        );
        let far = Tick {
            pss_time: Duration::from_millis(300),
            ..tick(900, 900, 500)
        };
        assert_eq!(
            decide(&far),
            Decision::Read,
            "beyond the target: read whatever it costs"
        );
        let forked = Tick {
            set_changed: true,
            ..busy
        };
        assert_eq!(decide(&forked), Decision::Read);
    }
}
