//! Helpers shared by the integration tests that run real Python workloads.

// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;

/// The real interpreter: `python3` may be a shim (pyenv) that spawns processes of its own, which
/// would show up in every measured tree.
pub fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let output = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 must be installed to run the workloads");
        let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
        assert!(
            output.status.success() && !path.is_empty(),
            "could not resolve the real python3 interpreter: {output:?}"
        );
        path
    })
}

/// A shell command that holds `mib` MiB of touched memory for `secs` seconds.
pub fn hold(mib: u64, secs: f64) -> String {
    format!(
        "{} -c \"import time; b = bytearray(b'x') * ({mib} << 20); time.sleep({secs})\"",
        python()
    )
}
