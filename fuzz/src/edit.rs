//! Results files a hostile fork could upload, made by editing a valid one: the fuzzer's bytes pick
//! a seed file and steer a few edits of its JSON tree (a string made hostile or huge, a number made
//! extreme, a list grown or cut, a field dropped or copied from elsewhere). Random bytes alone
//! almost never make a file the reader accepts, so the renderers would see nothing deep; edits of
//! the tree keep the file's shape, and need no copy of memgate's types here (they adapt as the
//! types change).

use arbitrary::{Result, Unstructured};
use serde_json::{Number, Value};

/// The files the edits start from: the results target's seed corpus.
const SEEDS: &[&str] = &[
    include_str!("../corpus/results/all_pass.json"),
    include_str!("../corpus/results/base_missing.json"),
    include_str!("../corpus/results/error.json"),
    include_str!("../corpus/results/hostile.json"),
    include_str!("../corpus/results/warn.json"),
    include_str!("../corpus/results/with_base.json"),
];

/// Text that tries to break out of each output format, or to reach someone.
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "</code></summary></details><img src=x onerror=alert(1)>",
    "<!-- memgate:report -->",
    "-->",
    "@octocat",
    "#123",
    "GH-1",
    "https://example.com/x",
    "www.example.com",
    "a|b",
    "`",
    "```",
    "~~~",
    "\\",
    "]]>",
    "&amp;",
    "&#0;",
    "\n",
    "\r\n",
    "\n\n| x | y |\n| --- | --- |\n",
    "\n::warning::owned\n",
    "\u{1b}]8;;https://x\u{7}link\u{1b}]8;;\u{7}",
    "\u{1b}[2J",
    "\u{202e}evil",
    "\u{0}",
    "\u{feff}",
    "%%{init: {}}%%",
    "\"]; click A \"javascript:alert(1)\"",
    "训练 🚀",
    "",
    " ",
];

/// Numbers at the edges of what JSON, u64, i64 and f64 hold.
const EDGE_NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    1e-300,
    5e-324,
    1e15,
    1e18,
    1.8446744073709552e19,
    1e300,
    f64::MAX,
    -f64::MAX,
    9007199254740993.0,
];

/// The most an edited file grows to: far over what one comment holds (a few hundred benchmarks),
/// small enough for thousands of inputs a minute.
const MAX_BYTES: usize = 1 << 20;

/// A results file: a seed with a few edits, as JSON bytes.
pub fn edited_results(u: &mut Unstructured) -> Result<Vec<u8>> {
    let seed = u.choose(SEEDS)?;
    let mut value: Value = serde_json::from_str(seed).expect("the seeds are JSON");
    // An upper bound of the file's size: what edits add is counted, what they remove is not.
    let mut size = seed.len();
    let edits = u.int_in_range(1..=12)?;
    for _ in 0..edits {
        if u.is_empty() {
            break;
        }
        edit_one(&mut value, &mut size, u)?;
    }
    Ok(serde_json::to_vec(&value).expect("a JSON value serializes"))
}

fn json_len(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(0, |bytes| bytes.len())
}

/// One edit of one node, chosen among the nodes of one kind (so that the few strings are not
/// drowned among the many numbers of the timelines).
fn edit_one(root: &mut Value, size: &mut usize, u: &mut Unstructured) -> Result<()> {
    let kind = u.choose_index(5)?;
    let mut paths = Vec::new();
    collect(root, &mut Vec::new(), kind, &mut paths);
    if paths.is_empty() {
        return Ok(());
    }
    let path = u.choose(&paths)?.clone();
    // A copy of another node, to graft into an object.
    let donor = if kind == 3 {
        let donor = any_node(root, u)?;
        let len = json_len(&donor);
        if *size + len <= MAX_BYTES {
            *size += len;
            donor
        } else {
            Value::Null
        }
    } else {
        Value::Null
    };
    match node_at(root, &path) {
        Value::String(text) => {
            *text = new_string(text, MAX_BYTES.saturating_sub(*size), u)?;
            *size += text.len();
        }
        Value::Number(number) => *number = new_number(u)?,
        Value::Array(items) => edit_array(items, size, u)?,
        Value::Object(fields) => {
            let keys: Vec<String> = fields.keys().cloned().collect();
            if keys.is_empty() {
                return Ok(());
            }
            let key = u.choose(&keys)?.clone();
            match u.choose_index(3)? {
                0 => drop(fields.remove(&key)),
                1 => drop(fields.insert(key, Value::Null)),
                _ => drop(fields.insert(key, donor)),
            }
        }
        Value::Bool(flag) => *flag = !*flag,
        node @ Value::Null => *node = Value::Number(new_number(u)?),
    }
    Ok(())
}

/// Paths (keys and indexes) of the nodes of `kind`: 0 strings, 1 numbers, 2 lists, 3 objects,
/// 4 `true`, `false` and `null`.
fn collect(node: &Value, path: &mut Vec<Step>, kind: usize, out: &mut Vec<Vec<Step>>) {
    let matches = matches!(
        (kind, node),
        (0, Value::String(_))
            | (1, Value::Number(_))
            | (2, Value::Array(_))
            | (3, Value::Object(_))
            | (4, Value::Bool(_) | Value::Null)
    );
    if matches {
        out.push(path.clone());
    }
    match node {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                collect(item, path, kind, out);
                path.pop();
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                path.push(Step::Key(key.clone()));
                collect(item, path, kind, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn node_at<'v>(root: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(root, |node, step| match step {
        Step::Key(key) => &mut node[key.as_str()],
        Step::Index(i) => &mut node[*i],
    })
}

/// A copy of some node of the document (of any kind), for grafting elsewhere.
fn any_node(root: &Value, u: &mut Unstructured) -> Result<Value> {
    let mut paths = Vec::new();
    collect(root, &mut Vec::new(), u.choose_index(5)?, &mut paths);
    if paths.is_empty() {
        return Ok(Value::Null);
    }
    let path = u.choose(&paths)?;
    let node = path.iter().fold(root, |node, step| match step {
        Step::Key(key) => &node[key.as_str()],
        Step::Index(i) => &node[*i],
    });
    Ok(node.clone())
}

/// A new text for a string that was `old`, at most about `room` bytes longer.
fn new_string(old: &str, room: usize, u: &mut Unstructured) -> Result<String> {
    Ok(match u.choose_index(5)? {
        0 => u.arbitrary::<String>()?,
        1 => (*u.choose(HOSTILE)?).to_string(),
        2 => format!("{old}{}", u.choose(HOSTILE)?),
        // Long text: the size limits of the comment and of every cell.
        3 => {
            let unit = if old.is_empty() { "x" } else { old };
            unit.repeat(u.int_in_range(2..=4000usize)?.min(room / unit.len()))
        }
        _ => format!("{}{old}", u.choose(HOSTILE)?),
    })
}

fn new_number(u: &mut Unstructured) -> Result<Number> {
    Ok(match u.choose_index(5)? {
        0 => Number::from(u.arbitrary::<u64>()?),
        1 => Number::from(u.arbitrary::<i64>()?),
        2 => Number::from(*u.choose(&[0u64, 1, u64::MAX, i64::MAX as u64, 1 << 53])?),
        3 => Number::from(*u.choose(&[-1i64, i64::MIN])?),
        _ => {
            let x = if u.arbitrary()? {
                *u.choose(EDGE_NUMBERS)?
            } else {
                u.arbitrary::<f64>()?
            };
            Number::from_f64(x).unwrap_or_else(|| Number::from(0))
        }
    })
}

/// A list grown (an item repeated: many benchmarks, long timelines), cut, emptied or reordered.
fn edit_array(items: &mut Vec<Value>, size: &mut usize, u: &mut Unstructured) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let i = u.choose_index(items.len())?;
    match u.choose_index(4)? {
        0 => {
            let item = items[i].clone();
            let item_len = json_len(&item) + 1;
            let room = MAX_BYTES.saturating_sub(*size) / item_len;
            let copies = u.int_in_range(1..=600usize)?.min(room);
            *size += copies * item_len;
            items.extend(std::iter::repeat_n(item, copies));
        }
        1 => drop(items.remove(i)),
        2 => items.clear(),
        _ => {
            let j = u.choose_index(items.len())?;
            items.swap(i, j);
        }
    }
    Ok(())
}
