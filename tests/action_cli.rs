//! `memgate action`, the container action's entry point, run as the binary with the `INPUT_*`
//! variables the Actions runner sets (tests/container.sh runs it inside the real image).

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// A workspace holding `sub/memgate.yml` with one small benchmark whose budget `peak` decides.
fn workspace(peak: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(
        sub.join("gate.yml"),
        format!(
            "version: 1\ndefaults:\n  runs: 1\nbenchmarks:\n  - name: tiny\n    run: \"true\"\n    \
             budget:\n      peak: {peak}\n  - name: other\n    run: \"true\"\n"
        ),
    )
    .unwrap();
    dir
}

/// `memgate action` in `dir` with a clean environment (not on GitHub) and these inputs.
fn action(dir: &Path, inputs: &[(&str, &str)]) -> assert_cmd::assert::Assert {
    let mut cmd = Command::cargo_bin("memgate").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir)
        .arg("action");
    // What the runner passes for inputs the workflow leaves out: their defaults, or empty.
    for (name, value) in [
        ("INPUT_CONFIG", "memgate.yml"),
        ("INPUT_GITHUB_TOKEN", ""),
        ("INPUT_COMMENT", ""),
        ("INPUT_BASELINE_REF", ""),
        ("INPUT_ARGS", ""),
        ("INPUT_WORKING_DIRECTORY", "."),
    ] {
        cmd.env(name, value);
    }
    for (name, value) in inputs {
        cmd.env(name, value);
    }
    cmd.assert()
}

fn results(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn inputs_run_check_in_the_working_directory() {
    let dir = workspace("100MiB");
    action(
        dir.path(),
        &[
            ("INPUT_WORKING_DIRECTORY", "sub"),
            ("INPUT_CONFIG", "gate.yml"),
            ("INPUT_ARGS", "tiny --runs 2 --markdown 'the report.md'"),
        ],
    )
    .code(0);
    let sub = dir.path().join("sub");
    // The results file the `results` output names, in the working directory.
    let results = results(&sub.join("memgate-results.json"));
    assert_eq!(results["status"], "pass");
    let benchmarks = results["benchmarks"].as_array().unwrap();
    assert_eq!(benchmarks.len(), 1, "only the benchmark named in args");
    assert_eq!(benchmarks[0]["runs"].as_array().unwrap().len(), 2);
    assert!(sub.join("the report.md").is_file());
}

#[test]
fn the_gate_fails_through_the_action_as_through_check() {
    let dir = workspace("1KiB");
    action(
        dir.path(),
        &[
            ("INPUT_WORKING_DIRECTORY", "sub"),
            ("INPUT_CONFIG", "gate.yml"),
            ("INPUT_ARGS", "--json out.json"),
        ],
    )
    .code(1);
    let results = results(&dir.path().join("sub/out.json"));
    assert_eq!(results["status"], "fail");
    assert!(!dir.path().join("sub/memgate-results.json").exists());
}

#[test]
fn bad_inputs_exit_2_and_name_the_input() {
    let dir = workspace("100MiB");
    let out = action(dir.path(), &[("INPUT_WORKING_DIRECTORY", "nowhere")]).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("working_directory"), "{stderr}");

    let out = action(
        dir.path(),
        &[
            ("INPUT_WORKING_DIRECTORY", "sub"),
            ("INPUT_ARGS", "--runs \"2"),
        ],
    )
    .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("input `args`"), "{stderr}");

    // The default config name, absent from the working directory: check's own message.
    let out = action(dir.path(), &[("INPUT_WORKING_DIRECTORY", "sub")]).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("no config at memgate.yml"), "{stderr}");
}
