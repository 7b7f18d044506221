//! What every format shows of a benchmark's allocation sites (docs/attribution.md): rows of
//! plain text, which each format escapes its own way (file and function names come from the
//! pull request's code).

use crate::results::Attribution;
use crate::units::format_size;

/// Sites and grown sites shown at most.
pub const SHOWN: usize = 5;
/// A grown site is shown when it grew by this much and by 1% of the largest growth at least.
const MIN_GROWTH_SHOWN: u64 = 1 << 20;
/// Characters of a file name or function name shown at most.
const TEXT_CHARS: usize = 80;

/// One row: where (`file:line`), the function, what it held, and its share or its growth.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRow {
    pub place: String,
    pub function: String,
    pub size: String,
    /// "94%" of memray's high-water mark, or "+150.0 MiB (base 0 B)".
    pub change: String,
}

/// The sites that grew most against the base when there are any, else the largest; and whether
/// they are the grown ones.
pub fn rows(a: &Attribution) -> (Vec<SiteRow>, bool) {
    let cut = |text: &str| super::escape::shorten(text, TEXT_CHARS);
    if !a.grown.is_empty() {
        // Growth of a few bytes is allocator noise beside the regression: shown are the sites
        // that grew by 1 MiB and 1% of the largest growth at least.
        let floor = (a.grown.iter().map(|c| c.growth_bytes()).max().unwrap_or(0) / 100)
            .max(MIN_GROWTH_SHOWN)
            .min(a.grown[0].growth_bytes());
        let rows = a
            .grown
            .iter()
            .filter(|c| c.growth_bytes() >= floor)
            .take(SHOWN)
            .map(|c| SiteRow {
                place: format!("{}:{}", cut(&c.file), c.line),
                function: cut(&c.function),
                size: format_size(c.bytes),
                change: format!(
                    "+{} (base {})",
                    format_size(c.growth_bytes()),
                    format_size(c.base_bytes)
                ),
            })
            .collect();
        return (rows, true);
    }
    let rows = a
        .sites
        .iter()
        .take(SHOWN)
        .map(|s| SiteRow {
            place: format!("{}:{}", cut(&s.file), s.line),
            function: cut(&s.function),
            size: format_size(s.bytes),
            change: format!("{:.0}%", s.share * 100.0),
        })
        .collect();
    (rows, false)
}

/// "Allocation sites at the high-water mark (memray re-run: 0.7 s; the benchmark's runs: 0.3 s
/// each; not in the measured figures)".
pub fn heading(a: &Attribution, run_secs: f64, grown: bool) -> String {
    let what = if grown {
        "Allocation sites that grew most against the base"
    } else {
        "Allocation sites at the high-water mark"
    };
    format!(
        "{what} ({} re-run: {:.1} s, the benchmark's runs: {:.1} s; not in the measured figures)",
        super::escape::shorten(&a.tool, 20),
        a.wall_secs,
        run_secs
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Site, SiteChange};

    #[test]
    fn grown_sites_come_first_when_there_are_any() {
        let mut a = Attribution {
            tool: "memray".into(),
            sites: vec![Site {
                function: "load".into(),
                file: "a.py".into(),
                line: 3,
                bytes: 150 << 20,
                share: 0.94,
            }],
            ..Attribution::default()
        };
        let (shown, grown) = rows(&a);
        assert!(!grown);
        assert_eq!(shown[0].place, "a.py:3");
        assert_eq!(shown[0].change, "94%");
        a.grown = vec![SiteChange {
            function: "load".into(),
            file: "a.py".into(),
            line: 3,
            bytes: 150 << 20,
            base_bytes: 50 << 20,
        }];
        let (shown, grown) = rows(&a);
        assert!(grown);
        assert_eq!(shown[0].change, "+100.0 MiB (base 50.0 MiB)");
    }

    #[test]
    fn sites_that_grew_by_a_few_bytes_are_not_shown_beside_a_regression() {
        let change = |line, bytes: u64, base_bytes| SiteChange {
            function: "f".into(),
            file: "a.py".into(),
            line,
            bytes,
            base_bytes,
        };
        let a = Attribution {
            grown: vec![
                change(1, 256 << 20, 32 << 20),
                change(2, 5 << 20, 1 << 20),
                change(3, (4 << 20) + 352, 4 << 20),
            ],
            ..Attribution::default()
        };
        let places: Vec<String> = rows(&a).0.into_iter().map(|r| r.place).collect();
        assert_eq!(places, ["a.py:1", "a.py:2"]);
        // The only growth is shown, however small.
        let a = Attribution {
            grown: vec![change(3, 400, 48)],
            ..Attribution::default()
        };
        assert_eq!(rows(&a).0.len(), 1);
    }
}
