//! The configuration as the rest of memgate uses it: every benchmark resolved, defaults applied,
//! units parsed, paths absolute.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::results::GrowthWindow;

/// Measured runs per benchmark when neither the benchmark nor `defaults` says.
pub const DEFAULT_RUNS: u32 = 3;
/// Unmeasured runs before the measured ones.
pub const DEFAULT_WARMUP: u32 = 0;
/// How long one run may take before it is killed (and counts as a failure).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// The sampling period.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(10);
/// The sampling periods memgate takes, in the config and on the command line. From 1 ms: the
/// sampler reads the whole tree at each tick, and at a shorter period it would read back to back
/// and take a core from the benchmark it measures (its schedule skips ticks it overran). To 1 s:
/// steady state and growth are read from windows of at most 1 s of the timeline, which a longer
/// period would leave mostly empty (and, when sampling, a spike between samples is caught only
/// by the kernel's high-water mark).
pub const INTERVAL_LIMITS: Limits<Duration> = Limits {
    min: Duration::from_millis(1),
    max: crate::measure::MAX_INTERVAL,
    text: "between 1ms and 1s",
};
/// The timeouts memgate takes: above zero and at most 7 days (168h), longer than any CI job runs
/// (GitHub ends a job on its own runner after 5 days) — and a deadline that the clock can hold
/// (`999999999999h` overflowed it).
pub const TIMEOUT_LIMITS: Limits<Duration> = Limits {
    min: Duration::from_nanos(1),
    max: crate::measure::MAX_TIMEOUT,
    text: "at most 168h",
};
/// Measured runs per benchmark: a results file keeps each run's timeline, so a hundred runs of a
/// few benchmarks already make a large file; more would say nothing new about a peak.
pub const RUNS_LIMITS: Limits<u32> = Limits {
    min: 1,
    max: 100,
    text: "from 1 to 100",
};
/// Unmeasured runs before the measured ones.
pub const WARMUP_LIMITS: Limits<u32> = Limits {
    min: 0,
    max: 100,
    text: "from 0 to 100",
};

/// The shortest steady window growth is judged on (`min_window`): from 1 s (Mann–Kendall needs
/// a few windows of the timeline) to 24 h.
pub const MIN_WINDOW_LIMITS: Limits<Duration> = Limits {
    min: Duration::from_secs(1),
    max: Duration::from_secs(24 * 3600),
    text: "between 1s and 24h",
};

/// The range a setting may take, and how a message says it ("between 1ms and 1s").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits<T> {
    pub min: T,
    pub max: T,
    pub text: &'static str,
}

impl<T: PartialOrd + Copy> Limits<T> {
    pub fn contains(&self, value: T) -> bool {
        self.min <= value && value <= self.max
    }
}

/// Status `warn` above this fraction of a budget.
pub const DEFAULT_WARN_AT: f64 = 0.9;
/// A peak above the baseline's by more than this fraction is a regression.
pub const DEFAULT_REGRESSION_PEAK: f64 = 0.10;
/// A steady state above the baseline's by more than this fraction is a regression.
pub const DEFAULT_REGRESSION_STEADY: f64 = 0.10;
/// Absolute changes smaller than this are never regressions (8 MiB).
pub const DEFAULT_MIN_DELTA: u64 = 8 << 20;
/// The only version of `memgate.yml` this build reads.
pub const SUPPORTED_VERSIONS: &[u32] = &[1];
/// The file `memgate check` reads when no `-c FILE` is given.
pub const DEFAULT_CONFIG_FILE: &str = "memgate.yml";

/// A loaded, validated `memgate.yml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file, as it was given (relative paths stay relative; messages use it).
    pub path: PathBuf,
    pub version: u32,
    /// Shell commands run once, in order, before any benchmark, from the config file's folder.
    pub setup: Vec<String>,
    /// A base cgroup prepared for memgate (`cgroup:`); `MEMGATE_CGROUP` wins over it.
    pub cgroup: Option<PathBuf>,
    /// In file order; never empty, names unique.
    pub benchmarks: Vec<ResolvedBenchmark>,
    pub github: GithubConfig,
}

impl Config {
    /// The benchmark named `name`.
    pub fn benchmark(&self, name: &str) -> Option<&ResolvedBenchmark> {
        self.benchmarks.iter().find(|b| b.name == name)
    }
}

/// One benchmark with its defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedBenchmark {
    pub name: String,
    pub command: Invocation,
    /// Absolute; `cwd:` is relative to the config file's folder, which is also the default.
    pub cwd: PathBuf,
    /// Added to memgate's own environment; `defaults.env` and the benchmark's `env` merged, the
    /// benchmark's values winning.
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    /// Measured runs, at least 1.
    pub runs: u32,
    /// Unmeasured runs before the measured ones.
    pub warmup: u32,
    /// Sampling period, never zero.
    pub interval: Duration,
    /// Where the steady window starts (`steady_after`) and the shortest one whose growth is
    /// judged (`min_window`).
    pub window: GrowthWindow,
    pub tags: Vec<String>,
    pub budget: Budget,
    pub regression: Regression,
    /// Line of the benchmark's `name:` in the file (1-based), for annotations.
    pub line: usize,
    /// Line of the `budget:` that applies: the benchmark's own, else the one in `defaults`.
    pub budget_line: Option<usize>,
    /// Line of each budget figure, wherever it was set (benchmark or defaults).
    pub budget_lines: BudgetLines,
    /// When the benchmark is re-run under memray for its allocation sites (docs/attribution.md).
    pub attribution: AttributionPolicy,
}

/// When a benchmark is re-run once under memray, after its measured runs, to say which lines held
/// the memory at its peak (`attribution:`; `memgate check --attribute` makes it `always`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AttributionPolicy {
    /// When the benchmark failed a budget or a regression check.
    #[default]
    OnFailure,
    Always,
    Never,
}

impl AttributionPolicy {
    pub const ALL: [AttributionPolicy; 3] = [Self::OnFailure, Self::Always, Self::Never];

    /// Every name, for messages.
    pub(crate) const CHOICES: &'static str = "on-failure, always or never";

    /// The name used in `memgate.yml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnFailure => "on-failure",
            Self::Always => "always",
            Self::Never => "never",
        }
    }
}

impl std::str::FromStr for AttributionPolicy {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|p| p.as_str() == s).ok_or(())
    }
}

/// How a benchmark is started: a shell line or a program and its arguments. (Not a subcommand of
/// the command line, which is `cli::Command`.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `run:`, through `sh -c`.
    Shell(String),
    /// `argv:`, a program and its arguments, no shell; never empty.
    Argv(Vec<String>),
}

impl fmt::Display for Invocation {
    /// The command as one line a person could paste into a shell.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invocation::Shell(script) => f.write_str(script),
            Invocation::Argv(args) => {
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    f.write_str(&shell_quote(arg))?;
                }
                Ok(())
            }
        }
    }
}

/// `arg` quoted for a POSIX shell when it needs to be.
fn shell_quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Limits of one benchmark. A figure with no limit is not checked against a budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Bytes.
    pub peak: Option<u64>,
    /// Bytes.
    pub steady: Option<u64>,
    /// Bytes per second.
    pub growth: Option<f64>,
    /// Fraction of a budget above which the status is `warn` (still a pass); in (0, 1].
    pub warn_at: f64,
    /// Whether budgets count file-backed pages (page cache, mmap'd files) as well as anonymous and
    /// shared memory.
    pub include_file: bool,
    /// Limits on the peak of named phases (bytes), in the file's order (`defaults`' first).
    pub phases: Vec<(String, u64)>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            peak: None,
            steady: None,
            growth: None,
            warn_at: DEFAULT_WARN_AT,
            include_file: false,
            phases: Vec::new(),
        }
    }
}

/// Lines (1-based) of the budget figures in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BudgetLines {
    pub peak: Option<usize>,
    pub steady: Option<usize>,
    pub growth: Option<usize>,
    /// Each phase budget's line.
    pub phases: Vec<(String, usize)>,
}

/// Thresholds against the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// Fraction: 0.1 means a peak more than 10% above the baseline's is a regression.
    pub peak: f64,
    /// Fraction, for the steady state.
    pub steady: f64,
    /// Bytes: a change smaller than this is never a regression.
    pub min_delta: u64,
}

impl Default for Regression {
    fn default() -> Self {
        Regression {
            peak: DEFAULT_REGRESSION_PEAK,
            steady: DEFAULT_REGRESSION_STEADY,
            min_delta: DEFAULT_MIN_DELTA,
        }
    }
}

/// The `github:` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubConfig {
    pub comment: CommentPolicy,
    /// Login of the account whose comment is updated (e.g. `github-actions[bot]`); when absent,
    /// the account of the token.
    pub comment_author: Option<String>,
}

/// When the pull-request comment is posted or updated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CommentPolicy {
    /// One comment, edited in place on every run.
    #[default]
    Always,
    /// Only when the report differs from the one already posted.
    OnChange,
    /// Only when the gate fails (an existing comment is still updated).
    OnFailure,
    Never,
}

impl CommentPolicy {
    pub const ALL: [CommentPolicy; 4] = [
        CommentPolicy::Always,
        CommentPolicy::OnChange,
        CommentPolicy::OnFailure,
        CommentPolicy::Never,
    ];

    /// Every name, for messages.
    pub(crate) const CHOICES: &'static str = "always, on-change, on-failure or never";

    /// The name used in `memgate.yml` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentPolicy::Always => "always",
            CommentPolicy::OnChange => "on-change",
            CommentPolicy::OnFailure => "on-failure",
            CommentPolicy::Never => "never",
        }
    }
}

impl fmt::Display for CommentPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CommentPolicy {
    type Err = UnknownCommentPolicy;

    fn from_str(s: &str) -> Result<Self, UnknownCommentPolicy> {
        CommentPolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownCommentPolicy(s.to_string()))
    }
}

/// A comment policy that memgate does not know (the text as given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown comment policy `{0}` (expected {choices})", choices = CommentPolicy::CHOICES)]
pub struct UnknownCommentPolicy(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_commands_display_quoted() {
        let cmd = Invocation::Argv(vec![
            "python3".into(),
            "-c".into(),
            "print('hi there')".into(),
            "".into(),
            "--out=a/b.txt".into(),
        ]);
        assert_eq!(
            cmd.to_string(),
            r#"python3 -c 'print('\''hi there'\'')' '' --out=a/b.txt"#
        );
        assert_eq!(Invocation::Shell("a | b".into()).to_string(), "a | b");
    }

    #[test]
    fn comment_policies_round_trip() {
        for policy in CommentPolicy::ALL {
            assert_eq!(policy.as_str().parse::<CommentPolicy>(), Ok(policy));
        }
        assert!("sometimes".parse::<CommentPolicy>().is_err());
    }
}
