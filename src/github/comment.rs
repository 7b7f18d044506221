//! The pull-request comment (docs/github.md): one per pull request, found by the hidden marker
//! [`MARKER`] as its first line **and** its author, across every page of comments; edited in place
//! (not at all when the body is the same), created when absent, duplicates deleted. A comment that
//! only quotes the marker further down (a bot repeating a pull request's description) is not
//! memgate's, even when its author is the same `github-actions[bot]`: it is never edited or
//! deleted.
//!
//! The body is the Markdown report ([`markdown::render_with_limit`], which escapes everything
//! from the user's files) with a second hidden line, `<!-- memgate:verdict HEX -->`: a digest of
//! the verdict (each benchmark's name and status), which the `on-change` policy compares.
//!
//! A create that fails without a clear answer (no answer, 5xx) may have been done: the comments
//! are listed again before the next try, so that no duplicate appears.

use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, ApiError, HttpMethod};
use super::context::Repo;
use crate::config::CommentPolicy;
use crate::report::markdown;
use crate::results::Results;

/// The hidden first line every memgate comment carries.
pub const MARKER: &str = markdown::MARKER;
/// GitHub refuses a comment body longer than this many characters.
pub const MAX_BODY_CHARS: usize = 65_536;
/// The body sent again after GitHub refused one as too long anyway (it counts in some other
/// unit): short enough in bytes, even when every character took four.
const FALLBACK_BODY_CHARS: usize = 16_000;
/// Whose comment is ours when the config does not say and the token's account cannot be asked
/// (the `GITHUB_TOKEN` of Actions cannot read `/user`).
pub const DEFAULT_AUTHOR: &str = "github-actions[bot]";

const VERDICT_PREFIX: &str = "<!-- memgate:verdict ";

/// The comment's body for `results`: the report, with the verdict's digest, at most
/// `max_chars` characters.
pub fn body(results: &Results, max_chars: usize) -> String {
    let digest_line = format!("{VERDICT_PREFIX}{} -->\n", verdict_digest(results));
    let room = max_chars
        .min(markdown::MAX_CHARS)
        .saturating_sub(digest_line.chars().count() + MARKER.len() + 1);
    let report = markdown::render_with_limit(results, room);
    let rest = report
        .strip_prefix(MARKER)
        .map(|rest| rest.strip_prefix('\n').unwrap_or(rest))
        .unwrap_or(&report);
    cap(&format!("{MARKER}\n{digest_line}{rest}"), max_chars)
}

/// `text` cut to at most `max_chars` characters, at a line end where there is one, with a note.
pub fn cap(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    const NOTE: &str =
        "\n\n*(cut to fit GitHub's limit on comments; the whole report is in the job summary)*\n";
    let keep = max_chars.saturating_sub(NOTE.chars().count());
    let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
    let cut = &text[..end];
    let cut = cut.rfind('\n').map_or(cut, |i| &cut[..i]);
    let mut out = format!("{cut}{NOTE}");
    if out.chars().count() > max_chars {
        out = out.chars().take(max_chars).collect();
    }
    out
}

/// A digest of the verdict: the gate's status and each benchmark's name and status (FNV-1a).
pub fn verdict_digest(results: &Results) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(results.status().as_str().as_bytes());
    for b in &results.benchmarks {
        feed(b"\n");
        feed(b.name.as_bytes());
        feed(b"\0");
        feed(b.status.as_str().as_bytes());
    }
    format!("{hash:016x}")
}

/// The lines of a posted body (GitHub may hand back `\r\n` for a body edited on the web).
fn body_lines(body: &str) -> impl Iterator<Item = &str> {
    body.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
}

/// Whether `body` is a memgate comment's: its first line is the marker, exactly.
pub fn has_marker(body: &str) -> bool {
    body_lines(body).next() == Some(MARKER)
}

/// The digest a posted body carries, on its second line.
fn digest_in(body: &str) -> Option<&str> {
    body_lines(body)
        .nth(1)?
        .strip_prefix(VERDICT_PREFIX)?
        .strip_suffix(" -->")
}

/// One issue comment as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub author: String,
    pub body: String,
    /// Its page on GitHub.
    pub url: String,
}

#[derive(Deserialize)]
struct RawComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    user: Option<RawUser>,
}

#[derive(Deserialize)]
struct RawUser {
    login: String,
}

impl From<RawComment> for Comment {
    fn from(raw: RawComment) -> Self {
        Self {
            id: raw.id,
            author: raw.user.map(|u| u.login).unwrap_or_default(),
            body: raw.body.unwrap_or_default(),
            url: raw.html_url.unwrap_or_default(),
        }
    }
}

fn parse_comment(value: Value) -> Result<Comment, ApiError> {
    serde_json::from_value::<RawComment>(value)
        .map(Comment::from)
        .map_err(|err| ApiError::Invalid(format!("a comment that cannot be read: {err}")))
}

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Created(Comment),
    Updated(Comment),
    /// The comment already says this (or, for `on-change`, the same verdict).
    Unchanged(Comment),
    /// Nothing posted, and why.
    Skipped(String),
}

impl Posted {
    /// The comment's page, when there is a comment.
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Created(c) | Self::Updated(c) | Self::Unchanged(c) => {
                Some(c.url.as_str()).filter(|url| !url.is_empty())
            }
            Self::Skipped(_) => None,
        }
    }

    /// One line for the log.
    pub fn describe(&self) -> String {
        let at = |c: &Comment| {
            if c.url.is_empty() {
                format!("comment {}", c.id)
            } else {
                c.url.clone()
            }
        };
        match self {
            Self::Created(c) => format!("comment created: {}", at(c)),
            Self::Updated(c) => format!("comment updated: {}", at(c)),
            Self::Unchanged(c) => format!("comment unchanged: {}", at(c)),
            Self::Skipped(why) => format!("no comment: {why}"),
        }
    }
}

/// The outcome, with what went wrong on the side (a duplicate that could not be deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upserted {
    pub posted: Posted,
    pub warnings: Vec<String>,
}

/// What to post where.
#[derive(Debug, Clone, Copy)]
pub struct Upsert<'a> {
    pub repo: &'a Repo,
    pub number: u64,
    pub results: &'a Results,
    pub policy: CommentPolicy,
    /// Login whose comment is memgate's, compared without regard to case.
    pub author: &'a str,
}

/// The login of the token's account, when the API says (a personal token); else
/// [`DEFAULT_AUTHOR`]. One try: this is a guess, not worth a wait.
pub async fn token_author(api: &Api) -> String {
    match api.send(HttpMethod::Get, "/user", None).await {
        Ok(reply) if reply.status == 200 => reply
            .json::<Value>()
            .ok()
            .and_then(|user| user.get("login")?.as_str().map(String::from))
            .filter(|login| !login.is_empty())
            .unwrap_or_else(|| DEFAULT_AUTHOR.to_string()),
        _ => DEFAULT_AUTHOR.to_string(),
    }
}

fn comments_path(repo: &Repo, number: u64) -> String {
    format!(
        "/repos/{}/{}/issues/{number}/comments",
        repo.owner, repo.name
    )
}

/// memgate's comments on the pull request (the marker as the first line, by `author`), oldest
/// first.
pub async fn find(
    api: &Api,
    repo: &Repo,
    number: u64,
    author: &str,
) -> Result<Vec<Comment>, ApiError> {
    let items = api
        .get_all(&format!("{}?per_page=100", comments_path(repo, number)))
        .await?;
    let mut mine = Vec::new();
    for item in items {
        let comment = parse_comment(item)?;
        if comment.author.eq_ignore_ascii_case(author) && has_marker(&comment.body) {
            mine.push(comment);
        }
    }
    mine.sort_by_key(|c| c.id);
    Ok(mine)
}

/// Posts the report as the policy says: see the module's documentation.
pub async fn upsert(api: &Api, request: &Upsert<'_>) -> Result<Upserted, ApiError> {
    let mut warnings = Vec::new();
    if request.policy == CommentPolicy::Never {
        return Ok(Upserted {
            posted: Posted::Skipped("the comment policy is `never`".into()),
            warnings,
        });
    }
    let body = body(request.results, MAX_BODY_CHARS);
    let mut mine = find(api, request.repo, request.number, request.author).await?;
    let posted = if mine.is_empty() {
        if request.policy == CommentPolicy::OnFailure && request.results.status().passes() {
            Posted::Skipped(
                "the gate passed and the comment policy is `on-failure` (an existing comment \
                 would still be updated)"
                    .into(),
            )
        } else {
            create(api, request, &body).await?
        }
    } else {
        let keep = mine.remove(0);
        for duplicate in mine {
            let path = format!(
                "/repos/{}/{}/issues/comments/{}",
                request.repo.owner, request.repo.name, duplicate.id
            );
            match api.request(HttpMethod::Delete, &path, None).await {
                Ok(_) => {}
                Err(err) if err.status() == Some(404) => {}
                Err(err) => warnings.push(format!(
                    "could not delete the duplicate comment {}: {err}",
                    duplicate.id
                )),
            }
        }
        update(api, request, keep, &body).await?
    };
    Ok(Upserted { posted, warnings })
}

fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    norm(a) == norm(b)
}

/// Edits `existing` to say `body`, unless it says it already.
async fn update(
    api: &Api,
    request: &Upsert<'_>,
    existing: Comment,
    body: &str,
) -> Result<Posted, ApiError> {
    if same_text(&existing.body, body) {
        return Ok(Posted::Unchanged(existing));
    }
    if request.policy == CommentPolicy::OnChange && digest_in(&existing.body) == digest_in(body) {
        return Ok(Posted::Unchanged(existing));
    }
    let path = format!(
        "/repos/{}/{}/issues/comments/{}",
        request.repo.owner, request.repo.name, existing.id
    );
    let mut text = body.to_string();
    let mut shortened = false;
    loop {
        match api
            .request(HttpMethod::Patch, &path, Some(&json!({ "body": text })))
            .await
        {
            Ok(reply) => return Ok(Posted::Updated(parse_comment(reply.json()?)?)),
            // Deleted since it was listed: post a new one.
            Err(err) if err.status() == Some(404) => return create(api, request, body).await,
            Err(err) if too_long(&err) && !shortened => {
                text = self::body(request.results, FALLBACK_BODY_CHARS);
                shortened = true;
            }
            Err(err) => return Err(err),
        }
    }
}

fn too_long(err: &ApiError) -> bool {
    matches!(err, ApiError::Status { status: 422, message, .. } if message.contains("too long"))
}

/// Creates the comment; after an ambiguous failure, looks for it before trying again.
async fn create(api: &Api, request: &Upsert<'_>, body: &str) -> Result<Posted, ApiError> {
    let path = comments_path(request.repo, request.number);
    let mut text = body.to_string();
    let mut shortened = false;
    let mut attempt = 0;
    loop {
        match api
            .request(HttpMethod::Post, &path, Some(&json!({ "body": text })))
            .await
        {
            Ok(reply) => return Ok(Posted::Created(parse_comment(reply.json()?)?)),
            Err(err) if err.is_ambiguous() && attempt < api.max_retries() => {
                api.wait(api.backoff(attempt), &err).await?;
                attempt += 1;
                let found = find(api, request.repo, request.number, request.author).await?;
                if let Some(existing) = found.into_iter().next() {
                    // It went through after all (or another job posted meanwhile).
                    return Box::pin(update(api, request, existing, &text)).await;
                }
            }
            Err(err) if too_long(&err) && !shortened => {
                text = self::body(request.results, FALLBACK_BODY_CHARS);
                shortened = true;
            }
            Err(err) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_cuts_at_a_line_and_says_so() {
        let text = "line\n".repeat(100);
        let capped = cap(&text, 200);
        assert!(capped.chars().count() <= 200);
        assert!(capped.contains("cut to fit"));
        assert_eq!(cap("short", 200), "short");
        let wide = "é".repeat(1000);
        assert!(cap(&wide, 150).chars().count() <= 150);
    }

    #[test]
    fn the_digest_is_read_back_from_a_body() {
        let body = format!("{MARKER}\n{VERDICT_PREFIX}00ff -->\n### x\n");
        assert_eq!(digest_in(&body), Some("00ff"));
        assert_eq!(digest_in("no digest"), None);
    }

    #[test]
    fn the_marker_counts_only_as_the_whole_first_line() {
        assert!(has_marker(&format!("{MARKER}\n### report")));
        assert!(has_marker(&format!("{MARKER}\r\n### report")));
        assert!(has_marker(MARKER));
        for quoted in [
            format!("Welcome! Your description:\n> {MARKER}\n> hi"),
            format!("Thanks! {MARKER}"),
            format!(" {MARKER}\nx"),
            format!("{MARKER} trailing\nx"),
            format!("{MARKER}x"),
            String::new(),
        ] {
            assert!(!has_marker(&quoted), "{quoted:?}");
        }
        let body = format!("{MARKER}\n{VERDICT_PREFIX}00ff -->\n");
        assert_eq!(digest_in(&body), Some("00ff"));
        let planted = format!("{MARKER}\nx\n{VERDICT_PREFIX}00ff -->\n");
        assert_eq!(digest_in(&planted), None);
    }

    #[test]
    fn bodies_compare_without_regard_to_line_endings() {
        assert!(same_text("a\r\nb\n", "a\nb"));
        assert!(!same_text("a\nb", "a\nc"));
    }
}
