//! `memgate check` on GitHub, end to end: the binary run with the environment the Actions runner
//! sets (an event file, the API URL of a local fake, a token, the summary and output files), on a
//! tiny config. The fake runs on this test's runtime; the binary runs on a blocking thread.

mod github_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use github_support::*;
use serde_json::json;

/// A failing config: `greedy`'s peak budget (line 12) is far below what `sleep` uses.
const FAILING: &str = "version: 1
benchmarks:
  - name: tiny
    run: sleep 0.1
    runs: 1
    budget:
      peak: 1GiB
  - name: greedy
    run: sleep 0.3
    runs: 1
    budget:
      peak: 1KiB
      steady: 1KiB
";

const PASSING: &str = "version: 1
benchmarks:
  - name: tiny
    run: sleep 0.1
    runs: 1
    budget:
      peak: 1GiB
";

struct Job {
    dir: tempfile::TempDir,
    api_url: String,
}

impl Job {
    fn new(config: &str, api_url: String) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("memgate.yml"), config).unwrap();
        std::fs::create_dir(dir.path().join("runner-temp")).unwrap();
        let job = Self { dir, api_url };
        job.set_event(&json!({
            "action": "synchronize",
            "number": PR,
            "pull_request": {
                "number": PR,
                "head": { "sha": HEAD_SHA, "ref": "fix-leak" },
                "base": { "sha": BASE_SHA, "ref": "main" },
            },
            "repository": { "full_name": format!("{OWNER}/{REPO}") },
        }));
        job
    }

    fn set_event(&self, event: &serde_json::Value) {
        std::fs::write(self.path("event.json"), event.to_string()).unwrap();
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// `memgate ARGS` with a full set of GitHub Actions variables for a `pull_request` event.
    fn memgate(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgate"));
        for var in inherited_github_vars() {
            cmd.env_remove(var);
        }
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", self.path("event.json"))
            .env("GITHUB_API_URL", &self.api_url)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output.txt"))
            .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
            .env("GITHUB_SHA", MERGE_SHA)
            .env("GITHUB_REF", format!("refs/pull/{PR}/merge"))
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_WORKSPACE", self.dir.path())
            .env("RUNNER_TEMP", self.path("runner-temp"));
        cmd
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs the binary off the runtime's worker threads, so that the fake keeps answering.
async fn run(mut cmd: Command) -> Run {
    let out: Output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.all().contains(TOKEN),
        "the token was printed:\n{}",
        run.all()
    );
    run
}

/// `name<<DELIM` … `DELIM` outputs as a map.
fn outputs(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut map = std::collections::BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("heredoc syntax");
        let mut value = Vec::new();
        for line in lines.by_ref() {
            if line == delimiter {
                break;
            }
            value.push(line);
        }
        map.insert(name.to_string(), value.join("\n"));
    }
    map
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_gets_one_comment_a_summary_outputs_and_annotations() {
    let fake = FakeGitHub::start().await;
    fake.add_comment("reviewer", "please check the memory of greedy");
    // The first create fails with a 502 (and did nothing): retried, one comment.
    fake.fail_next(
        "POST",
        "/comments",
        Fault::Answer {
            status: 502,
            body: json!({"message": "Bad Gateway"}),
            headers: vec![],
        },
    );
    let job = Job::new(FAILING, fake.api_url());
    let run1 = run(job.memgate(&["check", "--json", "results.json"])).await;
    assert_eq!(run1.code, 1, "the gate fails:\n{}", run1.all());

    // The comment.
    let mine = fake.memgate_comments();
    assert_eq!(mine.len(), 1, "{:#?}", fake.log());
    assert_eq!(mine[0].login, BOT);
    assert!(mine[0].body.contains("greedy"));
    assert!(
        run1.stderr
            .contains("comment created: https://github.com/acme/ml/pull/7#issuecomment-"),
        "{}",
        run1.stderr
    );

    // The job summary holds the same report.
    let summary = job.read("summary.md");
    assert!(summary.starts_with("<!-- memgate:report -->"), "{summary}");
    assert!(summary.contains("greedy") && summary.contains("tiny"));

    // Step outputs.
    let out = outputs(&job.read("output.txt"));
    assert_eq!(out["status"], "fail");
    assert_eq!(out["results"], "results.json");
    assert!(
        out["comment_url"].starts_with("https://github.com/acme/ml/pull/7#issuecomment-"),
        "{out:?}"
    );

    // An annotation on each budget line that failed, each with every failed check, and a group
    // around each benchmark's runs.
    for (line, metric) in [(12, "peak"), (13, "steady")] {
        let start = format!(
            "::error file=memgate.yml,line={line},title=memgate%3A greedy fail ({metric} budget)::"
        );
        let annotation = run1.stdout.lines().find(|l| l.starts_with(&start));
        let annotation = annotation.unwrap_or_else(|| panic!("{start}\n{}", run1.stdout));
        assert!(
            annotation.contains("peak ")
                && annotation.contains("steady ")
                && annotation.matches("exceeds budget 1.0 KiB").count() == 2,
            "{annotation}"
        );
    }
    assert!(run1.stdout.contains("::group::greedy"), "{}", run1.stdout);
    assert!(
        !run1.stdout.contains("title=memgate%3A tiny"),
        "{}",
        run1.stdout
    );
    assert!(run1.stdout.contains("::group::tiny\n"), "{}", run1.stdout);
    assert!(run1.stdout.contains("::group::greedy\n"), "{}", run1.stdout);
    assert_eq!(run1.stdout.matches("::endgroup::").count(), 2);

    // A second run edits the same comment (or leaves it, if nothing changed): still one.
    let run2 = run(job.memgate(&["check", "--json", "results.json"])).await;
    assert_eq!(run2.code, 1, "{}", run2.all());
    assert_eq!(fake.memgate_comments().len(), 1);
    assert_eq!(fake.memgate_comments()[0].id, mine[0].id);
    assert_eq!(fake.count("POST"), 2, "the 502 and the create; no more");

    // The token is in no file memgate wrote either.
    for file in ["summary.md", "output.txt", "results.json"] {
        assert!(!job.read(file).contains(TOKEN), "{file}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_token_changes_no_exit_code_and_the_summary_is_still_written() {
    for (config, code) in [(PASSING, 0), (FAILING, 1)] {
        let fake = FakeGitHub::start().await;
        // A fork's token: 403, and a server that repeats the Authorization header it got.
        fake.fail_next("POST", "/comments", Fault::EchoAuthorization(403));
        let job = Job::new(config, fake.api_url());
        let run = run(job.memgate(&["check"])).await;
        assert_eq!(run.code, code, "{}", run.all());
        assert!(
            job.read("summary.md").contains("<!-- memgate:report -->"),
            "the summary carries the report"
        );
        let warning = run
            .stdout
            .lines()
            .find(|l| l.starts_with("::warning title=memgate::could not comment"))
            .unwrap_or_else(|| panic!("a warning:\n{}", run.all()));
        assert!(warning.contains("403"), "{warning}");
        assert!(warning.contains("workflow_run"), "{warning}");
        assert!(warning.contains("memgate comment"), "{warning}");
        assert!(
            warning.contains("***"),
            "the echoed token is masked: {warning}"
        );
        assert!(fake.memgate_comments().is_empty());
        let out = outputs(&job.read("output.txt"));
        assert_eq!(out["comment_url"], "");
        // No --json: the results are written for the `results` output all the same.
        assert!(Path::new(&out["results"]).ends_with("runner-temp/memgate-results.json"));
        assert!(Path::new(&out["results"]).exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_a_pull_request_the_summary_and_outputs_are_written_and_nothing_is_sent() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(PASSING, fake.api_url());
    job.set_event(&json!({ "ref": "refs/heads/main", "after": HEAD_SHA }));
    let mut cmd = job.memgate(&["check"]);
    cmd.env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_REF", "refs/heads/main");
    let run = run(cmd).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(fake.log().is_empty(), "{:?}", fake.log());
    assert!(job.read("summary.md").contains("tiny"));
    assert_eq!(outputs(&job.read("output.txt"))["status"], "pass");
    assert!(
        run.stderr.contains("not a pull request: no comment"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_comment_and_policy_never_send_nothing() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(PASSING, fake.api_url());
    for args in [
        &["check", "--no-comment"][..],
        &["check", "--comment", "never"][..],
    ] {
        let run = run(job.memgate(args)).await;
        assert_eq!(run.code, 0, "{}", run.all());
    }
    // The action's `comment` input (issue 7) is read too.
    let mut cmd = job.memgate(&["check"]);
    cmd.env("INPUT_COMMENT", "never");
    assert_eq!(run(cmd).await.code, 0);
    assert!(fake.log().is_empty(), "{:?}", fake.log());
    assert!(job.read("summary.md").contains("tiny"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_enterprise_server_and_the_token_input() {
    let fake = FakeGitHub::start_at("/api/v3").await;
    let job = Job::new(PASSING, fake.api_url());
    let mut cmd = job.memgate(&["check"]);
    // The token from the action input, as a container action gets it (issue 7).
    cmd.env_remove("GITHUB_TOKEN")
        .env("INPUT_GITHUB_TOKEN", TOKEN);
    let run = run(cmd).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(fake.memgate_comments().len(), 1);
    assert!(fake.log().iter().all(|r| r.path.starts_with("/api/v3/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_there_is_a_warning_and_the_same_exit_code() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(FAILING, fake.api_url());
    let mut cmd = job.memgate(&["check"]);
    cmd.env_remove("GITHUB_TOKEN");
    let run = run(cmd).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("::warning title=memgate::no GitHub token"),
        "{}",
        run.all()
    );
    assert!(fake.log().is_empty());
    assert!(job.read("summary.md").contains("greedy"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_a_warning_and_never_printed() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(PASSING, fake.api_url());
    let mut cmd = job.memgate(&["check"]);
    cmd.env("GITHUB_TOKEN", "ghs_wrong_token_456");
    let run = run(cmd).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("401"), "{}", run.all());
    assert!(!run.all().contains("ghs_wrong_token_456"));
    assert!(job.read("summary.md").contains("tiny"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_that_does_not_answer_is_given_up_on() {
    // A port that was listened on and no longer is: connection refused at every try.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let job = Job::new(PASSING, url);
    let started = std::time::Instant::now();
    let run = run(job.memgate(&["check"])).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("::warning title=memgate::could not comment"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("no answer from GitHub"),
        "{}",
        run.all()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert!(job.read("summary.md").contains("tiny"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_url_that_is_not_https_is_a_warning_and_nothing_is_sent() {
    let fake = FakeGitHub::start().await;
    let job = Job::new(FAILING, fake.api_url());
    let mut cmd = job.memgate(&["check"]);
    cmd.env("GITHUB_API_URL", "ftp://127.0.0.1/api");
    let run = run(cmd).await;
    assert_eq!(run.code, 1, "the gate's verdict stands:\n{}", run.all());
    assert!(
        run.stdout.contains(
            "::warning title=memgate::no comment on pull request #7: GITHUB_API_URL `ftp://127.0.0.1/api`"
        ),
        "{}",
        run.all()
    );
    assert!(fake.log().is_empty(), "{:?}", fake.log());
    assert!(job.read("summary.md").contains("greedy"));
}

/// Issue 11, item 8: a report that cannot be written at the end (its folder was replaced by a
/// file during the run) does not cost the job summary, the outputs or the comment; then exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_write_that_fails_at_the_end_still_publishes_then_exits_2() {
    let fake = FakeGitHub::start().await;
    let config = "version: 1
benchmarks:
  - name: tiny
    run: rm -rf out && touch out
    runs: 1
    budget:
      peak: 1GiB
";
    let job = Job::new(config, fake.api_url());
    let run = run(job.memgate(&[
        "check",
        "--json",
        "results.json",
        "--markdown",
        "out/report.md",
    ]))
    .await;
    assert!(
        job.path("out").is_file(),
        "the benchmark did not replace the folder: {}",
        run.all()
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("out/report.md"), "{}", run.stderr);
    assert!(job.read("summary.md").contains("tiny"), "no job summary");
    assert_eq!(outputs(&job.read("output.txt"))["status"], "pass");
    assert_eq!(fake.memgate_comments().len(), 1, "{:#?}", fake.log());
}
