//! A benchmark's allocation sites in its `<details>`: a small table (docs/attribution.md). File
//! and function names are the pull request's: code spans that no `|` breaks, notes as prose.

use crate::report::escape::{code_span, markdown_prose, shorten};
use crate::report::sites;
use crate::report::view::BenchmarkView;

/// The table, or the note of an attribution without sites, or nothing when there was none.
pub(super) fn sites(b: &BenchmarkView) -> String {
    let Some(a) = b.attribution else {
        return String::new();
    };
    let mut out = String::new();
    let (rows, grown) = sites::rows(a);
    if !rows.is_empty() {
        let last = if grown { "growth" } else { "share" };
        out.push_str(&format!(
            "\n{}:\n\n| site | function | held | {last} |\n| --- | --- | ---: | ---: |\n",
            markdown_prose(&sites::heading(a, b.duration_secs, grown))
        ));
        for row in rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                code_span(&row.place, true),
                code_span(&row.function, true),
                row.size,
                markdown_prose(&row.change)
            ));
        }
    }
    if let Some(note) = &a.note {
        out.push_str(&format!(
            "\nAllocation sites: {}.\n",
            markdown_prose(&shorten(note, 400))
        ));
    }
    out
}
