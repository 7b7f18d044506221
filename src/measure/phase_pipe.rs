//! The pipe a measured command marks its phases on: its write end is passed to the command (and
//! named in `MEMGATE_PHASE_FD`), its read end is read by the sampler, without blocking, once per
//! tick.
//!
//! Both ends are close-on-exec in memgate, so that no other process memgate starts (setup, git, a
//! shell of the watchdog) gets them; only the measured command's child clears the flag on the
//! write end, between fork and exec. memgate closes its own copy of the write end once the
//! command is started, so that the pipe's end of file is the tree's. Nothing waits on the pipe: a
//! daemonized grandchild that keeps the write end open keeps nothing alive.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use super::phase_marks::{Dropped, MarkerParser};

/// The variable that names the write end's descriptor.
pub const ENV: &str = "MEMGATE_PHASE_FD";
/// Bytes read per tick at most: a flood is drained at this pace (100 MB/s at 10 ms), no faster,
/// so that reading it takes the sampler a fraction of its tick; a writer beyond it waits on the
/// full pipe.
const MAX_BYTES_PER_TICK: usize = 1 << 20;
const READ_CHUNK: usize = 64 * 1024;

/// A fresh pipe: the read end memgate keeps, the write end the command gets.
#[derive(Debug)]
pub struct PhasePipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl PhasePipe {
    pub fn new() -> io::Result<Self> {
        let (read, write) = cloexec_pipe()?;
        let (read, write) = (above_stdio(read)?, high(write)?);
        // A flood is drained at most 1 MiB per tick: a pipe that holds as much lets a writer
        // that outpaces memgate go on at that pace (where the system allows it; else 64 KiB).
        #[cfg(target_os = "linux")]
        // SAFETY: fcntl(2) on a descriptor this function owns.
        unsafe {
            libc::fcntl(
                write.as_raw_fd(),
                libc::F_SETPIPE_SZ,
                MAX_BYTES_PER_TICK as libc::c_int,
            );
        }
        // Only memgate's end is non-blocking (the flag belongs to the open file, which the
        // command's end does not share).
        // SAFETY: fcntl(2) on a descriptor this function owns.
        unsafe {
            let flags = libc::fcntl(read.as_raw_fd(), libc::F_GETFL);
            if flags < 0
                || libc::fcntl(read.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) != 0
            {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Self { read, write })
    }

    /// Passes the write end to `command`: `MEMGATE_PHASE_FD=N` in its environment, and the
    /// descriptor left open across its `exec` (in the child only).
    pub fn pass_to(&self, command: &mut Command) {
        let fd = self.write.as_raw_fd();
        command.env(ENV, fd.to_string());
        // SAFETY: only fcntl(2), async-signal-safe, runs between fork and exec; it clears the
        // close-on-exec flag of the child's copy of the descriptor.
        unsafe {
            command.pre_exec(move || {
                if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }

    /// Closes memgate's copy of the write end (once the command has its own) and returns the
    /// reader of the read end.
    pub fn into_reader(self) -> PhaseReader {
        drop(self.write);
        PhaseReader {
            read: Some(self.read),
            parser: MarkerParser::default(),
            buffer: Vec::new(),
        }
    }
}

/// A pipe whose two ends are close-on-exec from the start (Linux: `pipe2`, atomic; elsewhere the
/// flag is set right after, as std does where there is no `pipe2`).
fn cloexec_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    #[cfg(target_os = "linux")]
    // SAFETY: pipe2(2) writes two descriptors into `fds`.
    let made = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    #[cfg(not(target_os = "linux"))]
    // SAFETY: pipe(2) writes two descriptors into `fds`.
    let made = unsafe { libc::pipe(fds.as_mut_ptr()) };
    if made != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just made and are owned by nothing else.
    let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    #[cfg(not(target_os = "linux"))]
    for fd in [&ends.0, &ends.1] {
        // SAFETY: fcntl(2) on a descriptor just made.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(ends)
}

/// The lowest number the write end takes where it can. A process that gets `MEMGATE_PHASE_FD`
/// in its environment but not the descriptor (Python's `subprocess` closes descriptors by
/// default) would write its markers into whatever file has that number; its files take the
/// lowest free numbers, so a high one is all but never theirs.
const HIGH_FD: RawFd = 100;

/// The write end renumbered to [`HIGH_FD`] or above where the limit on open files allows, else
/// left where it is; close-on-exec either way.
fn high(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() >= HIGH_FD {
        return Ok(fd);
    }
    // SAFETY: fcntl(2) duplicates a descriptor this function owns; the copy is owned by nothing
    // else.
    let copy: RawFd = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, HIGH_FD) };
    if copy < 0 {
        return above_stdio(fd);
    }
    // SAFETY: `copy` was just made.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}

/// A descriptor numbered 3 or more, close-on-exec (a pipe made while memgate's stdin, stdout or
/// stderr is closed would otherwise take that number, and the command would get it as such).
fn above_stdio(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    // SAFETY: fcntl(2) duplicates a descriptor this function owns; the copy is owned by nothing
    // else.
    let copy: RawFd = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
    if copy < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `copy` was just made.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}

/// The read end, read once per tick without blocking.
#[derive(Debug)]
pub struct PhaseReader {
    /// `None` once every writer has closed it (nothing more can come).
    read: Option<OwnedFd>,
    parser: MarkerParser,
    buffer: Vec<u8>,
}

impl PhaseReader {
    /// The markers written since the last call, at most [`MAX_BYTES_PER_TICK`] of the pipe.
    pub fn poll(&mut self) -> Vec<String> {
        let Some(fd) = &self.read else {
            return Vec::new();
        };
        let fd = fd.as_raw_fd();
        let mut names = Vec::new();
        let mut taken = 0;
        while taken < MAX_BYTES_PER_TICK {
            if self.buffer.is_empty() {
                self.buffer.resize(READ_CHUNK, 0);
            }
            // SAFETY: read(2) into a buffer of `buffer.len()` bytes.
            let n = unsafe { libc::read(fd, self.buffer.as_mut_ptr().cast(), self.buffer.len()) };
            match n {
                0 => {
                    self.read = None; // every writer is gone
                    break;
                }
                n if n > 0 => {
                    let n = n as usize;
                    taken += n;
                    names.extend(self.parser.feed(&self.buffer[..n]));
                }
                _ if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) => {}
                _ => break, // EAGAIN: nothing now
            }
        }
        names
    }

    /// What was dropped so far.
    pub fn dropped(&self) -> Dropped {
        self.parser.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(fd: &OwnedFd, bytes: &[u8]) {
        // SAFETY: write(2) from a live buffer.
        let n = unsafe { libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        assert_eq!(n, bytes.len() as isize);
    }

    #[test]
    fn both_ends_are_close_on_exec_and_only_the_read_end_does_not_block() {
        let pipe = PhasePipe::new().unwrap();
        for fd in [&pipe.read, &pipe.write] {
            // SAFETY: fcntl(2) reads flags.
            let fd_flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
            assert_eq!(fd_flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
            assert!(fd.as_raw_fd() > 2);
        }
        assert!(pipe.write.as_raw_fd() >= HIGH_FD);
        // SAFETY: as above.
        let (read_fl, write_fl) = unsafe {
            (
                libc::fcntl(pipe.read.as_raw_fd(), libc::F_GETFL),
                libc::fcntl(pipe.write.as_raw_fd(), libc::F_GETFL),
            )
        };
        assert_ne!(read_fl & libc::O_NONBLOCK, 0);
        assert_eq!(write_fl & libc::O_NONBLOCK, 0);
    }

    #[test]
    fn the_reader_returns_at_once_with_nothing_written_and_ends_at_eof() {
        let pipe = PhasePipe::new().unwrap();
        let write_end = pipe.write.try_clone().unwrap();
        let mut reader = pipe.into_reader();
        let started = std::time::Instant::now();
        assert!(reader.poll().is_empty());
        assert!(started.elapsed() < std::time::Duration::from_millis(50));
        write(&write_end, b"memgate:phase load\nnoise\n");
        assert_eq!(reader.poll(), ["load"]);
        drop(write_end);
        assert!(reader.poll().is_empty());
        assert!(reader.read.is_none(), "end of file closes the read end");
        assert_eq!(reader.dropped().not_markers, 1);
    }

    /// What an unused pipe costs the sampler per tick: one read(2) that finds nothing. Printed
    /// (`--no-capture`) for docs/phases.md; held to 20 µs, far above the ~1 µs it takes, so that
    /// only a blocking or busy read would fail it.
    #[test]
    fn an_unused_pipe_costs_one_empty_read_per_tick() {
        let pipe = PhasePipe::new().unwrap();
        let _write_end = pipe.write.try_clone().unwrap(); // a writer that never writes
        let mut reader = pipe.into_reader();
        let polls = 20_000;
        let started = std::time::Instant::now();
        for _ in 0..polls {
            assert!(reader.poll().is_empty());
        }
        let each = started.elapsed() / polls;
        println!("an empty poll of the phase pipe: {each:?}");
        assert!(each < std::time::Duration::from_micros(20), "{each:?}");
        assert!(reader.buffer.capacity() <= READ_CHUNK);
    }

    #[test]
    fn a_flood_is_read_a_bounded_amount_per_tick() {
        let pipe = PhasePipe::new().unwrap();
        let write_end = pipe.write.try_clone().unwrap();
        let mut reader = pipe.into_reader();
        let writer = std::thread::spawn(move || {
            let line = [b'x'; 4095]
                .iter()
                .chain(b"\n")
                .copied()
                .collect::<Vec<u8>>();
            for _ in 0..1024 {
                write(&write_end, &line); // 4 MiB in all
            }
        });
        let mut ticks = 0;
        while reader.dropped().bytes < 4 << 20 {
            let before = reader.dropped().bytes;
            reader.poll();
            assert!(reader.dropped().bytes - before <= (MAX_BYTES_PER_TICK + READ_CHUNK) as u64);
            ticks += 1;
            std::thread::sleep(std::time::Duration::from_millis(1));
            assert!(ticks < 10_000, "the flood was not drained");
        }
        writer.join().unwrap();
        assert_eq!(reader.dropped().too_long, 1024);
    }
}
