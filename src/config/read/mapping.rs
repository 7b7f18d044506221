//! The entries of one mapping: unknown, duplicate and non-text keys reported, merge keys
//! (`<<: *anchor`) applied.

use super::keys::{Section, unknown_key};
use super::{Entry, Reader, join};
use crate::config::yaml::{Kind, Node};

/// A key, its value, and whether a merge key (`<<`) brought it in.
type Candidate<'n> = (&'n Node, &'n Node, bool);

impl Reader<'_> {
    /// The entries of a mapping with known keys, reporting unknown, duplicate and non-text keys.
    /// Merge keys (`<<: *anchor`) are applied; keys written out win over merged ones. `Null`
    /// counts as an empty mapping.
    pub(super) fn entries<'n>(
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
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut merged: Vec<Candidate> = Vec::new();
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
                    let message = format!(
                        "duplicate key `{key}` {}{}",
                        section.context(),
                        self.first_at(first)
                    );
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
    fn merge_sources<'n>(&mut self, value: &'n Node, out: &mut Vec<Candidate<'n>>) {
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
}
