//! The fingerprint of what `setup:` left in a side's checkout (docs/baseline.md, "Base and head
//! prepared alike"): every file git does not track, ignored ones too, by name and size.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::results::Fingerprint;

use super::child::OnSignal;
use super::worktree::{GitError, git_raw};

/// The fingerprint of the checkout at `dir`, but the files named in `skip` (relative to `dir`:
/// what was copied in before setup ran). A symlink counts by its target's name, not followed.
pub fn of(dir: &Path, skip: &HashSet<String>) -> Result<Fingerprint, GitError> {
    let listed = git_raw(dir, &["ls-files", "-z", "--others"], OnSignal::Kill)?;
    let entries = listed
        .split('\0')
        .filter(|name| !name.is_empty() && !skip.contains(*name))
        .filter_map(|name| {
            let meta = std::fs::symlink_metadata(dir.join(name)).ok()?;
            Some((name.to_string(), meta.size()))
        })
        .collect();
    Ok(Fingerprint::of(entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::git;

    #[test]
    fn untracked_and_ignored_files_count_tracked_and_skipped_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        std::fs::write(root.join(".gitignore"), "venv/\n").unwrap();
        std::fs::write(root.join("tracked"), "t").unwrap();
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "one"]);
        let empty = of(root, &HashSet::new()).unwrap();
        assert_eq!((empty.files, empty.bytes), (0, 0));
        std::fs::create_dir_all(root.join("venv/lib")).unwrap();
        std::fs::write(root.join("venv/lib/a.py"), "abc").unwrap();
        std::fs::write(root.join("copied"), "12345").unwrap();
        let skip = HashSet::from(["copied".to_string()]);
        let venv = of(root, &skip).unwrap();
        assert_eq!((venv.files, venv.bytes), (1, 3));
        std::fs::write(root.join("venv/lib/extra.py"), "").unwrap();
        assert_ne!(of(root, &skip).unwrap(), venv);
    }
}
