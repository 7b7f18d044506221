//! `--baseline-ref` attacked (issue 11, items 1–3): a `setup:` step that plants a git hook, refs
//! that are git options or refspecs (on the command line and as the action's `baseline_ref`
//! input), and a base folder planted in the temporary folder before memgate starts.

mod common;
use common::git;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `version: 1` with one benchmark that does nothing, and `setup` steps when given.
fn config(setup: &[&str]) -> String {
    let mut text = String::from("version: 1\n");
    if !setup.is_empty() {
        text.push_str("setup:\n");
        for step in setup {
            text.push_str(&format!("  - {step}\n"));
        }
    }
    text.push_str("defaults:\n  runs: 1\nbenchmarks:\n  - name: a\n    run: \"true\"\n");
    text
}

/// A repository at `root` whose `main` has two commits: `base_files` then `head_files`.
fn two_commits(root: &Path, base_files: &[(&str, &str)], head_files: &[(&str, &str)]) {
    git(root, &["init", "-q", "-b", "main"]);
    for (files, message) in [(base_files, "base"), (head_files, "head")] {
        for (name, text) in files {
            std::fs::write(root.join(name), text).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "--allow-empty", "-m", message]);
    }
}

fn memgate(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memgate"));
    cmd.current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1");
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Item 1: a setup step writes `.git/hooks/post-checkout`; memgate's own `git worktree add` must
/// not run it.
#[test]
fn a_hook_planted_by_setup_does_not_run_in_memgates_git() {
    let dir = tempfile::tempdir().unwrap();
    let (root, marker) = (dir.path().join("repo"), dir.path().join("hook-ran"));
    std::fs::create_dir(&root).unwrap();
    // Setup runs in a checkout of its own (a worktree, whose `.git` is a file): the
    // repository's hooks are in git's common folder.
    let plant = format!(
        "hooks=$(git rev-parse --git-common-dir)/hooks\nmkdir -p $hooks\nprintf '#!/bin/sh\\ntouch {}\\n' > $hooks/post-checkout\nchmod +x $hooks/post-checkout\n",
        marker.display()
    );
    // The base is prepared first: its setup plants the hook before memgate's `git worktree add`
    // of the head's checkout.
    two_commits(
        &root,
        &[
            ("memgate.yml", &config(&["sh plant.sh"])),
            ("plant.sh", &plant),
        ],
        &[("memgate.yml", &config(&[]))],
    );
    let out = memgate(&root)
        .args(["check", "--no-comment", "--baseline-ref", "HEAD~1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        root.join(".git/hooks/post-checkout").exists(),
        "the setup step planted no hook, so this test proves nothing: {}",
        text(&out)
    );
    assert!(
        !marker.exists(),
        "memgate's git ran the hook a setup step planted"
    );
    // The hook is live: git run as a user runs it would run it.
    git(
        &root,
        &["worktree", "add", "-q", "--detach", "../by-hand", "HEAD~1"],
    );
    assert!(
        marker.exists(),
        "the planted hook does not run, so this test proves nothing"
    );
}

/// Item 1: every git memgate runs has hooks off, no prompt, no token, and stdin closed (seen by
/// a `git` first on PATH that logs, then runs the real one).
#[test]
fn every_git_memgate_runs_has_hooks_off_no_prompt_no_token_and_no_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let (root, bin, log) = (
        dir.path().join("repo"),
        dir.path().join("bin"),
        dir.path().join("git.log"),
    );
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    two_commits(
        &root,
        &[("memgate.yml", &config(&[]))],
        &[("memgate.yml", &config(&[]))],
    );
    let real = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
    let wrapper = format!(
        "#!/bin/sh\n{{ printf 'call:'; printf ' %s' \"$@\"; echo; echo \"stdin:$(readlink /proc/self/fd/0)\"; env | grep -E '^(GITHUB_TOKEN|INPUT_GITHUB_TOKEN|GIT_TERMINAL_PROMPT)=' ; }} >> {}\nexec {real} \"$@\"\n",
        log.display()
    );
    std::fs::write(bin.join("git"), wrapper).unwrap();
    std::fs::set_permissions(bin.join("git"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = memgate(&root)
        .args(["check", "--no-comment", "--baseline-ref", "HEAD~1"])
        .env("PATH", path)
        .env("GITHUB_TOKEN", "ghs_notForGit")
        .env("INPUT_GITHUB_TOKEN", "ghs_notForGitEither")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    let calls: Vec<&str> = log.lines().filter(|l| l.starts_with("call:")).collect();
    assert!(
        calls.iter().any(|c| c.contains(" worktree add ")),
        "memgate ran no `git worktree add` through PATH:\n{log}"
    );
    for call in &calls {
        assert!(
            call.starts_with("call: -c core.hooksPath=/dev/null"),
            "git without hooks off: {call}"
        );
    }
    assert_eq!(
        log.lines()
            .filter(|l| *l == "GIT_TERMINAL_PROMPT=0")
            .count(),
        calls.len(),
        "{log}"
    );
    assert_eq!(
        log.lines().filter(|l| *l == "stdin:/dev/null").count(),
        calls.len(),
        "{log}"
    );
    assert!(!log.contains("GITHUB_TOKEN="), "{log}");
}

/// A bare upstream with two commits on `main`, and a clone of it (`origin` a local path) whose
/// local branch `feature` is at the first.
struct Clone {
    dir: tempfile::TempDir,
}

impl Clone {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source");
        std::fs::create_dir(&source).unwrap();
        two_commits(
            &source,
            &[("memgate.yml", &config(&[]))],
            &[("memgate.yml", &config(&[])), ("more.txt", "more")],
        );
        let (up, work) = (dir.path().join("up.git"), dir.path().join("work"));
        let (up_text, work_text) = (up.to_string_lossy(), work.to_string_lossy());
        git(dir.path(), &["clone", "-q", "--bare", "source", &up_text]);
        git(dir.path(), &["clone", "-q", &up_text, &work_text]);
        git(&work, &["branch", "feature", "HEAD~1"]);
        Self { dir }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn refs(&self) -> String {
        git(
            &self.work(),
            &["for-each-ref", "--format=%(refname) %(objectname)"],
        )
    }

    fn marker(&self) -> PathBuf {
        self.dir.path().join("upload-pack-ran")
    }

    /// The refs an attacker would give: a git option that runs a command, refspecs that move
    /// the local branch `feature`.
    fn attacks(&self) -> Vec<String> {
        vec![
            format!("--upload-pack=touch {};false", self.marker().display()),
            "+refs/heads/main:refs/heads/feature".into(),
            "refs/heads/main:refs/heads/feature".into(),
        ]
    }

    /// Checks that `out` refused `reference` (exit 2, a message naming what is wrong) and that
    /// nothing happened: no command ran, no ref moved, no worktree was made.
    fn assert_refused(&self, reference: &str, refs_before: &str, out: &Output) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{reference}: {}", text(out));
        assert!(
            stderr.contains("refused") && stderr.contains("name a branch, a tag or a commit"),
            "{reference}: {stderr}"
        );
        assert!(
            !self.marker().exists(),
            "{reference}: git ran the upload-pack command"
        );
        assert_eq!(self.refs(), refs_before, "{reference}: a ref moved");
        assert_eq!(
            git(&self.work(), &["worktree", "list"]).lines().count(),
            1,
            "{reference}"
        );
    }
}

/// Item 2, on the command line.
#[test]
fn option_and_refspec_refs_are_refused_on_the_command_line() {
    let clone = Clone::new();
    let before = clone.refs();
    for attack in clone.attacks() {
        let out = memgate(&clone.work())
            .args(["check", "--no-comment", &format!("--baseline-ref={attack}")])
            .output()
            .unwrap();
        clone.assert_refused(&attack, &before, &out);
    }
}

/// Item 2, as the container action's `baseline_ref` input.
#[test]
fn option_and_refspec_refs_are_refused_as_the_action_input() {
    let clone = Clone::new();
    let before = clone.refs();
    for attack in clone.attacks() {
        let out = memgate(&clone.work())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", clone.dir.path())
            .env("INPUT_CONFIG", "memgate.yml")
            .env("INPUT_ARGS", "--no-comment")
            .env("INPUT_BASELINE_REF", &attack)
            .env("INPUT_WORKING_DIRECTORY", ".")
            .arg("action")
            .output()
            .unwrap();
        clone.assert_refused(&attack, &before, &out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("input `baseline_ref`"), "{stderr}");
    }
}

/// Item 2: what a ref may be still works — a branch of the remote that the clone lacks is fetched
/// into FETCH_HEAD alone, and no ref of the clone moves.
#[test]
fn a_remote_branch_is_fetched_without_moving_any_ref() {
    let clone = Clone::new();
    let up = clone.dir.path().join("up.git");
    // A branch only the upstream has.
    git(&up, &["branch", "only-upstream", "main~1"]);
    let before = clone.refs();
    let out = memgate(&clone.work())
        .args([
            "check",
            "--no-comment",
            "--baseline-ref",
            "only-upstream",
            "--json",
            "r.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(clone.work().join("r.json")).unwrap()).unwrap();
    let base_sha = git(&up, &["rev-parse", "main~1"]);
    assert_eq!(results["baseline"]["git_sha"], base_sha.trim(), "{results}");
    assert_eq!(clone.refs(), before, "fetching the base moved a ref");
}

/// Item 3: the base is checked out in a private folder (0700) with an unpredictable name; a
/// folder planted where the old name was predictable is not used.
#[test]
fn the_base_is_checked_out_in_a_private_unpredictable_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (root, tmp, seen) = (
        dir.path().join("repo"),
        dir.path().join("tmp"),
        dir.path().join("seen"),
    );
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    // The base's setup says where it runs, and the mode of the folder around its checkout.
    let probe = format!(
        "echo \"$PWD\" > {seen}\nstat -c %a \"$(dirname \"$PWD\")\" >> {seen}\n",
        seen = seen.display()
    );
    two_commits(
        &root,
        &[
            ("memgate.yml", &config(&["sh probe.sh"])),
            ("probe.sh", &probe),
        ],
        &[("memgate.yml", &config(&[]))],
    );
    // Another user's folder at the name the old code used (memgate keeps the shell's pid).
    let script = format!(
        "mkdir -m 777 \"$TMPDIR/memgate-base-$$-0\" && echo $$ > {pid} && exec {memgate} check --no-comment --baseline-ref HEAD~1",
        pid = dir.path().join("pid").display(),
        memgate = env!("CARGO_BIN_EXE_memgate"),
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .current_dir(&root)
        .env_remove("GITHUB_ACTIONS")
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
    let planted = tmp.join(format!("memgate-base-{}-0", pid.trim()));
    let seen = std::fs::read_to_string(&seen).expect("the base's setup ran");
    let mut lines = seen.lines();
    let (checkout, mode) = (lines.next().unwrap(), lines.next().unwrap());
    let checkout = Path::new(checkout);
    assert!(
        checkout.starts_with(&tmp),
        "{checkout:?} is not under TMPDIR"
    );
    assert!(
        !checkout.starts_with(&planted),
        "memgate checked the base out in the planted folder {planted:?}"
    );
    assert!(
        !checkout.to_string_lossy().contains(pid.trim()),
        "the folder's name holds memgate's pid: {checkout:?}"
    );
    assert_eq!(
        mode, "700",
        "the folder around the base's checkout is not private"
    );
    assert_eq!(
        std::fs::read_dir(&planted).unwrap().count(),
        0,
        "the planted folder was written to"
    );
    // The private folder is gone after the run; only the planted one is left.
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(left, [planted], "memgate left its base folder behind");
}
