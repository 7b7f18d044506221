//! memgate's first act: take the tokens out of reach of the code it runs.
//!
//! A benchmark or `setup:` step is a pull request's code. It inherits memgate's environment and
//! can read its parent's, `/proc/<memgate>/environ` (which shows the environment memgate was
//! *started* with, whatever `unsetenv` did since), and, with ptrace rights, memgate's memory. So,
//! before any thread or child exists, [`take_tokens`]:
//!
//! 1. keeps the GitHub token variables' values in memory, for [`super::Context`] alone;
//! 2. overwrites those values where the kernel shows them (the original environment block), then
//!    removes the variables, so that no child inherits them and `/proc/<memgate>/environ` shows
//!    none (the technique of `setproctitle` in nginx and PostgreSQL);
//! 3. makes memgate non-dumpable (Linux `PR_SET_DUMPABLE`): `/proc/<memgate>/environ`, `mem` and
//!    ptrace are then closed to processes without `CAP_SYS_PTRACE`, even of the same user.
//!
//! `measure::spawn::hide_tokens` stays as a second line: children are started without them.
//! What this cannot do (a `run:` step's shell holds the token too; root with `CAP_SYS_PTRACE`
//! reads any memory) is in docs/security.md.

use std::sync::OnceLock;

/// The token variables memgate itself reads ([`super::Token::from_env`]).
const TOKEN_VARS: [&str; 2] = ["INPUT_GITHUB_TOKEN", "GITHUB_TOKEN"];

/// Tokens the runner gives a container action that memgate never uses: the runtime token (cache
/// and artifact service) and the OIDC request token. Removed all the same, so that the pull
/// request's code does not get them either.
const OTHER_SECRET_VARS: [&str; 2] = ["ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"];

/// The token variables as memgate was started with them.
static CAPTURED: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();

fn read_tokens() -> Vec<(&'static str, String)> {
    TOKEN_VARS
        .iter()
        .filter_map(|&name| {
            // A value that is not UTF-8 is kept (lossily) so that `Token::new` refuses it.
            let value = std::env::var_os(name)?;
            Some((name, value.to_string_lossy().into_owned()))
        })
        .collect()
}

/// The value of token variable `name` as memgate was started with it: `Some(value)` when `name`
/// is one of them (the value itself `None` when unset), `None` for any other variable.
pub(crate) fn token_var(name: &str) -> Option<Option<String>> {
    if !TOKEN_VARS.contains(&name) {
        return None;
    }
    // Without `take_tokens` (memgate as a library), the environment as it is.
    let captured = CAPTURED.get_or_init(read_tokens);
    Some(
        captured
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone()),
    )
}

/// Keeps the token variables in memory, wipes and removes them and the runner's other tokens
/// from memgate's environment, and makes memgate non-dumpable (see the module's documentation).
///
/// # Safety
///
/// No other thread may exist: removing a variable is not thread-safe, and the original
/// environment block is written in place. `main` calls this as its first statement.
pub unsafe fn take_tokens() {
    let _ = CAPTURED.get_or_init(read_tokens);
    let names: Vec<&str> = TOKEN_VARS
        .iter()
        .chain(&OTHER_SECRET_VARS)
        .copied()
        .collect();
    #[cfg(target_os = "linux")]
    // SAFETY: single-threaded, as this function's contract requires.
    unsafe {
        wipe_environment_block(&names);
    }
    for name in &names {
        // SAFETY: single-threaded, as this function's contract requires.
        unsafe { std::env::remove_var(name) };
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with integer arguments only; it changes a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Overwrites with NUL bytes, in place, the value of every `NAME=value` entry of the environment
/// whose name is in `names` (every occurrence: an environment may repeat a name). The kernel's
/// `/proc/PID/environ` reads this memory, not the `environ` array that `unsetenv` edits.
///
/// # Safety
///
/// No other thread may exist, and nothing may hold a reference into the environment.
#[cfg(target_os = "linux")]
unsafe fn wipe_environment_block(names: &[&str]) {
    unsafe extern "C" {
        // POSIX: the environment array, NULL-terminated (glibc and musl both define it).
        static mut environ: *mut *mut libc::c_char;
    }
    // SAFETY: `environ` is a NULL-terminated array of NUL-terminated strings, each writable (the
    // original block on the stack, or memory setenv allocated); no other thread reads them, and
    // no reference into them lives across the writes (each entry is measured, then written).
    unsafe {
        let mut entry = environ;
        if entry.is_null() {
            return;
        }
        while !(*entry).is_null() {
            let text = *entry;
            let len = libc::strlen(text);
            let value_start = {
                let bytes = std::slice::from_raw_parts(text.cast::<u8>(), len);
                names.iter().find_map(|name| {
                    let rest = bytes.strip_prefix(name.as_bytes())?;
                    (rest.first() == Some(&b'=')).then_some(name.len() + 1)
                })
            };
            if let Some(start) = value_start {
                for i in start..len {
                    // Volatile: the writes must happen although nothing in Rust reads them back.
                    text.add(i).write_volatile(0);
                }
            }
            entry = entry.add(1);
        }
    }
}
