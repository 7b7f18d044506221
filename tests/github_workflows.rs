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

/// Why the `cargo install` in `run` is not pinned to a release or a commit, if it is not.
fn unpinned_install(run: &str) -> Option<String> {
    let words: Vec<&str> = run.split_whitespace().collect();
    let start = words.windows(2).position(|w| w == ["cargo", "install"])?;
    let args = &words[start + 2..];
    let value = |flag: &str| {
        args.iter()
            .position(|w| *w == flag)
            .and_then(|i| args.get(i + 1).copied())
            .or_else(|| {
                args.iter()
                    .find_map(|w| w.strip_prefix(flag)?.strip_prefix('='))
            })
    };
    let commit = |r: &str| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit());
    let release = |t: &str| {
        t.strip_prefix('v').is_some_and(|v| {
            let parts: Vec<&str> = v.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok())
        })
    };
    if value("--branch").is_some() {
        return Some(format!("`{run}` installs a branch"));
    }
    if !args.contains(&"--locked") {
        return Some(format!("`{run}` does not use --locked"));
    }
    let pinned = match (value("--git"), value("--rev"), value("--tag")) {
        (Some(_), Some(rev), _) => commit(rev),
        (Some(_), None, Some(tag)) => release(tag),
        (Some(_), None, None) => false,
        // From crates.io: an exact version.
        (None, _, _) => value("--version").is_some_and(|v| v.starts_with('=')),
    };
    (!pinned).then(|| format!("`{run}` installs an unpinned ref (the branch head)"))
}

/// A workflow whose token may write, or that runs on a trigger with the base's secrets.
fn privileged(workflow: &Value) -> bool {
    let writes = workflow["permissions"]
        .as_mapping()
        .is_some_and(|p| p.values().any(|v| v.as_str() == Some("write")));
    let triggers = &workflow["on"];
    writes || !triggers["workflow_run"].is_null() || !triggers["pull_request_target"].is_null()
}

#[test]
fn no_privileged_workflow_installs_memgate_from_an_unpinned_ref() {
    let mut checked = Vec::new();
    for name in ["memgate.yml", "memgate-measure.yml", "memgate-comment.yml"] {
        let w = workflow(name);
        if !privileged(&w) {
            continue;
        }
        let runs: Vec<String> = steps(&w)
            .iter()
            .filter_map(|s| s["run"].as_str().map(String::from))
            .filter(|run| run.contains("cargo install"))
            .collect();
        assert!(!runs.is_empty(), "{name} installs memgate somehow");
        for run in runs {
            assert_eq!(unpinned_install(&run), None, "{name}");
        }
        checked.push(name);
    }
    assert_eq!(checked, ["memgate.yml", "memgate-comment.yml"]);
    // The check itself refuses what it should.
    for bad in [
        "cargo install --locked --git https://github.com/OWNER/memgate memgate",
        "cargo install --locked --git https://github.com/OWNER/memgate --branch main memgate",
        "cargo install --locked --git https://github.com/OWNER/memgate --tag main memgate",
        "cargo install --locked --git https://github.com/OWNER/memgate --rev main memgate",
        "cargo install --git https://github.com/OWNER/memgate --tag v0.1.0 memgate",
        "cargo install --locked memgate",
    ] {
        assert!(unpinned_install(bad).is_some(), "{bad}");
    }
    for good in [
        "cargo install --locked --git https://github.com/OWNER/memgate --tag v0.1.0 memgate",
        "cargo install --locked --git=https://github.com/OWNER/memgate \
         --rev=0123456789abcdef0123456789abcdef01234567 memgate",
        "cargo install --locked memgate --version =0.1.0",
    ] {
        assert_eq!(unpinned_install(good), None, "{good}");
    }
}
