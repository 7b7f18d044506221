//! Base and head prepared alike with `--baseline-ref` (issue 12, item 2): the head runs in a
//! fresh checkout of its own, set up as the base's is, so that what the user's tree holds beyond
//! its commit (a venv with an extra package) makes no fake delta; uncommitted changes are still
//! what is measured; each side's environment after setup is fingerprinted in results.json, and
//! the report says when they differ.

mod common;
use common::{git, python};

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// The README's setup pattern: a venv made once, reused when there.
fn config(extra_setup: &str) -> String {
    format!(
        "version: 1
setup:
  - test -x .memgate/venv/bin/python || {python} -m venv --without-pip .memgate/venv{extra_setup}
defaults:
  runs: 2
  regression: {{ peak: 5%, min_delta: 1MiB }}
benchmarks:
  - name: train
    run: .memgate/venv/bin/python train.py
",
        python = python()
    )
}

/// 30 MiB of weights, and 20 MiB more when the optional `extra_pkg` is installed.
const TRAIN: &str = "import time
try:
    import extra_pkg
except ImportError:
    pass
weights = bytearray(b'x') * (30 << 20)
time.sleep(0.3)
";

/// A repository of two commits (the second changes nothing that is measured) holding `config`.
fn repository(root: &Path, head_config: &str) {
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("memgate.yml"), config("")).unwrap();
    std::fs::write(root.join("train.py"), TRAIN).unwrap();
    std::fs::write(root.join(".gitignore"), ".memgate/\nresults.json\n").unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    std::fs::write(root.join("memgate.yml"), head_config).unwrap();
    git(root, &["commit", "-q", "--allow-empty", "-am", "head"]);
}

/// The user's tree already holds a venv, with a package the commit's setup would not install.
fn venv_with_extra_package(root: &Path) {
    let made = Command::new(python())
        .args(["-m", "venv", "--without-pip", ".memgate/venv"])
        .current_dir(root)
        .status()
        .unwrap();
    assert!(made.success());
    let lib = root.join(".memgate/venv/lib");
    let version = std::fs::read_dir(&lib).unwrap().next().unwrap().unwrap();
    let extra = version.path().join("site-packages/extra_pkg.py");
    std::fs::write(extra, "cache = bytearray(b'y') * (20 << 20)\n").unwrap();
}

fn check(root: &Path, args: &[&str]) -> (Output, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_memgate"))
        .current_dir(root)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .args([
            "check",
            "--baseline-ref",
            "HEAD~1",
            "--json",
            "results.json",
        ])
        .args(args)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(root.join("results.json"))
        .unwrap_or_else(|_| panic!("no results: {}", String::from_utf8_lossy(&out.stderr)));
    (out, serde_json::from_str(&text).unwrap())
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Head peak / base peak − 1 of the first benchmark.
fn peak_change(results: &Value) -> f64 {
    let train = &results["benchmarks"][0];
    let head = train["peak_bytes"].as_f64().unwrap();
    let base = train["baseline"]["peak_bytes"].as_f64().unwrap();
    head / base - 1.0
}

#[test]
fn a_venv_with_extra_packages_in_the_users_tree_makes_no_delta() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    repository(root, &config(""));
    venv_with_extra_package(root);
    let (out, results) = check(root, &[]);
    let text = said(&out);
    let change = peak_change(&results);
    println!("peak change {:+.2}%", change * 100.0);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(change.abs() <= 0.01, "peak {:+.2}%: {text}", change * 100.0);
    let train = &results["benchmarks"][0];
    assert_eq!(train["status"], "pass", "{train}");
    let setup = &results["baseline"]["setup"];
    assert!(setup["base"]["files"].as_u64().unwrap() > 0, "{setup}");
    assert_eq!(setup["base"], setup["head"], "{setup}");
    assert!(!text.contains("differ after setup"), "{text}");
    // The user's tree is as it was: its venv and its extra package are still there.
    assert!(root.join(".memgate/venv/bin/python").exists());
    assert_eq!(git(root, &["worktree", "list"]).lines().count(), 1);
}

#[test]
fn the_working_trees_changes_are_what_is_measured() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    repository(root, &config(""));
    // Uncommitted: train.py imports a new, untracked module that holds 40 MiB.
    std::fs::write(
        root.join("bigger.py"),
        "more = bytearray(b'z') * (40 << 20)\n",
    )
    .unwrap();
    std::fs::write(root.join("train.py"), format!("import bigger\n{TRAIN}")).unwrap();
    let (out, results) = check(root, &[]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(peak_change(&results) > 0.5, "{text}");
    // What was copied in is not what setup left: the fingerprints still agree.
    let setup = &results["baseline"]["setup"];
    assert_eq!(setup["base"], setup["head"], "{setup}");
}

#[test]
fn different_environments_after_setup_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The head's setup installs the extra package: a real difference, and the report says so.
    let install = "\n  - cp pkg/extra_pkg.py .memgate/venv/lib/python3*/site-packages/";
    repository(root, &config(install));
    std::fs::create_dir(root.join("pkg")).unwrap();
    std::fs::write(root.join("pkg/extra_pkg.py"), "cache = 1\n").unwrap();
    git(root, &["add", "pkg"]);
    git(root, &["commit", "-q", "--amend", "--no-edit"]);
    let (out, results) = check(root, &["--markdown", "report.md"]);
    let text = said(&out);
    let setup = &results["baseline"]["setup"];
    assert_ne!(setup["base"], setup["head"], "{setup}");
    assert_eq!(
        setup["head"]["files"].as_u64(),
        setup["base"]["files"].as_u64().map(|n| n + 1),
        "{setup}"
    );
    assert!(
        text.contains("warning: base and head differ after setup (base: "),
        "{text}"
    );
    let markdown = std::fs::read_to_string(root.join("report.md")).unwrap();
    assert!(
        markdown.contains("Base and head differ after setup"),
        "{markdown}"
    );
}

/// A tracked link that leads out of the checkout, made a plain file in the working tree: the
/// copy replaces the link in the head's checkout and writes nothing where it led.
#[test]
fn a_copied_change_never_writes_through_a_tracked_link() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::write(&outside, "untouched").unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir(&root).unwrap();
    repository(&root, &config(""));
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    git(&root, &["add", "link"]);
    git(&root, &["commit", "-q", "-m", "link"]);
    std::fs::remove_file(root.join("link")).unwrap();
    std::fs::write(root.join("link"), "overwritten").unwrap();
    let (out, _) = check(&root, &["--runs", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "untouched");
}
