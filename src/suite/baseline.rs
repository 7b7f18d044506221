//! What the head is compared with: nothing, a results file (`--baseline FILE`), the base commit
//! measured beside the head (`--baseline-ref REF`), or a base that was wanted and could not be
//! had, in which case the gate judges budgets alone and says why.

use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::gate::compare;
use crate::results::{self, BaselineInfo, Fingerprint, Results, SetupFingerprints};

use super::fingerprint;
use super::setup::{self, SetupError, config_folder};
use super::worktree::{BaseRef, GitError, Worktree};

/// memgate was told to stop while it prepared the base (git, or the base's setup); nothing was
/// measured.
#[derive(Debug, thiserror::Error)]
#[error("interrupted while preparing the base ({0}); nothing was measured")]
pub struct BaseInterrupted(String);

/// Why `--baseline-ref` stops memgate before anything is measured (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    #[error(transparent)]
    Interrupted(#[from] BaseInterrupted),
    /// The ref names nothing in a full clone: a typo, which budgets alone would hide.
    #[error("--baseline-ref {0}")]
    UnknownRef(String),
}

/// Why the base could not be prepared.
enum NoBase {
    /// A reason to gate on budgets alone.
    Reason(String),
    Stop(BaseError),
}

impl From<String> for NoBase {
    fn from(reason: String) -> Self {
        Self::Reason(reason)
    }
}

impl From<GitError> for NoBase {
    fn from(err: GitError) -> Self {
        match err {
            GitError::Failed(reason) => Self::Reason(reason),
            GitError::UnknownRef(reason) => Self::Stop(BaseError::UnknownRef(reason)),
            GitError::Interrupted => Self::Stop(BaseInterrupted("git".into()).into()),
        }
    }
}

/// The baseline of a suite.
#[derive(Debug)]
pub enum Baseline {
    /// No comparison: budgets alone.
    None,
    /// The results of an earlier run, read from `path`.
    File { path: PathBuf, results: Results },
    /// The base commit, measured run by run beside the head.
    Ref(BaseSide),
    /// `--baseline-ref` was given but the base could not be measured: budgets alone, and the
    /// results say why.
    Missing {
        /// `ref:REF`, REF as given (empty when it was the pull request's base).
        source: String,
        reason: String,
    },
}

/// The base commit's side of `--baseline-ref`: its own config, set up in its own checkout.
#[derive(Debug)]
pub struct BaseSide {
    pub config: Config,
    /// The base commit, which the results name.
    pub sha: String,
    /// What setup left in the base's checkout, and in the head's (`HeadTree`), when known.
    setup: Option<Fingerprint>,
    head_setup: Option<Fingerprint>,
    /// Removed when the side is dropped, on every path out of the run.
    _checkout: Option<Worktree>,
}

impl Baseline {
    /// `--baseline FILE`: the file must be a readable results file.
    pub fn read_file(path: &Path) -> Result<Self, String> {
        Ok(Self::File {
            path: path.to_path_buf(),
            results: results::read(path)?,
        })
    }

    /// `--baseline-ref`: checks out `reference` (the REF `given`, or the pull request's base),
    /// loads its memgate.yml and runs its setup. A failure is a reason to gate on budgets
    /// alone, which a note says, never a failure of the gate; but a ref that names nothing in a
    /// full clone, and a terminating signal to memgate, end the run.
    pub fn checkout(
        head: &Config,
        given: Option<&str>,
        reference: &BaseRef,
        note: &mut dyn FnMut(&str),
    ) -> Result<Self, BaseError> {
        match BaseSide::prepare(head, reference, note) {
            Ok(side) => Ok(Self::Ref(side)),
            Err(NoBase::Stop(err)) => Err(err),
            Err(NoBase::Reason(reason)) => {
                note(&format!(
                    "warning: no baseline: {reason}; gating on budgets alone"
                ));
                Ok(Self::Missing {
                    source: format!("ref:{}", given.unwrap_or_default()),
                    reason,
                })
            }
        }
    }

    /// Notes what setup left in the head's checkout (`HeadTree`), for the results to set beside
    /// the base's.
    pub fn record_head_setup(&mut self, fingerprint: Fingerprint) {
        if let Self::Ref(side) = self {
            side.head_setup = Some(fingerprint);
        }
    }

    /// The side to measure beside the head, if any.
    pub fn side(&self) -> Option<&BaseSide> {
        match self {
            Self::Ref(side) => Some(side),
            _ => None,
        }
    }

    /// Compares `head` with the base: the file's results, or `measured` (the base's benchmarks
    /// measured so far) for a ref. Called after each benchmark; again over all so far.
    pub(super) fn compare(&self, head: &mut Results, measured: Option<&Results>, config: &Config) {
        let regression_for = |name: &str| {
            config
                .benchmark(name)
                .map(|b| b.regression.clone())
                .unwrap_or_default()
        };
        match (self, measured) {
            (Self::None, _) => {}
            (Self::File { path, results }, _) => {
                let source = format!("file:{}", path.display());
                compare::apply_baseline(head, results, source, regression_for);
            }
            (Self::Ref(side), Some(base)) => {
                let source = format!("ref:{}", base.environment.git_sha.as_deref().unwrap_or(""));
                compare::apply_baseline(head, base, source, regression_for);
                if let Some(info) = head.baseline.as_mut() {
                    info.setup = side.setups();
                }
            }
            (Self::Ref(_), None) => {}
            (Self::Missing { source, reason }, _) => {
                head.baseline = Some(BaselineInfo {
                    source: source.clone(),
                    missing_reason: Some(reason.clone()),
                    ..BaselineInfo::default()
                });
            }
        }
    }
}

impl BaseSide {
    /// A base measured from `config` as it is, with no checkout of its own to remove.
    pub fn new(config: Config, sha: String) -> Self {
        Self {
            config,
            sha,
            setup: None,
            head_setup: None,
            _checkout: None,
        }
    }

    /// Checks out the base, loads its memgate.yml and runs its setup, and notes what setup left.
    fn prepare(
        head: &Config,
        reference: &BaseRef,
        note: &mut dyn FnMut(&str),
    ) -> Result<Self, NoBase> {
        let head_config = head
            .path
            .canonicalize()
            .map_err(|err| format!("{}: {err}", head.path.display()))?;
        let folder = config_folder(&head_config);
        note(&format!("baseline: checking out {reference}"));
        let worktree = Worktree::create(&folder, reference)?;
        let relative = head_config
            .strip_prefix(worktree.repo())
            .map_err(|_| "the config is outside the git repository".to_string())?;
        let base_config_path = worktree.dir().join(relative);
        if !base_config_path.exists() {
            return Err(format!("{reference} has no {}", relative.display()).into());
        }
        let config = config::load(&base_config_path)
            .map_err(|errors| format!("{reference}'s config is invalid:\n{errors}"))?;
        setup::run(&config, note).map_err(|err| match err {
            SetupError::Interrupted { step } => {
                NoBase::Stop(BaseInterrupted(format!("its setup step `{step}`")).into())
            }
            err => NoBase::Reason(format!("{reference}: {err}")),
        })?;
        let setup = fingerprint::of(worktree.dir(), &Default::default())?;
        Ok(Self {
            config,
            sha: worktree.sha().to_string(),
            setup: Some(setup),
            head_setup: None,
            _checkout: Some(worktree),
        })
    }

    /// Both sides' fingerprints, when both are known.
    fn setups(&self) -> Option<SetupFingerprints> {
        Some(SetupFingerprints {
            base: self.setup.clone()?,
            head: self.head_setup.clone()?,
        })
    }

    /// The base's results before its first benchmark: the head's machine, the base's commit.
    pub(super) fn empty_results(&self, head: &Results) -> Results {
        let mut base = Results::new(head.environment.clone(), head.created_at.clone());
        base.environment.git_sha = Some(self.sha.clone());
        base
    }
}
