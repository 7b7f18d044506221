//! The words and cells of a breakdown table (process, processes, MiB, share of the peak), shared
//! by the terminal, Markdown and HTML reports, which escape them each their own way. Pure.

use crate::results::{Breakdown, UNHELD_ROLE};
use crate::units::format_size;

use super::text::NONE;

/// Characters of a role shown (memgate writes at most 60; a results file may hold up to 200).
pub const ROLE_CHARS: usize = 60;

/// One row: the role, its processes, its MiB and its share of the total, as plain text.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub role: String,
    pub processes: String,
    pub mib: String,
    pub share: String,
}

/// "At the peak (3.2 s into the run, 412.0 MiB counted):" — what the table is of.
pub fn caption(breakdown: &Breakdown) -> String {
    format!(
        "Processes at the peak ({:.1} s into the run, {} counted)",
        breakdown.at_secs,
        format_size(breakdown.total_bytes)
    )
}

/// The table's rows, largest first as stored.
pub fn rows(breakdown: &Breakdown) -> Vec<Row> {
    breakdown
        .groups
        .iter()
        .map(|group| Row {
            role: group.role.clone(),
            processes: match (group.count, group.role.as_str()) {
                (0, UNHELD_ROLE) => NONE.to_string(),
                (count, _) => count.to_string(),
            },
            mib: format!("{:.1}", group.bytes as f64 / (1u64 << 20) as f64),
            share: share(breakdown.share(group.bytes)),
        })
        .collect()
}

/// "41%", "<1%" for a small share that is not nothing.
fn share(share: f64) -> String {
    if share > 0.0 && share < 0.005 {
        "<1%".to_string()
    } else {
        format!("{:.0}%", share * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Member;

    const MIB: u64 = 1 << 20;

    #[test]
    fn rows_show_counts_mib_and_shares() {
        let member = |role: &str, mib: u64| Member {
            role: role.into(),
            command: String::new(),
            bytes: mib * MIB,
        };
        let members = [
            member("loky worker", 100),
            member("loky worker", 100),
            member("python a.py", 1),
        ];
        let breakdown = Breakdown::group(2.25, 400 * MIB, members, MIB);
        let rows = rows(&breakdown);
        let cells: Vec<[&str; 4]> = rows
            .iter()
            .map(|r| [&*r.role, &*r.processes, &*r.mib, &*r.share])
            .collect();
        assert_eq!(
            cells,
            [
                ["loky worker", "2", "200.0", "50%"],
                [UNHELD_ROLE, NONE, "199.0", "50%"],
                ["python a.py", "1", "1.0", "<1%"],
            ]
        );
        assert_eq!(
            caption(&breakdown),
            "Processes at the peak (2.2 s into the run, 400.0 MiB counted)"
        );
    }
}
