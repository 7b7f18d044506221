//! Which way memgate gets a memory cgroup, once per process: a pure decision from [`Facts`]
//! gathered at the edge (`acquire_facts`), carried out by `held`. The order and its reasons are
//! in docs/accuracy.md ("How memgate gets its cgroup"):
//!
//! 1. `admin`: a base cgroup someone prepared and named (`MEMGATE_CGROUP`, config `cgroup:`);
//!    named but unusable is an error, never a silent fallback.
//! 2. `own`: memgate's own cgroup when it may make cgroups there: writable, not a systemd unit
//!    that was not delegated to it (systemd's rule), and on v2 holding no other process (memgate
//!    moves itself into a leaf of its own once, so that `memory` can be enabled for children).
//!    v1 has no rule against processes beside child cgroups, so there "own" needs no move.
//! 3. systemd: a delegated transient scope from the service manager (the user's, or the
//!    system's as root); inside it memgate is alone, and carries on as in 2.
//! 4. `created`: as root on a host without systemd, a cgroup of memgate's own under the nearest
//!    writable ancestor that offers `memory` to its children (usually the hierarchy's root).
//! 5. `read-only-shared`: a cgroup memgate can read but not write, holding little besides
//!    memgate: read as a meter of the whole tree.
//! 6. `none`: sampling, with one line that says why and what would make it exact.

use std::path::PathBuf;

use super::cgroup::CgroupVersion;
use crate::results::CgroupSource;

/// Memory that other processes of a read-only cgroup may hold for it still to be read as a
/// meter of memgate's tree: their steady part is subtracted as a baseline, but what they do
/// during a run is counted, so they must be small. 64 MiB is 8× the 8 MiB tolerance floor: a
/// runner agent or a shell idles well below it; a second workload does not.
pub const SHARED_OTHERS_LIMIT: u64 = 64 << 20;

/// Whether memgate can write, or at least read, a cgroup directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Writable,
    /// Readable but not writable: why (read-only file system, permission denied).
    ReadOnly(String),
    Unreadable,
}

/// What memgate knows of one cgroup directory of its hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupFacts {
    pub dir: PathBuf,
    pub access: Access,
    /// Processes in it besides memgate itself.
    pub other_processes: usize,
    /// v2: `memory` is in `cgroup.controllers` (its parent offers it). Always true on v1.
    pub memory_offered: bool,
    /// v2: `memory` is in `cgroup.subtree_control` (its children get it). Always true on v1.
    pub memory_for_children: bool,
    /// The top of the hierarchy as memgate sees it (exempt from v2's no-internal-process rule).
    pub is_root: bool,
    /// Named like a systemd unit (`.service`, `.scope`, `.slice`) on a host that runs systemd.
    pub systemd_unit: bool,
    /// systemd marked it delegated (`trusted.delegate` / `user.delegate` extended attribute).
    pub delegated: bool,
    /// Anonymous + shared memory of everything else in it (its total less memgate's own).
    pub others_memory: Option<u64>,
}

impl CgroupFacts {
    /// systemd's rule: no cgroups made under a unit it manages unless delegated to us.
    fn systemd_forbids(&self) -> bool {
        self.systemd_unit && !self.delegated
    }
}

/// A systemd manager that can be asked for a delegated scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// The user's manager (`systemctl --user`), through `$DBUS_SESSION_BUS_ADDRESS` or
    /// `$XDG_RUNTIME_DIR/bus`.
    User,
    /// The system manager, as root.
    System,
}

impl Manager {
    pub fn source(self) -> CgroupSource {
        match self {
            Self::User => CgroupSource::SystemdUserScope,
            Self::System => CgroupSource::SystemdSystemScope,
        }
    }
}

/// A base cgroup that was named, and what is wrong with it, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Where the name came from: `MEMGATE_CGROUP` or the config's `cgroup:`.
    pub origin: String,
    pub dir: PathBuf,
    pub problem: Option<String>,
}

/// Everything the decision needs, gathered once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub version: CgroupVersion,
    pub root_user: bool,
    /// systemd runs the host (`/run/systemd/system` exists).
    pub systemd_host: bool,
    pub named: Option<Named>,
    /// memgate's own cgroup first, then each ancestor up to the top of the hierarchy.
    pub chain: Vec<CgroupFacts>,
    /// A manager to ask for a scope (none tried yet, or the last attempt failed).
    pub manager: Option<Manager>,
    /// Why "own" failed when it was tried (it is then not chosen again).
    pub own_failed: Option<String>,
    /// Why "created" failed when it was tried.
    pub created_failed: Option<String>,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Leaves under the named base.
    Admin { dir: PathBuf },
    /// Leaves under memgate's own cgroup; on v2 memgate first moves into a leaf of its own.
    Own { dir: PathBuf, self_leaf: bool },
    /// Ask `manager` for a delegated scope, then decide again from inside it.
    Systemd(Manager),
    /// Make `memgate-PID` under `parent`; on v2 memgate moves into a leaf of its own inside it.
    Created { parent: PathBuf, self_leaf: bool },
    /// Read memgate's own cgroup as a meter.
    ReadOnlyShared { dir: PathBuf },
    /// Sample; `why` and what would make it `exact`, for the one-line note.
    None { why: String, exact: String },
}

/// A named base that cannot be used: memgate's error (exit 2), not a fallback.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin} names {dir}, which memgate cannot use: {problem}")]
pub struct NamedUnusable {
    pub origin: String,
    pub dir: String,
    pub problem: String,
}

/// The decision. Pure: tests call it with facts of fake hierarchies.
pub fn decide(facts: &Facts) -> Result<Choice, NamedUnusable> {
    if let Some(named) = &facts.named {
        return match &named.problem {
            None => Ok(Choice::Admin {
                dir: named.dir.clone(),
            }),
            Some(problem) => Err(NamedUnusable {
                origin: named.origin.clone(),
                dir: named.dir.display().to_string(),
                problem: problem.clone(),
            }),
        };
    }
    let Some(home) = facts.chain.first() else {
        return Ok(none(
            "no memory controller in /proc/self/cgroup".into(),
            EXACT_ADMIN,
        ));
    };
    let v2 = facts.version == CgroupVersion::V2;
    if facts.own_failed.is_none() && own_allowed(home, v2) {
        return Ok(Choice::Own {
            dir: home.dir.clone(),
            self_leaf: v2,
        });
    }
    if let (true, true, Some(manager)) = (v2, facts.systemd_host, facts.manager) {
        return Ok(Choice::Systemd(manager));
    }
    if facts.root_user && !facts.systemd_host && facts.created_failed.is_none() {
        let parent = facts.chain.iter().find(|c| {
            c.access == Access::Writable
                && c.memory_offered
                && (!v2 || c.is_root || c.memory_for_children)
        });
        if let Some(parent) = parent {
            return Ok(Choice::Created {
                parent: parent.dir.clone(),
                self_leaf: v2,
            });
        }
    }
    if let Access::ReadOnly(_) = home.access {
        if home
            .others_memory
            .is_some_and(|others| others < SHARED_OTHERS_LIMIT)
        {
            return Ok(Choice::ReadOnlyShared {
                dir: home.dir.clone(),
            });
        }
    }
    Ok(fallback(facts, home))
}

/// memgate may make its leaves in its own cgroup.
fn own_allowed(home: &CgroupFacts, v2: bool) -> bool {
    home.access == Access::Writable
        && home.memory_offered
        && !home.systemd_forbids()
        && (!v2 || home.other_processes == 0)
}

const EXACT_ADMIN: &str = "MEMGATE_CGROUP=<a cgroup prepared for memgate>";
const EXACT_SCOPE: &str = "systemd-run --user --scope -p Delegate=yes memgate …";
const EXACT_CONTAINER: &str = "docker run --cgroupns=private with a writable /sys/fs/cgroup, or MEMGATE_CGROUP=<a writable cgroup>";

fn none(why: String, exact: &str) -> Choice {
    Choice::None {
        why,
        exact: exact.to_string(),
    }
}

/// Why no way worked, and the likeliest fix for this kind of place.
fn fallback(facts: &Facts, home: &CgroupFacts) -> Choice {
    let dir = home.dir.display();
    if let Some(failed) = facts.created_failed.as_ref().or(facts.own_failed.as_ref()) {
        return none(failed.clone(), EXACT_ADMIN);
    }
    match &home.access {
        Access::ReadOnly(reason) => {
            let others = home
                .others_memory
                .map_or("unknown".to_string(), |b| format!("{} MiB", b >> 20));
            return none(
                format!(
                    "{dir} is {reason}, and others in it hold {others} (more than {} MiB to read it as a meter)",
                    SHARED_OTHERS_LIMIT >> 20
                ),
                if facts.systemd_host {
                    EXACT_SCOPE
                } else {
                    EXACT_CONTAINER
                },
            );
        }
        Access::Unreadable => return none(format!("{dir} is not readable"), EXACT_ADMIN),
        Access::Writable => {}
    }
    if !home.memory_offered {
        return none(
            format!("{dir} is not offered the memory controller"),
            EXACT_ADMIN,
        );
    }
    let exact = if facts.systemd_host {
        EXACT_SCOPE
    } else {
        EXACT_ADMIN
    };
    if home.systemd_forbids() {
        return none(
            format!(
                "{dir} is a systemd unit not delegated to memgate, and no systemd manager answered"
            ),
            exact,
        );
    }
    none(
        format!(
            "{dir} holds {} other process(es), and memgate may not make a cgroup elsewhere",
            home.other_processes
        ),
        exact,
    )
}

#[cfg(test)]
#[path = "acquire_tests.rs"]
mod tests;
