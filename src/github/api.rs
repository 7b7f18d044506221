//! The GitHub REST API as memgate uses it: raw calls through octocrab, retried by memgate's own
//! rules, within one deadline.
//!
//! - 5xx and no answer at all: retried with exponential backoff, for GET, PATCH and DELETE. A POST
//!   may have gone through before it failed, so it is not retried here: the caller looks for what
//!   it meant to create first ([`ApiError::is_ambiguous`]).
//! - 429 and secondary rate limits (a 403 with `retry-after`, with `x-ratelimit-remaining: 0`, or
//!   saying "rate limit"): the request was refused, not done, so every method is retried, after
//!   `retry-after` seconds, else at `x-ratelimit-reset`, else after a minute (GitHub's advice).
//! - Nothing waits past the deadline: a wait that would end after it is an error at once.
//! - The token is sent by octocrab only to the API's own host, and taken out of every message.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::context::Token;

/// The most of an answer's message an error repeats.
const MAX_MESSAGE_CHARS: usize = 300;

/// How long calls may take, and how retries wait.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// From the first call to the last retry.
    pub deadline: Duration,
    /// One request, from sending to the end of the answer's body.
    pub request_timeout: Duration,
    /// The first wait after a 5xx or a lost connection; doubled each time.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// The wait after a rate limit that names no time.
    pub rate_limit_wait: Duration,
    /// Retries after a 5xx or no answer (rate limits are bounded by the deadline alone).
    pub max_retries: u32,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(120),
            request_timeout: Duration::from_secs(30),
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(16),
            rate_limit_wait: Duration::from_secs(60),
            max_retries: 4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Patch,
    Delete,
}

impl HttpMethod {
    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Sending it twice does no more than sending it once.
    fn idempotent(self) -> bool {
        !matches!(self, Self::Post)
    }
}

/// An answer from the API.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// The `rel="next"` URL of the `Link` header.
    pub next: Option<String>,
    retry_after: Option<u64>,
    ratelimit_remaining: Option<u64>,
    ratelimit_reset: Option<u64>,
}

impl Reply {
    fn success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// GitHub's `message` (and the messages of `errors`), or the body; whole, so that the token
    /// can be taken out before it is cut ([`Api::status_error`]).
    fn message(&self) -> String {
        let text = match serde_json::from_str::<Value>(&self.body) {
            Ok(value) => {
                let mut parts: Vec<String> = value
                    .get("message")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .into_iter()
                    .collect();
                if let Some(errors) = value.get("errors").and_then(Value::as_array) {
                    parts.extend(errors.iter().filter_map(|e| {
                        e.get("message")
                            .and_then(Value::as_str)
                            .map(String::from)
                            .or_else(|| e.as_str().map(String::from))
                    }));
                }
                parts.join("; ")
            }
            Err(_) => self.body.trim().to_string(),
        };
        let text: String = text.chars().filter(|c| !c.is_control()).collect();
        if text.is_empty() {
            http::StatusCode::from_u16(self.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("no message")
                .to_string()
        } else {
            text
        }
    }

    /// Refused for a rate limit (the request was not done).
    fn rate_limited(&self) -> bool {
        self.status == 429
            || (self.status == 403
                && (self.retry_after.is_some()
                    || self.ratelimit_remaining == Some(0)
                    || self.message().to_lowercase().contains("rate limit")))
    }

    /// The wait a rate limit asks for.
    fn rate_limit_wait(&self, timing: &Timing) -> Duration {
        if let Some(secs) = self.retry_after {
            return Duration::from_secs(secs);
        }
        if self.ratelimit_remaining == Some(0)
            && let Some(reset) = self.ratelimit_reset
        {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            return Duration::from_secs(reset.saturating_sub(now) + 1);
        }
        timing.rate_limit_wait
    }

    /// The body as JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_str(&self.body).map_err(|err| {
            ApiError::Invalid(format!("an answer that is not what was expected: {err}"))
        })
    }
}

/// Why a call did not succeed. Messages never hold the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// GitHub answered with this status (after retries, where they were worth it).
    Status {
        method: &'static str,
        path: String,
        status: u16,
        message: String,
    },
    /// No answer: refused, reset, timed out. A POST may have been done all the same.
    Transport {
        method: &'static str,
        path: String,
        message: String,
    },
    /// Waiting for a retry would pass the deadline.
    Deadline(String),
    /// An answer memgate cannot use.
    Invalid(String),
}

impl ApiError {
    /// 401 or 403 (and not a rate limit): the token may not do this.
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            Self::Status {
                status: 401 | 403,
                ..
            }
        )
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A failure after which a POST may or may not have been done.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Self::Transport { .. })
            || matches!(self, Self::Status { status, .. } if *status >= 500)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status {
                method,
                path,
                status,
                message,
            } => write!(f, "{method} {path}: GitHub answered {status} ({message})"),
            Self::Transport {
                method,
                path,
                message,
            } => write!(f, "{method} {path}: no answer from GitHub ({message})"),
            Self::Deadline(message) | Self::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ApiError {}

/// A client of one API base (`GITHUB_API_URL`) with one token.
pub struct Api {
    client: Octocrab,
    base: String,
    token: Token,
    timing: Timing,
    deadline: Instant,
}

impl Api {
    /// A client for `base` (e.g. `https://api.github.com`, or `https://HOST/api/v3` on GitHub
    /// Enterprise Server); the deadline starts now. Needs a Tokio runtime.
    pub fn new(base: &str, token: Token, timing: Timing) -> Result<Self, String> {
        let base = base.trim_end_matches('/').to_string();
        let client = Octocrab::builder()
            .base_uri(base.as_str())
            .map_err(|err| format!("`{base}` is not a URL: {err}"))?
            .personal_token(token.expose().to_string())
            .set_connect_timeout(Some(timing.request_timeout))
            .set_read_timeout(Some(timing.request_timeout))
            .set_write_timeout(Some(timing.request_timeout))
            .build()
            .map_err(|err| {
                token.redact(&format!("cannot make a GitHub client: {}", chain(&err)))
            })?;
        Ok(Self {
            client,
            base,
            token,
            deadline: Instant::now() + timing.deadline,
            timing,
        })
    }

    /// Retries after a 5xx or no answer.
    pub fn max_retries(&self) -> u32 {
        self.timing.max_retries
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `text` with the token taken out.
    pub fn redact(&self, text: &str) -> String {
        self.token.redact(text)
    }

    /// The full URL of `path` (`/repos/…`), or `path` itself when it is a URL on the API's host.
    fn url(&self, path: &str) -> Result<String, ApiError> {
        if path.starts_with('/') {
            return Ok(format!("{}{path}", self.base));
        }
        if same_origin(&self.base, path) {
            return Ok(path.to_string());
        }
        Err(ApiError::Invalid(format!(
            "GitHub pointed to `{}`, which is not on {}; not following it",
            self.redact(path),
            self.base
        )))
    }

    /// The path of `url` below the base, for messages.
    fn display_path(&self, url: &str) -> String {
        let path = url.strip_prefix(&self.base).unwrap_or(url);
        self.redact(path.split('?').next().unwrap_or(path))
    }

    /// One request, no retry.
    pub async fn send(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ApiError> {
        let url = self.url(path)?;
        let display = self.display_path(&url);
        let transport = |message: String| ApiError::Transport {
            method: method.as_str(),
            path: display.clone(),
            message: self.redact(&message),
        };
        let call = async {
            let response = match method {
                HttpMethod::Get => self.client._get(url.as_str()).await,
                HttpMethod::Post => self.client._post(url.as_str(), body).await,
                HttpMethod::Patch => self.client._patch(url.as_str(), body).await,
                HttpMethod::Delete => self.client._delete(url.as_str(), body).await,
            }
            .map_err(|err| chain(&err))?;
            let headers = response.headers();
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.trim().to_string())
            };
            let number = |name: &str| header(name).and_then(|v| v.parse::<u64>().ok());
            let status = response.status().as_u16();
            let next = header("link").and_then(|link| next_link(&link));
            let retry_after = number("retry-after");
            let ratelimit_remaining = number("x-ratelimit-remaining");
            let ratelimit_reset = number("x-ratelimit-reset");
            let body = self
                .client
                .body_to_string(response)
                .await
                .map_err(|err| chain(&err))?;
            Ok::<Reply, String>(Reply {
                status,
                body,
                next,
                retry_after,
                ratelimit_remaining,
                ratelimit_reset,
            })
        };
        match tokio::time::timeout(self.timing.request_timeout, call).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(message)) => Err(transport(message)),
            Err(_) => Err(transport(format!(
                "no answer within {} s",
                self.timing.request_timeout.as_secs()
            ))),
        }
    }

    /// A request retried as the module says; a non-2xx answer that is not retried is an error.
    pub async fn request(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ApiError> {
        let mut attempt = 0;
        loop {
            let result = self.send(method, path, body).await;
            let may_retry = method.idempotent() && attempt < self.timing.max_retries;
            let wait = match &result {
                Ok(reply) if reply.success() => return result,
                Ok(reply) if reply.rate_limited() => reply.rate_limit_wait(&self.timing),
                Ok(reply) if reply.status >= 500 && may_retry => self
                    .backoff(attempt)
                    .max(Duration::from_secs(reply.retry_after.unwrap_or(0))),
                Ok(reply) => return Err(self.status_error(method, path, reply)),
                Err(ApiError::Transport { .. }) if may_retry => self.backoff(attempt),
                Err(_) => return result,
            };
            let reason = match &result {
                Ok(reply) => self.status_error(method, path, reply),
                Err(err) => err.clone(),
            };
            self.wait(wait, &reason).await?;
            attempt += 1;
        }
    }

    /// The error for a non-2xx answer. Its message is redacted, then cut: cut first, a token
    /// across the cut would not be found, and its first part would be printed.
    fn status_error(&self, method: HttpMethod, path: &str, reply: &Reply) -> ApiError {
        let url = self.url(path).unwrap_or_else(|_| path.to_string());
        let message = self
            .redact(&reply.message())
            .chars()
            .take(MAX_MESSAGE_CHARS)
            .collect();
        ApiError::Status {
            method: method.as_str(),
            path: self.display_path(&url),
            status: reply.status,
            message,
        }
    }

    /// The wait before retry number `attempt + 1` after a server error.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.timing
            .first_backoff
            .saturating_mul(1 << attempt.min(16))
            .min(self.timing.max_backoff)
    }

    /// Sleeps `wait`, unless that would end past the deadline: then the error says why it gave up.
    pub async fn wait(&self, wait: Duration, reason: &ApiError) -> Result<(), ApiError> {
        if Instant::now() + wait > self.deadline {
            return Err(ApiError::Deadline(format!(
                "{reason}; giving up, as a retry in {} s would pass memgate's deadline of {} s",
                wait.as_secs_f64().ceil(),
                self.timing.deadline.as_secs()
            )));
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Every item of a list, following `Link: rel="next"` from page to page.
    pub async fn get_all(&self, path: &str) -> Result<Vec<Value>, ApiError> {
        const MAX_PAGES: usize = 1000;
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        let mut pages = 0;
        while let Some(page) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ApiError::Invalid(format!(
                    "more than {MAX_PAGES} pages at {}",
                    self.display_path(path)
                )));
            }
            let reply = self.request(HttpMethod::Get, &page, None).await?;
            match reply.json::<Value>()? {
                Value::Array(list) => items.extend(list),
                _ => {
                    return Err(ApiError::Invalid(format!(
                        "GET {}: the answer is not a list",
                        self.display_path(&page)
                    )));
                }
            }
            next = reply.next.filter(|url| *url != page);
        }
        Ok(items)
    }
}

/// An error with its sources, on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// Scheme and host (with port) of a URL.
fn origin(url: &str) -> Option<&str> {
    let rest_start = url.find("://")? + 3;
    let end = url[rest_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| rest_start + i);
    Some(&url[..end])
}

fn same_origin(base: &str, url: &str) -> bool {
    match (origin(base), origin(url)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// The `rel="next"` target of a `Link` header:
/// `<https://api.github.com/…?page=2>; rel="next", <…>; rel="last"`.
pub fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>')?;
        let url = &rest[start + 1..end];
        let params_end = rest[end..].find('<').map_or(rest.len(), |i| end + i);
        let params = &rest[end + 1..params_end];
        let is_next = params.split(';').any(|param| {
            let param = param.trim().trim_end_matches(',').trim();
            param
                .strip_prefix("rel=")
                .map(|value| value.trim_matches('"'))
                .is_some_and(|value| value.split_whitespace().any(|rel| rel == "next"))
        });
        if is_next {
            return Some(url.to_string());
        }
        rest = &rest[params_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.into(),
            next: None,
            retry_after: None,
            ratelimit_remaining: None,
            ratelimit_reset: None,
        }
    }

    #[test]
    fn finds_the_next_link() {
        let header = r#"<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel="last""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2")
        );
        let last_page = r#"<https://x/c?page=1>; rel="prev", <https://x/c?page=1>; rel="first""#;
        assert_eq!(next_link(last_page), None);
        assert_eq!(
            next_link("<https://x/c?page=9>;rel=next").as_deref(),
            Some("https://x/c?page=9")
        );
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn rate_limits_are_told_from_permission_errors() {
        assert!(
            !reply(
                403,
                r#"{"message":"Resource not accessible by integration"}"#
            )
            .rate_limited()
        );
        assert!(
            reply(
                403,
                r#"{"message":"You have exceeded a secondary rate limit."}"#
            )
            .rate_limited()
        );
        assert!(reply(429, "").rate_limited());
        let mut limited = reply(403, "{}");
        limited.ratelimit_remaining = Some(0);
        limited.ratelimit_reset = Some(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + 5,
        );
        assert!(limited.rate_limited());
        let wait = limited.rate_limit_wait(&Timing::default());
        assert!((5..=7).contains(&wait.as_secs()), "{wait:?}");
        limited.retry_after = Some(3);
        assert_eq!(
            limited.rate_limit_wait(&Timing::default()),
            Duration::from_secs(3)
        );
        assert_eq!(
            reply(429, "").rate_limit_wait(&Timing::default()),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn messages_come_from_githubs_json() {
        let r = reply(
            422,
            r#"{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}]}"#,
        );
        assert_eq!(
            r.message(),
            "Validation Failed; body is too long (maximum is 65536 characters)"
        );
        assert_eq!(reply(502, "").message(), "Bad Gateway");
    }

    #[test]
    fn origins_are_compared_by_scheme_and_host() {
        assert!(same_origin(
            "https://ghe.example/api/v3",
            "https://ghe.example/api/v3/repos/a/b?page=2"
        ));
        assert!(!same_origin(
            "https://ghe.example/api/v3",
            "https://evil.example/api/v3/repos"
        ));
        assert!(!same_origin("http://127.0.0.1:1", "http://127.0.0.1:2/x"));
        assert!(!same_origin(
            "https://api.github.com",
            "https://api.github.com.evil/x"
        ));
    }
}
