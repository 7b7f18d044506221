//! The commands: [`run`] parses the command line, hands each subcommand its arguments, and is the
//! one place that prints an error and turns a command's result into the exit code.
//!
//! Dependencies point one way: `main` → `commands` → `cli` (the clap structs) and the library
//! modules. No library module imports `commands` or `cli`; each takes its own option types.

pub mod action;
pub mod check;
pub mod comment;
pub mod compare;
pub mod config;
mod output_paths;
mod progress;
pub mod report;
pub mod run;
mod shared;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::measure::MeasureError;
use crate::report::escape;
use crate::results::Status;

/// What memgate's exit code says: one meaning each, everywhere (docs/architecture.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The gate passed (for `run`: the command succeeded).
    Pass = 0,
    /// The gate failed (for `run`: the command failed, was killed or timed out).
    Fail = 1,
    /// memgate could not do its job: bad usage, invalid config, unreadable file, interrupted.
    Error = 2,
}

impl Exit {
    /// The exit code of a verdict: pass and warn pass the gate; fail and error fail it.
    pub fn of(status: Status) -> Self {
        if status.passes() {
            Self::Pass
        } else {
            Self::Fail
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Why a command could not do its job (exit 2). [`run`] prints it once, after `memgate: `.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A located, complete message (bad input, a missing file, a failed setup step).
    #[error("{0}")]
    Message(String),
    #[error(transparent)]
    Measure(#[from] MeasureError),
    #[error("could not write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("interrupted; results so far are written")]
    Interrupted,
}

impl From<String> for CommandError {
    fn from(message: String) -> Self {
        Self::Message(message)
    }
}

impl From<&str> for CommandError {
    fn from(message: &str) -> Self {
        Self::Message(message.to_string())
    }
}

/// What every command returns: its verdict, or why it could not give one.
pub type CommandResult = Result<Exit, CommandError>;

/// Parses the arguments and runs the command; the whole of `main`.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // --help and --version are not errors.
            return if err.use_stderr() {
                Exit::Error.into()
            } else {
                Exit::Pass.into()
            };
        }
    };
    let result = dispatch(cli.command);
    // Whatever happened (a signal, an error), no cgroup of memgate's is left behind.
    crate::measure::release();
    exit_code(result).into()
}

fn dispatch(command: Command) -> CommandResult {
    match command {
        Command::Run(args) => run::execute(args),
        Command::Check(args) => check::execute(args),
        Command::Compare(args) => compare::execute(args),
        Command::Merge(args) => compare::merge(args),
        Command::Report(args) => report::execute(args),
        Command::Comment(args) => comment::execute(args),
        Command::Validate(args) => config::validate(&args.config),
        Command::Schema => config::schema(),
        Command::Init(args) => config::init(&args.config),
        Command::Action => action::execute(),
    }
}

/// The one error sink: an error is printed once and exits 2. Messages quote values from config
/// and results files, so they are printed escaped: no control character reaches the terminal, and
/// no line starts a workflow command in the Actions log ([`escape::log_line`](crate::report::escape::log_line)).
fn exit_code(result: CommandResult) -> Exit {
    result.unwrap_or_else(|err| {
        let text = escape::log_lines(&err.to_string());
        let _ = writeln!(io::stderr(), "memgate: {text}");
        Exit::Error
    })
}
