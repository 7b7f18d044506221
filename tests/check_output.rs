//! The benchmarks' output in `memgate check` (issue 12, item 5): captured by default, each run's
//! stdout and stderr in a log folder beside the results file (safe names, no planted link
//! followed), shown live with `--show-output`; `-q` leaves the verdict alone; an `error`
//! benchmark's last stderr lines in the terminal, the results and the Markdown, escaped.
//! `memgate run` passes the output through.

mod common;
use common::{Project, git};

use std::path::Path;
use std::process::Output;

use serde_json::Value;

/// A benchmark that says MARK-OUT on stdout and MARK-ERR on stderr, twice measured.
const CHATTY: &str = "version: 1
benchmarks:
  - name: chatty
    runs: 2
    run: echo MARK-OUT; echo MARK-ERR >&2
";

use common::memgate;

fn both(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn results(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("out/results.json")).unwrap()).unwrap()
}

#[test]
fn output_is_captured_per_run_beside_the_results_with_a_base_too() {
    let project = Project::new(CHATTY);
    let root = project.dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["commit", "-q", "--allow-empty", "-m", "head"]);
    let out = memgate(
        root,
        &[
            "check",
            "--baseline-ref",
            "HEAD~1",
            "--json",
            "out/results.json",
        ],
    );
    let text = both(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        !text.contains("MARK-"),
        "the benchmark's output reached the terminal: {text}"
    );
    let logs = root.join("out/results.logs");
    for side in ["base", "head"] {
        for run in [1, 2] {
            let read = |stream| {
                std::fs::read_to_string(logs.join(format!("chatty.{side}.{run}.{stream}"))).unwrap()
            };
            assert_eq!(read("stdout"), "MARK-OUT\n");
            assert_eq!(read("stderr"), "MARK-ERR\n");
        }
    }
    assert_eq!(results(root)["logs"], "out/results.logs");
}

#[test]
fn show_output_passes_it_through_and_quiet_leaves_the_verdict_alone() {
    let project = Project::new(CHATTY);
    let root = project.dir.path();
    let shown = memgate(
        root,
        &["check", "--show-output", "--json", "out/results.json"],
    );
    let text = both(&shown);
    assert_eq!(text.matches("MARK-OUT").count(), 2, "{text}");
    assert_eq!(text.matches("MARK-ERR").count(), 2, "{text}");
    assert!(!root.join("out/results.logs").exists());
    assert!(results(root).get("logs").is_none());

    let quiet = memgate(root, &["check", "-q"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&quiet.stdout),
        "memgate: 1 benchmark — 1 pass: the gate passed\n"
    );
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");
}

/// A crash whose stderr tries to break out of the terminal, the Actions log and the comment.
#[test]
fn an_error_benchmark_shows_its_last_stderr_lines_escaped() {
    let project = Project::new(
        "version: 1
benchmarks:
  - name: boom
    runs: 1
    run: |
      i=0; while [ $i -lt 30 ]; do echo \"line $i\" >&2; i=$((i+1)); done
      printf '::error::pwned\\n@octocat <img src=x>\\n\\033[31mMemoryError\\n' >&2
      exit 3
",
    );
    let root = project.dir.path();
    let out = memgate(
        root,
        &[
            "check",
            "--json",
            "out/results.json",
            "--markdown",
            "out/report.md",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    let tail = results(root)["benchmarks"][0]["stderr_tail"]
        .as_str()
        .unwrap()
        .to_string();
    let lines: Vec<&str> = tail.lines().collect();
    assert_eq!(lines.len(), 20, "{tail}");
    assert_eq!(lines[0], "line 13");
    assert_eq!(lines[19], "\u{1b}[31mMemoryError");
    assert!(
        stdout.contains("stderr of boom (last 20 lines):"),
        "{stdout}"
    );
    assert!(stdout.contains("  │ \\u{1b}[31mMemoryError\n"), "{stdout}");
    assert!(stdout.contains("  │ \\::error::pwned\n"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    let markdown = std::fs::read_to_string(root.join("out/report.md")).unwrap();
    assert!(
        markdown
            .contains("💥 `boom` crashed; the last 20 lines of its stderr:\n\n```text\nline 13\n"),
        "{markdown}"
    );
    assert!(markdown.contains("\n [31mMemoryError\n```"), "{markdown}");
}

/// Benchmark names are a pull request's: they name files in the folder and no file outside it,
/// and a link planted in the folder is replaced, not written through.
#[test]
fn hostile_names_and_planted_links_stay_in_the_folder() {
    let project = Project::new(
        "version: 1
benchmarks:
  - name: ../../escaped
    runs: 1
    run: echo out
  - name: \"../..\"
    runs: 1
    run: echo out
",
    );
    let root = project.dir.path();
    let victim = root.join("victim");
    std::fs::write(&victim, "keep").unwrap();
    let logs = root.join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::os::unix::fs::symlink(&victim, logs.join("escaped.head.1.stdout")).unwrap();
    let out = memgate(root, &["check", "--logs", "logs"]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    let mut names: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "benchmark-2.head.1.stderr",
            "benchmark-2.head.1.stdout",
            "escaped.head.1.stderr",
            "escaped.head.1.stdout"
        ]
    );
    assert!(
        std::fs::symlink_metadata(logs.join("escaped.head.1.stdout"))
            .unwrap()
            .is_file()
    );
    let mut outside: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    outside.sort();
    assert_eq!(outside, ["logs", "memgate.yml", "victim"]);
}

#[test]
fn run_passes_the_output_through() {
    let dir = tempfile::tempdir().unwrap();
    let out = memgate(
        dir.path(),
        &["run", "--", "sh", "-c", "echo MARK-OUT; echo MARK-ERR >&2"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("MARK-OUT"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MARK-ERR"));
}
