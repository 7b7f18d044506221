//! Text from a config or results file, made harmless for a terminal and for the GitHub Actions
//! log before it is printed.
//!
//! Two readers act on what memgate prints: a terminal (ESC/OSC sequences, `\r` overwriting a
//! line, bidirectional overrides such as U+202E reordering what is shown) and the Actions runner,
//! which treats as a workflow command every line that starts with `::` after leading whitespace
//! (`::warning::`, `::add-mask::`, `::stop-commands::`) and, in its legacy form, every line that
//! holds `##[` anywhere (`##[add-mask]…`). It splits lines at `\r` as well as `\n`.
//!
//! So untrusted text is shown escaped: each such character as a Rust escape (`\n`, `\u{1b}`,
//! `\u{202e}`), `##[` as `##\[`, and a line that would start with `::` as `\::`. Backslashes are
//! left alone, which makes both functions idempotent (escaping twice changes nothing).

/// Invisible characters that change how text around them is shown: bidirectional embeddings,
/// overrides, isolates and marks, line and paragraph separators, zero-width space and no-break
/// space, and the interlinear annotation marks. (Zero-width joiners, which emoji and some scripts
/// need, are kept.)
fn is_deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Whether `c` is shown as an escape: control characters (newlines too; tabs are harmless) and
/// [deceptive](is_deceptive) ones.
fn needs_escape(c: char) -> bool {
    c != '\t' && (c.is_control() || is_deceptive(c))
}

/// `text` as one line: every control character escaped, newlines included, and defused if it
/// would start a workflow command. For a value quoted in a message (a schema, a name) and for
/// one-line log messages.
pub fn log_line(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if needs_escape(c) {
            // `\n`, `\r`, `\0`, else `\u{…}`: std's rendering, readable and unambiguous.
            shown.extend(c.escape_debug());
        } else {
            shown.push(c);
        }
    }
    let shown = shown.replace("##[", "##\\[");
    let indent = shown.len() - shown.trim_start().len();
    if shown[indent..].starts_with("::") {
        format!("{}\\{}", &shown[..indent], &shown[indent..])
    } else {
        shown
    }
}

/// `text` as a cell of a terminal table or a short part of a line: shown as [`log_line`] shows it,
/// then cut to `max` characters with "…" (a name of a megabyte would otherwise widen every row).
pub fn log_cell(text: &str, max: usize) -> String {
    super::shorten_block(&log_line(text), max)
}

/// `text` as lines: newlines kept, each line as [`log_line`] shows it, so that none can start
/// a workflow command. For messages memgate writes over several lines (a list of config errors,
/// a setup step's output), whose parts may hold untrusted text.
pub fn log_lines(text: &str) -> String {
    let lines: Vec<String> = text.split('\n').map(log_line).collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_shown_escaped() {
        assert_eq!(
            log_line("a\nb\rc\u{1b}]8;;x\u{7}d\u{202e}e\u{85}\tf"),
            "a\\nb\\rc\\u{1b}]8;;x\\u{7}d\\u{202e}e\\u{85}\tf"
        );
        assert_eq!(log_line("plain `text`, é, 😀"), "plain `text`, é, 😀");
        // Emoji sequences keep their joiners.
        assert_eq!(log_line("👩\u{200d}💻"), "👩\u{200d}💻");
    }

    #[test]
    fn no_line_can_start_a_workflow_command() {
        let hostile = "x\n::warning::pwned\r::add-mask::y\n  ::error::z\nok ##[add-mask]s";
        for escaped in [log_line(hostile), log_lines(hostile)] {
            for line in escaped.split(['\n', '\r']) {
                assert!(
                    !line.trim_start().starts_with("::"),
                    "{line:?} in {escaped:?}"
                );
                assert!(!line.contains("##["), "{line:?}");
            }
        }
        assert_eq!(
            log_lines(hostile),
            "x\n\\::warning::pwned\\r::add-mask::y\n  \\::error::z\nok ##\\[add-mask]s"
        );
        assert_eq!(log_line("::x"), "\\::x");
        assert_eq!(log_line("###[x"), "###\\[x");
    }

    #[test]
    fn escaping_twice_changes_nothing() {
        let hostile = "a\n::b\u{1b}[31m ##[c \u{202e}\r\\n";
        for f in [log_line, log_lines] {
            let once = f(hostile);
            assert_eq!(f(&once), once);
        }
        assert_eq!(log_lines(&log_line(hostile)), log_line(hostile));
    }
}
