//! What several commands need: loading the config, and whether to colour the terminal.

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::ColorChoice;
use crate::config::{self, Config};
use crate::results::Results;

use super::CommandError;

/// Loads and validates the config; every problem of the file at once.
pub fn load_config(path: &Path) -> Result<Config, String> {
    if !path.exists() {
        return Err(format!(
            "no config at {}; write one with `memgate init`, or name one with -c FILE",
            path.display()
        ));
    }
    config::load(path).map_err(|errors| format!("invalid config:\n{errors}"))
}

/// The config named with -c (which must load), else memgate.yml when present (which must load
/// too), else none: the commands that read results files use the defaults then.
pub fn optional_config(path: Option<&Path>) -> Result<Option<Config>, String> {
    let default = Path::new(config::DEFAULT_CONFIG_FILE);
    match path {
        Some(path) => load_config(path).map(Some),
        None if default.exists() => load_config(default).map(Some),
        None => Ok(None),
    }
}

/// Colour on a terminal unless `NO_COLOR` is set or `--color` says otherwise.
pub fn use_color(choice: ColorChoice, stream: &impl IsTerminal) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream.is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// Writes a results file atomically; a failure is memgate's (exit 2), naming the path.
pub fn write_results(results: &Results, path: &Path) -> Result<(), CommandError> {
    results
        .write_atomic(path)
        .map_err(|source| CommandError::Write {
            path: path.to_path_buf(),
            source,
        })
}
