//! Plain values: whole numbers, booleans, strings and lists of strings.

use super::{Entry, Reader};
use crate::config::model::Limits;
use crate::config::yaml::{Kind, Node};

impl Reader<'_> {
    /// A whole number within `limits`.
    pub(super) fn count(&mut self, entry: &Entry, limits: Limits<u32>) -> Option<u32> {
        let Kind::Int(v) = entry.value.kind else {
            self.expected(entry, "a whole number");
            return None;
        };
        let message = if v < i128::from(limits.min) {
            if limits.min == 0 {
                format!("`{}` cannot be negative, found {v}", entry.path)
            } else {
                format!(
                    "`{}` must be at least {}, found {v}",
                    entry.path, limits.min
                )
            }
        } else {
            match u32::try_from(v) {
                Ok(v) if limits.contains(v) => return Some(v),
                _ => format!("`{}` must be {}, found {v}", entry.path, limits.text),
            }
        };
        self.refuse(entry, message)
    }

    pub(super) fn boolean(&mut self, entry: &Entry) -> Option<bool> {
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

    /// A non-empty string.
    pub(super) fn string(&mut self, entry: &Entry, what: &str) -> Option<String> {
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
    pub(super) fn strings(&mut self, entry: &Entry, what: &str) -> Option<Vec<String>> {
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
            match self.list_item(entry, what, item) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// One item of a list of strings.
    fn list_item(&mut self, entry: &Entry, what: &str, item: &Node) -> Option<String> {
        let message = match &item.kind {
            Kind::Str(s) if s.trim().is_empty() => format!("empty item in `{}`", entry.path),
            Kind::Str(s) => return Some(s.clone()),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                let text = item.scalar_text().unwrap_or_else(|| item.describe());
                format!(
                    "items of `{}` must be strings, found {}; quote it: `\"{text}\"`",
                    entry.path,
                    item.describe()
                )
            }
            _ => format!(
                "expected {what} for `{}`, but an item is {}",
                entry.path,
                item.describe()
            ),
        };
        self.report(item, message);
        None
    }
}
