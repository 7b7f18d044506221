//! `memgate.yml`: the file's model, its loader and its JSON Schema. The format, for users, is in
//! README.md (`memgate.yml`).
//!
//! Loading goes in passes: YAML text → a tree of nodes that know their line and column
//! (`yaml.rs`) → checked sections, every problem noted with its position (`read/`) → benchmarks
//! with defaults applied (`resolve.rs`). A file with any problem gives [`ConfigErrors`], all of
//! them at once, in file order.
//!
//! Defaults (the `DEFAULT_*` constants): `runs: 3`, `warmup: 0`, `timeout: 10m`, `interval: 10ms`,
//! `budget.warn_at: 90%`, `budget.include_file: false`, no budget limits,
//! `regression: { peak: 10%, steady: 10%, min_delta: 8MiB }`, `github.comment: always`. A missing
//! `version` means version 1. `cwd` (in `defaults` or a benchmark) is relative to the config file's
//! folder, which is also the default.

mod did_you_mean;
mod error;
mod model;
mod read;
mod resolve;
mod schema;
mod starter;
mod yaml;

use std::path::{Path, PathBuf};

pub(crate) use did_you_mean::nearest;
pub use error::{ConfigError, ConfigErrors, Position};
pub use model::{
    AttributionPolicy, Budget, BudgetLines, CommentPolicy, Config, DEFAULT_CONFIG_FILE,
    DEFAULT_INTERVAL, DEFAULT_MIN_DELTA, DEFAULT_REGRESSION_PEAK, DEFAULT_REGRESSION_STEADY,
    DEFAULT_RUNS, DEFAULT_TIMEOUT, DEFAULT_WARMUP, DEFAULT_WARN_AT, GithubConfig, INTERVAL_LIMITS,
    Invocation, Limits, RUNS_LIMITS, Regression, ResolvedBenchmark, SUPPORTED_VERSIONS,
    TIMEOUT_LIMITS, UnknownCommentPolicy, WARMUP_LIMITS,
};
pub use schema::json_schema;
pub use starter::STARTER_CONFIG;

/// Reads and checks the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let file = path.display().to_string();
    let source = std::fs::read(path).map_err(|err| {
        let hint = if err.kind() == std::io::ErrorKind::NotFound {
            "; `memgate init` writes a starter file"
        } else {
            ""
        };
        one_error(&file, None, format!("cannot read the file: {err}{hint}"))
    })?;
    let source = String::from_utf8(source)
        .map_err(|err| one_error(&file, None, format!("the file is not UTF-8 text: {err}")))?;
    parse(&source, path)
}

/// Checks `source` as the contents of the config file at `path`, which names the file in messages
/// and whose folder is the base of relative `cwd`s. Touches no file.
pub fn parse(source: &str, path: &Path) -> Result<Config, ConfigErrors> {
    let file = path.display().to_string();
    let root = yaml::parse(source).map_err(|err| {
        let message = syntax_hint(&err.message, source, err.position);
        one_error(&file, err.position, format!("invalid YAML: {message}"))
    })?;
    let raw = read::read(&root, source).map_err(|problems| {
        ConfigErrors::new(
            problems
                .into_iter()
                .map(|problem| ConfigError {
                    file: file.clone(),
                    position: problem.position,
                    message: problem.message,
                })
                .collect(),
        )
    })?;
    let base = resolve::base_dir(path);
    let benchmarks = raw
        .benchmarks
        .into_iter()
        .map(|b| resolve::benchmark(b, &raw.defaults, &base))
        .collect();
    Ok(Config {
        path: path.to_path_buf(),
        version: raw.version,
        setup: raw.setup,
        cgroup: raw.cgroup.map(PathBuf::from),
        benchmarks,
        github: raw.github,
    })
}

/// A file with one problem: unreadable, not text, or not YAML.
fn one_error(file: &str, position: Option<Position>, message: String) -> ConfigErrors {
    ConfigErrors::new(vec![ConfigError {
        file: file.to_string(),
        position,
        message,
    }])
}

/// libyaml's message, plus what usually causes it in a file like this one.
fn syntax_hint(message: &str, source: &str, position: Option<Position>) -> String {
    let line = position.and_then(|p| source.lines().nth(p.line.saturating_sub(1)));
    let hint = if line.is_some_and(|l| l[..l.len() - l.trim_start().len()].contains('\t')) {
        Some("indent with spaces; YAML does not allow tabs for indentation")
    } else if message.contains("mapping values are not allowed") {
        Some("quote a value that contains `: `")
    } else if message.contains("did not find expected key")
        || message.contains("did not find expected '-' indicator")
    {
        Some("check the indentation of this line against the lines above")
    } else if message.contains("found character that cannot start any token")
        && line.is_some_and(|l| l.trim_start().starts_with(['`', '@', '%']))
    {
        Some("a value that starts with `@`, `` ` `` or `%` must be quoted")
    } else {
        None
    };
    match hint {
        Some(hint) => format!("{message} ({hint})"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests;
