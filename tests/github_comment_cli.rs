//! `memgate comment RESULTS.json [--pr N]` end to end, as a `workflow_run` workflow runs it: the
//! results file is untrusted (it came from a fork's artifact), the event is GitHub's.

mod github_support;

use std::path::PathBuf;
use std::process::Command;

use github_support::*;
use memgate::results::Status;
use serde_json::{Value, json};

struct Job {
    dir: tempfile::TempDir,
    api_url: String,
}

/// The `workflow_run` event of the measuring workflow's run for the fork's pull request: GitHub
/// lists no pull request for a fork; the head is `contributor:fix-leak` at `head_sha`.
fn workflow_run_event(head_sha: &str) -> Value {
    json!({
        "action": "completed",
        "workflow_run": {
            "id": 31337,
            "event": "pull_request",
            "conclusion": "failure",
            "head_sha": head_sha,
            "head_branch": "fix-leak",
            "head_repository": { "full_name": "contributor/ml", "owner": { "login": "contributor" } },
            "pull_requests": [],
        },
        "repository": { "full_name": format!("{OWNER}/{REPO}") },
    })
}

impl Job {
    fn new(api_url: String, event: &Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("event.json"), event.to_string()).unwrap();
        Self { dir, api_url }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write_results(&self, results: &memgate::results::Results) {
        results.write_atomic(&self.path("results.json")).unwrap();
    }

    fn memgate(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgate"));
        for var in inherited_github_vars() {
            cmd.env_remove(var);
        }
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "workflow_run")
            .env("GITHUB_EVENT_PATH", self.path("event.json"))
            .env("GITHUB_API_URL", &self.api_url)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output.txt"));
        cmd
    }
}

async fn run(mut cmd: Command) -> (i32, String) {
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(TOKEN), "the token was printed:\n{all}");
    (out.status.code().unwrap_or(-1), all)
}

fn results_at(sha: &str) -> memgate::results::Results {
    let mut results = results(2, Status::Fail);
    results.environment.git_sha = Some(sha.to_string());
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forks_results_are_posted_on_its_pull_request() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));
    // actions/checkout measured the test merge commit.
    job.write_results(&results_at(MERGE_SHA));
    let (code, out) = run(job.memgate(&["comment", "results.json"])).await;
    assert_eq!(code, 0, "{out}");
    let mine = fake.memgate_comments();
    assert_eq!(mine.len(), 1, "{out}");
    assert!(mine[0].body.contains("bench-0"));
    // Found through the fork's head, not a number from the artifact.
    assert!(
        fake.log()
            .iter()
            .any(|r| r.path.ends_with("/pulls") && r.query.contains("head=contributor%3Afix-leak")),
        "{:?}",
        fake.log()
    );
    let output = std::fs::read_to_string(job.path("output.txt")).unwrap();
    assert!(
        output.contains("https://github.com/acme/ml/pull/7#issuecomment-"),
        "{output}"
    );
    assert!(
        std::fs::read_to_string(job.path("summary.md"))
            .unwrap()
            .contains("bench-0")
    );

    // Again: the same comment, not a second one.
    let (code, out) = run(job.memgate(&["comment", "results.json"])).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(fake.memgate_comments().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_of_another_commit_are_refused() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));
    job.write_results(&results_at("4444444444444444444444444444444444444444"));
    let (code, out) = run(job.memgate(&["comment", "results.json", "--pr", "7"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("neither the head of pull request #7"), "{out}");
    assert!(fake.writes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_merge_remade_since_is_accepted_by_its_parent() {
    let fake = FakeGitHub::start().await;
    let remade = "6666666666666666666666666666666666666666";
    fake.state.lock().unwrap().commits.insert(
        remade.to_string(),
        vec![BASE_SHA.to_string(), HEAD_SHA.to_string()],
    );
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));
    job.write_results(&results_at(remade));
    let (code, out) = run(job.memgate(&["comment", "results.json"])).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(fake.memgate_comments().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_of_a_pull_request_that_moved_on_are_not_posted() {
    let fake = FakeGitHub::start().await;
    // The run measured an older head; the pull request has been pushed to since. The number
    // from the (untrusted) artifact does not help: the head is checked against the event.
    let old = "5555555555555555555555555555555555555555";
    let job = Job::new(fake.api_url(), &workflow_run_event(old));
    job.write_results(&results_at(old));
    let (code, out) = run(job.memgate(&["comment", "results.json", "--pr", "7"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("::warning title=memgate::pull request #7 is at"),
        "{out}"
    );
    assert!(fake.writes().is_empty());
    // Without --pr: no open pull request has that head.
    let (code, out) = run(job.memgate(&["comment", "results.json"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(fake.writes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_files_are_validated_before_anything_is_sent() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));

    // Over the size cap (a sparse file: nothing is read).
    let big = std::fs::File::create(job.path("big.json")).unwrap();
    big.set_len(65 << 20).unwrap();
    let (code, out) = run(job.memgate(&["comment", "big.json"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("at most"), "{out}");

    // Another schema.
    std::fs::write(job.path("other.json"), r#"{"schema": "evil/1"}"#).unwrap();
    let (code, out) = run(job.memgate(&["comment", "other.json"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("schema"), "{out}");

    // A commit id that is something else (it would go into a URL).
    let mut results = results_at(HEAD_SHA);
    results.environment.git_sha = Some("../../../user?".into());
    job.write_results(&results);
    let (code, out) = run(job.memgate(&["comment", "results.json"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not a commit id"), "{out}");

    assert!(fake.log().is_empty(), "{:?}", fake.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_escaped_and_the_status_is_the_benchmarks() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));
    let mut results = results_at(HEAD_SHA);
    results.benchmarks[0].name = "<img src=x onerror=alert(1)> @org/everyone #1".into();
    results.benchmarks[0].reason = Some("</details><script>steal()</script> cc @admin".into());
    // The file claims a pass; its benchmarks say otherwise.
    let json = results.to_json();
    let claims_pass = json.replacen("\"status\": \"fail\"", "\"status\": \"pass\"", 1);
    assert_ne!(claims_pass, json);
    std::fs::write(job.path("results.json"), claims_pass).unwrap();
    let (code, out) = run(job.memgate(&["comment", "results.json"])).await;
    assert_eq!(code, 0, "{out}");
    let body = &fake.memgate_comments()[0].body;
    for raw in [
        "<img",
        "<script>",
        "</details><script>",
        "@admin",
        "@org/everyone",
    ] {
        let outside: String = body
            .lines()
            .flat_map(|line| {
                line.split('`')
                    .step_by(2)
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .filter(|part| !part.contains("xychart") && !part.contains("x-axis"))
            .collect();
        assert!(!outside.contains(raw), "`{raw}` outside code in:\n{body}");
    }
    let output = std::fs::read_to_string(job.path("output.txt")).unwrap();
    assert!(output.contains("\nfail\n"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_run_of_a_push_has_nothing_to_comment_on() {
    let fake = FakeGitHub::start().await;
    let mut event = workflow_run_event(HEAD_SHA);
    event["workflow_run"]["event"] = json!("push");
    let job = Job::new(fake.api_url(), &event);
    job.write_results(&results_at(HEAD_SHA));
    let (code, out) = run(job.memgate(&["comment", "results.json"])).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("not a pull request"), "{out}");
    assert!(fake.writes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_comment_fails_the_comment_command() {
    let fake = FakeGitHub::start().await;
    fake.fail_next("POST", "/comments", Fault::EchoAuthorization(403));
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));
    job.write_results(&results_at(HEAD_SHA));
    let (code, out) = run(job.memgate(&["comment", "results.json"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("pull-requests: write"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_that_name_no_commit_are_posted_only_when_allowed() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));
    let mut results = results(1, Status::Fail);
    results.environment.git_sha = None;
    job.write_results(&results);
    let (code, out) = run(job.memgate(&["comment", "results.json", "--pr", "7"])).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("environment.git_sha"), "{out}");
    assert!(out.contains("--allow-unverified"), "{out}");
    assert!(fake.log().is_empty(), "{:?}", fake.log());

    let (code, out) =
        run(job.memgate(&["comment", "results.json", "--pr", "7", "--allow-unverified"])).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(fake.memgate_comments().len(), 1, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_results_file_starts_no_workflow_command() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));
    let hostile = [
        "x\n::warning::pwned",
        "x\r::add-mask::pwned",
        "x ##[add-mask]pwned",
        "x\u{1b}]8;;https://evil.example\u{7}pwned\u{202e}",
    ];
    // Each as the `schema`, and as an enum value (a benchmark's `status`).
    let mut files: Vec<String> = hostile
        .iter()
        .map(|value| json!({ "schema": value }).to_string())
        .collect();
    let valid = results_at(HEAD_SHA).to_json();
    for value in hostile {
        let status = format!("\"status\": {}", serde_json::to_string(value).unwrap());
        let file = valid.replacen("\"status\": \"fail\"", &status, 2);
        assert_ne!(file, valid);
        files.push(file);
    }
    for file in &files {
        std::fs::write(job.path("hostile.json"), file).unwrap();
        let (code, out) = run(job.memgate(&["comment", "hostile.json"])).await;
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("pwned"), "the value is shown: {out}");
        // The runner splits lines at \r and \n, and trims leading spaces before `::`.
        for line in out.split(['\n', '\r']) {
            assert!(!line.trim_start().starts_with("::"), "{line:?} in {out:?}");
            assert!(!line.contains("##["), "{line:?} in {out:?}");
        }
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{out:?}"
        );
    }
    std::fs::write(job.path("hostile.json"), &files[0]).unwrap();
    let (_, out) = run(job.memgate(&["comment", "hostile.json"])).await;
    assert!(out.contains("x\\n::warning::pwned"), "{out:?}");
    assert!(fake.log().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_url_that_is_not_https_is_refused() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(fake.api_url(), &workflow_run_event(HEAD_SHA));
    job.write_results(&results_at(HEAD_SHA));
    for url in ["ftp://127.0.0.1/api", "http://api.github.com"] {
        let mut cmd = job.memgate(&["comment", "results.json", "--pr", "7"]);
        cmd.env("GITHUB_API_URL", url);
        let (code, out) = run(cmd).await;
        assert_eq!(code, 2, "{url}: {out}");
        assert!(out.contains(&format!("GITHUB_API_URL `{url}`")), "{out}");
        assert!(out.contains("https://api.github.com"), "{out}");
    }
    assert!(fake.log().is_empty());
}

/// The one error sink (`commands::exit_code`) escapes what any command's error quotes: here
/// `report` and `compare`, on a file whose `schema` tries to start workflow commands.
#[test]
fn the_error_sink_of_every_command_starts_no_workflow_command() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("hostile.json");
    let schema = "x\n::add-mask::pwned\r::stop-commands::t ##[warning]w \u{1b}[2J\u{202e}";
    std::fs::write(&hostile, json!({ "schema": schema }).to_string()).unwrap();
    let hostile = hostile.to_str().unwrap();
    for args in [vec!["report", hostile], vec!["compare", hostile, hostile]] {
        let out = Command::new(env!("CARGO_BIN_EXE_memgate"))
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("pwned"), "{args:?}: {text:?}");
        for line in text.split(['\n', '\r']) {
            assert!(!line.trim_start().starts_with("::"), "{line:?} in {text:?}");
            assert!(!line.contains("##["), "{line:?} in {text:?}");
        }
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text:?}"
        );
    }
}
