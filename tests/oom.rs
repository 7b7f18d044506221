//! An OOM kill is reported as such, with the cgroup method and with the sampled one.
//!
//! memgate is started inside a memory cgroup limited to 100 MiB (made by the test under its own
//! cgroup, cgroup v1 as on this project's machines) and measures a command that allocates 300 MiB.
//! On a machine without a writable v1 memory controller this says so and checks nothing else.

use std::path::PathBuf;
use std::process::Command;

fn v1_memory_cgroup() -> Option<PathBuf> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroups
        .lines()
        .find_map(|l| l.split_once(":memory:").map(|(_, p)| p.to_string()))?;
    let dir = PathBuf::from(format!("/sys/fs/cgroup/memory{path}"));
    dir.join("memory.limit_in_bytes").exists().then_some(dir)
}

fn run_limited(method: &str) -> Option<serde_json::Value> {
    let Some(home) = v1_memory_cgroup() else {
        eprintln!("not run: no writable cgroup v1 memory controller on this machine");
        return None;
    };
    let limited = home.join(format!("memgate-oom-test-{}-{method}", std::process::id()));
    std::fs::create_dir(&limited).ok()?;
    std::fs::write(
        limited.join("memory.limit_in_bytes"),
        (100u64 << 20).to_string(),
    )
    .unwrap();
    let python = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    let python = String::from_utf8(python.stdout).unwrap().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let script = format!(
        "echo $$ > {}/cgroup.procs && exec {} run --method {method} --json {} -- {python} -c \"b = bytearray(b'x') * (300 << 20)\"",
        limited.display(),
        assert_cmd::cargo::cargo_bin("memgate").display(),
        json.display()
    );
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // The cgroup empties when memgate exits; it must leave no leaf of its own in it.
    let leftovers: Vec<_> = std::fs::read_dir(&limited)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .collect();
    std::fs::remove_dir(&limited).unwrap();
    assert!(leftovers.is_empty(), "leaf cgroups left: {leftovers:?}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("was killed by the OOM killer"), "{stderr}");
    Some(serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap())
}

#[test]
fn oom_kill_is_reported_with_the_cgroup_method() {
    if let Some(results) = run_limited("cgroup") {
        let run = &results["benchmarks"][0]["runs"][0];
        assert_eq!(run["oom_killed"], true, "{run}");
        assert_eq!(results["benchmarks"][0]["method"], "cgroup-v1");
    }
}

#[test]
fn oom_kill_is_reported_with_the_sampled_method() {
    if let Some(results) = run_limited("sampled") {
        let run = &results["benchmarks"][0]["runs"][0];
        assert_eq!(run["oom_killed"], true, "{run}");
        assert_eq!(results["benchmarks"][0]["method"], "sampled");
    }
}
