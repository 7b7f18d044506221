//! `memgate check`: run the benchmarks of `memgate.yml`, gate them, report.
//!
//! Setup once; then each selected benchmark `warmup + runs` times; a verdict per benchmark; the
//! results file rewritten atomically after every benchmark, so that a crash later loses nothing.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use crate::cli::CheckArgs;
use crate::config::{self, Config, Invocation, ResolvedBenchmark};
use crate::gate::compare;
use crate::gate::verdict;
use crate::github::Publish;
use crate::measure::{self, Launch, MeasureError, RunSpec, interrupt};
use crate::report::terminal;
use crate::results::{
    BaselineInfo, BenchmarkResult, BudgetFigures, Environment, Method, Results, RunResult, Subject,
    timestamp,
};
use crate::worktree::Worktree;

use super::progress::Progress;
use super::shared::{load_config, use_color};
use super::{CommandError, CommandResult, Exit};

pub fn execute(args: CheckArgs) -> CommandResult {
    let args = &args;
    let config = load_config(&args.config)?;
    let mut selected = select(&config, &args.names, &args.tags)?;
    if let Some(shard) = args.shard {
        selected.retain(|b| shard.contains(&b.name));
    }
    for path in [&args.json, &args.junit].into_iter().flatten() {
        crate::results::prepare_output(path)?;
    }
    let base_file = args
        .baseline
        .as_deref()
        .map(crate::results::read)
        .transpose()?;
    interrupt::install();
    let mut progress = Progress::new(selected.len(), args.quiet);
    run_setup(&config, &mut progress)?;
    // Held until the end of the run: dropping it removes the base's worktree, on every path out.
    let base_side = match baseline_ref(args)? {
        Some(reference) => BaseSide::prepare(&config, &reference, &mut progress),
        None => Err(String::new()),
    };
    let mut missing_base = match (&base_side, &args.baseline_ref) {
        (Err(reason), Some(_)) => {
            progress.note(&format!(
                "warning: no baseline ({reason}); gating on budgets alone"
            ));
            Some(reason.clone())
        }
        _ => None,
    };
    let base_side = base_side.ok();

    let mut results = Results::new(Environment::detect(Method::Sampled), timestamp());
    results.environment.git_sha = crate::worktree::head_sha(&config_folder(&config.path));
    let mut base_results = base_side.as_ref().map(|side| {
        let mut base = Results::new(results.environment.clone(), timestamp());
        base.environment.git_sha = Some(side.worktree.sha().to_string());
        base
    });
    let mut method_known = false;
    let on_github = crate::github::enabled(args.github);
    for (index, benchmark) in selected.iter().enumerate() {
        let base_benchmark = base_side
            .as_ref()
            .and_then(|side| side.config.benchmark(&benchmark.name));
        let group =
            crate::github::workflow::Group::start(on_github && !args.quiet, &benchmark.name);
        let (result, base_result) =
            run_benchmark(benchmark, base_benchmark, args, &mut progress, index);
        drop(group);
        let interrupted = result.runs.iter().any(|r| r.interrupted.is_some())
            || base_result
                .as_ref()
                .is_some_and(|b| b.runs.iter().any(|r| r.interrupted.is_some()));
        if !method_known && !result.runs.is_empty() {
            results.environment.method = result.method;
            method_known = true;
        }
        results.benchmarks.push(result);
        if let (Some(base), Some(result)) = (base_results.as_mut(), base_result) {
            base.benchmarks.push(result);
        }
        let base = base_file.as_ref().or(base_results.as_ref());
        if let Some(base) = base {
            let source = match (&args.baseline, &args.baseline_ref) {
                (Some(path), _) => format!("file:{}", path.display()),
                (None, _) => format!("ref:{}", base.environment.git_sha.as_deref().unwrap_or("")),
            };
            compare::apply_baseline(&mut results, base, source, |name| {
                config
                    .benchmark(name)
                    .map(|b| b.regression.clone())
                    .unwrap_or_default()
            });
        }
        if let Some(reason) = missing_base.take() {
            results.baseline = Some(BaselineInfo {
                source: format!(
                    "ref:{}",
                    args.baseline_ref.clone().flatten().unwrap_or_default()
                ),
                missing_reason: Some(reason),
                ..BaselineInfo::default()
            });
        }
        progress.finished(index, results.benchmarks.last().expect("just pushed"));
        if let Some(path) = &args.json {
            results
                .write_atomic(path)
                .map_err(|source| CommandError::Write {
                    path: path.clone(),
                    source,
                })?;
        }
        if interrupted {
            return Err(CommandError::Interrupted);
        }
    }
    progress.clear();

    if !args.quiet {
        let color = use_color(args.color, &io::stdout());
        let _ = io::stdout().write_all(terminal::render(&results, color).as_bytes());
    }
    if args.suggest {
        let blocks = crate::gate::suggest::suggest(&results, args.headroom);
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
    super::report::write_outputs(
        &results,
        &super::report::Outputs {
            markdown: args.markdown.as_deref(),
            charts: args.charts.as_deref(),
            html: args.html.as_deref(),
            junit: args.junit.as_deref(),
        },
    )?;
    // Summary, outputs, annotations, comment: failures are warnings, never the verdict.
    crate::github::publish(&results, &config, &publish_options(args));
    Ok(Exit::of(results.status()))
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

/// The benchmarks named (all when none), keeping the file's order, filtered by tags.
fn select<'a>(
    config: &'a Config,
    names: &[String],
    tags: &[String],
) -> Result<Vec<&'a ResolvedBenchmark>, String> {
    for name in names {
        if !config.benchmarks.iter().any(|b| &b.name == name) {
            let known: Vec<&str> = config.benchmarks.iter().map(|b| b.name.as_str()).collect();
            return Err(format!(
                "no benchmark named `{name}` in {} (known: {})",
                config.path.display(),
                known.join(", ")
            ));
        }
    }
    let selected: Vec<&ResolvedBenchmark> = config
        .benchmarks
        .iter()
        .filter(|b| names.is_empty() || names.contains(&b.name))
        .filter(|b| tags.is_empty() || b.tags.iter().any(|t| tags.contains(t)))
        .collect();
    if selected.is_empty() {
        return Err(format!("no benchmark has the tag(s) {}", tags.join(", ")));
    }
    Ok(selected)
}

/// Runs each `setup` step through `sh -c` in the config's folder; the first failure stops the run
/// with its output.
fn run_setup(config: &Config, progress: &mut Progress) -> Result<(), String> {
    let folder = config_folder(&config.path);
    for step in &config.setup {
        progress.note(&format!("setup: {step}"));
        let started = Instant::now();
        let mut command = std::process::Command::new("sh");
        command
            .args(["-c", step])
            .current_dir(&folder)
            .stdin(Stdio::null());
        measure::spawn::hide_tokens(&mut command);
        let output = command
            .output()
            .map_err(|err| format!("setup step `{step}` could not start: {err}"))?;
        if !output.status.success() {
            let mut message = format!("setup step `{step}` failed ({})", output.status);
            for stream in [&output.stdout, &output.stderr] {
                let text = String::from_utf8_lossy(stream);
                if !text.trim().is_empty() {
                    message.push('\n');
                    message.push_str(text.trim_end());
                }
            }
            return Err(message);
        }
        progress.note(&format!(
            "setup: done in {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}

fn config_folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The base commit's side of `--baseline-ref`: its worktree and its own config.
struct BaseSide {
    worktree: Worktree,
    config: Config,
}

impl BaseSide {
    /// Checks out the base, loads its memgate.yml and runs its setup. Any failure is a reason to
    /// gate on budgets alone, never a failure of the gate.
    fn prepare(head: &Config, reference: &str, progress: &mut Progress) -> Result<Self, String> {
        let head_config = head
            .path
            .canonicalize()
            .map_err(|err| format!("{}: {err}", head.path.display()))?;
        let folder = config_folder(&head_config);
        progress.note(&format!("baseline: checking out {reference}"));
        let worktree = Worktree::create(&folder, reference)?;
        let relative = head_config
            .strip_prefix(worktree.repo())
            .map_err(|_| "the config is outside the git repository".to_string())?;
        let base_config_path = worktree.dir().join(relative);
        if !base_config_path.exists() {
            return Err(format!("{reference} has no {}", relative.display()));
        }
        let config = config::load(&base_config_path)
            .map_err(|errors| format!("{reference}'s config is invalid:\n{errors}"))?;
        run_setup(&config, progress).map_err(|err| format!("{reference}: {err}"))?;
        Ok(Self { worktree, config })
    }
}

/// The REF of `--baseline-ref`: given, or on GitHub the pull request's base commit.
fn baseline_ref(args: &CheckArgs) -> Result<Option<String>, String> {
    match &args.baseline_ref {
        None => Ok(None),
        Some(Some(reference)) => Ok(Some(reference.clone())),
        Some(None) => pull_request_base().map(Some).ok_or_else(|| {
            "--baseline-ref without a REF needs a pull request event (GITHUB_EVENT_PATH); name the base, e.g. --baseline-ref origin/main".to_string()
        }),
    }
}

/// `pull_request.base.sha` from the GitHub event payload (read once, size-capped, by the GitHub
/// context).
fn pull_request_base() -> Option<String> {
    crate::github::Context::from_env(&crate::github::ProcessEnv)
        .pull_request?
        .base_sha
}

fn launch_spec(benchmark: &ResolvedBenchmark, args: &CheckArgs) -> RunSpec {
    RunSpec {
        launch: Launch {
            argv: match &benchmark.command {
                Invocation::Shell(line) => vec!["sh".into(), "-c".into(), line.clone()],
                Invocation::Argv(argv) => argv.clone(),
            },
            cwd: Some(benchmark.cwd.clone()),
            env: benchmark
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        },
        interval: benchmark.interval,
        timeout: Some(benchmark.timeout),
        method: args.method.into(),
    }
}

/// One side's runs so far, or why it could not start.
struct Side<'a> {
    benchmark: &'a ResolvedBenchmark,
    spec: RunSpec,
    runs: Vec<RunResult>,
    method: Method,
    failed: Option<MeasureError>,
    done: bool,
}

/// Runs one benchmark `warmup + runs` times and judges it; with a base, base and head alternate
/// run by run (ABAB…) so that drift of a shared machine falls on both.
fn run_benchmark(
    benchmark: &ResolvedBenchmark,
    base: Option<&ResolvedBenchmark>,
    args: &CheckArgs,
    progress: &mut Progress,
    index: usize,
) -> (BenchmarkResult, Option<BenchmarkResult>) {
    let runs_wanted = args.runs.unwrap_or(benchmark.runs).max(1);
    let warmup = benchmark.warmup;
    let mut sides: Vec<Side> = base
        .into_iter()
        .chain(std::iter::once(benchmark))
        .map(|b| Side {
            benchmark: b,
            spec: launch_spec(b, args),
            runs: Vec::new(),
            method: Method::Sampled,
            failed: None,
            done: false,
        })
        .collect();
    let total = warmup + runs_wanted;
    let with_base = sides.len() > 1;
    for attempt in 0..total {
        for (i, side) in sides.iter_mut().enumerate() {
            if side.done {
                continue;
            }
            let is_warmup = attempt < warmup;
            let label = if with_base && i == 0 {
                format!("{} (base)", side.benchmark.name)
            } else {
                side.benchmark.name.clone()
            };
            progress.running(index, &label, attempt, total, is_warmup);
            match measure::measure(&side.spec) {
                Ok(measurement) => {
                    side.method = measurement.method;
                    let run = measurement.run;
                    // A crashed run makes the benchmark an error: further runs say nothing new.
                    side.done = !run.succeeded();
                    if !is_warmup || side.done {
                        side.runs.push(run);
                    }
                }
                Err(err) => {
                    side.failed = Some(err);
                    side.done = true;
                }
            }
        }
        if sides
            .iter()
            .any(|s| s.runs.iter().any(|r| r.interrupted.is_some()))
        {
            break;
        }
    }
    let mut results: Vec<BenchmarkResult> = sides.into_iter().map(finish).collect();
    let head = results.pop().expect("the head side");
    (head, results.pop())
}

/// One side's result from its runs.
fn finish(side: Side<'_>) -> BenchmarkResult {
    let benchmark = side.benchmark;
    if let Some(err) = &side.failed {
        return could_not_run(benchmark, err);
    }
    let subject = Subject {
        config_line: Some(benchmark.budget_line.unwrap_or(benchmark.line)),
        ..subject(benchmark)
    };
    let figures = verdict::aggregate(&side.runs);
    let verdict = verdict::judge(&side.runs, &figures, subject.budget.as_ref(), None);
    BenchmarkResult::judged(subject, side.method, side.runs, &figures, verdict)
}

/// A benchmark whose command could not even start (e.g. `argv` names a missing program): an
/// error of that benchmark, not of memgate.
fn could_not_run(benchmark: &ResolvedBenchmark, err: &MeasureError) -> BenchmarkResult {
    BenchmarkResult::not_run(subject(benchmark), err.to_string())
}

/// What the results say of `benchmark` from memgate.yml; annotations point to its name's line.
fn subject(benchmark: &ResolvedBenchmark) -> Subject {
    Subject {
        name: benchmark.name.clone(),
        command: command_text(&benchmark.command),
        tags: benchmark.tags.clone(),
        config_line: Some(benchmark.line),
        budget: budget_figures(benchmark),
    }
}

fn budget_figures(benchmark: &ResolvedBenchmark) -> Option<BudgetFigures> {
    let budget = &benchmark.budget;
    let any = budget.peak.is_some() || budget.steady.is_some() || budget.growth.is_some();
    any.then_some(BudgetFigures {
        peak_bytes: budget.peak,
        steady_bytes: budget.steady,
        growth_bytes_per_sec: budget.growth,
        warn_at: budget.warn_at,
        include_file: budget.include_file,
    })
}

fn command_text(command: &Invocation) -> String {
    match command {
        Invocation::Shell(line) => line.clone(),
        Invocation::Argv(argv) => super::run::shell_words(argv),
    }
}
