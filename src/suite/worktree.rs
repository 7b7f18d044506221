//! The base commit checked out beside the user's tree (`git worktree`), so that `--baseline-ref`
//! measures it in the same job without touching the user's working tree or index. Removed on drop:
//! after success, failure and Ctrl-C alike.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug)]
pub struct Worktree {
    repo: PathBuf,
    dir: PathBuf,
    sha: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run git: {err}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

/// The top folder of the git repository holding `dir`.
pub fn toplevel(dir: &Path) -> Result<PathBuf, String> {
    git(dir, &["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .map_err(|err| format!("{} is not in a git repository: {err}", dir.display()))
}

/// The commit checked out at `dir`, if it is in a git repository.
pub fn head_sha(dir: &Path) -> Option<String> {
    git(dir, &["rev-parse", "--verify", "--quiet", "HEAD"]).ok()
}

/// The commit `reference` names, fetched from `origin` when the clone lacks it (actions/checkout
/// fetches one commit by default).
pub fn resolve(repo: &Path, reference: &str) -> Result<String, String> {
    let spec = format!("{reference}^{{commit}}");
    if let Ok(sha) = git(repo, &["rev-parse", "--verify", "--quiet", &spec]) {
        return Ok(sha);
    }
    git(
        repo,
        &["fetch", "--quiet", "--depth=1", "origin", reference],
    )
    .map_err(|err| format!("cannot find or fetch `{reference}`: {err}"))?;
    git(
        repo,
        &["rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}"],
    )
    .map_err(|err| format!("cannot resolve `{reference}` after fetching it: {err}"))
}

impl Worktree {
    /// Checks out `reference` in a fresh folder under the system's temporary folder.
    pub fn create(repo: &Path, reference: &str) -> Result<Self, String> {
        let repo = toplevel(repo)?;
        let sha = resolve(&repo, reference)?;
        let dir = std::env::temp_dir().join(format!(
            "memgate-base-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let dir_text = dir.to_string_lossy().into_owned();
        git(
            &repo,
            &["worktree", "add", "--quiet", "--detach", &dir_text, &sha],
        )
        .map_err(|err| format!("cannot check out {reference} ({sha}): {err}"))?;
        Ok(Self { repo, dir, sha })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn repo(&self) -> &Path {
        &self.repo
    }

    pub fn sha(&self) -> &str {
        &self.sha
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        if git(&self.repo, &["worktree", "remove", "--force", &dir]).is_err() {
            let _ = std::fs::remove_dir_all(&self.dir);
            let _ = git(&self.repo, &["worktree", "prune"]);
        }
    }
}
