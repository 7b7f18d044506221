//! Regressions against the base: `--baseline-ref` on a real git repository, `compare` on hand-made
//! results files, `merge` and `--shard`.

mod common;
use common::{git, python};

use std::path::Path;
use std::process::Command as Std;

use assert_cmd::Command;
use memgate::results::{BenchmarkResult, Environment, Method, Results, RunResult, Status};
use memgate::testing::{self, MIB};
use serde_json::Value;

/// A repository with two commits: the model in float32 (40 MiB), then in "float64" (80 MiB).
fn two_commit_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    let config = format!(
        "version: 1\ndefaults:\n  runs: 2\n  regression: {{ peak: 10%, min_delta: 8MiB }}\nbenchmarks:\n  - name: train\n    argv: [{:?}, train.py]\n",
        python()
    );
    std::fs::write(root.join("memgate.yml"), config).unwrap();
    let model = |mib: u64| {
        format!("import time\nweights = bytearray(b'x') * ({mib} << 20)\ntime.sleep(0.3)\n")
    };
    std::fs::write(root.join("train.py"), model(40)).unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "float32"]);
    std::fs::write(root.join("train.py"), model(80)).unwrap();
    git(root, &["commit", "-q", "-am", "float64"]);
    dir
}

fn worktrees(root: &Path) -> usize {
    git(root, &["worktree", "list"]).lines().count()
}

#[test]
fn baseline_ref_catches_the_doubling_and_cleans_up() {
    let repo = two_commit_repo();
    let root = repo.path();
    let before = git(root, &["status", "--porcelain"]);
    let out = Command::cargo_bin("memgate")
        .unwrap()
        .current_dir(root)
        .env_remove("GITHUB_ACTIONS")
        .args([
            "check",
            "--baseline-ref",
            "HEAD~1",
            "--json",
            "results.json",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("results.json")).unwrap()).unwrap();
    let train = &results["benchmarks"][0];
    assert_eq!(train["status"], "fail");
    let reason = train["reason"].as_str().unwrap();
    // Every failed check is named, regressions against the base first.
    let first = reason.split("; ").next().unwrap();
    assert!(first.contains(" vs base "), "{reason}");
    assert!(
        reason.contains("peak ") && reason.contains("steady "),
        "{reason}"
    );
    assert!(reason.contains("limit +10%"), "{reason}");
    let base_peak = train["baseline"]["peak_bytes"].as_u64().unwrap();
    let head_peak = train["peak_bytes"].as_u64().unwrap();
    assert!(
        (40 * MIB..60 * MIB).contains(&base_peak),
        "base {base_peak}"
    );
    assert!(
        head_peak > base_peak + 35 * MIB,
        "head {head_peak} base {base_peak}"
    );
    let base_sha = git(root, &["rev-parse", "HEAD~1"]);
    assert_eq!(results["baseline"]["git_sha"], base_sha.trim());
    let regression = train["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "regression" && c["metric"] == "peak")
        .unwrap();
    assert!(
        regression["detail"].as_str().unwrap().starts_with("clear"),
        "{regression}"
    );
    assert!(stdout.contains("vs base"), "{stdout}");
    // The worktree is gone and the user's tree and index are untouched.
    assert_eq!(worktrees(root), 1);
    let after = git(root, &["status", "--porcelain"]);
    // Beside the results file: the folder of the runs' output.
    let after = after
        .replace("?? results.json\n", "")
        .replace("?? results.logs/\n", "");
    assert_eq!(after, before);
}

#[test]
fn interrupted_baseline_run_removes_its_worktree() {
    let repo = two_commit_repo();
    let root = repo.path();
    // Slow the base down so that the signal lands while it runs.
    let slow = "import time\nweights = bytearray(b'x') * (10 << 20)\ntime.sleep(30)\n";
    std::fs::write(root.join("train.py"), slow).unwrap();
    git(root, &["commit", "-q", "-am", "slow"]);
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("memgate"))
        .current_dir(root)
        .args(["check", "--quiet", "--baseline-ref", "HEAD~1"])
        .spawn()
        .unwrap();
    // Wait until the base's worktree exists and a run is under way.
    for _ in 0..100 {
        if worktrees(root) == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    assert_eq!(worktrees(root), 1, "{}", git(root, &["worktree", "list"]));
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

fn run(peak_mib: u64) -> RunResult {
    let timeline = vec![(0.0, 0), (0.5, peak_mib * MIB), (1.0, peak_mib * MIB)];
    RunResult {
        steady_bytes: peak_mib * MIB * 9 / 10,
        growth_bytes_per_sec: 0.0,
        leak: false,
        samples: 100,
        ..testing::run(timeline, 1.0)
    }
}

fn bench(name: &str, peaks: &[u64]) -> BenchmarkResult {
    let runs: Vec<RunResult> = peaks.iter().map(|&p| run(p)).collect();
    let mut b = testing::judged(name, "python x.py", runs, None);
    b.method = Method::CgroupV1;
    // These files always had a spread, one run or more (compare reads the runs, not this).
    b.peak_spread_bytes
        .get_or_insert((b.peak_bytes, b.peak_bytes));
    b
}

fn results(benchmarks: Vec<BenchmarkResult>, sha: &str) -> Results {
    let environment = Environment {
        kernel: "6".into(),
        git_sha: Some(sha.into()),
        ..testing::environment(Method::CgroupV1)
    };
    testing::results(environment, benchmarks)
}

#[test]
fn compare_unchanged_better_worse_noisy_new_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let base = results(
        vec![
            bench("unchanged", &[400, 402, 401]),
            bench("better", &[400, 400, 401]),
            bench("worse", &[400, 401, 402]),
            bench("noisy", &[400, 470, 430]),
            bench("removed", &[100, 100, 100]),
        ],
        "base",
    );
    let head = results(
        vec![
            bench("unchanged", &[401, 403, 400]),
            bench("better", &[200, 201, 200]),
            bench("worse", &[800, 805, 810]),
            // +28% at its highest, but its runs overlap the base's spread: noise, not a regression.
            bench("noisy", &[440, 560, 600]),
            bench("new", &[50, 50, 50]),
        ],
        "head",
    );
    base.write_atomic(&dir.path().join("base.json")).unwrap();
    head.write_atomic(&dir.path().join("head.json")).unwrap();
    let out = Command::cargo_bin("memgate")
        .unwrap()
        .current_dir(dir.path())
        .args(["compare", "base.json", "head.json", "--json", "out.json"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let compared = memgate::results::read(&dir.path().join("out.json")).unwrap();
    let get = |name: &str| compared.benchmarks.iter().find(|b| b.name == name).unwrap();
    assert_eq!(get("unchanged").status, Status::Pass);
    assert_eq!(get("better").status, Status::Pass);
    assert_eq!(get("worse").status, Status::Fail);
    assert_eq!(
        get("worse").reason.as_deref(),
        Some(
            "peak 810.0 MiB vs base 402.0 MiB (+101%, limit +10%); \
             steady 724.5 MiB vs base 360.9 MiB (+101%, limit +10%)"
        )
    );
    let noisy = get("noisy");
    assert_eq!(noisy.status, Status::Pass, "{:?}", noisy.checks);
    let detail = noisy.checks.iter().find_map(|c| c.detail.clone()).unwrap();
    assert!(detail.starts_with("within noise"), "{detail}");
    assert_eq!(
        get("new").comparison,
        Some(memgate::results::Comparison::New)
    );
    assert_eq!(get("new").status, Status::Pass);
    assert_eq!(compared.baseline.as_ref().unwrap().removed, ["removed"]);
    assert!(
        stdout.contains("+101%") && stdout.contains("new"),
        "{stdout}"
    );
    assert!(stdout.contains("gone since the base: removed"), "{stdout}");
}

#[test]
fn a_small_change_under_min_delta_is_never_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    results(vec![bench("tiny", &[20])], "b")
        .write_atomic(&dir.path().join("b.json"))
        .unwrap();
    results(vec![bench("tiny", &[26])], "h")
        .write_atomic(&dir.path().join("h.json"))
        .unwrap();
    let out = Command::cargo_bin("memgate")
        .unwrap()
        .current_dir(dir.path())
        .args(["compare", "b.json", "h.json", "--quiet"])
        .output()
        .unwrap();
    // +30%, but 6 MiB < min_delta 8 MiB.
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn merge_joins_parts_and_rejects_what_does_not_belong_together() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    results(vec![bench("a", &[10])], "s")
        .write_atomic(&path("1.json"))
        .unwrap();
    results(vec![bench("b", &[10])], "s")
        .write_atomic(&path("2.json"))
        .unwrap();
    results(vec![bench("a", &[12])], "s")
        .write_atomic(&path("dup.json"))
        .unwrap();
    let mut other_base = results(vec![bench("c", &[10])], "s");
    other_base.baseline = Some(memgate::results::BaselineInfo {
        source: "ref:x".into(),
        git_sha: Some("another".into()),
        ..Default::default()
    });
    other_base.write_atomic(&path("other.json")).unwrap();
    std::fs::write(path("old.json"), r#"{"schema": "memgate/results@0"}"#).unwrap();
    let merge = |parts: &[&str]| {
        Command::cargo_bin("memgate")
            .unwrap()
            .current_dir(dir.path())
            .arg("merge")
            .args(parts)
            .args(["-o", "all.json"])
            .output()
            .unwrap()
    };
    let ok = merge(&["1.json", "2.json"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let all = memgate::results::read(&path("all.json")).unwrap();
    assert_eq!(all.benchmarks.len(), 2);
    for (parts, expected) in [
        (["1.json", "dup.json"], "in both"),
        (["1.json", "other.json"], "base"),
        (["1.json", "old.json"], "memgate/results@0"),
    ] {
        let out = merge(&parts);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{parts:?}");
        assert!(stderr.contains(expected), "{parts:?}: {stderr}");
    }
}

#[test]
fn shards_split_the_suite_and_merge_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("version: 1\ndefaults:\n  runs: 1\nbenchmarks:\n");
    for i in 0..8 {
        config.push_str(&format!("  - name: b{i}\n    argv: [\"true\"]\n"));
    }
    std::fs::write(dir.path().join("memgate.yml"), config).unwrap();
    let names = |shard: &str| -> Vec<String> {
        let file = format!("part{}.json", &shard[..1]);
        let out = Command::cargo_bin("memgate")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--quiet", "--shard", shard, "--json", &file])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        memgate::results::read(&dir.path().join(file))
            .unwrap()
            .benchmarks
            .into_iter()
            .map(|b| b.name)
            .collect()
    };
    let first = names("1/2");
    let second = names("2/2");
    assert!(
        !first.is_empty() && !second.is_empty(),
        "{first:?} {second:?}"
    );
    assert_eq!(first.len() + second.len(), 8);
    assert!(first.iter().all(|n| !second.contains(n)));
    let out = Command::cargo_bin("memgate")
        .unwrap()
        .current_dir(dir.path())
        .args(["merge", "part1.json", "part2.json", "-o", "all.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn suggest_prints_budgets_that_load() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "version: 1\ndefaults:\n  runs: 1\nbenchmarks:\n  - name: hold\n    argv: [{:?}, -c, \"b = bytearray(b'x') * (60 << 20)\"]\n",
        python()
    );
    std::fs::write(dir.path().join("memgate.yml"), &config).unwrap();
    let out = Command::cargo_bin("memgate")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--suggest"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let block = &stdout[stdout.find("  - name: hold").expect("a suggestion")..];
    // Pasting the suggestion in place of the benchmark gives a valid config with a budget.
    let with_budget = config.replace(&config[config.find("  - name").unwrap()..], "")
        + &format!(
            "  - name: hold\n    argv: [{:?}, -c, \"b = bytearray(b'x') * (60 << 20)\"]\n",
            python()
        )
        + &block[block.find("    budget:").unwrap()..];
    let loaded = memgate::config::parse(&with_budget, Path::new("memgate.yml")).unwrap();
    let peak = loaded.benchmarks[0].budget.peak.unwrap();
    assert!((69 * MIB..=90 * MIB).contains(&peak), "{peak}: {block}");
}
