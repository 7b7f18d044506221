//! What memgate's fuzz targets share: reading results from bytes as `memgate report` reads a file,
//! the edits the `render` target makes to a valid results file, and the checks of what each
//! renderer promises (docs/security.md, "Fuzzing").

pub mod edit;
pub mod promise;

use std::path::PathBuf;
use std::sync::OnceLock;

use memgate::results::Results;

/// `bytes` read as a results file by memgate's own reader (`memgate::results::read`), so that the
/// targets check exactly what `report`, `compare` and `comment` accept, whatever that reader
/// becomes. The reader takes a path: the bytes go to one file in a folder private to this process.
pub fn read_results(bytes: &[u8]) -> Result<Results, String> {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("results.json");
        (dir, path)
    });
    std::fs::write(path, bytes).expect("the temporary results file is written");
    memgate::results::read(path)
}
