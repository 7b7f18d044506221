//! Where memgate runs on GitHub: the environment the Actions runner sets and the event payload it
//! writes (`GITHUB_EVENT_PATH`), read once into a [`Context`].
//!
//! Everything is read through [`Env`], so tests pass a map, and a container action (issue 7) adds
//! its `INPUT_*` variables through [`input`] without another code path: the runner passes an
//! action's inputs as `INPUT_<NAME>` (upper case, spaces as `_`), and an input left unset arrives
//! as an empty string, which counts as absent here.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde_json::Value;

/// The REST API of github.com, when `GITHUB_API_URL` is not set.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The web server, when `GITHUB_SERVER_URL` is not set.
pub const DEFAULT_SERVER_URL: &str = "https://github.com";
/// Event payloads larger than this are not read (the runner's are a few KiB).
const MAX_EVENT_BYTES: u64 = 16 << 20;

/// Environment variables, by name.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process's own environment; for the token variables, their values as memgate was started
/// with them (memgate removes those from its environment at once: [`super::secrets`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        super::secrets::token_var(name).unwrap_or_else(|| std::env::var(name).ok())
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Env for &[(&str, &str)] {
    fn var(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    }
}

/// A variable that is set and not blank, trimmed.
fn non_empty(env: &dyn Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// An action input as the runner passes it to the program: `INPUT_<NAME>`, with the name upper
/// case and spaces replaced by `_` (`github_token` → `INPUT_GITHUB_TOKEN`). Unset and empty are
/// the same: the runner sets every declared input, empty when the workflow gives none.
pub fn input(env: &dyn Env, name: &str) -> Option<String> {
    non_empty(
        env,
        &format!("INPUT_{}", name.replace(' ', "_").to_uppercase()),
    )
}

/// Whether memgate reports to GitHub: `--github`, or on by itself in GitHub Actions.
pub fn on_actions(env: &dyn Env) -> bool {
    env.var("GITHUB_ACTIONS").as_deref() == Some("true")
}

/// A GitHub token. It never prints: `Debug` shows `Token(***)`, there is no `Display`, and
/// [`Token::redact`] takes it out of any text that may have picked it up.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl Token {
    /// A token as given, trimmed. Refused when it holds a character an HTTP header cannot carry
    /// (the message does not repeat it).
    pub fn new(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the GitHub token is empty".into());
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "the GitHub token holds spaces or characters that cannot be sent in a header; \
                 is it the token itself?"
                    .into(),
            );
        }
        Ok(Self(text.to_string()))
    }

    /// The token: from the action input `github_token` (issue 7), else `GITHUB_TOKEN`.
    pub fn from_env(env: &dyn Env) -> Option<Result<Self, String>> {
        input(env, "github_token")
            .or_else(|| non_empty(env, "GITHUB_TOKEN"))
            .map(|text| Self::new(&text))
    }

    /// The secret itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the token replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.0, "***")
    }
}

/// `owner/name` of a repository, checked so that both parts can go into a URL path as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl std::str::FromStr for Repo {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let ok = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match text.split_once('/') {
            Some((owner, name)) if ok(owner) && ok(name) => Ok(Self {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => Err(format!("`{text}` is not a repository (owner/name)")),
        }
    }
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// The pull request an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub base_sha: Option<String>,
    pub head_sha: Option<String>,
}

/// A `workflow_run` event: the run of another workflow that has finished. Its fields come from
/// GitHub, not from the pull request's code, so they are what `memgate comment` trusts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkflowRun {
    pub id: Option<u64>,
    /// The event that started the run (`pull_request` for the fork-safe pattern).
    pub event: Option<String>,
    /// The commit the run measured: for a pull request, the head of its branch.
    pub head_sha: Option<String>,
    pub head_branch: Option<String>,
    /// Owner of the repository the head branch is in (the fork's, for a fork).
    pub head_owner: Option<String>,
    /// Pull requests GitHub lists for the run (empty for pull requests from forks).
    pub pull_requests: Vec<u64>,
}

/// What GitHub Actions tells memgate about the job it runs in.
#[derive(Debug, Clone)]
pub struct Context {
    /// `GITHUB_ACTIONS=true`.
    pub on_actions: bool,
    pub event_name: Option<String>,
    pub repo: Option<Repo>,
    /// The pull request of a `pull_request`/`pull_request_target` event (or `GITHUB_REF`
    /// `refs/pull/N/merge`).
    pub pull_request: Option<PullRequest>,
    pub workflow_run: Option<WorkflowRun>,
    /// `GITHUB_SHA`: for a `pull_request` event, the test merge commit.
    pub sha: Option<String>,
    /// The REST API's base, without a trailing `/` (`https://HOST/api/v3` on GitHub Enterprise);
    /// or why `GITHUB_API_URL` is refused (the token is sent to no other place instead).
    pub api_url: Result<String, String>,
    pub server_url: String,
    /// The page of this workflow run, where the job summary is.
    pub run_url: Option<String>,
    pub token: Option<Token>,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub workspace: Option<PathBuf>,
    pub runner_temp: Option<PathBuf>,
    /// Problems met while reading (an unreadable event file, a bad token): warnings, never errors.
    pub warnings: Vec<String>,
}

impl Context {
    /// Reads the environment and the event payload it points to.
    pub fn from_env(env: &dyn Env) -> Self {
        let mut warnings = Vec::new();
        let event_name = non_empty(env, "GITHUB_EVENT_NAME");
        let event = match non_empty(env, "GITHUB_EVENT_PATH") {
            Some(path) => match read_event(&path) {
                Ok(event) => Some(event),
                Err(err) => {
                    warnings.push(err);
                    None
                }
            },
            None => None,
        };
        let repo = non_empty(env, "GITHUB_REPOSITORY")
            .or_else(|| {
                event.as_ref().and_then(|e| {
                    e.pointer("/repository/full_name")
                        .and_then(Value::as_str)
                        .map(String::from)
                })
            })
            .and_then(|text| match text.parse::<Repo>() {
                Ok(repo) => Some(repo),
                Err(err) => {
                    warnings.push(err);
                    None
                }
            });
        let pull_request = event
            .as_ref()
            .and_then(pull_request_of)
            .or_else(|| pull_request_from_ref(env.var("GITHUB_REF").as_deref()));
        let workflow_run = event.as_ref().and_then(workflow_run_of);
        let api_url = match non_empty(env, "GITHUB_API_URL") {
            Some(url) => api_url(&url),
            None => Ok(DEFAULT_API_URL.to_string()),
        };
        let server_url = non_empty(env, "GITHUB_SERVER_URL")
            .map(|url| url.trim_end_matches('/').to_string())
            .unwrap_or_else(|| DEFAULT_SERVER_URL.to_string());
        let run_url = match (&repo, non_empty(env, "GITHUB_RUN_ID")) {
            (Some(repo), Some(id)) if id.chars().all(|c| c.is_ascii_digit()) => {
                Some(format!("{server_url}/{repo}/actions/runs/{id}"))
            }
            _ => None,
        };
        let token = match Token::from_env(env) {
            Some(Ok(token)) => Some(token),
            Some(Err(err)) => {
                warnings.push(err);
                None
            }
            None => None,
        };
        let path = |name: &str| non_empty(env, name).map(PathBuf::from);
        Self {
            on_actions: on_actions(env),
            event_name,
            repo,
            pull_request,
            workflow_run,
            sha: non_empty(env, "GITHUB_SHA"),
            api_url,
            server_url,
            run_url,
            token,
            step_summary: path("GITHUB_STEP_SUMMARY"),
            output: path("GITHUB_OUTPUT"),
            workspace: path("GITHUB_WORKSPACE"),
            runner_temp: path("RUNNER_TEMP"),
            warnings,
        }
    }
}

/// `GITHUB_API_URL` checked: `https://HOST[:PORT][/PATH]`, or `http://` to this machine
/// (`127.0.0.1`, `localhost`, `[::1]`: a local fake, a proxy), with no user, query or fragment.
/// Only the shape is checked: any host may be a GitHub Enterprise Server.
pub fn api_url(text: &str) -> Result<String, String> {
    let refuse = |why: &str| {
        Err(format!(
            "GITHUB_API_URL `{text}` {why}; the token is not sent anywhere else instead. Set it \
             to the REST API's base: https://api.github.com, or https://HOST/api/v3 for GitHub \
             Enterprise Server"
        ))
    };
    let Ok(uri) = text.parse::<http::Uri>() else {
        return refuse("is not a URL");
    };
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return refuse("is not an absolute URL");
    };
    let host = authority.host();
    let local = ["127.0.0.1", "localhost", "[::1]"].contains(&host);
    match scheme {
        "https" => {}
        "http" if local => {}
        "http" => return refuse("is plain http (allowed only to 127.0.0.1 or localhost)"),
        _ => return refuse("is not an https:// URL"),
    }
    if host.is_empty() || authority.as_str().contains('@') {
        return refuse("does not name a host alone (no user or password)");
    }
    if uri.query().is_some() {
        return refuse("has a query");
    }
    Ok(text.trim_end_matches('/').to_string())
}

fn read_event(path: &str) -> Result<Value, String> {
    let size = std::fs::metadata(path)
        .map_err(|err| format!("cannot read the event file {path}: {err}"))?
        .len();
    if size > MAX_EVENT_BYTES {
        return Err(format!(
            "the event file {path} is {size} bytes; not reading it"
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|err| format!("cannot read the event file {path}: {err}"))?;
    serde_json::from_slice(&bytes)
        .map_err(|err| format!("the event file {path} is not JSON: {err}"))
}

fn string_at(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(String::from)
}

/// `pull_request` of a `pull_request`, `pull_request_target` or `pull_request_review` event.
fn pull_request_of(event: &Value) -> Option<PullRequest> {
    let pr = event.get("pull_request")?;
    Some(PullRequest {
        number: pr.get("number")?.as_u64()?,
        base_sha: string_at(pr, "/base/sha"),
        head_sha: string_at(pr, "/head/sha"),
    })
}

/// `refs/pull/N/merge` (or `/head`): a pull request whose event payload says nothing more.
fn pull_request_from_ref(reference: Option<&str>) -> Option<PullRequest> {
    let rest = reference?.strip_prefix("refs/pull/")?;
    let (number, _) = rest.split_once('/')?;
    Some(PullRequest {
        number: number.parse().ok()?,
        base_sha: None,
        head_sha: None,
    })
}

fn workflow_run_of(event: &Value) -> Option<WorkflowRun> {
    let run = event.get("workflow_run")?;
    Some(WorkflowRun {
        id: run.get("id").and_then(Value::as_u64),
        event: string_at(run, "/event"),
        head_sha: string_at(run, "/head_sha"),
        head_branch: string_at(run, "/head_branch"),
        head_owner: string_at(run, "/head_repository/owner/login"),
        pull_requests: run
            .get("pull_requests")
            .and_then(Value::as_array)
            .map(|prs| {
                prs.iter()
                    .filter(|pr| {
                        // Only pull requests whose head is the commit that was measured.
                        match (pr.pointer("/head/sha"), run.get("head_sha")) {
                            (Some(a), Some(b)) => a == b,
                            _ => true,
                        }
                    })
                    .filter_map(|pr| pr.get("number").and_then(Value::as_u64))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Whether `text` looks like a full commit id (SHA-1 or SHA-256, hex), so that it may go into a
/// URL.
pub fn is_commit_id(text: &str) -> bool {
    (text.len() == 40 || text.len() == 64) && text.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_a_pull_request_event() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(
            &event,
            r#"{"pull_request": {"number": 42, "base": {"sha": "b"}, "head": {"sha": "h"}},
                "repository": {"full_name": "acme/ml"}}"#,
        )
        .unwrap();
        let ctx = Context::from_env(&env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_API_URL", "https://ghe.example/api/v3/"),
            ("GITHUB_RUN_ID", "7"),
            ("GITHUB_TOKEN", " secret-token \n"),
        ]));
        assert!(ctx.on_actions);
        assert_eq!(ctx.repo.as_ref().unwrap().to_string(), "acme/ml");
        assert_eq!(
            ctx.pull_request,
            Some(PullRequest {
                number: 42,
                base_sha: Some("b".into()),
                head_sha: Some("h".into())
            })
        );
        assert_eq!(ctx.api_url.as_deref(), Ok("https://ghe.example/api/v3"));
        assert_eq!(
            ctx.run_url.as_deref(),
            Some("https://github.com/acme/ml/actions/runs/7")
        );
        assert_eq!(ctx.token.as_ref().unwrap().expose(), "secret-token");
        assert_eq!(format!("{:?}", ctx.token), "Some(Token(***))");
        assert!(ctx.warnings.is_empty(), "{:?}", ctx.warnings);
    }

    #[test]
    fn outside_a_pull_request_there_is_none() {
        let ctx = Context::from_env(&env(&[
            ("GITHUB_REPOSITORY", "acme/ml"),
            ("GITHUB_REF", "refs/heads/main"),
        ]));
        assert!(ctx.pull_request.is_none());
        assert_eq!(ctx.api_url.as_deref(), Ok(DEFAULT_API_URL));
        let ctx = Context::from_env(&env(&[("GITHUB_REF", "refs/pull/9/merge")]));
        assert_eq!(ctx.pull_request.unwrap().number, 9);
    }

    #[test]
    fn the_input_wins_over_github_token_and_empty_inputs_are_absent() {
        let both = env(&[("INPUT_GITHUB_TOKEN", "from-input"), ("GITHUB_TOKEN", "t")]);
        assert_eq!(
            Token::from_env(&both).unwrap().unwrap().expose(),
            "from-input"
        );
        let empty = env(&[("INPUT_GITHUB_TOKEN", ""), ("GITHUB_TOKEN", "t")]);
        assert_eq!(Token::from_env(&empty).unwrap().unwrap().expose(), "t");
        assert_eq!(
            input(&env(&[("INPUT_BASELINE_REF", "main")]), "baseline ref"),
            Some("main".into())
        );
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused_without_repeating_it() {
        let err = Token::new("abc def").unwrap_err();
        assert!(!err.contains("abc"));
        assert_eq!(
            Token::new("abc").unwrap().redact("x abc y abc"),
            "x *** y ***"
        );
    }

    #[test]
    fn an_api_url_that_is_not_https_is_refused_not_replaced() {
        let ctx = Context::from_env(&env(&[("GITHUB_API_URL", "ftp://ghe.example/api/v3")]));
        let err = ctx.api_url.unwrap_err();
        assert!(
            err.contains("GITHUB_API_URL `ftp://ghe.example/api/v3`"),
            "{err}"
        );
        assert!(err.contains("https://"), "{err}");
        for bad in [
            "ftp://ghe.example",
            "http://api.github.com",
            "http://127.0.0.1.evil.example/api",
            "https://api.github.com@evil.example",
            "https://user:pw@ghe.example/api/v3",
            "https://ghe.example/api/v3?x=1",
            "api.github.com",
            "/api/v3",
            "https://",
            "https://ghe example",
            "file:///etc/passwd",
        ] {
            assert!(api_url(bad).is_err(), "{bad}");
        }
        for (good, base) in [
            ("https://api.github.com/", "https://api.github.com"),
            // Any host may be a GitHub Enterprise Server: only the shape is checked.
            (
                "https://api.github.com.evil.example",
                "https://api.github.com.evil.example",
            ),
            (
                "https://ghe.example:8443/api/v3",
                "https://ghe.example:8443/api/v3",
            ),
            ("http://127.0.0.1:4567", "http://127.0.0.1:4567"),
            (
                "http://localhost:4567/api/v3",
                "http://localhost:4567/api/v3",
            ),
            ("http://[::1]:4567", "http://[::1]:4567"),
        ] {
            assert_eq!(api_url(good).as_deref(), Ok(base), "{good}");
        }
    }

    #[test]
    fn repositories_are_checked() {
        assert!("acme/ml.py".parse::<Repo>().is_ok());
        for bad in ["acme", "acme/", "/ml", "a/b/c", "a/../b", "a/b?x", "a/.."] {
            assert!(bad.parse::<Repo>().is_err(), "{bad}");
        }
    }

    #[test]
    fn workflow_run_events_name_the_measured_head() {
        let event: Value = serde_json::from_str(
            r#"{"workflow_run": {"id": 5, "event": "pull_request", "head_sha": "abc",
                "head_branch": "fix", "head_repository": {"owner": {"login": "fork"}},
                "pull_requests": [{"number": 3, "head": {"sha": "abc"}},
                                  {"number": 4, "head": {"sha": "old"}}]}}"#,
        )
        .unwrap();
        let run = workflow_run_of(&event).unwrap();
        assert_eq!(run.pull_requests, vec![3]);
        assert_eq!(run.head_owner.as_deref(), Some("fork"));
        assert_eq!(run.head_sha.as_deref(), Some("abc"));
    }
}
