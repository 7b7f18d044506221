//! Reads the YAML node tree into checked, still unmerged sections, noting every problem on the way.
//!
//! Nothing stops at the first problem: a bad value is noted and left out, and reading goes on, so
//! that one run of `memgate validate` shows everything that is wrong with the file.
//!
//! One file per part of the document (`top_level`, `benchmark`, `settings` with `budget:` and
//! `regression:`, `github`) and per kind of value (`values`: numbers, booleans, strings and lists;
//! `quantities`: sizes, durations, rates, percentages; `env`). `mapping` reads the entries of any
//! mapping and `keys` knows which keys each mapping has.

mod benchmark;
mod env;
mod github;
mod keys;
mod mapping;
mod phases;
mod quantities;
mod raw;
mod settings;
mod top_level;
mod values;

/// For the schema's test that keeps the schema's keys in step with the reader's.
#[cfg(test)]
pub(crate) use keys::{
    BUDGET_KEYS, COMMAND_KEYS, GITHUB_KEYS, REGRESSION_KEYS, SETTINGS_KEYS, TOP_KEYS,
};
pub(crate) use raw::{Lined, RawBenchmark, RawConfig, RawSettings};

use super::yaml::{Locator, Node, Position};

/// A problem, before the file name is attached.
#[derive(Debug)]
pub(crate) struct Problem {
    pub position: Option<Position>,
    pub message: String,
}

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

/// A known key of a mapping, with its value.
struct Entry<'n> {
    key: &'n str,
    key_node: &'n Node,
    value: &'n Node,
    /// `defaults.runs`, `budget.peak`: how messages name the value.
    path: String,
}

/// Walks the tree and notes problems; each part of the document adds its own methods.
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
        self.problems.push(Problem {
            position,
            message: message.into(),
        });
    }

    /// Reports a problem with the entry's value; `None` for want of a value.
    fn refuse<T>(&mut self, entry: &Entry, message: String) -> Option<T> {
        self.report(entry.value, message);
        None
    }

    fn line(&self, node: &Node) -> Option<usize> {
        self.locator.position(node).map(|p| p.line)
    }

    /// `; the first is at line N` for a repeat of `first`, or nothing when its line is unknown.
    fn first_at(&self, first: &Node) -> String {
        self.line(first)
            .map(|line| format!("; the first is at line {line}"))
            .unwrap_or_default()
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
}
