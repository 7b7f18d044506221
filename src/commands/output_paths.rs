//! Every path `memgate check` will write, checked before anything runs: a report that cannot be
//! written is found in a second, not after the whole suite. A missing folder is made (as the
//! writes would make it); the folder must take a new file (probed with one, removed at once).
//! A device, FIFO or symlink already there (`/dev/stdout`) is written through, so it must be
//! writable itself. `-` is standard output where the option says so.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Checks that a report file can be written at `path` (`-` is standard output when `dash_is_stdout`).
pub fn check_file(path: &Path, dash_is_stdout: bool) -> Result<(), String> {
    if dash_is_stdout && path == Path::new("-") {
        return Ok(());
    }
    let fail = |why: String| format!("cannot write {}: {why}", path.display());
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)
        .map_err(|err| fail(format!("cannot make the folder {}: {err}", dir.display())))?;
    if path.is_dir() {
        return Err(fail("it is a folder; name a file in it".into()));
    }
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => writable(path).map_err(|err| fail(err.to_string())),
        _ => probe(dir).map_err(fail),
    }
}

/// Checks that `dir` is, or can be made, a folder that takes new files (`--charts`).
pub fn check_folder(dir: &Path) -> Result<(), String> {
    let fail = |why: String| format!("cannot write {}: {why}", dir.display());
    fs::create_dir_all(dir).map_err(|err| fail(err.to_string()))?;
    probe(dir).map_err(fail)
}

/// Creates and removes a file in `dir`: the one sure test that a file can be made there.
fn probe(dir: &Path) -> Result<(), String> {
    tempfile::Builder::new()
        .prefix(".memgate-probe-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|err| {
            format!(
                "the folder {} does not take a new file: {err}",
                dir.display()
            )
        })
}

/// Whether this process may write to `path` (following symlinks), without opening it: opening a
/// FIFO would wait for a reader.
fn writable(path: &Path) -> io::Result<()> {
    let text = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: access(2) reads a NUL-terminated path and writes nothing.
    if unsafe { libc::access(text.as_ptr(), libc::W_OK) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_can_and_cannot_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(check_file(Path::new("-"), true).is_ok());
        assert!(check_file(&dir.path().join("new/deeper/r.md"), false).is_ok());
        assert!(dir.path().join("new/deeper").is_dir());
        assert!(check_file(&file, false).is_ok());
        assert!(check_file(Path::new("/dev/null"), false).is_ok());
        let err = check_file(&file.join("r.md"), false).unwrap_err();
        assert!(
            err.starts_with(&format!("cannot write {}/r.md: ", file.display())),
            "{err}"
        );
        let err = check_file(dir.path(), false).unwrap_err();
        assert!(err.contains("it is a folder"), "{err}");
        assert!(check_folder(&dir.path().join("charts")).is_ok());
        assert!(check_folder(&file).is_err());
        // The probes left nothing behind.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }
}
