//! Tests of the loader as a whole: `parse` from text to `Config` or to errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;

use super::*;

const MIB: u64 = 1 << 20;

fn ok(source: &str) -> Config {
    match parse(source, Path::new("/repo/memgate.yml")) {
        Ok(config) => config,
        Err(errors) => panic!("unexpected errors:\n{errors}"),
    }
}

/// The errors, one string per error, as `line:column: message`.
fn errors(source: &str) -> Vec<String> {
    match parse(source, Path::new("memgate.yml")) {
        Ok(config) => panic!("expected errors, got {config:#?}"),
        Err(errors) => errors
            .iter()
            .map(|e| e.to_string().trim_start_matches("memgate.yml:").to_string())
            .collect(),
    }
}

fn one_error(source: &str) -> String {
    let errors = errors(source);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn built_in_defaults_apply() {
    let config = ok("benchmarks:\n  - name: a\n    run: echo hi\n");
    assert_eq!(config.version, 1);
    assert_eq!(config.path, PathBuf::from("/repo/memgate.yml"));
    assert!(config.setup.is_empty());
    assert_eq!(config.github, GithubConfig::default());
    assert_eq!(config.github.comment, CommentPolicy::Always);
    let b = &config.benchmarks[0];
    assert_eq!(b.name, "a");
    assert_eq!(b.command, Invocation::Shell("echo hi".into()));
    assert_eq!(b.cwd, PathBuf::from("/repo"));
    assert!(b.env.is_empty());
    assert_eq!(b.timeout, Duration::from_secs(600));
    assert_eq!(b.runs, 3);
    assert_eq!(b.warmup, 0);
    assert_eq!(b.interval, Duration::from_millis(10));
    assert!(b.tags.is_empty());
    assert_eq!(b.budget, Budget::default());
    assert_eq!(b.budget.warn_at, 0.9);
    assert!(!b.budget.include_file);
    assert_eq!(b.regression.peak, 0.1);
    assert_eq!(b.regression.steady, 0.1);
    assert_eq!(b.regression.min_delta, 8 * MIB);
    assert_eq!(b.line, 2);
    assert_eq!(b.budget_line, None);
    assert_eq!(b.budget_lines, BudgetLines::default());
}

#[test]
fn benchmark_values_override_defaults_key_by_key() {
    let config = ok("\
defaults:
  runs: 5
  warmup: 1
  timeout: 2m
  cwd: bench
  env: { A: \"1\", B: \"2\" }
  tags: [slow]
  budget:
    peak: 400MiB
    growth: 2MiB/s
    warn_at: 80%
  regression:
    peak: 20%
benchmarks:
  - name: a
    run: x
    runs: 1
    env: { B: \"3\", C: \"4\" }
    tags: [fast]
    budget:
      steady: 300MiB
      include_file: true
    regression:
      min_delta: 1MiB
  - name: b
    argv: [python3, train.py]
    cwd: /abs/elsewhere
");
    let a = &config.benchmarks[0];
    assert_eq!(a.runs, 1);
    assert_eq!(a.warmup, 1);
    assert_eq!(a.timeout, Duration::from_secs(120));
    assert_eq!(a.cwd, PathBuf::from("/repo/bench"));
    let env: BTreeMap<String, String> = [("A", "1"), ("B", "3"), ("C", "4")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(a.env, env);
    assert_eq!(a.tags, vec!["fast"]);
    assert_eq!(
        a.budget,
        Budget {
            peak: Some(400 * MIB),
            steady: Some(300 * MIB),
            growth: Some(2.0 * MIB as f64),
            warn_at: 0.8,
            include_file: true,
            phases: Vec::new(),
        }
    );
    assert_eq!(
        a.regression,
        Regression {
            peak: 0.2,
            steady: 0.1,
            min_delta: MIB,
        }
    );
    assert_eq!(a.line, 15);
    assert_eq!(a.budget_line, Some(20));
    assert_eq!(
        a.budget_lines,
        BudgetLines {
            peak: Some(9),
            steady: Some(21),
            growth: Some(10),
            phases: Vec::new(),
        }
    );

    let b = &config.benchmarks[1];
    assert_eq!(
        b.command,
        Invocation::Argv(vec!["python3".into(), "train.py".into()])
    );
    assert_eq!(b.cwd, PathBuf::from("/abs/elsewhere"));
    assert_eq!(b.runs, 5);
    assert_eq!(b.tags, vec!["slow"]);
    assert_eq!(b.budget.peak, Some(400 * MIB));
    assert_eq!(b.budget.steady, None);
    assert_eq!(b.budget_line, Some(8));
    assert_eq!(b.line, 25);
}

#[test]
fn empty_sections_are_allowed() {
    let config = ok("\
version: 1
defaults:
setup:
github:
benchmarks:
  - name: a
    run: x
    budget:
    regression:
    tags:
    env:
");
    let b = &config.benchmarks[0];
    assert_eq!(b.budget, Budget::default());
    assert_eq!(b.budget_line, Some(8));
    assert!(b.tags.is_empty());
}

#[test]
fn merge_keys_share_settings() {
    let config = ok("\
benchmarks:
  - name: a
    run: x
    budget: &small
      peak: 100MiB
      steady: 50MiB
  - name: b
    run: y
    budget:
      <<: *small
      steady: 60MiB
");
    let b = &config.benchmarks[1].budget;
    assert_eq!(b.peak, Some(100 * MIB));
    assert_eq!(b.steady, Some(60 * MIB));
    // The merged figure's line is where it is written: the anchor.
    assert_eq!(config.benchmarks[1].budget_lines.peak, Some(5));
}

#[test]
fn phase_budgets_merge_with_defaults_name_by_name_and_keep_their_lines() {
    let config = ok("\
defaults:
  budget:
    phases: { load: 300MiB, eval: 50MiB }
benchmarks:
  - name: a
    run: x
    budget:
      phases:
        load: 400MiB
        train: 1GiB
  - name: b
    run: y
");
    let a = &config.benchmarks[0];
    assert_eq!(
        a.budget.phases,
        [
            ("load".to_string(), 400 * MIB),
            ("eval".to_string(), 50 * MIB),
            ("train".to_string(), 1024 * MIB)
        ]
    );
    assert_eq!(
        a.budget_lines.phases,
        [
            ("load".to_string(), 9),
            ("eval".to_string(), 3),
            ("train".to_string(), 10)
        ]
    );
    assert_eq!(config.benchmarks[1].budget.phases.len(), 2);
}

#[test]
fn bad_phase_budgets_are_reported_each_at_its_place() {
    let errors = errors(
        "\
benchmarks:
  - name: a
    run: x
    budget:
      phases:
        \"a\\tb\": 1MiB
        ok: 1MiB
        ok: 2MiB
        big: 0B
        list: [1]
        \"\": 1MiB
      phases_x: 1
",
    );
    let expected = [
        "6:9: `a\\tb` is not a phase name a marker can give",
        "8:9: duplicate phase `ok` in `budget.phases`; the first is at line 7",
        "9:14: `budget.phases.big` is 0",
        "10:15: expected a size",
        "11:9: `` is not a phase name",
        "12:7: unknown key `phases_x` in budget — did you mean `phases`?",
    ];
    for want in expected {
        assert!(
            errors.iter().any(|e| e.starts_with(want)),
            "{want} in {errors:#?}"
        );
    }
}

#[test]
fn relative_config_paths_resolve_against_the_current_folder() {
    let config = parse(
        "benchmarks: [{name: a, run: x, cwd: sub/./dir}]",
        Path::new("proj/memgate.yml"),
    )
    .unwrap();
    let expected = std::env::current_dir().unwrap().join("proj/sub/dir");
    assert_eq!(config.benchmarks[0].cwd, expected);
    assert_eq!(config.path, PathBuf::from("proj/memgate.yml"));
}

#[test]
fn starter_config_loads_cleanly() {
    let config = ok(STARTER_CONFIG);
    assert_eq!(config.version, 1);
    assert_eq!(config.setup.len(), 2);
    assert!(
        config
            .setup
            .iter()
            .all(|step| step.contains(".memgate/venv"))
    );
    assert_eq!(config.benchmarks.len(), 1);
    let b = &config.benchmarks[0];
    assert_eq!(b.name, "example");
    assert!(
        matches!(&b.command, Invocation::Shell(s) if s.starts_with(".memgate/venv/bin/python -c"))
    );
    assert_eq!(b.budget.peak, Some(400 * MIB));
    assert_eq!(b.budget.steady, Some(300 * MIB));
    assert_eq!(b.budget.growth, Some(2.0 * MIB as f64));
    assert_eq!(b.tags, vec!["example"]);
    assert_eq!(config.github.comment, CommentPolicy::Always);
}

#[test]
fn starter_config_states_the_built_in_defaults() {
    // Every value the starter spells out in `defaults` is the built-in one (except `growth`, which
    // has no built-in), so deleting a line changes nothing.
    let config = ok(STARTER_CONFIG);
    let b = &config.benchmarks[0];
    assert_eq!(b.runs, DEFAULT_RUNS);
    assert_eq!(b.warmup, DEFAULT_WARMUP);
    assert_eq!(b.timeout, DEFAULT_TIMEOUT);
    assert_eq!(b.interval, DEFAULT_INTERVAL);
    assert_eq!(b.budget.warn_at, DEFAULT_WARN_AT);
    assert_eq!(b.regression, Regression::default());
    assert_eq!(b.window, crate::results::GrowthWindow::default());
}

#[test]
fn syntax_errors_have_a_position_and_a_hint() {
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n    run: echo a: b\n"),
        "3:16: invalid YAML: mapping values are not allowed in this context \
         (quote a value that contains `: `)"
    );
    assert_eq!(
        one_error("benchmarks:\n\t- name: a\n"),
        "2:1: invalid YAML: found character that cannot start any token, while scanning for the \
         next token (indent with spaces; YAML does not allow tabs for indentation)"
    );
    let e = one_error("a: 1\n---\nb: 2\n");
    assert!(e.contains("more than one document"), "{e}");
}

#[test]
fn every_problem_is_reported_at_once_in_file_order() {
    let errors = errors(
        "\
version: 3
benchmarks:
  - name: a
    run: x
    runs: 0
    budget: { peek: 1MiB, steady: 12 parsecs }
  - name: a
    run: y
github: { comment: sometimes }
",
    );
    assert_eq!(
        errors,
        vec![
            "1:10: unsupported version 3; this memgate reads version 1 (a newer memgate may read this file)",
            "5:11: `runs` must be at least 1, found 0",
            "6:15: unknown key `peek` in budget — did you mean `peak`? (known keys: peak, steady, growth, warn_at, include_file, phases)",
            "6:35: invalid size `12 parsecs` for `budget.steady`: unknown unit `parsecs` (valid units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)",
            "7:11: duplicate benchmark name `a`; the first is at line 3",
            "9:20: unknown comment policy `sometimes` for `github.comment` (expected always, on-change, on-failure or never)",
        ]
    );
}

#[test]
fn unknown_keys_suggest_the_nearest_or_the_right_section() {
    let e = one_error("benchmarks:\n  - name: a\n    run: x\n    Runs: 2\n");
    assert!(
        e.starts_with("4:5: unknown key `Runs` in benchmark `a` — did you mean `runs`?"),
        "{e}"
    );
    let e = one_error("benchmarks:\n  - name: a\n    run: x\n    min_delta: 2MiB\n");
    assert!(e.contains("`min_delta` belongs under `regression:`"), "{e}");
    let e = one_error("benchmarks:\n  - name: a\n    run: x\n    budget: { min_delta: 2MiB }\n");
    assert!(e.contains("`min_delta` belongs under `regression:`"), "{e}");
    let e = one_error("timeout: 1m\nbenchmarks:\n  - name: a\n    run: x\n");
    assert!(
        e.contains("`timeout` belongs under `defaults:` or in a benchmark"),
        "{e}"
    );
    let e = one_error("run: x\nbenchmarks:\n  - name: a\n    run: x\n");
    assert!(
        e.contains("`run` belongs in a benchmark, under `benchmarks:`"),
        "{e}"
    );
    let e = one_error("benchmarks:\n  - name: a\n    run: x\n    setup: [y]\n");
    assert!(e.contains("`setup` is a top-level key"), "{e}");
    let e = one_error("benchmarks:\n  - name: a\n    run: x\n    colour: red\n");
    assert!(
        e.starts_with("4:5: unknown key `colour` in benchmark `a` (known keys:"),
        "{e}"
    );
    let e = one_error("benchmarks:\n  - name: a\n    run: x\n    budget: { warn-at: 50% }\n");
    assert!(e.contains("did you mean `warn_at`?"), "{e}");
}

#[test]
fn duplicate_keys_point_at_the_second() {
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n    run: x\n    runs: 1\n    runs: 2\n"),
        "5:5: duplicate key `runs` in benchmark `a`; the first is at line 4"
    );
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n    run: x\n    env: { A: \"1\", A: \"2\" }\n"),
        "4:20: duplicate environment variable `A` in `env`; the first is at line 4"
    );
}

#[test]
fn commands() {
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n"),
        "2:5: benchmark `a` has no command; add `run:` (a shell command) or `argv:` (a program \
         and its arguments, without a shell)"
    );
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n    argv: [x]\n    run: y\n"),
        "4:5: benchmark `a` has both `run` and `argv`; keep one (`run:` is a shell command, \
         `argv:` a program and its arguments, without a shell)"
    );
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n    run: [python3, x.py]\n"),
        "3:10: expected a shell command (a string) for `run`, found a list; for a program and \
         its arguments without a shell, use `argv:`"
    );
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n    argv: python3 x.py\n"),
        "3:11: expected a list of strings (the program and its arguments) for `argv`, found the \
         text `python3 x.py`; for a shell command, use `run:`"
    );
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n    argv: [python3, --epochs, 3]\n"),
        "3:31: items of `argv` must be strings, found the number `3`; quote it: `\"3\"`"
    );
    assert_eq!(
        one_error("benchmarks:\n  - name: a\n    run: \"  \"\n"),
        "3:10: `run` is empty; write the shell command to measure"
    );
    assert_eq!(
        one_error("benchmarks:\n  - run: x\n"),
        "2:5: a benchmark needs a `name:` (unique among the benchmarks)"
    );
    assert_eq!(
        one_error("benchmarks:\n  - name: \"\"\n    run: x\n"),
        "2:11: a benchmark name cannot be empty"
    );
    assert_eq!(
        one_error("benchmarks:\n  - just-a-name\n"),
        "2:5: expected a benchmark (a mapping with `name:` and `run:`) in `benchmarks`, found \
         the text `just-a-name`"
    );
}

#[test]
fn numbers_and_units() {
    let bench = |line: &str| format!("benchmarks:\n  - name: a\n    run: x\n    {line}\n");
    assert_eq!(
        one_error(&bench("runs: three")),
        "4:11: expected a whole number for `runs`, found the text `three`"
    );
    assert_eq!(
        one_error(&bench("warmup: -1")),
        "4:13: `warmup` cannot be negative, found -1"
    );
    assert_eq!(
        one_error(&bench("runs: 5000000000")),
        "4:11: `runs` must be from 1 to 100, found 5000000000"
    );
    assert_eq!(
        one_error(&bench("timeout: 600")),
        "4:14: invalid duration `600` for `timeout`: `600` has no unit; add one of ms, s, m, h \
         (e.g. `10ms` or `2m`)"
    );
    assert_eq!(
        one_error(&bench("timeout: 0s")),
        "4:14: `timeout` must be greater than zero"
    );
    assert_eq!(
        one_error(&bench("interval: [1ms]")),
        "4:15: expected a duration such as `10m` or `10ms` for `interval`, found a list"
    );
    assert_eq!(
        one_error(&bench("budget: { peak: 400 }")),
        "4:21: invalid size `400` for `budget.peak`: `400` has no unit; add one of B, KiB, MiB, \
         GiB, TiB, KB, MB, GB, TB (e.g. `400MiB`)"
    );
    assert_eq!(
        one_error(&bench("budget: { peak: 0 }")),
        "4:21: `budget.peak` is 0, which every run would exceed; leave it out for no limit"
    );
    assert_eq!(
        one_error(&bench("budget: { steady: -5MiB }")),
        "4:23: invalid size `-5MiB` for `budget.steady`: sizes cannot be negative"
    );
    assert_eq!(
        one_error(&bench("budget: { warn_at: 0% }")),
        "4:24: `budget.warn_at` must be above 0% and at most 100%, found 0%"
    );
    assert_eq!(
        one_error(&bench("budget: { warn_at: 0.9 }")),
        "4:24: invalid percentage `0.9` for `budget.warn_at`: a percentage must end with `%` \
         (e.g. `10%`); for a fraction of 0.9, write `90%`"
    );
    assert_eq!(
        one_error(&bench("budget: { include_file: yes }")),
        "4:29: expected `true` or `false` for `budget.include_file`, found the text `yes`; write \
         `true`"
    );
    assert_eq!(
        one_error(&bench("regression: { min_delta: 1 parsec }")),
        "4:30: invalid size `1 parsec` for `regression.min_delta`: unknown unit `parsec` (valid \
         units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)"
    );
    // Edge values that are fine.
    let config = ok(&bench(
        "budget: { warn_at: 100%, growth: 0 }\n    regression: { peak: 0%, min_delta: 0 }",
    ));
    let b = &config.benchmarks[0];
    assert_eq!(b.budget.warn_at, 1.0);
    assert_eq!(b.budget.growth, Some(0.0));
    assert_eq!(b.regression.peak, 0.0);
    assert_eq!(b.regression.min_delta, 0);
}

#[test]
fn versions() {
    assert_eq!(
        one_error("version: 0\nbenchmarks: [{name: a, run: x}]\n"),
        "1:10: unsupported version 0; this memgate reads version 1"
    );
    assert_eq!(
        one_error("version: \"1\"\nbenchmarks: [{name: a, run: x}]\n"),
        "1:10: expected a version number (1) for `version`, found the text `1`"
    );
}

#[test]
fn whole_file_problems() {
    assert_eq!(
        one_error(""),
        "1:1: the file is empty; it needs `version: 1` and a `benchmarks:` list (`memgate init` \
         writes a starter file)"
    );
    assert_eq!(
        one_error("version: 1\n"),
        "1:1: no `benchmarks:` list; add one with at least one benchmark (`name:` and `run:`)"
    );
    assert_eq!(
        one_error("version: 1\nbenchmarks: []\n"),
        "2:1: `benchmarks` is empty; add at least one benchmark (`name:` and `run:`)"
    );
    assert_eq!(
        one_error("- name: a\n  run: x\n"),
        "1:1: expected a mapping with `version:` and `benchmarks:` at the top level, found a list"
    );
    assert_eq!(
        one_error("benchmarks: !!binary aGVsbG8=\n"),
        "1:13: expected a list of benchmarks for `benchmarks`, found the text `aGVsbG8=`"
    );
}

#[test]
fn env_values_must_be_strings() {
    let e = one_error("benchmarks:\n  - name: a\n    run: x\n    env:\n      OMP_NUM_THREADS: 1\n");
    assert_eq!(
        e,
        "5:24: environment values must be strings, found the number `1` for `OMP_NUM_THREADS`; \
         quote it: `OMP_NUM_THREADS: \"1\"`"
    );
    let e = one_error("benchmarks:\n  - name: a\n    run: x\n    env: { \"A=B\": x }\n");
    assert!(
        e.starts_with("4:12: `A=B` is not a valid environment variable name"),
        "{e}"
    );
}

#[test]
fn errors_in_defaults_name_their_path() {
    assert_eq!(
        one_error("defaults:\n  interval: 0ms\nbenchmarks: [{name: a, run: x}]\n"),
        "2:13: `defaults.interval` must be greater than zero"
    );
    assert_eq!(
        one_error("defaults: [runs]\nbenchmarks: [{name: a, run: x}]\n"),
        "1:11: expected a mapping of settings shared by all benchmarks for `defaults`, found a \
         list"
    );
}

#[test]
fn aliased_values_report_at_their_anchor() {
    let errors = errors(
        "\
defaults:
  timeout: &t 10 parsecs
benchmarks:
  - name: a
    run: x
    timeout: *t
",
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    // The anchor's node starts at `&t`.
    assert!(
        errors
            .iter()
            .all(|e| e.starts_with("2:12: invalid duration")),
        "{errors:#?}"
    );
}

#[test]
fn tags_are_rejected() {
    let e = one_error("benchmarks:\n  - name: a\n    run: !shell x\n");
    assert_eq!(
        e,
        "3:10: invalid YAML: YAML tags such as `!shell` are not supported in memgate.yml; remove \
         the tag"
    );
}

#[test]
fn load_reads_files_and_reports_unreadable_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memgate.yml");
    std::fs::write(&path, "benchmarks: [{name: a, run: x}]\n").unwrap();
    let config = load(&path).unwrap();
    assert_eq!(config.benchmarks[0].cwd, dir.path());

    let missing = dir.path().join("nope.yml");
    let errors = load(&missing).unwrap_err();
    assert_eq!(errors.len(), 1);
    let e = &errors.errors()[0];
    assert_eq!(e.position, None);
    assert!(
        e.message.starts_with("cannot read the file: "),
        "{}",
        e.message
    );
    assert!(
        e.message
            .ends_with("; `memgate init` writes a starter file"),
        "{}",
        e.message
    );
    assert!(
        e.to_string()
            .starts_with(&format!("{}: cannot read", missing.display()))
    );

    std::fs::write(&path, b"benchmarks: \xff\n").unwrap();
    let errors = load(&path).unwrap_err();
    assert!(errors.to_string().contains("not UTF-8"), "{errors}");
}

#[test]
fn error_lines_match_config_lines() {
    // The same benchmark line is reported by `line` on success and by errors on failure.
    let source = "benchmarks:\n  - name: a\n    run: x\n  - name: b\n    run: y\n";
    let config = ok(source);
    assert_eq!(config.benchmarks[1].line, 4);
    let errors = parse(&source.replace("run: y", "runs: y"), Path::new("m.yml")).unwrap_err();
    assert!(
        errors
            .iter()
            .all(|e| e.line() == Some(4) || e.line() == Some(5)),
        "{errors}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any text: no panic, and every error's line is within the file.
    #[test]
    fn never_panics_on_any_text(source in "(?s).{0,200}") {
        if let Err(errors) = parse(&source, Path::new("m.yml")) {
            // YAML breaks lines at \r\n, \r and \n alike, and at NEL, LS and PS (YAML 1.1).
            let breaks = ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];
            let lines = source.replace("\r\n", "\n").split(breaks).count().max(1);
            for e in &errors {
                if let Some(p) = e.position {
                    prop_assert!(p.line >= 1 && p.line <= lines + 1, "{e} in {source:?}");
                    prop_assert!(p.column >= 1);
                }
            }
        }
    }

    /// The starter with any one line removed: no panic, and positioned errors.
    #[test]
    fn starter_with_a_line_removed(index in 0usize..60) {
        let lines: Vec<&str> = STARTER_CONFIG.lines().collect();
        let index = index % lines.len();
        let source: String = lines
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != index)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        if let Err(errors) = parse(&source, Path::new("m.yml")) {
            for e in &errors {
                prop_assert!(e.position.is_some(), "{e}");
            }
        }
    }
}

/// A lone carriage return breaks a line in YAML: the error's line counts it (proptest found this).
#[test]
fn carriage_returns_count_as_line_breaks_in_positions() {
    let errors = parse("?\rA", Path::new("m.yml")).unwrap_err();
    let position = errors.iter().next().unwrap().position.unwrap();
    assert!(position.line <= 3, "{errors}");
}

/// Found by `never_panics_on_any_text`: YAML counts NEL (U+0085) as a line break, so an error on
/// the second line of this one-`\n`-free text is in range.
#[test]
fn a_next_line_character_is_a_line_break_in_error_positions() {
    let source = "{¡\u{85}¡";
    let errors = parse(source, Path::new("m.yml")).expect_err("not a mapping");
    for e in &errors {
        if let Some(p) = e.position {
            assert!(p.line >= 1 && p.line <= 3, "{e}");
        }
    }
}

#[test]
fn a_cgroup_base_is_an_absolute_path_without_dots() {
    let config = ok("cgroup: /memgate\nbenchmarks:\n  - name: a\n    run: x\n");
    assert_eq!(config.cgroup, Some(PathBuf::from("/memgate")));
    assert_eq!(ok("benchmarks:\n  - name: a\n    run: x\n").cgroup, None);
    let e = one_error("cgroup: memgate\nbenchmarks:\n  - name: a\n    run: x\n");
    assert!(e.starts_with("1:9: a cgroup path must be absolute"), "{e}");
    let e = one_error("cgroup: /a/../b\nbenchmarks:\n  - name: a\n    run: x\n");
    assert!(e.contains("must not contain `..`"), "{e}");
    let e = one_error("cgroup: [a]\nbenchmarks:\n  - name: a\n    run: x\n");
    assert!(e.contains("a cgroup path (a string)"), "{e}");
}

#[test]
fn steady_after_and_min_window_set_the_growth_window() {
    use crate::results::{GrowthWindow, WarmUp};
    let config = ok(
        "defaults:\n  steady_after: 2s\n  min_window: 8s\nbenchmarks:\n  \
         - {name: a, run: x}\n  - {name: b, run: x, steady_after: 30%}\n",
    );
    let window = |i: usize| config.benchmarks[i].window;
    assert_eq!(
        window(0),
        GrowthWindow {
            warm_up: WarmUp::Secs(2.0),
            min_window_secs: 8.0
        }
    );
    assert_eq!(window(1).warm_up, WarmUp::Share(0.3));
    assert_eq!(window(1).min_window_secs, 8.0);
    let refused = one_error("benchmarks:\n  - {name: a, run: x, steady_after: 95%}\n");
    assert!(refused.contains("below 90% of the run"), "{refused}");
    let refused = one_error("benchmarks:\n  - {name: a, run: x, min_window: 0.5s}\n");
    assert!(refused.contains("between 1s and 24h"), "{refused}");
    let typo = one_error("benchmarks:\n  - {name: a, run: x, min_windw: 5s}\n");
    assert!(typo.contains("did you mean `min_window`?"), "{typo}");
}

#[test]
fn attribution_is_a_setting_with_a_default_and_a_benchmarks_own_value() {
    let config = ok(
        "version: 1\ndefaults:\n  attribution: always\nbenchmarks:\n  - name: a\n    run: x\n  - name: b\n    run: x\n    attribution: never\n",
    );
    assert_eq!(config.benchmarks[0].attribution, AttributionPolicy::Always);
    assert_eq!(config.benchmarks[1].attribution, AttributionPolicy::Never);
    let config = ok("benchmarks:\n  - name: a\n    run: x\n");
    assert_eq!(
        config.benchmarks[0].attribution,
        AttributionPolicy::OnFailure
    );
}

#[test]
fn an_unknown_attribution_policy_names_its_place_and_the_nearest() {
    assert_eq!(
        one_error("version: 1\nbenchmarks:\n  - name: a\n    run: x\n    attribution: on-failur\n"),
        "5:18: unknown attribution policy `on-failur` for `attribution` — did you mean \
         `on-failure`? (expected on-failure, always or never)"
    );
    assert_eq!(
        one_error(
            "version: 1\ndefaults:\n  attribution: true\nbenchmarks:\n  - name: a\n    run: x\n"
        ),
        "3:16: expected one of on-failure, always or never for `defaults.attribution`, found `true`"
    );
}
