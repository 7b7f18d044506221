//! What results learn from the world they are made in: the machine (`sysinfo`) and the time. The
//! only impure part of the result types, kept here so that the rest stays plain data.

use super::{Environment, Method};

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
            git_sha: None,
            git_ref: None,
        }
    }
}

/// Now, as results store it in `created_at`: RFC 3339 to the second, UTC.
pub fn timestamp() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
