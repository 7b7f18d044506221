//! `memgate check`: run the benchmarks of `memgate.yml`, gate them, report.
//!
//! The suite (`crate::suite`) runs and judges; this command wires it to the command line: progress
//! and `::group::` lines from its events, the results file rewritten atomically after every
//! benchmark (so that a crash later loses nothing), then the table, suggestions, outputs and the
//! GitHub report.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::cli::CheckArgs;
use crate::config::Config;
use crate::github::{self, Publish, workflow::Group};
use crate::measure::{self, interrupt};
use crate::report::terminal;
use crate::report::view::SuiteView;
use crate::results::Results;
use crate::suite::{self, BaseRef, Baseline, Event, HeadError, HeadTree, Output, Plan, Selection};

use super::output_paths;
use super::progress::Progress;
use super::report::Outputs;
use super::shared::{load_config, use_color, write_results};
use super::{CommandError, CommandResult, Exit};

pub fn execute(args: CheckArgs) -> CommandResult {
    // First: from here on a terminating signal is recorded, and every child memgate waits for
    // is ended by it (docs/security.md, "git, worktrees and signals").
    interrupt::install_recording();
    let config = load_config(&args.config)?;
    let selection = Selection {
        names: args.names.clone(),
        tags: args.tags.clone(),
        shard: args.shard,
    };
    // Unknown names fail here, before anything runs.
    let planned = Plan::new(&config, &selection, args.runs, args.method.into())
        .map_err(message)?
        .benchmarks
        .len();
    check_output_paths(&args)?;
    let (output, logs) = output(&args)?;
    let reference = base_ref(&args)?;
    let file = args
        .baseline
        .as_deref()
        .map(Baseline::read_file)
        .transpose()?;
    let mut progress = Progress::new(planned, args.quiet);
    // The base first: a ref that names nothing stops the run before the head's setup.
    let mut baseline = match (file, reference) {
        (Some(file), _) => file,
        (None, Some(reference)) => {
            let given = args.baseline_ref.as_ref().and_then(Option::as_deref);
            let mut note = |line: &str| progress.note(line);
            Baseline::checkout(&config, given, &reference, &mut note).map_err(message)?
        }
        (None, None) => Baseline::None,
    };
    let head_tree = set_up_head(&config, baseline.side().is_some(), &mut progress)?;
    if let Some(tree) = &head_tree {
        baseline.record_head_setup(tree.setup.clone());
    }
    let run_config = head_tree.as_ref().map_or(&config, |tree| &tree.config);
    let mut plan =
        Plan::new(run_config, &selection, args.runs, args.method.into()).map_err(message)?;
    plan.output = output;
    plan.attribute_all = args.attribute;
    let mut watch = Watch {
        progress: &mut progress,
        group: None,
        grouped: github::enabled(args.github) && !args.quiet,
        json: args.json.as_deref(),
    };
    let mut head = suite::head_results(&config);
    head.logs = logs.map(|folder| folder.display().to_string());
    let finished = suite::run(&plan, &baseline, head, measure::measure, |e| watch.on(e))?;
    if finished.interrupted {
        return Err(CommandError::Interrupted);
    }
    progress.clear();
    let results = finished.results;
    print_table_and_suggestions(&results, &args);
    // A report that cannot be written costs neither the summary, nor the outputs, nor the
    // comment (whose failures are warnings, never the verdict); then it is memgate's error.
    let written = super::report::write_outputs(&results, &Outputs::from(&args.reports));
    github::publish(&results, &config, &publish_options(&args));
    written?;
    if interrupt::stop_signal().is_some() {
        return Err(CommandError::Interrupted);
    }
    Ok(Exit::of(results.status()))
}

/// The setup of the head: in place, or with a base measured beside it (`beside_base`) in a fresh
/// checkout of its own, set up as the base's is (docs/baseline.md), which is returned to be held,
/// as the base's, until the end of the run.
fn set_up_head(
    config: &Config,
    beside_base: bool,
    progress: &mut Progress,
) -> Result<Option<HeadTree>, CommandError> {
    let mut note = |line: &str| progress.note(line);
    if beside_base {
        match HeadTree::prepare(config, &mut note) {
            Ok(tree) => return Ok(Some(tree)),
            // No checkout of the head (the config is not in a git repository): nor will there
            // be one of the base, which then warns; the head runs in place.
            Err(HeadError::Failed(reason)) => note(&format!(
                "warning: the head is set up and run in place: {reason}"
            )),
            Err(err) => return Err(message(err)),
        }
    }
    suite::setup::run(config, &mut note).map_err(message)?;
    Ok(None)
}

/// What becomes of the benchmarks' output (README, "Benchmark output"), and the log folder when
/// there is one: `--logs DIR`, else `NAME.logs` beside the `--json` file (when that is a file,
/// not a device or a FIFO); checked as every output is.
fn output(args: &CheckArgs) -> Result<(Output, Option<PathBuf>), String> {
    if args.show_output {
        return Ok((Output::Shown, None));
    }
    let beside_json = args
        .json
        .as_deref()
        .filter(|json| std::fs::metadata(json).map_or(true, |meta| meta.is_file()));
    let folder = args.logs.clone().or_else(|| {
        beside_json.map(|json| {
            let stem = json.file_stem().unwrap_or_default().to_string_lossy();
            json.with_file_name(format!("{stem}.logs"))
        })
    });
    if let Some(folder) = &folder {
        output_paths::check_folder(folder)?;
    }
    Ok((
        Output::Captured {
            folder: folder.clone(),
        },
        folder,
    ))
}

/// Every file and folder the run will write, before anything runs (`output_paths`).
fn check_output_paths(args: &CheckArgs) -> Result<(), String> {
    if let Some(json) = &args.json {
        output_paths::check_file(json, false)?;
    }
    let reports = &args.reports;
    for file in [&reports.markdown, &reports.html, &reports.junit]
        .into_iter()
        .flatten()
    {
        output_paths::check_file(file, true)?;
    }
    match &reports.charts {
        Some(dir) => output_paths::check_folder(dir),
        None => Ok(()),
    }
}

/// What `check` does as the suite goes: progress lines, a `::group::` per benchmark on GitHub,
/// and the results file rewritten after each benchmark.
struct Watch<'a> {
    progress: &'a mut Progress,
    group: Option<Group>,
    grouped: bool,
    json: Option<&'a Path>,
}

impl Watch<'_> {
    fn on(&mut self, event: Event<'_>) -> Result<(), CommandError> {
        match event {
            Event::BenchmarkStarted { name, .. } => {
                self.group = Some(Group::start(self.grouped, name));
            }
            Event::BenchmarkFinished { .. } => self.group = None, // ends the group
            Event::RunStarted { .. } | Event::Attributing { .. } => {}
        }
        self.progress.show(&event);
        match (event, self.json) {
            (Event::BenchmarkFinished { results, .. }, Some(path)) => write_results(results, path),
            _ => Ok(()),
        }
    }
}

fn message(err: impl std::fmt::Display) -> CommandError {
    CommandError::Message(err.to_string())
}

/// The terminal table (unless `--quiet`), and with `--suggest` the budgets to paste.
fn print_table_and_suggestions(results: &Results, args: &CheckArgs) {
    let color = use_color(args.color, &io::stdout());
    let shown = if args.quiet {
        // The verdict alone.
        terminal::summary_line(&SuiteView::new(results), color)
    } else {
        terminal::render(results, color)
    };
    let _ = io::stdout().write_all(shown.as_bytes());
    if args.suggest {
        let blocks = crate::gate::suggest::suggest(results, args.headroom);
        let text = if blocks.is_empty() {
            "memgate: every benchmark has a budget that fits its use; nothing to suggest\n"
                .to_string()
        } else {
            format!(
                "# suggested budgets (measured + {:.0}% headroom); paste into memgate.yml\n{blocks}",
                args.headroom * 100.0
            )
        };
        let _ = io::stdout().write_all(text.as_bytes());
    }
}

/// What the GitHub reporter needs of the command line.
fn publish_options(args: &CheckArgs) -> Publish<'_> {
    Publish {
        github: args.github,
        quiet: args.quiet,
        no_comment: args.no_comment,
        comment: args.comment,
        json: args.json.as_deref(),
    }
}

/// `--baseline-ref [REF]`: REF (or the pull request's base) checked for what git may be given;
/// a refused ref is bad usage (exit 2), before anything runs.
fn base_ref(args: &CheckArgs) -> Result<Option<BaseRef>, String> {
    let reference = match &args.baseline_ref {
        None => return Ok(None),
        Some(Some(reference)) => reference.clone(),
        Some(None) => pull_request_base().ok_or_else(|| {
            "--baseline-ref without a REF needs a pull request event (GITHUB_EVENT_PATH); name the base, e.g. --baseline-ref origin/main".to_string()
        })?,
    };
    BaseRef::parse(&reference)
        .map(Some)
        .map_err(|err| format!("--baseline-ref {err}"))
}

/// `pull_request.base.sha` from the GitHub event payload (read once, size-capped, by the GitHub
/// context).
fn pull_request_base() -> Option<String> {
    github::Context::from_env(&github::ProcessEnv)
        .pull_request?
        .base_sha
}
