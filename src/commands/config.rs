//! `memgate validate`, `memgate schema`, `memgate init`: the config file's own commands.

use std::io::{self, Write};
use std::path::Path;

use crate::cli::Outcome;

pub fn validate(path: &Path) -> Outcome {
    match super::check::load_config(path) {
        Ok(config) => {
            let _ = writeln!(
                io::stdout(),
                "{}: ok — {} benchmark{}",
                path.display(),
                config.benchmarks.len(),
                if config.benchmarks.len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
            Outcome::Pass
        }
        Err(message) => {
            let _ = writeln!(io::stderr(), "memgate: {message}");
            Outcome::Error
        }
    }
}

pub fn schema() -> Outcome {
    let schema =
        serde_json::to_string_pretty(&crate::config::json_schema()).expect("the schema serializes");
    let _ = writeln!(io::stdout(), "{schema}");
    Outcome::Pass
}

/// Writes the starter config; refuses to overwrite one (create_new makes that race-free).
pub fn init(path: &Path) -> Outcome {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    let result = file.and_then(|mut f| f.write_all(crate::config::STARTER_CONFIG.as_bytes()));
    match result {
        Ok(()) => {
            let _ = writeln!(
                io::stdout(),
                "wrote {}: edit its benchmarks, then run `memgate check`",
                path.display()
            );
            Outcome::Pass
        }
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            let _ = writeln!(
                io::stderr(),
                "memgate: {} already exists; not overwriting it",
                path.display()
            );
            Outcome::Error
        }
        Err(err) => {
            let _ = writeln!(
                io::stderr(),
                "memgate: could not write {}: {err}",
                path.display()
            );
            Outcome::Error
        }
    }
}
