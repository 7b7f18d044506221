//! One collapsed `<details>` per benchmark: its timeline as a Mermaid chart, its figures and the
//! base's, its checks, its runs and their notes, its tags and its command. The compact form,
//! for a report cut to size, keeps what explains the verdict (figures and checks) and leaves out
//! the chart, the runs and the command.

use crate::report::answer;
use crate::report::escape::{
    code_block, code_span, comment_html, markdown_prose, shorten, shorten_block,
};
use crate::report::mermaid;
use crate::report::text::{self, capitalized};
use crate::report::view::BenchmarkView;
use crate::results::RunResult;
use crate::units::format_size;

use super::NAME_CHARS;

/// Tags shown at most.
const TAGS: usize = 20;

/// Whole, or compact for a report that must be cut ([`super::fit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    Whole,
    Compact,
}

pub(super) fn details(b: &BenchmarkView, form: Form) -> String {
    // GitHub reads no Markdown inside `<summary>`: HTML escaping there.
    let summary = match b.reason {
        Some(reason) => comment_html(&shorten(reason, 300)),
        None => comment_html(&format!("peak {}", format_size(b.figures.peak_bytes))),
    };
    let mut out = format!(
        "<details>\n<summary>{} <code>{}</code>: {summary}</summary>\n\n",
        text::status_icon(b.status),
        comment_html(&shorten(b.name, NAME_CHARS)),
    );
    // The answer first, then what held the memory (processes, then lines), then the charts and
    // the rest.
    if let Some(answer) = answer::answer(b) {
        out.push_str(&format!(
            "**What held the memory:** {}.\n",
            answer.sentence(|name| code_span(name, false))
        ));
    }
    if let Some(breakdown) = b.breakdown {
        out.push_str(&super::breakdown::table(breakdown));
    }
    out.push_str(&super::sites::sites(b));
    if form == Form::Compact {
        out.push('\n');
        out.push_str(&facts(b));
        out.push_str(&checks(b));
        out.push_str("\n*Chart, runs and command left out to fit; see the job summary.*\n");
        out.push_str("</details>\n\n");
        return out;
    }
    if let Some(chart) = mermaid::timeline_for(b) {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&chart);
        out.push('\n');
    }
    out.push_str(&facts(b));
    out.push_str(&checks(b));
    out.push_str(&runs(b));
    if !b.tags.is_empty() {
        let tags: Vec<String> = b
            .tags
            .iter()
            .take(TAGS)
            .map(|t| code_span(&shorten(t, 40), false))
            .collect();
        out.push_str(&format!("\nTags: {}.\n", tags.join(", ")));
    }
    out.push_str(&format!(
        "\n{}\n",
        code_block(&shorten_block(b.command, 2000), "sh")
    ));
    out.push_str("</details>\n\n");
    out
}

/// "Peak …, steady …, growth …; peak over the runs …; method cgroup-v2." and the base's figures.
fn facts(b: &BenchmarkView) -> String {
    let mut facts = vec![if b.measured() {
        capitalized(&text::figures(&b.figures))
    } else {
        "Not measured".to_string()
    }];
    if let Some(spread) = b.peak_spread_bytes {
        facts.push(text::peak_spread(spread));
    }
    if b.measured() {
        facts.push(format!("method {}", b.method));
    }
    let mut out = facts.join("; ") + ".\n";
    if let Some(sentence) = text::base_sentence(b) {
        out.push_str(&sentence);
        out.push('\n');
    }
    if let Some(sentence) = text::phase_peaks(b.phases, |name| code_span(name, false)) {
        out.push_str(&sentence);
        out.push('\n');
    }
    out
}

/// "Checks: ✅ peak budget …: … (80%) · ….", or nothing.
fn checks(b: &BenchmarkView) -> String {
    if b.checks.is_empty() {
        return String::new();
    }
    let checks: Vec<String> = b
        .checks
        .iter()
        .map(|c| {
            let mut text = text::check_text(c, |name| code_span(name, false));
            if let Some(detail) = &c.detail {
                text.push_str(&format!(" ({})", markdown_prose(&shorten(detail, 200))));
            }
            text
        })
        .collect();
    format!("\nChecks: {}.\n", checks.join(" · "))
}

/// The table of runs and a list of their notes, or nothing when it never ran.
fn runs(b: &BenchmarkView) -> String {
    if !b.measured() {
        return String::new();
    }
    let mut out = String::from(
        "\n| run | peak | steady | growth | duration | processes | samples | ending |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for (i, run) in b.runs.iter().enumerate() {
        out.push_str(&run_row(i, run));
    }
    if !b.notes.is_empty() {
        out.push('\n');
        for note in &b.notes {
            out.push_str(&format!(
                "- {}\n",
                markdown_prose(&text::run_note(note, 300))
            ));
        }
    }
    out
}

fn run_row(i: usize, run: &RunResult) -> String {
    let [cells @ .., ending] = text::run_cells(i, run);
    format!("| {} | {} |\n", cells.join(" | "), markdown_prose(&ending))
}
