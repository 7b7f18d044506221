//! results.json on disk: read with a size cap, the schema checked, parsed straight into the typed
//! structs with every list capped ([`super::limits`]) and every number checked; written
//! atomically (an exclusive temporary file, then a rename) so that a reader never sees half a file
//! and a crash later loses nothing already written, except where the path is a device or a FIFO,
//! which is written through.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use serde::Deserialize;

use super::{READABLE_SCHEMAS, Results, SCHEMA, SCHEMA_V1, limits};

/// Results files larger than this are refused: they may come from an untrusted fork.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads and validates a results file: its size, its JSON, its schema, its lists and numbers.
/// Errors name the file and the field (`benchmarks[2].runs[0].duration_secs`); text from the file
/// in them is escaped, since it may be a fork's and the error goes to a CI log.
pub fn read(path: &Path) -> Result<Results, String> {
    let bytes = read_capped(path)?;
    from_slice(&bytes).map_err(|err| format!("{}: {err}", path.display()))
}

/// [`read`] from bytes already in memory (at most [`MAX_FILE_BYTES`] of them: the caller's cap).
pub fn from_slice(bytes: &[u8]) -> Result<Results, String> {
    let results = parse(bytes)?;
    limits::check(&results)?;
    Ok(results)
}

/// The file's bytes, refused past [`MAX_FILE_BYTES`] whatever the file is (a FIFO or a file
/// still growing has no size to check first).
fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let cannot = |err: io::Error| format!("cannot read {}: {err}", path.display());
    let file = File::open(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    let too_large = |size: &dyn std::fmt::Display| {
        format!(
            "{} is {size} bytes; results files are at most {MAX_FILE_BYTES}",
            path.display()
        )
    };
    if size > MAX_FILE_BYTES {
        return Err(too_large(&size));
    }
    // Room for the whole file, so that reading it never doubles the buffer.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(&format_args!("more than {MAX_FILE_BYTES}")));
    }
    Ok(bytes)
}

/// The typed results, in one pass; a file that does not parse is looked at again for its schema
/// alone, so that another version's file is named as such rather than by its first odd field.
fn parse(bytes: &[u8]) -> Result<Results, String> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let parsed = limits::with_budget(bytes.len(), || {
        serde_path_to_error::deserialize::<_, Results>(&mut json)
    })
    .map_err(|err| {
        let path = err.path().to_string();
        let err = err.into_inner();
        let what = match err.classify() {
            serde_json::error::Category::Data => "",
            _ => "not JSON: ",
        };
        match path.as_str() {
            "." => format!("{what}{err}"),
            path => format!("{what}{path}: {err}"),
        }
    })
    .and_then(|results| {
        json.end().map_err(|err| format!("not JSON: {err}"))?;
        Ok(results)
    });
    let schema = match &parsed {
        Ok(results) => Some(Some(results.schema.clone())),
        Err(_) => schema_of(bytes),
    };
    match schema {
        Some(None) => Err(format!(
            "is not a memgate results file: it is JSON, but has no `schema` (a results file of `memgate check --json` has `\"schema\": \"{SCHEMA}\"`)"
        )),
        Some(Some(schema)) if !READABLE_SCHEMAS.contains(&schema.as_str()) => Err(format!(
            "has schema `{}`; this memgate reads `{SCHEMA}` and `{SCHEMA_V1}`",
            escaped(&schema)
        )),
        _ => parsed.map_err(|err| escaped(&err)),
    }
}

/// The `schema` of JSON that is not a results file: `Some(None)` for JSON with no `schema` (an
/// object without one, a list, a number), `None` when it is not JSON or its `schema` is not a
/// string.
fn schema_of(bytes: &[u8]) -> Option<Option<String>> {
    #[derive(Deserialize)]
    struct Tagged {
        schema: Option<String>,
    }
    match serde_json::from_slice::<Tagged>(bytes) {
        Ok(tagged) => Some(tagged.schema),
        Err(_) => serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
            .ok()
            .filter(|_| !bytes.trim_ascii_start().starts_with(b"{"))
            .map(|_| None),
    }
}

/// `text` with control characters, bidirectional overrides and other invisible characters shown
/// as escapes (`\n`, `\u{1b}`, `\u{202e}`), as Rust's `Debug` shows them.
fn escaped(text: &str) -> String {
    let quoted = format!("{text:?}");
    quoted[1..quoted.len() - 1].to_string()
}

impl Results {
    /// Writes the file atomically (see [`write_atomic`]).
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

/// Writes `bytes` to `path`, as what is there asks:
///
/// - nothing, or a regular file: replaced atomically, so that readers see the old bytes or the
///   new, never a part: a temporary file beside it, created exclusively under an unpredictable
///   name (a link planted at a guessed name is never followed), then renamed over it;
/// - a symbolic link to a regular file: that file is replaced the same way and the link kept, as
///   a shell's `>` keeps it (a link in one's own tree points where the reports should go). The
///   kernel follows the link first (`stat`), so its checks hold (`fs.protected_symlinks`: no
///   following another user's link in a sticky folder such as /tmp); a link to nothing is
///   refused, not created through;
/// - anything else (a device such as /dev/null, a FIFO, /dev/stdout): opened and written, never
///   replaced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => replace(path, bytes),
        Err(err) => Err(err),
        Ok(meta) if meta.is_file() => replace(path, bytes),
        Ok(meta) => match fs::metadata(path) {
            Ok(target) if target.is_file() => replace(&fs::canonicalize(path)?, bytes),
            Ok(_) => write_through(path, bytes),
            Err(err) if err.kind() == io::ErrorKind::NotFound && meta.is_symlink() => {
                Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "it is a symbolic link to a file that does not exist \
                     (memgate writes through a link only to an existing file)",
                ))
            }
            Err(err) => Err(err),
        },
    }
}

/// A new file with `bytes`, renamed over `path`. `tempfile` makes the name (random, retried on a
/// clash) and creates it with O_EXCL, and removes it when anything fails.
fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file path",
        ));
    }
    let mut temp = tempfile::Builder::new()
        .prefix(".memgate-")
        .suffix(".tmp")
        // As a new file would be (the umask applies), not tempfile's private 0600.
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Writes into what is at `path` without replacing it. Should it have become a regular file since
/// it was looked at, it is replaced after all (writing into it would leave its old tail).
fn write_through(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(path)?;
    if file.metadata()?.is_file() {
        drop(file);
        return replace(&fs::canonicalize(path)?, bytes);
    }
    file.write_all(bytes)?;
    file.flush()
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

    /// The temporary name memgate used to write, `.<name>.<pid>.tmp`, planted as a link to a
    /// file of the victim's: the write must neither follow it nor leave the link as the result.
    #[test]
    fn a_link_planted_at_the_old_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("report.md");
        let planted = dir
            .path()
            .join(format!(".report.md.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_atomic(&path, b"report").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(fs::symlink_metadata(&path).unwrap().is_file());
        assert_eq!(fs::read_to_string(&path).unwrap(), "report");
    }

    #[test]
    fn a_link_to_a_file_is_kept_and_the_file_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("out")).unwrap();
        let real = dir.path().join("out/report.md");
        fs::write(&real, "old").unwrap();
        let link = dir.path().join("report.md");
        std::os::unix::fs::symlink("out/report.md", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        // The temporary file was made beside the real file, and is gone.
        assert_eq!(fs::read_dir(dir.path().join("out")).unwrap().count(), 1);
    }

    #[test]
    fn a_link_to_nothing_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("report.md");
        std::os::unix::fs::symlink("missing/report.md", &link).unwrap();
        let err = write_atomic(&link, b"new").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    }

    #[test]
    fn a_new_file_has_the_permissions_a_new_file_gets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        write_atomic(&path, b"{}").unwrap();
        // SAFETY: umask(2) only; set back at once.
        let umask = unsafe {
            let mask = libc::umask(0o022);
            libc::umask(mask);
            mask
        };
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask);
    }

    #[test]
    fn json_that_is_no_results_file_is_said_to_be_none() {
        for json in [&b"{\"foo\": 1}"[..], b"[1, 2]", b"{\"schema\": null}", b"3"] {
            let err = parse(json).unwrap_err();
            assert!(err.starts_with("is not a memgate results file"), "{err}");
        }
        let other = parse(b"{\"schema\": \"other/thing@2\"}").unwrap_err();
        assert!(other.starts_with("has schema `other/thing@2`"), "{other}");
        assert!(parse(b"{\"schema\": 5}").unwrap_err().contains("schema"));
    }

    #[test]
    fn untrusted_text_in_errors_is_escaped() {
        assert_eq!(escaped("a\n::warning::x"), "a\\n::warning::x");
        assert_eq!(
            escaped("\u{1b}]8;;x\u{7}\u{202e}"),
            "\\u{1b}]8;;x\\u{7}\\u{202e}"
        );
    }
}
