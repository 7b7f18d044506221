//! A fresh memory cgroup per run: the exact peak of the whole tree.
//!
//! v1 (this project's machines) and v2 (GitHub's runners) name the same facts differently; this
//! file hides that behind [`RunCgroup`]. The leaf is made under the base cgroup that `acquire`
//! found once for this memgate process, and is always removed: on drop, after killing what is
//! left. A kernel without `memory.peak` (v2 before 5.19) still gets a leaf: its peak comes from
//! the samples.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::procfs::{KeptFile, parse_pids};

/// Which cgroup interface the leaf uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupVersion {
    V1,
    V2,
}

impl CgroupVersion {
    pub fn peak_file(self) -> &'static str {
        match self {
            Self::V1 => "memory.max_usage_in_bytes",
            Self::V2 => "memory.peak",
        }
    }

    pub fn current_file(self) -> &'static str {
        match self {
            Self::V1 => "memory.usage_in_bytes",
            Self::V2 => "memory.current",
        }
    }

    fn oom_file(self) -> &'static str {
        match self {
            Self::V1 => "memory.oom_control",
            Self::V2 => "memory.events",
        }
    }
}

/// Where memgate's own memory cgroup lives, found from `/proc/self/cgroup` and
/// `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupHome {
    pub version: CgroupVersion,
    /// Absolute path of memgate's own cgroup directory.
    pub dir: PathBuf,
    /// Where the hierarchy is mounted: the top of what memgate can see of it.
    pub mount: PathBuf,
}

/// Finds memgate's memory cgroup: v2 when the unified hierarchy offers the `memory` controller,
/// else the v1 `memory` hierarchy.
pub fn find_home() -> Option<CgroupHome> {
    let cgroups = fs::read_to_string("/proc/self/cgroup").ok()?;
    let mountinfo = fs::read_to_string("/proc/self/mountinfo").ok()?;
    locate_home(&cgroups, &mountinfo, Path::new("/"))
}

/// The pure part of [`find_home`]: `fs_root` prefixes every path, so tests can lay out a fake
/// hierarchy in a temporary folder.
pub fn locate_home(cgroups: &str, mountinfo: &str, fs_root: &Path) -> Option<CgroupHome> {
    let mounts = parse_mounts(mountinfo);
    let mut v1 = None;
    let mut v2 = None;
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if controllers.is_empty() {
            v2 = Some(path.to_string());
        } else if controllers.split(',').any(|c| c == "memory") {
            v1 = Some(path.to_string());
        }
    }
    if let Some(path) = v2 {
        for mount in mounts.iter().filter(|m| m.fstype == "cgroup2") {
            let dir = mount.join(&path, fs_root);
            let controllers =
                fs::read_to_string(dir.join("cgroup.controllers")).unwrap_or_default();
            if controllers.split_whitespace().any(|c| c == "memory") {
                return Some(CgroupHome {
                    version: CgroupVersion::V2,
                    dir,
                    mount: fs_root.join(mount.point.trim_start_matches('/')),
                });
            }
        }
    }
    let path = v1?;
    let mount = mounts
        .iter()
        .find(|m| m.fstype == "cgroup" && m.options.split(',').any(|o| o == "memory"))?;
    let dir = mount.join(&path, fs_root);
    dir.join("memory.usage_in_bytes")
        .exists()
        .then(|| CgroupHome {
            version: CgroupVersion::V1,
            dir,
            mount: fs_root.join(mount.point.trim_start_matches('/')),
        })
}

struct Mount {
    /// The mount's root inside its filesystem (4th field of mountinfo).
    root: String,
    point: String,
    fstype: String,
    /// Super-block options (last field), where v1 names its controllers.
    options: String,
}

impl Mount {
    fn join(&self, cgroup_path: &str, fs_root: &Path) -> PathBuf {
        // Inside a cgroup namespace the path is already relative to the mount's root.
        let relative = cgroup_path
            .strip_prefix(self.root.as_str())
            .filter(|_| self.root != "/")
            .unwrap_or(cgroup_path);
        fs_root
            .join(self.point.trim_start_matches('/'))
            .join(relative.trim_start_matches('/'))
    }
}

fn parse_mounts(mountinfo: &str) -> Vec<Mount> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            let fields: Vec<&str> = before.split(' ').collect();
            let after: Vec<&str> = after.split(' ').collect();
            Some(Mount {
                root: fields.get(3)?.to_string(),
                point: fields.get(4)?.to_string(),
                fstype: after.first()?.to_string(),
                options: after.get(2).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// Memory of a cgroup at one instant, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupMemory {
    /// Anonymous + shared memory: what budgets count.
    pub counted: u64,
    /// File-backed pages (page cache and mapped files), without shmem.
    pub file: u64,
    /// Kernel memory charged to the cgroup (page tables, slab, sockets, stacks).
    pub kernel: u64,
    /// Everything charged: `memory.current` / `memory.usage_in_bytes`.
    pub total: u64,
}

/// What `memory.stat` says, before `memory.current` is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatFigures {
    /// anon + shmem.
    pub counted: u64,
    /// file (v2) or cache (v1) without shmem.
    pub file: u64,
    /// v2's `kernel` line (kernel 5.18 and later); absent on v1 and older v2.
    pub kernel: Option<u64>,
}

impl StatFigures {
    /// The full reading, given `memory.current` (`None`: unreadable). Kernel memory where the
    /// stat file does not name it is what the total holds beyond user pages: v1's
    /// `memory.usage_in_bytes` feeds kernel memory (`memory.kmem.usage_in_bytes`) into the same
    /// counter as user pages, and so does v2's `memory.current`.
    pub fn with_total(self, total: Option<u64>) -> CgroupMemory {
        let user = self.counted + self.file;
        let total = total.unwrap_or(user + self.kernel.unwrap_or(0));
        CgroupMemory {
            counted: self.counted,
            file: self.file,
            kernel: self.kernel.unwrap_or(total.saturating_sub(user)),
            total,
        }
    }
}

/// Reads `anon`/`shmem`/`file`/`kernel` (v2) or `rss`/`shmem`/`cache` (v1) out of `memory.stat`.
pub fn parse_memory_stat(version: CgroupVersion, text: &[u8]) -> Option<StatFigures> {
    let (anon_key, file_key): (&[u8], &[u8]) = match version {
        CgroupVersion::V1 => (b"rss", b"cache"),
        CgroupVersion::V2 => (b"anon", b"file"),
    };
    let (mut anon, mut shmem, mut file, mut kernel) = (None, None, None, None);
    for line in text.split(|&b| b == b'\n') {
        let mut words = line.splitn(2, |&b| b == b' ');
        let (Some(key), Some(value)) = (words.next(), words.next()) else {
            continue;
        };
        let slot = match key {
            k if k == anon_key => &mut anon,
            k if k == file_key => &mut file,
            b"shmem" => &mut shmem,
            b"kernel" if version == CgroupVersion::V2 => &mut kernel,
            _ => continue,
        };
        *slot = std::str::from_utf8(value).ok()?.trim().parse::<u64>().ok();
    }
    let (anon, shmem, file) = (anon?, shmem?, file?);
    // Both versions count shmem inside the file/cache figure; report it once, as counted memory.
    Some(StatFigures {
        counted: anon + shmem,
        file: file.saturating_sub(shmem),
        kernel,
    })
}

/// Reads the `oom_kill` counter from `memory.events` (v2) or `memory.oom_control` (v1).
pub fn parse_oom_kills(text: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix("oom_kill "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

/// OOM kills counted in a cgroup that memgate only reads (its own, or a container's).
pub fn oom_kills_in(home: &CgroupHome) -> u64 {
    read_oom_kills(&home.dir, home.version)
}

fn read_oom_kills(dir: &Path, version: CgroupVersion) -> u64 {
    fs::read_to_string(dir.join(version.oom_file()))
        .map(|text| parse_oom_kills(&text))
        .unwrap_or(0)
}

pub(super) fn parse_number(text: &[u8]) -> Option<u64> {
    std::str::from_utf8(text).ok()?.trim().parse().ok()
}

/// A cgroup's memory read as a meter: `memory.stat` and the current total, on kept descriptors.
#[derive(Debug)]
pub struct Meter {
    version: CgroupVersion,
    stat: KeptFile,
    current: KeptFile,
    /// v1's own kernel-memory counter, where the kernel has it.
    kmem: Option<KeptFile>,
}

impl Meter {
    pub fn open(version: CgroupVersion, dir: &Path) -> io::Result<Self> {
        let kmem = match version {
            CgroupVersion::V1 => KeptFile::open(&dir.join("memory.kmem.usage_in_bytes")).ok(),
            CgroupVersion::V2 => None,
        };
        Ok(Self {
            version,
            stat: KeptFile::open(&dir.join("memory.stat"))?,
            current: KeptFile::open(&dir.join(version.current_file()))?,
            kmem,
        })
    }

    /// One reading: two or three `pread`s. The total is read first: where kernel memory has
    /// to be derived (total less user pages), memory that grows between the reads then makes it
    /// smaller, never larger than it was.
    pub fn read(&self, buf: &mut Vec<u8>) -> io::Result<CgroupMemory> {
        self.current.read_into(buf)?;
        let total = parse_number(buf);
        self.stat.read_into(buf)?;
        let mut stat = parse_memory_stat(self.version, buf)
            .ok_or_else(|| io::Error::other("memory.stat lacks anon/shmem/file"))?;
        if let Some(kmem) = &self.kmem {
            kmem.read_into(buf)?;
            stat.kernel = parse_number(buf);
        }
        let user = stat.counted + stat.file;
        Ok(stat.with_total(total.map(|t| t.max(user))))
    }
}

/// A leaf cgroup that holds one run's tree, made under the base cgroup that
/// [`super::acquire`] found for this process. Removed when dropped.
#[derive(Debug)]
pub struct RunCgroup {
    version: CgroupVersion,
    dir: PathBuf,
    meter: Meter,
    /// Kernels before 5.19 have no `memory.peak`: the peak then comes from the samples.
    has_peak: bool,
}

static LEAF_COUNTER: AtomicU32 = AtomicU32::new(0);

/// The name of a run's leaf: memgate's PID (so that a dead memgate's leaves can be told apart)
/// and a counter.
pub fn leaf_name() -> String {
    format!(
        "memgate-{}-{}",
        std::process::id(),
        LEAF_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl RunCgroup {
    /// Makes a fresh leaf under `base` (memory available to its children), ready for a child to
    /// join.
    pub fn create(base: &CgroupHome) -> io::Result<Self> {
        let dir = base.dir.join(leaf_name());
        fs::create_dir(&dir)?;
        match Meter::open(base.version, &dir) {
            Ok(meter) => Ok(Self {
                version: base.version,
                has_peak: dir.join(base.version.peak_file()).exists(),
                dir,
                meter,
            }),
            Err(err) => {
                let _ = fs::remove_dir(&dir);
                Err(err)
            }
        }
    }

    pub fn version(&self) -> CgroupVersion {
        self.version
    }

    /// Whether the kernel keeps a peak for the leaf (v2 before 5.19 does not).
    pub fn has_peak(&self) -> bool {
        self.has_peak
    }

    /// The file a child writes `0` into (between fork and exec) to join the leaf.
    pub fn procs_path(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// One sample: two `pread`s.
    pub fn sample(&self, buf: &mut Vec<u8>) -> io::Result<CgroupMemory> {
        self.meter.read(buf)
    }

    /// PIDs in the leaf now. Opened afresh each time: v1 builds the list once per open file and
    /// serves that stale copy to every later read of the same descriptor.
    pub fn pids(&self) -> Vec<u32> {
        match fs::read(self.procs_path()) {
            Ok(text) => parse_pids(&text).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The kernel's exact high-water mark of everything charged to the leaf, in bytes.
    pub fn peak(&self) -> io::Result<u64> {
        let text = fs::read(self.dir.join(self.version.peak_file()))?;
        parse_number(&text).ok_or_else(|| io::Error::other("unreadable peak file"))
    }

    /// How many processes of the leaf the OOM killer ended.
    pub fn oom_kills(&self) -> u64 {
        read_oom_kills(&self.dir, self.version)
    }

    /// Kills every process in the leaf, repeatedly until it is empty (a process may fork while
    /// being killed). v2 has `cgroup.kill`, which does it atomically.
    pub fn kill_all(&self) {
        kill_all_in(&self.dir, self.version);
    }
}

/// Kills every process in the cgroup `dir` until it is empty (or 100 tries).
pub fn kill_all_in(dir: &Path, version: CgroupVersion) {
    if version == CgroupVersion::V2 {
        let _ = fs::write(dir.join("cgroup.kill"), "1");
    }
    for _ in 0..100 {
        let pids = match fs::read(dir.join("cgroup.procs")) {
            Ok(text) => parse_pids(&text).collect::<Vec<_>>(),
            Err(_) => return,
        };
        if pids.is_empty() {
            return;
        }
        for pid in pids {
            // SAFETY: kill(2) with a PID read from a leaf of memgate's; no memory is touched.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Removes an empty cgroup directory, waiting a moment for killed processes to be gone (rmdir
/// fails with EBUSY until the last one is fully released).
pub fn remove_cgroup_dir(dir: &Path) -> io::Result<()> {
    let mut result = Ok(());
    for _ in 0..200 {
        result = fs::remove_dir(dir);
        match &result {
            Err(err) if err.raw_os_error() == Some(libc::EBUSY) => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            _ => break,
        }
    }
    result
}

impl Drop for RunCgroup {
    fn drop(&mut self) {
        self.kill_all();
        let _ = remove_cgroup_dir(&self.dir);
    }
}

/// Writes `text` in one write(2) call: cgroup files act on each write, and report errors from it.
pub fn write_file(path: &Path, text: &str) -> io::Result<()> {
    fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
30 25 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
35 30 0:31 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
36 30 0:32 / /sys/fs/cgroup/cpu rw,nosuid - cgroup cgroup rw,cpu
";

    #[test]
    fn v1_home_from_hybrid_layout() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("sys/fs/cgroup/memory/process_api/abc");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("memory.usage_in_bytes"), "0").unwrap();
        // The unified hierarchy exists but offers no memory controller.
        let unified = root.path().join("sys/fs/cgroup/unified");
        fs::create_dir_all(&unified).unwrap();
        fs::write(unified.join("cgroup.controllers"), "").unwrap();
        let cgroups = "4:memory:/process_api/abc\n1:cpu:/\n0::/\n";
        let home = locate_home(cgroups, MOUNTINFO, root.path()).unwrap();
        assert_eq!(home.version, CgroupVersion::V1);
        assert_eq!(home.dir, dir);
    }

    #[test]
    fn v2_home_when_memory_controller_is_offered() {
        let root = tempfile::tempdir().unwrap();
        let dir = root
            .path()
            .join("sys/fs/cgroup/system.slice/runner.service");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("cgroup.controllers"), "cpu io memory pids\n").unwrap();
        let mountinfo = "25 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
        let home =
            locate_home("0::/system.slice/runner.service\n", mountinfo, root.path()).unwrap();
        assert_eq!(home.version, CgroupVersion::V2);
        assert_eq!(home.dir, dir);
    }

    #[test]
    fn no_home_without_a_memory_controller() {
        let root = tempfile::tempdir().unwrap();
        let mountinfo = "25 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        assert_eq!(locate_home("0::/\n", mountinfo, root.path()), None);
    }

    #[test]
    fn memory_stat_v1_and_v2() {
        let v1 = b"cache 300\nrss 1000\nrss_huge 0\nshmem 100\nmapped_file 5\ntotal_rss 1000\n";
        let read = parse_memory_stat(CgroupVersion::V1, v1).unwrap();
        assert_eq!((read.counted, read.file, read.kernel), (1100, 200, None));
        // v1: kernel memory is what usage_in_bytes holds beyond user pages.
        assert_eq!(read.with_total(Some(1500)).kernel, 200);
        let v2 = b"anon 4096\nfile 8192\nkernel 12\nshmem 4096\nfile_mapped 0\n";
        let read = parse_memory_stat(CgroupVersion::V2, v2).unwrap();
        assert_eq!(
            (read.counted, read.file, read.kernel),
            (8192, 4096, Some(12))
        );
        let full = read.with_total(Some(20000));
        assert_eq!((full.kernel, full.total), (12, 20000));
        assert_eq!(parse_memory_stat(CgroupVersion::V2, b"anon 1\n"), None);
    }

    #[test]
    fn oom_kill_counter_in_both_files() {
        assert_eq!(
            parse_oom_kills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"),
            2
        );
        assert_eq!(
            parse_oom_kills("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n"),
            1
        );
        assert_eq!(parse_oom_kills(""), 0);
    }
}
