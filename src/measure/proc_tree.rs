//! The sampled path on Linux: the process tree read from `/proc` at every tick.
//!
//! Cheap reads in the loop (one kept-fd `pread` of `status` per process, one of `children` per
//! thread); the expensive, exact `smaps_rollup` (PSS) rarely, where it can move the peak
//! ([`sharing::decide`]) — so forked workers sharing copy-on-write pages and pool workers mapping
//! one array from /dev/shm are counted once, at a cost of a few reads for a growing tree and almost
//! none for a sawtooth. Per-process high-water marks (`VmHWM`) catch spikes shorter than the
//! interval.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use super::peak_shares::{self, PeakShares, Share};
use super::procfs::{self, KeptFile, ProcessMemory};
use super::sampler::{Probe, Sample};
use super::sharing::{self, Shared, Sharing};

const MIB: u64 = 1024 * 1024;

/// What the sampled path learned beyond the timeline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TreeSummary {
    /// Distinct processes seen.
    pub processes_seen: usize,
    /// The largest `VmHWM − RssFile` of any one process: a peak that sampling may have missed.
    pub largest_process_peak: u64,
    pub pss_reads: u32,
    pub pss_time: Duration,
    /// The kernel's `smaps_rollup` has no `Pss_Shmem`: shmem was counted once per process.
    pub no_pss_shmem: bool,
}

struct Tracked {
    status: KeptFile,
    statm: KeptFile,
    /// The tick `status` was last read at; between those reads `statm` is enough.
    status_read: Option<u32>,
    /// Every thread's `children` file (a child belongs to the thread that forked it).
    children: Vec<KeptFile>,
    threads_listed: u32,
    last: ProcessMemory,
    /// The process whose `children` listed it (`None` for memgate's own children).
    parent: Option<u32>,
    /// [`procfs::comm_digest`] of its last `status` read: it changes at `exec`.
    comm: u64,
}

impl Tracked {
    fn open(pid: u32, parent: Option<u32>, tick: u32) -> Option<Self> {
        let status = KeptFile::open(Path::new(&format!("/proc/{pid}/status"))).ok()?;
        let statm = KeptFile::open(Path::new(&format!("/proc/{pid}/statm"))).ok()?;
        let mut tracked = Self {
            status,
            statm,
            status_read: None,
            children: Vec::new(),
            threads_listed: tick,
            last: ProcessMemory::default(),
            parent,
            comm: 0,
        };
        tracked.list_threads(pid, tick);
        Some(tracked)
    }

    fn list_threads(&mut self, pid: u32, tick: u32) {
        self.threads_listed = tick;
        self.children = procfs::thread_ids(pid)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|tid| {
                KeptFile::open(Path::new(&format!("/proc/{pid}/task/{tid}/children"))).ok()
            })
            .collect();
    }
}

/// Ticks between full reads of `status` (for VmHWM and the shmem/file split); the ticks between
/// read `statm`, about ten times cheaper.
const STATUS_EVERY: u32 = 5;
/// A change of resident memory since the last tick above which `status` is read at once.
const MOVING: u64 = MIB;
/// Ticks between re-listing a process's threads (new threads that fork are rare).
const RELIST_THREADS_EVERY: u32 = 10;

/// Samples every descendant of memgate itself: as a child subreaper it inherits orphans, so the
/// walk from its own threads sees double-forked grandchildren too.
pub struct ProcTreeProbe {
    /// `children` files of memgate's own threads.
    roots: Vec<KeptFile>,
    tracked: HashMap<u32, Tracked>,
    seen: HashSet<u32>,
    buf: Vec<u8>,
    page_size: u64,
    tick: u32,
    started: Instant,
    /// What each process shared at the last PSS read.
    sharing: Sharing,
    /// The processes present at the last PSS read.
    pss_set: Vec<u32>,
    last_pss: Option<Instant>,
    peak: u64,
    last_counted: u64,
    /// `/proc/meminfo`, for the machine's `Shmem`, and its value when the run began.
    meminfo: Option<KeptFile>,
    shmem_at_start: u64,
    /// Per process: the largest `VmHWM − RssFile` seen and the most file pages seen, kept after
    /// it exits.
    process_peaks: HashMap<u32, (u64, u64)>,
    /// Each process's share at the highest sample.
    pub shares: PeakShares,
    pub summary: TreeSummary,
}

impl ProcTreeProbe {
    /// A probe of memgate's descendants; `started` is when the run began (breakdown times count
    /// from it).
    pub fn new(started: Instant) -> Self {
        let mut probe = Self::without_meminfo(started);
        probe.meminfo = KeptFile::open(Path::new("/proc/meminfo")).ok();
        probe.shmem_at_start = probe.machine_shmem().unwrap_or(0);
        probe
    }

    fn without_meminfo(started: Instant) -> Self {
        let me = std::process::id();
        let roots = procfs::thread_ids(me)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|tid| {
                KeptFile::open(Path::new(&format!("/proc/{me}/task/{tid}/children"))).ok()
            })
            .collect();
        Self {
            roots,
            tracked: HashMap::new(),
            seen: HashSet::new(),
            buf: Vec::with_capacity(4096),
            page_size: procfs::page_size(),
            tick: 0,
            started,
            sharing: Sharing::default(),
            pss_set: Vec::new(),
            last_pss: None,
            peak: 0,
            last_counted: 0,
            meminfo: None,
            shmem_at_start: 0,
            process_peaks: HashMap::new(),
            shares: PeakShares::new(started),
            summary: TreeSummary::default(),
        }
    }

    /// PIDs of the live tree, breadth first from memgate's own threads.
    fn walk(&mut self) -> Vec<u32> {
        let mut pids = Vec::new();
        for file in &self.roots {
            if file.read_into(&mut self.buf).is_ok() {
                pids.extend(procfs::parse_pids(&self.buf));
            }
        }
        // Each pid's parent, beside `pids` (memgate's own children have none).
        let mut parents = vec![None; pids.len()];
        let mut i = 0;
        while i < pids.len() {
            let (pid, parent) = (pids[i], parents[i]);
            i += 1;
            let tick = self.tick;
            let tracked = match self.tracked.entry(pid) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    let Some(tracked) = Tracked::open(pid, parent, tick) else {
                        continue;
                    };
                    entry.insert(tracked)
                }
            };
            if tick.wrapping_sub(tracked.threads_listed) >= RELIST_THREADS_EVERY {
                tracked.list_threads(pid, tick);
            }
            for file in &tracked.children {
                if file.read_into(&mut self.buf).is_ok() {
                    for child in procfs::parse_pids(&self.buf) {
                        if !pids.contains(&child) {
                            pids.push(child);
                            parents.push(Some(pid));
                        }
                    }
                }
            }
        }
        pids
    }

    /// Reads PSS of `pids` and keeps what each shares with the others. Each process's shared
    /// bytes come from one page-table walk ([`Shared::of`]), not from RSS read earlier: a walk
    /// of a big process takes tens of ms, and memory allocated or mapped meanwhile must not pass
    /// for sharing. The walks are one after another, so a tree whose memory moves meanwhile by
    /// more than the accuracy target (workers unmapping a shared array one by one) gives figures
    /// that do not add up: each process then keeps the larger of its old and new shared bytes
    /// (a worker walked after the others unmapped seems to share nothing, which would count the
    /// array once per worker). A process that exits meanwhile voids the read: returns false.
    fn read_sharing(&mut self, pids: &[u32]) -> bool {
        let began = Instant::now();
        let mut per_process = HashMap::with_capacity(pids.len());
        let mut failed = false;
        for &pid in pids {
            let Some(walk) = procfs::read_proportional(pid) else {
                failed = true;
                break;
            };
            self.summary.no_pss_shmem |= walk.pss_shmem.is_none();
            let rss_file = self.tracked.get(&pid).map_or(0, |t| t.last.file);
            per_process.insert(pid, Shared::of(&walk, rss_file));
        }
        let (mut before, mut changed) = (0, 0);
        for &pid in pids {
            if failed {
                break;
            }
            let Some(tracked) = self.tracked.get(&pid) else {
                failed = true;
                break;
            };
            let now = tracked
                .status
                .read_into(&mut self.buf)
                .ok()
                .and_then(|()| procfs::parse_status(&self.buf));
            match now {
                Some(now) => {
                    before += tracked.last.counted();
                    changed += now.counted().abs_diff(tracked.last.counted());
                }
                None => failed = true,
            }
        }
        self.summary.pss_time += began.elapsed();
        if failed {
            // A process exited during the walks: how many share each page changed. Keep the
            // previous figures and read again at the next tick (the set has changed).
            self.pss_set.clear();
            return false;
        }
        self.summary.pss_reads += 1;
        self.last_pss = Some(Instant::now());
        self.pss_set = pids.to_vec();
        if sharing::moved(before, changed) {
            self.sharing.merge_max(per_process);
        } else {
            self.sharing.replace(per_process);
        }
        true
    }

    /// The tree's counted memory at this tick: summed RSS less what is shared, read afresh when
    /// [`sharing::decide`] says so.
    fn corrected(&mut self, live: &[u32], rss_sum: u64, largest: u64) -> u64 {
        if live.len() <= 1 {
            self.sharing.clear();
            return rss_sum;
        }
        let (provisional, shmem) = self.figure(live, rss_sum, largest);
        let target = (8 * MIB).max(self.peak * 3 / 100);
        let tick = sharing::Tick {
            rss_sum,
            provisional,
            peak: self.peak,
            set_changed: live != self.pss_set,
            shmem_unread: shmem > self.sharing.pss_shmem() + target,
            stale: self.sharing.any()
                && self
                    .last_pss
                    .is_none_or(|at| at.elapsed() >= sharing::REFRESH),
            pss_time: self.summary.pss_time,
            elapsed: self.started.elapsed(),
        };
        let voided = sharing::decide(&tick) && !self.read_sharing(live);
        let (figure, _) = self.figure(live, rss_sum, largest);
        // A voided read leaves new processes unknown: a worker forked as others exit holds its
        // parent's pages, shared, yet would count them again. Hold the last figure until a read
        // goes through (the set has changed, so the next tick reads again).
        if voided && live.iter().any(|pid| !self.sharing.knows(*pid)) {
            return figure.min(self.last_counted.max(largest));
        }
        figure
    }

    /// Summed RSS less the sharing of the last read, shared memory no more than
    /// [`sharing::shmem_bound`] allows, and never below the largest single process; and the
    /// shared memory in it.
    fn figure(&mut self, live: &[u32], rss_sum: u64, largest: u64) -> (u64, u64) {
        let memories = || {
            live.iter()
                .filter_map(|pid| Some((*pid, &self.tracked.get(pid)?.last)))
        };
        let shared = self.sharing.now(memories());
        let shmem_sum: u64 = memories().map(|(_, m)| m.shmem).sum();
        let anon = rss_sum
            .saturating_sub(shmem_sum)
            .saturating_sub(shared.anon);
        let mut shmem = shmem_sum.saturating_sub(shared.shmem);
        let known = self.sharing.pss_shmem();
        // More shared memory than the last read found: perhaps pages that exist, newly mapped.
        if shmem > known {
            if let Some(machine) = self.machine_shmem() {
                shmem = shmem.min(sharing::shmem_bound(known, machine, self.shmem_at_start));
            }
        }
        ((anon + shmem).max(largest), shmem)
    }

    /// Keeps each live process's share of this new high: its counted memory less what it shares
    /// with others at the last PSS read, so that the shares add up to the tree's figure (they
    /// do not where that figure was bounded otherwise: a note then says so).
    fn snapshot(&mut self, live: &[u32], counted: u64) {
        let began = Instant::now();
        let shares: Vec<Share> = live
            .iter()
            .filter_map(|&pid| {
                let tracked = self.tracked.get(&pid)?;
                let memory = &tracked.last;
                let shared = self.sharing.now([(pid, memory)]);
                Some(Share {
                    pid,
                    parent: tracked.parent,
                    bytes: memory.counted() - shared.anon - shared.shmem,
                    comm: tracked.comm,
                })
            })
            .collect();
        let held: u64 = shares.iter().map(|s| s.bytes).sum();
        let approximate = peak_shares::off(held, counted).then(|| {
            format!(
                "the processes' shares add up to {} of the tree's {}: shared memory was bounded \
                 without a PSS read at this sample",
                crate::units::format_size(held),
                crate::units::format_size(counted)
            )
        });
        self.shares.keep_now(counted, shares, approximate, began);
    }

    /// The machine's `Shmem` (/proc/meminfo) now.
    fn machine_shmem(&mut self) -> Option<u64> {
        self.meminfo.as_ref()?.read_into(&mut self.buf).ok()?;
        procfs::parse_meminfo_shmem(&self.buf)
    }
}

/// One process's memory at this tick: `status` every [`STATUS_EVERY`] ticks (and for a new
/// process), else `statm` with the shmem share of the last `status` read. `None` for a zombie or
/// a process that is gone.
fn read_memory(
    tracked: &mut Tracked,
    tick: u32,
    page_size: u64,
    buf: &mut Vec<u8>,
) -> Option<ProcessMemory> {
    let due = tracked
        .status_read
        .is_none_or(|at| tick.wrapping_sub(at) >= STATUS_EVERY);
    if !due {
        tracked.statm.read_into(buf).ok()?;
        let (resident, shared) = procfs::parse_statm(buf)?;
        // A zombie's statm reads all zeros; its memory is freed.
        if resident == 0 {
            return None;
        }
        let (resident, shared) = (resident * page_size, shared * page_size);
        let last_resident = tracked.last.anon + tracked.last.shmem + tracked.last.file;
        // Memory on the move may hide a peak between ticks that only VmHWM keeps, and a process
        // can exit (taking VmHWM with it) before the next full read: read `status` now.
        if resident.abs_diff(last_resident) <= MOVING {
            let shmem = tracked.last.shmem.min(shared);
            return Some(ProcessMemory {
                anon: resident.saturating_sub(shared),
                shmem,
                file: shared - shmem,
                hwm: tracked.last.hwm.max(resident),
            });
        }
    }
    tracked.status.read_into(buf).ok()?;
    let memory = procfs::parse_status(buf)?;
    tracked.status_read = Some(tick);
    tracked.comm = procfs::comm_digest(buf);
    Some(memory)
}

impl Probe for ProcTreeProbe {
    fn sample(&mut self) -> Sample {
        self.tick = self.tick.wrapping_add(1);
        let pids = self.walk();
        let mut live = Vec::with_capacity(pids.len());
        let (mut rss_sum, mut file_sum, mut largest) = (0u64, 0u64, 0u64);
        for &pid in &pids {
            let Some(tracked) = self.tracked.get_mut(&pid) else {
                continue;
            };
            let memory = read_memory(tracked, self.tick, self.page_size, &mut self.buf);
            // No memory lines: a zombie, whose memory is already freed.
            let Some(memory) = memory else { continue };
            tracked.last = memory;
            self.seen.insert(pid);
            live.push(pid);
            rss_sum += memory.counted();
            file_sum += memory.file;
            largest = largest.max(memory.counted());
            // VmHWM counts file pages too. Take off the most file pages this process has been seen
            // with, not the current ones: a file unmapped before exit (np.memmap) would otherwise
            // turn its pages into an anonymous peak. This can only understate, never overstate.
            let entry = self.process_peaks.entry(pid).or_default();
            entry.1 = entry.1.max(memory.file);
            entry.0 = entry.0.max(memory.hwm.saturating_sub(entry.1));
        }
        // Forget processes that are gone (their fds would read nothing).
        self.tracked.retain(|pid, _| pids.contains(pid));

        let counted = self.corrected(&live, rss_sum, largest);
        if counted > self.peak && self.shares.enabled() {
            self.snapshot(&live, counted);
        }
        self.peak = self.peak.max(counted);
        self.last_counted = counted;
        self.summary.processes_seen = self.seen.len();
        self.summary.largest_process_peak = self
            .process_peaks
            .values()
            .map(|&(peak, _)| peak)
            .max()
            .unwrap_or(0);
        Sample {
            counted,
            file: file_sum,
            processes: live.len(),
        }
    }
}
