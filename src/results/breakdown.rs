//! What held the memory at a run's peak: the tree's processes at the sample where its counted
//! total was highest, grouped by role ("python train.py", "loky worker" ×4), each group's share.
//! Pure data and its grouping; the roles are named by `measure::roles`, the shares measured by
//! `measure::peak_shares`.

use serde::{Deserialize, Serialize};

use super::limits;

/// Groups kept in a breakdown: the largest ones, the rest folded into one [`OTHER_ROLE`] group,
/// so that a tree of 200 workers of 30 kinds stays a short table.
pub const KEPT_GROUPS: usize = 8;
/// The role of the group that holds every group past [`KEPT_GROUPS`].
pub const OTHER_ROLE: &str = "other";
/// The role of what the cgroup counted that no live process held (files in /dev/shm no process
/// maps, pages of processes that exited but are not freed yet).
pub const UNHELD_ROLE: &str = "not held by a live process";
/// A group's example command line is cut to this many characters when measured.
pub const COMMAND_CHARS: usize = 160;

/// The tree at its peak, by role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// When, in seconds since the run started.
    pub at_secs: f64,
    /// The tree's counted memory (anonymous + shared) at that sample.
    pub total_bytes: u64,
    /// Largest first; at most [`KEPT_GROUPS`] + 1 as memgate writes them.
    #[serde(deserialize_with = "limits::groups")]
    pub groups: Vec<ProcessGroup>,
    /// Why the shares are only approximate, when they are (e.g. a cgroup's total split by
    /// resident memory where no PSS read was allowed).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "limits::breakdown_note"
    )]
    pub approximate: Option<String>,
}

/// Processes of one role and what they held together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessGroup {
    /// PID-free name from the command line: "python train.py", "loky worker".
    #[serde(deserialize_with = "limits::role")]
    pub role: String,
    /// Processes in the group (0 for [`UNHELD_ROLE`]).
    pub count: u32,
    pub bytes: u64,
    /// One member's command line, shortened.
    #[serde(deserialize_with = "limits::group_command")]
    pub command: String,
}

/// One process's share at the peak, before grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub role: String,
    pub command: String,
    pub bytes: u64,
}

impl Breakdown {
    /// Groups `members` by role, largest first (then by role, so that the order is stable), and
    /// folds the groups past [`KEPT_GROUPS`] into one [`OTHER_ROLE`] group. Bytes that the total
    /// holds beyond the members' sum by more than `unheld_min` become an [`UNHELD_ROLE`] group.
    pub fn group(
        at_secs: f64,
        total_bytes: u64,
        members: impl IntoIterator<Item = Member>,
        unheld_min: u64,
    ) -> Self {
        let mut groups: Vec<ProcessGroup> = Vec::new();
        for member in members {
            match groups.iter_mut().find(|g| g.role == member.role) {
                Some(group) => {
                    group.count = group.count.saturating_add(1);
                    group.bytes = group.bytes.saturating_add(member.bytes);
                }
                None => groups.push(ProcessGroup {
                    role: member.role,
                    count: 1,
                    bytes: member.bytes,
                    command: member.command,
                }),
            }
        }
        let held = groups
            .iter()
            .fold(0u64, |sum, g| sum.saturating_add(g.bytes));
        let unheld = total_bytes.saturating_sub(held);
        if unheld > unheld_min {
            groups.push(ProcessGroup {
                role: UNHELD_ROLE.to_string(),
                count: 0,
                bytes: unheld,
                command: String::new(),
            });
        }
        groups.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.role.cmp(&b.role)));
        if groups.len() > KEPT_GROUPS + 1 {
            let rest = groups.split_off(KEPT_GROUPS);
            groups.push(ProcessGroup {
                role: OTHER_ROLE.to_string(),
                count: rest.iter().fold(0u32, |n, g| n.saturating_add(g.count)),
                bytes: rest.iter().fold(0u64, |sum, g| sum.saturating_add(g.bytes)),
                command: String::new(),
            });
        }
        Self {
            at_secs,
            total_bytes,
            groups,
            approximate: None,
        }
    }

    /// The groups' bytes together (saturating: a results file may hold any numbers).
    pub fn held_bytes(&self) -> u64 {
        self.groups
            .iter()
            .fold(0u64, |sum, g| sum.saturating_add(g.bytes))
    }

    /// `bytes` as a share of the total, 0 to 1 (0 for an empty total).
    pub fn share(&self, bytes: u64) -> f64 {
        if self.total_bytes == 0 {
            0.0
        } else {
            bytes as f64 / self.total_bytes as f64
        }
    }
}

impl ProcessGroup {
    /// "loky worker ×4", "python train.py", "other ×12".
    pub fn label(&self) -> String {
        if self.count > 1 {
            format!("{} ×{}", self.role, self.count)
        } else {
            self.role.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn member(role: &str, mib: u64) -> Member {
        Member {
            role: role.into(),
            command: format!("{role} --x"),
            bytes: mib * MIB,
        }
    }

    #[test]
    fn members_are_grouped_by_role_largest_first() {
        let members = [
            member("python pool.py", 50),
            member("python pool.py (fork)", 100),
            member("python pool.py (fork)", 100),
            member("resource_tracker", 5),
        ];
        let breakdown = Breakdown::group(1.5, 255 * MIB, members, MIB);
        let labels: Vec<String> = breakdown.groups.iter().map(ProcessGroup::label).collect();
        assert_eq!(
            labels,
            [
                "python pool.py (fork) ×2",
                "python pool.py",
                "resource_tracker"
            ]
        );
        assert_eq!(breakdown.groups[0].bytes, 200 * MIB);
        assert_eq!(breakdown.groups[0].command, "python pool.py (fork) --x");
        assert_eq!(breakdown.held_bytes(), 255 * MIB);
        assert!((breakdown.share(200 * MIB) - 200.0 / 255.0).abs() < 1e-12);
    }

    #[test]
    fn groups_past_the_kept_ones_fold_into_other() {
        let members = (0..30).map(|i| member(&format!("tool{i}"), 100 - i));
        let breakdown = Breakdown::group(0.0, 0, members, MIB);
        assert_eq!(breakdown.groups.len(), KEPT_GROUPS + 1);
        let other = breakdown.groups.last().unwrap();
        assert_eq!((other.role.as_str(), other.count), (OTHER_ROLE, 22));
        assert_eq!(other.bytes, (0..22).map(|i| (92 - i) * MIB).sum::<u64>());
        // Exactly one more group than kept: no "other ×1" in place of a named one.
        let nine = (0..9).map(|i| member(&format!("tool{i}"), 10));
        assert!(
            Breakdown::group(0.0, 0, nine, MIB)
                .groups
                .iter()
                .all(|g| g.role != OTHER_ROLE)
        );
    }

    #[test]
    fn what_no_process_held_is_its_own_group_past_a_threshold() {
        let held = Breakdown::group(0.0, 300 * MIB, [member("python a.py", 200)], MIB);
        assert_eq!(held.groups[1].role, UNHELD_ROLE);
        assert_eq!(held.groups[1].bytes, 100 * MIB);
        assert_eq!(held.groups[1].label(), UNHELD_ROLE);
        let close = Breakdown::group(0.0, 200 * MIB + 10, [member("python a.py", 200)], MIB);
        assert_eq!(close.groups.len(), 1);
    }
}
