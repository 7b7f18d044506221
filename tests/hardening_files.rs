//! Attacks on memgate's files and signals (issue 11): output paths that are not plain files,
//! hostile results files (absurd numbers, lists past their caps, shapes that take many times their
//! size in memory), absurd intervals, and signals that must end the whole tree.

use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use memgate::results::Method;
use memgate::testing;
use serde_json::{Value, json};

fn memgate(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgate"));
    cmd.current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_TOKEN")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

fn outcome(command: &mut Command) -> Output {
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Results as memgate writes them: one benchmark of two runs, passing its budget.
fn sample() -> Value {
    let timeline: Vec<(f64, u64)> = (0..50)
        .map(|i: u32| (f64::from(i) * 0.1, u64::from(10 + i % 2) * testing::MIB))
        .collect();
    let run = testing::run(timeline, 5.0);
    let benchmark = testing::judged(
        "train",
        "python3 train.py",
        vec![run.clone(), run],
        Some(testing::budget(Some(200))),
    );
    let results = testing::results(testing::environment(Method::CgroupV2), vec![benchmark]);
    serde_json::from_str(&results.to_json()).unwrap()
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

// ---------------------------------------------------------------------------------------------
// Outputs that are not regular files (defect 5)
// ---------------------------------------------------------------------------------------------

fn is_char_device(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

/// Every way memgate writes a file, aimed at `target`; each must succeed.
fn write_everything_to(dir: &Path, target: &Path) {
    write(dir, "r.json", sample().to_string());
    let runs: [&[&str]; 5] = [
        &["report", "r.json", "--markdown"],
        &["report", "r.json", "--html"],
        &["report", "r.json", "--junit"],
        &["compare", "r.json", "r.json", "--quiet", "--json"],
        &["merge", "r.json", "-o"],
    ];
    for args in runs {
        let output = memgate(dir).args(args).arg(target).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

/// As root (as in the container action) a rename over /dev/null made it a regular file. A copy of
/// /dev/null made with mknod takes the attack first, so that a regression never touches the real
/// one; then /dev/null itself. Not as root, the rename was refused (exit 2): the real one is safe.
#[test]
fn a_device_as_output_is_written_through_and_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let null = dir.path().join("null");
        let c_path = std::ffi::CString::new(null.as_os_str().as_bytes()).unwrap();
        // SAFETY: mknod(2) with a valid C string: a character device with /dev/null's numbers.
        let made =
            unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
        assert_eq!(made, 0, "mknod: {}", std::io::Error::last_os_error());
        write_everything_to(dir.path(), &null);
        assert!(is_char_device(&null), "the device became a regular file");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            2,
            "a temporary file was left"
        );
    }
    let dev_null = Path::new("/dev/null");
    write_everything_to(dir.path(), dev_null);
    assert!(is_char_device(dev_null));
}

/// A FIFO's reader gets the report, byte for byte, and the FIFO stays one.
#[test]
fn a_fifo_as_output_receives_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "r.json", sample().to_string());
    let fifo = dir.path().join("fifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo(3) with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    // Held open for reading and writing, so that memgate's open does not wait for a reader and
    // reading after it exits never blocks: what it wrote is in the pipe (a small report fits).
    let mut reader = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let output = outcome(memgate(dir.path()).args(["report", "r.json", "--markdown", "fifo"]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut got = Vec::new();
    let _ = reader.read_to_end(&mut got); // ends with WouldBlock once the pipe is empty
    let expected =
        outcome(memgate(dir.path()).args(["report", "r.json", "--markdown", "-"])).stdout;
    assert!(!expected.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&expected)
    );
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

/// `/proc/self/fd/1` (what /dev/stdout leads to) is memgate's standard output, a pipe here.
#[test]
fn standard_output_by_its_proc_path_receives_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "r.json", sample().to_string());
    let through_proc =
        outcome(memgate(dir.path()).args(["report", "r.json", "--junit", "/proc/self/fd/1"]));
    assert_eq!(
        through_proc.status.code(),
        Some(0),
        "{}",
        stderr(&through_proc)
    );
    let direct = outcome(memgate(dir.path()).args(["report", "r.json", "--junit", "-"]));
    assert!(!direct.stdout.is_empty());
    assert_eq!(through_proc.stdout, direct.stdout);
}

// ---------------------------------------------------------------------------------------------
// Hostile numbers (defect 9)
// ---------------------------------------------------------------------------------------------

/// Marks a number in `sample()` to be replaced in the text by what JSON cannot hold as a value.
const MARK: f64 = 123_456.789;

/// Every command that reads a results file, on `bad`: each exits 2, naming the file and `field`,
/// without a panic.
fn assert_refused_everywhere(dir: &Path, bad: &str, field: &str) {
    write(dir, "good.json", sample().to_string());
    write(dir, "bad.json", bad);
    let commands: [&[&str]; 6] = [
        &["report", "bad.json", "--junit", "out.xml"],
        &["report", "bad.json", "--markdown", "out.md"],
        &["report", "bad.json", "--html", "out.html"],
        &["report", "bad.json"],
        &["compare", "good.json", "bad.json"],
        &["comment", "bad.json", "--pr", "1"],
    ];
    for args in commands {
        let output = outcome(memgate(dir).args(args));
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.contains("bad.json") && err.contains(field),
            "{args:?}: no `{field}` in {err}"
        );
    }
}

#[test]
fn absurd_durations_are_refused_with_their_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let places = [
        ("/benchmarks/0/duration_secs", "benchmarks[0].duration_secs"),
        (
            "/benchmarks/0/runs/1/duration_secs",
            "benchmarks[0].runs[1].duration_secs",
        ),
        (
            "/benchmarks/0/runs/0/timeline/3/0",
            "benchmarks[0].runs[0].timeline[3][0]",
        ),
    ];
    // 1e300 made `report --junit` panic; 1e400 is past f64 (no NaN or infinity in JSON).
    for value in ["1e300", "-1", "1e400", "4e7"] {
        for (pointer, field) in places {
            let mut results = sample();
            *results.pointer_mut(pointer).unwrap() = json!(MARK);
            let text = results.to_string().replace(&MARK.to_string(), value);
            assert_refused_everywhere(dir.path(), &text, field);
        }
    }
}

#[test]
fn a_timeline_out_of_order_is_refused_with_its_point_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = sample();
    *results
        .pointer_mut("/benchmarks/0/runs/0/timeline/7/0")
        .unwrap() = json!(0.05);
    assert_refused_everywhere(
        dir.path(),
        &results.to_string(),
        "benchmarks[0].runs[0].timeline[7][0]",
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile sizes (defect 13)
// ---------------------------------------------------------------------------------------------

/// A run in JSON's shortest form, an array of its fields in order, with `points` points `[0,0]`.
fn short_run(points: usize, notes: usize) -> String {
    format!(
        "[0,0,0,null,0,0,false,0,null,null,false,false,null,0,0,null,[{}],[{}]]",
        vec!["\"n\""; notes].join(","),
        vec!["[0,0]"; points].join(",")
    )
}

/// The same run as an object, its fields named.
fn named_run(points: usize, notes: usize) -> String {
    format!(
        r#"{{"peak_bytes":0,"peak_total_bytes":0,"file_peak_bytes":0,"steady_bytes":0,"growth_bytes_per_sec":0,"leak":false,"duration_secs":0,"timed_out":false,"oom_killed":false,"processes":0,"samples":0,"notes":[{}],"timeline":[{}]}}"#,
        vec!["\"n\""; notes].join(","),
        vec!["[0,0]"; points].join(",")
    )
}

/// A results file of `benchmarks` benchmarks, each of `runs` copies of `run`.
fn hostile(benchmarks: usize, runs: usize, run: &str) -> String {
    let runs = vec![run; runs].join(",");
    let benchmark = format!(
        r#"{{"name":"b","command":"c","status":"pass","peak_bytes":0,"steady_bytes":0,"growth_bytes_per_sec":0,"duration_secs":0,"method":"sampled","runs":[{runs}]}}"#
    );
    format!(
        r#"{{"schema":"memgate/results@1","memgate_version":"0","created_at":"x","environment":{{"os":"l","kernel":"k","cpus":1,"memory_bytes":1,"method":"sampled"}},"status":"pass","benchmarks":[{}]}}"#,
        vec![benchmark.as_str(); benchmarks].join(",")
    )
}

#[test]
fn lists_past_their_caps_are_refused_with_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            hostile(1, 1, &named_run(4001, 0)),
            "benchmarks[0].runs[0].timeline",
            "more than 4000 timeline points",
        ),
        (
            hostile(1, 1, &named_run(0, 33)),
            "benchmarks[0].runs[0].notes",
            "more than 32 notes",
        ),
        (
            hostile(1, 1001, &named_run(0, 0)),
            "benchmarks[0].runs",
            "more than 1000 runs",
        ),
        // Minimal benchmarks weigh over 3 bytes per byte: spaces make room for them.
        (
            padded(hostile(10_001, 0, ""), 4 << 20),
            "benchmarks",
            "more than 10000 benchmarks",
        ),
    ];
    for (text, field, what) in cases {
        let path = write(dir.path(), "bad.json", &text);
        let output =
            outcome(memgate(dir.path()).args(["report", "bad.json", "--markdown", "out.md"]));
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{field}: {err}");
        assert!(err.contains(field) && err.contains(what), "{field}: {err}");
        // One item fewer is read.
        let fewer = text.replacen("[0,0],", "", 1).replacen("\"n\",", "", 1);
        if fewer != text {
            fs::write(&path, fewer).unwrap();
            let output =
                outcome(memgate(dir.path()).args(["report", "bad.json", "--markdown", "out.md"]));
            assert_eq!(
                output.status.code(),
                Some(0),
                "{field}: {}",
                stderr(&output)
            );
        }
    }
}

/// Runs as arrays holding one-letter notes: about 30 bytes of JSON each note and run field, 180
/// bytes and more in memory. Under every cap, over the memory budget.
#[test]
fn a_file_that_would_take_many_times_its_size_in_memory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.json", hostile(10, 1000, &short_run(0, 32)));
    let output = outcome(memgate(dir.path()).args(["report", "bad.json", "--markdown", "out.md"]));
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains("more than memgate reads from a file of its size"),
        "{err}"
    );
}

/// `text` and spaces up to `size` bytes: spaces cost nothing once read but raise the file's memory
/// budget (2 bytes per byte), so that the items before them can weigh the most they may.
fn padded(text: String, size: usize) -> String {
    let spaces = size - text.len();
    text + &" ".repeat(spaces)
}

/// memgate's peak on files of the two densest shapes, near the most they may weigh, measured by
/// memgate itself: at most 4 times the file's size and 64 MiB. (The 64 MiB worst cases are in
/// benches/hostile_results.sh.)
#[test]
fn memory_on_dense_accepted_files_stays_within_four_times_their_size() {
    let dir = tempfile::tempdir().unwrap();
    let size = 8 << 20;
    let shapes = [
        // 200 runs of 4,000 points: 12.8 MB in memory, 4.8 MB of JSON.
        ("points", padded(hostile(2, 100, &short_run(4000, 0)), size)),
        // 76,000 runs as arrays: 17.0 MB in memory (224 bytes a run, its phases among them), 4.8
        // MB of JSON.
        ("runs", padded(hostile(76, 1000, &short_run(0, 0)), size)),
    ];
    for (shape, text) in shapes {
        write(dir.path(), "dense.json", &text);
        let output = memgate(dir.path())
            .args(["run", "--json", "m.json", "--"])
            .arg(env!("CARGO_BIN_EXE_memgate"))
            .args([
                "report",
                "dense.json",
                "--markdown",
                "out.md",
                "--junit",
                "out.xml",
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shape}: {}", stderr(&output));
        let measured: Value =
            serde_json::from_slice(&fs::read(dir.path().join("m.json")).unwrap()).unwrap();
        let peak = measured["benchmarks"][0]["peak_bytes"].as_u64().unwrap();
        let limit = 4 * text.len() as u64 + 64 * testing::MIB;
        assert!(
            peak <= limit,
            "{shape}: {} MiB file, peak {} MiB > {} MiB",
            text.len() >> 20,
            peak >> 20,
            limit >> 20
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Durations (defect 15)
// ---------------------------------------------------------------------------------------------

#[test]
fn absurd_intervals_and_timeouts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, words) in [
        ("--interval", "999999999999h", "between 1ms and 1s"),
        ("--interval", "2m", "between 1ms and 1s"),
        ("--timeout", "999999999999h", "at most 168h"),
    ] {
        let output = outcome(memgate(dir.path()).args(["run", flag, value, "--", "true"]));
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(
            err.contains(flag) && err.contains(words),
            "{flag} {value}: {err}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Signals (defect 6)
// ---------------------------------------------------------------------------------------------

/// Waits for `path` to hold a line per pid expected (written by the command memgate runs).
fn pids_in(path: &Path, count: usize, memgate: &mut Child) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = fs::read_to_string(path) {
            let pids: Vec<u32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
            if pids.len() == count {
                return pids;
            }
        }
        if let Ok(Some(status)) = memgate.try_wait() {
            panic!("memgate ended before its command wrote its pids: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "the command never wrote its pids"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// memgate's exit status, waited for at most 30 s (then it is killed and the test fails).
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("memgate did not end after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(pid: u32, signal: libc::c_int) {
    // SAFETY: kill(2) on a process this test started.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, signal) }, 0);
}

/// memgate running `script` (which writes `count` pids, one a line, to the file `pids`), once
/// those pids are written.
fn run_until_pids(dir: &Path, script: &str, count: usize) -> (Child, Vec<u32>) {
    let mut child = memgate(dir)
        .args(["run", "--", "sh", "-c", script])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pids = pids_in(&dir.join("pids"), count, &mut child);
    (child, pids)
}

/// SIGHUP (a closed terminal, a dropped SSH session) killed memgate and left the command running.
#[test]
fn sighup_ends_the_whole_tree_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let script = "sleep 60 & echo $! > pids.tmp; echo $$ >> pids.tmp; mv pids.tmp pids; wait";
    let (mut child, pids) = run_until_pids(dir.path(), script, 2);
    kill(child.id(), libc::SIGHUP);
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(2), "{status}");
    let left: Vec<u32> = pids
        .into_iter()
        .filter(|&pid| !testing::ends_soon(pid))
        .collect();
    assert!(left.is_empty(), "still running after SIGHUP: {left:?}");
}

/// A SIGKILLed memgate runs no handler: the kernel ends its child (parent-death signal).
#[test]
fn a_killed_memgate_leaves_no_child_running() {
    let dir = tempfile::tempdir().unwrap();
    let script = "echo $$ > pids.tmp; mv pids.tmp pids; exec sleep 60";
    let (mut child, pids) = run_until_pids(dir.path(), script, 1);
    kill(child.id(), libc::SIGKILL);
    let _ = wait(&mut child);
    let left: Vec<u32> = pids
        .into_iter()
        .filter(|&pid| !testing::ends_soon(pid))
        .collect();
    for &pid in &left {
        kill(pid, libc::SIGKILL);
    }
    assert!(
        left.is_empty(),
        "still running after memgate was killed: {left:?}"
    );
}
