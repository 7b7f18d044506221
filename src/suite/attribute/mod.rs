//! The attribution's re-run (docs/attribution.md): one benchmark run once more, unmeasured, with
//! memgate's `sitecustomize.py` first on PYTHONPATH, so that every Python process of its tree runs
//! under `memray run --aggregate --follow-fork` and writes a capture file of its own (exec'd
//! workers too, which memray alone does not follow); then memgate's reader script, run with the
//! benchmark's own interpreter, gives each file's sites at its high-water mark, merged here.
//!
//! The re-run goes through the suite's [`Measure`], as the measured runs do: same environment
//! (no token), working folder, timeout and kill of the whole tree; its figures are dropped but
//! for its wall time. memray is installed by memgate only into a virtualenv's interpreter (never a
//! system one) when it is missing there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::measure::RunSpec;
use crate::results::{Attribution, Capture, merge_sites};

use super::child::{self, OnSignal};
use super::logs::Output;
use super::{Measure, Side};

const SITECUSTOMIZE: &str = include_str!("sitecustomize.py");
const READER: &str = include_str!("read_captures.py");
/// The memray memgate installs where it may.
pub const MEMRAY_REQUIREMENT: &str = "memray==1.20.0";
/// Sites each capture file gives; merged, [`crate::results::SITES_KEPT`] are kept.
const SITES_PER_CAPTURE: usize = 50;
/// Characters of a note kept (a results file refuses a text over 4096 bytes).
const NOTE_CHARS: usize = 1000;
/// Probe files read at most, and bytes of each: a probe is a line of JSON.
const MAX_PROBES: usize = 4096;
const MAX_PROBE_BYTES: u64 = 64 << 10;
/// Bytes of the reader's output taken at most: 50 sites per capture file.
const MAX_READER_BYTES: usize = 64 << 20;
/// How long installing memray, reading captures or drawing the flame graph may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(600);

/// One side of one benchmark to attribute.
pub(super) struct Job<'a> {
    pub spec: &'a RunSpec,
    /// The folder of the side's memgate.yml: file names of sites are relative to it.
    pub root: &'a Path,
    pub stem: &'a str,
    pub side: Side,
    pub output: &'a Output,
}

/// What one Python process of the re-run said of itself (`sitecustomize.py`).
#[derive(Debug, serde::Deserialize)]
struct Probe {
    executable: String,
    #[serde(default)]
    venv: bool,
    #[serde(default)]
    memray: bool,
    #[serde(default)]
    tracked: bool,
}

/// The note of a benchmark that is not re-run: it is not Python.
pub(super) fn not_python(note: &str) -> Attribution {
    Attribution {
        tool: "memray".into(),
        note: Some(format!(
            "{note}: allocation sites are for Python benchmarks only (memray); the per-process \
             breakdown covers the others"
        )),
        ..Attribution::default()
    }
}

/// Re-runs the job's benchmark under memray and reads its sites; a benchmark in which no Python
/// process ran gets the note that sites are for Python only (a wrapper such as `pytest`, `make`
/// or a shell script cannot be told from its command line, so the re-run is what tells).
pub(super) fn attribute(job: &Job<'_>, measure: &mut impl Measure) -> Attribution {
    let mut attribution = attempt(job, measure, true).unwrap_or_else(|attribution| *attribution);
    // Notes name interpreters and programs the pull request chose: kept short.
    attribution.note = attribution
        .note
        .map(|note| crate::report::escape::shorten_block(&note, NOTE_CHARS));
    attribution
}

fn failed(wall_secs: f64, note: String) -> Box<Attribution> {
    Box::new(Attribution {
        tool: "memray".into(),
        wall_secs,
        note: Some(note),
        ..Attribution::default()
    })
}

fn attempt(
    job: &Job<'_>,
    measure: &mut impl Measure,
    may_install: bool,
) -> Result<Attribution, Box<Attribution>> {
    let work =
        tempfile::tempdir().map_err(|err| failed(0.0, format!("no temporary folder: {err}")))?;
    let hook = work.path().join("hook");
    let captures = work.path().join("captures");
    std::fs::create_dir(&hook)
        .and_then(|()| std::fs::create_dir(&captures))
        .and_then(|()| std::fs::write(hook.join("sitecustomize.py"), SITECUSTOMIZE))
        .map_err(|err| failed(0.0, format!("cannot prepare the re-run: {err}")))?;
    let spec = rerun_spec(job, &hook, &captures);
    let (wall, ending) = match measure.measure(&spec) {
        Ok(measurement) => (
            measurement.run.duration_secs,
            (!measurement.run.succeeded()).then(|| measurement.run.ending().to_string()),
        ),
        Err(err) => {
            let note = format!("the re-run under memray could not start: {err}");
            return Err(failed(0.0, note));
        }
    };
    let probes = probes(&captures);
    let Some(first) = probes.first() else {
        return Err(Box::new(Attribution {
            wall_secs: wall,
            ..not_python(
                "no Python process ran in the re-run (or only with -I, -E or Python < 3.10, \
                 which memgate's hook does not reach)",
            )
        }));
    };
    if !probes.iter().any(|p| p.tracked) {
        return install_and_retry(job, measure, first, wall, may_install);
    }
    let mut attribution = sites_of(job, &probes, &captures, spec.launch.cwd.as_deref(), wall)?;
    if let Some(ending) = ending {
        let said = format!("the re-run under memray {ending}");
        attribution.note = Some(match attribution.note.take() {
            Some(note) => format!("{said}; {note}"),
            None => said,
        });
    }
    Ok(attribution)
}

/// The benchmark's spec with memgate's hook first on PYTHONPATH (before the benchmark's own, or
/// memgate's), the capture folder named, and its output in the `memray` log files.
fn rerun_spec(job: &Job<'_>, hook: &Path, captures: &Path) -> RunSpec {
    let mut spec = job.spec.clone();
    let env = &mut spec.launch.env;
    let python_path = env
        .iter()
        .find(|(k, _)| k == "PYTHONPATH")
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var("PYTHONPATH").ok())
        .filter(|v| !v.is_empty());
    let ours = hook.display().to_string();
    let joined = python_path.map_or(ours.clone(), |rest| format!("{ours}:{rest}"));
    env.retain(|(k, _)| k != "PYTHONPATH");
    env.push(("PYTHONPATH".into(), joined));
    env.push(("MEMGATE_MEMRAY_DIR".into(), captures.display().to_string()));
    spec.launch.output = job
        .output
        .open_labelled(job.stem, job.side, "memray")
        .map(|log| log.capture);
    spec
}

/// No Python process of the re-run had memray: installed into a virtualenv's interpreter and the
/// re-run made again (once), else a note that says why not.
fn install_and_retry(
    job: &Job<'_>,
    measure: &mut impl Measure,
    first: &Probe,
    wall: f64,
    may_install: bool,
) -> Result<Attribution, Box<Attribution>> {
    let python = &first.executable;
    let why_not = if first.memray {
        Some(format!(
            "memray could not run {python}'s program (a `-cCODE` or stdin program is not followed)"
        ))
    } else if !first.venv {
        Some(format!(
            "memray is not installed for {python}, and memgate installs it only into a \
             virtualenv's interpreter; install it there (`{python} -m pip install \
             {MEMRAY_REQUIREMENT}`) for allocation sites"
        ))
    } else if !may_install {
        Some(format!(
            "memray is still missing for {python} after installing it"
        ))
    } else {
        None
    };
    if let Some(note) = why_not {
        return Err(failed(wall, note));
    }
    install(python).map_err(|why| {
        let note = format!("memray is not installed for {python} and installing it failed: {why}");
        failed(wall, note)
    })?;
    let mut installed = attempt(job, measure, false)?;
    let said = format!("memgate installed {MEMRAY_REQUIREMENT} for {python}");
    installed.note = Some(match installed.note.take() {
        Some(note) => format!("{said}; {note}"),
        None => said,
    });
    Ok(installed)
}

/// The sites of the capture files, read with the interpreter of the first tracked process, and
/// the flame graph kept; notes for processes that left nothing.
fn sites_of(
    job: &Job<'_>,
    probes: &[Probe],
    captures: &Path,
    cwd: Option<&Path>,
    wall: f64,
) -> Result<Attribution, Box<Attribution>> {
    let python = probes
        .iter()
        .find(|p| p.tracked)
        .map_or("python3", |p| p.executable.as_str());
    let read = read_captures(python, captures, job.root, cwd)
        .map_err(|why| failed(wall, format!("the capture files could not be read: {why}")))?;
    let unreadable = read.iter().filter(|c| c.error.is_some()).count();
    let (peak_bytes, sites) = merge_sites(&read);
    let mut notes = Vec::new();
    if unreadable > 0 {
        notes.push(format!(
            "{unreadable} of {} processes left no readable capture (killed before memray wrote it)",
            read.len()
        ));
    }
    let untracked = probes.iter().filter(|p| !p.tracked).count();
    if untracked > 0 {
        notes.push(format!("{untracked} Python processes ran without memray"));
    }
    let flamegraph = flamegraph(job, python, captures, &read);
    let no_folder = matches!(
        job.output,
        Output::Captured { folder: None } | Output::Shown
    );
    if flamegraph.is_none() && no_folder {
        notes.push("no flame graph kept: no log folder (--json or --logs)".into());
    }
    Ok(Attribution {
        tool: "memray".into(),
        wall_secs: wall,
        peak_bytes,
        sites,
        grown: Vec::new(),
        flamegraph: flamegraph.map(|p| p.display().to_string()),
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    })
}

/// The notes the re-run's Python processes left, in the order of their files' names.
fn probes(folder: &Path) -> Vec<Probe> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .take(MAX_PROBES)
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() <= MAX_PROBE_BYTES))
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect()
}

/// Runs a helper of the benchmark's interpreter to its end; its stdout, or why it failed.
fn helper(mut command: Command) -> Result<Vec<u8>, String> {
    command.env_remove("PYTHONPATH");
    let out = child::run(command, HELPER_TIMEOUT, OnSignal::Kill).map_err(|e| e.to_string())?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap_or("").trim();
    Err(crate::report::escape::shorten_block(
        &format!("{} ({last})", out.status),
        300,
    ))
}

fn install(python: &str) -> Result<(), String> {
    let mut command = Command::new(python);
    command.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        MEMRAY_REQUIREMENT,
    ]);
    helper(command).map(drop)
}

/// Reads the capture files in `folder` with `python`, from the benchmark's working folder `cwd`
/// (a script run as `python train.py` has the file name `train.py` in its frames).
fn read_captures(
    python: &str,
    folder: &Path,
    root: &Path,
    cwd: Option<&Path>,
) -> Result<Vec<Capture>, String> {
    #[derive(serde::Deserialize)]
    struct Read {
        captures: Vec<Capture>,
    }
    // The reader runs in the benchmark's folder: a relative path (`-c sub/memgate.yml` makes the
    // root `sub`) would be read from there, and no site would be shown relative to the root.
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut command = Command::new(python);
    command
        .arg("-c")
        .arg(READER)
        .arg(absolute(folder))
        .arg(absolute(root))
        .arg(SITES_PER_CAPTURE.to_string());
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let stdout = helper(command)?;
    if stdout.len() > MAX_READER_BYTES {
        return Err(format!(
            "the reader printed {} bytes, over the {MAX_READER_BYTES} memgate takes",
            stdout.len()
        ));
    }
    serde_json::from_slice::<Read>(&stdout)
        .map(|read| read.captures)
        .map_err(|err| format!("the reader's output is not what memgate expects: {err}"))
}

/// memray's flame graph of the process with the highest high-water mark, kept in the log folder.
fn flamegraph(job: &Job<'_>, python: &str, folder: &Path, read: &[Capture]) -> Option<PathBuf> {
    let largest = read
        .iter()
        .filter(|c| c.error.is_none())
        .max_by_key(|c| c.peak_bytes)?;
    let capture = folder.join(largest.file.as_deref()?);
    let html = folder.join("flamegraph.html");
    let mut command = Command::new(python);
    command
        .args(["-m", "memray", "flamegraph", "-o"])
        .arg(&html)
        .arg(capture);
    helper(command).ok()?;
    let bytes = std::fs::read(&html).ok()?;
    job.output.keep(job.stem, job.side, "memray.html", &bytes)
}
