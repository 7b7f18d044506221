//! Ctrl-C, SIGTERM and SIGHUP: recorded in a flag that the run's watchdog polls, so that memgate
//! ends the whole tree, removes its cgroup and reports, instead of dying with children left
//! running. SIGHUP is the terminal closing or an SSH session dropping: the same request to stop
//! (unless memgate was started ignoring it, as `nohup` does).
//!
//! Code that runs other children (setup steps, git) asks [`requested`] between steps, and runs
//! each child through [`output_bounded`], which ends it at a timeout or when a signal comes.

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The signals that ask memgate to stop.
pub const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The last terminating signal received, or 0.
static RECEIVED: AtomicI32 = AtomicI32::new(0);
static INSTALL: Once = Once::new();

/// Installs the handlers once per process. signal-hook's iterator runs on its own thread, so no
/// code runs inside a signal handler.
pub fn install() {
    INSTALL.call_once(|| {
        let signals = signal_hook::iterator::Signals::new(to_catch());
        if let Ok(mut signals) = signals {
            std::thread::Builder::new()
                .name("memgate-signals".into())
                .spawn(move || {
                    for signal in signals.forever() {
                        RECEIVED.store(signal, Ordering::SeqCst);
                    }
                })
                .ok();
        }
    });
}

/// [`SIGNALS`] but those memgate was started ignoring: `nohup memgate …` ignores SIGHUP, a
/// script's `memgate … &` SIGINT, and memgate keeps that wish, as shells and most tools do.
fn to_catch() -> Vec<libc::c_int> {
    SIGNALS
        .into_iter()
        .filter(|&signal| {
            // SAFETY: sigaction(2) with a null new action only reads the current one.
            unsafe {
                let mut current: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signal, std::ptr::null(), &mut current) != 0
                    || current.sa_sigaction != libc::SIG_IGN
            }
        })
        .collect()
}

/// The signal that asked memgate to stop, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Whether memgate was asked to stop: the check to make between two steps of any work (and the
/// end of that work with exit 2 when it was).
pub fn requested() -> Option<i32> {
    received()
}

/// Why [`output_bounded`] gave no output.
#[derive(Debug, thiserror::Error)]
pub enum Stopped {
    #[error("could not start it: {0}")]
    Start(io::Error),
    #[error("it was still running after {}; it was stopped", crate::units::format_duration(*.0))]
    TimedOut(Duration),
    #[error("memgate was interrupted (signal {0}); it was stopped")]
    Interrupted(i32),
}

/// Runs `command` as [`Command::output`] does (stdin closed, stdout and stderr captured), but
/// ends it, with everything it started, after `timeout` or as soon as memgate receives SIGINT,
/// SIGTERM or SIGHUP ([`install`] must have been called for those). The child leads a process
/// group of its own, which is what is killed; it also dies with memgate (see
/// [`super::spawn::die_with_parent`]).
pub fn output_bounded(command: &mut Command, timeout: Duration) -> Result<Output, Stopped> {
    let deadline = Instant::now() + timeout;
    output_until(command, || {
        if let Some(signal) = received() {
            Some(Stopped::Interrupted(signal))
        } else if Instant::now() >= deadline {
            Some(Stopped::TimedOut(timeout))
        } else {
            None
        }
    })
}

/// [`output_bounded`] with the reason to stop asked of `stop` every 20 ms, until the child has
/// exited and its output ended (a process it left running may hold its pipes: that is waited for
/// too, and stopped the same way).
fn output_until(
    command: &mut Command,
    mut stop: impl FnMut() -> Option<Stopped>,
) -> Result<Output, Stopped> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    super::spawn::die_with_parent(command);
    let mut child = command.spawn().map_err(Stopped::Start)?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let mut exited = None;
    loop {
        if exited.is_none() {
            match child.try_wait() {
                Ok(status) => exited = status,
                Err(err) => return Err(end(&mut child, Stopped::Start(err))),
            }
        }
        if let Some(status) = exited
            && stdout.is_finished()
            && stderr.is_finished()
        {
            return Ok(Output {
                status,
                stdout: stdout.join().unwrap_or_default(),
                stderr: stderr.join().unwrap_or_default(),
            });
        }
        if let Some(reason) = stop() {
            return Err(end(&mut child, reason));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills the child's process group (the group lives on, and keeps its id, while any member does)
/// and reaps the child; its readers are left to end with the pipes (a process that left the group
/// may still hold them, and is not waited for).
fn end(child: &mut Child, reason: Stopped) -> Stopped {
    // SAFETY: kill(2) on the process group the child leads (its pid, negated).
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
    let _ = child.kill();
    let _ = child.wait();
    reason
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    /// Run under `nohup`, memgate must not stop at SIGHUP.
    #[test]
    fn a_signal_ignored_at_start_stays_ignored() {
        // SAFETY: sigaction(2) on SIGHUP, the action as it was set back at once (nothing sends
        // SIGHUP to the tests).
        let (ignored, default) = unsafe {
            let mut before: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut before);
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            let ignored = to_catch();
            libc::signal(libc::SIGHUP, libc::SIG_DFL);
            let default = to_catch();
            libc::sigaction(libc::SIGHUP, &before, std::ptr::null_mut());
            (ignored, default)
        };
        assert!(!ignored.contains(&libc::SIGHUP), "{ignored:?}");
        assert!(default.contains(&libc::SIGHUP), "{default:?}");
    }

    #[test]
    fn output_is_captured_as_command_output_captures_it() {
        let output = output_bounded(
            &mut sh("echo out; echo err >&2; exit 3"),
            Duration::from_secs(60),
        )
        .unwrap();
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"err\n");
        assert_eq!(output.status.code(), Some(3));
    }

    /// Runs `script` (`PIDS` in it: a file to write pids to, one a line) until it has written
    /// them, then stops it; returns how it ended and the pids still running after the stop.
    fn stopped_once_pids_are_written(script: &str) -> (Result<Output, Stopped>, Vec<u32>) {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let script = script.replace("PIDS", &pids.display().to_string());
        let result = output_until(&mut sh(&script), || {
            pids.exists().then_some(Stopped::Interrupted(libc::SIGTERM))
        });
        let left = std::fs::read_to_string(&pids)
            .unwrap()
            .lines()
            .map(|pid| pid.trim().parse().unwrap())
            .filter(|&pid| !crate::testing::ends_soon(pid))
            .collect();
        (result, left)
    }

    #[test]
    fn a_stop_ends_the_child_and_what_it_started() {
        // The shell starts a grandchild in the background and waits: both must end.
        let script = "sleep 60 & echo $! > PIDS.tmp; echo $$ >> PIDS.tmp; mv PIDS.tmp PIDS; wait";
        let (result, left) = stopped_once_pids_are_written(script);
        assert!(matches!(result, Err(Stopped::Interrupted(libc::SIGTERM))));
        assert!(left.is_empty(), "still running: {left:?}");
    }

    /// A setup step that starts a server in the background and exits: the server holds the
    /// step's output open, and is stopped with the rest.
    #[test]
    fn what_the_child_left_holding_its_output_is_stopped_too() {
        let script = "sleep 60 & echo $! > PIDS.tmp; mv PIDS.tmp PIDS";
        let (result, left) = stopped_once_pids_are_written(script);
        assert!(matches!(result, Err(Stopped::Interrupted(_))), "{result:?}");
        assert!(left.is_empty(), "still running: {left:?}");
    }

    #[test]
    fn a_timeout_is_named_with_its_duration() {
        let result = output_bounded(&mut sh("sleep 60"), Duration::from_millis(50));
        let err = result.unwrap_err();
        assert!(matches!(err, Stopped::TimedOut(_)));
        assert!(err.to_string().contains("still running after"), "{err}");
    }
}
