//! The pull-request comment against a local fake of GitHub's REST API (real HTTP): found by
//! marker and author across pages, updated in place, created when absent, retried, capped.

mod github_support;

use std::time::{Duration, Instant};

use github_support::*;
use memgate::config::CommentPolicy;
use memgate::github::api::{Api, ApiError, Timing};
use memgate::github::comment::{self, MARKER, MAX_BODY_CHARS, Posted, Upsert};
use memgate::github::{Repo, Token};
use memgate::results::{Results, Status};
use serde_json::json;

fn fast() -> Timing {
    Timing {
        deadline: Duration::from_secs(20),
        request_timeout: Duration::from_secs(5),
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        rate_limit_wait: Duration::from_millis(200),
        max_retries: 4,
    }
}

fn api(fake: &FakeGitHub, timing: Timing) -> Api {
    Api::new(&fake.api_url(), Token::new(TOKEN).unwrap(), timing).unwrap()
}

fn repo() -> Repo {
    format!("{OWNER}/{REPO}").parse().unwrap()
}

async fn upsert_with(
    fake: &FakeGitHub,
    results: &Results,
    policy: CommentPolicy,
) -> Result<comment::Upserted, ApiError> {
    let api = api(fake, fast());
    let repo = repo();
    let plan = Upsert {
        repo: &repo,
        number: PR,
        results,
        policy,
        author: BOT,
    };
    comment::upsert(&api, &plan).await
}

async fn upsert(fake: &FakeGitHub, results: &Results) -> comment::Upserted {
    upsert_with(fake, results, CommentPolicy::Always)
        .await
        .expect("the comment is posted")
}

#[tokio::test]
async fn creates_the_comment_when_there_is_none() {
    let fake = FakeGitHub::start().await;
    fake.add_comment("octocat", "LGTM");
    let outcome = upsert(&fake, &results(2, Status::Fail)).await;
    assert!(matches!(outcome.posted, Posted::Created(_)), "{outcome:?}");
    assert!(
        outcome
            .posted
            .url()
            .unwrap()
            .starts_with("https://github.com/acme/ml/pull/7#issuecomment-")
    );
    let mine = fake.memgate_comments();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].body.starts_with(MARKER), "{}", mine[0].body);
    assert!(mine[0].body.contains("bench-0"));
    assert_eq!(mine[0].login, BOT);
    assert_eq!(fake.count("POST"), 1);
    // Every request carried the token, as a bearer token.
    assert!(
        fake.log()
            .iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}")))
    );
}

#[tokio::test]
async fn updates_the_comment_found_on_page_3_of_250() {
    let fake = FakeGitHub::start().await;
    let mut ours = 0;
    for i in 0..250 {
        if i == 230 {
            ours = fake.add_comment(BOT, &format!("{MARKER}\nan old report"));
        } else {
            fake.add_comment("reviewer", &format!("comment {i}"));
        }
    }
    let outcome = upsert(&fake, &results(1, Status::Pass)).await;
    let Posted::Updated(updated) = &outcome.posted else {
        panic!("expected an update: {outcome:?}");
    };
    assert_eq!(updated.id, ours);
    // Three pages of 100, the last two reached through `Link: rel="next"`.
    let pages: Vec<String> = fake
        .log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/comments"))
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[2].contains("page=3"), "{pages:?}");
    assert_eq!(fake.count("POST"), 0);
    assert_eq!(fake.count("PATCH"), 1);
    assert_eq!(fake.comments().len(), 250);
    let ours = fake.memgate_comments();
    assert_eq!(ours.len(), 1);
    assert!(ours[0].body.contains("bench-0"));
}

#[tokio::test]
async fn an_unchanged_report_writes_nothing() {
    let fake = FakeGitHub::start().await;
    let results = results(3, Status::Warn);
    assert!(matches!(
        upsert(&fake, &results).await.posted,
        Posted::Created(_)
    ));
    let writes = fake.writes().len();
    let outcome = upsert(&fake, &results).await;
    assert!(
        matches!(outcome.posted, Posted::Unchanged(_)),
        "{outcome:?}"
    );
    assert_eq!(fake.writes().len(), writes, "no POST, PATCH or DELETE");
}

#[tokio::test]
async fn a_forged_comment_by_another_user_is_left_alone() {
    let fake = FakeGitHub::start().await;
    let forged_body = format!("{MARKER}\n### ✅ everything passed (trust me)");
    let forged = fake.add_comment("mallory", &forged_body);
    let outcome = upsert(&fake, &results(1, Status::Fail)).await;
    assert!(matches!(outcome.posted, Posted::Created(_)), "{outcome:?}");
    let comments = fake.comments();
    let kept = comments.iter().find(|c| c.id == forged).unwrap();
    assert_eq!(kept.body, forged_body);
    assert_eq!(fake.count("PATCH"), 0);
    assert_eq!(fake.count("DELETE"), 0);
    assert_eq!(fake.memgate_comments().len(), 2);
}

#[tokio::test]
async fn a_bot_comment_that_only_quotes_the_marker_is_left_alone() {
    let fake = FakeGitHub::start().await;
    // A welcome bot, also `github-actions[bot]`, quoted the pull request's description, which
    // holds the marker; another of its comments has it mid-text. Both are older than memgate's.
    let quoting = format!("Welcome! You wrote:\n> {MARKER}\n> ### ✅ all budgets pass");
    let inline = format!("Thanks! {MARKER} ### ✅ all budgets pass");
    let quoted = fake.add_comment(BOT, &quoting);
    let mid_text = fake.add_comment(BOT, &inline);
    let real = fake.add_comment(BOT, &format!("{MARKER}\nthe old report"));
    let outcome = upsert(&fake, &results(1, Status::Fail)).await;
    assert!(matches!(outcome.posted, Posted::Updated(_)), "{outcome:?}");
    let comments = fake.comments();
    let body = |id| comments.iter().find(|c| c.id == id).map(|c| c.body.clone());
    assert_eq!(
        body(quoted),
        Some(quoting),
        "the quoting comment was changed"
    );
    assert_eq!(
        body(mid_text),
        Some(inline),
        "the mid-text comment was changed"
    );
    assert!(
        body(real).unwrap().contains("bench-0"),
        "memgate's own was not updated"
    );
    assert_eq!(fake.count("DELETE"), 0);
    assert_eq!(fake.count("PATCH"), 1);
    assert!(
        fake.writes()
            .iter()
            .all(|w| w.path.ends_with(&format!("/comments/{real}"))),
        "{:?}",
        fake.writes()
    );

    // With only the quoting comments there, memgate creates its own beside them.
    let fake = FakeGitHub::start().await;
    let quoted = fake.add_comment(BOT, &format!("Welcome! You wrote:\n> {MARKER}"));
    let outcome = upsert(&fake, &results(1, Status::Fail)).await;
    assert!(matches!(outcome.posted, Posted::Created(_)), "{outcome:?}");
    assert_eq!(fake.count("PATCH") + fake.count("DELETE"), 0);
    assert!(fake.comments().iter().any(|c| c.id == quoted));
}

#[tokio::test]
async fn a_token_across_the_cut_of_an_error_message_leaks_no_part_of_it() {
    let fake = FakeGitHub::start().await;
    // A server that echoes the token where the message is cut (300 characters): 20 characters
    // of it before the cut, 19 after.
    let message = format!("{}{TOKEN}{}", "x".repeat(280), "y".repeat(50));
    fake.fail_next(
        "POST",
        "/comments",
        Fault::Answer {
            status: 403,
            body: json!({ "message": message }),
            headers: vec![],
        },
    );
    let err = upsert_with(&fake, &results(1, Status::Fail), CommentPolicy::Always)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Some(403), "{text}");
    assert!(text.contains(&"x".repeat(280)), "{text}");
    for start in 0..TOKEN.len() - 6 {
        let fragment = &TOKEN[start..start + 6];
        assert!(
            !text.contains(fragment),
            "`{fragment}` of the token in: {text}"
        );
    }
}

#[tokio::test]
async fn duplicates_are_deleted_and_the_oldest_kept() {
    let fake = FakeGitHub::start().await;
    let first = fake.add_comment(BOT, &format!("{MARKER}\nold 1"));
    fake.add_comment("reviewer", "hm");
    fake.add_comment(BOT, &format!("{MARKER}\nold 2"));
    let outcome = upsert(&fake, &results(1, Status::Pass)).await;
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let mine = fake.memgate_comments();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, first);
    assert!(mine[0].body.contains("bench-0"));
    assert_eq!(fake.count("DELETE"), 1);
}

#[tokio::test]
async fn a_502_then_success_leaves_exactly_one_comment() {
    let fake = FakeGitHub::start().await;
    fake.fail_next(
        "POST",
        "/comments",
        Fault::Answer {
            status: 502,
            body: json!({"message": "Bad Gateway"}),
            headers: vec![],
        },
    );
    let outcome = upsert(&fake, &results(1, Status::Fail)).await;
    assert!(matches!(outcome.posted, Posted::Created(_)), "{outcome:?}");
    assert_eq!(fake.memgate_comments().len(), 1);
    assert_eq!(fake.count("POST"), 2);
}

#[tokio::test]
async fn a_create_that_went_through_before_a_502_is_not_repeated() {
    let fake = FakeGitHub::start().await;
    fake.fail_next("POST", "/comments", Fault::DoThenAnswer(502));
    let outcome = upsert(&fake, &results(1, Status::Fail)).await;
    // Looked again, found it, and it already says the same.
    assert!(
        matches!(outcome.posted, Posted::Unchanged(_)),
        "{outcome:?}"
    );
    assert_eq!(fake.memgate_comments().len(), 1);
    assert_eq!(fake.count("POST"), 1);
}

#[tokio::test]
async fn server_errors_on_reads_and_edits_are_retried() {
    let fake = FakeGitHub::start().await;
    fake.add_comment(BOT, &format!("{MARKER}\nold"));
    for method in ["GET", "PATCH"] {
        fake.fail_next(
            method,
            "/comments",
            Fault::Answer {
                status: 503,
                body: json!({}),
                headers: vec![],
            },
        );
    }
    let outcome = upsert(&fake, &results(1, Status::Pass)).await;
    assert!(matches!(outcome.posted, Posted::Updated(_)), "{outcome:?}");
    assert_eq!(fake.count("PATCH"), 2);
}

#[tokio::test]
async fn rate_limits_are_waited_out_as_github_says() {
    let fake = FakeGitHub::start().await;
    // A secondary rate limit on the create: a 403 with retry-after.
    fake.fail_next(
        "POST",
        "/comments",
        Fault::Answer {
            status: 403,
            body: json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}),
            headers: vec![("retry-after".into(), "1".into())],
        },
    );
    // And a primary one on the listing: 429 with the reset time.
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    fake.fail_next(
        "GET",
        "/comments",
        Fault::Answer {
            status: 429,
            body: json!({"message": "API rate limit exceeded"}),
            headers: vec![
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), reset.to_string()),
            ],
        },
    );
    let started = Instant::now();
    let outcome = upsert(&fake, &results(1, Status::Fail)).await;
    assert!(matches!(outcome.posted, Posted::Created(_)), "{outcome:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retry-after: 1 was honoured"
    );
    assert_eq!(fake.memgate_comments().len(), 1);
}

#[tokio::test]
async fn a_wait_past_the_deadline_gives_up_at_once() {
    let fake = FakeGitHub::start().await;
    fake.fail_next(
        "GET",
        "/comments",
        Fault::Answer {
            status: 429,
            body: json!({"message": "API rate limit exceeded"}),
            headers: vec![("retry-after".into(), "3600".into())],
        },
    );
    let started = Instant::now();
    let err = upsert_with(&fake, &results(1, Status::Fail), CommentPolicy::Always)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, ApiError::Deadline(_)), "{err}");
    assert!(err.to_string().contains("3600"), "{err}");
    assert!(fake.memgate_comments().is_empty());
}

#[tokio::test]
async fn forbidden_is_not_retried_and_says_so() {
    let fake = FakeGitHub::start().await;
    fake.fail_next("POST", "/comments", Fault::EchoAuthorization(403));
    let err = upsert_with(&fake, &results(1, Status::Fail), CommentPolicy::Always)
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert_eq!(fake.count("POST"), 1);
    let text = memgate::github::explain_failure(&err, PR);
    assert!(text.contains("workflow_run"), "{text}");
    assert!(
        !text.contains(TOKEN),
        "the echoed token is redacted: {text}"
    );
    assert!(!format!("{err:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_body_too_long_for_github_is_never_sent() {
    let fake = FakeGitHub::start().await;
    // Thousands of benchmarks with long, hostile names: far over 65,536 characters in full.
    let mut results = results(0, Status::Pass);
    for i in 0..3000 {
        results.benchmarks.push(benchmark(
            &format!("{i}-{}<script>@everyone|", "ω".repeat(60)),
            if i % 3 == 0 {
                Status::Fail
            } else {
                Status::Pass
            },
            (i as u64 + 1) << 20,
        ));
    }
    let outcome = upsert(&fake, &results).await;
    assert!(matches!(outcome.posted, Posted::Created(_)), "{outcome:?}");
    let posted = &fake.memgate_comments()[0].body;
    assert!(posted.chars().count() <= MAX_BODY_CHARS);
    assert!(posted.starts_with(MARKER));
    // The names are escaped by the Markdown reporter: no raw HTML, no live mention.
    let prose = outside_code(posted);
    assert!(!prose.contains("<script>"), "{prose}");
    assert!(!prose.contains("@everyone"), "{prose}");
    // And if GitHub still counts it as too long, a shorter body is sent.
    let fake = FakeGitHub::start().await;
    fake.fail_next(
        "POST",
        "/comments",
        Fault::Answer {
            status: 422,
            body: json!({"message": "Validation Failed", "errors": [{"message": "body is too long (maximum is 65536 characters)"}]}),
            headers: vec![],
        },
    );
    let outcome = upsert(&fake, &results).await;
    assert!(matches!(outcome.posted, Posted::Created(_)), "{outcome:?}");
    assert!(fake.memgate_comments()[0].body.chars().count() <= 16_000);
}

#[tokio::test]
async fn github_enterprise_server_paths_work() {
    let fake = FakeGitHub::start_at("/api/v3").await;
    // Enough comments for a second page, whose Link points under /api/v3 too.
    for i in 0..150 {
        fake.add_comment("reviewer", &format!("comment {i}"));
    }
    let outcome = upsert(&fake, &results(1, Status::Fail)).await;
    assert!(matches!(outcome.posted, Posted::Created(_)), "{outcome:?}");
    assert!(fake.log().iter().all(|r| r.path.starts_with("/api/v3/")));
    assert_eq!(fake.memgate_comments().len(), 1);
    assert_eq!(
        fake.log()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/comments"))
            .count(),
        2
    );
}

#[tokio::test]
async fn policies_decide_when_to_write() {
    // never: nothing at all.
    let fake = FakeGitHub::start().await;
    let outcome = upsert_with(&fake, &results(1, Status::Fail), CommentPolicy::Never)
        .await
        .unwrap();
    assert!(matches!(outcome.posted, Posted::Skipped(_)));
    assert!(fake.log().is_empty());

    // on-failure: no new comment for a pass, but an existing one is brought up to date.
    let fake = FakeGitHub::start().await;
    let outcome = upsert_with(&fake, &results(1, Status::Pass), CommentPolicy::OnFailure)
        .await
        .unwrap();
    assert!(matches!(outcome.posted, Posted::Skipped(_)), "{outcome:?}");
    assert!(fake.writes().is_empty());
    upsert_with(&fake, &results(1, Status::Fail), CommentPolicy::OnFailure)
        .await
        .unwrap();
    let outcome = upsert_with(&fake, &results(1, Status::Pass), CommentPolicy::OnFailure)
        .await
        .unwrap();
    assert!(matches!(outcome.posted, Posted::Updated(_)), "{outcome:?}");

    // on-change: figures that moved with the same verdict leave the comment as it is.
    let fake = FakeGitHub::start().await;
    let before = results(2, Status::Pass);
    upsert_with(&fake, &before, CommentPolicy::OnChange)
        .await
        .unwrap();
    let mut moved = before.clone();
    moved.benchmarks[1].peak_bytes += 3 << 20;
    let outcome = upsert_with(&fake, &moved, CommentPolicy::OnChange)
        .await
        .unwrap();
    assert!(
        matches!(outcome.posted, Posted::Unchanged(_)),
        "{outcome:?}"
    );
    assert_eq!(fake.count("PATCH"), 0);
    // …and `always` updates it.
    let outcome = upsert_with(&fake, &moved, CommentPolicy::Always)
        .await
        .unwrap();
    assert!(matches!(outcome.posted, Posted::Updated(_)), "{outcome:?}");
    let failed = results(2, Status::Fail);
    let outcome = upsert_with(&fake, &failed, CommentPolicy::OnChange)
        .await
        .unwrap();
    assert!(matches!(outcome.posted, Posted::Updated(_)), "{outcome:?}");
}

#[tokio::test]
async fn the_author_is_the_tokens_account_when_the_api_says() {
    let fake = FakeGitHub::start().await;
    let api = api(&fake, fast());
    // The GITHUB_TOKEN of Actions cannot read /user.
    assert_eq!(comment::token_author(&api).await, BOT);
    {
        let mut state = fake.state.lock().unwrap();
        state.user_endpoint = true;
        state.actor = "memgate-bot".into();
    }
    assert_eq!(comment::token_author(&api).await, "memgate-bot");
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let fake = FakeGitHub::start().await;
    fake.fail_next(
        "GET",
        "/comments",
        Fault::Answer {
            status: 200,
            body: json!([]),
            headers: vec![(
                "link".into(),
                "<https://evil.example/steal?page=2>; rel=\"next\"".into(),
            )],
        },
    );
    let err = upsert_with(&fake, &results(1, Status::Fail), CommentPolicy::Always)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not following"), "{err}");
    assert_eq!(fake.count("GET"), 1);
}

/// `markdown` without its fenced blocks and code spans, where nothing is read as HTML.
fn outside_code(markdown: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                out.push_str(part);
            }
        }
        out.push('\n');
    }
    out
}
