//! GitHub (docs/github.md): the job summary, step outputs, annotations and the one pull-request
//! comment.
//!
//! - [`context`]: the environment and event payload of the job (and action inputs, `INPUT_*`).
//! - [`api`]: REST calls through octocrab, with retries and a deadline; the token never printed.
//! - [`comment`]: the comment found by marker and author, updated in place, created when absent.
//! - [`workflow`]: `$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`, `::error`/`::group::` commands.
//! - [`secrets`]: at startup, the tokens kept in memory and taken out of the environment.
//!
//! [`publish`] is what `memgate check` calls at its end. Nothing here changes the gate's verdict:
//! every failure is a warning, and the job summary is written before anything is sent.

pub mod api;
pub mod comment;
pub mod context;
pub mod secrets;
pub mod workflow;

use std::io::Write;
use std::path::Path;

use crate::config::{CommentPolicy, Config, GithubConfig};
use crate::report::escape;
use crate::results::Results;

pub use context::{Context, Env, ProcessEnv, Repo, Token};

/// Whether `memgate check` reports to GitHub: `--github`, or by itself when
/// `GITHUB_ACTIONS=true`.
pub fn enabled(flag: bool) -> bool {
    flag || context::on_actions(&ProcessEnv)
}

/// The comment policy in force: `--no-comment`, else `--comment`, else the action input
/// `comment`, else `github.comment` in memgate.yml. A bad input is a warning, then ignored.
pub fn comment_policy(
    no_comment: bool,
    flag: Option<CommentPolicy>,
    env: &dyn Env,
    config: &GithubConfig,
    warnings: &mut Vec<String>,
) -> CommentPolicy {
    if no_comment {
        return CommentPolicy::Never;
    }
    if let Some(policy) = flag {
        return policy;
    }
    if let Some(text) = context::input(env, "comment") {
        match text.parse() {
            Ok(policy) => return policy,
            Err(err) => warnings.push(format!("input `comment`: {err}")),
        }
    }
    config.comment
}

/// A runtime for the REST calls, on this thread only.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the runtime for GitHub's API: {err}"))
}

/// What to say when the comment could not be posted: for 401/403, the fix.
pub fn explain_failure(err: &api::ApiError, number: u64) -> String {
    let mut text = format!("could not comment on pull request #{number}: {err}");
    if err.is_forbidden() {
        text.push_str(
            ". The token may not write to the pull request: a pull request from a fork gets a \
             read-only token. The report is in the job summary. To comment on forks' pull \
             requests, use two workflows: the `pull_request` one measures and uploads the results \
             file as an artifact; a `workflow_run` one downloads it and runs \
             `memgate comment RESULTS.json` (see docs/github.md). For a pull request from this \
             repository, give the job `permissions: pull-requests: write`",
        );
    } else {
        text.push_str("; the report is in the job summary");
    }
    text
}

/// Messages for the log: warnings (as `::warning` commands on Actions) and notes. They may quote
/// untrusted text (a results file's values, an API's answer): each is printed escaped
/// ([`escape::log_line`](crate::report::escape::log_line)), so that it cannot start a workflow command or drive the terminal.
pub struct Log {
    on_actions: bool,
    quiet: bool,
}

impl Log {
    pub fn new(on_actions: bool, quiet: bool) -> Self {
        Self { on_actions, quiet }
    }

    /// On Actions, a `::warning` command on standard output (where `@actions/core` writes them):
    /// the run's page shows it. Elsewhere, a line on standard error.
    pub fn warn(&self, message: &str) {
        if self.on_actions {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", workflow::warning(message));
            let _ = out.flush();
        } else {
            let message = escape::log_lines(message);
            let _ = writeln!(std::io::stderr().lock(), "memgate: warning: {message}");
        }
    }

    pub fn note(&self, message: &str) {
        if !self.quiet {
            let message = escape::log_lines(message);
            let _ = writeln!(std::io::stderr().lock(), "memgate: {message}");
        }
    }
}

/// Posts (or updates) the comment on `ctx`'s pull request as `policy` says; returns its URL.
/// Failures become warnings.
pub fn post_comment(
    results: &Results,
    github: &GithubConfig,
    policy: CommentPolicy,
    ctx: &Context,
    log: &Log,
) -> Option<String> {
    if policy == CommentPolicy::Never {
        log.note("no comment: the comment policy is `never`");
        return None;
    }
    let (Some(repo), Some(pr)) = (&ctx.repo, &ctx.pull_request) else {
        log.note("not a pull request: no comment");
        return None;
    };
    let Some(token) = &ctx.token else {
        log.warn(&format!(
            "no GitHub token, so no comment on pull request #{}: give the step \
             `env: GITHUB_TOKEN: ${{{{ github.token }}}}` (and the job `permissions: \
             pull-requests: write`); the report is in the job summary",
            pr.number
        ));
        return None;
    };
    let api_url = match &ctx.api_url {
        Ok(url) => url,
        Err(err) => {
            log.warn(&format!("no comment on pull request #{}: {err}", pr.number));
            return None;
        }
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            log.warn(&err);
            return None;
        }
    };
    let upserted = runtime.block_on(async {
        let api = api::Api::new(api_url, token.clone(), api::Timing::default())
            .map_err(|err| format!("could not comment on pull request #{}: {err}", pr.number))?;
        let author = match &github.comment_author {
            Some(author) => author.clone(),
            None => comment::token_author(&api).await,
        };
        let request = comment::Upsert {
            repo,
            number: pr.number,
            results,
            policy,
            author: &author,
        };
        comment::upsert(&api, &request)
            .await
            .map_err(|err| explain_failure(&err, pr.number))
    });
    match upserted {
        Ok(upserted) => {
            for warning in &upserted.warnings {
                log.warn(&token.redact(warning));
            }
            log.note(&upserted.posted.describe());
            upserted.posted.url().map(String::from)
        }
        Err(message) => {
            log.warn(&token.redact(&message));
            None
        }
    }
}

/// What [`publish`] is asked to do (from `memgate check`'s flags).
#[derive(Debug, Clone, Copy, Default)]
pub struct Publish<'a> {
    /// `--github`: report even when `GITHUB_ACTIONS` is not `true`.
    pub github: bool,
    /// Print no notes (warnings still are).
    pub quiet: bool,
    /// `--no-comment`.
    pub no_comment: bool,
    /// `--comment POLICY`.
    pub comment: Option<CommentPolicy>,
    /// `--json FILE`: the results file the `results` output names (else one in `RUNNER_TEMP`).
    pub json: Option<&'a Path>,
}

/// The end of `memgate check` on GitHub: the job summary, annotations, the comment, then the
/// step outputs `status`, `results` and `comment_url`. Never fails: problems are warnings.
pub fn publish(results: &Results, config: &Config, args: &Publish<'_>) {
    if !enabled(args.github) {
        return;
    }
    let env = ProcessEnv;
    let ctx = Context::from_env(&env);
    let log = Log::new(ctx.on_actions, args.quiet);
    for warning in &ctx.warnings {
        log.warn(warning);
    }

    if let Some(path) = &ctx.step_summary
        && let Err(err) = workflow::write_summary(path, results)
    {
        log.warn(&err);
    }

    let file = workflow::workspace_relative(&config.path, ctx.workspace.as_deref());
    {
        let mut out = std::io::stdout().lock();
        for annotation in workflow::annotations(results, config, &file) {
            let _ = writeln!(out, "{annotation}");
        }
        let _ = out.flush();
    }

    let mut results_path = workflow::results_path(args.json, ctx.runner_temp.as_deref());
    if args.json.is_none()
        && let Some(path) = &results_path
        && let Err(err) = results.write_atomic(path)
    {
        log.warn(&format!("could not write {}: {err}", path.display()));
        results_path = None;
    }

    let mut policy_warnings = Vec::new();
    let policy = comment_policy(
        args.no_comment,
        args.comment,
        &env,
        &config.github,
        &mut policy_warnings,
    );
    for warning in &policy_warnings {
        log.warn(warning);
    }
    let comment_url = post_comment(results, &config.github, policy, &ctx, &log);

    if let Some(path) = &ctx.output {
        let results_text = results_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let outputs = [
            ("status", results.status().as_str()),
            ("results", results_text.as_str()),
            ("comment_url", comment_url.as_deref().unwrap_or("")),
        ];
        if let Err(err) = workflow::write_outputs(path, &outputs) {
            log.warn(&err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_comes_from_the_flags_then_the_input_then_the_config() {
        let config = GithubConfig {
            comment: CommentPolicy::OnFailure,
            comment_author: None,
        };
        let none: &[(&str, &str)] = &[];
        let input: &[(&str, &str)] = &[("INPUT_COMMENT", "on-change")];
        let bad: &[(&str, &str)] = &[("INPUT_COMMENT", "sometimes")];
        let mut warnings = Vec::new();
        assert_eq!(
            comment_policy(
                true,
                Some(CommentPolicy::Always),
                &input,
                &config,
                &mut warnings
            ),
            CommentPolicy::Never
        );
        assert_eq!(
            comment_policy(
                false,
                Some(CommentPolicy::Always),
                &input,
                &config,
                &mut warnings
            ),
            CommentPolicy::Always
        );
        assert_eq!(
            comment_policy(false, None, &input, &config, &mut warnings),
            CommentPolicy::OnChange
        );
        assert_eq!(
            comment_policy(false, None, &none, &config, &mut warnings),
            CommentPolicy::OnFailure
        );
        assert!(warnings.is_empty());
        assert_eq!(
            comment_policy(false, None, &bad, &config, &mut warnings),
            CommentPolicy::OnFailure
        );
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn forbidden_names_the_two_workflow_fix() {
        let err = api::ApiError::Status {
            method: "POST",
            path: "/repos/a/b/issues/1/comments".into(),
            status: 403,
            message: "Resource not accessible by integration".into(),
        };
        let text = explain_failure(&err, 1);
        assert!(text.contains("workflow_run"), "{text}");
        assert!(text.contains("memgate comment"), "{text}");
        assert!(text.contains("pull-requests: write"), "{text}");
    }
}
