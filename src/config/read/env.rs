//! `env:`, a mapping of environment variables: names a process can take, values that are text.

use std::collections::BTreeMap;

use super::{Entry, Reader};
use crate::config::yaml::{Kind, Node};

impl Reader<'_> {
    pub(super) fn env(&mut self, entry: &Entry) -> Option<BTreeMap<String, String>> {
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
        let mut first_keys: BTreeMap<&str, &Node> = BTreeMap::new();
        let mut ok = true;
        for (key, value) in map {
            let Some(name) = self.env_name(entry, key, &first_keys) else {
                ok = false;
                continue;
            };
            first_keys.insert(name, key);
            match self.env_value(name, value) {
                Some(value) => {
                    out.insert(name.to_string(), value);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// The name of a variable, if it is a valid one that `first_keys` does not have yet.
    fn env_name<'n>(
        &mut self,
        entry: &Entry,
        key: &'n Node,
        first_keys: &BTreeMap<&str, &Node>,
    ) -> Option<&'n str> {
        let Kind::Str(name) = &key.kind else {
            let message = format!(
                "environment variable names must be text, found {} in `{}`",
                key.describe(),
                entry.path
            );
            self.report(key, message);
            return None;
        };
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            let message = format!(
                "`{name}` is not a valid environment variable name (it must be non-empty, \
                 without `=`)"
            );
            self.report(key, message);
            return None;
        }
        if let Some(first) = first_keys.get(name.as_str()) {
            let message = format!(
                "duplicate environment variable `{name}` in `{}`{}",
                entry.path,
                self.first_at(first)
            );
            self.report(key, message);
            return None;
        }
        Some(name)
    }

    /// The value of the variable `name`, if it is text a process can take.
    fn env_value(&mut self, name: &str, value: &Node) -> Option<String> {
        let message = match &value.kind {
            Kind::Str(v) if v.contains('\0') => {
                format!("the value of `{name}` contains a NUL character")
            }
            Kind::Str(v) => return Some(v.clone()),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                let text = value.scalar_text().unwrap_or_else(|| match value.kind {
                    Kind::Bool(b) => b.to_string(),
                    _ => String::new(),
                });
                format!(
                    "environment values must be strings, found {} for `{name}`; quote it: \
                     `{name}: \"{text}\"`",
                    value.describe()
                )
            }
            _ => format!(
                "expected a string for the environment variable `{name}`, found {}",
                value.describe()
            ),
        };
        self.report(value, message);
        None
    }
}
