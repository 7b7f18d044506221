//! `memgate check`: run the benchmarks of `memgate.yml`, gate them, report.
//!
//! Setup once; then each selected benchmark `warmup + runs` times; a verdict per benchmark; the
//! results file rewritten atomically after every benchmark, so that a crash later loses nothing.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use crate::cli::{CheckArgs, ColorChoice, Outcome};
use crate::config::{self, Command, Config, ResolvedBenchmark};
use crate::measure::{self, Launch, MeasureError, RunSpec, interrupt};
use crate::report::{junit, terminal};
use crate::results::{BenchmarkResult, BudgetFigures, Environment, Results, RunResult, Status};
use crate::units::format_size;
use crate::verdict;

use super::progress::Progress;

pub fn execute(args: CheckArgs) -> Outcome {
    match check(&args) {
        Ok(outcome) => outcome,
        Err(message) => {
            let _ = writeln!(io::stderr(), "memgate: {message}");
            Outcome::Error
        }
    }
}

fn check(args: &CheckArgs) -> Result<Outcome, String> {
    let config = load_config(&args.config)?;
    let selected = select(&config, &args.names, &args.tags)?;
    interrupt::install();
    let mut progress = Progress::new(selected.len(), args.quiet);
    run_setup(&config, &mut progress)?;

    let mut results = Results::new(Environment::detect(measure::Method::Sampled));
    let mut method_known = false;
    for (index, benchmark) in selected.iter().enumerate() {
        let result = run_benchmark(benchmark, args, &mut progress, index);
        let interrupted = result.runs.iter().any(|r| r.interrupted.is_some());
        if !method_known && !result.runs.is_empty() {
            results.environment.method = result.method;
            method_known = true;
        }
        progress.finished(index, &result);
        results.benchmarks.push(result);
        results.status = results.worst_status();
        if let Some(path) = &args.json {
            results
                .write_atomic(path)
                .map_err(|err| format!("could not write {}: {err}", path.display()))?;
        }
        if interrupted {
            return Err("interrupted; results so far are written".to_string());
        }
    }
    progress.clear();

    if !args.quiet {
        let color = use_color(args.color, &io::stdout());
        let _ = io::stdout().write_all(terminal::render(&results, color).as_bytes());
    }
    if let Some(path) = &args.junit {
        crate::results::write_atomic(path, junit::render(&results).as_bytes())
            .map_err(|err| format!("could not write {}: {err}", path.display()))?;
    }
    Ok(if results.status.passes() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}

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
        let output = std::process::Command::new("sh")
            .args(["-c", step])
            .current_dir(&folder)
            .stdin(Stdio::null())
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

/// Runs one benchmark `warmup + runs` times and judges it.
fn run_benchmark(
    benchmark: &ResolvedBenchmark,
    args: &CheckArgs,
    progress: &mut Progress,
    index: usize,
) -> BenchmarkResult {
    let runs_wanted = args.runs.unwrap_or(benchmark.runs).max(1);
    let spec = RunSpec {
        launch: Launch {
            argv: match &benchmark.command {
                Command::Shell(line) => vec!["sh".into(), "-c".into(), line.clone()],
                Command::Argv(argv) => argv.clone(),
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
        method: args.method,
    };
    let budget = budget_figures(benchmark);
    let mut runs: Vec<RunResult> = Vec::new();
    let mut method = measure::Method::Sampled;
    let total = benchmark.warmup + runs_wanted;
    for attempt in 0..total {
        let warmup = attempt < benchmark.warmup;
        progress.running(index, &benchmark.name, attempt, total, warmup);
        match measure::measure(&spec) {
            Ok(measurement) => {
                method = measurement.method;
                let run = RunResult::from(&measurement);
                let stop = !run.succeeded();
                if !warmup || stop {
                    runs.push(run);
                }
                // A crashed run makes the benchmark an error: further runs would say nothing new.
                if stop {
                    break;
                }
            }
            Err(err) => return could_not_run(benchmark, budget, &err),
        }
    }
    let figures = verdict::aggregate(&runs);
    let verdict = verdict::judge(&runs, &figures, budget.as_ref());
    BenchmarkResult {
        name: benchmark.name.clone(),
        command: command_text(&benchmark.command),
        status: verdict.status,
        reason: verdict.reason,
        peak_bytes: figures.peak_bytes,
        steady_bytes: figures.steady_bytes,
        growth_bytes_per_sec: figures.growth_bytes_per_sec,
        duration_secs: figures.duration_secs,
        method,
        tags: benchmark.tags.clone(),
        peak_spread_bytes: (runs.len() > 1).then_some(figures.peak_spread_bytes),
        runs,
        budget,
        checks: verdict.checks,
        config_line: Some(benchmark.budget_line.unwrap_or(benchmark.line)),
        baseline: None,
        comparison: None,
    }
}

/// A benchmark whose command could not even start (e.g. `argv` names a missing program): an
/// error of that benchmark, not of memgate.
fn could_not_run(
    benchmark: &ResolvedBenchmark,
    budget: Option<BudgetFigures>,
    err: &MeasureError,
) -> BenchmarkResult {
    BenchmarkResult {
        name: benchmark.name.clone(),
        command: command_text(&benchmark.command),
        status: Status::Error,
        reason: Some(err.to_string()),
        peak_bytes: 0,
        steady_bytes: 0,
        growth_bytes_per_sec: 0.0,
        duration_secs: 0.0,
        method: measure::Method::Sampled,
        tags: benchmark.tags.clone(),
        peak_spread_bytes: None,
        runs: Vec::new(),
        budget,
        checks: Vec::new(),
        config_line: Some(benchmark.line),
        baseline: None,
        comparison: None,
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

fn command_text(command: &Command) -> String {
    match command {
        Command::Shell(line) => line.clone(),
        Command::Argv(argv) => super::run::shell_words(argv),
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

/// One line for plain (non-TTY) progress: "train-f32: pass — peak 312.0 MiB in 2.1 s".
pub fn one_line(result: &BenchmarkResult) -> String {
    let mut line = format!(
        "{}: {} — peak {}, steady {}",
        result.name,
        result.status.as_str(),
        format_size(result.peak_bytes),
        format_size(result.steady_bytes)
    );
    if let Some(reason) = &result.reason {
        line.push_str(&format!(" ({reason})"));
    }
    line
}
