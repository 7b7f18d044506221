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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::view::BenchmarkView;
    use crate::results::{Attribution, Site};
    use crate::testing;

    #[test]
    fn hostile_file_and_function_names_cannot_break_the_table_or_mention() {
        let runs = vec![testing::run(vec![(0.0, 1 << 20)], 1.0)];
        let mut b = testing::judged("b", "python x.py", runs, None);
        b.attribution = Some(Attribution {
            tool: "memray".into(),
            sites: vec![Site {
                function: "f|@team\n::error::x".into(),
                file: "a`|<b>.py\r".into(),
                line: 7,
                bytes: 1 << 20,
                share: 1.0,
            }],
            note: Some("@someone <img src=x> | ::warning::".into()),
            ..Attribution::default()
        });
        let shown = sites(&BenchmarkView::new(&b));
        let row = shown.lines().find(|l| l.contains("a`")).unwrap();
        // Four cells: no `|` of the names split one.
        assert_eq!(row.matches(" | ").count(), 3, "{row}");
        assert!(!shown.contains("\n::"), "{shown}");
        // `<b>` stays inside a code span, which GitHub shows as text; the note has no tag.
        assert!(!shown.contains("<img"), "{shown}");
        assert!(!shown.contains(" @someone"), "{shown}");
        assert!(!shown.contains('\r'));
    }
}
