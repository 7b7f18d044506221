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
fn phases() {
    let text = render(&fixture::phased());
    // Phase names from the code under test: in code spans (no mention, HTML, table cell or
    // workflow command), never at a line's start.
    assert!(!text.lines().any(|l| l.starts_with("::")));
    assert!(text.contains("`` @octocat <b>x</b> | `y` ``"), "{text}");
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

/// Untrusted text that GitHub would turn into a link or a cross-reference (a backlink on another
/// issue or pull request) if it were live.
const LINKING: [&str; 12] = [
    "http://example.com/a",
    "https://github.com/owner/repo/issues/1",
    "HTTPS://github.com/owner/repo/pull/2#issuecomment-3",
    "www.example.com",
    "WWW.example.org",
    "GH-123",
    "gh-45",
    "owner/repo#678",
    "9c834f6ff5f47e8d89308e258c76f5dd3b47240d",
    "abc1234",
    "user@example.com",
    "owner/repo@9c834f6",
];

#[test]
fn untrusted_links_and_references_are_not_live() {
    let mut benchmarks = Vec::new();
    for (i, text) in LINKING.iter().enumerate() {
        // Each pattern as a name (a code span in the table, `<code>` in `<summary>`)…
        benchmarks.push(fixture::benchmark(
            &format!("see {text} now"),
            "true",
            vec![fixture::Shape::new(2.0, 100.0).seed(i as u64).run()],
            Some(fixture::budget(Some(600))),
        ));
        // …and as a reason (prose in the verdict line, HTML in `<summary>`).
        benchmarks.push(fixture::could_not_start(
            &format!("broken {i}"),
            "true",
            &format!("see {text} now"),
        ));
    }
    let mut results = fixture::results(benchmarks);
    results.environment.kernel = LINKING.join(" ");
    results.benchmarks[0].runs[0].notes = LINKING.iter().map(|s| s.to_string()).collect();
    let text = render(&results);
    let live = live_links(&text);
    assert!(live.is_empty(), "live: {live:#?}\n{text}");
    // Defused, not removed: the reader still sees every one, in the verdict line too.
    let shown = text.replace('\u{200D}', "");
    for pattern in LINKING {
        assert!(
            shown.matches(&format!("see {pattern} now")).count() >= 2,
            "{pattern}"
        );
    }
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .contains("see http:\u{200D}//example.com/a now"),
        "{text}"
    );
}

/// What GitHub would link in `markdown` outside code: URLs (`scheme://`, `www.`), `GH-1`, `#1`
/// (alone or after `owner/repo`), `@name` (mentions, e-mail addresses, `owner/repo@sha`) and words
/// of 7 to 40 hex digits (commit SHAs). Code blocks and code spans are skipped: GitHub links
/// nothing there.
fn live_links(markdown: &str) -> Vec<String> {
    let prose = outside_code(markdown);
    let lower = prose.to_ascii_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut live = Vec::new();
    let context = |i: usize| -> String {
        chars[i.saturating_sub(20)..(i + 20).min(chars.len())]
            .iter()
            .collect()
    };
    let is_word = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_');
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..(i + 4).min(chars.len())].iter().collect();
        let next = chars.get(i + 1);
        let hit = rest.starts_with("://")
            || rest == "www."
            || (rest.starts_with("gh-") && chars.get(i + 3).is_some_and(char::is_ascii_digit))
            || (chars[i] == '#' && next.is_some_and(char::is_ascii_digit))
            || (chars[i] == '@' && next.is_some_and(char::is_ascii_alphanumeric));
        if hit {
            live.push(context(i));
        }
        if chars[i].is_ascii_hexdigit() && !is_word(i.checked_sub(1).and_then(|p| chars.get(p))) {
            let run = chars[i..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            if (7..=40).contains(&run) && !is_word(chars.get(i + run)) {
                live.push(context(i));
            }
            i += run;
            continue;
        }
        i += 1;
    }
    live
}

/// `markdown` without its fenced code blocks and code spans (backslash escapes respected).
fn outside_code(markdown: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<usize> = None;
    for line in markdown.lines() {
        let ticks = line.chars().take_while(|&c| c == '`').count();
        match fence {
            Some(open) if ticks >= open && line[ticks..].trim().is_empty() => fence = None,
            Some(_) => {}
            None if ticks >= 3 => fence = Some(ticks),
            None => {
                out.push_str(&without_code_spans(line));
                out.push('\n');
            }
        }
    }
    out
}

fn without_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                out.push(chars[i]);
                out.push(chars[i + 1]);
                i += 2;
            }
            '`' => {
                let open = chars[i..].iter().take_while(|&&c| c == '`').count();
                let mut j = i + open;
                let mut close = None;
                while j < chars.len() {
                    let run = chars[j..].iter().take_while(|&&c| c == '`').count();
                    if run == open {
                        close = Some(j + run);
                        break;
                    }
                    j += run.max(1);
                }
                match close {
                    Some(end) => i = end,
                    None => {
                        out.extend(&chars[i..i + open]);
                        i += open;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[test]
fn failures_shrink_to_their_compact_details_before_any_is_left_out() {
    let results = fixture::huge();
    let failing: Vec<&str> = results
        .benchmarks
        .iter()
        .filter(|b| !b.status.passes())
        .map(|b| b.name.as_str())
        .collect();
    // Room for the table and a little more: not for every failure's chart and runs.
    let table_only = markdown::render_with_limit(&results, 40_000);
    let limit = table_only.chars().count() + 400 * failing.len();
    let text = markdown::render_with_limit(&results, limit);
    assert!(text.chars().count() <= limit, "{}", text.chars().count());
    for name in &failing {
        assert!(text.contains(&format!("<code>{name}</code>")), "{name}");
    }
    assert!(text.contains("left out to fit"), "some details are compact");
    assert!(text.contains("the charts and runs of"), "the note says so");
}
