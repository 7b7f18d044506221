//! `memgate validate`, `memgate schema`, `memgate init`: the config file's own commands.

use std::io::{self, Write};
use std::path::Path;

use super::shared::load_config;
use super::{CommandError, CommandResult, Exit};

pub fn validate(path: &Path) -> CommandResult {
    let config = load_config(path)?;
    let count = config.benchmarks.len();
    let _ = writeln!(
        io::stdout(),
        "{}: ok — {count} benchmark{}",
        path.display(),
        if count == 1 { "" } else { "s" }
    );
    Ok(Exit::Pass)
}

pub fn schema() -> CommandResult {
    let schema =
        serde_json::to_string_pretty(&crate::config::json_schema()).expect("the schema serializes");
    let _ = writeln!(io::stdout(), "{schema}");
    Ok(Exit::Pass)
}

/// Writes the starter config; refuses to overwrite one (create_new makes that race-free).
pub fn init(path: &Path) -> CommandResult {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    match file.and_then(|mut f| f.write_all(crate::config::STARTER_CONFIG.as_bytes())) {
        Ok(()) => {
            let _ = writeln!(
                io::stdout(),
                "wrote {}: edit its benchmarks, then run `memgate check`",
                path.display()
            );
            Ok(Exit::Pass)
        }
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            Err(format!("{} already exists; not overwriting it", path.display()).into())
        }
        Err(source) => Err(CommandError::Write {
            path: path.to_path_buf(),
            source,
        }),
    }
}
