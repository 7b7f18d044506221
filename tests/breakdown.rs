//! The breakdown at the peak (issue 14, item 1) on real trees of known shape, with the cgroup
//! method and with `--method sampled`: it names the processes by role and counts them, and their
//! shares add up to the run's peak within 3%. Then what a results file may hold in a breakdown
//! (capped, escaped when shown), and a file of the schema before breakdowns (`@1`), still read.

#![cfg(target_os = "linux")]

mod common;
use common::{python, python_with_packages};

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

const MIB: u64 = 1 << 20;

fn workload(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/workloads")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn memgate(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_memgate"));
    command.current_dir(dir);
    command
}

/// `memgate run --method METHOD --json … -- argv`: the run's JSON.
fn measure(method: &str, argv: &[String]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let output = memgate(dir.path())
        .args(["run", "--method", method, "--json", "run.json", "--"])
        .args(argv)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{method}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read(dir.path().join("run.json")).unwrap();
    let results: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(results["schema"], "memgate/results@2");
    results["benchmarks"][0]["runs"][0].clone()
}

/// The run's breakdown, checked to add up to its peak within 3%; its groups by role.
fn breakdown(run: &Value, what: &str) -> Vec<(String, u64, u64)> {
    let breakdown = &run["breakdown"];
    let groups: Vec<(String, u64, u64)> = breakdown["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no breakdown in {run}"))
        .iter()
        .map(|g| {
            (
                g["role"].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
                g["bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    let held: u64 = groups.iter().map(|g| g.2).sum();
    let peak = run["peak_bytes"].as_u64().unwrap();
    let off = held.abs_diff(peak) as f64 / peak as f64;
    assert!(
        off <= 0.03,
        "{what}: shares add up to {} MiB, the peak is {} MiB ({:.1}% off): {groups:?}",
        held / MIB,
        peak / MIB,
        off * 100.0
    );
    assert!(
        groups.windows(2).all(|w| w[0].2 >= w[1].2),
        "{what}: largest first: {groups:?}"
    );
    groups
}

fn group<'g>(groups: &'g [(String, u64, u64)], role: &str, what: &str) -> &'g (String, u64, u64) {
    groups
        .iter()
        .find(|g| g.0 == role)
        .unwrap_or_else(|| panic!("{what}: no group {role:?} in {groups:?}"))
}

fn interpreter() -> String {
    Path::new(python())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// `multiprocessing` with fork: 3 workers of 80 MiB each beside a parent holding 10 MiB.
fn fork_pool(method: &str) {
    let argv: Vec<String> = [
        python(),
        &workload("fork_pool.py"),
        "10",
        "3",
        "80",
        "1",
        "1.5",
    ]
    .map(String::from)
    .to_vec();
    let what = format!("fork pool, {method}");
    let groups = breakdown(&measure(method, &argv), &what);
    let workers = group(
        &groups,
        &format!("{} fork_pool.py (fork)", interpreter()),
        &what,
    );
    assert_eq!(workers.1, 3, "{what}: {groups:?}");
    assert!(workers.2 >= 3 * 80 * MIB, "{what}: {groups:?}");
    assert_eq!(
        group(&groups, &format!("{} fork_pool.py", interpreter()), &what).1,
        1
    );
}

/// joblib's loky backend: 3 spawned workers of 60 MiB each.
fn loky_pool(method: &str) {
    let argv: Vec<String> = [
        python_with_packages(),
        &workload("loky_pool.py"),
        "3",
        "60",
        "1.5",
    ]
    .map(String::from)
    .to_vec();
    let what = format!("loky pool, {method}");
    let groups = breakdown(&measure(method, &argv), &what);
    let workers = group(&groups, "loky worker", &what);
    assert_eq!(workers.1, 3, "{what}: {groups:?}");
    assert!(workers.2 >= 3 * 60 * MIB, "{what}: {groups:?}");
    assert_eq!(group(&groups, "python loky_pool.py", &what).1, 1);
    assert!(
        groups.iter().any(|g| g.0 == "resource_tracker"),
        "{what}: {groups:?}"
    );
}

/// A shell running two `tail -c` that each hold 50 MB read from a pipe until its writer ends.
fn shell_tree(method: &str) {
    let script = "(head -c 50000000 /dev/zero; sleep 1.5) | tail -c 50000000 >/dev/null & \
                  (head -c 50000000 /dev/zero; sleep 1.5) | tail -c 50000000 >/dev/null & wait";
    let argv: Vec<String> = ["sh", "-c", script].map(String::from).to_vec();
    let what = format!("shell tree, {method}");
    let groups = breakdown(&measure(method, &argv), &what);
    let tails = group(&groups, "tail -c 50000000", &what);
    assert_eq!(tails.1, 2, "{what}: {groups:?}");
    assert!(tails.2 >= 2 * 50_000_000, "{what}: {groups:?}");
    assert!(
        groups.iter().any(|g| g.0.starts_with("sh")),
        "{what}: {groups:?}"
    );
}

/// Whether `--method cgroup` runs here (this project's machines: cgroup v1, root).
fn cgroup_here() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let output = memgate(dir.path())
        .args(["run", "--method", "cgroup", "--", "true"])
        .output()
        .unwrap();
    if output.status.code() == Some(2) {
        eprintln!(
            "SKIPPING: no cgroup here: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return false;
    }
    true
}

#[test]
fn fork_pool_cgroup() {
    if cgroup_here() {
        fork_pool("cgroup");
    }
}

#[test]
fn fork_pool_sampled() {
    fork_pool("sampled");
}

#[test]
fn loky_pool_cgroup() {
    if cgroup_here() {
        loky_pool("cgroup");
    }
}

#[test]
fn loky_pool_sampled() {
    loky_pool("sampled");
}

#[test]
fn shell_tree_cgroup() {
    if cgroup_here() {
        shell_tree("cgroup");
    }
}

#[test]
fn shell_tree_sampled() {
    shell_tree("sampled");
}

// ---------------------------------------------------------------------------------------------
// Results files

/// A results file of the `@1` schema (a fixture written by memgate before breakdowns) is read by
/// every command that takes one.
#[test]
fn a_results_file_of_schema_1_is_still_read() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/results-v1.json"
    );
    let text = std::fs::read_to_string(fixture).unwrap();
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed["schema"], "memgate/results@1");
    let dir = tempfile::tempdir().unwrap();
    let report = memgate(dir.path())
        .args([
            "report",
            fixture,
            "--markdown",
            "out.md",
            "--html",
            "out.html",
        ])
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(1), "{report:?}");
    let compare = memgate(dir.path())
        .args(["compare", fixture, fixture])
        .output()
        .unwrap();
    assert!(matches!(compare.status.code(), Some(0 | 1)), "{compare:?}");
    let merged = memgate(dir.path())
        .args(["merge", fixture, "-o", "merged.json"])
        .output()
        .unwrap();
    assert!(merged.status.success(), "{merged:?}");
    let merged: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("merged.json")).unwrap()).unwrap();
    assert_eq!(merged["schema"], "memgate/results@2");
    let unknown = text.replace("memgate/results@1", "memgate/results@3");
    std::fs::write(dir.path().join("later.json"), unknown).unwrap();
    let later = memgate(dir.path())
        .args(["report", "later.json", "--markdown", "out.md"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&later.stderr);
    assert_eq!(later.status.code(), Some(2), "{err}");
    assert!(
        err.contains("has schema `memgate/results@3`; this memgate reads `memgate/results@2` and `memgate/results@1`"),
        "{err}"
    );
}

/// The `@1` fixture with `breakdown` in every run.
fn with_breakdown(breakdown: Value) -> String {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/results-v1.json"
    );
    let mut results: Value = serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
    results["schema"] = json!("memgate/results@2");
    for benchmark in results["benchmarks"].as_array_mut().unwrap() {
        for run in benchmark["runs"].as_array_mut().unwrap() {
            run["breakdown"] = breakdown.clone();
        }
    }
    results.to_string()
}

fn report_of(text: &str) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.json"), text).unwrap();
    let output = memgate(dir.path())
        .args(["report", "r.json", "--markdown", "out.md"])
        .output()
        .unwrap();
    let markdown = std::fs::read_to_string(dir.path().join("out.md")).unwrap_or_default();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        markdown,
    )
}

#[test]
fn breakdowns_past_their_caps_are_refused_with_their_path() {
    let group = |role: String| json!({"role": role, "count": 1, "bytes": 1, "command": "x"});
    let many: Vec<Value> = (0..33).map(|i| group(format!("r{i}"))).collect();
    let cases = [
        (
            json!({"at_secs": 1, "total_bytes": 1, "groups": many}),
            "more than 32 process groups",
        ),
        (
            json!({"at_secs": 1, "total_bytes": 1, "groups": [group("r".repeat(201))]}),
            "a role of more than 200 characters",
        ),
        (
            json!({"at_secs": -1, "total_bytes": 1, "groups": []}),
            "breakdown.at_secs is -1 s",
        ),
    ];
    for (breakdown, what) in cases {
        let (code, err, _) = report_of(&with_breakdown(breakdown));
        assert_eq!(code, Some(2), "{what}: {err}");
        assert!(
            err.contains("benchmarks[0].runs[0]") && err.contains(what),
            "{what}: {err}"
        );
    }
    let fewer: Vec<Value> = (0..32).map(|i| group(format!("r{i}"))).collect();
    let (code, err, _) = report_of(&with_breakdown(
        json!({"at_secs": 1, "total_bytes": 1, "groups": fewer}),
    ));
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn hostile_roles_are_escaped_in_every_report() {
    let role = "evil\u{1b}[31m @octocat | </td><script>x</script>\n::error::owned";
    let breakdown = json!({"at_secs": 1.5, "total_bytes": 100 * MIB, "groups": [
        {"role": role, "count": 2, "bytes": 100 * MIB, "command": "cmd\"><img src=x>"}
    ], "approximate": "@team\n::warning::x"});
    let text = with_breakdown(breakdown);
    let (code, err, markdown) = report_of(&text);
    assert_eq!(code, Some(1), "{err}");
    // The table's row (the answer line above the table names the role too).
    let row = markdown
        .lines()
        .find(|l| l.starts_with("| ") && l.contains("evil"))
        .unwrap_or_else(|| panic!("no breakdown row in:\n{markdown}"));
    assert!(
        row.starts_with("| `evil") && row.ends_with("| 2 | 100.0 | 100% |"),
        "{row}"
    );
    assert!(!markdown.chars().any(|c| c.is_control() && c != '\n'));
    assert!(!markdown.lines().any(|l| l.starts_with("::")), "{markdown}");
    assert!(!markdown.contains(" @team"), "{markdown}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.json"), &text).unwrap();
    memgate(dir.path())
        .args(["report", "r.json", "--html", "out.html"])
        .output()
        .unwrap();
    let page = std::fs::read_to_string(dir.path().join("out.html")).unwrap();
    assert!(
        page.contains("title=\"cmd&quot;&gt;&lt;img src=x&gt;\""),
        "{page}"
    );
    assert!(!page.contains("<script>") && !page.contains("<img"));

    let terminal = memgate(dir.path())
        .args(["report", "r.json"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&terminal.stdout);
    assert!(shown.contains("Processes at the peak"), "{shown}");
    assert!(!shown.contains('\u{1b}'), "{shown}");
    assert!(
        !shown.lines().any(|l| l.trim_start().starts_with("::")),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------------------------
// Rendering

/// A failing benchmark of a loky pool whose runs each have a breakdown (the largest run's is
/// shown), and a passing one without.
fn pool_results() -> memgate::results::Results {
    use memgate::results::{Breakdown, Member, Method};
    use memgate::testing;
    let member = |role: &str, mib: u64| Member {
        role: role.into(),
        command: format!("/venv/bin/python {role}"),
        bytes: mib * MIB,
    };
    let run = |peak_mib: u64| {
        let mut run = testing::run(vec![(0.0, 0), (1.0, peak_mib * MIB), (2.0, 0)], 2.0);
        let members = [
            member("loky worker", peak_mib / 5),
            member("loky worker", peak_mib / 5),
            member("loky worker", peak_mib / 5),
            member("loky worker", peak_mib / 5),
            member("python train.py", peak_mib / 5 - 10),
            member("resource_tracker", 10),
        ];
        run.breakdown = Some(Box::new(Breakdown::group(
            1.0,
            peak_mib * MIB,
            members,
            MIB,
        )));
        run
    };
    let failing = testing::judged(
        "train-loky",
        "python train.py",
        vec![run(400), run(500)],
        Some(testing::budget(Some(300))),
    );
    let passing = testing::judged(
        "small",
        "python small.py",
        vec![testing::run(vec![(0.0, 10 * MIB)], 1.0)],
        None,
    );
    testing::results(
        testing::environment(Method::CgroupV2),
        vec![failing, passing],
    )
}

#[test]
fn the_breakdown_in_markdown_is_a_small_table_in_the_benchmarks_details() {
    let markdown = memgate::report::markdown::render(&pool_results());
    let start = markdown.find("Processes at the peak").unwrap();
    let end = start + markdown[start..].find("\n\n|").unwrap();
    let table_end = end + 2 + markdown[end + 2..].find("\n\n").unwrap();
    insta::assert_snapshot!(&markdown[start..table_end]);
    assert_eq!(markdown.matches("Processes at the peak").count(), 1);
}

#[test]
fn the_terminal_shows_the_breakdown_of_failing_benchmarks_only() {
    let terminal = memgate::report::terminal::render(&pool_results(), false);
    let start = terminal.find("\nProcesses at the peak").unwrap();
    insta::assert_snapshot!(&terminal[start..]);
}

#[test]
fn the_html_page_has_the_table_with_each_command_as_a_tooltip() {
    let page = memgate::report::html::render(&pool_results());
    assert!(page.contains(
        "<tr><td title=\"/venv/bin/python loky worker\"><code>loky worker</code></td>\
         <td>4</td><td>400.0</td><td>80%</td></tr>"
    ));
}
