//! Fixtures that unit tests, the integration tests under `tests/` and the benches under `benches/`
//! share: a run with a timeline, a judged benchmark, a benchmark that could not run, results on a
//! machine.
//!
//! Public because integration tests and benches are crates of their own that see only memgate's
//! public API; `#[doc(hidden)]` because it is no part of that API.

use crate::gate::verdict;
use crate::measure::stats;
use crate::results::{
    BenchmarkResult, BudgetFigures, Environment, Method, Results, RunResult, Subject,
};

pub const MIB: u64 = 1 << 20;

/// The `created_at` of fixture results: fixed, so that what is rendered from them is too.
pub const CREATED_AT: &str = "2026-11-27T10:00:00Z";

/// A run that exited with code 0, its figures computed from `timeline` as a measurement computes
/// them: peak = the highest point, steady state and growth by [`stats`]. One process, one sample
/// per point, no file-backed pages; set other fields with `RunResult { .., ..run(..) }`.
pub fn run(timeline: Vec<(f64, u64)>, secs: f64) -> RunResult {
    let peak = timeline.iter().map(|p| p.1).max().unwrap_or(0);
    let growth = stats::growth(&timeline);
    RunResult {
        peak_bytes: peak,
        peak_total_bytes: peak,
        file_peak_bytes: 0,
        kernel_bytes: None,
        steady_bytes: stats::steady_bytes(&timeline),
        growth_bytes_per_sec: growth.bytes_per_sec,
        leak: growth.leak,
        duration_secs: secs,
        exit_code: Some(0),
        signal: None,
        timed_out: false,
        oom_killed: false,
        interrupted: None,
        processes: 1,
        samples: timeline.len() as u64,
        uncertainty: None,
        notes: vec![],
        phases: vec![],
        timeline,
        breakdown: None,
    }
}

/// A budget of `peak_mib` MiB of peak (none for `None`) and 2 MiB/s of growth, warning at 90%.
pub fn budget(peak_mib: Option<u64>) -> BudgetFigures {
    BudgetFigures {
        peak_bytes: peak_mib.map(|m| m * MIB),
        steady_bytes: None,
        growth_bytes_per_sec: Some(2.0 * MIB as f64),
        warn_at: 0.9,
        include_file: false,
        phases: vec![],
    }
}

/// A benchmark judged from `runs` by memgate's own verdict against `budget`, measured with
/// cgroup v2; no tags, no line in a config.
pub fn judged(
    name: &str,
    command: &str,
    runs: Vec<RunResult>,
    budget: Option<BudgetFigures>,
) -> BenchmarkResult {
    let figures = verdict::aggregate(&runs, &Default::default());
    let judged = verdict::judge(&runs, &figures, budget.as_ref(), None);
    BenchmarkResult::judged(
        subject(name, command, budget),
        Method::CgroupV2,
        runs,
        &figures,
        judged,
    )
}

/// A benchmark that could not start, for `reason`; no budget, no line in a config.
pub fn not_run(name: &str, command: &str, reason: &str) -> BenchmarkResult {
    BenchmarkResult::not_run(subject(name, command, None), reason.to_string())
}

fn subject(name: &str, command: &str, budget: Option<BudgetFigures>) -> Subject {
    Subject {
        name: name.to_string(),
        command: command.to_string(),
        budget,
        ..Subject::default()
    }
}

/// A Linux machine with 2 CPUs and 16 GiB of memory, measuring with `method`; no git commit.
pub fn environment(method: Method) -> Environment {
    Environment {
        os: "linux".to_string(),
        kernel: "6.8.0".to_string(),
        cpus: 2,
        memory_bytes: 16 << 30,
        method,
        cgroup: None,
        git_sha: None,
        git_ref: None,
    }
}

/// Results of `benchmarks` measured on `environment`, made at [`CREATED_AT`].
pub fn results(environment: Environment, benchmarks: Vec<BenchmarkResult>) -> Results {
    let mut results = Results::new(environment, CREATED_AT.to_string());
    results.benchmarks = benchmarks;
    results
}

/// `git ARGS` in `dir` with a fixed author; panics with git's message when it fails.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether process `pid` is gone within 10 s: kill(2) sends SIGKILL without waiting for it to
/// land. A zombie counts as gone: it has ended and waits only for whoever reaps orphans.
pub fn ends_soon(pid: u32) -> bool {
    let path = format!("/proc/{pid}/stat");
    let running = || {
        std::fs::read_to_string(&path).is_ok_and(|stat| {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while running() {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    true
}

/// An attribution whose names a hostile pull request chose: pipes, backticks, tags, mentions,
/// workflow commands and control characters in file and function names and in the note.
pub fn hostile_attribution() -> crate::results::Attribution {
    let site = |file: &str, function: &str| crate::results::Site {
        function: function.into(),
        file: file.into(),
        line: 7,
        bytes: 1 << 20,
        share: 0.5,
    };
    crate::results::Attribution {
        tool: "memray".into(),
        wall_secs: 1.0,
        peak_bytes: 2 << 20,
        sites: vec![
            site("a`|<b>.py\r", "f|@team\n::error::x"),
            site("\n::warning file=x::y", "<script>alert(1)</script>"),
        ],
        note: Some("@someone <img src=x> | \n::error::z".into()),
        flamegraph: Some("r.logs/\n::error::f.html".into()),
        ..crate::results::Attribution::default()
    }
}
