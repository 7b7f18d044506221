//! The `setup:` steps of a config: run once, in order, before any benchmark, each through `sh -c`
//! in the config's folder with memgate's tokens hidden, as the benchmarks are. A step has
//! [`SETUP_TIMEOUT`], and a terminating signal to memgate ends it (`child`).

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::config::Config;

use super::child::{self, ChildError, OnSignal};

/// How long one setup step may run (README, "Setup"): long enough for a cold dependency install,
/// short of a CI job's own limit, so that a hung step fails as itself.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A setup step that did not succeed; the run stops before any benchmark.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("setup step `{step}` could not start: {source}")]
    Start { step: String, source: io::Error },
    /// `output` is what the step printed, each non-empty stream on lines of its own.
    #[error("setup step `{step}` failed ({status}){output}")]
    Failed {
        step: String,
        status: ExitStatus,
        output: String,
    },
    #[error("setup step `{step}` timed out after {} and was killed", humantime::format_duration(*after))]
    TimedOut { step: String, after: Duration },
    /// memgate received a terminating signal; the step was killed.
    #[error("interrupted during setup step `{step}`; nothing was measured")]
    Interrupted { step: String },
}

/// Runs each step of `config`'s `setup`; the first failure stops the run with its output. Notes
/// each step and the time it took.
pub fn run(config: &Config, note: &mut dyn FnMut(&str)) -> Result<(), SetupError> {
    let folder = config_folder(&config.path);
    for step in &config.setup {
        note(&format!("setup: {step}"));
        let started = Instant::now();
        let mut command = std::process::Command::new("sh");
        command.args(["-c", step]).current_dir(&folder);
        let step_error = |err| {
            let step = step.clone();
            match err {
                ChildError::Start(source) => SetupError::Start { step, source },
                ChildError::TimedOut(after) => SetupError::TimedOut { step, after },
                ChildError::Interrupted(_) => SetupError::Interrupted { step },
            }
        };
        let output = child::run(command, SETUP_TIMEOUT, OnSignal::Kill).map_err(step_error)?;
        if !output.status.success() {
            return Err(SetupError::Failed {
                step: step.clone(),
                status: output.status,
                output: printed(&[&output.stdout, &output.stderr]),
            });
        }
        note(&format!(
            "setup: done in {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}

/// Each stream that printed anything, on a line of its own after a newline.
fn printed(streams: &[&[u8]]) -> String {
    let mut text = String::new();
    for stream in streams {
        let stream = String::from_utf8_lossy(stream);
        if !stream.trim().is_empty() {
            text.push('\n');
            text.push_str(stream.trim_end());
        }
    }
    text
}

/// The folder of the config file: where setup runs and where its git repository is found.
pub fn config_folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
