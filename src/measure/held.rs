//! The memory cgroup of this memgate process: acquired once, at the first measured run, kept in
//! a process-wide holder, and released by [`release`] at the end of every command, whether the
//! runs succeeded, failed, timed out or were interrupted. Runs only make and remove their leaf.
//!
//! What acquiring changed (a leaf memgate moved into, a controller it enabled, a cgroup it made)
//! is kept as undo steps, replayed in reverse. Leaves of a memgate that died without releasing
//! (SIGKILL) are removed at the next acquisition: their names carry the dead PID.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::acquire::{self, Choice, Facts, NamedUnusable};
use super::acquire_facts::{self, Inputs};
use super::cgroup::{CgroupHome, CgroupVersion, remove_cgroup_dir, write_file};
use super::systemd;
use crate::results::CgroupSource;

/// Where a run's memory is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// Make a leaf per run under this cgroup.
    Leaves(CgroupHome),
    /// Read this cgroup as a meter (`cgroup-shared`).
    Shared(CgroupHome),
    /// Sample; why.
    None(String),
}

/// What a run gets from the holder.
#[derive(Debug, Clone)]
pub struct ForRun {
    pub base: Base,
    /// The one-line note about the way taken, for the first run of the process only.
    pub first_note: Option<String>,
}

#[derive(Debug)]
enum Undo {
    RemoveDir(PathBuf),
    MoveBack(PathBuf),
    DisableMemory(PathBuf),
}

#[derive(Debug)]
struct Held {
    source: CgroupSource,
    base: Base,
    note: Option<String>,
    undo: Vec<Undo>,
}

static HELD: Mutex<Option<Held>> = Mutex::new(None);

/// The base for a run: acquired at the first call, the same afterwards. `named` is the config's
/// `cgroup:` (`MEMGATE_CGROUP` wins over it).
pub fn for_run(named: Option<&Path>) -> Result<ForRun, NamedUnusable> {
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    if held.is_none() {
        *held = Some(acquire(named)?);
    }
    let held = held.as_mut().expect("acquired above");
    Ok(ForRun {
        base: held.base.clone(),
        first_note: held.note.take(),
    })
}

/// How this process got its cgroup, once it tried.
pub fn source() -> Option<CgroupSource> {
    let held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    held.as_ref().map(|h| h.source)
}

/// Puts everything back as it was before acquisition: memgate in its original cgroup, no cgroup
/// of memgate's left. Call when no run is in progress. A later run acquires afresh.
pub fn release() {
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(held) = held.take() {
        undo(held.undo);
    }
}

fn undo(steps: Vec<Undo>) {
    for step in steps.into_iter().rev() {
        let _ = match step {
            Undo::RemoveDir(dir) => remove_cgroup_dir(&dir),
            Undo::MoveBack(dir) => write_file(&dir.join("cgroup.procs"), "0"),
            Undo::DisableMemory(dir) => write_file(&dir.join("cgroup.subtree_control"), "-memory"),
        };
    }
}

fn acquire(named: Option<&Path>) -> Result<Held, NamedUnusable> {
    let (mut home, mut facts) = acquire_facts::gather(&inputs(named));
    remove_stale(&facts);
    let (mut scope, mut scope_failed) = (None, None);
    loop {
        let choice = acquire::decide(&facts)?;
        let found = match (&choice, &home) {
            (Choice::None { .. }, _) | (_, None) => return Ok(fallen_back(choice, scope_failed)),
            (_, Some(found)) => found.clone(),
        };
        if let Choice::Systemd(manager) = choice {
            match systemd::start_scope(manager) {
                Ok(unit) => {
                    scope = Some(manager);
                    let mut inside = inputs(named);
                    inside.manager = None;
                    (home, facts) = acquire_facts::gather(&inside);
                    // Delegated by our own request, whether or not this systemd marks it (the
                    // `user.delegate` attribute came with systemd 251; GitHub's 22.04 has 249).
                    if let Some(scope_dir) = facts.chain.first_mut() {
                        scope_dir.delegated |= scope_dir.dir.ends_with(&unit);
                    }
                }
                Err(err) => {
                    facts.manager = None;
                    scope_failed = Some(format!("systemd gave no scope: {err}"));
                }
            }
            continue;
        }
        match carry_out(&choice, &found) {
            Ok((source, base, undo)) => {
                let source = match (scope, source) {
                    (Some(manager), CgroupSource::Own) => manager.source(),
                    _ => source,
                };
                return Ok(Held {
                    source,
                    note: note(source, &base),
                    base,
                    undo,
                });
            }
            Err(Failure::Own(why)) => facts.own_failed = Some(why),
            Err(Failure::Created(why)) => facts.created_failed = Some(why),
        }
    }
}

/// Sampling, and the one line that says why (with what systemd said, when it was asked).
fn fallen_back(choice: Choice, scope_failed: Option<String>) -> Held {
    let (why, exact) = match choice {
        Choice::None { why, exact } => (why, exact),
        other => (
            format!("no memory cgroup hierarchy for {other:?}"),
            String::new(),
        ),
    };
    let why = match scope_failed {
        Some(scope) => format!("{why}; {scope}"),
        None => why,
    };
    Held {
        source: CgroupSource::None,
        note: Some(format!(
            "sampled: no memory cgroup here ({why}); exact with: {exact}"
        )),
        base: Base::None(why),
        undo: Vec::new(),
    }
}

/// The one line the first run's notes show about the way taken, when it is not the plain "own"
/// cgroup.
fn note(source: CgroupSource, base: &Base) -> Option<String> {
    match (source, base) {
        (CgroupSource::Own, _) | (_, Base::None(_)) => None,
        (_, Base::Shared(home)) => Some(format!(
            "cgroup-shared: {} is read-only; its memory is read as a meter of the run, what was there before the run taken off",
            home.dir.display()
        )),
        (other, Base::Leaves(home)) => {
            Some(format!("memory cgroup: {other} ({})", home.dir.display()))
        }
    }
}

enum Failure {
    Own(String),
    Created(String),
}

type Carried = (CgroupSource, Base, Vec<Undo>);

fn carry_out(choice: &Choice, home: &CgroupHome) -> Result<Carried, Failure> {
    let version = home.version;
    let at = |dir: &Path| CgroupHome {
        version,
        dir: dir.to_path_buf(),
        mount: home.mount.clone(),
    };
    match choice {
        Choice::Admin { dir } => {
            let mut undo = Vec::new();
            // The base was checked; enabling memory for its children is the one change.
            let _ = enable_memory(dir, version, &mut undo);
            Ok((CgroupSource::Admin, Base::Leaves(at(dir)), undo))
        }
        Choice::Own { dir, self_leaf } => {
            let mut undo = Vec::new();
            let made = if *self_leaf {
                move_into_own_leaf(dir, dir, &mut undo)
            } else {
                Ok(())
            };
            made.map_err(|err| {
                undo_now(&mut undo);
                Failure::Own(format!("{}: {err}", dir.display()))
            })?;
            Ok((CgroupSource::Own, Base::Leaves(at(dir)), undo))
        }
        Choice::Created { parent, self_leaf } => {
            let mut undo = Vec::new();
            let made = create_own(parent, &home.dir, *self_leaf, version, &mut undo);
            let dir = made.map_err(|err| {
                undo_now(&mut undo);
                Failure::Created(format!("{}: {err}", parent.display()))
            })?;
            Ok((CgroupSource::Created, Base::Leaves(at(&dir)), undo))
        }
        Choice::ReadOnlyShared { dir } => Ok((
            CgroupSource::ReadOnlyShared,
            Base::Shared(at(dir)),
            Vec::new(),
        )),
        Choice::Systemd(_) | Choice::None { .. } => {
            unreachable!("the caller handles {choice:?}")
        }
    }
}

fn undo_now(undo: &mut Vec<Undo>) {
    self::undo(std::mem::take(undo));
}

/// v2: memgate moves into `dir/memgate-self-PID` so that `dir` holds no process and can enable
/// `memory` for its children (the no-internal-process rule); `back` is where it returns.
fn move_into_own_leaf(dir: &Path, back: &Path, undo: &mut Vec<Undo>) -> std::io::Result<()> {
    let leaf = dir.join(format!("memgate-self-{}", std::process::id()));
    fs::create_dir(&leaf)?;
    undo.push(Undo::RemoveDir(leaf.clone()));
    write_file(&leaf.join("cgroup.procs"), "0")?;
    undo.push(Undo::MoveBack(back.to_path_buf()));
    enable_memory(dir, CgroupVersion::V2, undo)
}

/// `+memory` in `dir`'s subtree_control unless it is there already (then nothing to undo).
fn enable_memory(dir: &Path, version: CgroupVersion, undo: &mut Vec<Undo>) -> std::io::Result<()> {
    if version == CgroupVersion::V1 {
        return Ok(());
    }
    let subtree = dir.join("cgroup.subtree_control");
    let enabled = fs::read_to_string(&subtree)?;
    if enabled.split_whitespace().any(|c| c == "memory") {
        return Ok(());
    }
    write_file(&subtree, "+memory")?;
    undo.push(Undo::DisableMemory(dir.to_path_buf()));
    Ok(())
}

/// `parent/memgate-PID`, memory given to its children (on v2 with memgate in a leaf of its own
/// inside it, back to `home` on release).
fn create_own(
    parent: &Path,
    home: &Path,
    self_leaf: bool,
    version: CgroupVersion,
    undo: &mut Vec<Undo>,
) -> std::io::Result<PathBuf> {
    if version == CgroupVersion::V2 {
        // The hierarchy's root may hold processes and still give memory to children; it is left
        // enabled there (others may rely on it from now on).
        let mut kept = Vec::new();
        enable_memory(parent, version, &mut kept)?;
    }
    let dir = parent.join(format!("memgate-{}", std::process::id()));
    fs::create_dir(&dir)?;
    undo.push(Undo::RemoveDir(dir.clone()));
    if self_leaf {
        move_into_own_leaf(&dir, home, undo)?;
    }
    Ok(dir)
}

fn inputs(named: Option<&Path>) -> Inputs {
    let env_named = std::env::var_os("MEMGATE_CGROUP").filter(|v| !v.is_empty());
    let named = match (env_named, named) {
        (Some(path), _) => Some(("MEMGATE_CGROUP".to_string(), PathBuf::from(path))),
        (None, Some(path)) => Some(("memgate.yml `cgroup:`".to_string(), path.to_path_buf())),
        (None, None) => None,
    };
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    let root_user = unsafe { libc::geteuid() } == 0;
    Inputs {
        fs_root: PathBuf::from("/"),
        cgroups: fs::read_to_string("/proc/self/cgroup").unwrap_or_default(),
        mountinfo: fs::read_to_string("/proc/self/mountinfo").unwrap_or_default(),
        pid: std::process::id(),
        root_user,
        named,
        manager: systemd::manager(root_user),
        self_memory: self_memory(),
    }
}

/// memgate's own RssAnon + RssShmem, from /proc/self/status.
fn self_memory() -> u64 {
    let text = fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with("RssAnon:") || l.starts_with("RssShmem:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum::<u64>()
        * 1024
}

/// Removes what dead memgates left in the cgroups memgate may write (its own and the writable
/// ancestors); see [`stale_pid`].
fn remove_stale(facts: &Facts) {
    let named = facts.named.iter().map(|n| n.dir.clone());
    let chain = facts
        .chain
        .iter()
        .filter(|c| c.access == acquire::Access::Writable)
        .map(|c| c.dir.clone());
    for dir in named.chain(chain) {
        remove_stale_in(&dir);
    }
}

fn remove_stale_in(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // A dead memgate's scope is systemd's to collect, not ours.
        let scope = name.ends_with(".scope");
        if !scope && stale_pid(&name).is_some_and(|pid| !alive(pid)) && entry.path().is_dir() {
            remove_tree(&entry.path());
        }
    }
}

/// The PID in the name of a cgroup memgate makes: `memgate-self-PID`, `memgate-PID` or
/// `memgate-PID-N`.
pub fn stale_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("memgate-")?;
    let rest = rest.strip_prefix("self-").unwrap_or(rest);
    let pid = rest.split('-').next()?;
    pid.parse().ok().filter(|&p| p > 0)
}

fn alive(pid: u32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    let sent = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
    sent || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Removes a dead memgate's cgroup, children first. A cgroup that still holds a process stays
/// (rmdir refuses): a live memgate of another PID namespace may own it.
fn remove_tree(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&entry.path());
            }
        }
    }
    let _ = fs::remove_dir(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home(dir: &Path, version: CgroupVersion) -> CgroupHome {
        CgroupHome {
            version,
            dir: dir.to_path_buf(),
            mount: dir.to_path_buf(),
        }
    }

    #[test]
    fn a_failed_move_into_a_self_leaf_leaves_nothing() {
        // A fake tree: the new leaf has no cgroup.procs, so the move fails after the mkdir.
        let root = tempfile::tempdir().unwrap();
        let choice = Choice::Own {
            dir: root.path().to_path_buf(),
            self_leaf: true,
        };
        let failed = carry_out(&choice, &home(root.path(), CgroupVersion::V2));
        assert!(matches!(failed, Err(Failure::Own(_))));
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn what_created_and_admin_change_is_undone() {
        let root = tempfile::tempdir().unwrap();
        let choice = Choice::Created {
            parent: root.path().to_path_buf(),
            self_leaf: false,
        };
        let Ok((source, Base::Leaves(base), undo_steps)) =
            carry_out(&choice, &home(root.path(), CgroupVersion::V1))
        else {
            panic!("created failed")
        };
        assert_eq!(source, CgroupSource::Created);
        assert_eq!(
            base.dir,
            root.path().join(format!("memgate-{}", std::process::id()))
        );
        assert!(base.dir.is_dir());
        undo(undo_steps);
        assert!(!base.dir.exists());

        // v2 admin base without memory for its children: enabled, and disabled again at the end.
        let subtree = root.path().join("cgroup.subtree_control");
        fs::write(&subtree, "").unwrap();
        let admin = Choice::Admin {
            dir: root.path().to_path_buf(),
        };
        let Ok((_, _, undo_steps)) = carry_out(&admin, &home(root.path(), CgroupVersion::V2))
        else {
            panic!("admin failed")
        };
        assert_eq!(fs::read_to_string(&subtree).unwrap(), "+memory");
        undo(undo_steps);
        assert_eq!(fs::read_to_string(&subtree).unwrap(), "-memory");
    }

    #[test]
    fn stale_names_carry_the_pid() {
        assert_eq!(stale_pid("memgate-self-42"), Some(42));
        assert_eq!(stale_pid("memgate-42"), Some(42));
        assert_eq!(stale_pid("memgate-42-7"), Some(42));
        assert_eq!(stale_pid("memgate-x-1"), None);
        assert_eq!(stale_pid("other-42"), None);
        assert_eq!(stale_pid("memgate-0"), None);
    }

    #[test]
    fn only_dead_memgates_leaves_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let me = std::process::id();
        // A PID above pid_max is never alive.
        let dead = 4_194_304 + 7;
        for name in [
            format!("memgate-self-{dead}"),
            format!("memgate-{dead}/memgate-{dead}-0"),
            format!("memgate-{me}-0"),
            format!("memgate-{dead}-1.scope"),
            "unrelated".to_string(),
        ] {
            fs::create_dir_all(root.path().join(name)).unwrap();
        }
        remove_stale_in(root.path());
        let mut left: Vec<String> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected = vec![
            format!("memgate-{dead}-1.scope"),
            format!("memgate-{me}-0"),
            "unrelated".to_string(),
        ];
        expected.sort();
        assert_eq!(left, expected);
    }
}
