//! Signals outside a measured run (issue 11, item 6): during a `setup:` step, between runs, after
//! the last run and during `git fetch`, a terminating signal ends what runs and memgate exits 2;
//! a killed memgate takes its setup step with it.
//! SIGHUP is one of them, as SIGINT and SIGTERM.

mod common;
use common::{Project, alive, git, read_pid, wait_for};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

impl Project {
    fn start(&self, args: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_memgate"))
            .current_dir(self.dir.path())
            .env_remove("GITHUB_ACTIONS")
            .env("NO_COLOR", "1")
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.path("stderr")).unwrap())
            .spawn()
            .unwrap()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.path("stderr")).unwrap_or_default()
    }
}

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on a child this test started and has not waited for yet.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
}

/// Waits for memgate to end (killing it when it will not: a guard, not an assertion of time);
/// its exit code.
fn finish(mut child: Child) -> Option<i32> {
    let ended = wait_for(60, || child.try_wait().unwrap().is_some());
    if !ended {
        let _ = child.kill();
    }
    child.wait().unwrap().code().filter(|_| ended)
}

/// A setup step that starts a child, says both pids, and waits for it; then a benchmark that
/// would leave a file.
const SLOW_SETUP: &str = "version: 1
setup:
  - sleep 300 & echo $! > sleep.pid; echo $$ > setup.pid; wait
benchmarks:
  - name: a
    run: touch measured
";

fn signal_during_setup(sig: libc::c_int) {
    let project = Project::new(SLOW_SETUP);
    let child = project.start(&["check", "--json", "results.json"]);
    let started = wait_for(30, || read_pid(&project.path("sleep.pid")).is_some());
    assert!(
        started,
        "the setup step never started: {}",
        project.stderr()
    );
    let (step, sleeper) = (
        read_pid(&project.path("setup.pid")).unwrap(),
        read_pid(&project.path("sleep.pid")).unwrap(),
    );
    signal(&child, sig);
    let code = finish(child);
    let stderr = project.stderr();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("interrupted during setup"), "{stderr}");
    assert!(!alive(step), "the setup step's shell is still running");
    assert!(!alive(sleeper), "the setup step's child is still running");
    assert!(
        !project.path("measured").exists(),
        "a benchmark ran after the signal"
    );
    assert!(!project.path("results.json").exists());
}

#[test]
fn sigterm_during_setup_ends_the_step_and_exits_2() {
    signal_during_setup(libc::SIGTERM);
}

#[test]
fn sigint_during_setup_ends_the_step_and_exits_2() {
    signal_during_setup(libc::SIGINT);
}

#[test]
fn sighup_during_setup_ends_the_step_and_exits_2() {
    signal_during_setup(libc::SIGHUP);
}

/// memgate killed outright (SIGKILL, no chance to clean up): its setup step dies with it
/// (a parent-death signal), instead of running on.
#[test]
fn a_killed_memgate_takes_its_setup_step_with_it() {
    let project = Project::new(
        "version: 1\nsetup:\n  - echo $$ > setup.pid; exec sleep 300\nbenchmarks:\n  - name: a\n    run: \"true\"\n",
    );
    let child = project.start(&["check"]);
    // `exec` keeps the pid: the file names the sleep once it holds a pid and sleep runs.
    let step = wait_for(30, || {
        read_pid(&project.path("setup.pid")).is_some_and(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "sleep")
        })
    });
    assert!(step, "the setup step never started: {}", project.stderr());
    let step = read_pid(&project.path("setup.pid")).unwrap();
    signal(&child, libc::SIGKILL);
    let _ = finish(child);
    assert!(
        wait_for(10, || !alive(step)),
        "the setup step outlived memgate's SIGKILL"
    );
}

/// A benchmark of 3 runs whose first run signals memgate and exits at once, before memgate's
/// watchdog sees the signal: run 2 must never start, and the results so far are written.
fn signal_between_runs(sig: &str) {
    let project = Project::new(&format!(
        "version: 1
benchmarks:
  - name: a
    runs: 3
    run: n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; if [ $n = 0 ]; then kill -{sig} $PPID; fi
  - name: b
    run: touch b-ran
"
    ));
    let code = finish(project.start(&["check", "--json", "results.json"]));
    let stderr = project.stderr();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("interrupted; results so far are written"),
        "{stderr}"
    );
    let runs = std::fs::read_to_string(project.path("count")).unwrap();
    assert_eq!(runs.trim(), "1", "a run started after the signal");
    assert!(
        !project.path("b-ran").exists(),
        "the next benchmark ran after the signal"
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.path("results.json")).unwrap()).unwrap();
    let benchmarks = results["benchmarks"].as_array().unwrap();
    assert_eq!(benchmarks.len(), 1, "{results}");
    assert_eq!(benchmarks[0]["status"], "error", "{results}");
    let reason = benchmarks[0]["reason"].as_str().unwrap();
    assert!(reason.contains("interrupted by SIG"), "{reason}");
}

#[test]
fn sigterm_between_runs_stops_the_suite_with_exit_2() {
    signal_between_runs("TERM");
}

#[test]
fn sigint_between_runs_stops_the_suite_with_exit_2() {
    signal_between_runs("INT");
}

#[test]
fn sighup_between_runs_stops_the_suite_with_exit_2() {
    signal_between_runs("HUP");
}

/// The signal comes with the last run of the last benchmark: the gate must not pass.
#[test]
fn sigterm_with_the_last_run_is_not_a_pass() {
    let project = Project::new(
        "version: 1\nbenchmarks:\n  - name: a\n    runs: 1\n    run: kill -TERM $PPID\n",
    );
    let code = finish(project.start(&["check", "--json", "results.json"]));
    let stderr = project.stderr();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stderr.contains("the gate passed"), "{stderr}");
}

/// A repository whose `origin` answers a fetch only after 300 s (its upload-pack sleeps first,
/// and says the sleep's pid), and the commit to ask it for.
fn repository_with_a_slow_origin(dir: &Path) -> (PathBuf, String) {
    let (up, work) = (dir.join("up"), dir.join("work"));
    std::fs::create_dir_all(&up).unwrap();
    std::fs::write(
        up.join("memgate.yml"),
        "version: 1\nbenchmarks:\n  - name: a\n    run: \"true\"\n",
    )
    .unwrap();
    git(&up, &["init", "-q", "-b", "main"]);
    git(&up, &["add", "."]);
    git(&up, &["commit", "-q", "-m", "one"]);
    git(dir, &["clone", "-q", "up", "work"]);
    git(&up, &["commit", "-q", "--allow-empty", "-m", "two"]);
    let missing = git(&up, &["rev-parse", "HEAD"]).trim().to_string();
    let slow = format!(
        "f() {{ sleep 300 & echo $! > {}; wait; }}; f",
        dir.join("sleep.pid").display()
    );
    git(&work, &["config", "remote.origin.uploadpack", &slow]);
    (work, missing)
}

fn signal_during_fetch(sig: libc::c_int) {
    let dir = tempfile::tempdir().unwrap();
    let (work, missing) = repository_with_a_slow_origin(dir.path());
    let stderr_path = dir.path().join("stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_memgate"))
        .current_dir(&work)
        .env_remove("GITHUB_ACTIONS")
        .args(["check", "--baseline-ref", &missing])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let pid_file = dir.path().join("sleep.pid");
    let fetching = wait_for(30, || read_pid(&pid_file).is_some());
    let stderr = || std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(fetching, "the fetch never reached the origin: {}", stderr());
    let sleeper = read_pid(&pid_file).unwrap();
    signal(&child, sig);
    let code = finish(child);
    assert_eq!(code, Some(2), "{}", stderr());
    assert!(
        stderr().contains("interrupted while preparing the base"),
        "{}",
        stderr()
    );
    assert!(!alive(sleeper), "the fetch's upload-pack is still running");
    assert_eq!(git(&work, &["worktree", "list"]).lines().count(), 1);
}

#[test]
fn sigterm_during_git_fetch_ends_it_and_exits_2() {
    signal_during_fetch(libc::SIGTERM);
}

#[test]
fn sighup_during_git_fetch_ends_it_and_exits_2() {
    signal_during_fetch(libc::SIGHUP);
}
