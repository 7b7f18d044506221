//! The head's side of `--baseline-ref`, prepared as the base's is (docs/baseline.md, "Base and
//! head prepared alike"): a fresh checkout of HEAD in a private folder, with the working tree's
//! changes (modified, deleted and new files that git does not ignore) copied in, its own
//! memgate.yml, its own setup. What the user's tree holds beyond that (a venv made earlier, with
//! packages the base's fresh one lacks) is not there, on either side.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path};

use crate::config::{self, Config};
use crate::results::Fingerprint;

use super::child::OnSignal;
use super::fingerprint;
use super::setup::{self, SetupError, config_folder};
use super::worktree::{GitError, Worktree, git_raw};

/// Why the head's checkout could not be prepared (memgate's error: the head is what is gated).
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    #[error("cannot prepare the head's checkout for --baseline-ref: {0}")]
    Failed(String),
    #[error("interrupted while preparing the head's checkout; nothing was measured")]
    Interrupted,
    #[error(transparent)]
    Setup(#[from] SetupError),
}

impl From<GitError> for HeadError {
    fn from(err: GitError) -> Self {
        match err {
            GitError::Interrupted => Self::Interrupted,
            err => Self::Failed(err.to_string()),
        }
    }
}

/// The head's checkout, set up: removed when dropped.
#[derive(Debug)]
pub struct HeadTree {
    /// The head's memgate.yml as it is in the checkout (benchmarks run there).
    pub config: Config,
    /// What setup left in the checkout.
    pub setup: Fingerprint,
    _checkout: Worktree,
}

impl HeadTree {
    /// Checks out the head of `head`'s repository with the working tree's changes, loads its
    /// memgate.yml and runs its setup.
    pub fn prepare(head: &Config, note: &mut dyn FnMut(&str)) -> Result<Self, HeadError> {
        let fail = |err: &dyn std::fmt::Display| HeadError::Failed(err.to_string());
        let path = head
            .path
            .canonicalize()
            .map_err(|err| fail(&format_args!("{}: {err}", head.path.display())))?;
        note("baseline: checking out the head (HEAD and the working tree's changes)");
        let checkout = Worktree::head(&config_folder(&path))?;
        let copied = copy_changes(checkout.repo(), checkout.dir())?;
        let relative = path
            .strip_prefix(checkout.repo())
            .map_err(|_| fail(&"the config is outside the git repository"))?;
        let config = config::load(&checkout.dir().join(relative)).map_err(|errors| {
            fail(&format_args!(
                "{} is not in the head's checkout or is invalid (ignored by git?):\n{errors}",
                relative.display()
            ))
        })?;
        setup::run(&config, note)?;
        let setup = fingerprint::of(checkout.dir(), &copied)?;
        Ok(Self {
            config,
            setup,
            _checkout: checkout,
        })
    }
}

/// Copies the changes of the working tree at `repo` into the checkout `to`: deleted files
/// removed, modified and new (not ignored) ones copied, links as links. Returns the names copied.
fn copy_changes(repo: &Path, to: &Path) -> Result<HashSet<String>, HeadError> {
    let list = |what: &[&str]| -> Result<Vec<String>, GitError> {
        let args = [&["ls-files", "-z"], what].concat();
        let listed = git_raw(repo, &args, OnSignal::Kill)?;
        Ok(listed
            .split('\0')
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .collect())
    };
    let cannot = |name: &str, err: io::Error| HeadError::Failed(format!("{name}: {err}"));
    for name in list(&["--deleted"])? {
        let target = inside(to, &name).map_err(|err| cannot(&name, err))?;
        match fs::remove_file(target) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(cannot(&name, err)),
            _ => {}
        }
    }
    let mut copied = HashSet::new();
    for name in list(&["--modified", "--others", "--exclude-standard"])? {
        let from = repo.join(&name);
        let Ok(meta) = fs::symlink_metadata(&from) else {
            continue; // deleted: done above
        };
        if meta.is_dir() {
            continue; // a submodule
        }
        copy_one(&from, &meta, to, &name).map_err(|err| cannot(&name, err))?;
        copied.insert(name);
    }
    Ok(copied)
}

/// Copies the file or link `from` to `name` in `to`, replacing what is there without following
/// it (the checkout is new, but a tracked link may lead out of it).
fn copy_one(from: &Path, meta: &fs::Metadata, to: &Path, name: &str) -> io::Result<()> {
    let target = inside(to, name)?;
    match fs::symlink_metadata(&target) {
        Ok(there) if there.is_dir() => fs::remove_dir_all(&target)?,
        Ok(_) => fs::remove_file(&target)?,
        Err(_) => {}
    }
    if meta.file_type().is_symlink() {
        return std::os::unix::fs::symlink(fs::read_link(from)?, &target);
    }
    let mut source = File::open(from)?;
    let mut copy = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(meta.permissions().mode() & 0o777)
        .open(&target)?;
    io::copy(&mut source, &mut copy).map(drop)
}

/// `to/name`, its folders made, refused when `name` leaves `to` or a folder on the way is a link.
fn inside(to: &Path, name: &str) -> io::Result<std::path::PathBuf> {
    let refuse = |why: &str| io::Error::other(format!("not copied: {why}"));
    let relative = Path::new(name);
    let mut at = to.to_path_buf();
    let mut parts = relative.components().peekable();
    while let Some(part) = parts.next() {
        let Component::Normal(part) = part else {
            return Err(refuse("not a plain relative name"));
        };
        at.push(part);
        if parts.peek().is_none() {
            break;
        }
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(refuse("a folder on its way is a link or a file")),
            Err(_) => fs::create_dir(&at)?,
        }
    }
    Ok(at)
}
