//! The Markdown report (PR comment, job summary): snapshots of every kind of outcome, escaping of
//! hostile names, and the size cap.

mod report_support;

use memgate::report::markdown::{self, MARKER, MAX_CHARS};
use memgate::results::Results;
use report_support as fixture;

fn render(results: &Results) -> String {
    let text = markdown::render(results);
    assert!(text.starts_with(&format!("{MARKER}\n")), "marker first");
    assert!(text.chars().count() <= MAX_CHARS);
    text
}

#[test]
fn all_pass() {
    insta::assert_snapshot!(render(&fixture::all_pass()));
}

#[test]
fn warn() {
    insta::assert_snapshot!(render(&fixture::warn()));
}

#[test]
fn fail() {
    let text = render(&fixture::fail());
    let verdict = text.lines().nth(1).unwrap();
    assert_eq!(
        verdict,
        "### ❌ 1 of 5 benchmarks over budget: `train-f64` peak 813.1 MiB > 600.0 MiB"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn error() {
    insta::assert_snapshot!(render(&fixture::error()));
}

#[test]
fn with_base() {
    insta::assert_snapshot!(render(&fixture::with_base()));
}

#[test]
fn base_missing() {
    insta::assert_snapshot!(render(&fixture::base_missing()));
}

#[test]
fn hostile_names() {
    let text = render(&fixture::hostile());
    insta::assert_snapshot!(text);
}

#[test]
fn huge_suite_is_cut_to_size_and_says_where_the_rest_is() {
    let results = fixture::huge();
    let text = render(&results);
    assert!(
        text.chars().count() <= MAX_CHARS,
        "{}",
        text.chars().count()
    );
    assert!(text.contains("job summary") && text.contains("artifacts"));
    // The failures keep their details; the table keeps every row.
    for b in results.benchmarks.iter().filter(|b| !b.status.passes()) {
        assert!(
            text.contains(&format!("<code>{}</code>", b.name)),
            "{}",
            b.name
        );
    }
    let rows = text
        .lines()
        .filter(|l| {
            ["| ✅", "| ⚠️", "| ❌", "| 💥"]
                .iter()
                .any(|s| l.starts_with(s))
        })
        .count();
    assert_eq!(rows, 400);
    insta::assert_snapshot!(text);
}

#[test]
fn a_limit_smaller_than_the_table_cuts_rows_failures_last() {
    let results = fixture::huge();
    let text = markdown::render_with_limit(&results, 20_000);
    assert!(text.chars().count() <= 20_000, "{}", text.chars().count());
    assert!(text.starts_with(MARKER));
    assert!(!text.contains("<details>"), "details go first");
    assert!(text.contains("more not shown"));
    assert!(text.contains("table rows and the details of 400 benchmarks"));
    for b in results.benchmarks.iter().filter(|b| !b.status.passes()) {
        assert!(
            text.contains(&format!("| ❌ fail | `{}` |", b.name)),
            "{}",
            b.name
        );
    }
    assert!(
        text.trim_end().ends_with("</sub>"),
        "the environment line stays last"
    );
}
