//! Ctrl-C, SIGTERM and SIGHUP: recorded in a flag that the run's watchdog polls, so that memgate
//! ends the whole tree, removes its cgroup and reports, instead of dying with children left
//! running. SIGHUP is the terminal closing or an SSH session dropping: the same request to stop
//! (unless memgate was started ignoring it, as `nohup` does).
//!
//! Code that runs other children (setup steps, git: `suite/child.rs`) asks [`stop_signal`]
//! between steps and while it waits, and ends the child when a signal has come.

use std::sync::Once;
use std::sync::atomic::{AtomicI32, Ordering};

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

/// A terminating signal as the handler itself saw it, at delivery (0: none).
static DELIVERED: AtomicI32 = AtomicI32::new(0);
static RECORD: Once = Once::new();

/// [`install`], and for every terminating signal it handles (whichever those are), a second
/// action that records the signal in the handler itself. [`received`] sees a signal once the
/// signal thread has run, which on a busy machine can be after a short run ended and the next
/// began; [`stop_signal`] sees it as soon as it is delivered, so that the suite's checks between
/// runs and at the end do not miss it.
pub fn install_recording() {
    install();
    RECORD.call_once(|| {
        for signal in [libc::SIGHUP, libc::SIGINT, libc::SIGQUIT, libc::SIGTERM] {
            if !handled(signal) {
                continue;
            }
            // SAFETY: the action is one atomic store, which is async-signal-safe.
            let _ = unsafe {
                signal_hook::low_level::register(signal, move || {
                    DELIVERED.store(signal, Ordering::SeqCst);
                })
            };
        }
    });
}

/// Whether `signal` has a handler (not the default action, not ignored).
fn handled(signal: libc::c_int) -> bool {
    // SAFETY: an all-zero sigaction is a valid value to be overwritten.
    let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: with a null new action, sigaction(2) only writes the current one into `current`.
    let read = unsafe { libc::sigaction(signal, std::ptr::null(), &mut current) } == 0;
    read && current.sa_sigaction != libc::SIG_DFL && current.sa_sigaction != libc::SIG_IGN
}

/// The terminating signal that asked memgate to stop, if any: as delivered (after
/// [`install_recording`]), else as the signal thread recorded it.
pub fn stop_signal() -> Option<i32> {
    match DELIVERED.load(Ordering::SeqCst) {
        0 => received(),
        signal => Some(signal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
