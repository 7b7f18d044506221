//! Reads the YAML node tree into checked, still unmerged sections, noting every problem on the way.
//!
//! Nothing stops at the first problem: a bad value is noted and left out, and reading goes on, so
//! that one run of `memgate validate` shows everything that is wrong with the file.

use std::collections::BTreeMap;
use std::time::Duration;

use super::did_you_mean::{nearest, same_word};
use super::model::{CommentPolicy, GithubConfig, Invocation, SUPPORTED_VERSIONS};
use super::yaml::{Kind, Locator, Node, Position};
use crate::units::{self, UnitError};

pub(crate) const TOP_KEYS: &[&str] = &["version", "defaults", "setup", "benchmarks", "github"];
/// Keys a benchmark and `defaults` share.
pub(crate) const SETTINGS_KEYS: &[&str] = &[
    "cwd",
    "env",
    "timeout",
    "runs",
    "warmup",
    "interval",
    "tags",
    "budget",
    "regression",
];
/// Keys only a benchmark has.
pub(crate) const COMMAND_KEYS: &[&str] = &["name", "run", "argv"];
pub(crate) const BUDGET_KEYS: &[&str] = &["peak", "steady", "growth", "warn_at", "include_file"];
pub(crate) const REGRESSION_KEYS: &[&str] = &["peak", "steady", "min_delta"];
pub(crate) const GITHUB_KEYS: &[&str] = &["comment", "comment_author"];

/// A value and the line of its key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Lined<T> {
    pub value: T,
    pub line: Option<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct RawBudget {
    pub peak: Option<Lined<u64>>,
    pub steady: Option<Lined<u64>>,
    pub growth: Option<Lined<f64>>,
    pub warn_at: Option<f64>,
    pub include_file: Option<bool>,
}

#[derive(Debug, Default)]
pub(crate) struct RawRegression {
    pub peak: Option<f64>,
    pub steady: Option<f64>,
    pub min_delta: Option<u64>,
}

/// What a benchmark and `defaults` can both set; `None` where the file says nothing.
#[derive(Debug, Default)]
pub(crate) struct RawSettings {
    pub cwd: Option<String>,
    pub env: Option<BTreeMap<String, String>>,
    pub timeout: Option<Duration>,
    pub runs: Option<u32>,
    pub warmup: Option<u32>,
    pub interval: Option<Duration>,
    pub tags: Option<Vec<String>>,
    pub budget: RawBudget,
    /// Line of the `budget:` key.
    pub budget_line: Option<usize>,
    pub regression: RawRegression,
}

#[derive(Debug)]
pub(crate) struct RawBenchmark {
    pub name: String,
    /// Line of `name:`.
    pub line: usize,
    pub command: Invocation,
    pub settings: RawSettings,
}

#[derive(Debug)]
pub(crate) struct RawConfig {
    pub version: u32,
    pub defaults: RawSettings,
    pub setup: Vec<String>,
    pub benchmarks: Vec<RawBenchmark>,
    pub github: GithubConfig,
}

/// A problem, before the file name is attached.
pub(crate) type Problem = (Option<Position>, String);

/// Reads the whole document; `Err` holds every problem found.
pub(crate) fn read(root: &Node, source: &str) -> Result<RawConfig, Vec<Problem>> {
    let mut reader = Reader {
        locator: Locator::new(source),
        problems: Vec::new(),
    };
    let config = reader.top(root);
    match config {
        Some(config) if reader.problems.is_empty() => Ok(config),
        _ => Err(reader.problems),
    }
}

/// Which mapping a key is in; decides the known keys and the wording of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section<'a> {
    Top,
    Defaults,
    Benchmark(Option<&'a str>),
    Budget,
    Regression,
    Github,
}

impl Section<'_> {
    fn known(self) -> Vec<&'static str> {
        match self {
            Section::Top => TOP_KEYS.to_vec(),
            Section::Defaults => SETTINGS_KEYS.to_vec(),
            Section::Benchmark(_) => [COMMAND_KEYS, SETTINGS_KEYS].concat(),
            Section::Budget => BUDGET_KEYS.to_vec(),
            Section::Regression => REGRESSION_KEYS.to_vec(),
            Section::Github => GITHUB_KEYS.to_vec(),
        }
    }

    fn context(self) -> String {
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

/// A benchmark as read: whole when it had no problem; its name (and the name's node) when valid.
struct ReadBenchmark<'n> {
    benchmark: Option<RawBenchmark>,
    name: Option<(String, &'n Node)>,
}

/// A known key of a mapping, with its value.
struct Entry<'n> {
    key: &'n str,
    key_node: &'n Node,
    value: &'n Node,
    /// `defaults.runs`, `budget.peak`: how messages name the value.
    path: String,
}

struct Reader<'a> {
    locator: Locator<'a>,
    problems: Vec<Problem>,
}

/// Joins a prefix and a key into a dotted path (`budget` + `peak` → `budget.peak`).
fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

impl Reader<'_> {
    fn report(&mut self, node: &Node, message: impl Into<String>) {
        let position = self.locator.position(node);
        self.problems.push((position, message.into()));
    }

    fn line(&self, node: &Node) -> Option<usize> {
        self.locator.position(node).map(|p| p.line)
    }

    fn expected(&mut self, entry: &Entry, what: &str) {
        self.expected_hint(entry, what, "");
    }

    /// "expected … for `key`, found …", then `hint` (which starts with its own separator).
    fn expected_hint(&mut self, entry: &Entry, what: &str, hint: &str) {
        let message = format!(
            "expected {what} for `{}`, found {}{hint}",
            entry.path,
            entry.value.describe()
        );
        self.report(entry.value, message);
    }

    /// The entries of a mapping with known keys, reporting unknown, duplicate and non-text keys.
    /// Merge keys (`<<: *anchor`) are applied; keys written out win over merged ones. `Null`
    /// counts as an empty mapping.
    fn entries<'n>(
        &mut self,
        node: &'n Node,
        section: Section,
        what: &str,
        prefix: &str,
    ) -> Vec<Entry<'n>> {
        let own = match &node.kind {
            Kind::Map(entries) => entries,
            Kind::Null => return Vec::new(),
            _ => {
                let message = format!("expected {what} for `{prefix}`, found {}", node.describe());
                self.report(node, message);
                return Vec::new();
            }
        };
        // Keys written out first, then merged ones, each key kept once.
        let mut candidates: Vec<(&Node, &Node, bool)> = Vec::new();
        let mut merged: Vec<(&Node, &Node, bool)> = Vec::new();
        for (key, value) in own {
            if matches!(&key.kind, Kind::Str(k) if k == "<<") {
                self.merge_sources(value, &mut merged);
            } else {
                candidates.push((key, value, false));
            }
        }
        let mut seen: Vec<(&str, &Node)> = Vec::new();
        let mut out = Vec::new();
        for (key_node, value, is_merged) in candidates.into_iter().chain(merged) {
            let Kind::Str(key) = &key_node.kind else {
                let message = format!(
                    "keys must be text, found {} {}",
                    key_node.describe(),
                    section.context()
                );
                self.report(key_node, message);
                continue;
            };
            if let Some(&(_, first)) = seen.iter().find(|(k, _)| k == key) {
                if !is_merged {
                    let message = match self.line(first) {
                        Some(line) => format!(
                            "duplicate key `{key}` {}; the first is at line {line}",
                            section.context()
                        ),
                        None => format!("duplicate key `{key}` {}", section.context()),
                    };
                    self.report(key_node, message);
                }
                continue;
            }
            seen.push((key, key_node));
            let known = section.known();
            if !known.contains(&key.as_str()) {
                self.report(key_node, unknown_key(key, section, &known));
                continue;
            }
            out.push(Entry {
                key,
                key_node,
                value,
                path: join(prefix, key),
            });
        }
        out
    }

    /// The entries a merge key (`<<`) brings in: a mapping, or a list of mappings (earlier wins).
    fn merge_sources<'n>(&mut self, value: &'n Node, out: &mut Vec<(&'n Node, &'n Node, bool)>) {
        match &value.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    out.push((k, v, true));
                }
            }
            Kind::Seq(items) => {
                for item in items {
                    match &item.kind {
                        Kind::Map(_) => self.merge_sources(item, out),
                        _ => self.report(
                            item,
                            format!("expected a mapping to merge, found {}", item.describe()),
                        ),
                    }
                }
            }
            _ => self.report(
                value,
                format!(
                    "expected a mapping (or a list of mappings) to merge with `<<`, found {}",
                    value.describe()
                ),
            ),
        }
    }

    fn top(&mut self, root: &Node) -> Option<RawConfig> {
        match &root.kind {
            Kind::Map(_) => {}
            Kind::Null => {
                self.report(
                    root,
                    "the file is empty; it needs `version: 1` and a `benchmarks:` list \
                     (`memgate init` writes a starter file)",
                );
                return None;
            }
            _ => {
                let message = format!(
                    "expected a mapping with `version:` and `benchmarks:` at the top level, found {}",
                    root.describe()
                );
                self.report(root, message);
                return None;
            }
        }
        let entries = self.entries(root, Section::Top, "a mapping", "");
        let mut config = RawConfig {
            version: SUPPORTED_VERSIONS[0],
            defaults: RawSettings::default(),
            setup: Vec::new(),
            benchmarks: Vec::new(),
            github: GithubConfig::default(),
        };
        let mut saw_benchmarks = false;
        for entry in &entries {
            match entry.key {
                "version" => {
                    if let Some(version) = self.version(entry) {
                        config.version = version;
                    }
                }
                "defaults" => config.defaults = self.settings(entry.value, Section::Defaults),
                "setup" => {
                    config.setup = self
                        .strings(entry, "a list of shell commands")
                        .unwrap_or_default()
                }
                "benchmarks" => {
                    saw_benchmarks = true;
                    config.benchmarks = self.benchmarks(entry);
                }
                "github" => config.github = self.github(entry),
                _ => unreachable!("known top-level key {}", entry.key),
            }
        }
        if !saw_benchmarks {
            self.report(
                root,
                "no `benchmarks:` list; add one with at least one benchmark (`name:` and `run:`)",
            );
        }
        Some(config)
    }

    fn version(&mut self, entry: &Entry) -> Option<u32> {
        let supported = SUPPORTED_VERSIONS
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        match entry.value.kind {
            Kind::Int(v) => match u32::try_from(v) {
                Ok(v) if SUPPORTED_VERSIONS.contains(&v) => Some(v),
                _ => {
                    let newer = SUPPORTED_VERSIONS.iter().all(|&s| i128::from(s) < v);
                    let hint = if newer {
                        " (a newer memgate may read this file)"
                    } else {
                        ""
                    };
                    let message = format!(
                        "unsupported version {v}; this memgate reads version {supported}{hint}"
                    );
                    self.report(entry.value, message);
                    None
                }
            },
            _ => {
                self.expected(entry, &format!("a version number ({supported})"));
                None
            }
        }
    }

    fn benchmarks(&mut self, entry: &Entry) -> Vec<RawBenchmark> {
        let items: &[Node] = match &entry.value.kind {
            Kind::Seq(items) => items,
            Kind::Null => &[],
            _ => {
                self.expected(entry, "a list of benchmarks");
                return Vec::new();
            }
        };
        if items.is_empty() {
            self.report(
                entry.key_node,
                "`benchmarks` is empty; add at least one benchmark (`name:` and `run:`)",
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        // The line of the first benchmark of each name.
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for item in items {
            let Some(read) = self.benchmark(item) else {
                continue;
            };
            // Duplicates are reported even for benchmarks with other problems.
            if let Some((name, name_node)) = &read.name {
                let line = self.line(name_node).unwrap_or(0);
                if let Some(&first) = names.get(name) {
                    let message =
                        format!("duplicate benchmark name `{name}`; the first is at line {first}");
                    self.report(name_node, message);
                    continue;
                }
                names.insert(name.clone(), line);
            }
            out.extend(read.benchmark);
        }
        out
    }

    /// One benchmark; `None` when the item is not even a mapping.
    fn benchmark<'n>(&mut self, item: &'n Node) -> Option<ReadBenchmark<'n>> {
        let Kind::Map(map) = &item.kind else {
            let message = format!(
                "expected a benchmark (a mapping with `name:` and `run:`) in `benchmarks`, found {}",
                item.describe()
            );
            self.report(item, message);
            return None;
        };
        // The name first, so that messages about the other keys can say which benchmark.
        let name_hint = map.iter().find_map(|(k, v)| match (&k.kind, &v.kind) {
            (Kind::Str(k), Kind::Str(v)) if k == "name" && !v.trim().is_empty() => Some(v.as_str()),
            _ => None,
        });
        let section = Section::Benchmark(name_hint);
        let entries = self.entries(item, section, "a mapping", "");
        let mut ok = true;
        let mut name = None;
        let mut name_node = item;
        let mut run: Option<&Entry> = None;
        let mut argv: Option<&Entry> = None;
        let mut command = None;
        for entry in &entries {
            match entry.key {
                "name" => {
                    name_node = entry.value;
                    name = self.name(entry);
                    ok &= name.is_some();
                }
                "run" => {
                    run = Some(entry);
                    let value = self.run(entry);
                    ok &= value.is_some();
                    command = command.or(value.map(Invocation::Shell));
                }
                "argv" => {
                    argv = Some(entry);
                    let value = self.argv(entry);
                    ok &= value.is_some();
                    command = command.or(value.map(Invocation::Argv));
                }
                _ => {}
            }
        }
        let label = match name_hint {
            Some(name) => format!("benchmark `{name}`"),
            None => "this benchmark".to_string(),
        };
        if !entries.iter().any(|e| e.key == "name") {
            self.report(
                item,
                "a benchmark needs a `name:` (unique among the benchmarks)",
            );
            ok = false;
        }
        match (run, argv) {
            (Some(run), Some(argv)) => {
                let later = if self.line(run.key_node) > self.line(argv.key_node) {
                    run
                } else {
                    argv
                };
                let message = format!(
                    "{label} has both `run` and `argv`; keep one (`run:` is a shell command, \
                     `argv:` a program and its arguments, without a shell)"
                );
                self.report(later.key_node, message);
                ok = false;
            }
            (None, None) => {
                let message = format!(
                    "{label} has no command; add `run:` (a shell command) or `argv:` \
                     (a program and its arguments, without a shell)"
                );
                self.report(item, message);
                ok = false;
            }
            _ => {}
        }
        let problems_before = self.problems.len();
        let settings = self.settings_from(&entries, "");
        ok &= self.problems.len() == problems_before;
        let line = self.line(name_node).unwrap_or(0);
        let benchmark = match (ok, &name, command) {
            (true, Some(name), Some(command)) => Some(RawBenchmark {
                name: name.clone(),
                line,
                command,
                settings,
            }),
            _ => None,
        };
        Some(ReadBenchmark {
            benchmark,
            name: name.map(|name| (name, name_node)),
        })
    }

    fn name(&mut self, entry: &Entry) -> Option<String> {
        let Kind::Str(name) = &entry.value.kind else {
            self.expected(entry, "a benchmark name (a string)");
            return None;
        };
        if name.trim().is_empty() {
            self.report(entry.value, "a benchmark name cannot be empty");
            return None;
        }
        if name.chars().any(char::is_control) {
            self.report(
                entry.value,
                "a benchmark name cannot contain control characters (tabs, newlines, …)",
            );
            return None;
        }
        Some(name.clone())
    }

    fn run(&mut self, entry: &Entry) -> Option<String> {
        match &entry.value.kind {
            Kind::Str(script) if script.trim().is_empty() => {
                self.report(
                    entry.value,
                    "`run` is empty; write the shell command to measure",
                );
                None
            }
            Kind::Str(script) => Some(script.clone()),
            Kind::Seq(_) => {
                self.expected_hint(
                    entry,
                    "a shell command (a string)",
                    "; for a program and its arguments without a shell, use `argv:`",
                );
                None
            }
            _ => {
                self.expected(entry, "a shell command (a string)");
                None
            }
        }
    }

    fn argv(&mut self, entry: &Entry) -> Option<Vec<String>> {
        if let Kind::Str(_) = entry.value.kind {
            self.expected_hint(
                entry,
                "a list of strings (the program and its arguments)",
                "; for a shell command, use `run:`",
            );
            return None;
        }
        let args = self.strings(entry, "a list of strings (the program and its arguments)")?;
        match args.first() {
            None => {
                self.report(
                    entry.value,
                    "`argv` is empty; write the program and its arguments",
                );
                None
            }
            Some(program) if program.is_empty() => {
                self.report(
                    entry.value,
                    "the program (first item of `argv`) cannot be empty",
                );
                None
            }
            Some(_) => Some(args),
        }
    }

    /// `defaults:` (a mapping of its own).
    fn settings(&mut self, node: &Node, section: Section) -> RawSettings {
        let prefix = "defaults";
        let entries = self.entries(
            node,
            section,
            "a mapping of settings shared by all benchmarks",
            prefix,
        );
        self.settings_from(&entries, prefix)
    }

    /// The shared settings among already checked entries (other keys are skipped).
    fn settings_from(&mut self, entries: &[Entry], prefix: &str) -> RawSettings {
        let mut s = RawSettings::default();
        for entry in entries {
            match entry.key {
                "cwd" => s.cwd = self.string(entry, "a folder (a string)"),
                "env" => s.env = self.env(entry),
                "timeout" => s.timeout = self.duration(entry, true),
                "interval" => s.interval = self.duration(entry, true),
                "runs" => s.runs = self.count(entry, 1),
                "warmup" => s.warmup = self.count(entry, 0),
                "tags" => s.tags = self.strings(entry, "a list of tags (strings)"),
                "budget" => {
                    s.budget_line = self.line(entry.key_node);
                    s.budget = self.budget(entry, prefix);
                }
                "regression" => s.regression = self.regression(entry, prefix),
                _ => {}
            }
        }
        s
    }

    fn budget(&mut self, entry: &Entry, prefix: &str) -> RawBudget {
        let prefix = join(prefix, "budget");
        let section = Section::Budget;
        let entries = self.entries(
            entry.value,
            section,
            "a mapping of limits (such as `peak: 400MiB`)",
            &prefix,
        );
        let mut b = RawBudget::default();
        for e in &entries {
            let line = self.line(e.key_node);
            let lined = |value| Lined { value, line };
            match e.key {
                "peak" => b.peak = self.budget_size(e).map(lined),
                "steady" => b.steady = self.budget_size(e).map(lined),
                "growth" => {
                    b.growth = self.rate(e).map(|value| Lined { value, line });
                }
                "warn_at" => {
                    b.warn_at = self.percent(e).and_then(|fraction| {
                        if fraction > 0.0 && fraction <= 1.0 {
                            Some(fraction)
                        } else {
                            let message = format!(
                                "`{}` must be above 0% and at most 100%, found {}",
                                e.path,
                                e.value.scalar_text().unwrap_or_default()
                            );
                            self.report(e.value, message);
                            None
                        }
                    });
                }
                "include_file" => b.include_file = self.boolean(e),
                _ => {}
            }
        }
        b
    }

    fn regression(&mut self, entry: &Entry, prefix: &str) -> RawRegression {
        let prefix = join(prefix, "regression");
        let entries = self.entries(
            entry.value,
            Section::Regression,
            "a mapping of thresholds (such as `peak: 10%`)",
            &prefix,
        );
        let mut r = RawRegression::default();
        for e in &entries {
            match e.key {
                "peak" => r.peak = self.percent(e),
                "steady" => r.steady = self.percent(e),
                "min_delta" => r.min_delta = self.size(e),
                _ => {}
            }
        }
        r
    }

    fn github(&mut self, entry: &Entry) -> GithubConfig {
        let entries = self.entries(
            entry.value,
            Section::Github,
            "a mapping (such as `comment: on-change`)",
            "github",
        );
        let mut github = GithubConfig::default();
        for e in &entries {
            match e.key {
                "comment" => {
                    if let Some(policy) = self.comment_policy(e) {
                        github.comment = policy;
                    }
                }
                "comment_author" => github.comment_author = self.string(e, "a GitHub login"),
                _ => {}
            }
        }
        github
    }

    fn comment_policy(&mut self, entry: &Entry) -> Option<CommentPolicy> {
        let names: Vec<&str> = CommentPolicy::ALL.iter().map(|p| p.as_str()).collect();
        let expected = "always, on-change, on-failure or never";
        match &entry.value.kind {
            Kind::Str(s) => match s.parse::<CommentPolicy>() {
                Ok(policy) => Some(policy),
                Err(_) => {
                    let hint = nearest(s, &names)
                        .map(|n| format!(" — did you mean `{n}`?"))
                        .unwrap_or_default();
                    let message = format!(
                        "unknown comment policy `{s}` for `{}`{hint} (expected {expected})",
                        entry.path
                    );
                    self.report(entry.value, message);
                    None
                }
            },
            Kind::Bool(false) => {
                self.expected(
                    entry,
                    &format!("one of {expected} (`never` turns comments off)"),
                );
                None
            }
            _ => {
                self.expected(entry, &format!("one of {expected}"));
                None
            }
        }
    }

    fn string(&mut self, entry: &Entry, what: &str) -> Option<String> {
        match &entry.value.kind {
            Kind::Str(s) if s.trim().is_empty() => {
                let message = format!("`{}` cannot be empty", entry.path);
                self.report(entry.value, message);
                None
            }
            Kind::Str(s) => Some(s.clone()),
            _ => {
                self.expected(entry, what);
                None
            }
        }
    }

    /// A list of non-empty strings; `Null` is an empty list.
    fn strings(&mut self, entry: &Entry, what: &str) -> Option<Vec<String>> {
        let items: &[Node] = match &entry.value.kind {
            Kind::Seq(items) => items,
            Kind::Null => &[],
            Kind::Str(one) => {
                let simple = !one.contains([',', ':', '[', ']', '{', '}', '#', '"', '\'']);
                let hint = if simple {
                    format!("; for one item, write a list of one: `[{one}]`")
                } else {
                    "; for one item, write a list of one (`- …` on the next line)".to_string()
                };
                self.expected_hint(entry, what, &hint);
                return None;
            }
            _ => {
                self.expected(entry, what);
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match &item.kind {
                Kind::Str(s) if s.trim().is_empty() => {
                    let message = format!("empty item in `{}`", entry.path);
                    self.report(item, message);
                    ok = false;
                }
                Kind::Str(s) => out.push(s.clone()),
                Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                    let text = item.scalar_text().unwrap_or_else(|| item.describe());
                    let message = format!(
                        "items of `{}` must be strings, found {}; quote it: `\"{text}\"`",
                        entry.path,
                        item.describe()
                    );
                    self.report(item, message);
                    ok = false;
                }
                _ => {
                    let message = format!(
                        "expected {what} for `{}`, but an item is {}",
                        entry.path,
                        item.describe()
                    );
                    self.report(item, message);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn env(&mut self, entry: &Entry) -> Option<BTreeMap<String, String>> {
        let map = match &entry.value.kind {
            Kind::Map(map) => map,
            Kind::Null => return Some(BTreeMap::new()),
            _ => {
                self.expected(
                    entry,
                    "a mapping of environment variables (such as `{ OMP_NUM_THREADS: \"1\" }`)",
                );
                return None;
            }
        };
        let mut out = BTreeMap::new();
        let mut first_lines: BTreeMap<&str, &Node> = BTreeMap::new();
        let mut ok = true;
        for (key, value) in map {
            let Kind::Str(name) = &key.kind else {
                let message = format!(
                    "environment variable names must be text, found {} in `{}`",
                    key.describe(),
                    entry.path
                );
                self.report(key, message);
                ok = false;
                continue;
            };
            if name.is_empty() || name.contains('=') || name.contains('\0') {
                let message = format!(
                    "`{name}` is not a valid environment variable name (it must be non-empty, \
                     without `=`)"
                );
                self.report(key, message);
                ok = false;
                continue;
            }
            if let Some(first) = first_lines.get(name.as_str()) {
                let message = match self.line(first) {
                    Some(line) => format!(
                        "duplicate environment variable `{name}` in `{}`; the first is at line {line}",
                        entry.path
                    ),
                    None => format!(
                        "duplicate environment variable `{name}` in `{}`",
                        entry.path
                    ),
                };
                self.report(key, message);
                ok = false;
                continue;
            }
            first_lines.insert(name, key);
            match &value.kind {
                Kind::Str(v) if v.contains('\0') => {
                    self.report(
                        value,
                        format!("the value of `{name}` contains a NUL character"),
                    );
                    ok = false;
                }
                Kind::Str(v) => {
                    out.insert(name.clone(), v.clone());
                }
                Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                    let text = value.scalar_text().unwrap_or_else(|| match value.kind {
                        Kind::Bool(b) => b.to_string(),
                        _ => String::new(),
                    });
                    let message = format!(
                        "environment values must be strings, found {} for `{name}`; quote it: \
                         `{name}: \"{text}\"`",
                        value.describe()
                    );
                    self.report(value, message);
                    ok = false;
                }
                _ => {
                    let message = format!(
                        "expected a string for the environment variable `{name}`, found {}",
                        value.describe()
                    );
                    self.report(value, message);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// A whole number of at least `min` that fits in a `u32`.
    fn count(&mut self, entry: &Entry, min: u32) -> Option<u32> {
        let Kind::Int(v) = entry.value.kind else {
            self.expected(entry, "a whole number");
            return None;
        };
        if v < i128::from(min) {
            let message = if min == 0 {
                format!("`{}` cannot be negative, found {v}", entry.path)
            } else {
                format!("`{}` must be at least {min}, found {v}", entry.path)
            };
            self.report(entry.value, message);
            return None;
        }
        match u32::try_from(v) {
            Ok(v) => Some(v),
            Err(_) => {
                let message = format!("`{}` is too large (at most {})", entry.path, u32::MAX);
                self.report(entry.value, message);
                None
            }
        }
    }

    /// The text of a scalar to hand to a unit parser, or a type error.
    fn unit_text(&mut self, entry: &Entry, what: &str) -> Option<String> {
        match entry.value.scalar_text() {
            Some(text) => Some(text),
            None => {
                self.expected(entry, what);
                None
            }
        }
    }

    fn unit_error(&mut self, entry: &Entry, quantity: &str, text: &str, err: UnitError) {
        let message = format!("invalid {quantity} `{text}` for `{}`: {err}", entry.path);
        self.report(entry.value, message);
    }

    fn duration(&mut self, entry: &Entry, nonzero: bool) -> Option<Duration> {
        let text = self.unit_text(entry, "a duration such as `10m` or `10ms`")?;
        match units::parse_duration(&text) {
            Ok(d) if nonzero && d.is_zero() => {
                let message = format!("`{}` must be greater than zero", entry.path);
                self.report(entry.value, message);
                None
            }
            Ok(d) => Some(d),
            Err(err) => {
                self.unit_error(entry, "duration", &text, err);
                None
            }
        }
    }

    fn size(&mut self, entry: &Entry) -> Option<u64> {
        let text = self.unit_text(entry, "a size such as `400MiB`")?;
        match units::parse_size(&text) {
            Ok(bytes) => Some(bytes),
            Err(err) => {
                self.unit_error(entry, "size", &text, err);
                None
            }
        }
    }

    /// A size that is a limit: zero would fail every run.
    fn budget_size(&mut self, entry: &Entry) -> Option<u64> {
        let bytes = self.size(entry)?;
        if bytes == 0 {
            let message = format!(
                "`{}` is 0, which every run would exceed; leave it out for no limit",
                entry.path
            );
            self.report(entry.value, message);
            return None;
        }
        Some(bytes)
    }

    fn rate(&mut self, entry: &Entry) -> Option<f64> {
        let text = self.unit_text(entry, "a rate such as `2MiB/s`")?;
        match units::parse_rate(&text) {
            Ok(rate) => Some(rate),
            Err(err) => {
                self.unit_error(entry, "rate", &text, err);
                None
            }
        }
    }

    fn percent(&mut self, entry: &Entry) -> Option<f64> {
        let text = self.unit_text(entry, "a percentage such as `10%`")?;
        match units::parse_percent(&text) {
            Ok(fraction) => Some(fraction),
            Err(err) => {
                // `0.9` meant as a fraction: say how to write it.
                let fraction = match entry.value.kind {
                    Kind::Float(x) if x > 0.0 && x <= 1.0 => Some(x),
                    _ => None,
                };
                let mut message =
                    format!("invalid percentage `{text}` for `{}`: {err}", entry.path);
                if let Some(x) = fraction {
                    let percent = format!("{:.4}", x * 100.0);
                    let percent = percent.trim_end_matches('0').trim_end_matches('.');
                    message.push_str(&format!("; for a fraction of {text}, write `{percent}%`"));
                }
                self.report(entry.value, message);
                None
            }
        }
    }

    fn boolean(&mut self, entry: &Entry) -> Option<bool> {
        match &entry.value.kind {
            Kind::Bool(b) => Some(*b),
            Kind::Str(s) => {
                // YAML 1.1 booleans are text in YAML 1.2, which serde_yaml reads.
                let meant = match s.to_ascii_lowercase().as_str() {
                    "yes" | "y" | "on" => Some(true),
                    "no" | "n" | "off" => Some(false),
                    _ => None,
                };
                let hint = meant.map(|b| format!("; write `{b}`")).unwrap_or_default();
                self.expected_hint(entry, "`true` or `false`", &hint);
                None
            }
            _ => {
                self.expected(entry, "`true` or `false`");
                None
            }
        }
    }
}

/// The message for a key that the section does not know.
fn unknown_key(key: &str, section: Section, known: &[&str]) -> String {
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
