//! The YAML document as a tree of nodes, and where each node is in the file.
//!
//! serde_yaml 0.9 keeps no positions in its `Value`, but an error raised while deserializing a
//! node carries the line and column of that node's first event. Two uses of that fact:
//!
//! - While the tree is built, every scalar hands its value to the builder through a side channel
//!   and then fails on purpose; the enclosing collection reads the position off the error and goes
//!   on (serde_yaml has already consumed the scalar's event, so nothing is lost). So every scalar
//!   (every key, every leaf value) knows its position after one parse.
//! - A collection cannot fail and go on, so its position is found when asked for, by parsing again
//!   with a builder that fails at that node (nodes are numbered in document order, the same way
//!   in both passes). Only errors ever ask for a collection's position.
//!
//! Positions follow libyaml: a scalar starts at its first character (the quote of a quoted scalar,
//! the `|` of a block scalar), a block mapping at its first key, a block sequence at its first `-`,
//! a flow collection at its `{` or `[`; an alias at its anchor's node. Lines and columns are
//! 1-based and count characters.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// The number of a node in document order (the root is 0; a mapping's key comes before its value).
pub(crate) type NodeId = usize;

/// A 1-based line and column in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub id: NodeId,
    /// Known for every scalar after parsing; `None` for collections (see [`Locator::position`]).
    pub pos: Option<Position>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order, duplicates kept (they are reported, not silently merged).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What the node is, for "expected …, found …" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Null => "nothing".to_string(),
            Kind::Bool(b) => format!("`{b}`"),
            Kind::Int(i) => format!("the number `{i}`"),
            Kind::Float(x) => format!("the number `{x}`"),
            Kind::Str(s) => format!("the text `{s}`"),
            Kind::Seq(_) => "a list".to_string(),
            Kind::Map(_) => "a mapping".to_string(),
        }
    }

    /// The text of a scalar as a unit parser should see it (`400` for the number 400).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(x) => Some(x.to_string()),
            _ => None,
        }
    }
}

/// A YAML syntax error (or a construct the config does not support), with its position if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub message: String,
    pub position: Option<Position>,
}

/// Parses `source` into a tree of nodes.
pub(crate) fn parse(source: &str) -> Result<Node, SyntaxError> {
    let ctx = Ctx::new(None);
    let result = NodeSeed { ctx: &ctx }.deserialize(serde_yaml::Deserializer::from_str(source));
    match result {
        Ok(node) => Ok(node),
        // A document that is a single scalar: its deliberate error comes all the way out.
        Err(err) => match ctx.pending.take() {
            Some((id, kind)) => Ok(Node {
                id,
                pos: Some(location(&err).unwrap_or(Position { line: 1, column: 1 })),
                kind,
            }),
            None => Err(syntax_error(&err)),
        },
    }
}

fn location(err: &serde_yaml::Error) -> Option<Position> {
    err.location().map(|l| Position {
        line: l.line(),
        column: l.column(),
    })
}

fn syntax_error(err: &serde_yaml::Error) -> SyntaxError {
    let position = location(err);
    let mut message = err.to_string();
    // serde_yaml appends " at line L column C" (sometimes mid-message); the position is reported
    // separately, so drop it. Other marks ("while parsing a block mapping at line 2 column 3")
    // stay: they point somewhere else.
    if let Some(p) = position {
        message = message.replacen(&format!(" at line {} column {}", p.line, p.column), "", 1);
    }
    // Errors raised by a visitor start with the path of the node (`benchmarks[0].run: `).
    if let Some(start) = message.find(TAG_MESSAGE) {
        message = message[start..].to_string();
    }
    SyntaxError { message, position }
}

/// Finds and caches the positions of the collections of one source text (scalars carry theirs).
pub(crate) struct Locator<'a> {
    source: &'a str,
    cache: RefCell<HashMap<NodeId, Option<Position>>>,
}

impl<'a> Locator<'a> {
    pub fn new(source: &'a str) -> Self {
        Locator {
            source,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// Where `node` starts (always known for a document that parsed).
    pub fn position(&self, node: &Node) -> Option<Position> {
        if node.pos.is_some() {
            return node.pos;
        }
        if let Some(&cached) = self.cache.borrow().get(&node.id) {
            return cached;
        }
        let ctx = Ctx::new(Some(node.id));
        let result =
            NodeSeed { ctx: &ctx }.deserialize(serde_yaml::Deserializer::from_str(self.source));
        let position = match result {
            Err(err) if ctx.hit.get() => location(&err),
            _ => None,
        };
        self.cache.borrow_mut().insert(node.id, position);
        position
    }
}

/// The start of the message for a tagged value.
const TAG_MESSAGE: &str = "YAML tags such as";

/// The message of the deliberate error of a scalar; never shown.
const SCALAR_MARKER: &str = "\u{1}memgate-scalar\u{1}";

/// State shared by the visitors of one parse.
struct Ctx {
    next: Cell<NodeId>,
    /// Fail at this node (a collection whose position is wanted).
    stop_at: Option<NodeId>,
    hit: Cell<bool>,
    /// The scalar whose deliberate error is on its way up to its collection.
    pending: RefCell<Option<(NodeId, Kind)>>,
}

impl Ctx {
    fn new(stop_at: Option<NodeId>) -> Self {
        Ctx {
            next: Cell::new(0),
            stop_at,
            hit: Cell::new(false),
            pending: RefCell::new(None),
        }
    }

    /// The id of the node being visited, or the probe's error when it is the one looked for.
    fn take<E: de::Error>(&self) -> Result<NodeId, E> {
        let id = self.next.get();
        self.next.set(id + 1);
        if self.stop_at == Some(id) {
            self.hit.set(true);
            return Err(E::custom("memgate position probe"));
        }
        Ok(id)
    }

    /// Turns the deliberate error of a scalar child back into its node; passes real errors on.
    fn catch<E: de::Error>(&self, result: Result<Node, E>) -> Result<Node, E> {
        let err = match result {
            Ok(node) => return Ok(node),
            Err(err) => err,
        };
        let Some((id, kind)) = self.pending.take() else {
            return Err(err);
        };
        Ok(Node {
            id,
            pos: Some(position_in_message(&err.to_string())),
            kind,
        })
    }
}

/// The position serde_yaml wrote into the message of a scalar's deliberate error.
///
/// The message reads `[path: ]<marker>[ at line L column C]`; the suffix is left out when the mark
/// is at line 1, column 1. (The visitors are generic over the error type, so the message is the
/// only way to the location.)
fn position_in_message(message: &str) -> Position {
    let start = Position { line: 1, column: 1 };
    let Some((_, suffix)) = message.rsplit_once(SCALAR_MARKER) else {
        return start;
    };
    let parse = || {
        let rest = suffix.strip_prefix(" at line ")?;
        let (line, column) = rest.split_once(" column ")?;
        Some(Position {
            line: line.parse().ok()?,
            column: column.parse().ok()?,
        })
    };
    parse().unwrap_or(start)
}

#[derive(Clone, Copy)]
struct NodeSeed<'c> {
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl NodeSeed<'_> {
    /// A scalar: hand the value over and fail, so that serde_yaml stamps the position.
    fn leaf<E: de::Error>(self, kind: Kind) -> Result<Node, E> {
        let id = self.ctx.take()?;
        *self.ctx.pending.borrow_mut() = Some((id, kind));
        Err(E::custom(SCALAR_MARKER))
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.leaf(Kind::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.leaf(Kind::Int(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.leaf(Kind::Int(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        self.leaf(Kind::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        match i128::try_from(v) {
            Ok(v) => self.leaf(Kind::Int(v)),
            Err(_) => self.leaf(Kind::Float(v as f64)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.leaf(Kind::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.leaf(Kind::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        self.leaf(Kind::Str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.leaf(Kind::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.leaf(Kind::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let id = self.ctx.take()?;
        let mut items = Vec::new();
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => break,
                Err(err) => items.push(self.ctx.catch(Err(err))?),
            }
        }
        Ok(Node {
            id,
            pos: None,
            kind: Kind::Seq(items),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let id = self.ctx.take()?;
        let mut entries = Vec::new();
        loop {
            let key = match map.next_key_seed(self) {
                Ok(Some(key)) => key,
                Ok(None) => break,
                Err(err) => self.ctx.catch(Err(err))?,
            };
            let value = self.ctx.catch(map.next_value_seed(self))?;
            entries.push((key, value));
        }
        Ok(Node {
            id,
            pos: None,
            kind: Kind::Map(entries),
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        // serde_yaml hands tagged values (`!tag value`) to `visit_enum`; the config has no use for
        // them. The error is a real one: it ends the parse, at the tagged node.
        let (tag, _variant): (String, _) = data.variant()?;
        Err(de::Error::custom(format_args!(
            "{TAG_MESSAGE} `!{tag}` are not supported in memgate.yml; remove the tag"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: usize, column: usize) -> Option<Position> {
        Some(Position { line, column })
    }

    /// The ids of all nodes in document order with a short label, for position tests.
    fn walk<'n>(node: &'n Node, out: &mut Vec<(&'n Node, String)>) {
        let label = match &node.kind {
            Kind::Seq(_) => "[seq]".to_string(),
            Kind::Map(_) => "{map}".to_string(),
            _ => node.scalar_text().unwrap_or_else(|| node.describe()),
        };
        out.push((node, label));
        match &node.kind {
            Kind::Seq(items) => items.iter().for_each(|n| walk(n, out)),
            Kind::Map(entries) => entries.iter().for_each(|(k, v)| {
                walk(k, out);
                walk(v, out);
            }),
            _ => {}
        }
    }

    fn positions(source: &str) -> Vec<(String, Option<Position>)> {
        let root = parse(source).unwrap();
        let locator = Locator::new(source);
        let mut nodes = Vec::new();
        walk(&root, &mut nodes);
        nodes
            .into_iter()
            .map(|(node, label)| (label, locator.position(node)))
            .collect()
    }

    #[test]
    fn ids_are_in_document_order() {
        let root = parse("a: [1, 2]\nb: {c: d}\n").unwrap();
        let mut nodes = Vec::new();
        walk(&root, &mut nodes);
        let ids: Vec<_> = nodes.iter().map(|(node, _)| node.id).collect();
        assert_eq!(ids, (0..ids.len()).collect::<Vec<_>>());
    }

    #[test]
    fn block_style_positions() {
        let source = "\
version: 1
benchmarks:
  - name: a
    run: \"echo hi\"
    budget:
      peak: 400MiB
";
        let got = positions(source);
        let expected = vec![
            ("{map}", pos(1, 1)),
            ("version", pos(1, 1)),
            ("1", pos(1, 10)),
            ("benchmarks", pos(2, 1)),
            ("[seq]", pos(3, 3)),
            ("{map}", pos(3, 5)),
            ("name", pos(3, 5)),
            ("a", pos(3, 11)),
            ("run", pos(4, 5)),
            ("echo hi", pos(4, 10)),
            ("budget", pos(5, 5)),
            ("{map}", pos(6, 7)),
            ("peak", pos(6, 7)),
            ("400MiB", pos(6, 13)),
        ];
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(l, p)| (l.to_string(), p))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn flow_style_and_block_scalar_positions() {
        let source = "\
env: { A: \"1\", B: two }
tags: [x, 'y']
run: |
  echo one
  echo two
after: 3
";
        let got = positions(source);
        let find = |label: &str| got.iter().find(|(l, _)| l == label).unwrap().1;
        assert_eq!(find("env"), pos(1, 1));
        assert_eq!(find("A"), pos(1, 8));
        assert_eq!(find("1"), pos(1, 11));
        assert_eq!(find("B"), pos(1, 16));
        assert_eq!(find("two"), pos(1, 19));
        assert_eq!(find("x"), pos(2, 8));
        assert_eq!(find("y"), pos(2, 11));
        assert_eq!(find("echo one\necho two\n"), pos(3, 6));
        assert_eq!(find("after"), pos(6, 1));
        assert_eq!(find("3"), pos(6, 8));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let got = positions("name: \"héllo wörld\"\nrun: x\n");
        assert_eq!(got[3], ("run".to_string(), pos(2, 1)));
        let got = positions("a: é\nb: x\n");
        assert_eq!(got[4], ("x".to_string(), pos(2, 4)));
    }

    #[test]
    fn aliases_point_at_their_anchor() {
        let got = positions("a: &x 5MiB\nb: *x\n");
        assert_eq!(got[2], ("5MiB".to_string(), pos(1, 4)));
        assert_eq!(got[4], ("5MiB".to_string(), pos(1, 4)));
    }

    #[test]
    fn scalars_keep_their_types() {
        let root = parse("a: 1\nb: -2\nc: 1.5\nd: true\ne:\nf: '3'\ng: yes\n").unwrap();
        let Kind::Map(entries) = root.kind else {
            panic!("not a map")
        };
        let kinds: Vec<_> = entries.into_iter().map(|(_, v)| v.kind).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Int(1),
                Kind::Int(-2),
                Kind::Float(1.5),
                Kind::Bool(true),
                Kind::Null,
                Kind::Str("3".into()),
                Kind::Str("yes".into()),
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let root = parse("a: 1\na: 2\n").unwrap();
        let Kind::Map(entries) = root.kind else {
            panic!("not a map")
        };
        assert_eq!(entries.len(), 2);
    }

    #[test]
    fn empty_documents_are_null() {
        assert_eq!(parse("").unwrap().kind, Kind::Null);
        assert_eq!(parse("# only a comment\n").unwrap().kind, Kind::Null);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(err.position, pos(2, 4));
        assert!(!err.message.contains("line 2 column 4"), "{}", err.message);
        let err = parse("a: [1, 2\n").unwrap_err();
        assert!(err.position.is_some());
    }

    #[test]
    fn tags_are_rejected_with_a_position() {
        let err = parse("a: 1\nb: !foo 2\n").unwrap_err();
        assert_eq!(err.position, pos(2, 4));
        assert!(err.message.contains("`!foo`"), "{}", err.message);
    }

    #[test]
    fn scalars_know_their_position_after_one_parse() {
        let root = parse("a:\n  b: [x, {y: z}]\n").unwrap();
        let mut nodes = Vec::new();
        walk(&root, &mut nodes);
        for (node, label) in nodes {
            let is_scalar = !matches!(node.kind, Kind::Seq(_) | Kind::Map(_));
            assert_eq!(node.pos.is_some(), is_scalar, "{label}");
        }
    }

    #[test]
    fn a_document_that_is_one_scalar() {
        let node = parse("hello").unwrap();
        assert_eq!(node.kind, Kind::Str("hello".into()));
        assert_eq!(node.pos, pos(1, 1));
        let node = parse("\n\n  42\n").unwrap();
        assert_eq!(node.pos, pos(3, 3));
    }

    #[test]
    fn keys_that_look_like_positions_do_not_confuse() {
        let source =
            "\"x at line 9 column 9\":\n  \"\\x01memgate-scalar\\x01 at line 7 column 7\": 5\n";
        let got = positions(source);
        assert_eq!(got[3].1, pos(2, 3), "{got:?}");
        assert_eq!(got[4].1, pos(2, 48), "{got:?}");
    }

    #[test]
    fn syntax_errors_after_valid_scalars_are_still_errors() {
        let err = parse("a: 1\nb: 2\nc: [\n").unwrap_err();
        assert!(err.position.is_some());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
    }
}
