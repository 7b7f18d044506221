//! `budget.phases:`, a mapping of phase names to peak limits (`{load: 300MiB}`). A name is what a
//! marker may name (`memgate:phase NAME`, docs/phases.md), so that every budget can be met.

use std::collections::BTreeMap;

use super::raw::Lined;
use super::{Entry, Reader};
use crate::config::yaml::{Kind, Node};
use crate::results::{MAX_PHASE_NAME_CHARS, MAX_PHASES, is_valid_phase_name};

impl Reader<'_> {
    pub(super) fn phase_budgets(&mut self, entry: &Entry) -> Option<Vec<(String, Lined<u64>)>> {
        let map = match &entry.value.kind {
            Kind::Map(map) => map,
            Kind::Null => return Some(Vec::new()),
            _ => {
                self.expected(
                    entry,
                    "a mapping of phase names to peak limits (such as `{ load: 300MiB }`)",
                );
                return None;
            }
        };
        if map.len() > MAX_PHASES {
            let message = format!(
                "`{}` has {} phases; memgate keeps at most {MAX_PHASES} phases of a run",
                entry.path,
                map.len()
            );
            return self.refuse(entry, message);
        }
        let mut out = Vec::new();
        let mut first: BTreeMap<&str, &Node> = BTreeMap::new();
        let mut ok = true;
        for (key, value) in map {
            let Some(name) = self.phase_name(entry, key, &first) else {
                ok = false;
                continue;
            };
            first.insert(name, key);
            let limit = Entry {
                key: name,
                key_node: key,
                value,
                path: format!("{}.{name}", entry.path),
            };
            match self.budget_size(&limit) {
                Some(bytes) => out.push((
                    name.to_string(),
                    Lined {
                        value: bytes,
                        line: self.line(key),
                    },
                )),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A phase's name, if a marker can name it and it is not there already.
    fn phase_name<'n>(
        &mut self,
        entry: &Entry,
        key: &'n Node,
        first: &BTreeMap<&str, &Node>,
    ) -> Option<&'n str> {
        let name = match &key.kind {
            Kind::Str(name) => name.as_str(),
            _ => {
                let message = format!(
                    "phase names must be text, found {} in `{}`",
                    key.describe(),
                    entry.path
                );
                self.report(key, message);
                return None;
            }
        };
        if !is_valid_phase_name(name) {
            let message = format!(
                "`{}` is not a phase name a marker can give: 1 to {MAX_PHASE_NAME_CHARS} \
                 characters, no control or invisible characters, no space at either end",
                name.escape_debug()
            );
            self.report(key, message);
            return None;
        }
        if let Some(first) = first.get(name) {
            let message = format!(
                "duplicate phase `{name}` in `{}`{}",
                entry.path,
                self.first_at(first)
            );
            self.report(key, message);
            return None;
        }
        Some(name)
    }
}
