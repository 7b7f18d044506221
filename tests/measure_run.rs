//! `memgate run` against the workloads of `tests/workloads/`, each with a known truth, with the
//! cgroup method and with `--method sampled` (issue 2, "Proof in the repo" and "Bad input").
//!
//! The truth of a workload is measured by this file itself, independently of memgate, where the
//! machine allows it: a fresh memory cgroup made by the test (v1 `memory.max_usage_in_bytes`, or v2
//! `memory.peak` where the memory controller is already enabled for children), with the workload
//! put into it between fork and exec, and every process of it waited for. Where no cgroup can be
//! made, the truth is the workload's nominal size: what it allocates, plus the idle interpreter's
//! own memory (read from its `/proc/self/status`), plus 1.5 MiB per extra forked process.
//!
//! The cgroup variants are skipped, with a message, when `memgate run --method cgroup` cannot run
//! here (exit 2); the sampled variants never are.
//!
//! Workloads run with the real interpreter (`sys.executable`), not a `python3` shim that would add
//! processes of its own. Sizes stay at 200–512 MiB and holds at ≤ 1.5 s so that the suite is quick
//! and tests running in parallel stay within ~1.5 GiB each.

#![cfg(target_os = "linux")]

mod common;
use common::{python, workload};

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

const MIB: f64 = 1024.0 * 1024.0;
/// No test may take longer than this; a hang is a failure, not a stuck suite.
const DEADLINE: Duration = Duration::from_secs(90);
/// Private pages of a forked Python worker that does not allocate (measured: 0.7–1.6 MiB).
const PER_EXTRA_PROCESS_MIB: f64 = 1.5;
/// A spawned interpreter of `multiprocessing` (a pool worker or the resource tracker): a whole
/// interpreter of its own, with multiprocessing imported (measured: 8.6–8.8 MiB).
const PER_SPAWNED_INTERPRETER_MIB: f64 = 8.7;

// ---------------------------------------------------------------------------------------------
// The environment: the binary, the interpreter, the workloads, cgroups.

fn memgate_bin() -> &'static str {
    env!("CARGO_BIN_EXE_memgate")
}

/// `python WORKLOAD ARGS…` as an argv.
fn py(script: &str, args: &[&str]) -> Vec<String> {
    let mut argv = vec![python().to_string(), workload(script)];
    argv.extend(args.iter().map(|a| a.to_string()));
    argv
}

/// Whether `memgate run --method cgroup` works here (checked once per test process).
fn cgroup_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let output = Command::new(memgate_bin())
            .args(["run", "--method", "cgroup", "--", "true"])
            .output()
            .expect("running memgate");
        match output.status.code() {
            Some(2) => {
                eprintln!(
                    "SKIPPING the cgroup variants: `memgate run --method cgroup -- true` exited 2 here: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                false
            }
            Some(0) => true,
            other => panic!(
                "`memgate run --method cgroup -- true` exited {other:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Cgroup,
    Sampled,
}

impl Method {
    fn flag(self) -> &'static str {
        match self {
            Self::Cgroup => "cgroup",
            Self::Sampled => "sampled",
        }
    }

    /// True when this variant cannot run here (and says so).
    fn skip(self, test: &str) -> bool {
        if self == Self::Cgroup && !cgroup_available() {
            eprintln!("SKIPPED {test} with --method cgroup: no memory cgroup can be made here");
            return true;
        }
        false
    }
}

/// Memory cgroup directories this process belongs to (and its children, memgate included, start
/// in): the v1 `memory` hierarchy and the v2 unified one, where they exist.
fn own_cgroup_dirs() -> Vec<(PathBuf, bool)> {
    let mut dirs = Vec::new();
    let text = fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let relative = path.trim_start_matches('/');
        if controllers.split(',').any(|c| c == "memory") {
            dirs.push((Path::new("/sys/fs/cgroup/memory").join(relative), true));
        } else if controllers.is_empty() {
            for root in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] {
                let dir = Path::new(root).join(relative);
                if dir.join("cgroup.controllers").exists() {
                    dirs.push((dir, false));
                }
            }
        }
    }
    dirs
}

/// Cgroup directories that memgate process `pid` made and left behind.
fn leftover_cgroups(pid: u32) -> Vec<PathBuf> {
    let leaf = format!("memgate-{pid}-");
    let own = format!("memgate-self-{pid}");
    let mut left = Vec::new();
    for (dir, _) in own_cgroup_dirs() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && (name.starts_with(&leaf) || name == own) {
                left.push(entry.path());
            }
        }
    }
    left
}

/// Live processes whose command line contains `marker` (what `pgrep -f MARKER` lists), with their
/// state, read from /proc directly.
fn processes_with(marker: &str) -> Vec<String> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) || name == me {
            continue;
        }
        let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(marker) {
            let state = fs::read_to_string(entry.path().join("stat"))
                .ok()
                .and_then(|s| s.rsplit(") ").next().map(|r| r[..1].to_string()))
                .unwrap_or_default();
            found.push(format!("pid {name} state {state}: {}", cmdline.trim()));
        }
    }
    found
}

/// A marker no other process on the machine has in its argv.
fn unique_marker(test: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "memgate-test-{test}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

// ---------------------------------------------------------------------------------------------
// Truth, measured without memgate.

/// The idle interpreter's counted memory (RssAnon + RssShmem), with the workloads' helper module
/// imported, read from its own /proc/self/status.
fn baseline_bytes() -> f64 {
    static BASELINE: OnceLock<f64> = OnceLock::new();
    *BASELINE.get_or_init(|| {
        let code = format!(
            "import sys, time; sys.path.insert(0, {dir:?}); import _common\n\
             f = dict(l.split(':', 1) for l in open('/proc/self/status'))\n\
             print(sum(int(f[k].split()[0]) * 1024 for k in ('RssAnon', 'RssShmem')))",
            dir = workload("")
        );
        let output = Command::new(python())
            .args(["-c", &code])
            .output()
            .expect("running the interpreter");
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no baseline from the interpreter: {output:?}"))
    })
}

/// What a workload should measure.
#[derive(Debug, Clone, Copy)]
struct Truth {
    bytes: f64,
    /// The workload's nominal size (allocation + baseline + per-process allowance).
    nominal: f64,
    /// "kernel" (a fresh cgroup made by the test) or "nominal".
    how: &'static str,
}

impl Truth {
    fn describe(&self) -> String {
        format!(
            "truth {:.1} MiB ({}; nominal {:.1} MiB)",
            self.bytes / MIB,
            self.how,
            self.nominal / MIB
        )
    }
}

/// The truth of `argv`, which allocates `allocated_mib` at its peak and forks `extra_processes`.
/// Where the test can make a memory cgroup, the workload is run once in it and the kernel's peak
/// is the truth; the nominal size must then agree with it (else the workload, not memgate, is
/// wrong).
fn truth(argv: &[String], allocated_mib: f64, extra_processes: u32) -> Truth {
    let nominal = allocated_mib * MIB
        + baseline_bytes()
        + f64::from(extra_processes) * PER_EXTRA_PROCESS_MIB * MIB;
    match kernel_peak(argv) {
        Some(bytes) => {
            let tolerance = peak_tolerance(bytes);
            assert!(
                (bytes - nominal).abs() <= tolerance,
                "the workload {argv:?} does not allocate what it says: kernel peak {:.1} MiB, nominal {:.1} MiB (tolerance {:.1} MiB)",
                bytes / MIB,
                nominal / MIB,
                tolerance / MIB
            );
            Truth {
                bytes,
                nominal,
                how: "kernel",
            }
        }
        None => Truth {
            bytes: nominal,
            nominal,
            how: "nominal",
        },
    }
}

/// Runs `argv` in a fresh memory cgroup made by the test and returns its peak of anonymous and
/// shared memory (the cgroup's peak less the file pages still charged at the end), or `None` where
/// no such cgroup can be made.
fn kernel_peak(argv: &[String]) -> Option<f64> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let (home, v1) = own_cgroup_dirs().into_iter().find(|(dir, v1)| {
        if *v1 {
            dir.join("memory.max_usage_in_bytes").exists()
        } else {
            fs::read_to_string(dir.join("cgroup.subtree_control"))
                .is_ok_and(|s| s.split_whitespace().any(|c| c == "memory"))
        }
    })?;
    let leaf = home.join(format!(
        "truth-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir(&leaf).ok()?;
    let result = run_in_cgroup(argv, &leaf, v1);
    for _ in 0..400 {
        match fs::remove_dir(&leaf) {
            Err(err) if err.raw_os_error() == Some(libc::EBUSY) => {
                std::thread::sleep(Duration::from_millis(5))
            }
            _ => break,
        }
    }
    Some(result)
}

fn run_in_cgroup(argv: &[String], leaf: &Path, v1: bool) -> f64 {
    use std::os::fd::AsRawFd;
    let procs = fs::OpenOptions::new()
        .write(true)
        .open(leaf.join("cgroup.procs"))
        .expect("opening cgroup.procs of the test's own cgroup");
    let fd = procs.as_raw_fd();
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: only write(2) runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::write(fd, b"0".as_ptr().cast(), 1) == 1 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let output = command
        .output()
        .expect("running the workload for its truth");
    drop(procs);
    assert!(
        output.status.success(),
        "the workload {argv:?} failed on its own: {output:?}"
    );
    // Orphans of the workload live on in the cgroup: wait for every one of them.
    let started = Instant::now();
    while fs::read_to_string(leaf.join("cgroup.procs")).is_ok_and(|s| !s.trim().is_empty()) {
        assert!(
            started.elapsed() < DEADLINE,
            "the workload {argv:?} left processes running"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let read = |name: &str| fs::read_to_string(leaf.join(name)).unwrap_or_default();
    let stat = read("memory.stat");
    let field = |key: &str| -> f64 {
        stat.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let (peak, file) = if v1 {
        (
            read("memory.max_usage_in_bytes")
                .trim()
                .parse()
                .unwrap_or(0.0),
            field("cache") - field("shmem"),
        )
    } else {
        (
            read("memory.peak").trim().parse().unwrap_or(0.0),
            field("file") - field("shmem"),
        )
    };
    peak - file.max(0.0)
}

/// The target for a peak: within max(3%, 8 MiB) of the truth.
fn peak_tolerance(truth: f64) -> f64 {
    (0.03 * truth).max(8.0 * MIB)
}

// ---------------------------------------------------------------------------------------------
// Running memgate.

/// One finished `memgate run`.
struct Run {
    pid: u32,
    status: ExitStatus,
    stderr: String,
    json: Option<Value>,
    wall: Duration,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.status.code()
    }

    fn benchmark(&self) -> &Value {
        &self.json.as_ref().unwrap_or_else(|| {
            panic!(
                "memgate wrote no results file (exit {:?}); stderr:\n{}",
                self.code(),
                self.stderr
            )
        })["benchmarks"][0]
    }

    fn run0(&self) -> &Value {
        &self.benchmark()["runs"][0]
    }

    fn bytes(&self, key: &str) -> f64 {
        self.benchmark()[key]
            .as_f64()
            .unwrap_or_else(|| panic!("no {key} in the results: {}", self.benchmark()))
    }

    fn peak(&self) -> f64 {
        self.bytes("peak_bytes")
    }

    fn steady(&self) -> f64 {
        self.bytes("steady_bytes")
    }

    fn growth(&self) -> f64 {
        self.bytes("growth_bytes_per_sec")
    }

    fn duration(&self) -> f64 {
        self.bytes("duration_secs")
    }

    fn processes(&self) -> u64 {
        self.run0()["processes"].as_u64().unwrap_or(0)
    }

    fn method(&self) -> String {
        self.benchmark()["method"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The figures in one line, for assertion messages.
    fn figures(&self) -> String {
        let Some(json) = &self.json else {
            return format!("exit {:?}, no results file", self.code());
        };
        let b = &json["benchmarks"][0];
        let r = &b["runs"][0];
        let mib = |v: &Value| v.as_f64().unwrap_or(f64::NAN) / MIB;
        let timeline_max = r["timeline"]
            .as_array()
            .map(|points| {
                points
                    .iter()
                    .filter_map(|p| p[1].as_f64())
                    .fold(0.0, f64::max)
            })
            .unwrap_or(f64::NAN);
        format!(
            "method {} peak {:.1} MiB (with file pages {:.1} MiB, file peak {:.1} MiB, highest sample {:.1} MiB) steady {:.1} MiB growth {:.2} MiB/s duration {:.2} s processes {} samples {} exit_code {} signal {} timed_out {} uncertainty {} notes {}",
            b["method"],
            mib(&b["peak_bytes"]),
            mib(&r["peak_total_bytes"]),
            mib(&r["file_peak_bytes"]),
            timeline_max / MIB,
            mib(&b["steady_bytes"]),
            mib(&b["growth_bytes_per_sec"]),
            b["duration_secs"].as_f64().unwrap_or(f64::NAN),
            r["processes"],
            r["samples"],
            r["exit_code"],
            r["signal"],
            r["timed_out"],
            r["uncertainty"],
            r["notes"]
        )
    }
}

/// Starts `memgate run [--method M] EXTRA… --json FILE -- ARGV…` with stdout and stderr going to
/// files in `dir`.
fn start_memgate(
    dir: &Path,
    method: Option<Method>,
    extra: &[&str],
    argv: &[String],
) -> (Child, PathBuf) {
    let json = dir.join("results.json");
    let mut command = Command::new(memgate_bin());
    command.arg("run");
    if let Some(method) = method {
        command.args(["--method", method.flag()]);
    }
    command
        .args(extra)
        .arg("--json")
        .arg(&json)
        .arg("--")
        .args(argv)
        .stdin(Stdio::null())
        .stdout(fs::File::create(dir.join("stdout")).expect("stdout file"))
        .stderr(fs::File::create(dir.join("stderr")).expect("stderr file"));
    (command.spawn().expect("starting memgate"), json)
}

/// Waits for a memgate started by [`start_memgate`], killing it at [`DEADLINE`].
fn finish(mut child: Child, dir: &Path, json: &Path, started: Instant) -> Run {
    let pid = child.id();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for memgate") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "memgate did not finish within {DEADLINE:?}; stderr:\n{}",
                fs::read_to_string(dir.join("stderr")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let wall = started.elapsed();
    let stderr = fs::read_to_string(dir.join("stderr")).unwrap_or_default();
    let json = fs::read_to_string(json)
        .ok()
        .map(|text| serde_json::from_str(&text).expect("the results file is valid JSON"));
    Run {
        pid,
        status,
        stderr,
        json,
        wall,
    }
}

/// Runs memgate to the end.
fn memgate(method: Option<Method>, extra: &[&str], argv: &[String]) -> Run {
    let dir = tempfile::tempdir().expect("temporary directory");
    let started = Instant::now();
    let (child, json) = start_memgate(dir.path(), method, extra, argv);
    finish(child, dir.path(), &json, started)
}

/// Runs a workload that should succeed; checks the exit code, the method and that no cgroup is
/// left behind.
fn measure_ok(method: Method, argv: &[String]) -> Run {
    let run = memgate(Some(method), &[], argv);
    assert_eq!(
        run.code(),
        Some(0),
        "memgate run --method {} -- {argv:?}: {}\nstderr:\n{}",
        method.flag(),
        run.figures(),
        run.stderr
    );
    let expected = match method {
        Method::Cgroup => "cgroup",
        Method::Sampled => "sampled",
    };
    assert!(
        run.method().starts_with(expected),
        "asked for --method {}, the results say {}",
        method.flag(),
        run.method()
    );
    assert_no_leftovers(&run, None);
    run
}

fn assert_no_leftovers(run: &Run, marker: Option<&str>) {
    let cgroups = leftover_cgroups(run.pid);
    assert!(
        cgroups.is_empty(),
        "memgate (pid {}) left cgroups behind: {cgroups:?}",
        run.pid
    );
    if let Some(marker) = marker {
        let left = processes_with(marker);
        assert!(
            left.is_empty(),
            "processes of the tree are left running after memgate exited ({}): {left:#?}\nmemgate stderr:\n{}",
            run.figures(),
            run.stderr
        );
    }
}

fn assert_peak(run: &Run, truth: &Truth, what: &str) {
    let tolerance = peak_tolerance(truth.bytes);
    let error = run.peak() - truth.bytes;
    eprintln!(
        "{what}: {} peak {:.1} MiB vs {} ({:+.1}%)",
        run.method(),
        run.peak() / MIB,
        truth.describe(),
        100.0 * error / truth.bytes
    );
    assert!(
        error.abs() <= tolerance,
        "{what}: peak {:.1} MiB vs {}: off by {:+.1} MiB ({:+.1}%), tolerance ±{:.1} MiB\n{}",
        run.peak() / MIB,
        truth.describe(),
        error / MIB,
        100.0 * error / truth.bytes,
        tolerance / MIB,
        run.figures()
    );
}

fn assert_processes_at_least(run: &Run, expected: u64, what: &str) {
    assert!(
        run.processes() >= expected,
        "{what}: {} processes seen, expected at least {expected}\n{}",
        run.processes(),
        run.figures()
    );
}

/// Defines `NAME::cgroup` and `NAME::sampled`, each calling `BODY(Method)`.
macro_rules! both_methods {
    ($name:ident, $body:ident) => {
        mod $name {
            #[test]
            fn cgroup() {
                if !super::Method::Cgroup.skip(stringify!($name)) {
                    super::$body(super::Method::Cgroup);
                }
            }

            #[test]
            fn sampled() {
                super::$body(super::Method::Sampled);
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Accuracy: every workload of the issue against its truth.

fn spike(method: Method) {
    // Allocated, freed at once and the process exits: the top of the spike lasts a few ms.
    let argv = py("spike.py", &["512"]);
    let truth = truth(&argv, 512.0, 0);
    let run = measure_ok(method, &argv);
    assert_peak(&run, &truth, "512 MiB spike freed at once");
}
both_methods!(spike_freed_at_once, spike);

fn workers_at_once(method: Method) {
    let argv = py("workers_at_once.py", &["4", "200", "1.0"]);
    let truth = truth(&argv, 800.0, 4);
    let run = measure_ok(method, &argv);
    assert_peak(&run, &truth, "4 forked workers × 200 MiB at once");
    assert_processes_at_least(&run, 5, "4 forked workers");
}
both_methods!(workers_at_once_4x200, workers_at_once);

fn workers_in_turn(method: Method) {
    let argv = py("workers_in_turn.py", &["3", "200", "0.4"]);
    let truth = truth(&argv, 200.0, 1);
    let run = measure_ok(method, &argv);
    assert_peak(&run, &truth, "3 workers × 200 MiB one after another");
    assert_processes_at_least(&run, 4, "3 workers in turn");
}
both_methods!(workers_in_turn_3x200, workers_in_turn);

/// Measures `argv` with `method` and checks its peak against `truth` and that at least
/// `processes` were seen.
fn check_pool(method: Method, argv: &[String], truth: &Truth, what: &str, processes: u64) {
    let run = measure_ok(method, argv);
    assert_peak(&run, truth, what);
    assert_processes_at_least(&run, processes, what);
}

fn cow_readers(method: Method) {
    let argv = py("cow_readers.py", &["300", "4", "1.0"]);
    let truth = truth(&argv, 300.0, 4);
    let what = "300 MiB parent + 4 forked copy-on-write readers";
    check_pool(method, &argv, &truth, what, 5);
}
both_methods!(cow_readers_300x4, cow_readers);

fn cow_workers(method: Method) {
    // The readers above, but each worker also allocates 100 MiB of its own while sharing 300 MiB.
    let argv = py("cow_workers.py", &["300", "4", "100", "1.0"]);
    let truth = truth(&argv, 700.0, 4);
    let what = "300 MiB parent + 4 forked readers that each allocate 100 MiB";
    check_pool(method, &argv, &truth, what, 5);
}
both_methods!(cow_workers_300_plus_4x100, cow_workers);

fn shm_pool(method: Method, mode: &str) {
    // 3 spawned workers (as loky starts them) map one 300 MiB array from /dev/shm, each with
    // 100 MiB of its own, in 2 rounds; the parent writes the array and, in `shm` mode, maps it
    // too. The interpreters: 3 workers and the resource tracker.
    let argv = py("shm_pool.py", &[mode, "300", "3", "100", "2", "0.6"]);
    let truth = truth(&argv, 600.0 + 4.0 * PER_SPAWNED_INTERPRETER_MIB, 0);
    let what = format!("pool of 3 spawned workers sharing 300 MiB through /dev/shm ({mode})");
    check_pool(method, &argv, &truth, &what, 5);
}

fn shm_pool_shared_memory(method: Method) {
    shm_pool(method, "shm");
}
both_methods!(pool_sharing_shared_memory_300, shm_pool_shared_memory);

fn shm_pool_memmap(method: Method) {
    shm_pool(method, "memmap");
}
both_methods!(pool_sharing_a_dev_shm_memmap_300, shm_pool_memmap);

fn fork_pool(method: Method) {
    // A 300 MiB parent and 2 rounds of 3 fresh forked workers (copy-on-write) that each
    // allocate 100 MiB: joblib's `multiprocessing` backend. 7 processes over the run.
    let argv = py("fork_pool.py", &["300", "3", "100", "2", "0.6"]);
    let truth = truth(&argv, 600.0, 3);
    let what = "fork pool: 300 MiB parent + 3 forked workers × 100 MiB, 2 rounds";
    check_pool(method, &argv, &truth, what, 7);
}
both_methods!(fork_pool_300_plus_3x100, fork_pool);

fn orphan(method: Method) {
    let hold = 1.0;
    let argv = py("orphan.py", &["300", "1.0"]);
    let truth = truth(&argv, 300.0, 0);
    let run = measure_ok(method, &argv);
    assert_peak(&run, &truth, "double-forked grandchild holding 300 MiB");
    assert!(
        run.duration() >= hold,
        "the run did not wait for the orphaned grandchild: duration {:.2} s < its hold {hold} s\n{}",
        run.duration(),
        run.figures()
    );
    // The parent and the grandchild; the middle process lives for a few ms only.
    assert_processes_at_least(&run, 2, "orphan");
}
both_methods!(orphaned_grandchild_300, orphan);

fn shell_runs(method: Method) {
    let mut argv = vec!["sh".to_string(), workload("shell_runs.sh"), python().into()];
    argv.extend(["200".to_string(), "1.0".to_string()]);
    let truth = truth(&argv, 200.0, 1);
    let run = measure_ok(method, &argv);
    assert_peak(&run, &truth, "a shell that runs the real program");
    assert_processes_at_least(&run, 2, "shell + program");
}
both_methods!(shell_runs_program_200, shell_runs);

fn steady(method: Method) {
    let argv = py("steady.py", &["200", "3"]);
    let truth = truth(&argv, 200.0, 0);
    let run = measure_ok(method, &argv);
    assert_peak(&run, &truth, "steady hold of 200 MiB");
    // A steady hold's steady state is its peak.
    let error = run.steady() - truth.bytes;
    assert!(
        error.abs() <= 0.05 * truth.bytes,
        "steady {:.1} MiB vs {}: off by {:+.1}%, target ±5%\n{}",
        run.steady() / MIB,
        truth.describe(),
        100.0 * error / truth.bytes,
        run.figures()
    );
    assert!(
        run.growth().abs() < 1.0 * MIB,
        "a steady hold must have no growth: {:.3} MiB/s, target < 1 MiB/s\n{}",
        run.growth() / MIB,
        run.figures()
    );
    assert_eq!(
        run.run0()["leak"],
        Value::Bool(false),
        "a steady hold is no leak\n{}",
        run.figures()
    );
}
both_methods!(steady_hold_200, steady);

fn leak(method: Method) {
    // 4 MiB every 0.1 s for 4 s: 40 MiB/s, 160 MiB at the end.
    let argv = py("leak.py", &["4", "40", "0.1"]);
    let truth = truth(&argv, 160.0, 0);
    let run = memgate(Some(method), &[], &argv);
    assert_eq!(run.code(), Some(0), "{}\n{}", run.figures(), run.stderr);
    assert_no_leftovers(&run, None);
    let expected = 40.0 * MIB;
    let error = run.growth() - expected;
    assert!(
        error.abs() <= 0.15 * expected,
        "leak slope {:.2} MiB/s vs the truth 40 MiB/s: off by {:+.1}%, target ±15%\n{}",
        run.growth() / MIB,
        100.0 * error / expected,
        run.figures()
    );
    assert_eq!(
        run.run0()["leak"],
        Value::Bool(true),
        "a 40 MiB/s leak must be called a leak\n{}",
        run.figures()
    );
    assert_peak(&run, &truth, "leak of 160 MiB");
}
both_methods!(leak_40_mib_per_sec, leak);

// ---------------------------------------------------------------------------------------------
// Bad input: a clear message, the right exit code, nothing left behind.

fn not_found(method: Method) {
    let name = "memgate-no-such-command-xyz";
    let run = memgate(Some(method), &[], &[name.to_string()]);
    assert_eq!(run.code(), Some(2), "stderr:\n{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.is_empty()).collect();
    assert!(
        lines.len() == 1 && lines[0].contains(name),
        "expected one line naming `{name}`, got:\n{}",
        run.stderr
    );
    assert!(run.json.is_none(), "no results file for a command not run");
    assert_no_leftovers(&run, None);
}
both_methods!(command_not_found, not_found);

#[test]
fn a_file_that_is_not_executable_is_refused_with_exit_2() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let run = memgate(None, &[], &[path.to_string_lossy().into_owned()]);
    assert_eq!(run.code(), Some(2), "stderr:\n{}", run.stderr);
    assert_eq!(
        run.stderr.lines().filter(|l| !l.is_empty()).count(),
        1,
        "one line expected:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("Cargo.toml"), "{}", run.stderr);
}

fn assert_bad_interval(value: &str, reason: &str) {
    let output = Command::new(memgate_bin())
        .args(["run", "--interval", value, "--", "true"])
        .output()
        .expect("running memgate");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("--interval") && first.contains(value) && first.contains(reason),
        "expected a first line naming --interval, `{value}` and `{reason}`, got:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "memgate panicked:\n{stderr}");
}

#[test]
fn interval_zero_is_refused_with_exit_2() {
    assert_bad_interval("0", "greater than zero");
}

#[test]
fn interval_abc_is_refused_with_exit_2() {
    assert_bad_interval("abc", "not a number");
}

fn killed_by_signal(method: Method) {
    let run = memgate(Some(method), &[], &py("sigkill_self.py", &["20"]));
    assert_eq!(
        run.code(),
        Some(1),
        "{}\nstderr:\n{}",
        run.figures(),
        run.stderr
    );
    assert!(
        run.stderr.contains("killed by SIGKILL"),
        "the report must say `killed by SIGKILL`:\n{}",
        run.stderr
    );
    assert_eq!(run.run0()["signal"], Value::from(9), "{}", run.figures());
    assert_eq!(run.run0()["exit_code"], Value::Null, "{}", run.figures());
    assert_no_leftovers(&run, None);
}
both_methods!(command_killed_by_sigkill, killed_by_signal);

fn closes_stdout(method: Method) {
    let argv = py("closes_stdout.py", &["50", "0.3"]);
    let run = measure_ok(method, &argv);
    let nominal = Truth {
        bytes: 50.0 * MIB + baseline_bytes(),
        nominal: 50.0 * MIB + baseline_bytes(),
        how: "nominal",
    };
    assert_peak(&run, &nominal, "a command that closes its stdout");
    assert!(
        run.stderr.contains("still working after closing stdout"),
        "the command's stderr must pass through:\n{}",
        run.stderr
    );
}
both_methods!(command_closes_its_stdout, closes_stdout);

fn timeout_ends_tree(method: Method) {
    let marker = unique_marker("timeout");
    let argv = py("sleeper_tree.py", &["30", &marker]);
    let run = memgate(Some(method), &["--timeout", "1s"], &argv);
    assert_eq!(
        run.code(),
        Some(1),
        "a timed-out run fails: {}\nstderr:\n{}",
        run.figures(),
        run.stderr
    );
    assert_eq!(
        run.run0()["timed_out"],
        Value::Bool(true),
        "{}",
        run.figures()
    );
    assert!(
        run.wall < Duration::from_secs(10),
        "memgate took {:?} to end a 1 s timeout",
        run.wall
    );
    assert_no_leftovers(&run, Some(&marker));
}
both_methods!(timeout_ends_the_whole_tree, timeout_ends_tree);

fn signal_ends_tree(method: Method, signal: libc::c_int) {
    let marker = unique_marker("signal");
    let argv = py("sleeper_tree.py", &["30", &marker]);
    let dir = tempfile::tempdir().expect("temporary directory");
    let started = Instant::now();
    let (child, json) = start_memgate(dir.path(), Some(method), &[], &argv);
    std::thread::sleep(Duration::from_millis(500));
    let running = processes_with(&marker);
    // SAFETY: kill(2) on the memgate process this test started and has not waited for yet.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let run = finish(child, dir.path(), &json, started);
    // memgate itself, the workload, its child and its orphaned grandchild.
    assert!(
        running.len() >= 4,
        "the tree had not started 0.5 s into the run, so this test proves nothing: {running:#?}\nstderr:\n{}",
        run.stderr
    );
    assert_eq!(
        run.code(),
        Some(2),
        "memgate told to stop must exit 2 ({} processes of the tree were running when it was signalled): {}\nstderr:\n{}",
        running.len(),
        run.figures(),
        run.stderr
    );
    assert!(
        run.wall < Duration::from_secs(10),
        "memgate took {:?} to stop",
        run.wall
    );
    assert_no_leftovers(&run, Some(&marker));
}

fn sigterm_ends_tree(method: Method) {
    signal_ends_tree(method, libc::SIGTERM);
}
both_methods!(sigterm_to_memgate_ends_the_tree, sigterm_ends_tree);

fn sigint_ends_tree(method: Method) {
    signal_ends_tree(method, libc::SIGINT);
}
both_methods!(ctrl_c_to_memgate_ends_the_tree, sigint_ends_tree);

/// memgate's stdout is a pipe nobody reads (`memgate run -- … | true`): the command may fail on
/// its write, memgate must not crash and must still report.
#[test]
fn memgate_with_a_broken_stdout_pipe_does_not_crash() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut child = Command::new(memgate_bin())
        .args(["run", "--", "sh", "-c", "sleep 0.3; echo hi; echo more"])
        .stdout(Stdio::piped())
        .stderr(fs::File::create(dir.path().join("stderr")).expect("stderr file"))
        .spawn()
        .expect("starting memgate");
    drop(child.stdout.take()); // the reader goes away before the command writes
    let status = child.wait().expect("waiting for memgate");
    let stderr = fs::read_to_string(dir.path().join("stderr")).unwrap_or_default();
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "memgate must end normally (0: the write raced the close, 1: the command failed on it), got {status:?}\nstderr:\n{stderr}"
    );
    assert!(
        stderr.contains("memgate: `sh -c"),
        "memgate must still print its report:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "memgate panicked:\n{stderr}");
}

/// memgate started with file descriptor 1 closed altogether (`memgate run … >&-`).
#[test]
fn memgate_with_stdout_closed_does_not_crash() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut command = Command::new(memgate_bin());
    command
        .args(["run", "--method", "sampled", "--"])
        .args(py("steady.py", &["20", "0.2"]))
        .stderr(fs::File::create(dir.path().join("stderr")).expect("stderr file"));
    // SAFETY: close(2) between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    let status = command.status().expect("running memgate");
    let stderr = fs::read_to_string(dir.path().join("stderr")).unwrap_or_default();
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    assert!(stderr.contains("peak"), "no report:\n{stderr}");
}
