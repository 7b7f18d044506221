//! `memgate compare BASE.json HEAD.json` and `memgate merge PART.json… -o FILE`: verdicts and
//! joins from results files, without running anything.

use std::io::{self, Write};
use std::path::Path;

use crate::cli::{CompareArgs, MergeArgs, Outcome};
use crate::config::{self, Config, Regression};
use crate::report::terminal;
use crate::results;

pub fn execute(args: CompareArgs) -> Outcome {
    match compare(&args) {
        Ok(outcome) => outcome,
        Err(message) => {
            let _ = writeln!(io::stderr(), "memgate: {message}");
            Outcome::Error
        }
    }
}

fn compare(args: &CompareArgs) -> Result<Outcome, String> {
    let base = results::read(&args.base)?;
    let mut head = results::read(&args.head)?;
    let config = regression_config(args.config.as_deref())?;
    crate::compare::apply_baseline(
        &mut head,
        &base,
        format!("file:{}", args.base.display()),
        |name| {
            config
                .as_ref()
                .and_then(|c| c.benchmark(name))
                .map_or_else(Regression::default, |b| b.regression.clone())
        },
    );
    if let Some(path) = &args.json {
        head.write_atomic(path)
            .map_err(|err| format!("could not write {}: {err}", path.display()))?;
    }
    if !args.quiet {
        let color = super::check::use_color(args.color, &io::stdout());
        let _ = io::stdout().write_all(terminal::render(&head, color).as_bytes());
    }
    Ok(if head.status().passes() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}

/// The config named with -c (which must load), else memgate.yml when present, else none
/// (default thresholds).
fn regression_config(path: Option<&Path>) -> Result<Option<Config>, String> {
    match path {
        Some(path) => super::check::load_config(path).map(Some),
        None => {
            let default = Path::new(config::DEFAULT_CONFIG_FILE);
            Ok(default
                .exists()
                .then(|| super::check::load_config(default))
                .transpose()?)
        }
    }
}

pub fn merge(args: MergeArgs) -> Outcome {
    let parts: Result<Vec<_>, String> = args
        .parts
        .iter()
        .map(|path| results::read(path).map(|r| (path.clone(), r)))
        .collect();
    let merged = parts.and_then(crate::merge::merge).and_then(|merged| {
        merged
            .write_atomic(&args.output)
            .map(|()| merged)
            .map_err(|err| format!("could not write {}: {err}", args.output.display()))
    });
    match merged {
        Ok(merged) => {
            let _ = writeln!(
                io::stdout(),
                "merged {} benchmarks from {} files into {} ({})",
                merged.benchmarks.len(),
                args.parts.len(),
                args.output.display(),
                merged.status().as_str()
            );
            Outcome::Pass
        }
        Err(message) => {
            let _ = writeln!(io::stderr(), "memgate: {message}");
            Outcome::Error
        }
    }
}
