//! A local fake of the GitHub REST API for the `github_*` tests: real HTTP on 127.0.0.1
//! (wiremock), with state — issue comments (paginated with `Link` headers as GitHub does), pull
//! requests, commits — and faults to inject: a status instead of the operation, or the operation
//! done and a failure answered (the ambiguous case).

#![allow(dead_code)] // each test file uses a part

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use memgate::results::{
    Aggregate, BenchmarkResult, BudgetFigures, Environment, Method as MeasureMethod, Results,
    Status, Subject, Verdict,
};
use memgate::testing;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const TOKEN: &str = "ghs_memgateTestToken0123456789abcdefXYZ";
pub const BOT: &str = "github-actions[bot]";
pub const OWNER: &str = "acme";
pub const REPO: &str = "ml";
pub const PR: u64 = 7;
pub const HEAD_SHA: &str = "1111111111111111111111111111111111111111";
pub const MERGE_SHA: &str = "2222222222222222222222222222222222222222";
pub const BASE_SHA: &str = "3333333333333333333333333333333333333333";

#[derive(Debug, Clone)]
pub struct StoredComment {
    pub id: u64,
    pub login: String,
    pub body: String,
}

/// What to do instead of (or after) the operation of one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this, do nothing.
    Answer {
        status: u16,
        body: Value,
        headers: Vec<(String, String)>,
    },
    /// Do the operation, then answer this status (GitHub's frontend failed after the backend
    /// did the work).
    DoThenAnswer(u16),
    /// Answer this status with the request's `Authorization` header in the message (a server
    /// that echoes what it got: the token must still not be printed).
    EchoAuthorization(u16),
}

#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub body: Option<Value>,
}

#[derive(Debug, Default)]
pub struct State {
    pub comments: Vec<StoredComment>,
    next_id: u64,
    /// Faults, each used once, for the first request whose method and path match.
    faults: VecDeque<(String, String, Fault)>,
    pub log: Vec<Logged>,
    /// Who the token is: the author of what it posts, and `/user`'s answer (None: 403, as
    /// for the `GITHUB_TOKEN` of Actions).
    pub actor: String,
    pub user_endpoint: bool,
    /// Pull requests: number → (head sha, merge commit sha, head label `owner:branch`).
    pub pulls: BTreeMap<u64, (String, Option<String>, String)>,
    /// Commits: sha → parents.
    pub commits: BTreeMap<String, Vec<String>>,
}

pub struct FakeGitHub {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    /// "" for github.com, "/api/v3" for GitHub Enterprise Server.
    pub prefix: String,
}

impl FakeGitHub {
    pub async fn start() -> Self {
        Self::start_at("").await
    }

    /// A fake whose API lives under `prefix` (GitHub Enterprise Server: `/api/v3`); anything
    /// outside it is a 404.
    pub async fn start_at(prefix: &str) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            actor: BOT.to_string(),
            ..State::default()
        }));
        state.lock().unwrap().pulls.insert(
            PR,
            (
                HEAD_SHA.to_string(),
                Some(MERGE_SHA.to_string()),
                "contributor:fix-leak".to_string(),
            ),
        );
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
                prefix: prefix.to_string(),
                base: format!("{}{prefix}", server.uri()),
            })
            .mount(&server)
            .await;
        Self {
            server,
            state,
            prefix: prefix.to_string(),
        }
    }

    /// `GITHUB_API_URL` for this fake.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.server.uri(), self.prefix)
    }

    /// Adds a comment as if `login` had posted it; returns its id.
    pub fn add_comment(&self, login: &str, body: &str) -> u64 {
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        let id = state.next_id;
        state.comments.push(StoredComment {
            id,
            login: login.to_string(),
            body: body.to_string(),
        });
        id
    }

    pub fn fail_next(&self, method: &str, path_contains: &str, fault: Fault) {
        self.state.lock().unwrap().faults.push_back((
            method.to_string(),
            path_contains.to_string(),
            fault,
        ));
    }

    pub fn comments(&self) -> Vec<StoredComment> {
        self.state.lock().unwrap().comments.clone()
    }

    /// Comments with the marker.
    pub fn memgate_comments(&self) -> Vec<StoredComment> {
        self.comments()
            .into_iter()
            .filter(|c| c.body.contains("<!-- memgate:report -->"))
            .collect()
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    /// Requests that change something (POST, PATCH, DELETE).
    pub fn writes(&self) -> Vec<Logged> {
        self.log()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }

    pub fn count(&self, method: &str) -> usize {
        self.log().iter().filter(|r| r.method == method).count()
    }
}

struct Responder {
    state: Arc<Mutex<State>>,
    prefix: String,
    base: String,
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest"
    }))
}

fn comment_json(base: &str, c: &StoredComment) -> Value {
    json!({
        "id": c.id,
        "body": c.body,
        "user": { "login": c.login, "type": "Bot" },
        "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/{PR}#issuecomment-{}", c.id),
        "url": format!("{base}/repos/{OWNER}/{REPO}/issues/comments/{}", c.id),
    })
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        let full_path = request.url.path().to_string();
        let query = request.url.query().unwrap_or("").to_string();
        let method = request.method.as_str().to_string();
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        state.log.push(Logged {
            method: method.clone(),
            path: full_path.clone(),
            query: query.clone(),
            authorization: authorization.clone(),
            body: request.body_json().ok(),
        });
        let Some(path) = full_path.strip_prefix(&self.prefix) else {
            return error(404, "Not Found");
        };
        if authorization.as_deref() != Some(&format!("Bearer {TOKEN}")) {
            return error(401, "Bad credentials");
        }
        let fault = state
            .faults
            .iter()
            .position(|(m, p, _)| *m == method && path.contains(p.as_str()))
            .and_then(|i| state.faults.remove(i))
            .map(|(_, _, fault)| fault);
        let answer_after = match fault {
            Some(Fault::Answer {
                status,
                body,
                headers,
            }) => {
                let mut response = ResponseTemplate::new(status).set_body_json(body);
                for (name, value) in headers {
                    response = response.insert_header(name.as_str(), value.as_str());
                }
                return response;
            }
            Some(Fault::EchoAuthorization(status)) => {
                return error(
                    status,
                    &format!(
                        "Resource not accessible by integration (you sent {})",
                        authorization.unwrap_or_default()
                    ),
                );
            }
            Some(Fault::DoThenAnswer(status)) => Some(status),
            None => None,
        };
        let response = route(&mut state, &self.base, &method, path, &query, request);
        match answer_after {
            Some(status) => error(status, "Bad Gateway"),
            None => response,
        }
    }
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

fn route(
    state: &mut State,
    base: &str,
    method: &str,
    path: &str,
    query: &str,
    request: &Request,
) -> ResponseTemplate {
    let mut parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    // GitHub's `Link` headers name the repository by id: /repositories/1/….
    if parts.len() >= 2 && parts[0] == "repositories" && parts[1] == "1" {
        parts.splice(0..2, ["repos", OWNER, REPO]);
    }
    let repo_ok = parts.len() >= 3 && parts[0] == "repos" && parts[1] == OWNER && parts[2] == REPO;
    match (method, parts.as_slice()) {
        ("GET", ["user"]) => {
            if state.user_endpoint {
                ResponseTemplate::new(200).set_body_json(json!({ "login": state.actor }))
            } else {
                error(403, "Resource not accessible by integration")
            }
        }
        (_, [_, _, _, ..]) if !repo_ok => error(404, "Not Found"),
        ("GET", [_, _, _, "issues", number, "comments"]) if number.parse() == Ok(PR) => {
            let per_page: usize = query_param(query, "per_page")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30)
                .clamp(1, 100);
            let page: usize = query_param(query, "page")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1)
                .max(1);
            let total = state.comments.len();
            let pages = total.div_ceil(per_page).max(1);
            let items: Vec<Value> = state
                .comments
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|c| comment_json(base, c))
                .collect();
            let link = |p: usize, rel: &str| {
                format!(
                    "<{base}/repositories/1/issues/{PR}/comments?per_page={per_page}&page={p}>; rel=\"{rel}\""
                )
            };
            let mut links = Vec::new();
            if page > 1 {
                links.push(link(page - 1, "prev"));
            }
            if page < pages {
                links.push(link(page + 1, "next"));
                links.push(link(pages, "last"));
            }
            if page > 1 {
                links.push(link(1, "first"));
            }
            let mut response = ResponseTemplate::new(200).set_body_json(Value::Array(items));
            if !links.is_empty() {
                response = response.insert_header("link", links.join(", ").as_str());
            }
            response
        }
        ("POST", [_, _, _, "issues", number, "comments"]) if number.parse() == Ok(PR) => {
            let Some(body) = request
                .body_json::<Value>()
                .ok()
                .and_then(|v| v["body"].as_str().map(String::from))
            else {
                return error(422, "Invalid request");
            };
            if body.chars().count() > 65_536 {
                return too_long();
            }
            state.next_id += 1;
            let comment = StoredComment {
                id: state.next_id,
                login: state.actor.clone(),
                body,
            };
            let json = comment_json(base, &comment);
            state.comments.push(comment);
            ResponseTemplate::new(201).set_body_json(json)
        }
        (verb @ ("PATCH" | "DELETE"), [_, _, _, "issues", "comments", id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return error(404, "Not Found");
            };
            let Some(index) = state.comments.iter().position(|c| c.id == id) else {
                return error(404, "Not Found");
            };
            if state.comments[index].login != state.actor {
                return error(403, "You cannot edit another user's comment");
            }
            if verb == "DELETE" {
                state.comments.remove(index);
                return ResponseTemplate::new(204);
            }
            let Some(body) = request
                .body_json::<Value>()
                .ok()
                .and_then(|v| v["body"].as_str().map(String::from))
            else {
                return error(422, "Invalid request");
            };
            if body.chars().count() > 65_536 {
                return too_long();
            }
            state.comments[index].body = body;
            ResponseTemplate::new(200).set_body_json(comment_json(base, &state.comments[index]))
        }
        ("GET", [_, _, _, "pulls", number]) => match number
            .parse::<u64>()
            .ok()
            .and_then(|n| state.pulls.get(&n).map(|p| (n, p.clone())))
        {
            Some((n, (head, merge, label))) => ResponseTemplate::new(200).set_body_json(json!({
                "number": n,
                "state": "open",
                "head": { "sha": head, "label": label },
                "base": { "sha": BASE_SHA },
                "merge_commit_sha": merge,
            })),
            None => error(404, "Not Found"),
        },
        ("GET", [_, _, _, "pulls"]) => {
            let head = query_param(query, "head")
                .map(|h| h.replace("%3A", ":").replace("%2F", "/"))
                .unwrap_or_default();
            let list: Vec<Value> = state
                .pulls
                .iter()
                .filter(|(_, (_, _, label))| head.is_empty() || *label == head)
                .map(|(n, (sha, _, label))| {
                    json!({ "number": n, "head": { "sha": sha, "label": label } })
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(Value::Array(list))
        }
        ("GET", [_, _, _, "commits", sha]) => match state.commits.get(*sha) {
            Some(parents) => ResponseTemplate::new(200).set_body_json(json!({
                "sha": sha,
                "parents": parents.iter().map(|p| json!({ "sha": p })).collect::<Vec<_>>(),
            })),
            None => error(422, "No commit found for SHA"),
        },
        _ => error(404, "Not Found"),
    }
}

fn too_long() -> ResponseTemplate {
    ResponseTemplate::new(422).set_body_json(json!({
        "message": "Validation Failed",
        "errors": [{ "resource": "IssueComment", "code": "custom", "field": "body",
                     "message": "body is too long (maximum is 65536 characters)" }],
        "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
    }))
}

/// Results of `n` benchmarks, the first of which has `status`.
pub fn results(n: usize, status: Status) -> Results {
    let environment = Environment {
        git_sha: Some(HEAD_SHA.into()),
        ..testing::environment(MeasureMethod::Sampled)
    };
    let benchmarks = (0..n)
        .map(|i| {
            benchmark(
                &format!("bench-{i}"),
                if i == 0 { status } else { Status::Pass },
                (100 + i as u64) << 20,
            )
        })
        .collect();
    testing::results(environment, benchmarks)
}

/// A benchmark with `status` and `peak` as its verdict and figures, and no runs.
pub fn benchmark(name: &str, status: Status, peak: u64) -> BenchmarkResult {
    let subject = Subject {
        name: name.into(),
        command: "python3 train.py".into(),
        config_line: Some(3),
        budget: Some(BudgetFigures {
            peak_bytes: Some(1 << 30),
            growth_bytes_per_sec: None,
            ..testing::budget(None)
        }),
        ..Subject::default()
    };
    let figures = Aggregate {
        peak_bytes: peak,
        peak_total_bytes: peak,
        steady_bytes: peak / 2,
        growth_bytes_per_sec: 0.0,
        growth: memgate::results::GrowthJudgement::NoTrend { runs: 1 },
        duration_secs: 1.0,
        peak_spread_bytes: (peak, peak),
        phases: vec![],
    };
    let verdict = Verdict {
        status,
        reason: (!status.passes()).then(|| format!("peak {peak} B exceeds budget 1 B")),
        checks: vec![],
    };
    BenchmarkResult::judged(subject, MeasureMethod::Sampled, vec![], &figures, verdict)
}

/// Variables of the GitHub Actions environment (and inputs) inherited from the machine that
/// runs the tests: removed from every command, so that only what a test sets is seen.
pub fn inherited_github_vars() -> Vec<String> {
    std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| {
            k.starts_with("GITHUB_")
                || k.starts_with("INPUT_")
                || k.starts_with("RUNNER_")
                || k == "ACTIONS_RUNTIME_TOKEN"
                || k == "CI"
        })
        .collect()
}
