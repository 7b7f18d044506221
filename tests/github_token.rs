//! The token is out of reach of the code memgate runs (issue 11, item 1): a `setup:` step and a
//! benchmark (a pull request's code) look for it in their own environment and in the
//! `/proc/PID/environ` of every ancestor they can see, memgate first; and they cannot read
//! memgate's environment or memory at all (memgate is non-dumpable). memgate still comments with
//! it.

mod github_support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use github_support::*;
use serde_json::json;

/// Another token the runner gives a container action; memgate has no use for it.
const RUNTIME_TOKEN: &str = "actionsRuntimeToken0123456789abcdefXYZ";

/// Writes `found-WHO.txt`: `own-env clean|token`, then for each ancestor, nearest first,
/// `PID clean|token|unreadable`. A fragment of a token counts.
fn probe_script() -> String {
    let needle = format!("{}|{}", &TOKEN[4..24], &RUNTIME_TOKEN[..20]);
    format!(
        r#"out="$PWD/found-$1.txt"
needle='{needle}'
: > "$out"
if env | grep -Eq "$needle"; then echo "own-env token" >> "$out"; else echo "own-env clean" >> "$out"; fi
p=$$
while :; do
  p=$(awk '/^PPid:/ {{print $2}}' "/proc/$p/status" 2>/dev/null)
  [ -n "$p" ] && [ "$p" -gt 0 ] || break
  if ! cat "/proc/$p/environ" > /dev/null 2>&1; then echo "$p unreadable" >> "$out"
  elif tr '\0' '\n' < "/proc/$p/environ" | grep -Eq "$needle"; then echo "$p token" >> "$out"
  else echo "$p clean" >> "$out"; fi
done
"#
    )
}

const CONFIG: &str = "version: 1
setup:
  - sh probe.sh setup
benchmarks:
  - name: probe
    run: sh probe.sh bench
    runs: 1
    budget:
      peak: 1GiB
";

fn memgate_check(dir: &Path, api_url: &str, token_var: &str) -> Command {
    let event = json!({
        "pull_request": {
            "number": PR,
            "head": { "sha": HEAD_SHA },
            "base": { "sha": BASE_SHA },
        },
        "repository": { "full_name": format!("{OWNER}/{REPO}") },
    });
    std::fs::write(dir.join("event.json"), event.to_string()).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgate"));
    for var in inherited_github_vars() {
        cmd.env_remove(var);
    }
    cmd.args(["check", "--comment", "always"])
        .current_dir(dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", dir.join("event.json"))
        .env("GITHUB_API_URL", api_url)
        .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
        .env(token_var, TOKEN)
        .env("ACTIONS_RUNTIME_TOKEN", RUNTIME_TOKEN);
    cmd
}

/// Runs `cmd` off the runtime's threads; its pid and output.
async fn run(mut cmd: Command) -> (u32, Output) {
    tokio::task::spawn_blocking(move || {
        let child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        (pid, child.wait_with_output().unwrap())
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_steps_and_benchmarks_find_no_token_anywhere_up_their_tree() {
    for token_var in ["GITHUB_TOKEN", "INPUT_GITHUB_TOKEN"] {
        let fake = FakeGitHub::start().await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("memgate.yml"), CONFIG).unwrap();
        std::fs::write(dir.path().join("probe.sh"), probe_script()).unwrap();

        let (memgate_pid, out) = run(memgate_check(dir.path(), &fake.api_url(), token_var)).await;
        let all = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(0), "{token_var}: {all}");
        // memgate kept the token for itself: the fake answers 401 to anything else.
        assert_eq!(fake.memgate_comments().len(), 1, "{token_var}: {all}");

        for who in ["setup", "bench"] {
            let found = std::fs::read_to_string(dir.path().join(format!("found-{who}.txt")))
                .unwrap_or_else(|err| panic!("{who} did not run ({err}): {all}"));
            let lines: Vec<&str> = found.lines().collect();
            assert_eq!(
                lines.first(),
                Some(&"own-env clean"),
                "{token_var} {who}: {found}"
            );
            // memgate is an ancestor (the parent, or the parent's parent through `sh -c`), and
            // so is this test: the walk went all the way up.
            for pid in [memgate_pid, std::process::id()] {
                assert!(
                    lines
                        .iter()
                        .any(|l| l.split(' ').next() == Some(&pid.to_string())),
                    "{token_var} {who}: pid {pid} not seen in {found}"
                );
            }
            assert!(!found.contains("token"), "{token_var} {who}: {found}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_cannot_open_memgates_environ_or_memory() {
    let dir = tempfile::tempdir().unwrap();
    // Opening is what the kernel checks (reading `mem` at offset 0 fails in any case).
    let script = r#"for f in environ mem; do
  if (exec 3< "/proc/$PPID/$f") 2> /dev/null; then
    echo "$f open"
  else
    echo "$f closed"
  fi
done > result.txt"#;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgate"));
    for var in inherited_github_vars() {
        cmd.env_remove(var);
    }
    cmd.args(["run", "--", "sh", "-c", script])
        .current_dir(dir.path())
        .env("GITHUB_TOKEN", TOKEN);
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } == 0 {
        // As root (with CAP_SYS_PTRACE) nothing is closed to the child; run memgate and its child
        // as another user, as a runner's `runner` user is, so that the test means something.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        cmd.uid(65534).gid(65534);
    }
    let (_, out) = run(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = std::fs::read_to_string(dir.path().join("result.txt")).unwrap();
    assert_eq!(result, "environ closed\nmem closed\n");
}
