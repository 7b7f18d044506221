//! The terminal table: one row per benchmark, the reason under a row that did not pass, and the
//! gate's verdict in one line at the end.

use anstyle::{AnsiColor, Style};

use crate::results::{BenchmarkResult, Results, Status};
use crate::units::{format_rate, format_size};
use crate::verdict::budget_use;

/// Renders the table; `color` adds ANSI styles (the caller decides: TTY, `NO_COLOR`, `--color`).
pub fn render(results: &Results, color: bool) -> String {
    let header = [
        "status",
        "benchmark",
        "peak",
        "steady",
        "growth",
        "budget",
        "runs",
        "method",
    ];
    let rows: Vec<[String; 8]> = results.benchmarks.iter().map(row).collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let paint = |style: Style, text: &str| {
        if color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    };
    let line = |cells: &[String], styles: &[Style]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            // Names and words left-aligned; figures right-aligned.
            let text = if (2..=6).contains(&i) {
                format!("{}{cell}", " ".repeat(pad))
            } else {
                format!("{cell}{}", " ".repeat(pad))
            };
            out.push_str(&paint(styles[i], &text));
            out.push_str("  ");
        }
        out.trim_end().to_string() + "\n"
    };
    let bold = Style::new().bold();
    let mut out = line(&header.map(String::from), &[bold; 8]);
    for (benchmark, cells) in results.benchmarks.iter().zip(&rows) {
        let mut styles = [Style::new(); 8];
        styles[0] = status_style(benchmark.status);
        out.push_str(&line(cells, &styles));
        if let Some(reason) = &benchmark.reason {
            let indent = " ".repeat(widths[0] + 2);
            out.push_str(&format!(
                "{indent}{}\n",
                paint(status_style(benchmark.status), reason)
            ));
        }
    }
    out.push_str(&summary_line(results, color));
    out
}

fn row(b: &BenchmarkResult) -> [String; 8] {
    let budget = b
        .checks
        .iter()
        .map(budget_use)
        .fold(None, |most: Option<f64>, used| {
            Some(most.map_or(used, |m| m.max(used)))
        })
        .map_or_else(|| "—".to_string(), |used| format!("{:.0}%", used * 100.0));
    [
        b.status.as_str().to_string(),
        b.name.clone(),
        format_size(b.peak_bytes),
        format_size(b.steady_bytes),
        format_rate(b.growth_bytes_per_sec),
        budget,
        b.runs.len().to_string(),
        b.method.to_string(),
    ]
}

fn status_style(status: Status) -> Style {
    let color = match status {
        Status::Pass => AnsiColor::Green,
        Status::Warn => AnsiColor::Yellow,
        Status::Fail => AnsiColor::Red,
        Status::Error => AnsiColor::Magenta,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

/// "memgate: 5 benchmarks — 3 pass, 1 warn, 1 fail: the gate failed".
pub fn summary_line(results: &Results, color: bool) -> String {
    let count = |status| {
        results
            .benchmarks
            .iter()
            .filter(|b| b.status == status)
            .count()
    };
    let parts: Vec<String> = [Status::Pass, Status::Warn, Status::Fail, Status::Error]
        .into_iter()
        .filter(|&s| count(s) > 0)
        .map(|s| format!("{} {}", count(s), s.as_str()))
        .collect();
    let status = results.worst_status();
    let verdict = if status.passes() {
        "the gate passed"
    } else {
        "the gate failed"
    };
    let verdict = if color {
        let style = status_style(status);
        format!("{}{verdict}{}", style.render(), style.render_reset())
    } else {
        verdict.to_string()
    };
    let n = results.benchmarks.len();
    format!(
        "memgate: {n} benchmark{} — {}: {verdict}\n",
        if n == 1 { "" } else { "s" },
        if parts.is_empty() {
            "none run".to_string()
        } else {
            parts.join(", ")
        }
    )
}
