//! The facts `acquire::decide` needs, read from a cgroup hierarchy. Every path goes through
//! `fs_root`, so tests lay out fake hierarchies in a temporary folder; what comes from the
//! process itself (its PID, user, environment) is passed in as [`Inputs`].

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::acquire::{Access, CgroupFacts, Facts, Manager, Named};
use super::cgroup::{CgroupHome, CgroupVersion, locate_home, parse_memory_stat};
use super::procfs::parse_pids;

/// What the process knows of itself; the rest is read under `fs_root`.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub fs_root: PathBuf,
    /// `/proc/self/cgroup` and `/proc/self/mountinfo`.
    pub cgroups: String,
    pub mountinfo: String,
    pub pid: u32,
    pub root_user: bool,
    /// A named base: where the name came from, and the path.
    pub named: Option<(String, PathBuf)>,
    pub manager: Option<Manager>,
    /// memgate's own anonymous + shared memory, taken off its cgroup's to see what others hold.
    pub self_memory: u64,
}

/// memgate's cgroup and the facts around it; `None` without a memory controller.
pub fn gather(inputs: &Inputs) -> (Option<CgroupHome>, Facts) {
    let home = locate_home(&inputs.cgroups, &inputs.mountinfo, &inputs.fs_root);
    let systemd_host = inputs.fs_root.join("run/systemd/system").is_dir();
    let version = home.as_ref().map_or(CgroupVersion::V2, |h| h.version);
    let chain = home
        .as_ref()
        .map(|home| chain(home, inputs, systemd_host))
        .unwrap_or_default();
    let named = match (&inputs.named, &home) {
        (Some((origin, path)), Some(home)) => Some(check_named(origin, path, home)),
        (Some((origin, path)), None) => Some(Named {
            origin: origin.clone(),
            dir: path.clone(),
            problem: Some("this process has no memory cgroup hierarchy".into()),
        }),
        (None, _) => None,
    };
    let facts = Facts {
        version,
        root_user: inputs.root_user,
        systemd_host,
        named,
        chain,
        manager: inputs.manager,
        own_failed: None,
        created_failed: None,
    };
    (home, facts)
}

/// memgate's cgroup, then each ancestor up to the mount point.
fn chain(home: &CgroupHome, inputs: &Inputs, systemd_host: bool) -> Vec<CgroupFacts> {
    let mut chain = Vec::new();
    let mut dir = Some(home.dir.as_path());
    while let Some(current) = dir {
        let mut facts = cgroup_facts(current, home, inputs.pid, systemd_host);
        if chain.is_empty() {
            facts.others_memory = others_memory(current, home.version, inputs.self_memory);
        }
        chain.push(facts);
        if current == home.mount || !current.starts_with(&home.mount) {
            break;
        }
        dir = current.parent();
    }
    chain
}

fn cgroup_facts(dir: &Path, home: &CgroupHome, pid: u32, systemd_host: bool) -> CgroupFacts {
    let v2 = home.version == CgroupVersion::V2;
    let has_memory = |file: &str| {
        !v2 || fs::read_to_string(dir.join(file))
            .is_ok_and(|text| text.split_whitespace().any(|c| c == "memory"))
    };
    let other_processes = fs::read(dir.join("cgroup.procs"))
        .map(|text| parse_pids(&text).filter(|&p| p != pid).count())
        .unwrap_or(0);
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let unit = name.as_deref().is_some_and(|n| {
        [".service", ".scope", ".slice"]
            .iter()
            .any(|suffix| n.ends_with(suffix))
    });
    CgroupFacts {
        dir: dir.to_path_buf(),
        access: access(dir),
        other_processes,
        memory_offered: has_memory("cgroup.controllers"),
        memory_for_children: has_memory("cgroup.subtree_control"),
        is_root: dir == home.mount,
        systemd_unit: systemd_host && unit,
        delegated: delegated(dir),
        others_memory: None,
    }
}

/// Writable (`access(2)` with W_OK, which also reports a read-only mount), else readable.
pub fn access(dir: &Path) -> Access {
    let Ok(path) = CString::new(dir.as_os_str().as_bytes()) else {
        return Access::Unreadable;
    };
    // SAFETY: access(2) reads a NUL-terminated path and touches no memory of ours.
    if unsafe { libc::access(path.as_ptr(), libc::W_OK) } == 0 {
        return Access::Writable;
    }
    let err = std::io::Error::last_os_error();
    let reason = match err.raw_os_error() {
        Some(libc::EROFS) => "on a read-only file system".to_string(),
        Some(libc::EACCES) | Some(libc::EPERM) => "not writable by this user".to_string(),
        _ => format!("not writable ({err})"),
    };
    // SAFETY: as above, with R_OK.
    if unsafe { libc::access(path.as_ptr(), libc::R_OK) } == 0 {
        Access::ReadOnly(reason)
    } else {
        Access::Unreadable
    }
}

/// systemd marks a cgroup it delegated with the `trusted.delegate` (as root) or
/// `user.delegate` (user manager) extended attribute.
fn delegated(dir: &Path) -> bool {
    let Ok(path) = CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    [c"trusted.delegate", c"user.delegate"].iter().any(|name| {
        // SAFETY: getxattr(2) with a null buffer and size 0 only returns the value's size.
        unsafe { libc::getxattr(path.as_ptr(), name.as_ptr(), std::ptr::null_mut(), 0) >= 0 }
    })
}

/// Anonymous + shared memory of the cgroup less memgate's own.
fn others_memory(dir: &Path, version: CgroupVersion, self_memory: u64) -> Option<u64> {
    let text = fs::read(dir.join("memory.stat")).ok()?;
    let stat = parse_memory_stat(version, &text)?;
    Some(stat.counted.saturating_sub(self_memory))
}

/// A named base: in the same hierarchy as memgate's, writable, and (v2) able to give `memory`
/// to its children.
fn check_named(origin: &str, path: &Path, home: &CgroupHome) -> Named {
    let dir = if path.starts_with(&home.mount) {
        path.to_path_buf()
    } else {
        home.mount.join(path.strip_prefix("/").unwrap_or(path))
    };
    let problem = named_problem(&dir, home);
    Named {
        origin: origin.to_string(),
        dir,
        problem,
    }
}

fn named_problem(dir: &Path, home: &CgroupHome) -> Option<String> {
    if !dir.is_dir() {
        return Some(format!(
            "no such cgroup (paths are under {})",
            home.mount.display()
        ));
    }
    match access(dir) {
        Access::Writable => {}
        Access::ReadOnly(reason) => return Some(format!("it is {reason}")),
        Access::Unreadable => return Some("it is not readable".into()),
    }
    if home.version == CgroupVersion::V2 {
        let facts = cgroup_facts(dir, home, std::process::id(), false);
        if !facts.memory_offered {
            return Some(
                "its parent does not offer the memory controller (cgroup.controllers)".into(),
            );
        }
        if !facts.memory_for_children && facts.other_processes > 0 {
            return Some(format!(
                "it holds {} process(es), so memory cannot be enabled for its children",
                facts.other_processes
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2_MOUNT: &str = "25 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";

    fn inputs(root: &Path, cgroup: &str) -> Inputs {
        Inputs {
            fs_root: root.to_path_buf(),
            cgroups: format!("0::{cgroup}\n"),
            mountinfo: V2_MOUNT.into(),
            pid: 100,
            root_user: true,
            named: None,
            manager: None,
            self_memory: 10 << 20,
        }
    }

    fn cgroup(root: &Path, path: &str, procs: &str, subtree: &str) -> PathBuf {
        let dir = root.join("sys/fs/cgroup").join(path);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("cgroup.controllers"), "cpu memory pids\n").unwrap();
        fs::write(dir.join("cgroup.subtree_control"), subtree).unwrap();
        fs::write(dir.join("cgroup.procs"), procs).unwrap();
        fs::write(
            dir.join("memory.stat"),
            "anon 31457280\nfile 0\nkernel 0\nshmem 0\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn the_chain_runs_from_memgates_cgroup_to_the_top() {
        let root = tempfile::tempdir().unwrap();
        cgroup(root.path(), "", "1\n2\n", "memory\n");
        cgroup(root.path(), "system.slice", "", "memory\n");
        let home = cgroup(root.path(), "system.slice/job.service", "100\n77\n", "");
        fs::create_dir_all(root.path().join("run/systemd/system")).unwrap();
        let (found, facts) = gather(&inputs(root.path(), "/system.slice/job.service"));
        assert_eq!(found.unwrap().dir, home);
        assert!(facts.systemd_host);
        let names: Vec<_> = facts.chain.iter().map(|c| c.dir.clone()).collect();
        assert_eq!(
            names,
            [
                home.clone(),
                home.parent().unwrap().to_path_buf(),
                root.path().join("sys/fs/cgroup")
            ]
        );
        let (job, top) = (&facts.chain[0], &facts.chain[2]);
        assert_eq!((job.other_processes, job.systemd_unit), (1, true));
        assert!(!job.delegated && !job.memory_for_children && !job.is_root);
        assert_eq!(job.others_memory, Some(20 << 20));
        assert!(top.is_root && top.memory_for_children && !top.systemd_unit);
        assert_eq!(job.access, Access::Writable);
    }

    #[test]
    fn a_named_base_is_checked() {
        let root = tempfile::tempdir().unwrap();
        cgroup(root.path(), "", "1\n", "memory\n");
        cgroup(root.path(), "memgate", "", "");
        cgroup(root.path(), "busy", "55\n", "");
        let mut input = inputs(root.path(), "/");
        let full = root.path().join("sys/fs/cgroup/memgate");
        for (path, problem) in [
            (PathBuf::from("/memgate"), None),
            (full, None),
            (PathBuf::from("/missing"), Some("no such cgroup")),
            (PathBuf::from("/busy"), Some("holds 1 process(es)")),
        ] {
            input.named = Some(("MEMGATE_CGROUP".into(), path.clone()));
            let named = gather(&input).1.named.unwrap();
            match problem {
                None => {
                    assert_eq!(named.problem, None, "{path:?}");
                    assert!(named.dir.ends_with("sys/fs/cgroup/memgate"), "{path:?}");
                }
                Some(text) => assert!(named.problem.unwrap().contains(text), "{path:?}"),
            }
        }
    }

    #[test]
    fn no_hierarchy_no_chain() {
        let root = tempfile::tempdir().unwrap();
        let (home, facts) = gather(&inputs(root.path(), "/"));
        assert_eq!(home, None);
        assert!(facts.chain.is_empty());
    }
}
