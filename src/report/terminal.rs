//! The terminal table: one row per benchmark, the reason under a row that did not pass, and the
//! gate's verdict in one line at the end.

use anstyle::{AnsiColor, Style};

use crate::results::{BenchmarkResult, Comparison, Results, Status};
use crate::units::{format_rate, format_size};
use crate::verdict::{budget_use, format_percent_change};

/// Renders the table; `color` adds ANSI styles (the caller decides: TTY, `NO_COLOR`, `--color`).
pub fn render(results: &Results, color: bool) -> String {
    let compared = results.benchmarks.iter().any(|b| b.comparison.is_some());
    let mut header = vec!["status", "benchmark", "peak", "steady", "growth", "budget"];
    if compared {
        header.push("vs base");
    }
    header.extend(["runs", "method"]);
    let rows: Vec<Vec<String>> = results
        .benchmarks
        .iter()
        .map(|b| row(b, compared))
        .collect();
    let last_figure = header.len() - 2;
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
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
            let text = if (2..=last_figure).contains(&i) {
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
    let header: Vec<String> = header.into_iter().map(String::from).collect();
    let mut out = line(&header, &vec![bold; header.len()]);
    for (benchmark, cells) in results.benchmarks.iter().zip(&rows) {
        let mut styles = vec![Style::new(); cells.len()];
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
    if let Some(baseline) = &results.baseline {
        if let Some(reason) = &baseline.missing_reason {
            out.push_str(&format!("no baseline: {reason}; gated on budgets alone\n"));
        }
        if !baseline.removed.is_empty() {
            out.push_str(&format!(
                "gone since the base: {}\n",
                baseline.removed.join(", ")
            ));
        }
    }
    out.push_str(&summary_line(results, color));
    out
}

fn row(b: &BenchmarkResult, compared: bool) -> Vec<String> {
    let budget = b
        .checks
        .iter()
        .map(budget_use)
        .fold(None, |most: Option<f64>, used| {
            Some(most.map_or(used, |m| m.max(used)))
        })
        .map_or_else(|| "—".to_string(), |used| format!("{:.0}%", used * 100.0));
    let mut cells = vec![
        b.status.as_str().to_string(),
        b.name.clone(),
        format_size(b.peak_bytes),
        format_size(b.steady_bytes),
        format_rate(b.growth_bytes_per_sec),
        budget,
    ];
    if compared {
        cells.push(change_vs_base(b));
    }
    cells.extend([b.runs.len().to_string(), b.method.to_string()]);
    cells
}

/// Peak change against the base: "+100%", "new", or "—" when there is nothing to compare.
pub fn change_vs_base(b: &BenchmarkResult) -> String {
    match (b.comparison, &b.baseline) {
        (Some(Comparison::New), _) => "new".to_string(),
        (_, Some(base)) => format_percent_change(base.peak_bytes as f64, b.peak_bytes as f64),
        _ => "—".to_string(),
    }
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
    let status = results.status();
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
