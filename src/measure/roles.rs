//! A process's role in a breakdown, named from its command line: free of PIDs, file descriptors
//! and paths, so that the workers of one pool (and the same process across runs) share one name.
//! Pure: command lines in, names out.
//!
//! - Python: interpreter and script basenames ("python train.py"), or the module
//!   ("python -m pytest"); multiprocessing's and loky's helpers by what they run ("loky worker",
//!   "resource_tracker", "forkserver", "multiprocessing spawn worker");
//! - a forked worker, whose command line is its parent's: the parent's role and "(fork)";
//! - a shell: "sh -c", or "bash script.sh";
//! - any other program: its basename and first arguments, shortened.

/// The longest role, in characters (longer ones end in "…").
pub const ROLE_CHARS: usize = 60;
/// Arguments of a plain program kept in its role, and the characters kept of each.
const PROGRAM_ARGS: usize = 2;
const ARG_CHARS: usize = 20;

const SHELLS: [&str; 6] = ["sh", "bash", "dash", "zsh", "ksh", "ash"];
const INTERPRETERS: [&str; 5] = ["node", "ruby", "perl", "Rscript", "julia"];

/// The role of a process with command line `argv` (NUL-separated arguments as `/proc` gives them)
/// whose parent has `parent` (its command line, when it is known).
pub fn role(argv: &[String], parent: Option<&[String]>) -> String {
    if argv.is_empty() {
        return "(no command line)".to_string();
    }
    let own = named(argv);
    let forked = parent.is_some_and(|parent| parent == argv);
    let role = match (forked, own.as_str()) {
        (true, "forkserver") => "forkserver worker".to_string(),
        (true, _) => format!("{own} (fork)"),
        (false, _) => own,
    };
    cut(&role, ROLE_CHARS)
}

/// The role of `argv` on its own.
fn named(argv: &[String]) -> String {
    let program = basename(&argv[0]);
    let args = &argv[1..];
    if is_python(program) {
        python(program, args)
    } else if SHELLS.contains(&program) {
        shell(program, args)
    } else if INTERPRETERS.contains(&program) {
        match args.iter().find(|a| !a.starts_with('-')) {
            Some(script) => format!("{program} {}", basename(script)),
            None => program.to_string(),
        }
    } else {
        let mut words = vec![cut(program, ARG_CHARS * 2)];
        words.extend(args.iter().take(PROGRAM_ARGS).map(|a| cut(a, ARG_CHARS)));
        words.join(" ")
    }
}

fn is_python(program: &str) -> bool {
    let rest = program
        .strip_prefix("python")
        .or_else(|| program.strip_prefix("pypy"));
    rest.is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Python's options that take the next argument as their value.
const PYTHON_VALUE_OPTIONS: [&str; 3] = ["-W", "-X", "-Q"];

fn python(program: &str, args: &[String]) -> String {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-c" => return python_code(program, args.get(i + 1).map_or("", String::as_str)),
            "-m" => {
                let module = args.get(i + 1).map_or("", String::as_str);
                return python_module(program, module);
            }
            "--" => {
                i += 1;
                break;
            }
            "-" => return format!("{program} -"),
            option if PYTHON_VALUE_OPTIONS.contains(&option) => i += 2,
            option if option.starts_with("-m") && option.len() > 2 => {
                return python_module(program, &option[2..]);
            }
            option if option.starts_with('-') => i += 1,
            _ => break,
        }
    }
    match args.get(i) {
        Some(script) => format!("{program} {}", basename(script)),
        None => program.to_string(),
    }
}

fn python_module(program: &str, module: &str) -> String {
    if module.ends_with("loky.backend.popen_loky_posix") {
        return "loky worker".to_string();
    }
    format!("{program} -m {}", cut(module, ARG_CHARS * 2))
}

/// `python -c CODE`: multiprocessing's and loky's helpers by what the code imports; other code as
/// "python -c".
fn python_code(program: &str, code: &str) -> String {
    const HELPERS: [(&str, &str); 4] = [
        ("resource_tracker import main", "resource_tracker"),
        ("semaphore_tracker import main", "semaphore_tracker"),
        ("forkserver import main", "forkserver"),
        ("spawn import spawn_main", "multiprocessing spawn worker"),
    ];
    HELPERS
        .iter()
        .find(|(import, _)| code.contains(import))
        .map_or_else(|| format!("{program} -c"), |(_, role)| role.to_string())
}

fn shell(program: &str, args: &[String]) -> String {
    match args
        .iter()
        .find(|a| !a.starts_with('-') || a.as_str() == "-c")
    {
        Some(c) if c == "-c" => format!("{program} -c"),
        Some(script) => format!("{program} {}", basename(script)),
        None => program.to_string(),
    }
}

/// The last component of a path (the whole of it when it ends in `/`).
fn basename(path: &str) -> &str {
    match path.rsplit('/').next() {
        Some(name) if !name.is_empty() => name,
        _ => path,
    }
}

/// `text` with control characters as spaces and at most `max` characters, "…" at a cut.
pub fn cut(text: &str, max: usize) -> String {
    let clean = text.chars().map(|c| if c.is_control() { ' ' } else { c });
    if text.chars().count() <= max {
        clean.collect()
    } else {
        let mut cut: String = clean.take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A command line as one line of at most `max` characters: arguments joined by spaces.
pub fn command_line(argv: &[String], max: usize) -> String {
    cut(&argv.join(" "), max)
}

/// `/proc/PID/cmdline` as arguments: NUL-separated, lossy UTF-8.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    bytes
        .strip_suffix(b"\0")
        .unwrap_or(bytes)
        .split(|&b| b == 0)
        .filter(|_| !bytes.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<String> {
        line.split(' ').map(String::from).collect()
    }

    fn role_of(line: &str) -> String {
        role(&argv(line), None)
    }

    #[test]
    fn python_scripts_and_modules_by_basename() {
        assert_eq!(
            role_of("/venv/bin/python train.py --epochs 3"),
            "python train.py"
        );
        assert_eq!(
            role_of("python3.11 -u -X dev -W ignore src/jobs/train.py"),
            "python3.11 train.py"
        );
        assert_eq!(role_of("python3 -m pytest -x"), "python3 -m pytest");
        assert_eq!(
            role_of("python -mhttp.server 8000"),
            "python -m http.server"
        );
        assert_eq!(role_of("python -c print(1)"), "python -c");
        assert_eq!(role_of("python3"), "python3");
        assert_eq!(role_of("pypy3 bench.py"), "pypy3 bench.py");
        assert_eq!(role_of("python -- -odd.py"), "python -odd.py");
    }

    #[test]
    fn pool_helpers_are_named_without_their_pids_or_fds() {
        let loky = "/v/bin/python -m joblib.externals.loky.backend.popen_loky_posix --process-name LokyProcess-1 --pipe 14";
        assert_eq!(role_of(loky), "loky worker");
        let line = |code: &str| {
            let mut argv = argv("/v/bin/python -B -c");
            argv.push(code.to_string());
            argv
        };
        let tracker = line("from multiprocessing.resource_tracker import main;main(11)");
        assert_eq!(role(&tracker, None), "resource_tracker");
        let loky_tracker =
            line("from joblib.externals.loky.backend.resource_tracker import main; main(3, False)");
        assert_eq!(role(&loky_tracker, None), "resource_tracker");
        let mut spawned = line(
            "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=12, pipe_handle=20)",
        );
        spawned.push("--multiprocessing-fork".into());
        assert_eq!(role(&spawned, None), "multiprocessing spawn worker");
        let server = line("from multiprocessing.forkserver import main; main(9, 10, ['__main__'])");
        assert_eq!(role(&server, None), "forkserver");
        assert_eq!(role(&server, Some(&server)), "forkserver worker");
    }

    #[test]
    fn a_fork_is_its_parents_role_marked() {
        let pool = argv("python pool.py 4");
        assert_eq!(role(&pool, Some(&pool)), "python pool.py (fork)");
        assert_eq!(role(&pool, Some(&argv("sh -c x"))), "python pool.py");
    }

    #[test]
    fn shells_and_programs() {
        assert_eq!(role_of("/bin/sh -c python a.py"), "sh -c");
        assert_eq!(role_of("bash -e scripts/run.sh 3"), "bash run.sh");
        assert_eq!(role_of("bash"), "bash");
        assert_eq!(
            role_of("/usr/bin/node dist/server.js --port 1"),
            "node server.js"
        );
        assert_eq!(
            role_of("/usr/bin/stress-ng --vm 2 --vm-bytes 1G"),
            "stress-ng --vm 2"
        );
        assert_eq!(role_of("/usr/bin/sleep 10"), "sleep 10");
        let long = format!("tool --{}", "x".repeat(100));
        assert_eq!(role_of(&long), format!("tool --{}…", "x".repeat(17)));
        assert_eq!(role(&[], None), "(no command line)");
    }

    #[test]
    fn roles_carry_no_control_characters_and_are_capped() {
        let hostile = vec!["/bin/evil\u{1b}[31m\nname".to_string(), "a\rb".into()];
        let named = role(&hostile, None);
        assert!(!named.chars().any(char::is_control), "{named:?}");
        let huge = vec!["x".repeat(500)];
        assert!(role(&huge, None).chars().count() <= ROLE_CHARS);
        assert!(!command_line(&hostile, 100).chars().any(char::is_control));
    }

    #[test]
    fn cmdline_bytes_split_at_nul() {
        assert_eq!(parse_cmdline(b"python\0a.py\0"), ["python", "a.py"]);
        assert_eq!(parse_cmdline(b"python\0\0x\0"), ["python", "", "x"]);
        assert!(parse_cmdline(b"").is_empty());
        assert_eq!(parse_cmdline(b"setproctitle text"), ["setproctitle text"]);
    }
}
