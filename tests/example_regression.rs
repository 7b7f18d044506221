//! The example regression (examples/regression/): a pull request that keeps every step's
//! activations alive until the epoch ends. The gate fails against the committed base, and the
//! report leads with the answer: the line in `Layer.forward` that holds the growth (issue 14,
//! item 3). Run for real, and rendered from the committed results as a reviewer sees it.

mod common;

use std::path::Path;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/regression");

use common::memgate;

/// The line of layers.py that makes each layer's activation.
fn forward_line() -> usize {
    let text = std::fs::read_to_string(Path::new(EXAMPLE).join("layers.py")).unwrap();
    1 + text
        .lines()
        .position(|l| l.contains("return np.maximum(x * self.scale"))
        .unwrap()
}

/// The example's config with the test's interpreter in place of the examples' virtualenv.
fn config(python: &str) -> String {
    let text = std::fs::read_to_string(Path::new(EXAMPLE).join("memgate.yml")).unwrap();
    let text = text.replace("../.memgate/venv/bin/python", python);
    // No setup: the interpreter is ready.
    let start = text.find("setup:").unwrap();
    let end = text.find("benchmarks:").unwrap();
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn the_gate_fails_and_the_comment_leads_with_the_line_that_holds_the_growth() {
    let python = common::python_with_packages();
    // The project in a subfolder, memgate run from above it (`-c sub/memgate.yml`): sites must
    // still be named relative to the config's folder, as the base's are.
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("sub");
    std::fs::create_dir(&project).unwrap();
    std::fs::copy(
        Path::new(EXAMPLE).join("layers.py"),
        project.join("layers.py"),
    )
    .unwrap();
    std::fs::write(project.join("memgate.yml"), config(python)).unwrap();
    let base = Path::new(EXAMPLE).join("base.json");
    let out = memgate(
        dir.path(),
        &[
            "check",
            "-c",
            "sub/memgate.yml",
            "--baseline",
            base.to_str().unwrap(),
            "--json",
            "r.json",
            "--markdown",
            "comment.md",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let comment = std::fs::read_to_string(dir.path().join("comment.md")).unwrap();
    let answer = format!(
        "- `train-layers`: `forward` in `layers.py:{}` holds +",
        forward_line()
    );
    let at = comment.find(&answer).unwrap_or_else(|| panic!("{comment}"));
    // The answer comes before the table and the charts.
    assert!(at < comment.find("| status |").unwrap(), "{comment}");

    // The grown site holds at least 80% of the growth of the peak against the base.
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let b = &results["benchmarks"][0];
    let growth = b["peak_bytes"].as_f64().unwrap() - b["baseline"]["peak_bytes"].as_f64().unwrap();
    let grown = &b["attribution"]["grown"][0];
    let held = grown["bytes"].as_f64().unwrap() - grown["base_bytes"].as_f64().unwrap();
    assert_eq!(grown["line"], forward_line());
    assert!(
        held >= 0.8 * growth,
        "the line holds {held} of a growth of {growth}"
    );
}

#[test]
fn the_committed_results_render_the_comment_a_reviewer_sees() {
    let results = Path::new(EXAMPLE).join("results.json");
    let dir = tempfile::tempdir().unwrap();
    let out = memgate(
        dir.path(),
        &[
            "report",
            results.to_str().unwrap(),
            "--markdown",
            "comment.md",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the report exits with the verdict"
    );
    let comment = std::fs::read_to_string(dir.path().join("comment.md")).unwrap();
    let answer = format!("`forward` in `layers.py:{}` holds +", forward_line());
    assert!(comment.contains(&answer), "{comment}");
    insta::assert_snapshot!(comment);
}
