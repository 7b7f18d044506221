//! Allocation sites of a benchmark: what memray saw at the high-water mark of each Python process
//! of one extra, unmeasured re-run (docs/attribution.md), merged by site, and against the base's
//! when there is one. The types are the results file's; the merging is pure.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::limits;

/// Sites kept in a results file, most memory first.
pub const SITES_KEPT: usize = 10;

/// What the re-run under memray found, or why it found nothing (`note`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Attribution {
    /// The tool that attributed: "memray".
    pub tool: String,
    /// Wall time of the re-run, to set beside the benchmark's own.
    pub wall_secs: f64,
    /// memray's high-water marks of the tree's Python processes, summed.
    pub peak_bytes: u64,
    /// The sites that held the most at the high-water mark, merged over the processes.
    #[serde(default, deserialize_with = "limits::sites")]
    pub sites: Vec<Site>,
    /// With a base: the sites that hold more than at the base's, most growth first.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "limits::changes"
    )]
    pub grown: Vec<SiteChange>,
    /// memray's flame graph (HTML) of the largest process, where it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flamegraph: Option<String>,
    /// Why there are no sites, or what to know about them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One line of the user's code and what it held at the high-water mark.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Site {
    pub function: String,
    /// Relative to the benchmark's repository when it is in it.
    pub file: String,
    pub line: u32,
    pub bytes: u64,
    /// Of `peak_bytes`.
    pub share: f64,
}

/// A site that holds more than at the base.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SiteChange {
    pub function: String,
    pub file: String,
    pub line: u32,
    pub bytes: u64,
    pub base_bytes: u64,
}

impl SiteChange {
    pub fn growth_bytes(&self) -> u64 {
        self.bytes.saturating_sub(self.base_bytes)
    }
}

/// One process's capture as memgate's reader script prints it.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Capture {
    /// The capture file's name in the re-run's folder.
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub peak_bytes: u64,
    #[serde(default)]
    pub sites: Vec<CaptureSite>,
    #[serde(default)]
    pub error: Option<String>,
}

/// A site of one capture.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct CaptureSite {
    pub function: String,
    pub file: String,
    pub line: u32,
    pub bytes: u64,
}

type Key = (String, String, u32);

/// Characters of a site's file or function name kept: the names come from the benchmark's code.
pub const SITE_TEXT_CHARS: usize = 1000;

fn capped(text: &str) -> String {
    text.chars().take(SITE_TEXT_CHARS).collect()
}

/// The sites of `captures` merged over processes: summed by file, line and function, the
/// [`SITES_KEPT`] largest, each with its share of the summed high-water marks.
pub fn merge(captures: &[Capture]) -> (u64, Vec<Site>) {
    let peak: u64 = captures.iter().map(|c| c.peak_bytes).sum();
    let mut by_site: HashMap<Key, u64> = HashMap::new();
    for site in captures.iter().flat_map(|c| &c.sites) {
        let key = (capped(&site.file), capped(&site.function), site.line);
        *by_site.entry(key).or_default() += site.bytes;
    }
    let mut sites: Vec<Site> = by_site
        .into_iter()
        .map(|((file, function, line), bytes)| Site {
            function,
            file,
            line,
            bytes,
            share: if peak == 0 {
                0.0
            } else {
                bytes as f64 / peak as f64
            },
        })
        .collect();
    sites.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| (&a.file, a.line).cmp(&(&b.file, b.line)))
    });
    sites.truncate(SITES_KEPT);
    (peak, sites)
}

/// The sites of `head` that hold more than the same site (file, line, function) of `base`, most
/// growth first; a site the base's list lacks grew by all it holds.
pub fn grown(head: &[Site], base: &[Site]) -> Vec<SiteChange> {
    let base: HashMap<(&str, &str, u32), u64> = base
        .iter()
        .map(|s| ((s.file.as_str(), s.function.as_str(), s.line), s.bytes))
        .collect();
    let mut changes: Vec<SiteChange> = head
        .iter()
        .map(|s| SiteChange {
            function: s.function.clone(),
            file: s.file.clone(),
            line: s.line,
            bytes: s.bytes,
            base_bytes: base
                .get(&(s.file.as_str(), s.function.as_str(), s.line))
                .copied()
                .unwrap_or(0),
        })
        .filter(|c| c.bytes > c.base_bytes)
        .collect();
    changes.sort_by_key(|c| std::cmp::Reverse(c.growth_bytes()));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(peak: u64, sites: &[(&str, u32, u64)]) -> Capture {
        Capture {
            peak_bytes: peak,
            sites: sites
                .iter()
                .map(|&(file, line, bytes)| CaptureSite {
                    function: "f".into(),
                    file: file.into(),
                    line,
                    bytes,
                })
                .collect(),
            error: None,
            file: None,
        }
    }

    #[test]
    fn sites_of_processes_are_summed_and_shared_over_their_peaks() {
        let (peak, sites) = merge(&[
            capture(100, &[("a.py", 3, 60), ("b.py", 1, 40)]),
            capture(100, &[("a.py", 3, 90)]),
        ]);
        assert_eq!(peak, 200);
        assert_eq!((sites[0].file.as_str(), sites[0].bytes), ("a.py", 150));
        assert!((sites[0].share - 0.75).abs() < 1e-9);
        assert_eq!(sites.len(), 2);
    }

    #[test]
    fn only_the_largest_sites_are_kept() {
        let many: Vec<(&str, u32, u64)> = (0..30).map(|i| ("a.py", i, u64::from(i))).collect();
        let (_, sites) = merge(&[capture(1000, &many)]);
        assert_eq!(sites.len(), SITES_KEPT);
        assert_eq!(sites[0].line, 29);
    }

    #[test]
    fn growth_is_against_the_same_site_and_new_sites_grow_by_all_they_hold() {
        let site = |line, bytes| Site {
            function: "f".into(),
            file: "a.py".into(),
            line,
            bytes,
            share: 0.0,
        };
        let grown = grown(
            &[site(1, 100), site(2, 50), site(3, 10)],
            &[site(1, 90), site(3, 20)],
        );
        let lines: Vec<(u32, u64)> = grown.iter().map(|c| (c.line, c.growth_bytes())).collect();
        assert_eq!(lines, [(2, 50), (1, 10)]);
    }
}
