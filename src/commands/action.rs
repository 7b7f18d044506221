//! `memgate action`: the entry point of the container action (`action.yml`, docs/container.md).
//!
//! The Actions runner passes the step's inputs as `INPUT_<NAME>` variables (upper case; an input
//! the workflow leaves out arrives empty, which counts as absent). This command turns them into the
//! arguments of `memgate check`, moves into `working_directory`, and runs exactly what `memgate
//! check` runs: the arguments go through the same parser, then to [`check::execute`].
//!
//! | input | becomes |
//! | --- | --- |
//! | `config` | `-c FILE`, unless `args` names one |
//! | `args` | more arguments of `check`, split as a POSIX shell splits words (quotes, `\`) |
//! | `baseline_ref` | `--baseline-ref REF`; `base` for the pull request's base commit |
//! | `working_directory` | the folder `check` runs in (relative to the workspace) |
//! | `comment`, `github_token` | read by the GitHub module itself ([`crate::github`]) |
//!
//! `--json` defaults to `memgate-results.json` in the working directory (the `results` output
//! names it): inside a container `RUNNER_TEMP` is a path of the host, not of the container.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{CheckArgs, Cli, Command};
use crate::github::context::{Env, ProcessEnv, input};
use crate::suite::BaseRef;

use super::CommandResult;
use super::check;

/// The results file the action writes when `args` names none, relative to the working directory.
pub const DEFAULT_RESULTS: &str = "memgate-results.json";

/// The value of `baseline_ref` that means "the pull request's base commit" (`--baseline-ref`
/// with no REF).
pub const PULL_REQUEST_BASE: &str = "base";

pub fn execute() -> CommandResult {
    let env = ProcessEnv;
    if let Some(dir) = working_directory(&env)? {
        std::env::set_current_dir(&dir).map_err(|err| {
            format!(
                "input `working_directory`: cannot enter {}: {err}",
                dir.display()
            )
        })?;
    }
    check::execute(check_args(&env)?)
}

/// The folder named by `working_directory`, when one is.
fn working_directory(env: &dyn Env) -> Result<Option<PathBuf>, String> {
    let Some(dir) = input(env, "working_directory") else {
        return Ok(None);
    };
    let path = PathBuf::from(&dir);
    if !path.is_dir() {
        return Err(format!(
            "input `working_directory`: {dir} is not a folder in the workspace"
        ));
    }
    Ok(Some(path))
}

/// The arguments of `memgate check` that the inputs say, parsed as the command line would be.
pub fn check_args(env: &dyn Env) -> Result<CheckArgs, String> {
    let extra = match input(env, "args") {
        Some(text) => split_words(&text).map_err(|err| format!("input `args`: {err}"))?,
        None => Vec::new(),
    };
    let mut argv: Vec<OsString> = vec!["memgate".into(), "check".into()];
    argv.extend(extra.into_iter().map(OsString::from));
    let matches = Cli::command().try_get_matches_from(argv).map_err(|err| {
        format!(
            "input `args` is not valid for `memgate check`:\n{}",
            err.render()
        )
    })?;
    let sub = matches
        .subcommand_matches("check")
        .ok_or("input `args`: not the arguments of `memgate check`")?;
    let given = |id: &str| sub.value_source(id) == Some(ValueSource::CommandLine);
    let cli = Cli::from_arg_matches(&matches).map_err(|err| err.to_string())?;
    let Command::Check(mut args) = cli.command else {
        return Err("input `args`: not the arguments of `memgate check`".into());
    };

    if !given("config")
        && let Some(config) = input(env, "config")
    {
        args.config = PathBuf::from(config);
    }
    if !given("baseline_ref")
        && let Some(reference) = input(env, "baseline_ref")
    {
        if args.baseline.is_some() {
            return Err(
                "input `baseline_ref` and `--baseline` in `args` both name a base; give one".into(),
            );
        }
        args.baseline_ref = Some(if reference == PULL_REQUEST_BASE {
            None
        } else {
            // Checked here too, so that the message names the input.
            BaseRef::parse(&reference).map_err(|err| format!("input `baseline_ref`: {err}"))?;
            Some(reference)
        });
    }
    if args.json.is_none() {
        args.json = Some(Path::new(DEFAULT_RESULTS).to_path_buf());
    }
    Ok(args)
}

/// Splits `text` into words as a POSIX shell does, without expanding anything: blanks separate
/// words; `'…'` keeps everything literally; `"…"` keeps everything but `\"`, `\\`, `\$` and
/// `` \` ``; a `\` outside quotes keeps the next character (and drops a newline after it).
pub fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word has started (so `''` is an empty word, not nothing).
    let mut started = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            '\'' => {
                started = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a single quote (') is not closed".into()),
                    }
                }
            }
            '"' => {
                started = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("a double quote (\") is not closed".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a double quote (\") is not closed".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    started = true;
                    word.push(c);
                }
                None => return Err("the text ends with a lone backslash".into()),
            },
            c => {
                started = true;
                word.push(c);
            }
        }
    }
    if started {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        split_words(text).unwrap()
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(words(""), Vec::<String>::new());
        assert_eq!(words("  \n "), Vec::<String>::new());
        assert_eq!(words("--runs 3  --tag io"), ["--runs", "3", "--tag", "io"]);
        assert_eq!(
            words("--markdown 'my report.md' --tag \"a b\""),
            ["--markdown", "my report.md", "--tag", "a b"]
        );
        assert_eq!(words("a\\ b c"), ["a b", "c"]);
        assert_eq!(words("''"), [""]);
        assert_eq!(words("x'y'\"z\""), ["xyz"]);
        assert_eq!(words(r#""a \"q\" \\ \$HOME \n""#), [r#"a "q" \ $HOME \n"#]);
        assert_eq!(words("'$HOME \\n'"), ["$HOME \\n"]);
        assert_eq!(words("--runs 1 \\\n --quiet"), ["--runs", "1", "--quiet"]);
        assert_eq!(words("first\nsecond\tthird"), ["first", "second", "third"]);
    }

    #[test]
    fn unclosed_quotes_are_errors() {
        assert!(split_words("'open").unwrap_err().contains("single quote"));
        assert!(split_words("\"open").unwrap_err().contains("double quote"));
        assert!(
            split_words("\"open\\")
                .unwrap_err()
                .contains("double quote")
        );
        assert!(split_words("end\\").unwrap_err().contains("backslash"));
    }

    fn args_of(pairs: &[(&str, &str)]) -> Result<CheckArgs, String> {
        check_args(&pairs)
    }

    #[test]
    fn inputs_become_check_arguments() {
        // What the runner passes when the workflow gives no inputs: the declared defaults, the
        // rest empty.
        let args = args_of(&[
            ("INPUT_CONFIG", "memgate.yml"),
            ("INPUT_ARGS", ""),
            ("INPUT_BASELINE_REF", ""),
            ("INPUT_COMMENT", ""),
        ])
        .unwrap();
        assert_eq!(args.config, Path::new("memgate.yml"));
        assert_eq!(args.baseline_ref, None);
        assert_eq!(args.json.as_deref(), Some(Path::new(DEFAULT_RESULTS)));
        assert!(args.names.is_empty());

        let args = args_of(&[
            ("INPUT_CONFIG", "ci/memgate.yml"),
            (
                "INPUT_ARGS",
                "train --runs 2 --tag io --markdown 'report one.md'",
            ),
            ("INPUT_BASELINE_REF", "origin/main"),
        ])
        .unwrap();
        assert_eq!(args.config, Path::new("ci/memgate.yml"));
        assert_eq!(args.names, ["train"]);
        assert_eq!(args.runs, Some(2));
        assert_eq!(args.tags, ["io"]);
        assert_eq!(
            args.reports.markdown.as_deref(),
            Some(Path::new("report one.md"))
        );
        assert_eq!(args.baseline_ref, Some(Some("origin/main".to_string())));
    }

    #[test]
    fn base_means_the_pull_requests_base() {
        let args = args_of(&[("INPUT_BASELINE_REF", "base"), ("INPUT_ARGS", "train")]).unwrap();
        assert_eq!(args.baseline_ref, Some(None));
        // A benchmark name in `args` is not taken for the REF.
        assert_eq!(args.names, ["train"]);
    }

    #[test]
    fn args_win_over_inputs() {
        let args = args_of(&[
            ("INPUT_CONFIG", "memgate.yml"),
            (
                "INPUT_ARGS",
                "-c other.yml --json out/r.json --baseline-ref v1",
            ),
            ("INPUT_BASELINE_REF", "origin/main"),
        ])
        .unwrap();
        assert_eq!(args.config, Path::new("other.yml"));
        assert_eq!(args.json.as_deref(), Some(Path::new("out/r.json")));
        assert_eq!(args.baseline_ref, Some(Some("v1".to_string())));
    }

    #[test]
    fn bad_inputs_are_errors_that_name_the_input() {
        let err = args_of(&[("INPUT_ARGS", "--runs 0")]).unwrap_err();
        assert!(err.starts_with("input `args`"), "{err}");
        let err = args_of(&[("INPUT_ARGS", "--tag 'x")]).unwrap_err();
        assert!(err.contains("single quote"), "{err}");
        let err = args_of(&[
            ("INPUT_ARGS", "--baseline base.json"),
            ("INPUT_BASELINE_REF", "origin/main"),
        ])
        .unwrap_err();
        assert!(err.contains("baseline_ref"), "{err}");
        let dir = [("INPUT_WORKING_DIRECTORY", "/no/such/folder/here")];
        let err = working_directory(&dir.as_slice()).unwrap_err();
        assert!(err.contains("working_directory"), "{err}");
    }
}
