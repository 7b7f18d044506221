//! `memgate compare BASE.json HEAD.json` and `memgate merge PART.json… -o FILE`: verdicts and
//! joins from results files, without running anything.

use std::io::{self, Write};

use crate::cli::{CompareArgs, MergeArgs};
use crate::config::Regression;
use crate::report::terminal;
use crate::results;

use super::shared::{optional_config, use_color, write_results};
use super::{CommandResult, Exit};

pub fn execute(args: CompareArgs) -> CommandResult {
    let base = results::read(&args.base)?;
    let mut head = results::read(&args.head)?;
    let config = optional_config(args.config.as_deref())?;
    crate::gate::compare::apply_baseline(
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
        write_results(&head, path)?;
    }
    if !args.quiet {
        let color = use_color(args.color, &io::stdout());
        let _ = io::stdout().write_all(terminal::render(&head, color).as_bytes());
    }
    Ok(Exit::of(head.status()))
}

pub fn merge(args: MergeArgs) -> CommandResult {
    let parts = args
        .parts
        .iter()
        .map(|path| results::read(path).map(|r| (path.clone(), r)))
        .collect::<Result<Vec<_>, String>>()?;
    let merged = crate::results::merge::merge(parts)?;
    write_results(&merged, &args.output)?;
    let _ = writeln!(
        io::stdout(),
        "merged {} benchmarks from {} files into {} ({})",
        merged.benchmarks.len(),
        args.parts.len(),
        args.output.display(),
        merged.status().as_str()
    );
    Ok(Exit::Pass)
}
