//! Progress of `memgate check` on stderr: a bar on a terminal (indicatif), plain lines in CI logs,
//! nothing with `--quiet`.

use std::io::{self, IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::report::escape;
use crate::results::BenchmarkResult;
use crate::suite::{Event, Side};
use crate::units::format_size;

pub struct Progress {
    total: usize,
    quiet: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(total: usize, quiet: bool) -> Self {
        let on_terminal = io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = (!quiet && on_terminal).then(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { total, quiet, bar }
    }

    /// A line that stays (setup steps, finished benchmarks). Its parts may quote a config (a
    /// setup step, a reason): each of its lines is shown as [`escape::log_lines`] shows it, so
    /// that none drives the terminal or starts a workflow command.
    pub fn note(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        let line = escape::log_lines(line);
        match &self.bar {
            Some(bar) => bar.println(format!("memgate: {line}")),
            None => {
                let _ = writeln!(io::stderr(), "memgate: {line}");
            }
        }
    }

    /// Shows what a suite is doing: each run as it starts, each benchmark as it ends.
    pub fn show(&mut self, event: &Event<'_>) {
        match *event {
            Event::BenchmarkStarted { .. } => {}
            Event::RunStarted {
                index,
                name,
                side,
                attempt,
                total,
                warmup,
            } => {
                let kind = if warmup { "warm-up run" } else { "run" };
                let base = if side == Side::Base { " (base)" } else { "" };
                let name = escape::log_line(name);
                self.running(
                    index,
                    &format!("{name}{base}: {kind} {}/{total}", attempt + 1),
                );
            }
            Event::Attributing { index, name, side } => {
                let base = if side == Side::Base { " (base)" } else { "" };
                let name = escape::log_line(name);
                self.running(
                    index,
                    &format!("{name}{base}: re-run under memray for allocation sites"),
                );
            }
            Event::BenchmarkFinished { index, results } => {
                if let Some(result) = results.benchmarks.last() {
                    self.finished(index, result);
                }
            }
        }
    }

    fn running(&mut self, index: usize, message: &str) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(index as u64);
                bar.set_message(message.to_string());
            }
            None => self.note(&format!("[{}/{}] {message}", index + 1, self.total)),
        }
    }

    fn finished(&mut self, index: usize, result: &BenchmarkResult) {
        if let Some(bar) = &self.bar {
            bar.set_position(index as u64 + 1);
        }
        self.note(&format!(
            "[{}/{}] {}",
            index + 1,
            self.total,
            one_line(result)
        ));
    }

    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// One line for plain (non-TTY) progress: "train-f32: pass — peak 312.0 MiB in 2.1 s". The name
/// and the reason (which may quote an `argv`) are escaped onto the one line.
fn one_line(result: &BenchmarkResult) -> String {
    let mut line = format!(
        "{}: {} — peak {}, steady {}",
        escape::log_line(&result.name),
        result.status.as_str(),
        format_size(result.peak_bytes),
        format_size(result.steady_bytes)
    );
    if let Some(reason) = &result.reason {
        line.push_str(&format!(" ({})", escape::log_line(reason)));
    }
    line
}
