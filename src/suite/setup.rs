//! The `setup:` steps of a config: run once, in order, before any benchmark, each through `sh -c`
//! in the config's folder with memgate's tokens hidden, as the benchmarks are.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Instant;

use crate::config::Config;
use crate::measure::spawn;

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
}

/// Runs each step of `config`'s `setup`; the first failure stops the run with its output. Notes
/// each step and the time it took.
pub fn run(config: &Config, note: &mut dyn FnMut(&str)) -> Result<(), SetupError> {
    let folder = config_folder(&config.path);
    for step in &config.setup {
        note(&format!("setup: {step}"));
        let started = Instant::now();
        let mut command = std::process::Command::new("sh");
        command
            .args(["-c", step])
            .current_dir(&folder)
            .stdin(Stdio::null());
        spawn::hide_tokens(&mut command);
        let output = command.output().map_err(|source| SetupError::Start {
            step: step.clone(),
            source,
        })?;
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
