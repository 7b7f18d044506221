//! Where GitHub would turn untrusted text in a comment or job summary into a mention, a
//! cross-reference or a link, and so notify someone or leave a backlink on another issue or pull
//! request ("… mentioned this"). A zero-width joiner (U+200D) at one point of each such pattern
//! breaks it: the text reads and copies the same, and no pattern matches any more.
//!
//! The patterns (GitHub's autolinks, <https://github.github.com/gfm/#autolinks-extension->, and
//! its references, <https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/autolinked-references-and-urls>):
//!
//! | text | joiner |
//! | --- | --- |
//! | `@name`, `a@b.c`, `owner/repo@sha` | after `@` |
//! | `#123`, `owner/repo#123` | after `#` |
//! | `GH-123` (any case) | after `-` |
//! | `http://`, `https://`, any `scheme://` (issue URLs too) | after `:` |
//! | `www.` (any case) | before `.` |
//! | 7 to 40 hex digits (a commit SHA) | after every 6th digit of a run of 7 or more |
//!
//! A commit SHA is split into pieces of at most 6 digits, shorter than GitHub's shortest (7),
//! whether GitHub reads the joiner as part of a word or as a boundary. Other long runs of hex
//! digits (a number, `deadbeefcafe`) get the same invisible joiners.
//!
//! memgate's own links are not written through this: only user text is.

/// The zero-width joiner.
pub const JOINER: char = '\u{200D}';

/// A run of hex digits shorter than this is no SHA to GitHub.
const SHA_MIN: usize = 7;

/// A joiner goes after each this many digits of a longer run.
const HEX_PIECE: usize = SHA_MIN - 1;

/// Decides, character by character in one pass, where a joiner goes.
#[derive(Debug, Default)]
pub struct Defuser {
    /// Where the current run of hex digits started, when it is long enough to be a SHA.
    sha_start: Option<usize>,
}

impl Defuser {
    /// Whether a joiner goes before `c`, the character at byte `at` of `text`. Called for every
    /// character in order.
    pub fn joiner_before(&mut self, text: &str, at: usize, c: char) -> bool {
        let before = &text[..at];
        let prev = before.chars().next_back();
        let after_sha_piece = self.hex(text, at, c, prev);
        let ends_with = |tail: &str| {
            before.len() >= tail.len()
                && before.as_bytes()[before.len() - tail.len()..]
                    .eq_ignore_ascii_case(tail.as_bytes())
        };
        after_sha_piece
            || prev == Some('@')
            || (prev == Some('#') && c.is_ascii_digit())
            || (prev == Some(':') && text[at..].starts_with("//"))
            || (c == '.' && ends_with("www"))
            || (c.is_ascii_digit() && ends_with("gh-"))
    }

    /// Tracks runs of hex digits; true where a piece of a long run ends before `c`.
    fn hex(&mut self, text: &str, at: usize, c: char, prev: Option<char>) -> bool {
        if !c.is_ascii_hexdigit() {
            self.sha_start = None;
            return false;
        }
        if !prev.is_some_and(|p| p.is_ascii_hexdigit()) {
            // A new run: long enough to be a SHA?
            let run = text[at..].bytes().take_while(u8::is_ascii_hexdigit).count();
            self.sha_start = (run >= SHA_MIN).then_some(at);
            return false;
        }
        // Hex digits are ASCII: bytes and characters agree.
        self.sha_start
            .is_some_and(|start| (at - start) % HEX_PIECE == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{comment_html, markdown_prose};

    /// `text` with a joiner shown as `+` (a character none of the cases uses).
    fn shown(escape: fn(&str) -> String, text: &str) -> String {
        escape(text).replace('\u{200D}', "+")
    }

    #[test]
    fn every_kind_of_reference_and_link_is_broken() {
        let cases = [
            ("@octocat", "@+octocat"),
            ("mail a@b.io", "mail a@+b.io"),
            ("fixes #12", "fixes #+12"),
            ("owner/repo#678", "owner/repo#+678"),
            ("GH-123 and gh-4", "GH-+123 and gh-+4"),
            ("http://x.io/a", "http:+//x.io/a"),
            (
                "HTTPS://github.com/o/r/issues/1",
                "HTTPS:+//github.com/o/r/issues/1",
            ),
            ("ftp://x", "ftp:+//x"),
            ("see www.x.io", "see www+.x.io"),
            ("WWW.X.IO", "WWW+.X.IO"),
            ("abc1234", "abc123+4"),
            (
                "9c834f6ff5f47e8d89308e258c76f5dd3b47240d",
                "9c834f+6ff5f4+7e8d89+308e25+8c76f5+dd3b47+240d",
            ),
            ("owner/repo@9c834f6", "owner/repo@+9c834f+6"),
        ];
        for (text, expected) in cases {
            assert_eq!(shown(markdown_prose, text), expected, "prose: {text}");
            assert_eq!(shown(comment_html, text), expected, "html: {text}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "peak 812.0 MiB exceeds budget 600.0 MiB",
            "#not-a-number, a # b, GH-x, gh- 1, http: //x, ww.x, www",
            "abc123 cafe 2024-11-27T10:00:00Z",
            "@",
        ] {
            assert!(!comment_html(text).contains('\u{200D}'), "{text}");
        }
    }

    #[test]
    fn markdown_escapes_still_apply_around_the_joiners() {
        assert_eq!(
            shown(markdown_prose, "<a href=https://x.io/a_b>"),
            "&lt;a href=https:+//x.io/a\\_b&gt;"
        );
        assert_eq!(shown(comment_html, "'@x'"), "&#39;@+x&#39;");
        // A joiner already in the text does not hide a SHA's 7 digits from the rule.
        assert_eq!(shown(markdown_prose, "9c834f6\u{200D}ff"), "9c834f+6+ff");
    }
}
