//! The example workflows (examples/workflows/) say what docs/github.md says: every `memgate`
//! command line in them parses; the plain one may comment; the fork-safe pair measures with a
//! read-only token and comments from `workflow_run` without running the pull request's code.
//! (Their syntax and security are checked by tests/workflows_check.sh.)

use std::path::Path;

use clap::Parser;
use memgate::cli::{Cli, Command};
use serde_yaml::Value;

fn workflow(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/workflows")
        .join(name);
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn steps(workflow: &Value) -> Vec<Value> {
    workflow["jobs"]
        .as_mapping()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_sequence().unwrap().clone())
        .collect()
}

/// The memgate command lines of a workflow, parsed as memgate parses them.
fn memgate_commands(workflow: &Value) -> Vec<Command> {
    steps(workflow)
        .iter()
        .filter_map(|step| step["run"].as_str())
        .filter(|run| run.trim_start().starts_with("memgate "))
        .map(|run| {
            let words: Vec<String> = run
                .split_whitespace()
                .map(|w| w.trim_matches('"').to_string())
                .collect();
            Cli::try_parse_from(&words)
                .unwrap_or_else(|err| panic!("`{run}` does not parse: {err}"))
                .command
        })
        .collect()
}

fn permission<'a>(workflow: &'a Value, name: &str) -> Option<&'a str> {
    workflow["permissions"][name].as_str()
}

fn uses(workflow: &Value) -> Vec<String> {
    steps(workflow)
        .iter()
        .filter_map(|s| s["uses"].as_str().map(String::from))
        .collect()
}

#[test]
fn the_plain_workflow_checks_and_may_comment() {
    let w = workflow("memgate.yml");
    assert!(w["on"]["pull_request"].is_null() || w["on"]["pull_request"].is_mapping());
    assert_eq!(permission(&w, "pull-requests"), Some("write"));
    assert_eq!(permission(&w, "contents"), Some("read"));
    let commands = memgate_commands(&w);
    assert_eq!(commands.len(), 1);
    let Command::Check(args) = &commands[0] else {
        panic!("memgate check")
    };
    assert!(!args.no_comment);
    assert_eq!(args.baseline_ref, Some(None), "the pull request's base");
    assert!(args.json.is_some());
}

#[test]
fn the_measuring_half_of_the_pair_cannot_comment_and_uploads_the_results() {
    let w = workflow("memgate-measure.yml");
    assert_eq!(permission(&w, "contents"), Some("read"));
    assert_eq!(permission(&w, "pull-requests"), None);
    let commands = memgate_commands(&w);
    let Command::Check(args) = &commands[0] else {
        panic!("memgate check")
    };
    assert!(args.no_comment);
    let results = args.json.as_ref().unwrap().to_str().unwrap().to_string();
    let upload = steps(&w)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("an upload step");
    assert_eq!(upload["with"]["path"].as_str(), Some(results.as_str()));
    assert_eq!(upload["with"]["name"].as_str(), Some("memgate-results"));
    assert_eq!(upload["if"].as_str(), Some("${{ !cancelled() }}"));
}

#[test]
fn the_commenting_half_runs_on_workflow_run_and_never_checks_out_the_pull_request() {
    let w = workflow("memgate-comment.yml");
    let trigger = &w["on"]["workflow_run"];
    assert_eq!(trigger["workflows"][0].as_str(), Some("memgate-measure"));
    assert_eq!(
        workflow("memgate-measure.yml")["name"].as_str(),
        Some("memgate-measure")
    );
    assert_eq!(permission(&w, "pull-requests"), Some("write"));
    assert_eq!(permission(&w, "actions"), Some("read"));
    assert!(
        uses(&w).iter().all(|u| !u.starts_with("actions/checkout@")),
        "no checkout in the privileged workflow"
    );
    let download = steps(&w)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/download-artifact@"))
        })
        .expect("a download step");
    assert_eq!(download["with"]["name"].as_str(), Some("memgate-results"));
    assert_eq!(
        download["with"]["path"].as_str(),
        Some("${{ runner.temp }}/memgate"),
        "outside the workspace"
    );
    let commands = memgate_commands(&w);
    assert!(matches!(&commands[0], Command::Comment(args) if args.pr.is_none()));
}

#[test]
fn every_action_is_pinned_to_a_commit() {
    for name in ["memgate.yml", "memgate-measure.yml", "memgate-comment.yml"] {
        for action in uses(&workflow(name)) {
            let (_, reference) = action.split_once('@').unwrap();
            assert!(
                reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit()),
                "{name}: {action}"
            );
        }
    }
}
