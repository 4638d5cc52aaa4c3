//! The fuzz targets' helpers: a structure-aware mutator for JSON inputs, a comparison
//! of parsed values that tolerates serde_json's float parsing, and the check that an
//! error message says where the input is bad.
//!
//! The mutator makes half of the mutations itself and leaves the other half to
//! libFuzzer's byte-level ones. Its own parse the input as JSON (each part of an input
//! that holds two documents split by a NUL byte, as the artifact target's does), change
//! one node of the tree — a boundary value, another node spliced in, a field removed,
//! renamed or added, an array element dropped or repeated — and write the tree back,
//! so that most inputs stay valid JSON of nearly the right shape and reach the checks
//! behind the parse, which random bytes seldom pass.

use serde::Serialize;
use serde_json::{Map, Number, Value};

/// A splitmix64 generator seeded by libFuzzer's seed, so that a mutation is repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next() % n == 0
    }
}

/// libFuzzer's custom mutator: mutates `data[..size]` in place (up to `max_size`
/// bytes) and returns the new size.
pub fn mutate(data: &mut [u8], size: usize, max_size: usize, seed: u32) -> usize {
    let mut rng = Rng(u64::from(seed));
    if rng.one_in(2) {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let input = &data[..size];
    let parts: Vec<&[u8]> = match input.iter().position(|&b| b == 0) {
        Some(at) => vec![&input[..at], &input[at + 1..]],
        None => vec![input],
    };
    let first = rng.below(parts.len());
    let parsed = (0..parts.len())
        .map(|offset| (first + offset) % parts.len())
        .find_map(|index| Some((index, serde_json::from_slice::<Value>(parts[index]).ok()?)));
    let Some((index, mut value)) = parsed else {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    };
    let mut keys = Vec::new();
    collect_keys(&value, &mut keys);
    for _ in 0..=rng.below(3) {
        mutate_value(&mut value, &mut rng, &keys);
    }
    let text = if rng.one_in(2) {
        serde_json::to_vec(&value)
    } else {
        serde_json::to_vec_pretty(&value)
    }
    .expect("a Value always serialises");
    let mut out = Vec::with_capacity(size);
    for (at, part) in parts.iter().enumerate() {
        if at > 0 {
            out.push(0);
        }
        out.extend_from_slice(if at == index { &text } else { part });
    }
    if out.len() > max_size {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    data[..out.len()].copy_from_slice(&out);
    out.len()
}

fn collect_keys(value: &Value, keys: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| collect_keys(item, keys)),
        Value::Object(map) => {
            for (key, item) in map {
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
                collect_keys(item, keys);
            }
        }
        _ => {}
    }
}

/// Nodes in the tree, itself included.
fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// The children of a node, in order.
fn children(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => Vec::new(),
    }
}

/// Which child of `value` holds node `index` (counted in pre-order below `value`), and
/// that node's index inside the child.
fn child_holding(value: &Value, mut index: usize) -> (usize, usize) {
    for (child, node) in children(value).into_iter().enumerate() {
        let nodes = count(node);
        if index < nodes {
            return (child, index);
        }
        index -= nodes;
    }
    unreachable!("the index is below the node count")
}

fn nth(value: &Value, index: usize) -> &Value {
    if index == 0 {
        return value;
    }
    let (child, inner) = child_holding(value, index - 1);
    nth(children(value)[child], inner)
}

fn nth_mut(value: &mut Value, index: usize) -> &mut Value {
    if index == 0 {
        return value;
    }
    let (child, inner) = child_holding(value, index - 1);
    let node = match value {
        Value::Array(items) => &mut items[child],
        Value::Object(map) => map.values_mut().nth(child).expect("a child"),
        _ => unreachable!("a scalar has no children"),
    };
    nth_mut(node, inner)
}

fn float(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A value that parsers get wrong: the edges of each JSON type and the schema's words.
fn interesting(rng: &mut Rng) -> Value {
    const WORDS: &[&str] = &[
        "",
        "0",
        "-1",
        "1e3",
        "+4",
        " 12",
        "versus.run/1",
        "versus.run/2",
        "versus.compare/1",
        "versus.pull-request/1",
        "ok",
        "failed",
        "timeout",
        "skipped",
        "mismatch",
        "slower",
        "faster",
        "unchanged",
        "inconclusive",
        "incomparable",
        "time_per_op",
        "rust",
        "go",
        "0123456789abcdef0123456789abcdef01234567",
        "0123456789ABCDEF0123456789ABCDEF01234567",
        "\u{0}",
        "\u{7f}\u{1b}[31m",
        "é∂\u{10ffff}",
        "<script>",
        "../../etc/passwd",
    ];
    match rng.below(20) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::from(0),
        3 => Value::from(1),
        4 => Value::from(-1),
        5 => Value::from(u64::from(u32::MAX) + u64::from(rng.one_in(2))),
        6 => Value::from(u64::MAX - rng.below(2) as u64),
        7 => Value::from(i64::MIN),
        8 => float(0.5),
        9 => float(-0.0),
        10 => float(1e308),
        11 => float(f64::from_bits(1)),
        12 => float(f64::MIN_POSITIVE),
        13 => float(-1.5),
        14 => Value::Array(Vec::new()),
        15 => Value::Object(Map::new()),
        16 => Value::from("x".repeat(rng.below(300))),
        _ => Value::from(WORDS[rng.below(WORDS.len())]),
    }
}

/// A nearby value of the same type.
fn tweak(value: &mut Value, rng: &mut Rng) {
    match value {
        Value::Null => *value = Value::from(0),
        Value::Bool(b) => *b = !*b,
        Value::Number(n) => {
            *value = if let Some(i) = n.as_i64() {
                match rng.below(6) {
                    0 => Value::from(i.wrapping_add(1)),
                    1 => Value::from(i.wrapping_sub(1)),
                    2 => Value::from(i.wrapping_neg()),
                    3 => Value::from(i.wrapping_mul(1000)),
                    4 => float(i as f64 + 0.5),
                    _ => Value::from(i.to_string()),
                }
            } else if let Some(u) = n.as_u64() {
                Value::from(u.wrapping_add(1))
            } else {
                let x = n.as_f64().unwrap_or(0.0);
                match rng.below(5) {
                    0 => float(-x),
                    1 => float(x * 1e10),
                    2 => float(f64::from_bits(x.to_bits().wrapping_add(1))),
                    3 => float(x.trunc()),
                    _ => Value::from(x.to_string()),
                }
            };
        }
        Value::String(s) => match rng.below(5) {
            0 => s.push(['x', '\n', '"', '\\', '\u{2028}', 'é'][rng.below(6)]),
            1 => {
                let keep = rng.below(s.chars().count() + 1);
                *s = s.chars().take(keep).collect();
            }
            2 => *s = s.to_uppercase(),
            3 if s.len() < 4096 => *s = s.repeat(2),
            _ => *value = s.parse::<f64>().map_or(Value::Null, float),
        },
        Value::Array(items) => items.reverse(),
        Value::Object(map) => map.clear(),
    }
}

/// A change to an object's fields or an array's elements.
fn reshape(value: &mut Value, rng: &mut Rng, keys: &[String], donor: Value) {
    match value {
        Value::Object(map) if !map.is_empty() && rng.one_in(2) => {
            let key = map
                .keys()
                .nth(rng.below(map.len()))
                .cloned()
                .expect("a key");
            let removed = map.remove(&key).expect("the key");
            if rng.one_in(2) {
                // Renamed: to another field's name, or a near miss of its own.
                let name = if rng.one_in(2) && !keys.is_empty() {
                    keys[rng.below(keys.len())].clone()
                } else {
                    format!("{key}_")
                };
                map.insert(name, removed);
            }
        }
        Value::Object(map) => {
            let name = if keys.is_empty() {
                "x".to_string()
            } else {
                keys[rng.below(keys.len())].clone()
            };
            map.insert(name, donor);
        }
        Value::Array(items) if !items.is_empty() => {
            let at = rng.below(items.len());
            match rng.below(4) {
                0 => {
                    items.remove(at);
                }
                1 => {
                    let copy = items[at].clone();
                    items.insert(at, copy);
                }
                2 => items.truncate(at),
                _ => items.insert(at, donor),
            }
        }
        Value::Array(items) => items.push(donor),
        scalar => *scalar = donor,
    }
}

fn mutate_value(root: &mut Value, rng: &mut Rng, keys: &[String]) {
    let nodes = count(root);
    let donor = nth(root, rng.below(nodes)).clone();
    let target = nth_mut(root, rng.below(nodes));
    match rng.below(5) {
        0 => *target = interesting(rng),
        1 => *target = donor,
        2 => tweak(target, rng),
        3 => reshape(target, rng, keys, donor),
        _ => {
            // Wrapped, or unwrapped: a value where an array or object was expected.
            let inner = std::mem::take(target);
            *target = match inner {
                Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
                other if rng.one_in(2) => Value::Array(vec![other]),
                other => Value::Object(Map::from_iter([("value".to_string(), other)])),
            };
        }
    }
}

/// Panics, naming the first place where they differ, unless `first` and `second`
/// serialise to the same JSON, but for floats a few units in the last place apart:
/// serde_json, without its `float_roundtrip` feature (xtask does not enable it),
/// may parse the shortest text of a float to a neighbour of it.
pub fn assert_same<T: Serialize + std::fmt::Debug>(what: &str, first: &T, second: &T) {
    let a = serde_json::to_value(first).expect("a parsed value serialises");
    let b = serde_json::to_value(second).expect("a parsed value serialises");
    if let Err(at) = same(&a, &b, "") {
        panic!(
            "{what}: parsed again, the value differs at `{at}`:\n{}\nthen\n{}",
            serde_json::to_string(&a).unwrap_or_default(),
            serde_json::to_string(&b).unwrap_or_default()
        );
    }
}

fn same(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let equal = if x.is_f64() || y.is_f64() {
                let (x, y) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                x == y || (x.signum() == y.signum() && x.to_bits().abs_diff(y.to_bits()) <= 4)
            } else {
                x == y
            };
            if equal {
                Ok(())
            } else {
                Err(at.to_string())
            }
        }
        (Value::Array(xs), Value::Array(ys)) if xs.len() == ys.len() => xs
            .iter()
            .zip(ys)
            .enumerate()
            .try_for_each(|(i, (x, y))| same(x, y, &format!("{at}[{i}]"))),
        (Value::Object(xs), Value::Object(ys))
            if xs.len() == ys.len() && xs.keys().eq(ys.keys()) =>
        {
            xs.iter()
                .zip(ys.values())
                .try_for_each(|((key, x), y)| same(x, y, &format!("{at}.{key}")))
        }
        _ if a == b => Ok(()),
        _ => Err(at.to_string()),
    }
}

/// Whether `message` gives a position in the text: serde_json's "line L column C".
pub fn has_line_and_column(message: &str) -> bool {
    message.match_indices("line ").any(|(at, word)| {
        let rest = &message[at + word.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0
            && rest[digits..]
                .strip_prefix(" column ")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    })
}
