//! `memgate report RESULTS.json`: render a results file again (Markdown, charts, HTML, JUnit), and
//! [`write_outputs`], which `memgate check` calls too, so that both write the same bytes.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use crate::cli::{ReportArgs, ReportFiles};
use crate::report::{chart, html, junit, markdown, terminal};
use crate::results::{self, Results};

use super::shared::use_color;
use super::{CommandResult, Exit};

/// Where to write each report; `None` skips it. For a single file, `-` is standard output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outputs<'a> {
    pub markdown: Option<&'a Path>,
    pub charts: Option<&'a Path>,
    pub html: Option<&'a Path>,
    pub junit: Option<&'a Path>,
}

impl<'a> From<&'a ReportFiles> for Outputs<'a> {
    fn from(files: &'a ReportFiles) -> Self {
        Self {
            markdown: files.markdown.as_deref(),
            charts: files.charts.as_deref(),
            html: files.html.as_deref(),
            junit: files.junit.as_deref(),
        }
    }
}

impl Outputs<'_> {
    fn any(&self) -> bool {
        self.markdown.is_some()
            || self.charts.is_some()
            || self.html.is_some()
            || self.junit.is_some()
    }
}

/// Renders and writes every report asked for, making missing folders. Each file is written as
/// [`results::write_atomic`] writes: replaced atomically, or, for a device, a FIFO or /dev/stdout,
/// written through. The same results give the same bytes: nothing here reads a clock.
pub fn write_outputs(results: &Results, outputs: &Outputs<'_>) -> Result<(), String> {
    if let Some(path) = outputs.markdown {
        write_file(path, markdown::render(results).as_bytes())?;
    }
    if let Some(path) = outputs.html {
        write_file(path, html::render(results).as_bytes())?;
    }
    if let Some(path) = outputs.junit {
        write_file(path, junit::render(results).as_bytes())?;
    }
    if let Some(dir) = outputs.charts {
        fs::create_dir_all(dir)
            .map_err(|err| format!("could not create {}: {err}", dir.display()))?;
        for file in chart::render_all(results) {
            write_file(&dir.join(&file.name), &file.bytes)?;
        }
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if path == Path::new("-") {
        let mut stdout = io::stdout().lock();
        return stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .map_err(|err| format!("could not write to standard output: {err}"));
    }
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        fs::create_dir_all(dir).map_err(|err| {
            format!(
                "could not write {}: cannot make the folder {}: {err}",
                path.display(),
                dir.display()
            )
        })?;
    }
    results::write_atomic(path, bytes)
        .map_err(|err| format!("could not write {}: {err}", path.display()))
}

/// `memgate report`: exit 0 when the results passed the gate, 1 when they failed it (as every
/// command that gives a verdict), 2 when the file cannot be read or an output written.
pub fn execute(args: ReportArgs) -> CommandResult {
    let results = results::read(&args.results)?;
    let outputs = Outputs::from(&args.files);
    if outputs.any() {
        write_outputs(&results, &outputs)?;
    } else {
        // Nothing asked for: the terminal table, as `check` prints it.
        let color = use_color(args.color, &io::stdout());
        let _ = io::stdout().write_all(terminal::render(&results, color).as_bytes());
    }
    Ok(Exit::of(results.status()))
}
