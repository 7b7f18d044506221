//! The report cut to a size: it is assembled from whole pieces, and when the whole does not fit,
//! the least telling parts go first: the details of passing benchmarks, then each benchmark's
//! details shrink to their compact form (the answer, what held the memory and the checks, without
//! the charts and runs), then whole details (errors and failures are kept longest), then table
//! rows; a note says what was left out and where the whole report is.

use crate::report::text::{group_thousands, plural};
use crate::results::Status;

/// Room kept for the note that says what was cut.
const NOTE_RESERVE: usize = 700;

/// The report in pieces, one row and one details section per benchmark.
pub(super) struct Parts {
    pub preamble: String,
    pub table_header: String,
    pub rows: Vec<String>,
    pub chart: String,
    pub details: Vec<String>,
    /// The same details in their compact form, kept when the whole ones do not fit.
    pub compact: Vec<String>,
    /// Each benchmark's status, which decides what is kept longest.
    pub statuses: Vec<Status>,
    pub footer: String,
}

/// What was left out, for the note that says so.
#[derive(Debug, Default)]
struct Cut {
    details_left_out: usize,
    details_shortened: usize,
    rows_left_out: usize,
    max_chars: usize,
}

/// The whole report if it fits in `max_chars` characters (Unicode scalar values); else as many
/// details, or failing that table rows, as fit with the note, most important first.
pub(super) fn fit(parts: &Parts, max_chars: usize) -> String {
    let n = parts.statuses.len();
    let full = parts.assemble(&all(n), &whole(n), None);
    if chars(&full) <= max_chars {
        return full;
    }

    // Benchmarks in the order they are kept: errors, failures, warnings, then the rest.
    let mut priority: Vec<usize> = all(n);
    priority.sort_by_key(|&i| std::cmp::Reverse(parts.statuses[i]));

    let fixed = chars(&parts.assemble(&all(n), &[], Some(&Cut::default())));
    let budget = max_chars.saturating_sub(NOTE_RESERVE);
    let (rows, details) = if fixed <= budget {
        // Every row fits: add details, most important first, each whole or else compact, while
        // they fit.
        (all(n), fill_details(parts, &priority, budget - fixed))
    } else {
        // Not even the table fits: no details, and rows most important first while they fit.
        let room = budget.saturating_sub(chars(&parts.assemble(&[], &[], Some(&Cut::default()))));
        (fill(&parts.rows, &priority, room), Vec::new())
    };
    let cut = Cut {
        details_left_out: n - details.len(),
        details_shortened: details.iter().filter(|d| !d.whole).count(),
        rows_left_out: n - rows.len(),
        max_chars,
    };
    let mut text = parts.assemble(&rows, &details, Some(&cut));
    if chars(&text) > max_chars {
        // Only a limit smaller than the preamble itself gets here.
        text = text.chars().take(max_chars).collect();
    }
    text
}

/// One benchmark's details, whole or compact.
#[derive(Debug, Clone, Copy)]
struct Shown {
    index: usize,
    whole: bool,
}

fn whole(n: usize) -> Vec<Shown> {
    (0..n).map(|index| Shown { index, whole: true }).collect()
}

/// Details taken in `priority` order while they fit in `room` characters, in their own order:
/// first every benchmark that is not a pass in compact form (so that each failure keeps at least
/// its answer), then as many as fit grown to whole, then passing ones, whole or compact.
fn fill_details(parts: &Parts, priority: &[usize], mut room: usize) -> Vec<Shown> {
    let mut shown: Vec<Shown> = Vec::new();
    let telling = |i: usize| parts.statuses[i] != Status::Pass;
    for &i in priority.iter().filter(|&&i| telling(i)) {
        let size = chars(&parts.compact[i]);
        if size <= room {
            room -= size;
            shown.push(Shown {
                index: i,
                whole: false,
            });
        }
    }
    for entry in &mut shown {
        let grow =
            chars(&parts.details[entry.index]).saturating_sub(chars(&parts.compact[entry.index]));
        if grow <= room {
            room -= grow;
            entry.whole = true;
        }
    }
    for &i in priority.iter().filter(|&&i| !telling(i)) {
        for (piece, whole) in [(&parts.details[i], true), (&parts.compact[i], false)] {
            let size = chars(piece);
            if size <= room {
                room -= size;
                shown.push(Shown { index: i, whole });
                break;
            }
        }
    }
    shown.sort_unstable_by_key(|s| s.index);
    shown
}

/// The pieces taken in `priority` order while they fit in `room` characters, in their own order.
fn fill(pieces: &[String], priority: &[usize], mut room: usize) -> Vec<usize> {
    let mut kept = Vec::new();
    for &i in priority {
        let size = chars(&pieces[i]);
        if size <= room {
            room -= size;
            kept.push(i);
        }
    }
    kept.sort_unstable();
    kept
}

fn all(n: usize) -> Vec<usize> {
    (0..n).collect()
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

impl Parts {
    /// The rows and details at these indexes, with the note when something was cut.
    fn assemble(&self, rows: &[usize], details: &[Shown], cut: Option<&Cut>) -> String {
        let mut out = self.preamble.clone();
        if !self.rows.is_empty() {
            out.push_str(&self.table_header);
            for &i in rows {
                out.push_str(&self.rows[i]);
            }
            if let Some(cut) = cut
                && cut.rows_left_out > 0
            {
                out.push_str(&format!(
                    "| | *{} more not shown* | | | | |\n",
                    cut.rows_left_out
                ));
            }
        }
        out.push_str(&self.chart);
        if !details.is_empty() {
            out.push('\n');
        }
        for shown in details {
            out.push_str(if shown.whole {
                &self.details[shown.index]
            } else {
                &self.compact[shown.index]
            });
        }
        if let Some(cut) = cut {
            if !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(&cut_note(cut));
        }
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&self.footer);
        out
    }
}

fn cut_note(cut: &Cut) -> String {
    let mut left_out = Vec::new();
    if cut.rows_left_out > 0 {
        left_out.push(format!(
            "{} table row{}",
            cut.rows_left_out,
            plural(cut.rows_left_out)
        ));
    }
    if cut.details_left_out > 0 {
        left_out.push(format!(
            "the details of {} benchmark{}",
            cut.details_left_out,
            plural(cut.details_left_out)
        ));
    }
    if cut.details_shortened > 0 {
        left_out.push(format!(
            "the charts and runs of {} more",
            cut.details_shortened
        ));
    }
    format!(
        "> [!NOTE]\n> This report was cut to fit in {} characters; left out here: {}. The whole \
         report is in the job summary and in the run's artifacts (`results.json`; render it with \
         `memgate report results.json --html report.html`).\n",
        group_thousands(cut.max_chars),
        left_out.join(" and ")
    )
}
