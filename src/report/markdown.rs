//! Markdown for the pull-request comment and the job summary (`--markdown FILE`).
//!
//! In order: the hidden marker the comment is found by, the verdict in one line, the base, a table
//! of every benchmark, a Mermaid chart of the peaks, one collapsed `<details>` per benchmark (its
//! timeline as a Mermaid chart, its checks, its runs, its command), and the environment in one line.
//!
//! Everything that comes from the user's files (names, commands, messages, tags) is escaped: no
//! raw HTML, no live `@mention` or `#123` reference, no `|` that breaks a table, no backtick that
//! ends a code span early. The whole never exceeds [`MAX_CHARS`]: the details go first (errors and
//! failures are kept longest), then table rows, and a note says where the rest is.

use crate::report::mermaid;
use crate::results::{BenchmarkResult, CheckKind, Comparison, Results, RunResult, Status};
use crate::units::{format_rate, format_signed_size, format_size};
use crate::verdict::{budget_use, format_figure, format_percent_change};

/// The marker the GitHub comment is found by; always the first line.
pub const MARKER: &str = "<!-- memgate:report -->";

/// GitHub refuses comments over 65,536 characters; this leaves room for a footer.
pub const MAX_CHARS: usize = 60_000;

/// Names longer than this are cut (with "…") wherever they are shown.
const NAME_CHARS: usize = 80;

/// Failures named in the verdict line; the rest are counted.
const VERDICT_ITEMS: usize = 3;

/// Room kept for the note that says what was cut.
const NOTE_RESERVE: usize = 700;

/// The Markdown report, at most [`MAX_CHARS`] characters.
pub fn render(results: &Results) -> String {
    render_with_limit(results, MAX_CHARS)
}

/// The Markdown report, at most `max_chars` characters (Unicode scalar values) when the table
/// alone fits; details are cut first, then table rows.
pub fn render_with_limit(results: &Results, max_chars: usize) -> String {
    let parts = Parts::new(results);
    let full = parts.assemble(&all(parts.rows.len()), &all(parts.details.len()), None);
    if chars(&full) <= max_chars {
        return full;
    }

    // Benchmarks in the order they are kept: errors, failures, warnings, then the rest.
    let mut priority: Vec<usize> = (0..results.benchmarks.len()).collect();
    priority.sort_by_key(|&i| std::cmp::Reverse(results.benchmarks[i].status));

    let fixed = chars(&parts.assemble(&all(parts.rows.len()), &[], Some(&Cut::default())));
    let budget = max_chars.saturating_sub(NOTE_RESERVE);
    let (rows, details) = if fixed <= budget {
        // Every row fits: add details, most important first, while they fit.
        let mut room = budget - fixed;
        let mut details = Vec::new();
        for &i in &priority {
            let size = chars(&parts.details[i]);
            if size <= room {
                room -= size;
                details.push(i);
            }
        }
        details.sort_unstable();
        (all(parts.rows.len()), details)
    } else {
        // Not even the table fits: no details, and rows most important first while they fit.
        let mut room =
            budget.saturating_sub(chars(&parts.assemble(&[], &[], Some(&Cut::default()))));
        let mut rows = Vec::new();
        for &i in &priority {
            let size = chars(&parts.rows[i]);
            if size <= room {
                room -= size;
                rows.push(i);
            }
        }
        rows.sort_unstable();
        (rows, Vec::new())
    };
    let cut = Cut {
        details_left_out: results.benchmarks.len() - details.len(),
        rows_left_out: results.benchmarks.len() - rows.len(),
        max_chars,
    };
    let mut text = parts.assemble(&rows, &details, Some(&cut));
    if chars(&text) > max_chars {
        // Only a limit smaller than the preamble itself gets here.
        text = text.chars().take(max_chars).collect();
    }
    text
}

fn all(n: usize) -> Vec<usize> {
    (0..n).collect()
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

#[derive(Debug, Default)]
struct Cut {
    details_left_out: usize,
    rows_left_out: usize,
    max_chars: usize,
}

/// The report in pieces, so that it can be cut to size.
struct Parts {
    preamble: String,
    table_header: String,
    rows: Vec<String>,
    chart: String,
    details: Vec<String>,
    footer: String,
}

impl Parts {
    fn new(results: &Results) -> Self {
        let with_base = has_base(results);
        let mut preamble = format!("{MARKER}\n### {}\n\n", verdict_line(results));
        if let Some(line) = base_line(results, &MARKDOWN) {
            preamble.push_str(&line);
            preamble.push_str("\n\n");
        }
        let mut table_header =
            "| status | benchmark | peak | steady | growth | budget use |".to_string();
        let mut align = "| --- | --- | ---: | ---: | ---: | ---: |".to_string();
        if with_base {
            table_header.push_str(" vs base |");
            align.push_str(" ---: |");
        }
        table_header = format!("{table_header}\n{align}\n");
        let rows = results
            .benchmarks
            .iter()
            .map(|b| table_row(b, with_base))
            .collect();
        let chart = mermaid::summary(results)
            .map(|block| format!("\n{block}"))
            .unwrap_or_default();
        let details = results.benchmarks.iter().map(details).collect();
        Self {
            preamble,
            table_header,
            rows,
            chart,
            details,
            footer: format!("{}\n", environment_line(results)),
        }
    }

    fn assemble(&self, rows: &[usize], details: &[usize], cut: Option<&Cut>) -> String {
        let mut out = self.preamble.clone();
        if !self.rows.is_empty() {
            out.push_str(&self.table_header);
            for &i in rows {
                out.push_str(&self.rows[i]);
            }
            if let Some(cut) = cut
                && cut.rows_left_out > 0
            {
                out.push_str(&format!(
                    "| | *{} more not shown* | | | | |\n",
                    cut.rows_left_out
                ));
            }
        }
        out.push_str(&self.chart);
        if !details.is_empty() {
            out.push('\n');
        }
        for &i in details {
            out.push_str(&self.details[i]);
        }
        if let Some(cut) = cut {
            if !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(&cut_note(cut));
        }
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&self.footer);
        out
    }
}

fn cut_note(cut: &Cut) -> String {
    let mut left_out = Vec::new();
    if cut.rows_left_out > 0 {
        left_out.push(format!(
            "{} table row{}",
            cut.rows_left_out,
            plural(cut.rows_left_out)
        ));
    }
    if cut.details_left_out > 0 {
        left_out.push(format!(
            "the details of {} benchmark{}",
            cut.details_left_out,
            plural(cut.details_left_out)
        ));
    }
    format!(
        "> [!NOTE]\n> This report was cut to fit in {} characters; left out here: {}. The whole \
         report is in the job summary and in the run's artifacts (`results.json`; render it with \
         `memgate report results.json --html report.html`).\n",
        group_thousands(cut.max_chars),
        left_out.join(" and ")
    )
}

fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Whether any benchmark was compared (a base that could not be had leaves nothing to show).
pub fn has_base(results: &Results) -> bool {
    results
        .benchmarks
        .iter()
        .any(|b| b.baseline.is_some() || b.comparison.is_some())
}

// ---------------------------------------------------------------------------------------------
// The verdict line
// ---------------------------------------------------------------------------------------------

/// How user text is written inline: a name, and a message.
pub struct Inline {
    pub name: fn(&str) -> String,
    pub text: fn(&str) -> String,
}

/// Names as code spans, messages as escaped prose.
pub const MARKDOWN: Inline = Inline {
    name: |name| code(&shorten(name, NAME_CHARS), false),
    text: |text| prose(&shorten(text, 200)),
};

/// "❌ 1 of 5 benchmarks over budget: `train-f64` peak 812.0 MiB > 600.0 MiB".
pub fn verdict_line(results: &Results) -> String {
    verdict(results, &MARKDOWN)
}

/// The verdict in one line, names and messages written by `inline`.
pub fn verdict(results: &Results, inline: &Inline) -> String {
    let n = results.benchmarks.len();
    if n == 0 {
        return "⚪ memgate: no benchmarks were run".to_string();
    }
    let of_n = |k: usize| format!("{k} of {n} benchmark{}", plural(n));
    let failing: Vec<&BenchmarkResult> = results
        .benchmarks
        .iter()
        .filter(|b| !b.status.passes())
        .collect();
    if !failing.is_empty() {
        let every = |kind: CheckKind| {
            failing
                .iter()
                .all(|b| b.checks.iter().any(|c| !c.ok && c.kind == kind))
        };
        // Named by what all the failures share; each item then shows a check of that kind.
        let (icon, what, kind) = if failing.iter().all(|b| b.status == Status::Error) {
            ("💥", "could not be measured", None)
        } else if every(CheckKind::Budget) {
            ("❌", "over budget", Some(CheckKind::Budget))
        } else if every(CheckKind::Regression) {
            ("❌", "regressed", Some(CheckKind::Regression))
        } else {
            ("❌", "failed the gate", None)
        };
        return format!(
            "{icon} {} {what}: {}",
            of_n(failing.len()),
            list(failing.iter().map(|b| failure(b, kind, inline)).collect())
        );
    }
    let warned: Vec<&BenchmarkResult> = results
        .benchmarks
        .iter()
        .filter(|b| b.status == Status::Warn)
        .collect();
    if !warned.is_empty() {
        return format!(
            "⚠️ {} passed, {} near a budget: {}",
            of_n(n),
            warned.len(),
            list(warned.iter().map(|b| warning(b, inline)).collect())
        );
    }
    let mut line = format!("✅ {} passed", of_n(n));
    // The closest call, so that "passed" says how close.
    let closest = results
        .benchmarks
        .iter()
        .filter_map(|b| budget_share(b).map(|share| (b, share)))
        .fold(
            None,
            |best: Option<(&BenchmarkResult, f64)>, (b, share)| match best {
                Some((_, most)) if most >= share => best,
                _ => Some((b, share)),
            },
        );
    if let Some((b, share)) = closest {
        line.push_str(&format!(
            " (highest budget use: {} {:.0}%)",
            (inline.name)(&b.name),
            share * 100.0
        ));
    }
    line
}

/// "a; b; c; and 4 more".
fn list(items: Vec<String>) -> String {
    let total = items.len();
    let mut shown: Vec<String> = items.into_iter().take(VERDICT_ITEMS).collect();
    if total > VERDICT_ITEMS {
        shown.push(format!("and {} more", total - VERDICT_ITEMS));
    }
    shown.join("; ")
}

/// "`train-f64` peak 812.0 MiB > 600.0 MiB", "`x` peak 812.0 MiB vs base 405.0 MiB (+100%)",
/// "`y` run 1 of 3 killed by SIGKILL".
fn failure(b: &BenchmarkResult, kind: Option<CheckKind>, inline: &Inline) -> String {
    let name = (inline.name)(&b.name);
    let failed = |c: &&crate::results::Check| !c.ok && kind.is_none_or(|k| c.kind == k);
    if let Some(check) = b.checks.iter().find(failed) {
        let actual = format_figure(check.metric, check.actual);
        let limit = format_figure(check.metric, check.limit);
        let metric = check.metric.as_str();
        return match (check.kind, check.base) {
            (CheckKind::Regression, Some(base)) => format!(
                "{name} {metric} {actual} vs base {} ({}, limit {})",
                format_figure(check.metric, base),
                format_percent_change(base, check.actual),
                format_percent_change(base, check.limit),
            ),
            (CheckKind::Regression, None) => {
                format!("{name} {metric} {actual} > {limit} allowed against the base")
            }
            (CheckKind::Budget, _) => format!("{name} {metric} {actual} > {limit}"),
        };
    }
    match &b.reason {
        Some(reason) => format!("{name} {}", (inline.text)(reason)),
        None => format!("{name} {}", b.status.as_str()),
    }
}

/// "`train` peak 560.0 MiB is 93% of 600.0 MiB".
fn warning(b: &BenchmarkResult, inline: &Inline) -> String {
    let name = (inline.name)(&b.name);
    match b.checks.iter().find(|c| c.warn) {
        Some(check) => format!(
            "{name} {} {} is {:.0}% of {}",
            check.metric.as_str(),
            format_figure(check.metric, check.actual),
            budget_use(check) * 100.0,
            format_figure(check.metric, check.limit)
        ),
        None => format!(
            "{name} {}",
            (inline.text)(b.reason.as_deref().unwrap_or("warn"))
        ),
    }
}

/// Where the base came from (or why there is none), and what it had that head has not.
pub fn base_line(results: &Results, inline: &Inline) -> Option<String> {
    let info = results.baseline.as_ref()?;
    let mut line = if let Some(reason) = &info.missing_reason {
        format!(
            "No base to compare with: {}. Gated on budgets alone.",
            (inline.text)(reason)
        )
    } else {
        let mut text = format!("Compared with the base {}", (inline.name)(&info.source));
        if let Some(sha) = &info.git_sha {
            text.push_str(&format!(" at {}", (inline.name)(&short_sha(sha))));
        }
        text.push('.');
        text
    };
    if !info.removed.is_empty() {
        let names: Vec<String> = info
            .removed
            .iter()
            .take(20)
            .map(|name| (inline.name)(name))
            .collect();
        let more = info.removed.len().saturating_sub(20);
        line.push_str(&format!(
            " Removed since the base: {}{}.",
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    Some(line)
}

fn short_sha(sha: &str) -> String {
    sha.chars().take(12).collect()
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

fn table_row(b: &BenchmarkResult, with_base: bool) -> String {
    // A benchmark that never ran has no figures, not figures of zero.
    let figure = |text: String| {
        if b.runs.is_empty() {
            "—".to_string()
        } else {
            text
        }
    };
    let mut row = format!(
        "| {} | {} | {} | {} | {} | {} |",
        status_cell(b.status),
        code(&shorten(&b.name, NAME_CHARS), true),
        figure(format_size(b.peak_bytes)),
        figure(format_size(b.steady_bytes)),
        figure(format_rate(b.growth_bytes_per_sec)),
        budget_share(b).map_or_else(|| "—".to_string(), |share| format!("{:.0}%", share * 100.0)),
    );
    if with_base {
        row.push_str(&format!(" {} |", change_vs_base(b)));
    }
    row.push('\n');
    row
}

pub fn status_icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Warn => "⚠️",
        Status::Fail => "❌",
        Status::Error => "💥",
    }
}

fn status_cell(status: Status) -> String {
    format!("{} {}", status_icon(status), status.as_str())
}

/// The largest share of a budget used, over the budget checks (1.0 = all of it).
pub fn budget_share(b: &BenchmarkResult) -> Option<f64> {
    b.checks
        .iter()
        .filter(|c| c.kind == CheckKind::Budget)
        .map(budget_use)
        .fold(None, |most: Option<f64>, used| {
            Some(most.map_or(used, |m| m.max(used)))
        })
}

/// The peak against the base's: "+406.0 MiB (+100%)", "new", or "—".
pub fn change_vs_base(b: &BenchmarkResult) -> String {
    match (b.comparison, &b.baseline) {
        (Some(Comparison::New), _) => "new".to_string(),
        (_, Some(base)) => {
            let delta = b.peak_bytes as i64 - base.peak_bytes as i64;
            if base.peak_bytes > 0 {
                format!(
                    "{} ({})",
                    format_signed_size(delta),
                    format_percent_change(base.peak_bytes as f64, b.peak_bytes as f64)
                )
            } else {
                format_signed_size(delta)
            }
        }
        (_, None) => "—".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Details
// ---------------------------------------------------------------------------------------------

fn details(b: &BenchmarkResult) -> String {
    let summary = match &b.reason {
        Some(reason) => html_text(&shorten(reason, 300)),
        None => html_text(&format!("peak {}", format_size(b.peak_bytes))),
    };
    let mut out = format!(
        "<details>\n<summary>{} <code>{}</code>: {summary}</summary>\n\n",
        status_icon(b.status),
        html_text(&shorten(&b.name, NAME_CHARS)),
    );
    if let Some(chart) = mermaid::timeline(b) {
        out.push_str(&chart);
        out.push('\n');
    }
    let mut facts = vec![if b.runs.is_empty() {
        "Not measured".to_string()
    } else {
        format!(
            "Peak {}, steady {}, growth {}",
            format_size(b.peak_bytes),
            format_size(b.steady_bytes),
            format_rate(b.growth_bytes_per_sec)
        )
    }];
    if let Some((low, high)) = b.peak_spread_bytes {
        facts.push(format!(
            "peak over the runs {}–{}",
            format_size(low),
            format_size(high)
        ));
    }
    if !b.runs.is_empty() {
        facts.push(format!("method {}", b.method));
    }
    out.push_str(&(facts.join("; ") + ".\n"));
    if let Some(base) = &b.baseline {
        out.push_str(&format!(
            "Base: peak {}, steady {}, growth {}; peak {}.\n",
            format_size(base.peak_bytes),
            format_size(base.steady_bytes),
            format_rate(base.growth_bytes_per_sec),
            change_vs_base(b)
        ));
    } else if b.comparison == Some(Comparison::New) {
        out.push_str("New: the base has no benchmark of this name.\n");
    }
    if !b.checks.is_empty() {
        let checks: Vec<String> = b
            .checks
            .iter()
            .map(|c| {
                let mut text = check_text(c);
                if let Some(detail) = &c.detail {
                    text.push_str(&format!(" ({})", prose(&shorten(detail, 200))));
                }
                text
            })
            .collect();
        out.push_str(&format!("\nChecks: {}.\n", checks.join(" · ")));
    }
    if !b.runs.is_empty() {
        out.push_str(
            "\n| run | peak | steady | growth | duration | processes | samples | ending |\n\
             | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
        );
        for (i, run) in b.runs.iter().enumerate() {
            out.push_str(&run_row(i, run));
        }
        let notes: Vec<String> = super::run_notes(b, 300)
            .iter()
            .map(|note| prose(note))
            .take(10)
            .collect();
        if !notes.is_empty() {
            out.push('\n');
            for note in notes {
                out.push_str(&format!("- {note}\n"));
            }
        }
    }
    if !b.tags.is_empty() {
        let tags: Vec<String> = b
            .tags
            .iter()
            .take(20)
            .map(|t| code(&shorten(t, 40), false))
            .collect();
        out.push_str(&format!("\nTags: {}.\n", tags.join(", ")));
    }
    out.push_str(&format!(
        "\n{}\n",
        fenced(&truncate(&b.command, 2000), "sh")
    ));
    out.push_str("</details>\n\n");
    out
}

/// "✅ peak budget 600.0 MiB: 410.0 MiB (68%)", "❌ peak vs base 405.0 MiB: 812.0 MiB (+100%,
/// limit +10%)".
pub fn check_text(c: &crate::results::Check) -> String {
    let icon = if c.ok { "✅" } else { "❌" };
    let metric = c.metric.as_str();
    let actual = format_figure(c.metric, c.actual);
    match (c.kind, c.base) {
        (CheckKind::Regression, Some(base)) => format!(
            "{icon} {metric} vs base {}: {actual} ({}, limit {})",
            format_figure(c.metric, base),
            format_percent_change(base, c.actual),
            format_percent_change(base, c.limit)
        ),
        (CheckKind::Regression, None) => format!(
            "{icon} {metric} vs base: {actual}, limit {}",
            format_figure(c.metric, c.limit)
        ),
        (CheckKind::Budget, _) => format!(
            "{icon} {metric} budget {}: {actual} ({:.0}%)",
            format_figure(c.metric, c.limit),
            budget_use(c) * 100.0
        ),
    }
}

fn run_row(i: usize, run: &RunResult) -> String {
    format!(
        "| {} | {} | {} | {} | {:.2} s | {} | {} | {} |\n",
        i + 1,
        format_size(run.peak_bytes),
        format_size(run.steady_bytes),
        format_rate(run.growth_bytes_per_sec),
        run.duration_secs,
        run.processes,
        run.samples,
        prose(&run.ending().to_string()),
    )
}

fn environment_line(results: &Results) -> String {
    let env = &results.environment;
    let mut parts = vec![format!(
        "{} {}",
        prose(&shorten(&env.os, 40)),
        prose(&shorten(&env.kernel, 60))
    )];
    parts.push(format!("{} CPU{}", env.cpus, plural(env.cpus)));
    parts.push(format!("{} memory", format_size(env.memory_bytes)));
    parts.push(format!("method {}", env.method));
    match (&env.git_sha, &env.git_ref) {
        (Some(sha), Some(git_ref)) => parts.push(format!(
            "{} on {}",
            code(&short_sha(sha), false),
            code(&shorten(git_ref, 100), false)
        )),
        (Some(sha), None) => parts.push(code(&short_sha(sha), false)),
        (None, Some(git_ref)) => parts.push(code(&shorten(git_ref, 100), false)),
        (None, None) => {}
    }
    parts.push(format!(
        "memgate {}",
        prose(&shorten(&results.memgate_version, 40))
    ));
    parts.push(prose(&shorten(&results.created_at, 40)));
    format!("<sub>{}</sub>", parts.join(" · "))
}

// ---------------------------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------------------------

/// Text cut to `max` characters with "…", control characters (newlines too) made spaces.
pub fn shorten(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Text cut to `max` characters with "…", newlines kept (for code blocks).
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// User text as Markdown prose: HTML characters as entities, Markdown punctuation
/// backslash-escaped (so no link, emphasis, code span or table cell can start), and a zero-width
/// joiner after `@` and before the digits of `#123`, so that nobody is mentioned and no issue is
/// referenced.
pub fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200D}"),
            '#' if chars.peek().is_some_and(char::is_ascii_digit) => out.push_str("#\u{200D}"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// User text inside an HTML element (`<summary>`): entities for HTML, and the same zero-width
/// joiners as [`prose`]. GitHub does not read Markdown there.
pub fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '@' => out.push_str("@\u{200D}"),
            '#' if chars.peek().is_some_and(char::is_ascii_digit) => out.push_str("#\u{200D}"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span that holds `text` whatever backticks it has (the fence is longer than any run of
/// backticks in it). No HTML, mention or reference is read inside a code span; in a table cell a
/// `|` is still a cell boundary unless escaped, so `in_table` escapes it.
pub fn code(text: &str, in_table: bool) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = if in_table {
        clean.replace('|', "\\|")
    } else {
        clean
    };
    let fence = "`".repeat(longest_run(&clean, '`') + 1);
    // A space on each side when the text starts or ends with a backtick (or is all spaces), as
    // CommonMark strips one space from each side.
    let pad = clean.starts_with('`')
        || clean.ends_with('`')
        || (clean.starts_with(' ') && clean.ends_with(' '));
    if clean.is_empty() {
        return "` `".to_string();
    }
    if pad {
        format!("{fence} {clean} {fence}")
    } else {
        format!("{fence}{clean}{fence}")
    }
}

/// A fenced code block whose fence no line of `text` can close.
pub fn fenced(text: &str, info: &str) -> String {
    let fence = "`".repeat((longest_run(text, '`') + 1).max(3));
    let body: String = text
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    format!("{fence}{info}\n{}\n{fence}", body.trim_end_matches('\n'))
}

fn longest_run(text: &str, of: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        if c == of {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_escapes_html_mentions_references_and_markdown() {
        assert_eq!(prose("<script>"), "&lt;script&gt;");
        assert_eq!(prose("@octocat"), "@\u{200D}octocat");
        assert_eq!(prose("fixes #12"), "fixes #\u{200D}12");
        assert_eq!(prose("a|b"), "a\\|b");
        assert_eq!(prose("[x](y)"), "\\[x\\](y)");
        assert_eq!(prose("a\nb"), "a b");
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x`", false), "`` `x` ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("", false), "` `");
    }

    #[test]
    fn fences_are_longer_than_any_backtick_run() {
        assert_eq!(fenced("echo ```", "sh"), "````sh\necho ```\n````");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(60_000), "60,000");
        assert_eq!(group_thousands(999), "999");
    }
}
