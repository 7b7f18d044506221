//! Starting the command, waiting for its whole tree, and ending it.
//!
//! memgate makes itself a child subreaper, so that a double-forked grandchild is reparented to it
//! rather than escaping; it then reaps every child until none is left, which is the end of the run.
//! A watchdog thread enforces the timeout and Ctrl-C/SIGTERM by killing the whole tree: the
//! command's own process group on every unix (it is started as the leader of a new one), the
//! cgroup where there is one, and on Linux the /proc walk from memgate itself, which also finds
//! what left the group (`setsid`, a daemon). Windows is not supported.

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
use super::phase_pipe::PhasePipe;

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

/// Starts the command as the leader of a process group of its own (so one `kill` of the group ends
/// it and what it forks, on every unix); the child joins `cgroup` between fork and exec, so
/// nothing it does is charged elsewhere.
///
/// The group is not the terminal's foreground group: Ctrl-C at a terminal reaches memgate, which
/// ends the tree; a command that reads the terminal would be stopped (SIGTTIN), so give it its
/// input from a file or pipe.
///
/// `phases`, when given, is the pipe the command may mark its phases on: its write end is the one
/// descriptor of memgate's that the command gets beyond stdin, stdout and stderr.
pub fn start(
    launch: &Launch,
    cgroup: Option<&RunCgroup>,
    phases: Option<&PhasePipe>,
) -> Result<u32, SpawnError> {
    let (program, args) = launch.argv.split_first().ok_or(SpawnError::Empty)?;
    if let Some(cwd) = &launch.cwd {
        if !cwd.is_dir() {
            return Err(SpawnError::MissingCwd(cwd.clone()));
        }
    }
    let mut command = Command::new(program);
    command.args(args).process_group(0);
    hide_tokens(&mut command);
    die_with_parent(&mut command);
    command.envs(launch.env.iter().cloned());
    if let Some(pipe) = phases {
        pipe.pass_to(&mut command);
    }
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
    let flags = Flags::default();
    let (done, done_rx) = mpsc::channel::<()>();
    let watchdog = {
        let (flags, cgroup) = (flags.clone(), cgroup.cloned());
        let deadline = timeout.map(|t| started + t);
        std::thread::Builder::new()
            .name("memgate-watchdog".into())
            .spawn(move || watch(root, deadline, &done_rx, &flags, cgroup.as_deref()))
            .expect("spawning the watchdog thread")
    };
    let Flags {
        timed_out,
        root_done,
        interrupted,
    } = flags;

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
            // At once: from here the group's id is free once its last member is gone (pids are
            // handed out in turn, so not to another process within these instants).
            root_done.store(true, Ordering::SeqCst);
            if libc::WIFEXITED(status) {
                exit.exit_code = Some(libc::WEXITSTATUS(status));
            } else if libc::WIFSIGNALED(status) {
                exit.signal = Some(libc::WTERMSIG(status));
            }
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

/// What the watchdog and the reaping thread tell each other.
#[derive(Clone, Default)]
struct Flags {
    timed_out: Arc<AtomicBool>,
    root_done: Arc<AtomicBool>,
    interrupted: Arc<AtomicU32>,
}

/// The watchdog: every 20 ms until `done` ends, checks the deadline and memgate's signals and
/// kills the tree when either came; a second after the root exited, says what it left running.
fn watch(
    root: u32,
    deadline: Option<Instant>,
    done: &mpsc::Receiver<()>,
    flags: &Flags,
    cgroup: Option<&RunCgroup>,
) {
    let mut told_leftovers = false;
    let mut root_done_at: Option<Instant> = None;
    loop {
        match done.recv_timeout(Duration::from_millis(20)) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            flags.timed_out.store(true, Ordering::SeqCst);
        }
        if let Some(signal) = interrupt::received() {
            flags.interrupted.store(signal as u32, Ordering::SeqCst);
        }
        let root_done = flags.root_done.load(Ordering::SeqCst);
        if flags.timed_out.load(Ordering::SeqCst) || flags.interrupted.load(Ordering::SeqCst) != 0 {
            // The group's id is the root's pid: signal it only while the root is not yet
            // reaped, when the id cannot belong to anyone else.
            if !root_done {
                kill_group(root);
            }
            kill_tree(cgroup);
        } else if root_done && !told_leftovers {
            let since = *root_done_at.get_or_insert_with(Instant::now);
            if since.elapsed() >= Duration::from_secs(1) {
                told_leftovers = tell_leftovers();
            }
        }
    }
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

/// SIGKILL to every process of group `group` (the command leads its own, from [`start`]). The
/// one way to end a tree that works on every unix; on Linux [`kill_tree`] then finds what left the
/// group. Returns whether any process was signalled.
pub fn kill_group(group: u32) -> bool {
    // 0 and 1 would signal memgate's own group or every process: never a command's group.
    if group <= 1 {
        return false;
    }
    // SAFETY: kill(2) with a negative pid signals the process group; no memory is touched.
    unsafe { libc::kill(-(group as libc::pid_t), libc::SIGKILL) == 0 }
}

/// Kills the whole tree: the cgroup's members, then every descendant of memgate, until none is
/// left (a process may fork while it is being killed). Off Linux there is no descendant walk:
/// [`kill_group`] is what ends the tree there.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Members of process group `group` that are not zombies, from /proc (the check is Linux's;
    /// the kill under test is the one every unix uses).
    #[cfg(target_os = "linux")]
    fn live_members(group: u32) -> Vec<u32> {
        let mut members = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // After "(comm) ": state, ppid, pgrp.
            let fields: Vec<&str> = stat
                .rsplit_once(") ")
                .map_or(Vec::new(), |(_, rest)| rest.split(' ').collect());
            if fields.len() > 2 && fields[2] == group.to_string() && fields[0] != "Z" {
                members.push(pid);
            }
        }
        members
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_command_leads_a_group_that_one_kill_ends_whole() {
        // A shell with two sleeping children and an orphaned grandchild (reparented away, still
        // in the group).
        let launch = Launch {
            argv: ["sh", "-c", "sleep 60 & sleep 60 & (sleep 60 &); wait"]
                .map(String::from)
                .to_vec(),
            cwd: None,
            env: Vec::new(),
            output: None,
        };
        let root = start(&launch, None, None).unwrap();
        // SAFETY: getpgid(2) reads the child's process group.
        assert_eq!(
            unsafe { libc::getpgid(root as libc::pid_t) },
            root as libc::pid_t
        );
        let mut members = live_members(root);
        for _ in 0..500 {
            if members.len() >= 4 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
            members = live_members(root);
        }
        assert!(members.len() >= 4, "the tree did not start: {members:?}");

        assert!(kill_group(root));
        let mut status = 0;
        // SAFETY: waitpid(2) on the child this test started.
        unsafe { libc::waitpid(root as libc::pid_t, &mut status, 0) };
        assert!(libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL);
        let mut left = live_members(root);
        for _ in 0..500 {
            if left.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
            left = live_members(root);
        }
        assert!(left.is_empty(), "processes of the group survived: {left:?}");
    }

    #[test]
    fn a_group_kill_never_signals_every_process() {
        assert!(!kill_group(0));
        assert!(!kill_group(1));
    }
}
