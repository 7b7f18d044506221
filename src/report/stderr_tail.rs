//! Why an `error` benchmark crashed: the last lines of its stderr (`stderr_tail`, kept when
//! `memgate check` captured its output), in the terminal and in the Markdown report and comment.
//! The lines are a pull request's program's output: the terminal shows them as log lines (no
//! control character, no workflow command); Markdown in a fenced code block, where no HTML,
//! mention or reference is read.

use crate::results::{BenchmarkResult, Results, Status};

use super::escape::{code_block, code_span, log_cell, log_line, shorten, shorten_block};

/// At most this many benchmarks' tails in the Markdown report (the comment has a size limit).
const MARKDOWN_BENCHMARKS: usize = 3;
/// Each line of a tail cut to this many characters in Markdown.
const MARKDOWN_LINE_CHARS: usize = 200;

fn tails(results: &Results) -> impl Iterator<Item = (&BenchmarkResult, &str)> {
    results.benchmarks.iter().filter_map(|b| {
        let tail = b.stderr_tail.as_deref()?;
        (b.status == Status::Error).then_some((b, tail))
    })
}

/// "stderr of NAME (last N lines):" and the lines, indented, for each `error` benchmark.
pub fn terminal(results: &Results) -> String {
    let mut out = String::new();
    for (benchmark, tail) in tails(results) {
        let lines: Vec<&str> = tail.lines().collect();
        out.push_str(&format!(
            "stderr of {} (last {} line{}):\n",
            log_cell(&benchmark.name, 80),
            lines.len(),
            super::text::plural(lines.len())
        ));
        for line in lines {
            out.push_str(&format!("  │ {}\n", log_line(line)));
        }
    }
    out
}

/// A paragraph and a code block for each of the first `error` benchmarks, or nothing.
pub fn markdown(results: &Results) -> String {
    let mut out = String::new();
    for (benchmark, tail) in tails(results).take(MARKDOWN_BENCHMARKS) {
        let lines: Vec<String> = tail
            .lines()
            .map(|line| shorten_block(line, MARKDOWN_LINE_CHARS))
            .collect();
        out.push_str(&format!(
            "💥 {} crashed; the last {} line{} of its stderr:\n\n{}\n\n",
            code_span(&shorten(&benchmark.name, 80), false),
            lines.len(),
            super::text::plural(lines.len()),
            code_block(&lines.join("\n"), "text")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn crashed(tail: &str) -> Results {
        let mut benchmark = testing::not_run("@team <b>x</b>", "python t.py", "exit 1");
        benchmark.stderr_tail = Some(tail.to_string());
        let mut passed = testing::not_run("ok", "true", "");
        passed.status = Status::Pass;
        passed.stderr_tail = Some("ignored".into());
        testing::results(
            testing::environment(crate::results::Method::CgroupV1),
            vec![benchmark, passed],
        )
    }

    #[test]
    fn hostile_lines_are_inert_in_the_terminal() {
        let text = terminal(&crashed(
            "Traceback\n::error::pwned\n\u{1b}[31mred\rx\nMemoryError",
        ));
        assert!(
            text.starts_with("stderr of @team <b>x</b> (last 4 lines):\n"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
        for line in text.lines() {
            assert!(!line.trim_start().starts_with("::"), "{line}");
        }
        assert!(text.contains("  │ MemoryError\n"), "{text}");
        assert!(!text.contains("ignored"), "{text}");
    }

    #[test]
    fn markdown_holds_the_lines_in_a_code_block_no_fence_closes() {
        let text = markdown(&crashed("```\n@octocat <img src=x>\nMemoryError"));
        assert!(
            text.starts_with("💥 `@team <b>x</b>` crashed; the last 3 lines"),
            "{text}"
        );
        assert!(
            text.contains("````text\n```\n@octocat <img src=x>\nMemoryError\n````"),
            "{text}"
        );
    }
}
