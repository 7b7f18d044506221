//! `benchmarks:`, the list, and each benchmark: its name, its command (`run:` or `argv:`) and its
//! own settings.

use std::collections::BTreeMap;

use super::keys::Section;
use super::raw::RawBenchmark;
use super::{Entry, Reader};
use crate::config::model::Invocation;
use crate::config::yaml::{Kind, Node};

/// A benchmark as read: whole when it had no problem; its name (and the name's node) when valid.
struct ReadBenchmark<'n> {
    benchmark: Option<RawBenchmark>,
    name: Option<(String, &'n Node)>,
}

/// The keys only a benchmark has, as read.
struct CommandKeys<'e, 'n> {
    /// The valid name, if any.
    name: Option<String>,
    /// The value of `name:`, valid or not.
    name_node: Option<&'n Node>,
    run: Option<&'e Entry<'n>>,
    argv: Option<&'e Entry<'n>>,
    /// The valid command, the first one written if both are.
    command: Option<Invocation>,
}

/// The benchmark's name if it is plainly written, so that messages about its other keys can say
/// which benchmark they are about.
fn name_hint(map: &[(Node, Node)]) -> Option<&str> {
    map.iter().find_map(|(k, v)| match (&k.kind, &v.kind) {
        (Kind::Str(k), Kind::Str(v)) if k == "name" && !v.trim().is_empty() => Some(v.as_str()),
        _ => None,
    })
}

impl Reader<'_> {
    pub(super) fn benchmarks(&mut self, entry: &Entry) -> Vec<RawBenchmark> {
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
        let problems_before = self.problems.len();
        let name_hint = name_hint(map);
        let entries = self.entries(item, Section::Benchmark(name_hint), "a mapping", "");
        let keys = self.command_keys(&entries);
        if !entries.iter().any(|e| e.key == "name") {
            self.report(
                item,
                "a benchmark needs a `name:` (unique among the benchmarks)",
            );
        }
        self.one_command(item, name_hint, keys.run, keys.argv);
        let settings = self.settings_from(&entries, "");
        let name_node = keys.name_node.unwrap_or(item);
        let line = self.line(name_node).unwrap_or(0);
        // Whole only without a problem (any problem fails the file; this keeps the rest simple).
        let benchmark = match (
            self.problems.len() == problems_before,
            &keys.name,
            keys.command,
        ) {
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
            name: keys.name.map(|name| (name, name_node)),
        })
    }

    /// Reads `name`, `run` and `argv` among the benchmark's entries.
    fn command_keys<'e, 'n>(&mut self, entries: &'e [Entry<'n>]) -> CommandKeys<'e, 'n> {
        let mut keys = CommandKeys {
            name: None,
            name_node: None,
            run: None,
            argv: None,
            command: None,
        };
        for entry in entries {
            match entry.key {
                "name" => {
                    keys.name_node = Some(entry.value);
                    keys.name = self.name(entry);
                }
                "run" => {
                    keys.run = Some(entry);
                    let command = self.run(entry).map(Invocation::Shell);
                    keys.command = keys.command.or(command);
                }
                "argv" => {
                    keys.argv = Some(entry);
                    let command = self.argv(entry).map(Invocation::Argv);
                    keys.command = keys.command.or(command);
                }
                _ => {}
            }
        }
        keys
    }

    /// Reports a benchmark with both `run` and `argv`, or with neither.
    fn one_command(
        &mut self,
        item: &Node,
        name_hint: Option<&str>,
        run: Option<&Entry>,
        argv: Option<&Entry>,
    ) {
        let label = match name_hint {
            Some(name) => format!("benchmark `{name}`"),
            None => "this benchmark".to_string(),
        };
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
            }
            (None, None) => {
                let message = format!(
                    "{label} has no command; add `run:` (a shell command) or `argv:` \
                     (a program and its arguments, without a shell)"
                );
                self.report(item, message);
            }
            _ => {}
        }
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
}
