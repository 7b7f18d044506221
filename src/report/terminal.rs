//! The terminal table: one row per benchmark, the reason under a row that did not pass, and the
//! gate's verdict in one line at the end.
//!
//! Names, reasons and the base's lines come from a config or a results file: each is shown as
//! [`log_cell`] shows it (control characters, bidirectional overrides and workflow commands
//! escaped, cut to a length), and columns are aligned by the display width of what is shown.

use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthStr;

use crate::report::breakdown;
use crate::report::escape::log_cell;
use crate::report::text::{self, plural};
use crate::report::view::{BenchmarkView, SuiteView};
use crate::results::{Results, Status};
use crate::units::format_size;

/// Names longer than this are cut (with "…"), as in the Markdown report.
const NAME_CHARS: usize = 80;

/// Reasons longer than this are cut, as in the Markdown report's details.
const REASON_CHARS: usize = 300;

/// Renders the table; `color` adds ANSI styles (the caller decides: TTY, `NO_COLOR`, `--color`).
pub fn render(results: &Results, color: bool) -> String {
    let suite = SuiteView::new(results);
    let compared = suite.compared;
    let mut header = vec![
        "status",
        "benchmark",
        "peak",
        "steady",
        "growth",
        "budget use",
    ];
    if compared {
        header.extend(["vs base", "limit"]);
    }
    header.extend(["runs", "method"]);
    let rows: Vec<Vec<String>> = suite.benchmarks.iter().map(|b| row(b, compared)).collect();
    let last_figure = header.len() - 2;
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let paint = |style: Style, text: &str| paint(color, style, text);
    let line = |cells: &[String], styles: &[Style]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.width();
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
            let reason = log_cell(reason, REASON_CHARS);
            out.push_str(&format!(
                "{indent}{}\n",
                paint(status_style(benchmark.status), &reason)
            ));
        }
    }
    out.push_str(&breakdowns(&suite));
    if let Some(baseline) = suite.baseline {
        if let Some(reason) = &baseline.missing_reason {
            let reason = log_cell(reason, REASON_CHARS);
            out.push_str(&format!("no baseline: {reason}; gated on budgets alone\n"));
        }
        if let Some(differ) = super::text::setup_differs(baseline) {
            out.push_str(&format!("warning: {differ}\n"));
        }
        if !baseline.removed.is_empty() {
            let removed: Vec<String> = baseline
                .removed
                .iter()
                .map(|name| log_cell(name, NAME_CHARS))
                .collect();
            out.push_str(&format!("gone since the base: {}\n", removed.join(", ")));
        }
    }
    out.push_str(&super::stderr_tail::terminal(results));
    out.push_str(&sites(results));
    out.push_str(&summary_line(&suite, color));
    out
}

fn row(b: &BenchmarkView, compared: bool) -> Vec<String> {
    let mut cells = vec![
        b.status.as_str().to_string(),
        log_cell(b.name, NAME_CHARS),
        format_size(b.figures.peak_bytes),
        format_size(b.figures.steady_bytes),
        text::growth_cell(b),
        text::share(b.budget_share),
    ];
    if compared {
        cells.push(text::peak_change_percent(b));
        cells.push(b.peak_limit().unwrap_or_else(|| text::NONE.to_string()));
    }
    cells.extend([b.runs.len().to_string(), b.method.to_string()]);
    cells
}

/// Under the table, for each benchmark that did not pass: the answer (what held the memory), then
/// its processes at the peak, one line per role, aligned.
fn breakdowns(suite: &SuiteView) -> String {
    let mut out = String::new();
    for b in suite.benchmarks.iter().filter(|b| !b.status.passes()) {
        // The answer first: what held the memory, in one line.
        let answer = super::answer::answer(b);
        if let Some(answer) = &answer {
            let line = answer.sentence(|name| log_cell(name, 120));
            out.push_str(&format!(
                "\n{}: {}\n",
                log_cell(b.name, NAME_CHARS),
                log_cell(&line, 400)
            ));
        }
        let Some(breakdown) = b.breakdown else {
            continue;
        };
        let caption = breakdown::caption(breakdown);
        out.push_str(&format!(
            "{}{} of {}:\n",
            if answer.is_some() { "" } else { "\n" },
            caption,
            log_cell(b.name, NAME_CHARS)
        ));
        let rows: Vec<[String; 4]> = breakdown::rows(breakdown)
            .into_iter()
            .map(|row| {
                let processes = match row.processes.as_str() {
                    "1" | text::NONE => String::new(),
                    count => format!("×{count}"),
                };
                let role = log_cell(&row.role, breakdown::ROLE_CHARS);
                [role, processes, format!("{} MiB", row.mib), row.share]
            })
            .collect();
        let width = |i: usize| rows.iter().map(|r| r[i].width()).max().unwrap_or(0);
        let widths = [width(0), width(1), width(2), width(3)];
        for [role, processes, mib, share] in &rows {
            let line = format!(
                "  {role}{}  {processes}{}  {}{mib}  {}{share}",
                " ".repeat(widths[0] - role.width()),
                " ".repeat(widths[1] - processes.width()),
                " ".repeat(widths[2] - mib.width()),
                " ".repeat(widths[3] - share.width()),
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if let Some(note) = &breakdown.approximate {
            out.push_str(&format!(
                "  shares approximate: {}\n",
                log_cell(note, REASON_CHARS)
            ));
        }
    }
    out
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

/// The allocation sites of each failing benchmark that has them, a few lines each; every name
/// shown as a log line (no control character, no workflow command).
fn sites(results: &Results) -> String {
    let mut out = String::new();
    for b in results.benchmarks.iter().filter(|b| !b.status.passes()) {
        let name = log_cell(&b.name, NAME_CHARS);
        let Some(a) = &b.attribution else { continue };
        let (rows, grown) = super::sites::rows(a);
        if !rows.is_empty() {
            let heading = super::sites::heading(a, b.duration_secs, grown);
            out.push_str(&format!("{name}: {}\n", log_cell(&heading, 300)));
            for row in rows {
                out.push_str(&format!(
                    "  {}  {}  {}  {}\n",
                    log_cell(&row.place, 120),
                    log_cell(&row.function, 60),
                    row.size,
                    log_cell(&row.change, 60)
                ));
            }
        }
        if let Some(note) = &a.note {
            out.push_str(&format!(
                "{name}: allocation sites: {}\n",
                log_cell(note, 400)
            ));
        }
        if let Some(path) = &a.flamegraph {
            out.push_str(&format!("{name}: flame graph: {}\n", log_cell(path, 300)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, budget};

    fn results_named(names: &[&str]) -> Results {
        let benchmarks = names
            .iter()
            .map(|name| {
                let run = testing::run(vec![(0.0, 1 << 20), (1.0, 2 << 20)], 1.0);
                testing::judged(name, "true", vec![run], Some(budget(Some(600))))
            })
            .collect();
        testing::results(
            testing::environment(crate::results::Method::CgroupV2),
            benchmarks,
        )
    }

    #[test]
    fn hostile_site_names_print_no_control_character_nor_workflow_command() {
        let mut results = results_named(&["train"]);
        results.benchmarks[0].status = Status::Fail;
        results.benchmarks[0].attribution = Some(testing::hostile_attribution());
        let shown = render(&results, false);
        assert!(shown.contains("flame graph"), "{shown}");
        for line in shown.lines() {
            assert!(!line.trim_start().starts_with("::"), "{line:?}");
            assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        }
    }

    #[test]
    fn budget_use_is_budget_use_and_the_regression_limit_has_its_own_column() {
        use crate::results::{BaselineFigures, Comparison};
        let mut results = results_named(&["train"]);
        let b = &mut results.benchmarks[0];
        // 2 MiB against a 600 MiB budget, and a base that measured 1.95 MiB: the regression
        // limit (+10%) is nearly used up, the budget is not.
        let base = BaselineFigures {
            peak_bytes: 1_950_000,
            steady_bytes: 1_950_000,
            ..BaselineFigures::default()
        };
        let regression = crate::config::Regression::default();
        crate::gate::compare::rejudge(b, Some(Comparison::Compared), Some(base), &regression);
        let table = render(&results, false);
        let header = table.lines().next().unwrap();
        assert!(
            header.contains("budget use") && header.contains("vs base  limit"),
            "{table}"
        );
        let row = table.lines().nth(1).unwrap();
        assert!(
            row.contains(" 0%  ") && row.contains("+8%   +10%"),
            "{table}"
        );
    }

    #[test]
    fn rows_align_by_the_width_of_what_is_shown() {
        let names = [
            "plain",
            "训练 🚀",
            "a\u{1b}[2J\r\n\u{202e}b",
            &"x".repeat(200),
        ];
        let table = render(&results_named(&names), false);
        let rows: Vec<&str> = table.lines().skip(1).take(names.len()).collect();
        // Every row puts its peak figure's last character in the same column.
        let ends: Vec<usize> = rows
            .iter()
            .map(|row| {
                let end = row.find(" MiB").unwrap_or_else(|| panic!("{row:?}")) + " MiB".len();
                row[..end].width()
            })
            .collect();
        assert!(ends.windows(2).all(|w| w[0] == w[1]), "{ends:?}\n{table}");
        assert!(table.contains("a\\u{1b}[2J\\r\\n\\u{202e}b"), "{table}");
        assert!(
            table.contains(&format!("{}…", "x".repeat(NAME_CHARS - 1))),
            "{table}"
        );
        assert!(
            !table.contains(&"x".repeat(NAME_CHARS)),
            "cut to {NAME_CHARS}"
        );
    }
}
