//! The children memgate waits for outside a measured run: `setup:` steps and git.
//!
//! Each runs in a session (so a process group) of its own without a terminal, with stdin closed,
//! no token in its environment and a parent-death signal (Linux), so that a killed memgate does
//! not leave it running. Its output goes
//! to unnamed temporary files, not pipes: a background process that a step leaves running (a
//! database server started by `setup:`) would hold a pipe open and hang the wait. memgate polls it
//! against a deadline and against a terminating signal received by memgate
//! ([`interrupt::stop_signal`], whichever signals are handled); either kills the group and every
//! descendant of memgate.

use std::fs::File;
use std::io::{self, Read, Seek};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::measure::{interrupt, spawn};

/// How often the wait looks at the child, the deadline and the signal flag.
const POLL: Duration = Duration::from_millis(10);

/// What a child that ran to its end gave.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why a child gave no [`Output`].
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    #[error("could not start: {0}")]
    Start(io::Error),
    /// memgate received this terminating signal; the child was killed (or never started).
    #[error("interrupted by signal {0}")]
    Interrupted(i32),
    #[error("timed out after {}", humantime::format_duration(*.0))]
    TimedOut(Duration),
}

/// Whether a terminating signal received by memgate kills the child. Cleanup (removing the base's
/// worktree) must run to its end after memgate was told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnSignal {
    Kill,
    Finish,
}

/// Runs `command` to its end, or until `timeout` or (with [`OnSignal::Kill`]) a terminating
/// signal, which kill its whole tree.
pub fn run(
    mut command: Command,
    timeout: Duration,
    on_signal: OnSignal,
) -> Result<Output, ChildError> {
    let stop = || match on_signal {
        OnSignal::Kill => interrupt::stop_signal(),
        OnSignal::Finish => None,
    };
    if let Some(signal) = stop() {
        return Err(ChildError::Interrupted(signal));
    }
    let (stdout, stderr) = (temp_file()?, temp_file()?);
    spawn::hide_tokens(&mut command);
    command
        .stdin(Stdio::null())
        .stdout(stdout.try_clone().map_err(ChildError::Start)?)
        .stderr(stderr.try_clone().map_err(ChildError::Start)?);
    isolate(&mut command);
    let mut child = command.spawn().map_err(ChildError::Start)?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(ChildError::Start)? {
            break status;
        }
        let ended = match stop() {
            Some(signal) => Some(ChildError::Interrupted(signal)),
            None if Instant::now() >= deadline => Some(ChildError::TimedOut(timeout)),
            None => None,
        };
        if let Some(err) = ended {
            kill_group(child.id());
            let _ = child.wait();
            return Err(err);
        }
        std::thread::sleep(POLL);
    };
    Ok(Output {
        status,
        stdout: read_back(stdout),
        stderr: read_back(stderr),
    })
}

/// An unnamed file in the temporary folder (removed as soon as it is closed).
fn temp_file() -> Result<File, ChildError> {
    tempfile::tempfile().map_err(ChildError::Start)
}

fn read_back(mut file: File) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = file.rewind().and_then(|()| file.read_to_end(&mut bytes));
    bytes
}

/// Kills the child's process group, then every descendant of memgate (a process that left the
/// group with `setsid` is still one). While a setup step or git runs, memgate has no other child.
fn kill_group(pid: u32) {
    // SAFETY: kill(2) on the process group this child leads (its session's, from `isolate`).
    unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
    spawn::kill_tree(None);
}

/// In the child, before `exec`: a session of its own, so a process group of its own that one kill
/// reaches whole, and no controlling terminal (a password prompt of ssh or sudo fails at once
/// instead of stopping the step in the background); and, on Linux, SIGKILL when memgate dies,
/// however it dies (even by SIGKILL, when no cleanup of memgate's runs). The parent-death signal
/// is kept across `exec`, not inherited by the child's own children: the session and the
/// descendant walk catch those while memgate lives.
fn isolate(command: &mut Command) {
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    crate::measure::spawn::die_with_parent(command);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn output_and_status_come_back_even_with_a_background_process_left() {
        // `sleep` keeps the step's stdout open after the step ends: a pipe would hang here.
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!(
            "echo out; echo err >&2; sleep 600 & echo $! > {}; exit 3",
            pid_file.display()
        );
        let out = run(sh(&script), Duration::from_secs(600), OnSignal::Kill).unwrap();
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // SAFETY: kill(2) on the sleep this test started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn a_timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!("sleep 60 & echo $! > {}; wait", pid_file.display());
        let err = run(sh(&script), Duration::from_millis(300), OnSignal::Kill).unwrap_err();
        assert!(matches!(err, ChildError::TimedOut(_)), "{err}");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // The sleep was reparented and reaped, or is a zombie: not running.
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let running = state
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with(['Z', 'X']));
        assert!(!running, "the step's child survived its timeout: {state}");
    }

    #[test]
    fn a_command_that_cannot_start_says_so() {
        let err = run(
            Command::new("/no/such/program"),
            Duration::from_secs(1),
            OnSignal::Kill,
        )
        .unwrap_err();
        assert!(matches!(err, ChildError::Start(_)), "{err}");
    }
}
