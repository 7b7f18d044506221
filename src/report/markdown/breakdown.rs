//! A benchmark's processes at its peak as a small Markdown table: role, processes, MiB, share of
//! the peak. Roles come from command lines (a fork's artifact may hold anything): each is a code
//! span with `|` escaped, so it can neither break the table nor mention anyone.

use crate::report::breakdown::{self, ROLE_CHARS};
use crate::report::escape::{code_span, markdown_prose, shorten};
use crate::results::Breakdown;

/// The table with its caption, and the note on its shares when they are approximate.
pub(super) fn table(breakdown: &Breakdown) -> String {
    let mut out = format!(
        "\n{}:\n\n| process | processes | MiB | share |\n| --- | ---: | ---: | ---: |\n",
        breakdown::caption(breakdown)
    );
    for row in breakdown::rows(breakdown) {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            code_span(&shorten(&row.role, ROLE_CHARS), true),
            row.processes,
            row.mib,
            row.share
        ));
    }
    if let Some(note) = &breakdown.approximate {
        out.push_str(&format!(
            "\nShares approximate: {}.\n",
            markdown_prose(&shorten(note, 300))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::ProcessGroup;

    #[test]
    fn hostile_roles_stay_in_their_cell_and_mention_nobody() {
        let breakdown = Breakdown {
            at_secs: 1.0,
            total_bytes: 100 << 20,
            groups: vec![ProcessGroup {
                role: "@admin | x`y\n::error::z <b>".into(),
                count: 2,
                bytes: 60 << 20,
                command: String::new(),
            }],
            approximate: Some("note @team\n| cell".into()),
        };
        let table = table(&breakdown);
        let row = table.lines().find(|l| l.contains("admin")).unwrap();
        assert_eq!(
            row,
            "| ``@admin \\| x`y ::error::z <b>`` | 2 | 60.0 | 60% |"
        );
        let note = table.lines().last().unwrap();
        assert!(
            note.starts_with("Shares approximate: note @\u{200d}team"),
            "{note}"
        );
        assert!(!note.contains(" | "), "{note}");
    }
}
