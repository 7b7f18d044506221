//! The base commit checked out beside the user's tree (`git worktree`), so that `--baseline-ref`
//! measures it in the same job without touching the user's working tree, index or refs. Removed on
//! drop: after success, failure and Ctrl-C alike.
//!
//! git is run as a tool, never as an extension point of the repository it works on: a `setup:`
//! step (a pull request's code) may have written `.git/hooks` or `.git/config` before memgate's
//! `git worktree add`. Every git memgate runs has hooks and fsmonitor off, no token, stdin closed,
//! no terminal prompt, a timeout and is killed when memgate is told to stop ([`super::child`]).
//! A ref is checked before git sees it ([`BaseRef::parse`]) and passed after `--end-of-options`;
//! a fetch writes FETCH_HEAD alone. The checkout is in a private folder (0700) with an
//! unpredictable name, so that another user of the machine cannot plant or swap its files.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::child::{self, ChildError, OnSignal};

/// How long one git command may run: a fetch of one commit over a slow network, not a hang.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Why git gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// What git said, or why it could not run or finish.
    #[error("{0}")]
    Failed(String),
    /// The ref names no commit of a full clone, nor of origin: a typo, not a clone too shallow.
    #[error("{0}")]
    UnknownRef(String),
    /// memgate received a terminating signal; git was killed.
    #[error("interrupted")]
    Interrupted,
}

impl GitError {
    /// What git said, put in words by `explain`; an interruption stays one.
    fn explained(self, explain: impl FnOnce(String) -> String) -> Self {
        match self {
            Self::Failed(said) => Self::Failed(explain(said)),
            interrupted => interrupted,
        }
    }
}

/// Runs `git ARGS` in `dir` as a tool (see the module's documentation); its trimmed stdout.
fn git(dir: &Path, args: &[&str], on_signal: OnSignal) -> Result<String, GitError> {
    git_raw(dir, args, on_signal).map(|out| out.trim().to_string())
}

/// [`git`]'s stdout as it is (a `-z` list, whose first name may start with a space). Optional
/// locks are off: a listing must not rewrite the user's index.
pub(super) fn git_raw(dir: &Path, args: &[&str], on_signal: OnSignal) -> Result<String, GitError> {
    let mut command = Command::new("git");
    command
        .args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
        ])
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0");
    let what = args.first().copied().unwrap_or_default();
    match child::run(command, GIT_TIMEOUT, on_signal) {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => Err(GitError::Failed(one_line(&String::from_utf8_lossy(
            &out.stderr,
        )))),
        Err(ChildError::Interrupted(_)) => Err(GitError::Interrupted),
        Err(ChildError::Start(err)) => Err(GitError::Failed(format!("cannot run git: {err}"))),
        Err(err @ ChildError::TimedOut(_)) => Err(GitError::Failed(format!("git {what} {err}"))),
    }
}

/// git's message on one line: it is quoted inside a sentence of memgate's (a warning's
/// parentheses, a table's note), which a multi-line message would break apart.
fn one_line(said: &str) -> String {
    let lines: Vec<&str> = said
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    lines.join(" ")
}

/// A `--baseline-ref` that git may be given: a branch, a tag, `HEAD` or a commit id, followed by
/// `~N`/`^N` steps — nothing git could read as an option or a refspec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseRef {
    text: String,
    /// A name or commit id alone (no `~`/`^`): what `git fetch origin REF` can ask for.
    fetchable: bool,
}

impl BaseRef {
    /// Checks `text`: not empty; no leading `-` (an option) or `+`, no `:` (a refspec, which makes
    /// a fetch write refs); the name before any `~N`/`^N` a hex commit id or a name that
    /// `git check-ref-format --allow-onelevel` accepts.
    pub fn parse(text: &str) -> Result<Self, String> {
        let refuse = |why: &str| {
            Err(format!(
                "`{text}` refused: {why}; name a branch, a tag or a commit (origin/main, v1.2, a commit id, HEAD~1)"
            ))
        };
        if text.is_empty() {
            return refuse("it is empty");
        }
        if text.starts_with('-') {
            return refuse("it starts with `-`, which git would read as an option");
        }
        if text.starts_with('+') || text.contains(':') {
            return refuse("it is a refspec (`+` or `:`), with which git would write refs");
        }
        let (name, steps) = text.split_at(text.find(['~', '^']).unwrap_or(text.len()));
        if !steps_are_ancestors(steps) {
            return refuse("only `~N` and `^N` may follow the name");
        }
        if !is_commit_id(name) && !is_ref_name(name) {
            return refuse("it is not a valid ref name (git check-ref-format)");
        }
        Ok(Self {
            text: text.to_string(),
            fetchable: steps.is_empty(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for BaseRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `~`, `~2`, `^`, `^2`, … any number of them (`steps` starts with `~` or `^`, or is empty).
fn steps_are_ancestors(steps: &str) -> bool {
    steps
        .chars()
        .all(|c| c == '~' || c == '^' || c.is_ascii_digit())
}

/// A full or abbreviated commit id (SHA-1 or SHA-256).
fn is_commit_id(name: &str) -> bool {
    (4..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// git's own rules for a ref name (no `..`, no control characters, no `@{`, …), one level allowed.
fn is_ref_name(name: &str) -> bool {
    // `name` cannot start with `-` here, so git cannot read it as an option.
    git(
        Path::new("."),
        &["check-ref-format", "--allow-onelevel", name],
        OnSignal::Finish,
    )
    .is_ok()
}

/// The top folder of the git repository holding `dir`.
pub fn toplevel(dir: &Path) -> Result<PathBuf, GitError> {
    git(dir, &["rev-parse", "--show-toplevel"], OnSignal::Kill)
        .map(PathBuf::from)
        .map_err(|err| {
            err.explained(|said| format!("{} is not in a git repository: {said}", dir.display()))
        })
}

/// The commit checked out at `dir`, if it is in a git repository.
pub fn head_sha(dir: &Path) -> Option<String> {
    let args = [
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        "HEAD",
    ];
    git(dir, &args, OnSignal::Kill).ok()
}

/// The commit `reference` names, fetched from `origin` into FETCH_HEAD alone when the clone lacks
/// it (actions/checkout fetches one commit by default). A shallow clone gets one more commit; a
/// full one is not made shallow. A ref that a full clone and its origin both lack is
/// [`GitError::UnknownRef`]; in a shallow clone it may only be out of reach.
pub fn resolve(repo: &Path, reference: &BaseRef) -> Result<String, GitError> {
    let commit = |spec: &str| {
        let args = ["rev-parse", "--verify", "--quiet", "--end-of-options", spec];
        git(repo, &args, OnSignal::Kill)
    };
    let local = commit(&format!("{reference}^{{commit}}"));
    if !matches!(local, Err(GitError::Failed(_))) {
        return local;
    }
    let shallow = git(
        repo,
        &["rev-parse", "--is-shallow-repository"],
        OnSignal::Kill,
    )? == "true";
    let missing = |said: String| {
        if shallow {
            GitError::Failed(format!(
                "`{reference}` is not in this shallow clone{said}; fetch more history, e.g. actions/checkout with fetch-depth: 0"
            ))
        } else {
            GitError::UnknownRef(format!(
                "`{reference}` names no commit of this repository{said}; check the name"
            ))
        }
    };
    if !reference.fetchable {
        return Err(missing(String::new()));
    }
    let mut fetch = vec!["fetch", "--quiet", "--no-tags", "--no-recurse-submodules"];
    if shallow {
        fetch.push("--depth=1");
    }
    // An empty refmap: no remote-tracking ref is updated either, only FETCH_HEAD.
    fetch.extend([
        "--refmap=",
        "--end-of-options",
        "origin",
        reference.as_str(),
    ]);
    match git(repo, &fetch, OnSignal::Kill) {
        Err(GitError::Failed(said)) => {
            return Err(missing(format!(", nor can it be fetched: {said}")));
        }
        Err(err) => return Err(err),
        Ok(_) => {}
    }
    commit("FETCH_HEAD^{commit}").map_err(|err| {
        err.explained(|said| format!("cannot resolve `{reference}` after fetching it: {said}"))
    })
}

#[derive(Debug)]
pub struct Worktree {
    repo: PathBuf,
    dir: PathBuf,
    sha: String,
    /// The private folder around `dir`; dropped (removed) after the worktree is.
    _private: tempfile::TempDir,
}

impl Worktree {
    /// Checks out `reference` in a fresh private folder under the system's temporary folder.
    pub fn create(repo: &Path, reference: &BaseRef) -> Result<Self, GitError> {
        let repo = toplevel(repo)?;
        let sha = resolve(&repo, reference)?;
        Self::at(repo, sha, "memgate-base-", reference.as_str())
    }

    /// Checks out the commit at `dir` (its HEAD) in a fresh private folder, as the base is: the
    /// head's side of `--baseline-ref`. The folder's name is as long as the base's, so that paths
    /// that setup writes into files are as long on both sides.
    pub fn head(dir: &Path) -> Result<Self, GitError> {
        let repo = toplevel(dir)?;
        let sha = head_sha(&repo).ok_or_else(|| {
            GitError::Failed(format!("{} has no commit checked out", repo.display()))
        })?;
        Self::at(repo, sha, "memgate-head-", "HEAD")
    }

    /// `sha` of `repo` checked out, detached, in a new private folder named `prefix…`.
    fn at(repo: PathBuf, sha: String, prefix: &str, name: &str) -> Result<Self, GitError> {
        let temp = std::path::absolute(std::env::temp_dir()).unwrap_or_default();
        let private = tempfile::Builder::new()
            .prefix(prefix)
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(&temp)
            .map_err(|err| {
                GitError::Failed(format!(
                    "cannot make a private folder in {}: {err}",
                    temp.display()
                ))
            })?;
        let dir = private.path().join("checkout");
        // Made before git runs, so that a failed or interrupted `add` is cleaned up on drop.
        let worktree = Self {
            repo,
            dir,
            sha,
            _private: private,
        };
        let dir_text = worktree.dir.to_string_lossy().into_owned();
        let add = [
            "worktree",
            "add",
            "--quiet",
            "--detach",
            "--end-of-options",
            &dir_text,
            &worktree.sha,
        ];
        git(&worktree.repo, &add, OnSignal::Kill).map_err(|err| {
            err.explained(|said| format!("cannot check out {name} ({}): {said}", worktree.sha))
        })?;
        Ok(worktree)
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
    /// Runs to its end even after memgate was told to stop: that is when it matters most. Twice
    /// `--force`: an `add` killed half-way leaves its worktree locked.
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        let remove = [
            "worktree",
            "remove",
            "--force",
            "--force",
            "--end-of-options",
            &dir,
        ];
        if git(&self.repo, &remove, OnSignal::Finish).is_err() {
            let _ = std::fs::remove_dir_all(&self.dir);
            let _ = git(&self.repo, &["worktree", "prune"], OnSignal::Finish);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_that_name_a_commit_are_accepted() {
        for text in [
            "main",
            "origin/main",
            "refs/heads/main",
            "v1.2.3",
            "HEAD",
            "HEAD~1",
            "HEAD^",
            "main~2^2~",
            "feature/x-y_z",
            "0123abcd",
            "e01e9c3ce6b9ad6b2ec63e93ad420a1904b83459",
        ] {
            let reference = BaseRef::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"));
            assert_eq!(reference.as_str(), text);
            assert_eq!(reference.fetchable, !text.contains(['~', '^']), "{text}");
        }
    }

    #[test]
    fn options_refspecs_and_bad_names_are_refused() {
        for (text, why) in [
            ("", "empty"),
            ("--upload-pack=touch /tmp/x;false", "option"),
            ("-q", "option"),
            ("+refs/heads/main:refs/heads/feature", "refspec"),
            ("refs/heads/main:refs/heads/feature", "refspec"),
            ("+main", "refspec"),
            (":refs/heads/x", "refspec"),
            ("HEAD:path", "refspec"),
            ("main~x", "`~N`"),
            ("main^{tree}", "`~N`"),
            ("main@{1}", "check-ref-format"),
            ("a..b", "check-ref-format"),
            ("a b", "check-ref-format"),
            ("main\n--x", "check-ref-format"),
            ("refs/heads/*", "check-ref-format"),
            ("@", "check-ref-format"),
        ] {
            let err = BaseRef::parse(text).expect_err(text);
            assert!(err.contains(why), "{text:?}: {err}");
            assert!(err.contains("name a branch, a tag or a commit"), "{err}");
        }
    }
}
