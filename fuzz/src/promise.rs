//! What every renderer promises for any results file the reader accepts, checked by reading its
//! output back as its consumer would: the Markdown as GitHub Flavored Markdown (comrak), the HTML
//! page with a WHATWG tokenizer (html5gum), the JUnit XML with an XML parser (roxmltree). Each
//! check panics with what was broken, which the fuzzer reports as a crash.

use comrak::nodes::{AstNode, NodeValue};
use comrak::{Arena, Options, parse_document};
use html5gum::{Token, Tokenizer};
use memgate::github::comment::{self, MAX_BODY_CHARS};
use memgate::report::escape::{code_block, shorten, shorten_block};
use memgate::report::{html, junit, markdown, terminal};
use memgate::results::Results;

/// Every renderer, and its promises.
pub fn every_renderer(results: &Results) {
    markdown_report(results);
    comment_body(results);
    html_page(results);
    junit_xml(results);
    let _ = terminal::render(results, true);
    let _ = terminal::render(results, false);
}

/// The job summary: at most its limit, and safe as GitHub reads it.
pub fn markdown_report(results: &Results) {
    let text = markdown::render(results);
    assert_at_most(&text, markdown::MAX_CHARS, "the Markdown report");
    markdown_is_safe(&text, results);
}

/// The pull-request comment: under GitHub's limit, memgate's marker on its first line, safe.
pub fn comment_body(results: &Results) {
    let report = markdown::render_with_limit(results, MAX_BODY_CHARS);
    assert_at_most(
        &report,
        MAX_BODY_CHARS,
        "the Markdown report cut for a comment",
    );
    let body = comment::body(results, MAX_BODY_CHARS);
    assert_at_most(&body, MAX_BODY_CHARS, "the comment's body");
    assert!(
        body.starts_with(&format!("{}\n", comment::MARKER)),
        "the comment's body does not start with the marker line"
    );
    markdown_is_safe(&body, results);
}

fn assert_at_most(text: &str, max: usize, what: &str) {
    let chars = text.chars().count();
    assert!(chars <= max, "{what} has {chars} characters, over {max}");
}

/// HTML that memgate writes itself into Markdown (no attributes); anything else came from a file.
const MARKDOWN_TAGS: &[&str] = &["details", "summary", "code", "sub"];

/// No HTML, image, link, code block or table cell that user text made; no live mention.
fn markdown_is_safe(text: &str, results: &Results) {
    let arena = Arena::new();
    let root = parse_document(&arena, text, &gfm());
    let commands = rendered_commands(results);
    let names: Vec<String> = results
        .benchmarks
        .iter()
        .map(|b| comparable_name(&shorten(&b.name, 80)))
        .collect();
    for node in root.descendants() {
        match &node.data().value {
            NodeValue::HtmlBlock(block) => html_fragment_is_safe(&block.literal),
            NodeValue::HtmlInline(html) => html_fragment_is_safe(html),
            NodeValue::Image(link) => panic!("an image in the Markdown: {:?}", link.url),
            NodeValue::Link(link) => {
                // An autolink (text = address) is issue 12's to neutralise; a `[text](url)` link
                // never comes from memgate.
                let shown = plain_text(node);
                let url = link.url.as_str();
                assert!(
                    url == shown || url.ends_with(&shown) || url == format!("mailto:{shown}"),
                    "a Markdown link {url:?} shown as {shown:?}"
                );
            }
            NodeValue::Text(text) => no_live_mention(text),
            NodeValue::CodeBlock(block) => assert!(
                (block.info == "sh" && commands.contains(&block.literal))
                    || block.info == "mermaid",
                "a code block that is no benchmark's command: ```{} {:?}",
                block.info,
                block.literal
            ),
            NodeValue::Table(_) => table_names_intact(node, &names),
            _ => {}
        }
    }
}

/// comrak with GitHub's extensions (those that change what is a link, an HTML tag or a table).
fn gfm() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options
}

/// Each command's code block as it parses alone: what it must parse to inside the report.
fn rendered_commands(results: &Results) -> Vec<String> {
    results
        .benchmarks
        .iter()
        .filter_map(|b| {
            let alone = code_block(&shorten_block(&b.command, 2000), "sh");
            let arena = Arena::new();
            let root = parse_document(&arena, &alone, &gfm());
            root.descendants().find_map(|n| match &n.data().value {
                NodeValue::CodeBlock(block) => Some(block.literal.clone()),
                _ => None,
            })
        })
        .collect()
}

fn plain_text<'a>(node: &'a AstNode<'a>) -> String {
    node.descendants()
        .filter_map(|n| match &n.data().value {
            NodeValue::Text(text) => Some(text.to_string()),
            NodeValue::Code(code) => Some(code.literal.clone()),
            _ => None,
        })
        .collect()
}

/// `@name` and `#123` reach people and issues; memgate puts a zero-width joiner after them.
fn no_live_mention(text: &str) {
    let chars: Vec<char> = text.chars().collect();
    for pair in chars.windows(2) {
        let live = match pair {
            ['@', next] => next.is_alphanumeric(),
            ['#', next] => next.is_ascii_digit(),
            _ => false,
        };
        assert!(
            !live,
            "a live mention or reference in the Markdown: {text:?}"
        );
    }
}

/// The HTML memgate writes into Markdown: its own tags without attributes, its own comments.
fn html_fragment_is_safe(fragment: &str) {
    for token in Tokenizer::new(fragment).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_string();
                assert!(
                    MARKDOWN_TAGS.contains(&name.as_str()) && tag.attributes.is_empty(),
                    "HTML from a file in the Markdown: <{name} {:?}> in {fragment:?}",
                    tag.attributes.keys().collect::<Vec<_>>()
                );
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_string();
                assert!(
                    MARKDOWN_TAGS.contains(&name.as_str()),
                    "HTML from a file in the Markdown: </{name}> in {fragment:?}"
                );
            }
            Token::Comment(comment) => {
                let comment = String::from_utf8_lossy(&comment.value);
                assert!(
                    comment.starts_with(" memgate:report")
                        || comment.starts_with(" memgate:verdict"),
                    "an HTML comment from a file in the Markdown: {comment:?}"
                );
            }
            Token::String(text) => no_live_mention(&String::from_utf8_lossy(&text.value)),
            Token::Doctype(_) => panic!("a doctype in the Markdown: {fragment:?}"),
            Token::Error(_) => {}
        }
    }
}

/// In the benchmarks table, each row's second cell is exactly one code span holding a benchmark's
/// name: a `|` or backtick in a name did not split the row or end the span.
fn table_names_intact<'a>(table: &'a AstNode<'a>, names: &[String]) {
    let mut rows = table.children();
    let Some(header) = rows.next() else { return };
    if cell_text(header, 1).as_deref() != Some("benchmark") {
        return; // a table of runs: numbers only
    }
    for row in rows {
        let Some(cell) = row.children().nth(1) else {
            panic!("a table row without a name cell")
        };
        let parts: Vec<NodeValue> = cell.children().map(|n| n.data().value.clone()).collect();
        match parts.as_slice() {
            [NodeValue::Code(code)] => assert!(
                names.contains(&comparable_name(&code.literal)),
                "the name cell {:?} is no benchmark's name ({names:?})",
                code.literal
            ),
            // "*N more not shown*", the row that says rows were cut.
            [NodeValue::Emph] => assert!(plain_text(cell).ends_with(" more not shown")),
            other => panic!("a name cell that is not one code span: {other:?}"),
        }
    }
}

/// A name as the table cell must show it, up to what the Markdown parser here does differently
/// from GitHub's: control characters are shown as spaces, and backslashes are left out of the
/// comparison. comrak keeps the backslash of `\\|` (a name's `\` before an escaped `|`) where
/// cmark-gfm, which GitHub runs, unescapes the pipe and keeps one backslash, as memgate intends.
/// Found by this fuzzer on a name `…|\|…`; what the promise is about, `|` and backticks neither
/// splitting the row nor ending the span, is still checked whole.
fn comparable_name(name: &str) -> String {
    let shown: String = name
        .chars()
        .filter(|&c| c != '\\')
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    shown.trim().to_string()
}

fn cell_text<'a>(row: &'a AstNode<'a>, index: usize) -> Option<String> {
    row.children().nth(index).map(plain_text)
}

/// The elements of memgate's page and of the SVG charts plotters draws into it.
const PAGE_TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "thead", "tbody",
    "tr", "th", "td", "a", "code", "details", "summary", "ul", "li", "pre", "footer", "svg", "g",
    "rect", "line", "polyline", "polygon", "path", "circle", "text", "tspan",
];

/// The page: only memgate's elements, no event handler, links only within the page.
pub fn html_page(results: &Results) {
    let page = html::render(results);
    let mut emitter = html5gum::DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut doctypes = 0;
    for token in Tokenizer::new_with_emitter(page.as_str(), emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_string();
                assert!(
                    PAGE_TAGS.contains(&name.as_str()),
                    "an element memgate does not write in the page: <{name}>"
                );
                for (key, value) in &tag.attributes {
                    let key = String::from_utf8_lossy(key).to_ascii_lowercase();
                    let value = String::from_utf8_lossy(&value.value).to_string();
                    assert!(
                        !key.starts_with("on"),
                        "an event handler in the page: {key}"
                    );
                    if key.ends_with("href") {
                        assert!(value.starts_with('#'), "a link out of the page: {value:?}");
                    }
                }
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_string();
                assert!(
                    PAGE_TAGS.contains(&name.as_str()),
                    "an element memgate does not write in the page: </{name}>"
                );
            }
            Token::Doctype(_) => doctypes += 1,
            Token::Comment(comment) => panic!(
                "a comment in the page: {:?}",
                String::from_utf8_lossy(&comment.value)
            ),
            Token::String(_) | Token::Error(_) => {}
        }
    }
    assert_eq!(doctypes, 1, "the page has {doctypes} doctypes");
}

/// The JUnit XML parses, with one test case per benchmark, named as the benchmark is.
pub fn junit_xml(results: &Results) {
    let xml = junit::render(results);
    let doc = roxmltree::Document::parse(&xml)
        .unwrap_or_else(|err| panic!("the JUnit XML does not parse: {err}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        cases.len(),
        results.benchmarks.len(),
        "test cases in the JUnit XML"
    );
}
