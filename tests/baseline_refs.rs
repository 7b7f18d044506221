//! `--baseline-ref` that names nothing (issue 12, item 6): a typo in a full clone stops memgate
//! (exit 2) before anything is measured; a base out of reach of a shallow CI clone is a warning
//! on one line, and the gate judges budgets alone. A signal during the base's run ends the
//! benchmark there: the head's run never starts.

mod common;
use common::{git, wait_for};

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CONFIG: &str = "version: 1\nsetup:\n  - touch set-up\nbenchmarks:\n  - name: a\n    runs: 1\n    run: touch ran\n";

/// A repository of two commits holding `config`.
fn repository(root: &Path, config: &str) {
    std::fs::create_dir_all(root).unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("memgate.yml"), config).unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "one"]);
    git(root, &["commit", "-q", "--allow-empty", "-m", "two"]);
}

fn check(dir: &Path, reference: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_memgate"))
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .args(["check", "--baseline-ref", reference])
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_ref_that_names_nothing_in_a_full_clone_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    repository(&root, CONFIG);
    for reference in ["doesnotexist", "HEAD~5", "feature/typo"] {
        let out = check(&root, reference);
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{reference}: {said}");
        assert!(
            said.contains(&format!("`{reference}` names no commit of this repository")),
            "{said}"
        );
        assert!(!said.contains("gating on budgets alone"), "{said}");
        assert!(!root.join("ran").exists(), "{reference}: a benchmark ran");
        // The base is resolved first: nothing of the head's was set up for nothing.
        assert!(!said.contains("setup:"), "{reference}: {said}");
    }
    assert_eq!(git(&root, &["worktree", "list"]).lines().count(), 1);
}

#[test]
fn a_base_out_of_reach_of_a_shallow_clone_is_a_one_line_warning() {
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("up");
    repository(&up, CONFIG);
    let url = format!("file://{}", up.display());
    git(dir.path(), &["clone", "-q", "--depth", "1", &url, "work"]);
    let work = dir.path().join("work");
    for reference in ["HEAD~1", "doesnotexist"] {
        let out = check(&work, reference);
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{reference}: {said}");
        let warning = said
            .lines()
            .find(|line| line.contains("warning: no baseline"))
            .unwrap_or_else(|| panic!("no warning: {said}"));
        assert!(
            warning.contains(&format!("`{reference}` is not in this shallow clone")),
            "{warning}"
        );
        assert!(warning.ends_with("; gating on budgets alone"), "{warning}");
        assert_eq!(
            warning.matches('(').count(),
            warning.matches(')').count(),
            "unbalanced: {warning}"
        );
        // No base to be symmetric with: the head is set up and run in place.
        assert!(!said.contains("checking out the head"), "{said}");
        assert!(work.join("set-up").exists() && work.join("ran").exists());
    }
}

/// A signal to memgate's process group (what Ctrl-C sends) while the base's benchmark runs.
#[test]
fn ctrl_c_during_the_base_run_does_not_start_the_head_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let marks = dir.path().display();
    // The base commit holds `base-marker`; its run says it started and sleeps, the head's run
    // leaves `head-ran`.
    let config = format!(
        "version: 1\nbenchmarks:\n  - name: a\n    runs: 2\n    run: if [ -e base-marker ]; then touch {marks}/base-started; sleep 30; else touch {marks}/head-ran; fi\n"
    );
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("memgate.yml"), config).unwrap();
    std::fs::write(root.join("base-marker"), "").unwrap();
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "base"]);
    git(&root, &["rm", "-q", "base-marker"]);
    git(&root, &["commit", "-q", "-m", "head"]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_memgate"));
    command
        .current_dir(&root)
        .env_remove("GITHUB_ACTIONS")
        .args(["check", "--baseline-ref", "HEAD~1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let mut child = command.spawn().unwrap();
    let started = wait_for(60, || dir.path().join("base-started").exists());
    assert!(started, "the base's run never started");
    // SAFETY: kill(2) on the process group of the memgate this test started.
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGINT) };
    let ended = wait_for(60, || child.try_wait().unwrap().is_some());
    if !ended {
        let _ = child.kill();
    }
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(2));
    assert!(
        !dir.path().join("head-ran").exists(),
        "the head's run started after Ctrl-C"
    );
}
