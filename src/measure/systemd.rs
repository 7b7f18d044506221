//! A delegated transient scope from systemd, holding memgate's own process: where systemd runs
//! the host, the only cgroup memgate may make children in without an administrator
//! (docs/accuracy.md, "How memgate gets its cgroup").
//!
//! How: `StartTransientUnit` on the manager's D-Bus API, sent by `busctl` (systemd's own D-Bus
//! client, present wherever systemd is). Why not the alternatives: a D-Bus crate (zbus) adds
//! some 60 crates and compile time for one call that busctl makes in a few milliseconds; and
//! re-executing memgate under `systemd-run --user --scope` would put a new process in the scope,
//! not this one: memgate's PID, its stdio and its signal handling would change under the caller.
//! The scope takes memgate's PID (`PIDs`), `Delegate=true` lets memgate make cgroups in it, and
//! `CollectMode=inactive-or-failed` has systemd remove it once memgate has exited.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::acquire::Manager;

/// How long to wait for the kernel to show memgate in the scope after systemd said yes.
const WAIT: Duration = Duration::from_secs(1);

/// The manager memgate may ask: the system's as root, else the user's when its bus is found.
pub fn manager(root_user: bool) -> Option<Manager> {
    if !Path::new("/run/systemd/system").is_dir() || !on_path("busctl") {
        return None;
    }
    if root_user {
        return Path::new("/run/dbus/system_bus_socket")
            .exists()
            .then_some(Manager::System);
    }
    let session = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty());
    let runtime =
        std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| Path::new(&dir).join("bus").exists());
    (session || runtime).then_some(Manager::User)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The unit's name: memgate's PID and a counter (one attempt per process, but a scope of a
/// memgate with the same PID may not be collected yet).
fn unit_name(pid: u32) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("memgate-{pid}-{nanos}.scope")
}

/// The `busctl call` arguments of `StartTransientUnit` for `unit` holding `pid`.
pub fn call_args(manager: Manager, unit: &str, pid: u32) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    if manager == Manager::User {
        args.push("--user".into());
    }
    let pid = pid.to_string();
    args.extend(
        [
            "call",
            "--quiet",
            "org.freedesktop.systemd1",
            "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager",
            "StartTransientUnit",
            "ssa(sv)a(sa(sv))",
            unit,
            "fail",
            "4",
            "PIDs",
            "au",
            "1",
            &pid,
            "Delegate",
            "b",
            "true",
            "CollectMode",
            "s",
            "inactive-or-failed",
            "Description",
            "s",
            "memgate measurements",
            "0",
        ]
        .map(String::from),
    );
    args
}

/// Asks `manager` for the scope and waits until `/proc/self/cgroup` shows memgate in it; the
/// scope's unit name.
pub fn start_scope(manager: Manager) -> Result<String, String> {
    let pid = std::process::id();
    let unit = unit_name(pid);
    let output = Command::new("busctl")
        .args(call_args(manager, &unit, pid))
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("busctl: {err}"))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(format!("busctl: {}", said.trim()));
    }
    let started = Instant::now();
    while started.elapsed() < WAIT {
        let cgroups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        if in_unit(&cgroups, &unit) {
            return Ok(unit);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(format!(
        "{unit} started, but memgate was not in it after 1 s"
    ))
}

/// Whether the unified hierarchy's line of `/proc/self/cgroup` ends in `unit`.
pub fn in_unit(cgroups: &str, unit: &str) -> bool {
    cgroups
        .lines()
        .filter_map(|line| line.strip_prefix("0::"))
        .any(|path| path.trim_end().ends_with(&format!("/{unit}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_names_pid_delegation_and_collection() {
        let args = call_args(Manager::User, "memgate-7-1.scope", 7);
        assert_eq!(args[0], "--user");
        let line = args.join(" ");
        assert!(line.contains("StartTransientUnit ssa(sv)a(sa(sv)) memgate-7-1.scope fail 4"));
        assert!(line.contains("PIDs au 1 7 Delegate b true"));
        assert!(line.contains("CollectMode s inactive-or-failed"));
        assert!(line.ends_with(" 0"));
        assert!(!call_args(Manager::System, "x.scope", 7).contains(&"--user".to_string()));
    }

    #[test]
    fn memgate_is_in_the_unit_when_its_v2_path_ends_there() {
        let cgroups =
            "0::/user.slice/user-1001.slice/user@1001.service/app.slice/memgate-7-1.scope\n";
        assert!(in_unit(cgroups, "memgate-7-1.scope"));
        assert!(!in_unit(cgroups, "memgate-7-2.scope"));
        assert!(!in_unit(
            "4:memory:/memgate-7-1.scope\n",
            "memgate-7-1.scope"
        ));
    }
}
