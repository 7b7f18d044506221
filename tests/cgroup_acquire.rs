//! How memgate gets its memory cgroup, on this machine (issue 10, parts 1 and 2): the way taken
//! is named in `environment.cgroup`; a base named by `MEMGATE_CGROUP` is used ("admin") or
//! refused with exit 2; what a dead memgate left is removed rather than disabling the path; and
//! nothing memgate made is left after success, a timeout or Ctrl-C. The v2 and systemd ways are
//! proven in qemu (tests/cgroup_v2.sh on branch `qemu`). Tests that need a writable v1 or v2
//! memory cgroup say SKIPPED and return where there is none.

mod common;
use common::{Project, wait_for};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// memgate's own memory cgroup directory (v1 `memory` line, else the v2 one), when writable.
fn writable_home() -> Option<PathBuf> {
    let text = fs::read_to_string("/proc/self/cgroup").ok()?;
    let mut v2 = None;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let relative = path.trim_start_matches('/');
        if controllers.split(',').any(|c| c == "memory") {
            let dir = Path::new("/sys/fs/cgroup/memory").join(relative);
            return writable(&dir).then_some(dir);
        }
        if controllers.is_empty() {
            v2 = Some(Path::new("/sys/fs/cgroup").join(relative));
        }
    }
    v2.filter(|dir| dir.join("cgroup.controllers").exists() && writable(dir))
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!("probe-{}", std::process::id()));
    let made = fs::create_dir(&probe).is_ok();
    if made {
        let _ = fs::remove_dir(&probe);
    }
    made
}

/// The top of the hierarchy `home` is in.
fn hierarchy_root(home: &Path) -> PathBuf {
    if home.starts_with("/sys/fs/cgroup/memory") {
        PathBuf::from("/sys/fs/cgroup/memory")
    } else {
        PathBuf::from("/sys/fs/cgroup")
    }
}

/// Every cgroup under `dir` whose name carries memgate process `pid` (`memgate-PID`,
/// `memgate-PID-N`, `memgate-self-PID`), at any depth.
fn left_by(dir: &Path, pid: u32, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let rest = name
            .strip_prefix("memgate-")
            .map(|r| r.trim_start_matches("self-"));
        if rest.and_then(|r| r.split('-').next()) == Some(pid.to_string().as_str()) {
            found.push(entry.path());
        }
        left_by(&entry.path(), pid, found);
    }
}

fn assert_nothing_left(home: &Path, pid: u32) {
    let mut found = Vec::new();
    left_by(&hierarchy_root(home), pid, &mut found);
    assert!(found.is_empty(), "memgate {pid} left {found:?}");
}

/// `memgate run --json` of a 40 MiB workload, with `env`.
fn run(dir: &Path, env: &[(&str, &str)], extra: &[&str]) -> (Output, Option<serde_json::Value>) {
    let json = dir.join("results.json");
    let _ = fs::remove_file(&json);
    let mut command = Command::new(env!("CARGO_BIN_EXE_memgate"));
    command
        .args(["run", "--json"])
        .arg(&json)
        .args(extra)
        .args([
            "--",
            "sh",
            "-c",
            "head -c 41943040 /dev/zero | tail >/dev/null",
        ])
        .env_remove("MEMGATE_CGROUP")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    let output = command.output().unwrap();
    let results = fs::read(&json)
        .ok()
        .map(|bytes| serde_json::from_slice(&bytes).unwrap());
    (output, results)
}

#[test]
fn memgate_names_the_way_it_got_its_cgroup() {
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(dir.path(), &[], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let results = results.unwrap();
    let way = results["environment"]["cgroup"]
        .as_str()
        .unwrap()
        .to_string();
    let known = [
        "own",
        "created",
        "admin",
        "systemd-user-scope",
        "systemd-system-scope",
        "read-only-shared",
        "none",
    ];
    assert!(known.contains(&way.as_str()), "{way}");
    assert!(stderr.contains(&format!("cgroup: {way}")), "{stderr}");
    eprintln!("this machine: environment.cgroup = {way}");
    if writable_home().is_some() && Path::new("/sys/fs/cgroup/memory").is_dir() {
        // This project's machines: v1, root, a writable memory cgroup.
        assert_eq!(way, "own", "{stderr}");
        let method = results["benchmarks"][0]["method"].as_str().unwrap();
        assert_eq!(method, "cgroup-v1");
        let kernel = results["benchmarks"][0]["runs"][0]["kernel_bytes"].as_u64();
        assert!(kernel.is_some(), "no kernel_bytes on a cgroup path");
    }
}

#[test]
fn a_base_named_by_memgate_cgroup_is_used_and_left_as_it_was() {
    let Some(home) = writable_home() else {
        eprintln!("SKIPPED: no writable memory cgroup here");
        return;
    };
    let base = home.join(format!("admin-test-{}", std::process::id()));
    fs::create_dir(&base).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let named = base.to_string_lossy().into_owned();
    let (output, results) = run(dir.path(), &[("MEMGATE_CGROUP", &named)], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let children: Vec<_> = fs::read_dir(&base)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .collect();
    fs::remove_dir(&base).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let results = results.unwrap();
    assert_eq!(results["environment"]["cgroup"], "admin", "{stderr}");
    let notes = results["benchmarks"][0]["runs"][0]["notes"].to_string();
    assert!(
        notes.contains(&format!("memory cgroup: admin ({named})")),
        "{notes}"
    );
    assert!(children.is_empty(), "left in the named base: {children:?}");
}

#[test]
fn a_named_base_that_cannot_be_used_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = "/sys/fs/cgroup/memory/no-such-memgate-base";
    let (output, _) = run(dir.path(), &[("MEMGATE_CGROUP", missing)], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("MEMGATE_CGROUP names") && stderr.contains("which memgate cannot use"),
        "{stderr}"
    );
    // Sampling by request never looks at it.
    let (output, _) = run(
        dir.path(),
        &[("MEMGATE_CGROUP", missing)],
        &["--method", "sampled"],
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn what_a_dead_memgate_left_is_removed_and_the_path_stays_exact() {
    let Some(home) = writable_home() else {
        eprintln!("SKIPPED: no writable memory cgroup here");
        return;
    };
    // Above the kernel's largest pid_max: never a live process.
    let dead = 4_194_304 + 11;
    let stale = [
        home.join(format!("memgate-self-{dead}")),
        home.join(format!("memgate-{dead}-0")),
    ];
    for dir in &stale {
        fs::create_dir_all(dir).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(dir.path(), &[], &[]);
    let left: Vec<_> = stale.iter().filter(|d| d.exists()).collect();
    for dir in &left {
        let _ = fs::remove_dir(dir);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(left.is_empty(), "stale cgroups stayed: {left:?}\n{stderr}");
    let method = results.unwrap()["benchmarks"][0]["method"].clone();
    assert!(method.as_str().unwrap().starts_with("cgroup"), "{method}");
}

#[test]
fn nothing_is_left_after_a_timeout() {
    let Some(home) = writable_home() else {
        eprintln!("SKIPPED: no writable memory cgroup here");
        return;
    };
    let child = Command::new(env!("CARGO_BIN_EXE_memgate"))
        .args([
            "run",
            "--timeout",
            "300ms",
            "--",
            "sh",
            "-c",
            "sleep 30 & sleep 30",
        ])
        .env_remove("MEMGATE_CGROUP")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert_nothing_left(&home, pid);
}

#[test]
fn nothing_is_left_after_ctrl_c_in_a_run() {
    let Some(home) = writable_home() else {
        eprintln!("SKIPPED: no writable memory cgroup here");
        return;
    };
    let project = Project::new(
        "version: 1\nbenchmarks:\n  - name: a\n    run: echo started > started; sleep 60\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_memgate"))
        .current_dir(project.dir.path())
        .env_remove("MEMGATE_CGROUP")
        .env_remove("GITHUB_ACTIONS")
        .args(["check", "--json", "results.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = wait_for(30, || project.path("started").exists());
    assert!(started, "the benchmark never started");
    let mut found = Vec::new();
    left_by(&hierarchy_root(&home), child.id(), &mut found);
    eprintln!("while running: {found:?}");
    assert!(
        !found.is_empty(),
        "no leaf of memgate's while the run was going"
    );
    // SAFETY: kill(2) on a child this test started and has not waited for.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let ended = wait_for(30, || child.try_wait().unwrap().is_some());
    if !ended {
        let _ = child.kill();
    }
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(2));
    assert_nothing_left(&home, child.id());
    let results: serde_json::Value =
        serde_json::from_slice(&fs::read(project.path("results.json")).unwrap()).unwrap();
    assert!(results["environment"]["cgroup"].is_string(), "{results}");
}

/// `memgate run` in a mount namespace where the memory hierarchy is read-only, as in a container
/// action: the cgroup is read as a meter (`cgroup-shared`), and the peak of a 200 MiB workload
/// is within max(3%, 8 MiB) of the exact figure of a leaf of its own.
#[test]
fn a_read_only_cgroup_is_read_as_a_meter() {
    let Some(home) = writable_home() else {
        eprintln!("SKIPPED: no writable memory cgroup here");
        return;
    };
    let hierarchy = hierarchy_root(&home);
    // A cgroup of the test's own holds memgate alone, as a container's holds its action: the
    // tests running beside this one are not counted with it.
    let container = home.join(format!("container-test-{}", std::process::id()));
    fs::create_dir(&container).unwrap();
    let workload = "x = bytearray(200 << 20); import time; time.sleep(0.3)";
    let memgate = env!("CARGO_BIN_EXE_memgate");
    let script = format!(
        "echo $$ > {}/cgroup.procs && mount -o remount,bind,ro {} && exec {memgate} run --json ro.json -- python3 -c '{workload}'",
        container.display(),
        hierarchy.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .current_dir(dir.path())
        .env_remove("MEMGATE_CGROUP")
        .stdin(Stdio::null())
        .output();
    let _ = fs::remove_dir(&container);
    let Ok(output) = output else {
        eprintln!("SKIPPED: no unshare here");
        return;
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("mount:") || stderr.contains("unshare:") {
        eprintln!("SKIPPED: cannot make a read-only mount here: {stderr}");
        return;
    }
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let results: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("ro.json")).unwrap()).unwrap();
    let way = results["environment"]["cgroup"].as_str().unwrap();
    let method = results["benchmarks"][0]["method"].as_str().unwrap();
    eprintln!("read-only hierarchy: environment.cgroup = {way}, method = {method}");
    if way == "none" {
        // Others in this cgroup held 64 MiB or more: sampling is the right answer then.
        assert!(stderr.contains("read-only"), "{stderr}");
        return;
    }
    assert_eq!(
        (way, method),
        ("read-only-shared", "cgroup-shared"),
        "{stderr}"
    );
    let shared = results["benchmarks"][0]["runs"][0]["peak_bytes"]
        .as_f64()
        .unwrap();
    let (exact_output, exact) = run_python(dir.path(), workload);
    assert_eq!(exact_output.status.code(), Some(0));
    eprintln!(
        "cgroup-shared {:.1} MiB, leaf {:.1} MiB",
        shared / 1048576.0,
        exact / 1048576.0
    );
    let tolerance = (8.0 * 1048576.0f64).max(exact * 0.03);
    assert!(
        (shared - exact).abs() <= tolerance,
        "cgroup-shared {:.1} MiB vs the leaf's {:.1} MiB\n{stderr}",
        shared / 1048576.0,
        exact / 1048576.0
    );
}

/// The exact peak of `python3 -c CODE` in a leaf of its own.
fn run_python(dir: &Path, code: &str) -> (Output, f64) {
    let json = dir.join("exact.json");
    let output = Command::new(env!("CARGO_BIN_EXE_memgate"))
        .args(["run", "--method", "cgroup", "--json"])
        .arg(&json)
        .args(["--", "python3", "-c", code])
        .env_remove("MEMGATE_CGROUP")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let results: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    let peak = results["benchmarks"][0]["runs"][0]["peak_bytes"]
        .as_f64()
        .unwrap();
    (output, peak)
}
