//! The top level of the document: `version`, `setup`, and the sections each read elsewhere.

use super::keys::Section;
use super::raw::{RawConfig, RawSettings};
use super::{Entry, Reader};
use crate::config::model::{GithubConfig, SUPPORTED_VERSIONS};
use crate::config::yaml::{Kind, Node};

impl Reader<'_> {
    /// The whole document; `None` when it is not even a mapping.
    pub(super) fn top(&mut self, root: &Node) -> Option<RawConfig> {
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
            cgroup: None,
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
                "defaults" => config.defaults = self.defaults(entry.value),
                "setup" => {
                    config.setup = self
                        .strings(entry, "a list of shell commands")
                        .unwrap_or_default()
                }
                "cgroup" => config.cgroup = self.cgroup(entry),
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

    /// `cgroup:`: a base cgroup prepared for memgate, as an absolute path (under the cgroup mount,
    /// or relative to it); memgate makes its per-run cgroups there (docs/accuracy.md).
    fn cgroup(&mut self, entry: &Entry) -> Option<String> {
        let path = self.string(entry, "a cgroup path (a string)")?;
        let problem = if !path.starts_with('/') {
            Some("a cgroup path must be absolute, such as /sys/fs/cgroup/memgate or /memgate")
        } else if path.split('/').any(|part| part == "..") {
            Some("a cgroup path must not contain `..`")
        } else {
            None
        };
        match problem {
            Some(message) => {
                self.report(entry.value, message);
                None
            }
            None => Some(path),
        }
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
}
