//! End-to-end tests of `memgate check`, `validate`, `schema` and `init` on real small workloads.

mod common;
use common::{Project, hold};

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

impl Project {
    fn memgate(&self) -> Command {
        let mut cmd = Command::cargo_bin("memgate").unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("GITHUB_ACTIONS")
            .env("NO_COLOR", "1");
        cmd
    }

    fn check(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.memgate().arg("check").args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn results(&self) -> Value {
        read_json(&self.path("results.json"))
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn benchmark<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap_or_else(|| panic!("no benchmark {name} in {results}"))
}

fn config(benchmarks: &str) -> String {
    format!("version: 1\ndefaults:\n  runs: 1\n  interval: 10ms\nbenchmarks:\n{benchmarks}")
}

#[test]
fn pass_warn_fail_and_no_budget_in_one_run() {
    let project = Project::new(&config(&format!(
        r#"  - name: small
    run: {small}
    budget: {{ peak: 200MiB }}
  - name: near
    run: {near}
    budget: {{ peak: 108MiB, warn_at: 80% }}
  - name: over
    run: {over}
    budget: {{ peak: 60MiB }}
  - name: unbudgeted
    run: {over}
"#,
        small = serde_json::to_string(&hold(40, 0.3)).unwrap(),
        near = serde_json::to_string(&hold(90, 0.3)).unwrap(),
        over = serde_json::to_string(&hold(120, 0.3)).unwrap(),
    )));
    let (code, stdout, stderr) = project.check(&["--json", "results.json", "--junit", "junit.xml"]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let results = project.results();
    assert_eq!(results["schema"], "memgate/results@2");
    assert_eq!(results["status"], "fail");
    assert_eq!(benchmark(&results, "small")["status"], "pass");
    assert_eq!(benchmark(&results, "near")["status"], "warn", "{results}");
    let over = benchmark(&results, "over");
    assert_eq!(over["status"], "fail");
    let reason = over["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("peak 12") && reason.ends_with("exceeds budget 60.0 MiB"),
        "{reason}"
    );
    assert_eq!(over["checks"][0]["metric"], "peak");
    assert_eq!(over["checks"][0]["ok"], false);
    let unbudgeted = benchmark(&results, "unbudgeted");
    assert_eq!(unbudgeted["status"], "pass");
    assert!(unbudgeted["peak_bytes"].as_u64().unwrap() > 120 << 20);
    // The table: one row per benchmark, the reason under the failing one, the verdict last.
    for name in ["small", "near", "over", "unbudgeted"] {
        assert!(stdout.contains(name), "{stdout}");
    }
    assert!(stdout.contains("exceeds budget 60.0 MiB"), "{stdout}");
    assert!(stdout.trim_end().ends_with("the gate failed"), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}'),
        "NO_COLOR is honoured: {stdout:?}"
    );
    let junit = std::fs::read_to_string(project.path("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase").count(), 4, "{junit}");
    assert_eq!(junit.matches("<failure").count(), 1, "{junit}");
    assert!(junit.contains("exceeds budget 60.0 MiB"), "{junit}");
}

#[test]
fn all_pass_exits_zero_and_runs_aggregate() {
    let project = Project::new(&config(&format!(
        "  - name: ok\n    run: {}\n    runs: 3\n    warmup: 1\n    budget: {{ peak: 300MiB }}\n",
        serde_json::to_string(&hold(50, 0.2)).unwrap()
    )));
    let (code, stdout, stderr) = project.check(&["--json", "results.json"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let ok = benchmark(&project.results(), "ok").clone();
    // Warm-up runs are not kept; the measured runs are.
    assert_eq!(ok["runs"].as_array().unwrap().len(), 3);
    let peaks: Vec<u64> = ok["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["peak_bytes"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ok["peak_bytes"].as_u64().unwrap(),
        *peaks.iter().max().unwrap()
    );
    assert_eq!(
        ok["peak_spread_bytes"][0].as_u64().unwrap(),
        *peaks.iter().min().unwrap()
    );
}

#[test]
fn crash_and_timeout_are_errors_and_leave_nothing_running() {
    let marker = format!("memgate-timeout-marker-{}", std::process::id());
    let project = Project::new(&config(&format!(
        r#"  - name: crash
    run: "kill -9 $$"
  - name: slow
    run: "sleep 30 # {marker}"
    timeout: 1s
  - name: after
    run: "true"
"#
    )));
    let (code, stdout, stderr) = project.check(&["--json", "results.json"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let results = project.results();
    let crash = benchmark(&results, "crash");
    assert_eq!(crash["status"], "error");
    assert_eq!(crash["reason"], "run 1 of 1 was killed by SIGKILL");
    let slow = benchmark(&results, "slow");
    assert_eq!(slow["status"], "error");
    assert_eq!(slow["reason"], "run 1 of 1 timed out");
    assert_eq!(slow["runs"][0]["timed_out"], true);
    // A failure does not stop the later benchmarks.
    assert_eq!(benchmark(&results, "after")["status"], "pass");
    let left = std::process::Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "left running: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[test]
fn a_missing_program_in_argv_is_an_error_of_that_benchmark() {
    let project = Project::new(&config(
        "  - name: missing\n    argv: [no-such-program-xyz]\n",
    ));
    let (code, _, _) = project.check(&["--json", "results.json"]);
    assert_eq!(code, 1);
    let missing = benchmark(&project.results(), "missing").clone();
    assert_eq!(missing["status"], "error");
    assert_eq!(
        missing["reason"],
        "command not found: `no-such-program-xyz`"
    );
}

#[test]
fn setup_runs_once_in_the_config_folder_and_its_failure_stops_with_exit_2() {
    let ok = Project::new(
        "version: 1\nsetup:\n  - echo ran >> setup.log\nbenchmarks:\n  - name: a\n    run: cat setup.log\n    runs: 2\n  - name: b\n    run: \"true\"\n",
    );
    let (code, _, stderr) = ok.check(&[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(ok.path("setup.log")).unwrap(),
        "ran\n"
    );

    let failing = Project::new(
        "version: 1\nsetup:\n  - echo installing; echo no such package >&2; exit 3\nbenchmarks:\n  - name: a\n    run: touch ran\n",
    );
    let (code, _, stderr) = failing.check(&["--json", "results.json"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("setup step"), "{stderr}");
    assert!(stderr.contains("no such package"), "{stderr}");
    assert!(
        !failing.path("ran").exists(),
        "no benchmark runs after a failed setup"
    );
}

#[test]
fn selection_by_name_and_tag() {
    let project = Project::new(&config(
        "  - name: a\n    run: \"true\"\n    tags: [fast]\n  - name: b\n    run: \"true\"\n    tags: [slow]\n  - name: c\n    run: \"true\"\n    tags: [fast, io]\n",
    ));
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--json", "results.json"];
        all.extend_from_slice(args);
        let (code, _, stderr) = project.check(&all);
        assert_eq!(code, 0, "{stderr}");
        project.results()["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&["b"]), ["b"]);
    assert_eq!(names(&["c", "a"]), ["a", "c"]);
    assert_eq!(names(&["--tag", "fast"]), ["a", "c"]);
    assert_eq!(names(&["--tag", "io", "--tag", "slow"]), ["b", "c"]);
    let (code, _, stderr) = project.check(&["nope"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no benchmark named `nope`") && stderr.contains("a, b, c"),
        "{stderr}"
    );
    let (code, _, stderr) = project.check(&["--tag", "gpu"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn results_file_is_written_after_each_benchmark() {
    // The second benchmark reads the results file that memgate wrote after the first.
    let project = Project::new(&config(
        "  - name: first\n    run: \"true\"\n  - name: second\n    run: \"grep -q '\\\"first\\\"' results.json\"\n",
    ));
    let (code, stdout, stderr) = project.check(&["--json", "results.json"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(benchmark(&project.results(), "second")["status"], "pass");
}

#[test]
fn invalid_config_and_missing_config_exit_2() {
    let project = Project::new(
        "version: 1\nbenchmarks:\n  - name: a\n    run: x\n    budget: { peek: 1MiB }\n",
    );
    let (code, _, stderr) = project.check(&[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("peek") && stderr.contains("peak"),
        "{stderr}"
    );
    let out = project.memgate().args(["validate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    let (code, _, stderr) = project.check(&["-c", "nothing.yml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("memgate init"), "{stderr}");
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::cargo_bin("memgate")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["init"]).status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("memgate.yml")).unwrap();
    assert_eq!(run(&["validate"]).status.code(), Some(0));
    let again = run(&["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("memgate.yml")).unwrap(),
        written
    );
}

#[test]
fn schema_is_json_that_names_the_top_level_keys() {
    let out = Command::cargo_bin("memgate")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["version", "defaults", "setup", "benchmarks"] {
        assert!(
            schema["properties"][key].is_object(),
            "{key} missing in {schema}"
        );
    }
}

#[test]
fn quiet_prints_the_verdict_alone() {
    let project = Project::new(&config("  - name: a\n    run: \"true\"\n"));
    let (code, stdout, stderr) = project.check(&["--quiet"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "memgate: 1 benchmark — 1 pass: the gate passed\n");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn the_github_token_is_not_passed_to_setup_or_benchmarks() {
    let project = Project::new(
        "version: 1\nsetup:\n  - echo \"setup:${GITHUB_TOKEN:-none}:${INPUT_GITHUB_TOKEN:-none}\" > setup.txt\nbenchmarks:\n  - name: a\n    run: echo \"bench:${GITHUB_TOKEN:-none}:${INPUT_GITHUB_TOKEN:-none}:$OWN\" > bench.txt\n    runs: 1\n    env: { OWN: kept }\n",
    );
    let out = project
        .memgate()
        .args(["check", "--no-comment"])
        .env("GITHUB_TOKEN", "ghp_secret")
        .env("INPUT_GITHUB_TOKEN", "ghs_secret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let read = |name: &str| std::fs::read_to_string(project.path(name)).unwrap();
    assert_eq!(read("setup.txt"), "setup:none:none\n");
    assert_eq!(read("bench.txt"), "bench:none:none:kept\n");
}

#[test]
fn an_unwritable_results_path_fails_before_anything_runs() {
    let project = Project::new(&config("  - name: a\n    run: touch ran\n"));
    // memgate.yml is a file: no folder can be made there.
    let (code, _, stderr) = project.check(&["--json", "memgate.yml/r.json"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot write memgate.yml/r.json"),
        "{stderr}"
    );
    assert!(!project.path("ran").exists(), "nothing may run first");
    let out = project
        .memgate()
        .args(["run", "--json", "memgate.yml/r.json", "--", "touch", "ran2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!project.path("ran2").exists());
    // A missing folder is made, as for every output.
    let (code, _, stderr) = project.check(&["--json", "out/dir/r.json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(project.path("out/dir/r.json").exists());
}

#[test]
fn a_missing_working_directory_is_an_error_of_that_benchmark() {
    let project = Project::new(&config(
        "  - name: a\n    run: \"true\"\n    cwd: nowhere\n",
    ));
    let (code, _, stderr) = project.check(&["--json", "results.json"]);
    assert_eq!(code, 1, "{stderr}");
    let a = benchmark(&project.results(), "a").clone();
    assert_eq!(a["status"], "error");
    let reason = a["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("working directory") && reason.ends_with("does not exist"),
        "{reason}"
    );
}

/// Issue 11, item 8: every report path is checked before anything runs — its folder can be made
/// and written — not found unwritable after the whole run.
#[test]
fn unwritable_report_paths_fail_before_anything_runs() {
    let project = Project::new(
        "version: 1\nsetup:\n  - touch setup-ran\nbenchmarks:\n  - name: a\n    run: touch ran\n    runs: 1\n",
    );
    std::fs::create_dir(project.path("a-folder")).unwrap();
    for args in [
        &["--markdown", "memgate.yml/r.md"][..],
        &["--html", "memgate.yml/r.html"],
        &["--junit", "memgate.yml/r.xml"],
        &["--charts", "memgate.yml"],
        &["--charts", "memgate.yml/charts"],
        &["--markdown", "a-folder"],
        &["--html", "-", "--markdown", "a-folder"],
    ] {
        let (code, _, stderr) = project.check(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        let path = args.last().unwrap();
        assert!(
            stderr.contains(&format!("cannot write {path}")),
            "{args:?}: {stderr}"
        );
        assert!(
            !project.path("setup-ran").exists(),
            "{args:?}: setup ran first"
        );
        assert!(
            !project.path("ran").exists(),
            "{args:?}: a benchmark ran first"
        );
    }
    // `-` is standard output, and missing folders are made.
    let (code, stdout, stderr) =
        project.check(&["--quiet", "--markdown", "-", "--charts", "out/charts"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("<!-- memgate:report -->"), "{stdout}");
    assert!(project.path("out/charts").is_dir());
}
