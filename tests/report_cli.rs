//! `memgate report RESULTS.json` against `memgate check`: the same files, byte for byte, from the
//! same code; exit codes; standard output; files it refuses.

mod common;
use common::hold;

mod report_support;

use std::path::Path;

use assert_cmd::Command;
use report_support as fixture;

fn memgate(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("memgate").unwrap();
    cmd.current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1");
    cmd
}

/// Every file under `dir`, by name, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn report_writes_what_check_wrote_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "version: 1\ndefaults:\n  runs: 2\n  interval: 10ms\nbenchmarks:\n\
         \x20 - name: small\n    run: {}\n    budget: {{ peak: 200MiB }}\n\
         \x20 - name: \"over <b>|@team\"\n    run: {}\n    budget: {{ peak: 40MiB }}\n",
        serde_json::to_string(&hold(30, 0.3)).unwrap(),
        serde_json::to_string(&hold(60, 0.4)).unwrap(),
    );
    std::fs::write(dir.path().join("memgate.yml"), config).unwrap();
    let check = memgate(dir.path())
        .args(["check", "--json", "results.json", "--quiet"])
        .args([
            "--markdown",
            "check/report.md",
            "--html",
            "check/report.html",
        ])
        .args(["--junit", "check/junit.xml", "--charts", "check/charts"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let report = memgate(dir.path())
        .args(["report", "results.json"])
        .args([
            "--markdown",
            "again/report.md",
            "--html",
            "again/report.html",
        ])
        .args(["--junit", "again/junit.xml", "--charts", "again/charts"])
        .output()
        .unwrap();
    assert_eq!(
        report.status.code(),
        Some(1),
        "the verdict of the results: {}",
        String::from_utf8_lossy(&report.stderr)
    );
    assert!(
        report.stdout.is_empty(),
        "files asked for: nothing on stdout"
    );
    let (checked, again) = (dir.path().join("check"), dir.path().join("again"));
    for name in ["report.md", "report.html", "junit.xml"] {
        let a = std::fs::read(checked.join(name)).unwrap();
        let b = std::fs::read(again.join(name)).unwrap();
        assert!(a == b, "{name} differs");
    }
    let charts = files(&checked.join("charts"));
    assert_eq!(charts, files(&again.join("charts")));
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "summary.png",
            "summary.svg",
            "timeline-over-b-team.png",
            "timeline-over-b-team.svg",
            "timeline-small.png",
            "timeline-small.svg"
        ]
    );
    let markdown = std::fs::read_to_string(checked.join("report.md")).unwrap();
    assert!(markdown.starts_with(
        "<!-- memgate:report -->\n### ❌ 1 of 2 benchmarks over budget: `over <b>|@team` peak "
    ));
    assert!(markdown.contains("```mermaid\n"));
}

#[test]
fn report_exits_with_the_verdict_and_writes_markdown_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    for (name, results, code) in [
        ("pass.json", fixture::all_pass(), 0),
        ("warn.json", fixture::warn(), 0),
        ("fail.json", fixture::fail(), 1),
        ("error.json", fixture::error(), 1),
    ] {
        std::fs::write(dir.path().join(name), results.to_json()).unwrap();
        let out = memgate(dir.path())
            .args(["report", name, "--markdown", "-"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{name}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            stdout,
            memgate::report::markdown::render(&results),
            "{name}"
        );
    }
    // No output asked for: the terminal table.
    let out = memgate(dir.path())
        .args(["report", "fail.json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("exceeds budget 600.0 MiB"), "{stdout}");
    assert!(stdout.trim_end().ends_with("the gate failed"), "{stdout}");
}

#[test]
fn report_renders_the_same_bytes_twice() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.json"), fixture::with_base().to_json()).unwrap();
    for out in ["a", "b"] {
        memgate(dir.path())
            .args(["report", "r.json", "--charts", out, "--html"])
            .arg(format!("{out}.html"))
            .assert()
            .code(1);
    }
    assert_eq!(files(&dir.path().join("a")), files(&dir.path().join("b")));
    assert_eq!(
        std::fs::read(dir.path().join("a.html")).unwrap(),
        std::fs::read(dir.path().join("b.html")).unwrap()
    );
}

#[test]
fn report_refuses_what_is_not_a_results_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("other.json"), r#"{"schema": "other@1"}"#).unwrap();
    std::fs::write(dir.path().join("broken.json"), "{").unwrap();
    for (file, message) in [
        ("missing.json", "cannot read missing.json"),
        ("other.json", "has schema `other@1`"),
        ("broken.json", "not JSON"),
    ] {
        let out = memgate(dir.path())
            .args(["report", file, "--markdown", "out.md"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(message), "{file}: {stderr}");
        assert!(!dir.path().join("out.md").exists());
    }
}
