//! What `setup:` left in each side's checkout with `--baseline-ref`: the files it made, their
//! sizes and one digest of both, so that a results file says whether base and head were measured
//! in equivalent environments (a venv with an extra package on one side shows here).

use serde::{Deserialize, Serialize};

/// One side's environment after setup: the files in its checkout that git does not track
/// (ignored ones too), as names and sizes. Sizes, not contents: both checkouts' paths are as
/// long, so a file that holds its own path (a venv's scripts) is as long on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub files: u64,
    pub bytes: u64,
    /// FNV-1a (64 bits, hex) of every `name NUL size LF`, names in byte order.
    pub digest: String,
}

/// Both sides' [`Fingerprint`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupFingerprints {
    pub base: Fingerprint,
    pub head: Fingerprint,
}

impl SetupFingerprints {
    /// Whether setup left different files on the two sides: their figures may then differ for
    /// that reason alone.
    pub fn differ(&self) -> bool {
        self.base != self.head
    }
}

impl Fingerprint {
    /// The fingerprint of `entries` (name, size), in any order.
    pub fn of(mut entries: Vec<(String, u64)>) -> Self {
        entries.sort();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for &byte in bytes {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for (name, size) in &entries {
            feed(name.as_bytes());
            feed(b"\0");
            feed(size.to_string().as_bytes());
            feed(b"\n");
        }
        Self {
            files: entries.len() as u64,
            bytes: entries.iter().map(|(_, size)| size).sum(),
            digest: format!("{hash:016x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_does_not_matter_names_and_sizes_do() {
        let a = Fingerprint::of(vec![("x".into(), 1), ("y/z".into(), 20)]);
        let b = Fingerprint::of(vec![("y/z".into(), 20), ("x".into(), 1)]);
        assert_eq!(a, b);
        assert_eq!((a.files, a.bytes), (2, 21));
        assert_ne!(
            a,
            Fingerprint::of(vec![("x".into(), 1), ("y/z".into(), 21)])
        );
        assert_ne!(
            a,
            Fingerprint::of(vec![("x".into(), 1), ("y/w".into(), 20)])
        );
        assert_eq!(Fingerprint::of(vec![]).digest, "cbf29ce484222325");
    }
}
