//! Starting the command, waiting for its whole tree, and ending it.
//!
//! memgate makes itself a child subreaper, so that a double-forked grandchild is reparented to it
//! rather than escaping; it then reaps every child until none is left, which is the end of the run.
//! A watchdog thread enforces the timeout and Ctrl-C/SIGTERM by killing the whole tree (through the
//! cgroup where there is one, and through the /proc walk from memgate itself in every case).

use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::cgroup::RunCgroup;
use super::interrupt;

/// The command to run, as an argv (a shell command is `["sh", "-c", …]`).
#[derive(Debug, Clone)]
pub struct Launch {
    pub argv: Vec<String>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    /// Where the command's stdout and stderr go: memgate's own when `None`.
    pub output: Option<Capture>,
}

/// Files that take a command's stdout and stderr (`memgate check` keeps them as logs).
#[derive(Debug, Clone)]
pub struct Capture {
    pub stdout: std::sync::Arc<std::fs::File>,
    pub stderr: std::sync::Arc<std::fs::File>,
}

/// How the root process ended, as `waitpid` and the watchdog saw it, and how many processes were
/// reaped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeExit {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    /// The terminating signal memgate itself received (Ctrl-C, SIGTERM).
    pub interrupted: Option<i32>,
    /// Processes reaped by memgate (the root and every orphan reparented to it).
    pub reaped: u32,
}

/// Why a command could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("no command given")]
    Empty,
    #[error("command not found: `{0}`")]
    NotFound(String),
    #[error("working directory `{0}` does not exist")]
    MissingCwd(PathBuf),
    #[error("`{0}` is not executable (permission denied)")]
    PermissionDenied(String),
    #[error("could not start `{program}`: {source}")]
    Other { program: String, source: io::Error },
}

/// Makes memgate a child subreaper (Linux): orphans of the tree are reparented to it.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Starts the command; the child joins `cgroup` between fork and exec, so nothing it does is
/// charged elsewhere.
pub fn start(launch: &Launch, cgroup: Option<&RunCgroup>) -> Result<u32, SpawnError> {
    let (program, args) = launch.argv.split_first().ok_or(SpawnError::Empty)?;
    if let Some(cwd) = &launch.cwd {
        if !cwd.is_dir() {
            return Err(SpawnError::MissingCwd(cwd.clone()));
        }
    }
    let mut command = Command::new(program);
    command.args(args);
    hide_tokens(&mut command);
    die_with_parent(&mut command);
    command.envs(launch.env.iter().cloned());
    if let Some(cwd) = &launch.cwd {
        command.current_dir(cwd);
    }
    if let Some(capture) = &launch.output {
        let file = |file: &std::fs::File| {
            file.try_clone().map_err(|source| SpawnError::Other {
                program: program.clone(),
                source,
            })
        };
        command.stdout(file(&capture.stdout)?);
        command.stderr(file(&capture.stderr)?);
    }
    let join = match cgroup {
        Some(cgroup) => Some(
            std::fs::OpenOptions::new()
                .write(true)
                .open(cgroup.procs_path())
                .map_err(|source| SpawnError::Other {
                    program: program.clone(),
                    source,
                })?,
        ),
        None => None,
    };
    if let Some(file) = join {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: only write(2) runs between fork and exec (async-signal-safe); "0" means "this
        // process" in cgroup.procs, in v1 and v2. The fd is close-on-exec and outlives the spawn.
        unsafe {
            command.pre_exec(move || {
                if libc::write(fd, b"0".as_ptr().cast(), 1) == 1 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error())
                }
            });
        }
        let child = command.spawn();
        drop(file);
        return child.map(|c| c.id()).map_err(|e| spawn_error(program, e));
    }
    command
        .spawn()
        .map(|child| child.id())
        .map_err(|e| spawn_error(program, e))
}

/// The child gets SIGKILL when memgate dies, even by SIGKILL, which no handler sees (Linux's
/// `PR_SET_PDEATHSIG`; elsewhere nothing). It outlives an `exec`, so a shell that execs its last
/// command passes it on; what a child starts on its own is not covered (memgate's cgroup and tree
/// walk end those on any other exit).
///
/// The signal comes when the *thread* that spawned the child ends: spawn from a thread that lives
/// as long as the child (memgate spawns from the main thread).
pub fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpid(2) in the parent; in the child only prctl(2), getppid(2) and raise(3)
        // run between fork and exec, all async-signal-safe.
        let parent = unsafe { libc::getpid() };
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // memgate died before the prctl: no signal will come, so end here.
                if libc::getppid() != parent {
                    libc::raise(libc::SIGKILL);
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// The GitHub token memgate comments with is not the benchmarks' to see: a pull request's code
/// runs as a benchmark. (A benchmark that needs a token gets one through its own `env:`.)
pub fn hide_tokens(command: &mut Command) {
    for name in ["GITHUB_TOKEN", "INPUT_GITHUB_TOKEN"] {
        command.env_remove(name);
    }
}

fn spawn_error(program: &str, source: io::Error) -> SpawnError {
    match source.kind() {
        io::ErrorKind::NotFound => SpawnError::NotFound(program.to_string()),
        io::ErrorKind::PermissionDenied => SpawnError::PermissionDenied(program.to_string()),
        _ => SpawnError::Other {
            program: program.to_string(),
            source,
        },
    }
}

/// Reaps every child of memgate until none is left, while a watchdog enforces `timeout` and
/// signals. Returns how the root ended.
pub fn wait_for_tree(
    root: u32,
    started: Instant,
    timeout: Option<Duration>,
    cgroup: Option<&Arc<RunCgroup>>,
) -> TreeExit {
    let timed_out = Arc::new(AtomicBool::new(false));
    let root_done = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicU32::new(0));
    let (done, done_rx) = mpsc::channel::<()>();
    let watchdog = {
        let (timed_out, root_done, interrupted) =
            (timed_out.clone(), root_done.clone(), interrupted.clone());
        let cgroup = cgroup.cloned();
        std::thread::Builder::new()
            .name("memgate-watchdog".into())
            .spawn(move || {
                let deadline = timeout.map(|t| started + t);
                let mut told_leftovers = false;
                let mut root_done_at: Option<Instant> = None;
                loop {
                    match done_rx.recv_timeout(Duration::from_millis(20)) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        timed_out.store(true, Ordering::SeqCst);
                    }
                    if let Some(signal) = interrupt::received() {
                        interrupted.store(signal as u32, Ordering::SeqCst);
                    }
                    if timed_out.load(Ordering::SeqCst) || interrupted.load(Ordering::SeqCst) != 0 {
                        kill_tree(cgroup.as_deref());
                    } else if root_done.load(Ordering::SeqCst) && !told_leftovers {
                        let since = *root_done_at.get_or_insert_with(Instant::now);
                        if since.elapsed() >= Duration::from_secs(1) {
                            told_leftovers = tell_leftovers();
                        }
                    }
                }
            })
            .expect("spawning the watchdog thread")
    };

    let mut exit = TreeExit::default();
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid writes only to `status`.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid < 0 {
            match io::Error::last_os_error().raw_os_error() {
                Some(libc::EINTR) => continue,
                // ECHILD: no child left; the tree is gone.
                _ => break,
            }
        }
        exit.reaped += 1;
        if pid as u32 == root {
            if libc::WIFEXITED(status) {
                exit.exit_code = Some(libc::WEXITSTATUS(status));
            } else if libc::WIFSIGNALED(status) {
                exit.signal = Some(libc::WTERMSIG(status));
            }
            root_done.store(true, Ordering::SeqCst);
        }
    }
    drop(done);
    let _ = watchdog.join();
    exit.timed_out = timed_out.load(Ordering::SeqCst);
    exit.interrupted = match interrupted.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal as i32),
    };
    exit
}

/// Says once, a second after the command exited, which processes it left that memgate waits for.
fn tell_leftovers() -> bool {
    let left = descendants();
    if left.is_empty() {
        return false;
    }
    let pids: Vec<String> = left.iter().map(u32::to_string).collect();
    let _ = writeln!(
        io::stderr(),
        "memgate: the command exited; waiting for {} process(es) it left running (pid {}) — they are part of the run; --timeout ends them",
        left.len(),
        pids.join(", ")
    );
    true
}

/// Every live descendant of memgate.
pub fn descendants() -> Vec<u32> {
    #[cfg(target_os = "linux")]
    {
        super::procfs::descendants(std::process::id())
    }
    #[cfg(not(target_os = "linux"))]
    {
        Vec::new()
    }
}

/// Kills the whole tree: the cgroup's members, then every descendant of memgate, until none is
/// left (a process may fork while it is being killed).
pub fn kill_tree(cgroup: Option<&RunCgroup>) {
    if let Some(cgroup) = cgroup {
        cgroup.kill_all();
    }
    for _ in 0..50 {
        let pids = descendants();
        if pids.is_empty() {
            return;
        }
        for pid in pids {
            // SAFETY: kill(2) on a descendant of memgate.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
