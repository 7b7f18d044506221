//! `memgate run -- CMD`: measure one command and print its figures.
//!
//! The figures go to stderr, like `/usr/bin/time`, so that the command's own stdout stays clean
//! for pipes; a closed stdout or stderr never crashes memgate.

use std::io::{self, Write};

use crate::cli::RunArgs;
use crate::config::Invocation;
use crate::measure::{self, Launch, Measurement, RunSpec};
use crate::report::escape;
use crate::results::{
    BenchmarkResult, CgroupSource, Environment, Results, Status, Subject, Verdict, timestamp,
};
use crate::units::{format_rate, format_size};

use super::shared::write_results;
use super::{CommandResult, Exit};

pub fn execute(args: RunArgs) -> CommandResult {
    let command_line = shell_words(&args.command);
    let spec = RunSpec {
        launch: Launch {
            argv: args.command,
            cwd: None,
            env: Vec::new(),
            // The one-command tool: the command's output is the user's to see.
            output: None,
        },
        interval: args.interval,
        timeout: args.timeout,
        method: args.method.into(),
        cgroup: None,
    };
    if let Some(path) = &args.json {
        crate::results::prepare_output(path)?;
    }
    let measurement = measure::measure(&spec)?;
    // Measured without a cgroup (sampled, by choice or not): "none".
    let cgroup = measure::cgroup_source().or(Some(CgroupSource::None));
    let _ = io::stderr().write_all(render(&command_line, &measurement, cgroup).as_bytes());

    if let Some(path) = &args.json {
        let results = one_benchmark_results(
            args.name.unwrap_or_else(|| command_line.clone()),
            command_line,
            &measurement,
        );
        write_results(&results, path)?;
    }
    Ok(if measurement.run.interrupted.is_some() {
        Exit::Error
    } else if measurement.run.succeeded() {
        Exit::Pass
    } else {
        Exit::Fail
    })
}

/// Phases listed by `memgate run` at most.
const PHASES_SHOWN: usize = 20;

/// The figures of one run, as printed by `memgate run`; the command line shown escaped (its
/// arguments may come from a workflow input).
pub fn render(
    command_line: &str,
    measurement: &Measurement,
    cgroup: Option<CgroupSource>,
) -> String {
    let m = &measurement.run;
    let mut out = String::new();
    let status = if m.succeeded() { "ok" } else { "FAILED" };
    out.push_str(&format!(
        "memgate: `{}` — {} ({status}) in {:.2} s\n",
        escape::log_line(command_line),
        m.ending(),
        m.duration_secs
    ));
    out.push_str(&format!(
        "  peak       {:>12}   anon+shmem; {} with file-backed pages\n",
        format_size(m.peak_bytes),
        format_size(m.peak_total_bytes)
    ));
    out.push_str(&format!(
        "  steady     {:>12}\n",
        format_size(m.steady_bytes)
    ));
    let leak = if m.leak { "leak" } else { "no leak" };
    out.push_str(&format!(
        "  growth     {:>12}   {leak}\n",
        format_rate(m.growth_bytes_per_sec)
    ));
    out.push_str(&format!("  processes  {:>12}\n", m.processes));
    if let Some(kernel) = m.kernel_bytes {
        out.push_str(&format!(
            "  kernel     {:>12}   page tables, slab, sockets (not counted)\n",
            format_size(kernel)
        ));
    }
    let cgroup = cgroup.map_or(String::new(), |c| format!("; cgroup: {c}"));
    out.push_str(&format!(
        "  method     {:>12}   {} samples{cgroup}\n",
        measurement.method.to_string(),
        m.samples
    ));
    // Phase names come from the command: escaped onto their line, cut.
    for phase in m.phases.iter().take(PHASES_SHOWN) {
        out.push_str(&format!(
            "  phase      {:>12}   {} ({:.2}–{:.2} s)\n",
            format_size(phase.peak_bytes),
            escape::log_cell(&phase.name, 64),
            phase.start_secs,
            phase.end_secs
        ));
    }
    if m.phases.len() > PHASES_SHOWN {
        out.push_str(&format!(
            "  phase      and {} more (see --json)\n",
            m.phases.len() - PHASES_SHOWN
        ));
    }
    if let Some(u) = &m.uncertainty {
        out.push_str(&format!(
            "  uncertain: peak between {} and {}: {}\n",
            format_size(u.lower_bytes),
            format_size(u.upper_bytes),
            u.reason
        ));
    }
    for note in &m.notes {
        out.push_str(&format!("  note: {note}\n"));
    }
    out
}

/// The results file of `memgate run --json`: one benchmark of one run, an error when the command
/// did not succeed.
fn one_benchmark_results(name: String, command: String, measurement: &Measurement) -> Results {
    let Measurement { method, run } = measurement;
    let mut results = Results::new(Environment::detect(*method), timestamp());
    results.environment.cgroup = measure::cgroup_source().or(Some(CgroupSource::None));
    let runs = vec![run.clone()];
    let figures = crate::gate::verdict::aggregate(&runs, &Default::default());
    // No budget to judge by: the run's own success is the verdict.
    let (status, reason) = if run.succeeded() {
        (Status::Pass, None)
    } else {
        (Status::Error, Some(format!("the command {}", run.ending())))
    };
    let verdict = Verdict {
        status,
        reason,
        checks: Vec::new(),
    };
    let subject = Subject {
        name,
        command,
        ..Subject::default()
    };
    let benchmark = BenchmarkResult::judged(subject, *method, runs, &figures, verdict);
    results.benchmarks.push(benchmark);
    results
}

/// The argv as one line a shell would read back (words with spaces or quotes are quoted), as
/// the config shows an `argv:` command.
fn shell_words(argv: &[String]) -> String {
    Invocation::Argv(argv.to_vec()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_quotes_what_a_shell_would_split() {
        let argv: Vec<String> = ["python3", "-c", "print('hi there')", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            shell_words(&argv),
            r#"python3 -c 'print('\''hi there'\'')' ''"#
        );
    }
}
