//! One self-contained HTML page (`--html FILE`) for the run's artifacts: the verdict, the table,
//! the summary chart and, per benchmark, its timeline, checks and runs. Charts are inline SVG and
//! the style is inline CSS: no script, no external asset, so the page opens anywhere, offline.
//! Everything from the user's files is HTML-escaped.

use crate::report::chart;
use crate::report::markdown::{self, Inline, budget_share, change_vs_base, shorten, status_icon};
use crate::results::{BenchmarkResult, Comparison, Results};
use crate::units::{format_rate, format_size};

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
    name: |name| format!("<code>{}</code>", escape(&shorten(name, 80))),
    text: |text| escape(&shorten(text, 300)),
};

/// The page.
pub fn render(results: &Results) -> String {
    let verdict = markdown::verdict(results, &HTML);
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<title>memgate: {}</title>\n",
        escape(&markdown::verdict(results, &PLAIN))
    ));
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    out.push_str(&format!("<h1>{verdict}</h1>\n"));
    if let Some(line) = markdown::base_line(results, &HTML) {
        out.push_str(&format!("<p>{line}</p>\n"));
    }
    if !results.benchmarks.is_empty() {
        out.push_str(&table(results));
        out.push_str("<h2>Peak memory</h2>\n");
        out.push_str(&chart::summary_svg(results));
        out.push_str("<h2>Benchmarks</h2>\n");
        for (b, stem) in results.benchmarks.iter().zip(chart::file_stems(results)) {
            out.push_str(&details(b, &stem));
        }
    }
    out.push_str(&format!("<footer>{}</footer>\n", environment(results)));
    out.push_str("</body>\n</html>\n");
    out
}

/// Plain text, for the page's `<title>` (escaped there as a whole).
const PLAIN: Inline = Inline {
    name: |name| shorten(name, 80),
    text: |text| shorten(text, 200),
};

fn table(results: &Results) -> String {
    let with_base = markdown::has_base(results);
    let mut out = String::from(
        "<table>\n<thead><tr><th>status</th><th>benchmark</th><th>peak</th><th>steady</th>\
         <th>growth</th><th>budget use</th>",
    );
    if with_base {
        out.push_str("<th>vs base</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (b, stem) in results.benchmarks.iter().zip(chart::file_stems(results)) {
        out.push_str(&format!(
            "<tr class=\"{}\"><td>{} {}</td><td><a href=\"#b-{}\"><code>{}</code></a></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            b.status.as_str(),
            status_icon(b.status),
            b.status.as_str(),
            stem,
            escape(&shorten(&b.name, 80)),
            format_size(b.peak_bytes),
            format_size(b.steady_bytes),
            format_rate(b.growth_bytes_per_sec),
            budget_share(b).map_or_else(|| "—".to_string(), |s| format!("{:.0}%", s * 100.0)),
        ));
        if with_base {
            out.push_str(&format!("<td>{}</td>", escape(&change_vs_base(b))));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// One benchmark's section; `stem` (its chart file stem: unique, safe in an attribute) makes its
/// id, which the table links to.
fn details(b: &BenchmarkResult, stem: &str) -> String {
    let mut out = String::new();
    let open = if b.status.passes() { "" } else { " open" };
    let summary = match &b.reason {
        Some(reason) => escape(&shorten(reason, 300)),
        None => format!("peak {}", format_size(b.peak_bytes)),
    };
    out.push_str(&format!(
        "<details id=\"b-{stem}\"{open}>\n<summary>{} <code>{}</code>: {summary}</summary>\n",
        status_icon(b.status),
        escape(&shorten(&b.name, 120)),
    ));
    out.push_str(&chart::timeline_svg(b));
    out.push_str(&format!(
        "<p>Peak {}, steady {}, growth {}",
        format_size(b.peak_bytes),
        format_size(b.steady_bytes),
        format_rate(b.growth_bytes_per_sec)
    ));
    if let Some((low, high)) = b.peak_spread_bytes {
        out.push_str(&format!(
            "; peak over the runs {}–{}",
            format_size(low),
            format_size(high)
        ));
    }
    out.push_str(&format!("; method {}.", b.method));
    if let Some(base) = &b.baseline {
        out.push_str(&format!(
            " Base: peak {}, steady {}, growth {}; peak {}.",
            format_size(base.peak_bytes),
            format_size(base.steady_bytes),
            format_rate(base.growth_bytes_per_sec),
            escape(&change_vs_base(b))
        ));
    } else if b.comparison == Some(Comparison::New) {
        out.push_str(" New: the base has no benchmark of this name.");
    }
    out.push_str("</p>\n");
    if !b.checks.is_empty() {
        out.push_str("<ul>\n");
        for c in &b.checks {
            let mut text = escape(&markdown::check_text(c));
            if let Some(detail) = &c.detail {
                text.push_str(&format!(" ({})", escape(&shorten(detail, 300))));
            }
            out.push_str(&format!("<li>{text}</li>\n"));
        }
        out.push_str("</ul>\n");
    }
    if !b.runs.is_empty() {
        out.push_str(
            "<table>\n<thead><tr><th>run</th><th>peak</th><th>steady</th><th>growth</th>\
             <th>duration</th><th>processes</th><th>samples</th><th>ending</th></tr></thead>\n<tbody>\n",
        );
        for (i, run) in b.runs.iter().enumerate() {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2} s</td><td>{}</td>\
                 <td>{}</td><td>{}</td></tr>\n",
                i + 1,
                format_size(run.peak_bytes),
                format_size(run.steady_bytes),
                format_rate(run.growth_bytes_per_sec),
                run.duration_secs,
                run.processes,
                run.samples,
                escape(&run.ending().to_string()),
            ));
        }
        out.push_str("</tbody>\n</table>\n");
        let notes: Vec<String> = super::run_notes(b, 500)
            .iter()
            .map(|note| escape(note))
            .collect();
        if !notes.is_empty() {
            out.push_str("<ul>\n");
            for note in notes {
                out.push_str(&format!("<li>{note}</li>\n"));
            }
            out.push_str("</ul>\n");
        }
    }
    if !b.tags.is_empty() {
        let tags: Vec<String> = b
            .tags
            .iter()
            .map(|t| format!("<code>{}</code>", escape(&shorten(t, 60))))
            .collect();
        out.push_str(&format!("<p>Tags: {}.</p>\n", tags.join(", ")));
    }
    out.push_str(&format!("<pre>{}</pre>\n", escape_block(&b.command)));
    out.push_str("</details>\n");
    out
}

fn environment(results: &Results) -> String {
    let env = &results.environment;
    let mut parts = vec![
        format!("{} {}", escape(&env.os), escape(&env.kernel)),
        format!("{} CPU{}", env.cpus, if env.cpus == 1 { "" } else { "s" }),
        format!("{} memory", format_size(env.memory_bytes)),
        format!("method {}", env.method),
    ];
    if let Some(sha) = &env.git_sha {
        parts.push(format!("<code>{}</code>", escape(&shorten(sha, 12))));
    }
    if let Some(git_ref) = &env.git_ref {
        parts.push(format!("<code>{}</code>", escape(&shorten(git_ref, 100))));
    }
    parts.push(format!("memgate {}", escape(&results.memgate_version)));
    parts.push(escape(&results.created_at));
    parts.join(" · ")
}

/// Text for HTML content and attributes; control characters become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Like [`escape`], keeping newlines and tabs (for `<pre>`).
fn escape_block(text: &str) -> String {
    text.split('\n')
        .map(|line| escape(&line.replace('\t', "    ")))
        .collect::<Vec<_>>()
        .join("\n")
}
