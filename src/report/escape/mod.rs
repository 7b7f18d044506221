//! Every way a report makes user text (names, commands, messages, tags) safe or short: for
//! Markdown, for HTML, for a Mermaid string, for a file name. Each function is one pass over the
//! text; the three entity escapes share one loop ([`escape_with`]) and differ only in [`Rules`].

use std::collections::HashSet;

mod links;
mod log;
pub use log::{log_cell, log_line, log_lines};

/// Text cut to `max` characters with "…", control characters (newlines too) made spaces. Also what
/// chart text needs: plotters escapes SVG text, but XML has no way to carry control characters.
pub fn shorten(text: &str, max: usize) -> String {
    shorten_block(&blank_controls(text, false), max)
}

/// Text cut to `max` characters with "…", newlines kept (for code blocks).
pub fn shorten_block(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Control characters made spaces; newlines kept when `keep_newlines`.
fn blank_controls(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !(keep_newlines && c == '\n') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// What an escaping pass does beyond HTML's entities and blanking control characters.
#[derive(Clone, Copy)]
struct Rules {
    /// `'` as `&#39;` (HTML elements and attributes).
    apostrophe: bool,
    /// Markdown punctuation backslash-escaped, so that no link, emphasis, code span or table cell
    /// can start.
    markdown: bool,
    /// A zero-width joiner wherever GitHub would make a mention, a reference or a link
    /// ([`links::Defuser`]), so that untrusted text notifies nobody and leaves no backlink.
    defuse_references: bool,
}

fn escape_with(text: &str, rules: Rules) -> String {
    let mut out = String::with_capacity(text.len());
    let mut defuser = links::Defuser::default();
    for (at, c) in text.char_indices() {
        if rules.defuse_references && defuser.joiner_before(text, at, c) {
            out.push(links::JOINER);
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' if rules.apostrophe => out.push_str("&#39;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' if rules.markdown => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// User text as Markdown prose: HTML characters as entities, Markdown punctuation
/// backslash-escaped, and no live mention, reference or link ([`links`]).
pub fn markdown_prose(text: &str) -> String {
    escape_with(
        text,
        Rules {
            apostrophe: false,
            markdown: true,
            defuse_references: true,
        },
    )
}

/// User text inside an HTML element of a GitHub comment (`<summary>`): entities for HTML, and no
/// live mention, reference or link ([`links`]). GitHub does not read Markdown there.
pub fn comment_html(text: &str) -> String {
    escape_with(
        text,
        Rules {
            apostrophe: true,
            markdown: false,
            defuse_references: true,
        },
    )
}

/// Text for the content and attributes of a standalone HTML page; control characters become
/// spaces.
pub fn html(text: &str) -> String {
    escape_with(
        text,
        Rules {
            apostrophe: true,
            markdown: false,
            defuse_references: false,
        },
    )
}

/// Like [`html`], keeping newlines and making tabs four spaces (for `<pre>`).
pub fn html_block(text: &str) -> String {
    text.split('\n')
        .map(|line| html(&line.replace('\t', "    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text XML 1.0 can hold: U+FFFE and U+FFFF (which JSON can carry) become U+FFFD. quick-junit
/// drops the control characters XML cannot hold, not these.
pub fn xml_chars(text: &str) -> String {
    text.replace(['\u{FFFE}', '\u{FFFF}'], "\u{FFFD}")
}

/// A Markdown code span that holds `text` whatever backticks it has (the fence is longer than any
/// run of backticks in it). No HTML, mention or reference is read inside a code span; in a table
/// cell a `|` is still a cell boundary unless escaped, so `in_table` escapes it.
pub fn code_span(text: &str, in_table: bool) -> String {
    let clean = blank_controls(text, false);
    let clean = if in_table {
        clean.replace('|', "\\|")
    } else {
        clean
    };
    let fence = "`".repeat(longest_run(&clean, '`') + 1);
    // A space on each side when the text starts or ends with a backtick (or is all spaces), as
    // CommonMark strips one space from each side.
    let pad = clean.starts_with('`')
        || clean.ends_with('`')
        || (clean.starts_with(' ') && clean.ends_with(' '));
    if clean.is_empty() {
        return "` `".to_string();
    }
    if pad {
        format!("{fence} {clean} {fence}")
    } else {
        format!("{fence}{clean}{fence}")
    }
}

/// A fenced Markdown code block whose fence no line of `text` can close.
pub fn code_block(text: &str, info: &str) -> String {
    let fence = "`".repeat((longest_run(text, '`') + 1).max(3));
    let body = blank_controls(text, true);
    format!("{fence}{info}\n{}\n{fence}", body.trim_end_matches('\n'))
}

fn longest_run(text: &str, of: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        if c == of {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// User text as a Mermaid string: no character that ends a string, a list or the block, or forms
/// an entity (`#quot;`); ASCII punctuation outside a small safe set becomes a space; at most
/// `max` characters; never empty.
pub fn mermaid_label(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let mapped = match c {
            '"' | '`' => '\'',
            '[' | '{' | '<' => '(',
            ']' | '}' | '>' => ')',
            '\\' => '/',
            ';' => ',',
            '&' => '+',
            '#' => '№',
            c if c.is_ascii_alphanumeric() => c,
            ' ' | '-' | '_' | '.' | ',' | ':' | '/' | '+' | '(' | ')' | '\'' | '=' | '*' | '!'
            | '?' | '@' | '$' | '^' | '~' | '|' | '%' => c,
            c if c.is_ascii() || c.is_control() => ' ',
            c => c,
        };
        // Runs of spaces read as one; `%%` would start a comment in some positions.
        if (mapped == ' ' && out.ends_with(' ')) || (mapped == '%' && out.ends_with('%')) {
            continue;
        }
        out.push(mapped);
    }
    let trimmed = out.trim();
    let mut result: String = if trimmed.chars().count() > max {
        let mut cut: String = trimmed.chars().take(max.saturating_sub(1)).collect();
        cut = cut.trim_end().to_string();
        cut.push('…');
        cut
    } else {
        trimmed.to_string()
    };
    if result.is_empty() {
        result = "unnamed".to_string();
    }
    result
}

/// File-name stems for `names`, in order: safe on every file system (ASCII letters, digits, `-`,
/// `_`, `.`; no leading dot; at most 60 characters), and unique even where names differ only in
/// case or in characters that had to be replaced. A name with nothing left is `benchmark-N`.
pub fn unique_file_stems<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    names
        .into_iter()
        .enumerate()
        .map(|(index, name)| {
            let base = file_stem(name).unwrap_or_else(|| format!("benchmark-{}", index + 1));
            let mut stem = base.clone();
            let mut n = 2;
            while !taken.insert(stem.to_ascii_lowercase()) {
                stem = format!("{base}-{n}");
                n += 1;
            }
            stem
        })
        .collect()
}

/// A name reduced to `[A-Za-z0-9._-]`, runs of anything else made one `-`; `None` when nothing is
/// left.
fn file_stem(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out
        .trim_matches(|c| c == '-' || c == '.')
        .chars()
        .take(60)
        .collect();
    let trimmed = trimmed.trim_end_matches(['-', '.']).to_string();
    (!trimmed.is_empty()).then_some(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_escapes_html_mentions_references_and_markdown() {
        assert_eq!(markdown_prose("<script>"), "&lt;script&gt;");
        assert_eq!(markdown_prose("@octocat"), "@\u{200D}octocat");
        assert_eq!(markdown_prose("fixes #12"), "fixes #\u{200D}12");
        assert_eq!(markdown_prose("a|b"), "a\\|b");
        assert_eq!(markdown_prose("[x](y)"), "\\[x\\](y)");
        assert_eq!(markdown_prose("a\nb"), "a b");
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code_span("a`b", false), "``a`b``");
        assert_eq!(code_span("`x`", false), "`` `x` ``");
        assert_eq!(code_span("a|b", true), "`a\\|b`");
        assert_eq!(code_span("", false), "` `");
    }

    #[test]
    fn fences_are_longer_than_any_backtick_run() {
        assert_eq!(code_block("echo ```", "sh"), "````sh\necho ```\n````");
    }

    #[test]
    fn labels_lose_what_would_break_a_string() {
        assert_eq!(mermaid_label("a\"]b", 40), "a')b");
        assert_eq!(mermaid_label("<script>", 40), "(script)");
        assert_eq!(mermaid_label("`x`; #quot;", 40), "'x', №quot,");
        assert_eq!(mermaid_label("", 40), "unnamed");
        assert_eq!(mermaid_label("a\nb", 40), "a b");
        assert_eq!(mermaid_label("100%%", 40), "100%");
        assert_eq!(mermaid_label("abcdefgh", 5), "abcd…");
    }

    #[test]
    fn sanitize_keeps_safe_characters_and_replaces_the_rest() {
        assert_eq!(file_stem("train-f64").as_deref(), Some("train-f64"));
        assert_eq!(file_stem("a/b c").as_deref(), Some("a-b-c"));
        assert_eq!(file_stem("../etc/passwd").as_deref(), Some("etc-passwd"));
        assert_eq!(file_stem("训练").as_deref(), None);
        assert_eq!(file_stem("naïve résumé").as_deref(), Some("na-ve-r-sum"));
        assert_eq!(file_stem(&"x".repeat(100)).map(|s| s.len()), Some(60));
    }
}
