//! One run of a benchmark's command as results store it, the method that measured it, and how
//! the command ended.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::phase::Phase;

/// The method a measurement used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    CgroupV1,
    CgroupV2,
    CgroupShared,
    Sampled,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CgroupV1 => "cgroup-v1",
            Self::CgroupV2 => "cgroup-v2",
            Self::CgroupShared => "cgroup-shared",
            Self::Sampled => "sampled",
        })
    }
}

/// The peak is only known to lie between two figures, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    pub lower_bytes: u64,
    pub upper_bytes: u64,
    pub reason: String,
}

/// One run's figures. Sizes in bytes; "counted" memory is anonymous + shared, what budgets count.
///
/// How the command ended is stored as the fields below (the schema of results.json);
/// [`RunResult::ending`] reads them as one [`Ending`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub peak_bytes: u64,
    /// Peak including file-backed pages (page cache, mapped files).
    pub peak_total_bytes: u64,
    pub file_peak_bytes: u64,
    /// Kernel memory (page tables, slab, sockets) charged to the run's cgroup at its highest;
    /// known only on the cgroup paths, and absent in older files. Never counted by budgets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_bytes: Option<u64>,
    pub steady_bytes: u64,
    pub growth_bytes_per_sec: f64,
    pub leak: bool,
    pub duration_secs: f64,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub oom_killed: bool,
    /// The signal (Ctrl-C, SIGTERM) that made memgate stop the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<i32>,
    pub processes: usize,
    pub samples: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
    /// Things the reader should know: why the method fell back, PSS reads, …
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "super::limits::notes"
    )]
    pub notes: Vec<String>,
    /// (seconds, counted bytes), at most `STORED_TIMELINE_POINTS` of them.
    #[serde(deserialize_with = "super::limits::timeline")]
    pub timeline: Vec<(f64, u64)>,
    /// The phases the command marked (`MEMGATE_PHASE_FD`), in time order; none when it marked
    /// none. Last, so that a run written as an array (which serde reads too) without it still
    /// reads.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "super::limits::phases"
    )]
    pub phases: Vec<Phase>,
    /// The tree by role at the sample with the highest counted total (absent in `@1` files, and
    /// where no process could be read). Last, so that a run written as an array (JSON's shortest
    /// form) reads as before; boxed, so that a run without one takes 8 bytes for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<Box<super::Breakdown>>,
}

impl RunResult {
    /// How the command ended. When several things happened, the one that explains the others
    /// wins: memgate's interruption, then the timeout, then the OOM killer (they all end in a
    /// signal), then the signal, then the exit code.
    pub fn ending(&self) -> Ending {
        if let Some(signal) = self.interrupted {
            return Ending::Interrupted(signal);
        }
        if self.timed_out {
            return Ending::TimedOut;
        }
        if self.oom_killed {
            return Ending::OomKilled;
        }
        match (self.exit_code, self.signal) {
            (_, Some(signal)) => Ending::Killed(signal),
            (Some(code), None) => Ending::Exited(code),
            (None, None) => Ending::Unknown,
        }
    }

    /// The command did what it should: exited with code 0, not killed, not timed out.
    pub fn succeeded(&self) -> bool {
        self.ending().succeeded()
    }
}

/// How a command ended. Its `Display` is the few words reports use ("exited with code 0",
/// "was killed by SIGKILL").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Exited by itself with this code.
    Exited(i32),
    /// Killed by this signal.
    Killed(i32),
    /// Killed by memgate at the benchmark's timeout.
    TimedOut,
    /// Killed by the kernel's OOM killer.
    OomKilled,
    /// Stopped by memgate because memgate received this signal (Ctrl-C, SIGTERM).
    Interrupted(i32),
    /// Neither an exit code nor a signal is known.
    Unknown,
}

impl Ending {
    /// Exit code 0 and nothing else: the only success.
    pub fn succeeded(self) -> bool {
        matches!(self, Self::Exited(0))
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Exited(code) => write!(f, "exited with code {code}"),
            Self::Killed(signal) => write!(f, "was killed by {}", SignalName(signal)),
            Self::TimedOut => f.write_str("timed out"),
            Self::OomKilled => f.write_str("was killed by the OOM killer"),
            Self::Interrupted(signal) => write!(f, "was interrupted by {}", SignalName(signal)),
            Self::Unknown => f.write_str("ended in an unknown way"),
        }
    }
}

/// `SIGKILL`, `SIGSEGV`, … or `signal N`.
struct SignalName(i32);

impl fmt::Display for SignalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            libc::SIGHUP => "SIGHUP",
            libc::SIGINT => "SIGINT",
            libc::SIGQUIT => "SIGQUIT",
            libc::SIGILL => "SIGILL",
            libc::SIGABRT => "SIGABRT",
            libc::SIGBUS => "SIGBUS",
            libc::SIGFPE => "SIGFPE",
            libc::SIGKILL => "SIGKILL",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGPIPE => "SIGPIPE",
            libc::SIGALRM => "SIGALRM",
            libc::SIGTERM => "SIGTERM",
            other => return write!(f, "signal {other}"),
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(exit_code: Option<i32>, signal: Option<i32>) -> RunResult {
        RunResult {
            exit_code,
            signal,
            ..crate::testing::run(vec![], 1.0)
        }
    }

    #[test]
    fn endings_read_as_before() {
        let cases = [
            (ended(Some(0), None), "exited with code 0", true),
            (ended(Some(3), None), "exited with code 3", false),
            (
                ended(None, Some(libc::SIGKILL)),
                "was killed by SIGKILL",
                false,
            ),
            (ended(None, Some(64)), "was killed by signal 64", false),
            (ended(None, None), "ended in an unknown way", false),
            (
                RunResult {
                    timed_out: true,
                    ..ended(None, Some(libc::SIGKILL))
                },
                "timed out",
                false,
            ),
            (
                RunResult {
                    oom_killed: true,
                    ..ended(None, Some(libc::SIGKILL))
                },
                "was killed by the OOM killer",
                false,
            ),
            (
                RunResult {
                    interrupted: Some(libc::SIGINT),
                    timed_out: true,
                    ..ended(Some(0), None)
                },
                "was interrupted by SIGINT",
                false,
            ),
        ];
        for (run, words, succeeded) in cases {
            assert_eq!(run.ending().to_string(), words);
            assert_eq!(run.succeeded(), succeeded, "{words}");
        }
    }
}
