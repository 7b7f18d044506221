//! One self-contained HTML page (`--html FILE`) for the run's artifacts: the verdict, the table,
//! the summary chart and, per benchmark, its timeline, checks and runs. Charts are inline SVG and
//! the style is inline CSS: no script, no external asset, so the page opens anywhere, offline.
//! Everything from the user's files is HTML-escaped.

use crate::report::answer;
use crate::report::breakdown;
use crate::report::chart;
use crate::report::escape::{html, html_block, shorten};
use crate::report::headline::{self, Inline};
use crate::report::text::{self, cpus};
use crate::report::view::{BenchmarkView, SuiteView};
use crate::results::{Breakdown, Results, RunResult, backticked};
use crate::units::format_size;

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1000px;\
padding:0 1rem;color:#222;line-height:1.45}\
h1{font-size:1.35rem}h2{font-size:1.1rem;margin-top:2rem}\
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}\
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:right}\
th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}\
tr.fail td:first-child,tr.error td:first-child{font-weight:bold}\
code,pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.88em}\
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap}\
details{border:1px solid #ddd;border-radius:6px;padding:.4rem .8rem;margin:.6rem 0}\
summary{cursor:pointer}svg{max-width:100%;height:auto;display:block;margin:.6rem 0}\
footer{color:#666;font-size:.85rem;margin-top:2rem}";

/// Names in `<code>`, messages as text; both escaped.
const HTML: Inline = Inline {
    name: |name| format!("<code>{}</code>", html(&shorten(name, 80))),
    text: |text| html(&shorten(text, 300)),
};

/// Plain text, for the page's `<title>` (escaped there as a whole).
const PLAIN: Inline = Inline {
    name: |name| shorten(name, 80),
    text: |text| shorten(text, 200),
};

/// The page.
pub fn render(results: &Results) -> String {
    let suite = SuiteView::new(results);
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<title>memgate: {}</title>\n",
        html(&headline::verdict(&suite, &PLAIN))
    ));
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    out.push_str(&format!("<h1>{}</h1>\n", headline::verdict(&suite, &HTML)));
    if let Some(line) = headline::base_line(&suite, &HTML) {
        out.push_str(&format!("<p>{line}</p>\n"));
    }
    if !suite.benchmarks.is_empty() {
        out.push_str(&table(&suite));
        out.push_str("<h2>Peak memory</h2>\n");
        out.push_str(&chart::summary_svg_for(&suite));
        out.push_str("<h2>Benchmarks</h2>\n");
        let charted: Vec<&str> = suite
            .most_telling(chart::MAX_TIMELINE_CHARTS)
            .iter()
            .map(|b| b.stem.as_str())
            .collect();
        for b in &suite.benchmarks {
            out.push_str(&details(b, charted.contains(&b.stem.as_str())));
        }
    }
    out.push_str(&format!("<footer>{}</footer>\n", environment(&suite)));
    out.push_str("</body>\n</html>\n");
    out
}

fn table(suite: &SuiteView) -> String {
    let mut out = String::from(
        "<table>\n<thead><tr><th>status</th><th>benchmark</th><th>peak</th><th>steady</th>\
         <th>growth</th><th>budget use</th>",
    );
    if suite.has_base {
        out.push_str("<th>vs base</th><th>limit</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for b in &suite.benchmarks {
        out.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td><td><a href=\"#b-{}\"><code>{}</code></a></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            b.status.as_str(),
            text::status_with_icon(b.status),
            b.stem,
            html(&shorten(b.name, 80)),
            format_size(b.figures.peak_bytes),
            format_size(b.figures.steady_bytes),
            html(&text::growth_cell(b)),
            text::share(b.budget_share),
        ));
        if suite.has_base {
            out.push_str(&format!(
                "<td>{}</td><td>{}</td>",
                html(&text::peak_change_with_size(b)),
                b.peak_limit().unwrap_or_else(|| text::NONE.to_string())
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// One benchmark's section; its chart file stem (unique, safe in an attribute) makes its id, which
/// the table links to.
fn details(b: &BenchmarkView, with_chart: bool) -> String {
    let open = if b.status.passes() { "" } else { " open" };
    let summary = match b.reason {
        Some(reason) => html(&shorten(reason, 300)),
        None => format!("peak {}", format_size(b.figures.peak_bytes)),
    };
    let mut out = format!(
        "<details id=\"b-{}\"{open}>\n<summary>{} <code>{}</code>: {summary}</summary>\n",
        b.stem,
        text::status_icon(b.status),
        html(&shorten(b.name, 120)),
    );
    if let Some(answer) = answer::answer(b) {
        out.push_str(&format!(
            "<p><strong>What held the memory:</strong> {}.</p>\n",
            answer.sentence(|name| format!("<code>{}</code>", html(name)))
        ));
    }
    out.push_str(&sites(b));
    if with_chart {
        out.push_str(&chart::timeline_svg_for(b));
    } else {
        out.push_str(&format!(
            "<p>No chart: the page draws the {} most telling benchmarks' timelines.</p>\n",
            chart::MAX_TIMELINE_CHARTS
        ));
    }
    out.push_str(&facts(b));
    if let Some(breakdown) = b.breakdown {
        out.push_str(&breakdown_table(breakdown));
    }
    if !b.checks.is_empty() {
        out.push_str("<ul>\n");
        for c in b.checks {
            let mut text = html(&text::check_text(c, backticked));
            if let Some(detail) = &c.detail {
                text.push_str(&format!(" ({})", html(&shorten(detail, 300))));
            }
            out.push_str(&format!("<li>{text}</li>\n"));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&runs(b));
    if !b.tags.is_empty() {
        let tags: Vec<String> = b
            .tags
            .iter()
            .map(|t| format!("<code>{}</code>", html(&shorten(t, 60))))
            .collect();
        out.push_str(&format!("<p>Tags: {}.</p>\n", tags.join(", ")));
    }
    out.push_str(&format!("<pre>{}</pre>\n", html_block(b.command)));
    out.push_str("</details>\n");
    out
}

/// The allocation sites from the re-run under memray, as a small table, and its note.
fn sites(b: &BenchmarkView) -> String {
    let Some(a) = b.attribution else {
        return String::new();
    };
    let mut out = String::new();
    let (rows, grown) = super::sites::rows(a);
    if !rows.is_empty() {
        let last = if grown { "growth" } else { "share" };
        out.push_str(&format!(
            "<p>{}:</p>\n<table>\n<tr><th>site</th><th>function</th><th>held</th><th>{last}</th></tr>\n",
            html(&super::sites::heading(a, b.duration_secs, grown))
        ));
        for row in rows {
            out.push_str(&format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                html(&row.place),
                html(&row.function),
                html(&row.size),
                html(&row.change)
            ));
        }
        out.push_str("</table>\n");
    }
    if let Some(note) = &a.note {
        out.push_str(&format!(
            "<p>Allocation sites: {}.</p>\n",
            html(&shorten(note, 400))
        ));
    }
    if let Some(path) = &a.flamegraph {
        out.push_str(&format!(
            "<p>memray's flame graph: <code>{}</code>.</p>\n",
            html(&shorten(path, 300))
        ));
    }
    out
}

/// The processes at the peak: role (its example command line as a tooltip), processes, MiB,
/// share.
fn breakdown_table(b: &Breakdown) -> String {
    let mut out = format!(
        "<p>{}:</p>
<table>
<thead><tr><th>process</th><th>processes</th><th>MiB</th>         <th>share</th></tr></thead>
<tbody>
",
        html(&breakdown::caption(b))
    );
    for (row, group) in breakdown::rows(b).iter().zip(&b.groups) {
        out.push_str(&format!(
            "<tr><td title=\"{}\"><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            html(&shorten(&group.command, 300)),
            html(&shorten(&row.role, breakdown::ROLE_CHARS)),
            row.processes,
            row.mib,
            row.share
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(note) = &b.approximate {
        out.push_str(&format!(
            "<p>Shares approximate: {}.</p>\n",
            html(&shorten(note, 300))
        ));
    }
    out
}

/// "<p>Peak …, steady …, growth …; peak over the runs …; method …. Base: ….</p>".
fn facts(b: &BenchmarkView) -> String {
    let mut out = format!("<p>{}", text::capitalized(&text::figures(&b.figures)));
    if let Some(spread) = b.peak_spread_bytes {
        out.push_str(&format!("; {}", text::peak_spread(spread)));
    }
    out.push_str(&format!("; method {}.", b.method));
    if let Some(sentence) = text::base_sentence(b) {
        out.push_str(&format!(" {}", html(&sentence)));
    }
    if let Some(sentence) = text::phase_peaks(b.phases, backticked) {
        out.push_str(&format!(" {}", html(&sentence)));
    }
    out.push_str("</p>\n");
    out
}

/// The table of runs and a list of their notes, or nothing when it never ran.
fn runs(b: &BenchmarkView) -> String {
    if !b.measured() {
        return String::new();
    }
    let mut out = String::from(
        "<table>\n<thead><tr><th>run</th><th>peak</th><th>steady</th><th>growth</th>\
         <th>duration</th><th>processes</th><th>samples</th><th>ending</th></tr></thead>\n<tbody>\n",
    );
    for (i, run) in b.runs.iter().enumerate() {
        out.push_str(&run_row(i, run));
    }
    out.push_str("</tbody>\n</table>\n");
    if !b.notes.is_empty() {
        out.push_str("<ul>\n");
        for note in &b.notes {
            out.push_str(&format!("<li>{}</li>\n", html(&text::run_note(note, 500))));
        }
        out.push_str("</ul>\n");
    }
    out
}

fn run_row(i: usize, run: &RunResult) -> String {
    let [cells @ .., ending] = text::run_cells(i, run);
    format!(
        "<tr><td>{}</td><td>{}</td></tr>\n",
        cells.join("</td><td>"),
        html(&ending)
    )
}

fn environment(suite: &SuiteView) -> String {
    let env = suite.environment;
    let mut parts = vec![
        format!("{} {}", html(&env.os), html(&env.kernel)),
        cpus(env.cpus),
        format!("{} memory", format_size(env.memory_bytes)),
        format!("method {}", env.method),
    ];
    if let Some(sha) = &env.git_sha {
        parts.push(format!("<code>{}</code>", html(&shorten(sha, 12))));
    }
    if let Some(git_ref) = &env.git_ref {
        parts.push(format!("<code>{}</code>", html(&shorten(git_ref, 100))));
    }
    parts.push(format!("memgate {}", html(suite.memgate_version)));
    parts.push(html(suite.created_at));
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn hostile_site_names_are_text_in_the_page() {
        let runs = vec![testing::run(vec![(0.0, 1 << 20)], 1.0)];
        let mut b = testing::judged("b", "python x.py", runs, None);
        b.attribution = Some(testing::hostile_attribution());
        let shown = sites(&BenchmarkView::new(&b));
        assert!(shown.contains("<table>"), "{shown}");
        assert!(!shown.contains("<script") && !shown.contains("<img") && !shown.contains("<b>"));
        assert!(!shown.contains('\r'));
    }
}
