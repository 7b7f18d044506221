//! The files a release is made of say what docs/release.md says: the host-mode action
//! (host/action.yml) takes the container action's inputs and gives its outputs, passes the inputs
//! to memgate only through the environment (never through a `run:` script's text, where a quote
//! in an input would become shell code), and installs through host/install.sh; the release
//! workflow runs on release tags only, grants write permissions only to the jobs that publish, and
//! pins every action to a commit. (Their syntax and security audits: tests/workflows_check.sh; the
//! scripts themselves run in tests/distribution.sh.)

use std::collections::BTreeSet;
use std::path::Path;

use serde_yaml::Value;

fn yaml(path: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

fn steps(action: &Value) -> Vec<Value> {
    action["runs"]["steps"].as_sequence().unwrap().clone()
}

#[test]
fn the_host_action_takes_the_container_actions_inputs_and_gives_its_outputs() {
    let container = yaml("action.yml");
    let host = yaml("host/action.yml");
    let mut expected = keys(&container["inputs"]);
    expected.insert("version".into());
    assert_eq!(keys(&host["inputs"]), expected);
    assert_eq!(keys(&host["outputs"]), keys(&container["outputs"]));
    for (name, input) in container["inputs"].as_mapping().unwrap() {
        assert_eq!(
            host["inputs"][name]["default"], input["default"],
            "input {name:?}: the two actions' defaults differ"
        );
    }
    for (name, output) in host["outputs"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        assert_eq!(
            output["value"].as_str().unwrap(),
            format!("${{{{ steps.memgate.outputs.{name} }}}}"),
            "output {name} must come from the memgate step"
        );
    }
}

#[test]
fn the_host_action_passes_every_input_through_the_environment_only() {
    let host = yaml("host/action.yml");
    assert_eq!(host["runs"]["using"].as_str(), Some("composite"));
    let steps = steps(&host);
    for step in &steps {
        let run = step["run"].as_str().unwrap();
        assert!(
            !run.contains("${{"),
            "an expression inside a run: script is pasted into the shell's text: {run:?}"
        );
    }
    assert_eq!(
        steps[0]["run"].as_str(),
        Some("bash \"$GITHUB_ACTION_PATH/install.sh\"")
    );
    let gate = steps.iter().find(|s| s["id"].as_str() == Some("memgate"));
    let gate = gate.expect("a step with id memgate");
    assert_eq!(gate["run"].as_str(), Some("memgate action"));
    // The runner's names for a container action's inputs: INPUT_ + the name in upper case.
    let inputs: BTreeSet<String> = keys(&host["inputs"])
        .into_iter()
        .filter(|name| name != "version")
        .map(|name| format!("INPUT_{}", name.to_uppercase()))
        .collect();
    assert_eq!(keys(&gate["env"]), inputs);
    for (name, value) in gate["env"].as_mapping().unwrap() {
        let input = name.as_str().unwrap()["INPUT_".len()..].to_lowercase();
        assert_eq!(
            value.as_str().unwrap(),
            format!("${{{{ inputs.{input} }}}}")
        );
    }
}

#[test]
fn the_release_workflow_runs_on_release_tags_and_only_publishing_jobs_may_write() {
    let release = yaml(".github/workflows/release.yml");
    let on = &release["on"];
    assert_eq!(keys(on), BTreeSet::from(["push".to_string()]));
    assert!(on["push"]["branches"].is_null());
    let tags: Vec<&str> = on["push"]["tags"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags, ["release/v[0-9]+.[0-9]+.[0-9]+"]);
    assert_eq!(
        release["permissions"].as_mapping().map(|m| m.len()),
        Some(0)
    );
    let mut writers = BTreeSet::new();
    for (name, job) in release["jobs"].as_mapping().unwrap() {
        let permissions = job["permissions"]
            .as_mapping()
            .expect("per-job permissions");
        if permissions.values().any(|v| v.as_str() == Some("write")) {
            writers.insert(name.as_str().unwrap().to_string());
        }
        for step in job["steps"].as_sequence().unwrap() {
            if let Some(uses) = step["uses"].as_str() {
                let (_, pin) = uses.split_once('@').unwrap();
                assert!(
                    pin.len() == 40 && pin.chars().all(|c| c.is_ascii_hexdigit()),
                    "{uses} is not pinned to a commit"
                );
            }
            if let Some(run) = step["run"].as_str() {
                assert!(
                    !run.contains("${{"),
                    "an expression inside a run: script: {run:?}"
                );
            }
        }
    }
    let expected = ["binaries", "image", "publish"].map(String::from);
    assert_eq!(writers, BTreeSet::from(expected));
}

#[test]
fn the_container_action_on_main_builds_from_the_dockerfile() {
    // The release commit (host/release-commit.sh) replaces exactly this line with the image's
    // digest; on main it must stay as it is, or that script refuses to release.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"));
    let lines: Vec<String> = text.unwrap().lines().map(String::from).collect();
    assert_eq!(
        lines.iter().filter(|l| *l == "  image: Dockerfile").count(),
        1
    );
}
