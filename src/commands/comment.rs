//! `memgate comment RESULTS.json [--pr N]`: post or update the pull-request comment from a
//! results file, for a `workflow_run` workflow that has a write token while the `pull_request`
//! workflow that measured (a fork's) did not.
//!
//! The results file is untrusted there: it came from an artifact that the pull request's code
//! wrote. It is read through [`results::read`] (size cap, JSON, schema), checked further here, and
//! rendered by the Markdown reporter, which escapes every text in it. The comment goes only on a
//! pull request whose head (asked of the API) is the commit the results say they measured, and,
//! in a `workflow_run` workflow, the commit GitHub says the run measured.
//!
//! Exit codes: 0 when the comment was posted, updated, already up to date, or not wanted (the
//! policy, stale results); 2 when memgate could not do its job (a bad results file, no pull
//! request, a mismatched commit, an API failure). The gate's verdict is the measuring
//! workflow's: it is not repeated here.

use std::path::Path;

use serde_json::Value;

use crate::cli::CommentArgs;
use crate::config::{CommentPolicy, GithubConfig};
use crate::github::api::{Api, ApiError, HttpMethod, Timing};
use crate::github::context::{Context, ProcessEnv, Repo, Token, WorkflowRun, is_commit_id};
use crate::github::{self, Log, comment, workflow};
use crate::report::escape;
use crate::results::{self, Results};

use super::shared::optional_config;
use super::{CommandResult, Exit};

/// More benchmarks than this in one results file is not something memgate wrote.
const MAX_BENCHMARKS: usize = 10_000;

/// Why nothing was posted.
enum Failure {
    /// The pull request has moved on since the run: a newer run will comment. Not an error.
    Stale(String),
    /// Not a pull request (a `workflow_run` of a push): nothing to do.
    NoPullRequest(String),
    Error(String),
}

pub fn execute(args: CommentArgs) -> CommandResult {
    let args = &args;
    // The verdict shown is the benchmarks' own, whatever the file's `status` claims: reading
    // derives it from them. Its errors quote the untrusted file: one escaped line each.
    let results = results::read(&args.results).map_err(|err| escape::log_line(&err))?;
    check_untrusted(&results, &args.results, args.allow_unverified)?;
    let github_config = github_config(args.config.as_deref())?;

    let env = ProcessEnv;
    let ctx = Context::from_env(&env);
    let log = Log::new(ctx.on_actions, false);
    for warning in &ctx.warnings {
        log.warn(warning);
    }
    let mut policy_warnings = Vec::new();
    let policy = github::comment_policy(
        false,
        args.comment,
        &env,
        &github_config,
        &mut policy_warnings,
    );
    for warning in &policy_warnings {
        log.warn(warning);
    }
    let repo = ctx.repo.clone().ok_or(
        "GITHUB_REPOSITORY is not set: `memgate comment` runs in GitHub Actions (elsewhere, set \
         GITHUB_REPOSITORY=owner/name and GITHUB_TOKEN)",
    )?;
    let token = ctx.token.clone().ok_or(
        "no GitHub token: give the step `env: GITHUB_TOKEN: ${{ github.token }}` and the job \
         `permissions: pull-requests: write`",
    )?;
    // Refused before anything is read or sent: the token goes to no other place instead.
    if let Err(err) = &ctx.api_url {
        return Err(err.clone().into());
    }

    if let Some(path) = &ctx.step_summary
        && let Err(err) = workflow::write_summary(path, &results)
    {
        log.warn(&err);
    }

    let posted = if policy == CommentPolicy::Never {
        log.note("no comment: the comment policy is `never`");
        None
    } else {
        let runtime = github::runtime()?;
        let upserted = runtime.block_on(post(
            &ctx,
            &repo,
            token.clone(),
            args.pr,
            &results,
            &github_config,
            policy,
        ));
        logged(upserted, &token, &log)?
    };
    if let Some(path) = &ctx.output {
        write_outputs(path, args, &results, posted.as_ref(), &log);
    }
    Ok(Exit::Pass)
}

/// What was posted, said in the log (redacted); an error when nothing could be.
fn logged(
    upserted: Result<comment::Upserted, Failure>,
    token: &Token,
    log: &Log,
) -> Result<Option<comment::Posted>, String> {
    match upserted {
        Ok(upserted) => {
            for warning in &upserted.warnings {
                log.warn(&token.redact(warning));
            }
            log.note(&upserted.posted.describe());
            Ok(Some(upserted.posted))
        }
        Err(Failure::Stale(message)) => {
            log.warn(&token.redact(&message));
            Ok(None)
        }
        Err(Failure::NoPullRequest(message)) => {
            log.note(&token.redact(&message));
            Ok(None)
        }
        Err(Failure::Error(message)) => Err(token.redact(&message)),
    }
}

/// The step outputs `status`, `results` and `comment_url`.
fn write_outputs(
    path: &Path,
    args: &CommentArgs,
    results: &Results,
    posted: Option<&comment::Posted>,
    log: &Log,
) {
    let results_text = args.results.display().to_string();
    let outputs = [
        ("status", results.status().as_str()),
        ("results", results_text.as_str()),
        ("comment_url", posted.and_then(|p| p.url()).unwrap_or("")),
    ];
    if let Err(err) = workflow::write_outputs(path, &outputs) {
        log.warn(&err);
    }
}

/// What `results::read` does not check and an untrusted file could abuse: too many benchmarks,
/// a commit id that is not one (it goes into a URL), or none at all (then nothing ties the file
/// to the pull request's head) unless `allow_unverified`.
fn check_untrusted(results: &Results, path: &Path, allow_unverified: bool) -> Result<(), String> {
    if results.benchmarks.len() > MAX_BENCHMARKS {
        return Err(format!(
            "{} holds {} benchmarks; at most {MAX_BENCHMARKS} are read",
            path.display(),
            results.benchmarks.len()
        ));
    }
    match &results.environment.git_sha {
        Some(sha) if !is_commit_id(sha) => Err(format!(
            "{}: environment.git_sha is not a commit id",
            path.display()
        )),
        None if !allow_unverified => Err(format!(
            "{} names no commit (environment.git_sha), so nothing shows that it measured the \
             pull request's head; not posting it. Write it with `memgate check` in the \
             repository's checkout, or pass --allow-unverified to post it all the same",
            path.display()
        )),
        _ => Ok(()),
    }
}

/// The `github:` section of `-c FILE`, or of memgate.yml when there is one; else the defaults.
fn github_config(path: Option<&Path>) -> Result<GithubConfig, String> {
    Ok(optional_config(path)?.map(|c| c.github).unwrap_or_default())
}

async fn post(
    ctx: &Context,
    repo: &Repo,
    token: Token,
    pr: Option<u64>,
    results: &Results,
    github_config: &GithubConfig,
    policy: CommentPolicy,
) -> Result<comment::Upserted, Failure> {
    let api_url = ctx
        .api_url
        .as_deref()
        .map_err(|err| Failure::Error(err.clone()))?;
    let api = Api::new(api_url, token, Timing::default()).map_err(Failure::Error)?;
    let api_error = |err: ApiError| Failure::Error(err.to_string());
    let number = match pr {
        Some(number) => number,
        None => find_pull_request(&api, ctx, repo).await?,
    };
    let reply = api
        .request(
            HttpMethod::Get,
            &format!("/repos/{}/{}/pulls/{number}", repo.owner, repo.name),
            None,
        )
        .await
        .map_err(|err| {
            Failure::Error(format!(
                "cannot read pull request #{number} of {repo}: {err}"
            ))
        })?;
    let pull: Value = reply.json().map_err(api_error)?;
    let head = string_at(&pull, "/head/sha")
        .ok_or_else(|| Failure::Error(format!("pull request #{number} has no head commit")))?;
    let merge = string_at(&pull, "/merge_commit_sha");
    let trusted = ctx
        .workflow_run
        .as_ref()
        .and_then(|run| run.head_sha.clone());
    check_commits(
        &api,
        repo,
        number,
        &head,
        merge.as_deref(),
        trusted.as_deref(),
        results.environment.git_sha.as_deref(),
    )
    .await?;

    let author = match &github_config.comment_author {
        Some(author) => author.clone(),
        None => comment::token_author(&api).await,
    };
    let request = comment::Upsert {
        repo,
        number,
        results,
        policy,
        author: &author,
    };
    comment::upsert(&api, &request)
        .await
        .map_err(|err| Failure::Error(github::explain_failure(&err, number)))
}

fn string_at(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(String::from)
}

/// The pull request the event is about: a `pull_request` event's, or the one a `workflow_run`
/// measured (listed by GitHub, or for a fork found by its head branch and commit).
async fn find_pull_request(api: &Api, ctx: &Context, repo: &Repo) -> Result<u64, Failure> {
    if let Some(pr) = &ctx.pull_request {
        return Ok(pr.number);
    }
    let Some(run) = &ctx.workflow_run else {
        return Err(Failure::Error(
            "no pull request in this event: pass --pr N".into(),
        ));
    };
    if let Some(event) = &run.event
        && event != "pull_request"
        && event != "pull_request_target"
    {
        return Err(Failure::NoPullRequest(format!(
            "the workflow run was for a `{event}` event, not a pull request: no comment"
        )));
    }
    if let Some(&number) = run.pull_requests.first() {
        return Ok(number);
    }
    find_by_head(api, run, repo).await
}

/// A fork's pull request, which `workflow_run.pull_requests` does not list: the open pull
/// request whose head is `OWNER:BRANCH` at the run's commit.
async fn find_by_head(api: &Api, run: &WorkflowRun, repo: &Repo) -> Result<u64, Failure> {
    let (Some(owner), Some(branch), Some(sha)) = (&run.head_owner, &run.head_branch, &run.head_sha)
    else {
        return Err(Failure::Error(
            "the workflow_run event names no head branch: pass --pr N".into(),
        ));
    };
    let path = format!(
        "/repos/{}/{}/pulls?state=open&per_page=100&head={}",
        repo.owner,
        repo.name,
        query_escape(&format!("{owner}:{branch}"))
    );
    let pulls = api
        .get_all(&path)
        .await
        .map_err(|err| Failure::Error(format!("cannot list pull requests: {err}")))?;
    pulls
        .iter()
        .find(|pull| string_at(pull, "/head/sha").as_deref() == Some(sha.as_str()))
        .and_then(|pull| pull.get("number").and_then(Value::as_u64))
        .ok_or_else(|| {
            Failure::Stale(format!(
                "no open pull request has {owner}:{branch} at {} as its head (closed, or pushed \
                 to since): no comment",
                short(sha)
            ))
        })
}

/// The results may be posted on pull request `number` only if they measured its head (or the
/// test merge of its head), and, in a `workflow_run`, GitHub's run measured its head too.
async fn check_commits(
    api: &Api,
    repo: &Repo,
    number: u64,
    head: &str,
    merge: Option<&str>,
    trusted: Option<&str>,
    measured: Option<&str>,
) -> Result<(), Failure> {
    if let Some(trusted) = trusted
        && trusted != head
    {
        return Err(Failure::Stale(format!(
            "pull request #{number} is at {} now, and the run measured {}: not posting results \
             of an older commit (the run for the new one will comment)",
            short(head),
            short(trusted)
        )));
    }
    let Some(measured) = measured else {
        return Ok(());
    };
    if measured == head || Some(measured) == merge {
        return Ok(());
    }
    // `actions/checkout` measures the test merge commit, which GitHub may have remade since the
    // base moved: accept a merge commit one of whose parents is the head.
    let parents = api
        .request(
            HttpMethod::Get,
            &format!("/repos/{}/{}/commits/{measured}", repo.owner, repo.name),
            None,
        )
        .await
        .ok()
        .and_then(|reply| reply.json::<Value>().ok())
        .and_then(|commit| commit.get("parents")?.as_array().cloned())
        .unwrap_or_default();
    if parents
        .iter()
        .any(|p| p.get("sha").and_then(Value::as_str) == Some(head))
    {
        return Ok(());
    }
    Err(Failure::Error(format!(
        "the results were measured at {}, which is neither the head of pull request #{number} \
         ({}) nor a merge of it; not posting them there",
        short(measured),
        short(head)
    )))
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// `text` as a URL query value: unreserved characters kept, the rest `%XX`.
fn query_escape(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(
            query_escape("fork:fix/a b&c#1"),
            "fork%3Afix%2Fa%20b%26c%231"
        );
        assert_eq!(query_escape("é"), "%C3%A9");
    }
}
