//! results.json on disk: read with a size cap and a schema check, written atomically (temporary
//! file, then rename) so that a reader never sees half a file and a crash later loses nothing
//! already written.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Results, SCHEMA};

/// Results files larger than this are refused: they may come from an untrusted fork.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads and validates a results file: its size, its JSON, its schema.
pub fn read(path: &Path) -> Result<Results, String> {
    let size = fs::metadata(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{} is {size} bytes; results files are at most {MAX_FILE_BYTES}",
            path.display()
        ));
    }
    let text =
        fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| format!("{}: not JSON: {err}", path.display()))?;
    let schema = value.get("schema").and_then(|s| s.as_str()).unwrap_or("");
    if schema != SCHEMA {
        return Err(format!(
            "{} has schema `{schema}`; this memgate reads `{SCHEMA}`",
            path.display()
        ));
    }
    serde_json::from_value(value).map_err(|err| format!("{}: {err}", path.display()))
}

impl Results {
    /// Writes the file atomically: a temporary file beside it, flushed, then renamed over it.
    pub fn write_atomic(&self, path: &Path) -> io::Result<()> {
        write_atomic(path, self.to_json().as_bytes())
    }
}

/// Makes the folder of an output file before anything is measured, so that a path that cannot be
/// written (its folder cannot be made: a file is in the way, no permission) fails at once, not
/// after the whole run.
pub fn prepare_output(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => fs::create_dir_all(dir)
            .map_err(|err| format!("cannot write {}: {}: {err}", path.display(), dir.display())),
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
