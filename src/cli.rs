//! The command line: clap parser structs and the value parsers of their flags; nothing else.
//! [`crate::commands`] turns them into what the program uses.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::measure::MethodChoice;

#[derive(Debug, Parser)]
#[command(name = "memgate", version, about = "A memory-budget gate for CI", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure one command's whole process tree: peak, steady state, growth.
    Run(RunArgs),
    /// Run the benchmarks of memgate.yml (all, or those named), gate them, report.
    Check(CheckArgs),
    /// The verdict of HEAD against BASE from two results files, without running anything.
    Compare(CompareArgs),
    /// Join the results files of shards into one.
    Merge(MergeArgs),
    /// Render a results file again: Markdown, charts, HTML, JUnit (the terminal table when none
    /// is asked for).
    Report(ReportArgs),
    /// Post or update the pull-request comment from a results file (e.g. in a `workflow_run`
    /// workflow, for pull requests from forks).
    Comment(CommentArgs),
    /// Check memgate.yml and report every problem in it.
    Validate(ConfigArg),
    /// Print the JSON Schema of memgate.yml (for editors).
    Schema,
    /// Write a starter memgate.yml (never over an existing one).
    Init(ConfigArg),
    /// The container action's entry point: `memgate check` with the arguments that the action's
    /// inputs (`INPUT_*` variables) say, in `working_directory` (see action.yml).
    #[command(hide = true)]
    Action,
}

#[derive(Debug, clap::Args)]
pub struct ConfigArg {
    /// The config file.
    #[arg(short, long, default_value = "memgate.yml", value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Results of the base.
    pub base: PathBuf,
    /// Results of the head.
    pub head: PathBuf,
    /// The config whose `regression:` thresholds apply (default: memgate.yml when present).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the compared results.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour in the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Results files of the shards.
    #[arg(required = true, value_name = "PART.json")]
    pub parts: Vec<PathBuf>,
    /// The joined results file.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

/// The reports to write, for `check` and `report` alike.
#[derive(Debug, Default, clap::Args)]
pub struct ReportFiles {
    /// Write the Markdown report (PR comment, job summary); `-` for standard output.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write the charts, SVG and PNG, into this folder.
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// Write one self-contained HTML page; `-` for standard output.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write JUnit XML: one testcase per benchmark.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The results file (memgate/results@2; @1 files are read too).
    #[arg(value_name = "RESULTS.json")]
    pub results: PathBuf,
    #[command(flatten)]
    pub files: ReportFiles,
    /// Colour in the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, clap::Args)]
pub struct CommentArgs {
    /// The results file (memgate/results@2, or @1); untrusted: validated, size-capped, escaped.
    #[arg(value_name = "RESULTS.json")]
    pub results: PathBuf,
    /// The pull request (default: the event's; for `workflow_run`, the one the run measured).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub pr: Option<u64>,
    /// The config whose `github:` section applies (default: memgate.yml when present).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to comment: always, on-change, on-failure or never (default: the config's).
    #[arg(long, value_name = "POLICY", value_parser = parse_comment_policy)]
    pub comment: Option<crate::config::CommentPolicy>,
    /// Post results that name no commit (`environment.git_sha`, which `memgate check` records in
    /// a git checkout), although nothing then shows that they measured the pull request's head.
    #[arg(long)]
    pub allow_unverified: bool,
}

/// `--method`: how to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    /// A cgroup where one can be made, else sampling.
    Auto,
    /// A cgroup, or an error.
    Cgroup,
    /// Sampling only, even where a cgroup could be made.
    Sampled,
}

impl From<MethodArg> for MethodChoice {
    fn from(arg: MethodArg) -> Self {
        match arg {
            MethodArg::Auto => Self::Auto,
            MethodArg::Cgroup => Self::Cgroup,
            MethodArg::Sampled => Self::Sampled,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Benchmarks to run (default: all).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Only benchmarks with this tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// The config file.
    #[arg(short, long, default_value = "memgate.yml", value_name = "FILE")]
    pub config: PathBuf,
    /// Write the results (memgate/results@2), rewritten after every benchmark.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub reports: ReportFiles,
    /// Measured runs per benchmark, overriding the config (within the config's limits).
    #[arg(long, value_parser = clap::value_parser!(u32).range(
        i64::from(crate::config::RUNS_LIMITS.min)..=i64::from(crate::config::RUNS_LIMITS.max)
    ))]
    pub runs: Option<u32>,
    /// How to measure.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// Compare with the results of the base (a results file from a previous run).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline_ref")]
    pub baseline: Option<PathBuf>,
    /// Measure the base commit REF in the same job (a git worktree; base and head alternate).
    /// Without REF on GitHub: the pull request's base commit.
    #[arg(long, value_name = "REF", num_args = 0..=1)]
    pub baseline_ref: Option<Option<String>>,
    /// Run only part K of N of the benchmarks (for a CI matrix; join with `memgate merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::suite::Shard>,
    /// Show the benchmarks' output as it comes instead of capturing it (then no log files, and
    /// an `error` benchmark's stderr is in the terminal only).
    #[arg(long)]
    pub show_output: bool,
    /// Keep each run's stdout and stderr in DIR (default: beside the --json file, as
    /// NAME.logs/; without --json, in temporary files removed at the end).
    #[arg(long, value_name = "DIR", conflicts_with = "show_output")]
    pub logs: Option<PathBuf>,
    /// Re-run every selected benchmark once under memray for its allocation sites, as
    /// `attribution: always` (docs/attribution.md); never counted in the measured figures.
    #[arg(long)]
    pub attribute: bool,
    /// Print a ready `budget:` block for benchmarks with no budget or one far above use.
    #[arg(long)]
    pub suggest: bool,
    /// Headroom of suggested budgets above what was measured.
    #[arg(long, default_value = "15%", value_parser = parse_headroom)]
    pub headroom: f64,
    /// Report to GitHub: job summary, step outputs, annotations, the pull-request comment (on by
    /// itself when GITHUB_ACTIONS=true).
    #[arg(long)]
    pub github: bool,
    /// On GitHub, post no pull-request comment (the summary, outputs and annotations still are).
    #[arg(long)]
    pub no_comment: bool,
    /// When to comment: always, on-change, on-failure or never (default: `github.comment`).
    #[arg(long, value_name = "POLICY", value_parser = parse_comment_policy)]
    pub comment: Option<crate::config::CommentPolicy>,
    /// Print nothing but errors and the verdict line (the benchmarks' output is captured).
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour in the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Sampling period (e.g. 10ms, 1ms).
    #[arg(long, default_value = "10ms", value_parser = parse_interval)]
    pub interval: Duration,
    /// End the whole tree after this long (e.g. 30s, 10m); the run then fails.
    #[arg(long, value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// How to measure: a fresh memory cgroup (exact) where one can be made, or sampling.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// Write a results file (memgate/results@2) holding this one benchmark.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Name of the benchmark in the results file (default: the command line).
    #[arg(long)]
    pub name: Option<String>,
    /// The command and its arguments, after `--`.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let interval = crate::units::parse_duration(text).map_err(|e| e.to_string())?;
    if interval.is_zero() {
        return Err("the interval must be greater than zero (e.g. 10ms)".into());
    }
    within(interval, crate::config::INTERVAL_LIMITS, "the interval")
}

/// `value` when `limits` hold it (the config's own limits), else why not.
fn within(
    value: Duration,
    limits: crate::config::Limits<Duration>,
    what: &str,
) -> Result<Duration, String> {
    if limits.contains(value) {
        Ok(value)
    } else {
        Err(format!("{what} must be {}", limits.text))
    }
}

fn parse_headroom(text: &str) -> Result<f64, String> {
    crate::units::parse_percent(text).map_err(|e| e.to_string())
}

fn parse_comment_policy(text: &str) -> Result<crate::config::CommentPolicy, String> {
    text.parse()
        .map_err(|err: crate::config::UnknownCommentPolicy| err.to_string())
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = crate::units::parse_duration(text).map_err(|e| e.to_string())?;
    if timeout.is_zero() {
        return Err("the timeout must be greater than zero (e.g. 10m)".into());
    }
    within(timeout, crate::config::TIMEOUT_LIMITS, "the timeout")
}
