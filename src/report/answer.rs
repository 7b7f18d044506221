//! The one line that leads a failing benchmark's report: what held the memory at the peak.
//!
//! From the allocation sites of the memray re-run when it found any (the site that grew most
//! against the base, else the one that held the most at the high-water mark); else from the
//! per-process breakdown at the peak (the group that held the most). Plain parts here; each
//! format escapes and joins them its own way (file, function and role names are the pull
//! request's).

use crate::results::{Attribution, Breakdown, OTHER_ROLE, Status, UNHELD_ROLE};
use crate::units::format_size;

use super::view::BenchmarkView;

/// Characters of a name (function, file, role) shown at most in the answer.
const NAME_CHARS: usize = 80;

/// What held the memory at the peak, in parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The thing that held it: a function, or a role of processes.
    pub holder: String,
    /// Where: `file:line` for a site; none for a role.
    pub place: Option<String>,
    /// "×4" for a group of several processes.
    pub count: Option<u32>,
    /// "+224.0 MiB" against the base, or "256.0 MiB (82%)".
    pub amount: String,
    /// The tool that found it ("memray"), for a site.
    pub tool: Option<String>,
    /// For a site in a tree whose memory several processes held: the group of processes that
    /// held the most, which the site alone would hide ("`loky worker` ×2 hold 358.5 MiB (67%)").
    pub processes: Option<Box<Answer>>,
}

impl Answer {
    /// The line without markup: "`forward` in `layers.py:30` holds +224.0 MiB at the peak
    /// (memray)" with `name` applied to the holder and the place.
    pub fn sentence(&self, name: impl Fn(&str) -> String) -> String {
        let mut line = self.clause(&name);
        line.push_str(" at the peak");
        if let Some(tool) = &self.tool {
            line.push_str(&format!(" ({tool})"));
        }
        if let Some(group) = &self.processes {
            line.push_str(&format!("; {}", group.clause(&name)));
        }
        line
    }

    /// "`forward` in `layers.py:30` holds +224.0 MiB", "`loky worker` ×2 hold 201.0 MiB (67%)".
    fn clause(&self, name: &dyn Fn(&str) -> String) -> String {
        let mut holder = name(&self.holder);
        if let Some(count) = self.count {
            holder.push_str(&format!(" ×{count}"));
        }
        let verb = if self.count.is_some() {
            "hold"
        } else {
            "holds"
        };
        match &self.place {
            Some(place) => format!("{holder} in {} {verb} {}", name(place), self.amount),
            None => format!("{holder} {verb} {}", self.amount),
        }
    }
}

/// The answer for a benchmark that failed or crashed after measuring something; none for a pass
/// or a warning, or when nothing says what held the memory.
pub fn answer(b: &BenchmarkView) -> Option<Answer> {
    if b.status.passes() || (b.status == Status::Error && !b.measured()) {
        return None;
    }
    let group = b.breakdown.and_then(from_breakdown);
    match b.attribution.and_then(from_sites) {
        Some(mut site) => {
            site.processes = group.filter(|g| g.1 < SHARED_TREE).map(|g| Box::new(g.0));
            Some(site)
        }
        None => group.map(|g| g.0),
    }
}

/// A largest group of processes with less than this share of the peak: the memory was spread
/// over several, and the answer names the group beside the site.
const SHARED_TREE: f64 = 0.9;

fn cut(text: &str) -> String {
    super::escape::shorten(text, NAME_CHARS)
}

/// The site that grew most against the base, else the one that held the most.
fn from_sites(a: &Attribution) -> Option<Answer> {
    let tool = Some(cut(&a.tool));
    if let Some(change) = a.grown.first() {
        return Some(Answer {
            holder: cut(&change.function),
            place: Some(format!("{}:{}", cut(&change.file), change.line)),
            count: None,
            amount: format!("+{}", format_size(change.growth_bytes())),
            tool,
            processes: None,
        });
    }
    let site = a.sites.first()?;
    Some(Answer {
        holder: cut(&site.function),
        place: Some(format!("{}:{}", cut(&site.file), site.line)),
        count: None,
        amount: format!("{} ({:.0}%)", format_size(site.bytes), site.share * 100.0),
        tool,
        processes: None,
    })
}

/// The group of processes that held the most at the peak (not the memory no live process held,
/// nor the folded rest): "`loky worker` ×4 hold 412.0 MiB (68%)", and its share of the peak.
fn from_breakdown(breakdown: &Breakdown) -> Option<(Answer, f64)> {
    let group = breakdown
        .groups
        .iter()
        .find(|g| g.role != UNHELD_ROLE && g.role != OTHER_ROLE && g.bytes > 0)?;
    let share = if breakdown.total_bytes == 0 {
        0.0
    } else {
        group.bytes as f64 / breakdown.total_bytes as f64 * 100.0
    };
    let answer = Answer {
        holder: cut(&group.role),
        place: None,
        count: (group.count > 1).then_some(group.count),
        amount: format!("{} ({share:.0}%)", format_size(group.bytes)),
        tool: None,
        processes: None,
    };
    Some((answer, share / 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::escape::code_span;
    use crate::results::{Site, SiteChange};
    use crate::testing::{self, MIB};

    fn failing() -> crate::results::BenchmarkResult {
        let run = testing::run(vec![(0.0, MIB), (1.0, 300 * MIB)], 1.0);
        testing::judged(
            "b",
            "python x.py",
            vec![run],
            Some(testing::budget(Some(100))),
        )
    }

    fn site(function: &str, file: &str, line: u32, mib: u64) -> Site {
        Site {
            function: function.into(),
            file: file.into(),
            line,
            bytes: mib * MIB,
            share: mib as f64 / 300.0,
        }
    }

    fn attribution(sites: Vec<Site>, grown: Vec<SiteChange>) -> Attribution {
        Attribution {
            tool: "memray".into(),
            sites,
            grown,
            ..Attribution::default()
        }
    }

    fn markdown(b: &crate::results::BenchmarkResult) -> Option<String> {
        answer(&BenchmarkView::new(b)).map(|a| a.sentence(|n| code_span(n, false)))
    }

    #[test]
    fn the_site_that_grew_most_against_the_base_is_the_answer() {
        let mut b = failing();
        b.attribution = Some(attribution(
            vec![
                site("load", "data.py", 3, 250),
                site("forward", "layers.py", 30, 40),
            ],
            vec![SiteChange {
                function: "forward".into(),
                file: "layers.py".into(),
                line: 30,
                bytes: 40 * MIB,
                base_bytes: 10 * MIB,
            }],
        ));
        assert_eq!(
            markdown(&b).unwrap(),
            "`forward` in `layers.py:30` holds +30.0 MiB at the peak (memray)"
        );
    }

    #[test]
    fn without_a_base_the_largest_site_is_the_answer() {
        let mut b = failing();
        b.attribution = Some(attribution(
            vec![
                site("load", "data.py", 3, 240),
                site("forward", "layers.py", 30, 40),
            ],
            vec![],
        ));
        assert_eq!(
            markdown(&b).unwrap(),
            "`load` in `data.py:3` holds 240.0 MiB (80%) at the peak (memray)"
        );
    }

    #[test]
    fn a_pass_or_an_attribution_without_sites_has_no_answer() {
        let mut b = failing();
        b.attribution = Some(attribution(vec![], vec![]));
        assert_eq!(markdown(&b), None);
        let mut passing =
            testing::judged("p", "true", vec![testing::run(vec![(0.0, MIB)], 1.0)], None);
        passing.attribution = Some(attribution(vec![site("f", "a.py", 1, 1)], vec![]));
        assert_eq!(markdown(&passing), None);
    }

    #[test]
    fn names_from_the_pull_request_are_escaped_by_the_format() {
        let mut b = failing();
        b.attribution = Some(attribution(
            vec![site("f`](x) @team\n::error::x", "a|b.py", 1, 200)],
            vec![],
        ));
        let line = markdown(&b).unwrap();
        assert!(!line.contains('\n'), "{line}");
        // A backtick inside widens the span, which holds the mention (no mention in code).
        assert!(line.starts_with("``"), "{line}");
        assert!(line.find("@team") < line.find("`` in"), "{line}");
    }

    fn group(role: &str, count: u32, mib: u64) -> crate::results::ProcessGroup {
        crate::results::ProcessGroup {
            role: role.into(),
            count,
            bytes: mib * MIB,
            command: String::new(),
        }
    }

    fn with_breakdown(
        groups: Vec<crate::results::ProcessGroup>,
    ) -> crate::results::BenchmarkResult {
        let mut b = failing();
        let run = &mut b.runs[0];
        run.breakdown = Some(Box::new(Breakdown {
            at_secs: 1.0,
            total_bytes: 300 * MIB,
            groups,
            approximate: None,
        }));
        b
    }

    #[test]
    fn without_sites_the_largest_group_of_processes_is_the_answer() {
        let b = with_breakdown(vec![
            group(UNHELD_ROLE, 0, 250),
            group("loky worker", 4, 204),
            group("python train.py", 1, 60),
        ]);
        assert_eq!(
            markdown(&b).unwrap(),
            "`loky worker` ×4 hold 204.0 MiB (68%) at the peak"
        );
        let b = with_breakdown(vec![group("python train.py", 1, 300)]);
        assert_eq!(
            markdown(&b).unwrap(),
            "`python train.py` holds 300.0 MiB (100%) at the peak"
        );
    }

    #[test]
    fn sites_win_over_the_breakdown_and_an_empty_breakdown_is_no_answer() {
        let mut b = with_breakdown(vec![group("python x.py", 1, 300)]);
        b.attribution = Some(attribution(vec![site("f", "x.py", 2, 290)], vec![]));
        assert_eq!(
            markdown(&b).unwrap(),
            "`f` in `x.py:2` holds 290.0 MiB (97%) at the peak (memray)"
        );
        let b = with_breakdown(vec![group(UNHELD_ROLE, 0, 300), group(OTHER_ROLE, 9, 1)]);
        assert_eq!(markdown(&b), None);
    }

    #[test]
    fn a_site_in_a_tree_of_several_processes_names_the_group_that_held_the_most() {
        let mut b = with_breakdown(vec![
            group("loky worker", 2, 201),
            group("python cv.py", 1, 84),
            group("resource_tracker", 2, 15),
        ]);
        b.attribution = Some(attribution(vec![site("<module>", "cv.py", 6, 72)], vec![]));
        assert_eq!(
            markdown(&b).unwrap(),
            "`<module>` in `cv.py:6` holds 72.0 MiB (24%) at the peak (memray); \
             `loky worker` ×2 hold 201.0 MiB (67%)"
        );
    }
}
