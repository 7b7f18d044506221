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
