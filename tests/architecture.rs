//! The shape of the code, checked on every run so that it stays as docs/architecture.md draws it:
//! dependencies point one way (no cycle among the top-level modules, clap only in the command
//! layer), no file over 600 lines and no function over 80 lines outside tests, and no citation of
//! a document that is not in the repository.
//!
//! It reads the sources as text (a line-based reading that fits rustfmt's layout), so it costs no
//! dependency and a few milliseconds.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

/// Every `.rs` file under `src/`, with its text up to its `#[cfg(test)]` module (tests may be long).
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|path| path.file_name().is_some_and(|name| name != "tests.rs"))
        .map(|path| {
            let text = fs::read_to_string(&path).expect("a source file is UTF-8");
            let code = match text.find("\n#[cfg(test)]\nmod tests") {
                Some(end) => text[..end].to_string(),
                None => text,
            };
            let relative = path.strip_prefix(&root).expect("under src/").to_path_buf();
            (relative, code)
        })
        .collect()
}

/// The top-level module a file belongs to (`report` for `report/chart/mod.rs`).
fn top_module(path: &Path) -> String {
    let first = path.components().next().expect("a path under src/");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// Lines that are code, not comments (doc comments name other modules freely).
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
}

/// The top-level modules a file's code names as `crate::NAME`.
fn dependencies(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut deps = BTreeSet::new();
    let code: Vec<&str> = code_lines(text).collect();
    let code = code.join("\n");
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c, …};`
            let group = &group[..group.find("};").unwrap_or(group.len())];
            for item in group.split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if modules.contains(name) {
                    deps.insert(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&name) {
                deps.insert(name);
            }
        }
    }
    deps
}

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(path, _)| top_module(path))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in &files {
        let module = top_module(path);
        if !modules.contains(&module) {
            continue;
        }
        let deps = dependencies(text, &modules);
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(deps.into_iter().filter(|d| *d != module));
    }
    graph
}

/// A path from `from` back to itself, if the graph has one.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![(from.to_string(), vec![from.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if next == from {
                let mut cycle = path.clone();
                cycle.push(from.to_string());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_cycle_among_the_top_level_modules() {
    let graph = module_graph();
    assert!(graph.len() >= 5, "the module graph was not read: {graph:?}");
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|module| cycle_through(&graph, module))
        .map(|cycle| cycle.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "module cycles: {cycles:#?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycle_through(&graph, "a"),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    graph.get_mut("c").unwrap().clear();
    assert_eq!(cycle_through(&graph, "a"), None);
}

#[test]
fn clap_is_only_in_the_command_layer() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(path, _)| !matches!(top_module(path).as_str(), "cli" | "commands" | "main"))
        .filter(|(_, text)| code_lines(text).any(|line| line.contains("clap::")))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "library modules that import clap: {offenders:?}"
    );
}

#[test]
fn no_file_is_over_600_lines_outside_tests() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > MAX_FILE_LINES)
        .map(|(path, text)| format!("{}: {} lines", path.display(), text.lines().count()))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines: {long:#?}"
    );
}

/// Each function's name and length in lines, from its `fn` line to the `}` at its indentation.
fn function_lengths(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let signature = trimmed
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("async ")
            .trim_start_matches("unsafe ");
        let Some(rest) = signature.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue; // a trait method without a body
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        let end = (start..lines.len())
            .find(|&i| {
                lines[i].trim_end() == close || (i == start && line.trim_end().ends_with('}'))
            })
            .unwrap_or(lines.len() - 1);
        found.push((name, start + 1, end - start + 1));
    }
    found
}

#[test]
fn the_function_measure_counts_from_fn_to_its_closing_brace() {
    let text = "fn a() {\n    x();\n}\n\nimpl T {\n    pub fn b(&self) -> u8 {\n        if c {\n        }\n        1\n    }\n}\n";
    assert_eq!(
        function_lengths(text),
        vec![("a".to_string(), 1, 3), ("b".to_string(), 6, 5)]
    );
}

#[test]
fn no_function_is_over_80_lines_outside_tests() {
    let long: Vec<String> = sources()
        .into_iter()
        .flat_map(|(path, text)| {
            function_lengths(&text)
                .into_iter()
                .filter(|(_, _, lines)| *lines > MAX_FN_LINES)
                .map(move |(name, line, lines)| {
                    format!("{}:{line} fn {name}: {lines} lines", path.display())
                })
        })
        .collect();
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines: {long:#?}"
    );
}

#[test]
fn comments_cite_documents_that_are_in_the_repository() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.contains("DESIGN §"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "cite docs/architecture.md or another docs/ page instead of DESIGN: {offenders:?}"
    );
}
