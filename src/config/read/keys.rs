//! The keys each mapping of the file knows, and what to say about a key it does not know: a
//! near miss ("did you mean …?") or the section where the key belongs.

use crate::config::did_you_mean::{nearest, same_word};

pub(crate) const TOP_KEYS: &[&str] = &[
    "version",
    "defaults",
    "setup",
    "cgroup",
    "benchmarks",
    "github",
];
/// Keys a benchmark and `defaults` share.
pub(crate) const SETTINGS_KEYS: &[&str] = &[
    "cwd",
    "env",
    "timeout",
    "runs",
    "warmup",
    "interval",
    "steady_after",
    "min_window",
    "tags",
    "budget",
    "regression",
    "attribution",
];
/// Keys only a benchmark has.
pub(crate) const COMMAND_KEYS: &[&str] = &["name", "run", "argv"];
pub(crate) const BUDGET_KEYS: &[&str] = &[
    "peak",
    "steady",
    "growth",
    "warn_at",
    "include_file",
    "phases",
];
pub(crate) const REGRESSION_KEYS: &[&str] = &["peak", "steady", "min_delta"];
pub(crate) const GITHUB_KEYS: &[&str] = &["comment", "comment_author"];

/// Which mapping a key is in; decides the known keys and the wording of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section<'a> {
    Top,
    Defaults,
    Benchmark(Option<&'a str>),
    Budget,
    Regression,
    Github,
}

impl Section<'_> {
    pub(super) fn known(self) -> Vec<&'static str> {
        match self {
            Section::Top => TOP_KEYS.to_vec(),
            Section::Defaults => SETTINGS_KEYS.to_vec(),
            Section::Benchmark(_) => [COMMAND_KEYS, SETTINGS_KEYS].concat(),
            Section::Budget => BUDGET_KEYS.to_vec(),
            Section::Regression => REGRESSION_KEYS.to_vec(),
            Section::Github => GITHUB_KEYS.to_vec(),
        }
    }

    pub(super) fn context(self) -> String {
        match self {
            Section::Top => "at the top level".to_string(),
            Section::Defaults => "in defaults".to_string(),
            Section::Benchmark(Some(name)) => format!("in benchmark `{name}`"),
            Section::Benchmark(None) => "in a benchmark".to_string(),
            Section::Budget => "in budget".to_string(),
            Section::Regression => "in regression".to_string(),
            Section::Github => "in github".to_string(),
        }
    }

    /// Where a key that belongs to another section goes.
    fn elsewhere(self, key: &str) -> Option<String> {
        let is = |list: &[&str]| list.iter().any(|k| same_word(key, k));
        let key = key.trim();
        let top_level = || format!("`{key}` is a top-level key");
        let hint = match self {
            Section::Top if is(SETTINGS_KEYS) => {
                format!("`{key}` belongs under `defaults:` or in a benchmark")
            }
            Section::Top if is(COMMAND_KEYS) => {
                format!("`{key}` belongs in a benchmark, under `benchmarks:`")
            }
            Section::Top if is(GITHUB_KEYS) => format!("`{key}` belongs under `github:`"),
            Section::Defaults if is(COMMAND_KEYS) => {
                format!("`{key}` cannot be a default: each benchmark sets its own")
            }
            Section::Defaults | Section::Benchmark(_) if is(&["peak", "steady"]) => {
                format!("`{key}` belongs under `budget:` or `regression:`")
            }
            Section::Defaults | Section::Benchmark(_) if is(BUDGET_KEYS) => {
                format!("`{key}` belongs under `budget:`")
            }
            Section::Defaults | Section::Benchmark(_) if is(REGRESSION_KEYS) => {
                format!("`{key}` belongs under `regression:`")
            }
            Section::Defaults | Section::Benchmark(_) if is(TOP_KEYS) => top_level(),
            Section::Budget if is(&["min_delta"]) => format!("`{key}` belongs under `regression:`"),
            Section::Regression if is(BUDGET_KEYS) => format!("`{key}` belongs under `budget:`"),
            Section::Budget | Section::Regression if is(SETTINGS_KEYS) => {
                format!("`{key}` is a benchmark setting, next to `budget:` and `regression:`")
            }
            _ => return None,
        };
        Some(hint)
    }
}

/// The message for a key that the section does not know.
pub(super) fn unknown_key(key: &str, section: Section, known: &[&str]) -> String {
    let mut message = format!("unknown key `{key}` {}", section.context());
    let typo = nearest(key, known);
    let hint = match typo {
        Some(k) if same_word(key, k) => Some(format!("did you mean `{k}`?")),
        _ => section
            .elsewhere(key)
            .or_else(|| typo.map(|k| format!("did you mean `{k}`?"))),
    };
    if let Some(hint) = hint {
        message.push_str(" — ");
        message.push_str(&hint);
    }
    message.push_str(&format!(" (known keys: {})", known.join(", ")));
    message
}
