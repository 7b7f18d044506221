//! What the Actions runner reads from a step: the job summary (`$GITHUB_STEP_SUMMARY`), step
//! outputs (`$GITHUB_OUTPUT`), and workflow commands on standard output (`::error …::`,
//! `::group::`).
//!
//! Workflow commands are escaped as the runner unescapes them (as `@actions/core` writes them):
//! in the message `%`, `\r` and `\n`; in a property also `:` and `,`.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::report::{escape, markdown};
use crate::results::{BenchmarkResult, CheckKind, Metric, Results, Status};

/// GitHub shows at most this much of one step's summary (1 MiB).
pub const MAX_SUMMARY_BYTES: usize = 1 << 20;

/// The message of a workflow command, escaped for the runner, then for the terminal and the log
/// (other control characters, bidirectional overrides, `##[`: [`escape::log_line`]).
pub fn escape_data(text: &str) -> String {
    escape::log_line(&runner_escape(text))
}

/// The runner's own escaping of a message: it turns these back into `%`, `\r` and `\n`.
fn runner_escape(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value of a workflow command (`file=…`, `title=…`), escaped.
pub fn escape_property(text: &str) -> String {
    escape::log_line(&runner_escape(text).replace(':', "%3A").replace(',', "%2C"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
        }
    }
}

/// An annotation: `::error file=memgate.yml,line=12,title=…::message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: Level,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub title: Option<String>,
    pub message: String,
}

impl fmt::Display for Annotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut properties = Vec::new();
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = self.line {
            properties.push(format!("line={line}"));
        }
        if let Some(title) = &self.title {
            properties.push(format!("title={}", escape_property(title)));
        }
        write!(f, "::{}", self.level.as_str())?;
        if !properties.is_empty() {
            write!(f, " {}", properties.join(","))?;
        }
        write!(f, "::{}", escape_data(&self.message))
    }
}

/// A warning for the run's page (and the log): `::warning title=memgate::…`.
pub fn warning(message: &str) -> Annotation {
    Annotation {
        level: Level::Warning,
        file: None,
        line: None,
        title: Some("memgate".into()),
        message: message.to_string(),
    }
}

/// `path` as the runner wants it in `file=`: relative to the workspace, with `/`.
pub fn workspace_relative(path: &Path, workspace: Option<&Path>) -> String {
    let absolute = path.canonicalize().ok();
    let relative = match (
        absolute.as_deref(),
        workspace.and_then(|w| w.canonicalize().ok()),
    ) {
        (Some(abs), Some(ws)) => abs.strip_prefix(&ws).ok().map(Path::to_path_buf),
        _ => None,
    };
    let shown = relative.unwrap_or_else(|| {
        path.strip_prefix("./")
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    });
    shown.to_string_lossy().replace('\\', "/")
}

/// Annotations for each benchmark that failed (errors) or came near a budget (warnings): one on
/// the line of each budget figure that failed or warned, when memgate.yml says where it is, else
/// one on the benchmark's budget (or name) line. Each carries the whole reason, every failed
/// check, so that none is read alone.
pub fn annotations(results: &Results, config: &Config, file: &str) -> Vec<Annotation> {
    let mut out = Vec::new();
    for b in results
        .benchmarks
        .iter()
        .filter(|b| b.status != Status::Pass)
    {
        let level = if b.status.passes() {
            Level::Warning
        } else {
            Level::Error
        };
        let message = b
            .reason
            .clone()
            .unwrap_or_else(|| format!("{} {}", b.name, b.status.as_str()));
        let title = |what: Option<String>| {
            let mut title = format!("memgate: {} {}", shorten(&b.name), b.status.as_str());
            if let Some(what) = what {
                title.push_str(&format!(" ({what} budget)"));
            }
            title
        };
        let lines = budget_lines(b, config);
        let places: Vec<(Option<String>, Option<usize>)> = if lines.is_empty() {
            vec![(None, b.config_line)]
        } else {
            lines
                .into_iter()
                .map(|(what, l)| (Some(what), Some(l)))
                .collect()
        };
        out.extend(places.into_iter().map(|(metric, line)| Annotation {
            level,
            file: Some(file.to_string()),
            line,
            title: Some(title(metric)),
            message: message.clone(),
        }));
    }
    out
}

fn shorten(name: &str) -> String {
    escape::shorten(name, 80)
}

/// The line of each budget figure behind a failing (or warning) budget check, where
/// memgate.yml says it, with what the check is about ("peak", "phase `load` peak"); a line
/// shared by several figures (a budget in `defaults`) once.
fn budget_lines(result: &BenchmarkResult, config: &Config) -> Vec<(String, usize)> {
    let Some(benchmark) = config.benchmark(&result.name) else {
        return Vec::new();
    };
    let lines_of = &benchmark.budget_lines;
    let mut lines: Vec<(String, usize)> = Vec::new();
    for check in result
        .checks
        .iter()
        .filter(|c| c.kind == CheckKind::Budget && (!c.ok || c.warn))
    {
        let line = match (&check.phase, check.metric) {
            (Some(phase), _) => lines_of
                .phases
                .iter()
                .find(|(name, _)| name == phase)
                .map(|(_, line)| *line),
            (None, Metric::Peak) => lines_of.peak,
            (None, Metric::Steady) => lines_of.steady,
            (None, Metric::Growth) => lines_of.growth,
        };
        if let Some(line) = line.filter(|l| !lines.iter().any(|(_, seen)| seen == l)) {
            lines.push((check.subject(|name| format!("`{}`", shorten(name))), line));
        }
    }
    lines
}

/// `::group::NAME` on standard output now, `::endgroup::` when dropped; nothing when off.
pub struct Group {
    on: bool,
}

impl Group {
    pub fn start(on: bool, name: &str) -> Self {
        if on {
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "::group::{}", escape_data(name));
            let _ = out.flush();
        }
        Self { on }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.on {
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "::endgroup::");
            let _ = out.flush();
        }
    }
}

/// The report for the job summary: as much of it as fits beside what the step's summary file
/// holds already, within [`MAX_SUMMARY_BYTES`].
pub fn summary_markdown(results: &Results, used_bytes: usize) -> Option<String> {
    let room = MAX_SUMMARY_BYTES.saturating_sub(used_bytes);
    // The limit counts characters; halve it until the bytes fit too.
    let mut limit = room.min(MAX_SUMMARY_BYTES);
    while limit >= 1024 {
        let text = markdown::render_with_limit(results, limit);
        if text.len() <= room {
            return Some(text);
        }
        limit /= 2;
    }
    None
}

/// Appends the report to the job summary file.
pub fn write_summary(path: &Path, results: &Results) -> Result<(), String> {
    let used = fs::metadata(path).map_or(0, |m| m.len() as usize);
    let text = summary_markdown(results, used + 2).ok_or_else(|| {
        format!(
            "the job summary {} is full ({used} bytes); the report is not in it",
            path.display()
        )
    })?;
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|err| format!("cannot open the job summary {}: {err}", path.display()))?;
    let separator = if used > 0 { "\n" } else { "" };
    file.write_all(format!("{separator}{text}").as_bytes())
        .map_err(|err| format!("cannot write the job summary {}: {err}", path.display()))
}

/// Appends step outputs to `$GITHUB_OUTPUT`, each as `name<<DELIMITER` … `DELIMITER`, which is
/// safe for any value (the delimiter is made so that it is in no value).
pub fn write_outputs(path: &Path, outputs: &[(&str, &str)]) -> Result<(), String> {
    let mut text = String::new();
    for (name, value) in outputs {
        let delimiter = delimiter_for(value);
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|err| format!("cannot open the step outputs {}: {err}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|err| format!("cannot write the step outputs {}: {err}", path.display()))
}

/// `ghadelimiter_…` with a part that changes each run and does not occur in `value`.
fn delimiter_for(value: &str) -> String {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ (u64::from(std::process::id()) << 32);
    let mut n = seed;
    loop {
        // xorshift: cheap, and different for every try.
        n ^= n << 13;
        n ^= n >> 7;
        n ^= n << 17;
        let delimiter = format!("ghadelimiter_{n:016x}");
        if !value.contains(&delimiter) {
            return delimiter;
        }
    }
}

/// Where `memgate check` wrote its results, or where it writes them for the `results` output
/// when no `--json` was given: `$RUNNER_TEMP/memgate-results.json`.
pub fn results_path(json: Option<&Path>, runner_temp: Option<&Path>) -> Option<PathBuf> {
    json.map(Path::to_path_buf)
        .or_else(|| runner_temp.map(|dir| dir.join("memgate-results.json")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_escaped_as_the_runner_unescapes_them() {
        assert_eq!(escape_data("50%\r\nnext: a,b"), "50%25%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        let annotation = Annotation {
            level: Level::Error,
            file: Some("cfg/memgate,1.yml".into()),
            line: Some(12),
            title: Some("memgate: train::x fail".into()),
            message: "peak 812 MiB > 600 MiB\n::warning::injected".into(),
        };
        assert_eq!(
            annotation.to_string(),
            "::error file=cfg/memgate%2C1.yml,line=12,title=memgate%3A train%3A%3Ax fail::peak \
             812 MiB > 600 MiB%0A::warning::injected"
        );
    }

    #[test]
    fn outputs_use_a_delimiter_that_is_in_no_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        fs::write(&path, "earlier=1\n").unwrap();
        write_outputs(
            &path,
            &[("status", "fail"), ("results", "a\nghadelimiter_x\nb")],
        )
        .unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("earlier=1\nstatus<<ghadelimiter_"));
        let lines: Vec<&str> = text.lines().collect();
        let delim = lines[1].strip_prefix("status<<").unwrap();
        assert_eq!(lines[2], "fail");
        assert_eq!(lines[3], delim);
        let delim2 = lines[4].strip_prefix("results<<").unwrap();
        assert_eq!(&lines[5..8], &["a", "ghadelimiter_x", "b"]);
        assert_eq!(lines[8], delim2);
    }

    #[test]
    fn file_paths_are_relative_to_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("ci");
        fs::create_dir(&sub).unwrap();
        let file = sub.join("memgate.yml");
        fs::write(&file, "").unwrap();
        assert_eq!(
            workspace_relative(&file, Some(dir.path())),
            "ci/memgate.yml"
        );
        assert_eq!(
            workspace_relative(Path::new("./memgate.yml"), None),
            "memgate.yml"
        );
    }
}
