//! Allocation sites (issue 14, item 2; docs/attribution.md): a failing or `always` Python
//! benchmark re-run once under memray, with real workloads (tests/workloads/attribution/) in a
//! venv with memray and joblib (`common::python_with_packages`).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const WORKLOADS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/workloads/attribution");

use common::memgate;

/// Runs `memgate check --json r.json ARGS` on `config` in a new folder; the results and the
/// folder.
fn check(config: &str, args: &[&str]) -> (Value, Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("memgate.yml"), config).unwrap();
    let mut all = vec!["check", "--json", "r.json"];
    all.extend_from_slice(args);
    let out = memgate(dir.path(), &all);
    let text = std::fs::read_to_string(dir.path().join("r.json")).unwrap_or_else(|_| {
        panic!("no results: {}", String::from_utf8_lossy(&out.stderr));
    });
    (serde_json::from_str(&text).unwrap(), out, dir)
}

fn bench(results: &Value, name: &str) -> Value {
    results["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap()
        .clone()
}

fn line_of(file: &str, mark: &str) -> u64 {
    let text = std::fs::read_to_string(Path::new(WORKLOADS).join(file)).unwrap();
    1 + text.lines().position(|l| l.contains(mark)).unwrap() as u64
}

#[test]
fn a_failing_benchmark_names_the_line_that_held_its_peak() {
    let python = common::python_with_packages();
    let config = format!(
        "version: 1\nbenchmarks:\n  - name: hold\n    runs: 2\n    argv: [{python}, {WORKLOADS}/hold.py]\n    budget: {{ peak: 100MiB }}\n"
    );
    let (results, out, dir) = check(&config, &[]);
    let b = bench(&results, "hold");
    assert_eq!(b["status"], "fail");
    let a = &b["attribution"];
    let top = &a["sites"][0];
    assert!(top["file"].as_str().unwrap().ends_with("hold.py"), "{a:#}");
    assert_eq!(top["line"], line_of("hold.py", "KNOWN"), "{a:#}");
    assert!(top["share"].as_f64().unwrap() >= 0.8, "{a:#}");
    assert!(top["bytes"].as_u64().unwrap() >= 150 << 20);
    // The re-run is not one of the measured runs, and its time is stored.
    assert_eq!(b["runs"].as_array().unwrap().len(), 2);
    assert!(a["wall_secs"].as_f64().unwrap() > 0.0);
    let flame = a["flamegraph"].as_str().unwrap();
    assert!(
        std::fs::read_to_string(dir.path().join(flame).as_path())
            .unwrap_or_else(|_| std::fs::read_to_string(flame).unwrap())
            .contains("<html")
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("hold.py:"), "{shown}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_workers_of_a_loky_pool_are_merged_in() {
    let python = common::python_with_packages();
    let config = format!(
        "version: 1\nbenchmarks:\n  - name: pool\n    runs: 1\n    argv: [{python}, {WORKLOADS}/pool.py]\n"
    );
    let (results, _, _dir) = check(&config, &["--attribute"]);
    let a = bench(&results, "pool")["attribution"].clone();
    let sites = a["sites"].as_array().unwrap();
    let at = |file: &str, mark: &str| {
        sites.iter().find(|s| {
            s["file"].as_str().unwrap().ends_with(file) && s["line"] == line_of(file, mark)
        })
    };
    // Two workers ran grow(40) at a time, each of them at least once.
    let worker = at("pool_work.py", "WORKER").unwrap_or_else(|| panic!("{a:#}"));
    assert!(worker["bytes"].as_u64().unwrap() >= 80 << 20, "{a:#}");
    assert!(at("pool.py", "PARENT").is_some(), "{a:#}");
}

#[test]
fn a_non_python_benchmark_gets_the_note_and_never_does_nothing() {
    let config = "version: 1\nbenchmarks:\n  - name: shell\n    runs: 1\n    run: \"true\"\n    budget: { peak: 1B }\n  - name: quiet\n    runs: 1\n    run: \"true\"\n    attribution: never\n";
    let (results, _, _dir) = check(config, &[]);
    let note = bench(&results, "shell")["attribution"]["note"].clone();
    assert!(
        note.as_str().unwrap().contains("Python benchmarks only"),
        "{note}"
    );
    assert!(bench(&results, "quiet").get("attribution").is_none());
    let (results, _, _dir) = check(
        &config.replace("budget: { peak: 1B }", "attribution: never"),
        &[],
    );
    assert!(bench(&results, "shell").get("attribution").is_none());
}

#[test]
fn memray_missing_from_a_system_interpreter_is_a_note_and_the_verdict_stands() {
    let python = common::python();
    let probe = Command::new(python)
        .args(["-c", "import memray"])
        .output()
        .unwrap();
    assert!(
        !probe.status.success(),
        "this test needs a system python without memray"
    );
    let config = format!(
        "version: 1\nbenchmarks:\n  - name: sys\n    runs: 1\n    argv: [{python}, -c, \"b = bytearray(1 << 20)\"]\n    budget: {{ peak: 1B }}\n"
    );
    let (results, out, _dir) = check(&config, &[]);
    let b = bench(&results, "sys");
    assert_eq!(b["status"], "fail");
    assert_eq!(out.status.code(), Some(1));
    let note = b["attribution"]["note"].as_str().unwrap();
    assert!(note.contains("memray is not installed"), "{note}");
    assert!(note.contains("virtualenv"), "{note}");
}

/// The base's program: 50 MiB held at the line marked BASE.
const GROW_BASE: &str = "def main():\n    kept = [bytearray(1 << 20) for _ in range(50)]  # BASE\n    print(len(kept))\n\n\nmain()\n";
/// The head's: the same, and 150 MiB more at the line marked NEW.
const GROW_HEAD: &str = "def main():\n    kept = [bytearray(1 << 20) for _ in range(50)]  # BASE\n    more = [bytearray(1 << 20) for _ in range(150)]  # NEW\n    print(len(kept), len(more))\n\n\nmain()\n";

fn grow_config(python: &str) -> String {
    format!(
        "version: 1\nbenchmarks:\n  - name: grow\n    runs: 1\n    argv: [{python}, grow.py]\n    regression: {{ peak: 10% }}\n"
    )
}

/// The head's top grown site is the NEW line and holds at least 80% of the growth that was
/// measured.
fn assert_new_line_grew(b: &Value) {
    assert_eq!(b["status"], "fail", "{b:#}");
    let a = &b["attribution"];
    let top = &a["grown"][0];
    assert_eq!(top["file"], "grow.py", "{a:#}");
    assert_eq!(top["line"], 3, "{a:#}");
    let growth = top["bytes"].as_u64().unwrap() - top["base_bytes"].as_u64().unwrap();
    let measured =
        b["peak_bytes"].as_u64().unwrap() - b["baseline"]["peak_bytes"].as_u64().unwrap();
    assert!(
        growth as f64 >= 0.8 * measured as f64,
        "{growth} of {measured}: {a:#}"
    );
}

#[test]
fn with_a_base_ref_the_new_line_holds_the_growth() {
    let python = common::python_with_packages();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::git(root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("memgate.yml"), grow_config(python)).unwrap();
    std::fs::write(root.join("grow.py"), GROW_BASE).unwrap();
    common::git(root, &["add", "."]);
    common::git(root, &["commit", "-q", "-m", "base"]);
    std::fs::write(root.join("grow.py"), GROW_HEAD).unwrap();
    common::git(root, &["commit", "-q", "-am", "head"]);
    let out = memgate(
        root,
        &["check", "--baseline-ref", "HEAD~1", "--json", "r.json"],
    );
    let text = std::fs::read_to_string(root.join("r.json"))
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let results: Value = serde_json::from_str(&text).unwrap();
    assert_new_line_grew(&bench(&results, "grow"));
    // The base's re-run left its flame graph and logs beside the head's.
    assert!(root.join("r.logs/grow.base.memray.html").is_file());
}

#[test]
fn with_a_base_file_its_attribution_is_the_base() {
    let python = common::python_with_packages();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("memgate.yml"), grow_config(python)).unwrap();
    std::fs::write(root.join("grow.py"), GROW_BASE).unwrap();
    let out = memgate(root, &["check", "--attribute", "--json", "base.json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    std::fs::write(root.join("grow.py"), GROW_HEAD).unwrap();
    memgate(
        root,
        &["check", "--baseline", "base.json", "--json", "r.json"],
    );
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("r.json")).unwrap()).unwrap();
    assert_new_line_grew(&bench(&results, "grow"));
}

#[test]
fn memray_missing_from_a_virtualenv_is_installed_there_and_sites_follow() {
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    let made = Command::new(common::python())
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(made.success());
    let python = venv.join("bin/python");
    let config = format!(
        "version: 1\nbenchmarks:\n  - name: hold\n    runs: 1\n    argv: [{}, {WORKLOADS}/hold.py]\n    budget: {{ peak: 100MiB }}\n",
        python.display()
    );
    let (results, out, _dir) = check(&config, &[]);
    let a = bench(&results, "hold")["attribution"].clone();
    let note = a["note"].as_str().unwrap_or_default();
    assert!(note.contains("memgate installed memray==1.20.0"), "{a:#}");
    assert_eq!(a["sites"][0]["line"], line_of("hold.py", "KNOWN"), "{a:#}");
    assert_eq!(out.status.code(), Some(1));
    let installed = Command::new(&python).args(["-c", "import memray"]).status();
    assert!(installed.unwrap().success());
}
