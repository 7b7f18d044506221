//! Markdown for the pull-request comment and the job summary (`--markdown FILE`).
//!
//! In order: the hidden marker the comment is found by, the verdict in one line, the base, a table
//! of every benchmark, a Mermaid chart of the peaks, one collapsed `<details>` per benchmark (its
//! timeline as a Mermaid chart, its checks, its runs, its command), and the environment in one line.
//!
//! Everything that comes from the user's files (names, commands, messages, tags) is escaped: no
//! raw HTML, no live `@mention` or `#123` reference, no `|` that breaks a table, no backtick that
//! ends a code span early. The whole never exceeds [`MAX_CHARS`]: the details go first (errors and
//! failures are kept longest), then table rows, and a note says where the rest is ([`fit`]).

mod breakdown;
mod details;
mod fit;
mod sites;
mod table;

use crate::report::answer;
use crate::report::escape::{code_span, markdown_prose, shorten};
use crate::report::headline::{self, Inline};
use crate::report::mermaid;
use crate::report::text::{cpus, short_sha};
use crate::report::view::SuiteView;
use crate::results::Results;
use crate::units::format_size;

use details::Form;
use fit::Parts;

/// The marker the GitHub comment is found by; always the first line.
pub const MARKER: &str = "<!-- memgate:report -->";

/// GitHub refuses comments over 65,536 characters; this leaves room for a footer.
pub const MAX_CHARS: usize = 60_000;

/// Names longer than this are cut (with "…") wherever they are shown.
const NAME_CHARS: usize = 80;

/// Names as code spans, messages as escaped prose.
const MARKDOWN: Inline = Inline {
    name: |name| code_span(&shorten(name, NAME_CHARS), false),
    text: |text| markdown_prose(&shorten(text, 200)),
};

/// The Markdown report, at most [`MAX_CHARS`] characters.
pub fn render(results: &Results) -> String {
    render_with_limit(results, MAX_CHARS)
}

/// The Markdown report, at most `max_chars` characters (Unicode scalar values) when the table
/// alone fits; details are cut first, then table rows.
pub fn render_with_limit(results: &Results, max_chars: usize) -> String {
    let mut parts = parts(&SuiteView::new(results));
    parts
        .preamble
        .push_str(&crate::report::stderr_tail::markdown(results));
    fit::fit(&parts, max_chars)
}

/// The report in pieces, each whole, so that it can be cut to size.
fn parts(suite: &SuiteView) -> Parts {
    let mut preamble = format!("{MARKER}\n### {}\n\n", headline::verdict(suite, &MARKDOWN));
    if let Some(line) = headline::base_line(suite, &MARKDOWN) {
        preamble.push_str(&line);
        preamble.push_str("\n\n");
    }
    preamble.push_str(&answers(suite));
    Parts {
        preamble,
        table_header: table::header(suite.has_base),
        rows: suite
            .benchmarks
            .iter()
            .map(|b| table::row(b, suite.has_base))
            .collect(),
        chart: mermaid::summary_for(suite)
            .map(|block| format!("\n{block}"))
            .unwrap_or_default(),
        details: suite
            .benchmarks
            .iter()
            .map(|b| details::details(b, Form::Whole))
            .collect(),
        compact: suite
            .benchmarks
            .iter()
            .map(|b| details::details(b, Form::Compact))
            .collect(),
        statuses: suite.benchmarks.iter().map(|b| b.status).collect(),
        footer: format!("{}\n", environment_line(suite)),
    }
}

/// Failing benchmarks shown with their answer in the preamble at most; the rest keep it in their
/// details.
const ANSWERS: usize = 5;

/// What held the memory of each failing benchmark, one line each, before anything else: the
/// answer a reviewer wants first.
fn answers(suite: &SuiteView) -> String {
    let answered: Vec<_> = suite
        .benchmarks
        .iter()
        .filter_map(|b| Some((b, answer::answer(b)?)))
        .collect();
    if answered.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for (b, answer) in answered.iter().take(ANSWERS) {
        out.push_str(&format!(
            "- {}: {}.\n",
            code_span(&shorten(b.name, NAME_CHARS), false),
            answer.sentence(|name| code_span(name, false))
        ));
    }
    if answered.len() > ANSWERS {
        out.push_str(&format!(
            "- and {} more: see their details below.\n",
            answered.len() - ANSWERS
        ));
    }
    out.push('\n');
    out
}

/// The machine, the method, the commit, memgate's version and the time, in one small line.
fn environment_line(suite: &SuiteView) -> String {
    let env = suite.environment;
    let mut parts = vec![format!(
        "{} {}",
        markdown_prose(&shorten(&env.os, 40)),
        markdown_prose(&shorten(&env.kernel, 60))
    )];
    parts.push(cpus(env.cpus));
    parts.push(format!("{} memory", format_size(env.memory_bytes)));
    parts.push(format!("method {}", env.method));
    let git_ref = |git_ref: &str| code_span(&shorten(git_ref, 100), false);
    match (&env.git_sha, &env.git_ref) {
        (Some(sha), Some(name)) => parts.push(format!(
            "{} on {}",
            code_span(&short_sha(sha), false),
            git_ref(name)
        )),
        (Some(sha), None) => parts.push(code_span(&short_sha(sha), false)),
        (None, Some(name)) => parts.push(git_ref(name)),
        (None, None) => {}
    }
    parts.push(format!(
        "memgate {}",
        markdown_prose(&shorten(suite.memgate_version, 40))
    ));
    parts.push(markdown_prose(&shorten(suite.created_at, 40)));
    format!("<sub>{}</sub>", parts.join(" · "))
}
