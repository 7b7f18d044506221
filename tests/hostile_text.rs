//! Hostile text from a results file or a config, shown on a terminal or in a CI log: `report` and
//! `compare` tables, `check`'s table and progress lines, `run`'s command line. None of it may
//! drive the terminal (ESC/OSC, CR, bidirectional overrides), break a table row onto a new line,
//! or start a GitHub Actions workflow command (`::warning::…`).

mod report_support;

use std::path::Path;

use assert_cmd::Command;
use memgate::results::{BaselineInfo, Results};
use report_support::{self as fixture, Shape};

/// Every attack at once: an OSC title change, a carriage return that overwrites the line, a
/// newline that starts a workflow command, and a right-to-left override.
const HOSTILE: &str = "a\u{1b}]0;pwn\u{7}b\rc\n::warning::x\u{202e}d";

/// What the table shows for [`HOSTILE`].
const SHOWN: &str = "a\\u{1b}]0;pwn\\u{7}b\\rc\\n::warning::x\\u{202e}d";

fn memgate(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("memgate").unwrap();
    cmd.current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR");
    cmd
}

/// Benchmarks whose names, reasons, tags, notes and commands carry the attacks.
fn hostile_results(prefix: &str) -> Results {
    let mut named = fixture::benchmark(
        &format!("{prefix}{HOSTILE}"),
        HOSTILE,
        vec![Shape::new(2.0, 100.0).run()],
        Some(fixture::budget(Some(600))),
    );
    named.tags = vec![HOSTILE.to_string()];
    named.runs[0].notes = vec![HOSTILE.to_string()];
    let mut reasoned = fixture::benchmark(
        &format!("{prefix}plain"),
        "true",
        vec![Shape::new(2.0, 100.0).run()],
        Some(fixture::budget(Some(600))),
    );
    // A results file can say anything; a forged reason on a passing benchmark is still shown.
    reasoned.reason = Some(format!("::error::{HOSTILE}"));
    let broken = fixture::could_not_start(&format!("{prefix}\u{202e}exe.txt"), HOSTILE, HOSTILE);
    fixture::results(vec![named, reasoned, broken])
}

/// Checks a terminal output: nothing a terminal or the runner would act on, and every line one of
/// the table's own.
fn assert_harmless(output: &[u8], what: &str) -> String {
    let text = String::from_utf8(output.to_vec()).unwrap();
    for (i, c) in text.char_indices() {
        let deceptive = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(
            c == '\n' || !(c.is_control() || deceptive),
            "{what}: raw {c:?} at byte {i}:\n{text}"
        );
    }
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "{what}: a workflow command: {line:?}\n{text}"
        );
    }
    text
}

/// Every line of a terminal table: header, a row (it starts with a status), a reason (indented),
/// the base's lines and the verdict. A raw newline in a cell would start some other line.
fn assert_table_lines(text: &str, what: &str) {
    let table_line = |line: &str| {
        ["status ", "pass ", "warn ", "fail ", "error ", " "]
            .iter()
            .chain(&["no baseline: ", "gone since the base: ", "memgate: "])
            .any(|start| line.starts_with(start))
    };
    for line in text.lines() {
        assert!(
            table_line(line),
            "{what}: not a line of the table: {line:?}\n{text}"
        );
    }
}

/// Runs memgate in `dir` with `args`, which print a table and fail the gate; checks both streams
/// and every line of the table. Returns standard output and standard error.
fn table(dir: &Path, args: &[&str], what: &str) -> (String, String) {
    let out = memgate(dir).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{what}: {out:?}");
    let table = assert_harmless(&out.stdout, what);
    assert_table_lines(&table, what);
    (table, assert_harmless(&out.stderr, what))
}

#[test]
fn report_shows_hostile_names_and_reasons_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = hostile_results("");
    results.baseline = Some(BaselineInfo {
        source: format!("file:{HOSTILE}"),
        missing_reason: Some(HOSTILE.to_string()),
        removed: vec![HOSTILE.to_string()],
        ..BaselineInfo::default()
    });
    std::fs::write(dir.path().join("r.json"), results.to_json()).unwrap();
    let (text, _) = table(
        dir.path(),
        &["report", "r.json", "--color", "never"],
        "report",
    );
    assert!(text.contains(SHOWN), "{text}");
    assert!(text.contains("\\u{202e}exe.txt"), "{text}");
    assert!(text.contains(&format!("\\::error::{SHOWN}")), "{text}");
    assert!(text.contains(&format!("no baseline: {SHOWN}")), "{text}");
    assert!(
        text.contains(&format!("gone since the base: {SHOWN}")),
        "{text}"
    );
    // In colour, memgate's own styles are the only escape sequences: strip them, then check.
    let out = memgate(dir.path())
        .args(["report", "r.json", "--color", "always"])
        .output()
        .unwrap();
    let plain = strip_sgr(&String::from_utf8(out.stdout).unwrap());
    assert_harmless(plain.as_bytes(), "report --color always");
}

#[test]
fn compare_shows_hostile_names_of_both_sides_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.json"),
        hostile_results("base ").to_json(),
    )
    .unwrap();
    std::fs::write(dir.path().join("head.json"), hostile_results("").to_json()).unwrap();
    let args = ["compare", "base.json", "head.json", "--color", "never"];
    let (text, _) = table(dir.path(), &args, "compare");
    assert!(
        text.contains(&format!("gone since the base: base {SHOWN}")),
        "{text}"
    );
}

#[test]
fn an_argv_with_a_newline_reaches_the_reason_line_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("memgate.yml"),
        "version: 1\nbenchmarks:\n  - name: hostile\n    \
         argv: [\"no-such-program\\n::warning::pwned\\u202e\\e]0;t\\a\", \"x\"]\n",
    )
    .unwrap();
    let args = ["check", "--method", "sampled", "--color", "never"];
    let (table, progress) = table(dir.path(), &args, "check");
    let shown = "no-such-program\\n::warning::pwned\\u{202e}\\u{1b}]0;t\\u{7}";
    assert!(table.contains(shown), "{table}");
    // The progress line on stderr, as a CI log shows it.
    assert!(progress.contains(shown), "{progress}");
}

#[test]
fn run_prints_a_hostile_command_line_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let out = memgate(dir.path())
        .args(["run", "--method", "sampled", "--", "sh", "-c", "exit 0"])
        .arg(HOSTILE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = assert_harmless(&out.stderr, "run");
    assert!(text.contains(SHOWN), "{text}");
}

/// `text` without SGR sequences (`ESC [ … m`), the only ones memgate writes itself.
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match after.find(|c: char| !(c.is_ascii_digit() || c == ';')) {
            Some(end) if after[end..].starts_with('m') => rest = &after[end + 1..],
            // Not an SGR: keep it, so that the check sees it.
            _ => {
                out.push('\u{1b}');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}
