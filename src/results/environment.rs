//! What results learn from the world they are made in: the machine (`sysinfo`) and the time. The
//! only impure part of the result types, kept here so that the rest stays plain data.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Environment, Method};

/// How memgate got the memory cgroup its runs were measured in, once per process (see
/// docs/accuracy.md, "How memgate gets its cgroup"). Stored as `environment.cgroup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CgroupSource {
    /// memgate's own cgroup, writable and memgate's alone (or v1, where leaves may sit beside
    /// other processes).
    Own,
    /// A cgroup memgate made for itself (root, no systemd).
    Created,
    /// A base cgroup named by `MEMGATE_CGROUP` or the config's `cgroup:`.
    Admin,
    /// A delegated transient scope from the user's systemd manager.
    SystemdUserScope,
    /// A delegated transient scope from the system's systemd manager (as root).
    SystemdSystemScope,
    /// A read-only cgroup that holds little but memgate, read as a meter (`cgroup-shared`).
    ReadOnlyShared,
    /// No cgroup: runs were sampled.
    None,
}

impl fmt::Display for CgroupSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Own => "own",
            Self::Created => "created",
            Self::Admin => "admin",
            Self::SystemdUserScope => "systemd-user-scope",
            Self::SystemdSystemScope => "systemd-system-scope",
            Self::ReadOnlyShared => "read-only-shared",
            Self::None => "none",
        })
    }
}

impl Environment {
    /// The machine, from `sysinfo` on every platform, so that two results files say whether they
    /// were measured on comparable machines.
    pub fn detect(method: Method) -> Self {
        let mut system = sysinfo::System::new();
        system.refresh_memory();
        Self {
            os: std::env::consts::OS.to_string(),
            kernel: sysinfo::System::kernel_version().unwrap_or_default(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes: system.total_memory(),
            method,
            cgroup: None,
            git_sha: None,
            git_ref: None,
        }
    }
}

/// Now, as results store it in `created_at`: RFC 3339 to the second, UTC.
pub fn timestamp() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
