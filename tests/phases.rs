//! Phase markers (issue 14, item 4) end to end, on real workloads: per-phase peaks of a script
//! with phases of known sizes, phase budgets through `memgate check`, a benchmark that marks
//! nothing, a hostile writer, and the descriptor given to the command and to nothing else.

#![cfg(target_os = "linux")]

mod common;
use common::{Project, python, workload};

use std::os::unix::process::CommandExt;
use std::process::Command;

use serde_json::Value;

const MIB: f64 = 1024.0 * 1024.0;

/// memgate with no descriptor but stdin, stdout and stderr: what the test harness left open
/// (a jobserver's pipe) would otherwise pass through memgate to the command like through any
/// program, and the descriptor test could not tell them from a leak of memgate's own.
fn memgate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgate"));
    cmd.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    // SAFETY: only close(2), async-signal-safe, between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            for fd in 3..1024 {
                libc::close(fd);
            }
            Ok(())
        });
    }
    cmd
}

/// `memgate run --json` of `python WORKLOAD ARGS…`: exit code, stdout and stderr, and the one
/// benchmark.
fn run(script: &str, args: &[&str]) -> (i32, String, Value) {
    run_with(&[], script, args)
}

/// [`run`] with `options` for `memgate run` (`--method sampled`).
fn run_with(options: &[&str], script: &str, args: &[&str]) -> (i32, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("run.json");
    let out = memgate()
        .arg("run")
        .args(options)
        .arg("--json")
        .arg(&json)
        .arg("--")
        .arg(python())
        .arg(workload(script))
        .args(args)
        .output()
        .unwrap();
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        results["benchmarks"][0].clone(),
    )
}

/// (name, peak MiB) of a benchmark's or a run's phases.
fn phases(value: &Value) -> Vec<(String, f64)> {
    value["phases"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap().to_string(),
                        p["peak_bytes"].as_f64().unwrap() / MIB,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The target for a peak: within max(3%, 8 MiB) of the truth (tests/measure_run.rs).
fn tolerance_mib(truth_mib: f64) -> f64 {
    (0.03 * truth_mib).max(8.0)
}

#[test]
fn each_phase_has_the_peak_it_allocates() {
    assert_known_phase_peaks(&[]);
}

/// The same with the sampled method (no cgroup): phase peaks come from the samples on every
/// path.
#[test]
fn each_phase_has_the_peak_it_allocates_when_sampled() {
    assert_known_phase_peaks(&["--method", "sampled"]);
}

fn assert_known_phase_peaks(options: &[&str]) {
    let args = ["0.6", "load=200", "train=100", "eval=50"];
    let (code, stdout, benchmark) = run_with(options, "phases.py", &args);
    assert_eq!(code, 0, "{stdout}");
    let got = phases(&benchmark);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["idle", "load", "train", "eval"], "{benchmark}");
    let idle: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("baseline-bytes "))
        .and_then(|n| n.parse().ok())
        .map(|bytes: f64| bytes / MIB)
        .unwrap_or_else(|| panic!("no baseline in {stdout}"));
    for ((name, peak), size) in got[1..].iter().zip([200.0, 100.0, 50.0]) {
        let truth = size + idle;
        assert!(
            (peak - truth).abs() <= tolerance_mib(truth),
            "phase {name}: peak {peak:.1} MiB, truth {truth:.1} MiB (idle interpreter {idle:.1} MiB)"
        );
    }
    // The run's spans: in order, back to back, the last one ending with the run.
    let spans = benchmark["runs"][0]["phases"].as_array().unwrap();
    for pair in spans.windows(2) {
        assert_eq!(pair[0]["end_secs"], pair[1]["start_secs"]);
    }
    let end = spans.last().unwrap()["end_secs"].as_f64().unwrap();
    let duration = benchmark["runs"][0]["duration_secs"].as_f64().unwrap();
    assert!((end - duration).abs() < 0.05, "{end} vs {duration}");
    assert!(
        stdout.contains("  phase  ") && stdout.contains("load ("),
        "{stdout}"
    );
}

#[test]
fn a_benchmark_without_markers_has_no_phases_and_no_phase_note() {
    let (code, _, benchmark) = run("steady.py", &["20", "0.3"]);
    assert_eq!(code, 0);
    assert!(benchmark.get("phases").is_none(), "{benchmark}");
    let run = &benchmark["runs"][0];
    assert!(run.get("phases").is_none(), "{run}");
    let notes = run["notes"].as_array().cloned().unwrap_or_default();
    assert!(
        !notes.iter().any(|n| n.as_str().unwrap().contains("phase")),
        "{notes:?}"
    );
}

#[test]
fn the_descriptor_goes_to_the_command_alone_and_marks_from_its_children() {
    let (code, stdout, benchmark) = run("phase_fds.py", &[]);
    assert_eq!(code, 0, "{stdout}");
    let line = stdout.lines().next().unwrap();
    let seen: Value = serde_json::from_str(line).unwrap();
    let named: i64 = seen["named"].as_str().unwrap().parse().unwrap();
    let fds: Vec<i64> = seen["fds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_i64().unwrap())
        .collect();
    // stdin, stdout, stderr and the phase pipe: every other descriptor of memgate (its cgroup
    // files, its other pipe ends, its results file) is close-on-exec.
    assert_eq!(fds, [0, 1, 2, named], "{seen}");
    assert_eq!(seen["kinds"][named.to_string()], "fifo");
    assert_eq!(phases(&benchmark)[0].0, "from-child");

    // Other commands memgate starts (setup) see neither the descriptor nor the variable.
    let project = Project::new(
        "version: 1\nsetup:\n  - ls /proc/self/fd > fds.txt; echo \"${MEMGATE_PHASE_FD:-unset}\" >> fds.txt\n\
         defaults: { runs: 1 }\nbenchmarks:\n  - name: t\n    run: \"true\"\n",
    );
    let out = memgate()
        .current_dir(project.dir.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let listed = std::fs::read_to_string(project.path("fds.txt")).unwrap();
    assert!(listed.ends_with("unset\n"), "{listed}");
    // ls's own descriptor for the listing is 3; nothing above it.
    let numbers: Vec<i64> = listed
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    assert!(numbers.iter().all(|&fd| fd <= 3), "{listed}");
}

#[test]
fn a_hostile_writer_is_capped_noted_and_escaped() {
    let (code, stdout, benchmark) = run("phase_flood.py", &["32"]);
    assert_eq!(code, 0, "{stdout}");
    let got = phases(&benchmark);
    assert_eq!(got.len(), 100, "the phases past the cap are dropped");
    assert_eq!(got[0].0, "::error file=memgate.yml::owned");
    assert_eq!(got[1].0, "@octocat | <b>x</b> `tick`");
    assert!(
        got.iter().all(|(n, _)| !n.chars().any(char::is_control)),
        "{got:?}"
    );
    let notes: Vec<String> = benchmark["runs"][0]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    let note = notes
        .iter()
        .find(|n| n.starts_with("phase markers: dropped"))
        .unwrap_or_else(|| panic!("{notes:?}"));
    for part in [
        "line(s) that are not `memgate:phase NAME`",
        "1 line(s) over 512 bytes",
        "2 marker(s) with an empty",
        "202 marker(s) past the first 100",
    ] {
        assert!(note.contains(part), "{part} in {note}");
    }
    // The terminal shows no workflow command at a line's start, nor any escape sequence.
    assert!(!stdout.lines().any(|l| l.trim_start().starts_with("::")));
    assert!(!stdout.contains('\u{1b}'));

    // Rendered again from the file: no workflow command, no mention, no tag, no broken table.
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("r.json");
    let out = memgate()
        .args(["run", "--json"])
        .arg(&results)
        .arg("--")
        .arg(python())
        .arg(workload("phase_flood.py"))
        .arg("1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let markdown = dir.path().join("r.md");
    let html = dir.path().join("r.html");
    let out = memgate()
        .arg("report")
        .arg(&results)
        .arg("--markdown")
        .arg(&markdown)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let markdown = std::fs::read_to_string(markdown).unwrap();
    // In code spans: no workflow command at a line's start, no HTML, no mention, no table cell.
    assert!(
        markdown.contains("Phase peaks: `::error file=memgate.yml::owned` "),
        "{markdown}"
    );
    assert!(
        markdown.contains(" `` @octocat | <b>x</b> `tick` `` "),
        "{markdown}"
    );
    assert!(!markdown.lines().any(|l| l.starts_with("::")));
    assert!(
        !markdown.contains(" 0 B,"),
        "every phase has a live sample: {markdown}"
    );
    let html = std::fs::read_to_string(html).unwrap();
    assert!(!html.contains("<b>x</b>"));
}

/// A memgate.yml with one benchmark marking load (200 MiB) and train (100 MiB), and `budget`.
fn budgeted(budget: &str) -> Project {
    phased(&["load=200", "train=100"], budget)
}

/// A memgate.yml with one benchmark marking `phases` (`NAME=MiB`), and `budget`.
fn phased(phases: &[&str], budget: &str) -> Project {
    let phases: Vec<String> = phases.iter().map(|p| format!("{p:?}")).collect();
    Project::new(&format!(
        "version: 1\ndefaults: {{ runs: 1 }}\nbenchmarks:\n  - name: phased\n    argv: [{}, {}, \"0.4\", {}]\n    budget:\n{budget}",
        python(),
        workload("phases.py"),
        phases.join(", ")
    ))
}

fn check(project: &Project) -> (i32, String, Value) {
    let out = memgate()
        .current_dir(project.dir.path())
        .args(["check", "--json", "results.json", "--junit", "junit.xml"])
        .output()
        .unwrap();
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(project.path("results.json")).unwrap())
            .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        results["benchmarks"][0].clone(),
    )
}

#[test]
fn a_phase_over_its_budget_fails_the_gate_with_a_reason() {
    let project = budgeted("      phases:\n        load: 150MiB\n        train: 300MiB\n");
    let (code, stdout, benchmark) = check(&project);
    assert_eq!(code, 1, "{stdout}");
    let reason = benchmark["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("phase `load` peak 2") && reason.ends_with("exceeds budget 150.0 MiB"),
        "{reason}"
    );
    assert!(stdout.contains("phase `load` peak"), "{stdout}");
    let checks = benchmark["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(
        (&checks[0]["phase"], &checks[0]["ok"]),
        (&"load".into(), &false.into())
    );
    assert_eq!(
        (&checks[1]["phase"], &checks[1]["ok"]),
        (&"train".into(), &true.into())
    );
    let junit = std::fs::read_to_string(project.path("junit.xml")).unwrap();
    assert!(junit.contains("phase `load` peak"), "{junit}");
}

#[test]
fn a_failed_phase_budget_is_annotated_at_its_line_with_its_name_escaped() {
    let project = phased(
        &["::error::x=200", "train=100"],
        "      phases:\n        train: 300MiB\n        \"::error::x\": 100MiB\n",
    );
    let out = memgate()
        .current_dir(project.dir.path())
        .args(["check", "--github", "--no-comment"])
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let annotation = "::error file=memgate.yml,line=9,title=memgate%3A phased fail \
                      (phase `%3A%3Aerror%3A%3Ax` peak budget)::phase `::error::x` peak ";
    assert!(
        stdout.lines().any(|l| l.starts_with(annotation)),
        "{annotation} in {stdout}"
    );
    // The name is never a workflow command of its own.
    let commands: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert!(
        commands.iter().all(|l| l.starts_with("::error file=")
            || l.starts_with("::group::")
            || l.starts_with("::endgroup::")),
        "{commands:?}"
    );
}

#[test]
fn phases_within_budget_pass_and_warn_at_applies() {
    let project = budgeted("      warn_at: 80%\n      phases: { load: 240MiB, train: 300MiB }\n");
    let (code, stdout, benchmark) = check(&project);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(benchmark["status"], "warn", "{benchmark}");
    let reason = benchmark["reason"].as_str().unwrap();
    assert!(reason.starts_with("phase `load` peak") && reason.contains("% of budget 240.0 MiB"));
}

#[test]
fn a_budgeted_phase_that_never_started_fails() {
    let project = budgeted("      phases: { load: 300MiB, evaluate: 100MiB }\n");
    let (code, stdout, benchmark) = check(&project);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        benchmark["reason"],
        "phase `evaluate` never started: no run wrote `memgate:phase evaluate`"
    );
}

#[test]
fn a_bad_phase_budget_is_an_error_at_its_line_and_column() {
    let project = budgeted(
        "      phases:\n        \" load\": 300MiB\n        train: 0MiB\n        eval: lots\n",
    );
    let out = memgate()
        .current_dir(project.dir.path())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "memgate.yml:8:9: ` load` is not a phase name",
        "memgate.yml:9:16: `budget.phases.train` is 0",
        "memgate.yml:10:15: invalid size `lots` for `budget.phases.eval`",
    ] {
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    }
}
