//! Ctrl-C and SIGTERM: recorded in a flag that the run's watchdog polls, so that memgate ends the
//! whole tree, removes its cgroup and reports, instead of dying with children left running.

use std::sync::Once;
use std::sync::atomic::{AtomicI32, Ordering};

/// The last terminating signal received, or 0.
static RECEIVED: AtomicI32 = AtomicI32::new(0);
static INSTALL: Once = Once::new();

/// Installs the handlers once per process. signal-hook's iterator runs on its own thread, so no
/// code runs inside a signal handler.
pub fn install() {
    INSTALL.call_once(|| {
        let signals = signal_hook::iterator::Signals::new([libc::SIGINT, libc::SIGTERM]);
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
