//! Snapshots of the messages `memgate.yml` problems produce, one fixture per kind of problem
//! (tests/fixtures/config/), and the resolved form of a valid file with every key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use memgate::config::{self, Budget, BudgetLines, CommentPolicy, Invocation, Regression};

const MIB: u64 = 1 << 20;

fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures/config").join(name)
}

/// The errors of a fixture as `memgate validate` prints them, with the fixture's text as the
/// snapshot's description (so that a reviewer sees both).
fn assert_errors(name: &str) {
    let path = fixture(name);
    let source = std::fs::read_to_string(&path).unwrap();
    let errors = match config::load(&path) {
        Ok(config) => panic!("{name} should not load: {config:#?}"),
        Err(errors) => errors,
    };
    // Every error of a file that was read has a position, on a line of the file.
    let lines = source.lines().count();
    for error in &errors {
        let position = error
            .position
            .unwrap_or_else(|| panic!("no position: {error}"));
        assert!(position.line >= 1 && position.line <= lines + 1, "{error}");
    }
    let snapshot = name.trim_end_matches(".yml");
    insta::with_settings!({ description => source, omit_expression => true }, {
        insta::assert_snapshot!(snapshot, errors.to_string());
    });
}

#[test]
fn yaml_syntax() {
    assert_errors("yaml_syntax.yml");
}

#[test]
fn yaml_indentation() {
    assert_errors("yaml_indentation.yml");
}

#[test]
fn unknown_keys() {
    assert_errors("unknown_keys.yml");
}

#[test]
fn wrong_types() {
    assert_errors("wrong_types.yml");
}

#[test]
fn bad_sizes() {
    assert_errors("bad_sizes.yml");
}

#[test]
fn unknown_units() {
    assert_errors("unknown_units.yml");
}

#[test]
fn zero_values() {
    assert_errors("zero_values.yml");
}

#[test]
fn duplicate_names() {
    assert_errors("duplicate_names.yml");
}

#[test]
fn empty_benchmarks() {
    assert_errors("empty_benchmarks.yml");
}

#[test]
fn missing_benchmarks() {
    assert_errors("missing_benchmarks.yml");
}

#[test]
fn commands() {
    assert_errors("commands.yml");
}

#[test]
fn unsupported_version() {
    assert_errors("unsupported_version.yml");
}

#[test]
fn warn_at_range() {
    assert_errors("warn_at_range.yml");
}

#[test]
fn flow_style() {
    assert_errors("flow_style.yml");
}

#[test]
fn many_errors() {
    assert_errors("many_errors.yml");
}

#[test]
fn out_of_range() {
    assert_errors("out_of_range.yml");
}

#[test]
fn durations_and_counts_at_their_limits_load() {
    for settings in [
        "interval: 1ms\n  timeout: 168h\n  runs: 100\n  warmup: 100",
        "interval: 1s\n  timeout: 1ms\n  runs: 1\n  warmup: 0",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memgate.yml");
        let text =
            format!("version: 1\ndefaults:\n  {settings}\nbenchmarks: [{{name: a, run: x}}]\n");
        std::fs::write(&path, text).unwrap();
        config::load(&path).unwrap_or_else(|errors| panic!("{settings}: {errors}"));
    }
}

/// The command line holds the same bounds as the config: a huge `--timeout` once overflowed the
/// watchdog's deadline (a panic, and the run went on without a timeout).
#[test]
fn the_command_line_refuses_what_the_config_refuses() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["run", "--timeout", "4000000000000000h", "--", "true"],
            "at most 168h",
        ),
        (
            &["run", "--interval", "999999999999h", "--", "true"],
            "between 1ms and 1s",
        ),
        (
            &["run", "--interval", "0.5ms", "--", "true"],
            "between 1ms and 1s",
        ),
        (&["check", "--runs", "101"], "1..=100"),
        (&["check", "--runs", "0"], "1..=100"),
    ];
    for (args, message) in cases {
        let out = assert_cmd::Command::cargo_bin("memgate")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn missing_file() {
    let errors = config::load(&fixture("does_not_exist.yml")).unwrap_err();
    insta::assert_snapshot!("missing_file", errors.to_string());
}

#[test]
fn valid_full_config_resolves_field_by_field() {
    let path = fixture("valid_full.yml");
    let config = config::load(&path).unwrap_or_else(|errors| panic!("{errors}"));
    let folder = std::env::current_dir()
        .unwrap()
        .join("tests/fixtures/config");

    assert_eq!(config.path, path);
    assert_eq!(config.version, 1);
    assert_eq!(
        config.setup,
        vec![
            "python3 -m venv .memgate/venv",
            ".memgate/venv/bin/pip install -q numpy"
        ]
    );
    assert_eq!(config.github.comment, CommentPolicy::OnChange);
    assert_eq!(
        config.github.comment_author.as_deref(),
        Some("github-actions[bot]")
    );
    assert_eq!(config.benchmarks.len(), 2);

    let train = &config.benchmarks[0];
    assert_eq!(train.name, "train-float32");
    assert_eq!(
        train.command,
        Invocation::Shell(".memgate/venv/bin/python train.py --dtype float32".into())
    );
    assert_eq!(train.cwd, folder.join("examples"));
    let env: BTreeMap<String, String> = [("OMP_NUM_THREADS", "1"), ("PYTHONHASHSEED", "0")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(train.env, env);
    assert_eq!(train.timeout, Duration::from_secs(15 * 60));
    assert_eq!(train.runs, 5);
    assert_eq!(train.warmup, 1);
    assert_eq!(train.interval, Duration::from_millis(20));
    assert_eq!(train.tags, vec!["training", "float32"]);
    assert_eq!(
        train.budget,
        Budget {
            peak: Some(400 * MIB),
            steady: Some(300 * MIB),
            growth: Some(2.0 * MIB as f64),
            warn_at: 0.9,
            include_file: false,
            phases: vec![],
        }
    );
    assert_eq!(
        train.regression,
        Regression {
            peak: 0.15,
            steady: 0.125,
            min_delta: 16 * MIB,
        }
    );
    assert_eq!(train.line, 22);
    assert_eq!(train.budget_line, Some(27));
    assert_eq!(
        train.budget_lines,
        BudgetLines {
            peak: Some(28),
            steady: Some(29),
            growth: Some(12),
            phases: vec![],
        }
    );

    let loader = &config.benchmarks[1];
    assert_eq!(loader.name, "loader");
    assert_eq!(
        loader.command,
        Invocation::Argv(vec![
            "python3".into(),
            "loader.py".into(),
            "--workers".into(),
            "4".into()
        ])
    );
    assert_eq!(loader.command.to_string(), "python3 loader.py --workers 4");
    // `cwd` is relative to the config file's folder, not to `defaults.cwd`.
    assert_eq!(loader.cwd, folder.join("../data"));
    let env: BTreeMap<String, String> = [("OMP_NUM_THREADS", "4"), ("PYTHONHASHSEED", "0")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(loader.env, env);
    assert_eq!(loader.timeout, Duration::from_secs(90));
    assert_eq!(loader.runs, 1);
    assert_eq!(loader.warmup, 0);
    assert_eq!(loader.interval, Duration::from_millis(5));
    assert_eq!(loader.tags, vec!["ml"]);
    assert_eq!(
        loader.budget,
        Budget {
            peak: Some(3 * 1024 * MIB / 2),
            steady: None,
            growth: Some(512.0 * 1024.0),
            warn_at: 0.8,
            include_file: true,
            phases: vec![],
        }
    );
    assert_eq!(
        loader.regression,
        Regression {
            peak: 0.05,
            steady: 0.125,
            min_delta: 1_000_000,
        }
    );
    assert_eq!(loader.line, 31);
    assert_eq!(loader.budget_line, Some(38));
    assert_eq!(
        loader.budget_lines,
        BudgetLines {
            peak: Some(39),
            steady: None,
            growth: Some(40),
            phases: vec![],
        }
    );
}

#[test]
fn starter_config_loads_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memgate.yml");
    std::fs::write(&path, config::STARTER_CONFIG).unwrap();
    let config = config::load(&path).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(config.benchmarks[0].cwd, dir.path());
}

#[test]
fn schema_is_printable_json() {
    let schema = config::json_schema();
    let text = serde_json::to_string_pretty(&schema).unwrap();
    assert!(text.contains("\"additionalProperties\": false"));
    assert_eq!(schema["properties"]["version"]["enum"][0], 1);
}
