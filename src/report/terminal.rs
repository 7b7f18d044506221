//! The terminal table: one row per benchmark, the reason under a row that did not pass, and the
//! gate's verdict in one line at the end.

use anstyle::{AnsiColor, Style};

use crate::report::text::{self, plural};
use crate::report::view::{BenchmarkView, SuiteView};
use crate::results::{Results, Status};
use crate::units::{format_rate, format_size};

/// Renders the table; `color` adds ANSI styles (the caller decides: TTY, `NO_COLOR`, `--color`).
pub fn render(results: &Results, color: bool) -> String {
    let suite = SuiteView::new(results);
    let compared = suite.compared;
    let mut header = vec!["status", "benchmark", "peak", "steady", "growth", "budget"];
    if compared {
        header.push("vs base");
    }
    header.extend(["runs", "method"]);
    let rows: Vec<Vec<String>> = suite.benchmarks.iter().map(|b| row(b, compared)).collect();
    let last_figure = header.len() - 2;
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let paint = |style: Style, text: &str| paint(color, style, text);
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
    for (benchmark, cells) in suite.benchmarks.iter().zip(&rows) {
        let mut styles = vec![Style::new(); cells.len()];
        styles[0] = status_style(benchmark.status);
        out.push_str(&line(cells, &styles));
        if let Some(reason) = benchmark.reason {
            let indent = " ".repeat(widths[0] + 2);
            out.push_str(&format!(
                "{indent}{}\n",
                paint(status_style(benchmark.status), reason)
            ));
        }
    }
    if let Some(baseline) = suite.baseline {
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
    out.push_str(&summary_line(&suite, color));
    out
}

fn row(b: &BenchmarkView, compared: bool) -> Vec<String> {
    let mut cells = vec![
        b.status.as_str().to_string(),
        b.name.to_string(),
        format_size(b.figures.peak_bytes),
        format_size(b.figures.steady_bytes),
        format_rate(b.figures.growth_bytes_per_sec),
        text::share(b.check_share),
    ];
    if compared {
        cells.push(text::peak_change_percent(b));
    }
    cells.extend([b.runs.len().to_string(), b.method.to_string()]);
    cells
}

/// `text` in `style` when `color`, else as it is.
fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
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
pub fn summary_line(suite: &SuiteView, color: bool) -> String {
    let count = |status| {
        suite
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
    let status = suite.status;
    let verdict = if status.passes() {
        "the gate passed"
    } else {
        "the gate failed"
    };
    let verdict = paint(color, status_style(status), verdict);
    let n = suite.benchmarks.len();
    format!(
        "memgate: {n} benchmark{} — {}: {verdict}\n",
        plural(n),
        if parts.is_empty() {
            "none run".to_string()
        } else {
            parts.join(", ")
        }
    )
}
