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

/// The path of `tests/workloads/NAME`, as an argument.
pub fn workload(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/workloads")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A shell command that holds `mib` MiB of touched memory for `secs` seconds.
pub fn hold(mib: u64, secs: f64) -> String {
    format!(
        "{} -c \"import time; b = bytearray(b'x') * ({mib} << 20); time.sleep({secs})\"",
        python()
    )
}

// Each test binary uses part of this module (see above).
#[allow(unused_imports)]
pub use memgate::testing::git;

/// Whether process `pid` still runs: it exists and is not a zombie (a killed process whose new
/// parent has not reaped it yet is gone for every purpose here).
pub fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state is the first field after the command name, which is in parentheses.
    let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
    !matches!(state, Some(Some('Z' | 'X')) | None)
}

/// Polls `condition` every 20 ms until it holds or `secs` have passed; whether it held. A guard
/// against hanging a test, never a timing assertion.
pub fn wait_for(secs: u64, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    condition()
}

/// The pid written (by a test's shell step) into `path`, once the file holds one.
pub fn read_pid(path: &std::path::Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// `memgate ARGS…` run in `dir` to its end, outside GitHub Actions and without colour.
pub fn memgate(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_memgate"))
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

/// A folder holding `memgate.yml`, for the tests that run memgate in it (each test file adds the
/// ways it runs memgate).
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("memgate.yml"), config).unwrap();
        Self { dir }
    }

    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

/// An interpreter with the packages of `tests/python-requirements.txt` (memray, joblib): a
/// virtualenv made once per target folder from PyPI, shared by every test process (nextest runs
/// each test in a process of its own, so a file lock, not a `OnceLock`, makes it once). The
/// requirements file's contents name the folder, so changing a pin makes a fresh one.
pub fn python_with_packages() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let requirements = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python-requirements.txt");
        let text = std::fs::read(requirements).expect("tests/python-requirements.txt");
        let key = text.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(root).unwrap();
        let venv = root.join(format!("python-{key:016x}"));
        let python = venv.join("bin/python");
        let lock = std::fs::File::create(root.join("python.lock")).unwrap();
        use std::os::fd::AsRawFd;
        // SAFETY: flock on an fd this function owns; released when `lock` is dropped.
        assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
        let done = venv.join(".complete");
        if !done.exists() {
            let _ = std::fs::remove_dir_all(&venv);
            let made = Command::new(self::python())
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 -m venv");
            assert!(made.success(), "python3 -m venv {} failed", venv.display());
            let installed = Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(requirements)
                .status()
                .expect("pip install");
            assert!(
                installed.success(),
                "pip install -r tests/python-requirements.txt failed (the tests need PyPI)"
            );
            std::fs::write(&done, b"").unwrap();
        }
        drop(lock);
        python.to_string_lossy().into_owned()
    })
}
