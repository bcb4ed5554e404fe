//! The normal form's own YAML writer.
//!
//! serde_norway quotes a string only when its own YAML 1.2 reading would
//! take it for something else, and it cannot be told to quote one value.
//! YAML 1.1 readers (PyYAML, SnakeYAML under swagger-parser and
//! openapi-generator, js-yaml's default schema) resolve more plain scalars:
//! `2025-03-03` is a date, `yes` and `off` are booleans, `1:20` is a
//! sexagesimal number, `0755` is octal. This writer emits the JSON-like
//! value tree (mappings in the order given, sequences, scalars) in the same
//! layout as serde_norway, and writes a string plain only when no reader of
//! either version could read it as anything but that string.
//!
//! Layout: two spaces per level; a sequence under a mapping key is not
//! indented further (`key:` then `- item` at the key's column); empty
//! collections are `{}` and `[]`; multi-line strings are literal blocks
//! (`|`, `|-` or `|+` by their final line breaks) when that round-trips
//! exactly, double-quoted with escapes otherwise; other strings are plain,
//! else single-quoted, else (control characters) double-quoted. Numbers:
//! integers in decimal; floats always with a `.` and, in exponent form, a
//! signed exponent (`1.0e+20`: YAML 1.1 reads `1e20` as a string).

use serde_json::{Map, Value};

/// The document as YAML text (ending with a line break).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0, false),
        other => {
            write_scalar(&mut out, other, 0);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A mapping whose keys start at column `col`; when `inline_first`, the
/// first key goes where the cursor is (after a sequence's `- `).
fn write_map(out: &mut String, map: &Map<String, Value>, col: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            indent(out, col);
        }
        out.push_str(&key_text(key));
        out.push(':');
        write_child(out, value, col, col);
    }
}

/// A sequence whose dashes are at column `col`.
fn write_seq(out: &mut String, items: &[Value], col: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            indent(out, col);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(out, map, col + 2, true),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, col + 2, true),
            scalar => {
                write_scalar(out, scalar, col + 2);
                out.push('\n');
            }
        }
    }
}

/// The value of a mapping key at column `col` (the cursor is after the
/// `:`).
fn write_child(out: &mut String, value: &Value, col: usize, seq_col: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, col + 2, false);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, seq_col, false);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, col + 2);
            out.push('\n');
        }
    }
}

/// A scalar (or an empty collection); a block scalar's lines are indented
/// to `block_col`.
fn write_scalar(out: &mut String, value: &Value, block_col: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => out.push_str(&string_text(s, block_col)),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

/// A number as every reader reads it back: integers in decimal, floats with
/// a `.` and a signed exponent when there is one.
pub fn number_text(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if !f.is_finite() {
        // JSON numbers are finite; kept for completeness.
        return if f.is_nan() {
            ".nan".into()
        } else if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let text = ryu_like(f);
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (&text[..], None),
    };
    let mut mantissa = mantissa.to_string();
    if !mantissa.contains('.') {
        mantissa.push_str(".0");
    }
    match exponent {
        None => mantissa,
        Some(e) if e.starts_with(['-', '+']) => format!("{mantissa}e{e}"),
        Some(e) => format!("{mantissa}e+{e}"),
    }
}

/// The shortest text that reads back as `f` (Rust's `Display` for large and
/// small magnitudes writes every digit; `{:e}` is used there instead).
fn ryu_like(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-5..1e16).contains(&abs) {
        format!("{f:e}")
    } else {
        format!("{f}")
    }
}

fn key_text(key: &str) -> String {
    if key.contains('\n') {
        double_quoted(key)
    } else {
        flow_string(key)
    }
}

fn string_text(s: &str, block_col: usize) -> String {
    if s.contains('\n') {
        match literal_block(s, block_col) {
            Some(block) => block,
            None => double_quoted(s),
        }
    } else {
        flow_string(s)
    }
}

/// A one-line string: plain when safe, else single-quoted, else
/// double-quoted.
fn flow_string(s: &str) -> String {
    if !s.chars().all(printable) {
        double_quoted(s)
    } else if plain_is_safe(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Whether YAML (1.1 and 1.2) prints this character as is.
fn printable(c: char) -> bool {
    matches!(c,
        '\n' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}'
        | '\u{10000}'..='\u{10ffff}')
        && c != '\u{feff}'
}

/// A literal block for a multi-line string, when it reads back exactly:
/// no leading space or break (it would need an indentation indicator), no
/// space before a break or at the end (kept only in quotes by common
/// emitters), printable characters only.
fn literal_block(s: &str, col: usize) -> Option<String> {
    if !s.chars().all(printable)
        || s.starts_with([' ', '\n'])
        || s.ends_with(' ')
        || s.contains(" \n")
        || s.contains('\u{85}')
    {
        return None;
    }
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}\n");
    let lines: Vec<&str> = s.split('\n').collect();
    // With `|` and `|-` the last element is the text after the final
    // break(s); `|+` keeps the empty lines at the end.
    let count = if trailing == 0 {
        lines.len()
    } else {
        lines.len() - 1
    };
    for (i, line) in lines[..count].iter().enumerate() {
        if !line.is_empty() {
            indent(&mut out, col);
            out.push_str(line);
        }
        if i + 1 < count {
            out.push('\n');
        }
    }
    // The caller adds the final line break.
    Some(out)
}

/// A double-quoted string, every character that needs it escaped.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if !printable(c) || c == '\u{feff}' => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02X}"));
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04X}"));
                } else {
                    out.push_str(&format!("\\U{n:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether a one-line string of printable characters may be written plain:
/// the YAML syntax reads it back as a string (no indicator where one would
/// count, no leading or trailing space) and no implicit type of YAML 1.1 or
/// 1.2 resolves it.
pub fn plain_is_safe(s: &str) -> bool {
    syntax_allows_plain(s) && !resolves_to_non_string(s)
}

fn syntax_allows_plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    // An indicator at the start, even where a reader would allow it
    // (`-x`, `?x`, `:x`): some readers do not.
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    // `: ` or a final `:` starts a mapping; ` #` starts a comment.
    !(s.contains(": ") || s.ends_with(':') || s.contains(" #") || s.contains('\t'))
}

/// Whether a YAML 1.1 or 1.2 reader (core or JSON schema, and the 1.1 types
/// as PyYAML, SnakeYAML and js-yaml resolve them, in every letter case)
/// reads this plain scalar as something other than a string.
pub fn resolves_to_non_string(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "" | "~" | "null" | "y" | "yes" | "n" | "no" | "true" | "false" | "on" | "off" | "<<" | "="
    ) || is_number_like(&lower)
        || is_timestamp(s)
}

/// Integers and floats of either version: decimal, `_` separated, binary,
/// octal (`0755`, `0o7`), hex, sexagesimal (`1:20`, `1:20.5`), exponent
/// forms, `.inf` and `.nan`. `s` is lower case.
fn is_number_like(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    if matches!(body, ".inf" | ".nan") {
        return true;
    }
    if let Some(digits) = body
        .strip_prefix("0x")
        .or_else(|| body.strip_prefix("0o"))
        .or_else(|| body.strip_prefix("0b"))
    {
        return !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    // Sexagesimal: digits, then `:` groups of one or two digits, then an
    // optional fraction.
    if body.contains(':') {
        let (head, rest) = body.split_once(':').unwrap_or((body, ""));
        if head.is_empty() || !head.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return false;
        }
        let mut groups: Vec<&str> = rest.split(':').collect();
        let last = groups.pop().unwrap_or("");
        let (last, fraction) = match last.split_once('.') {
            Some((l, f)) => (l, Some(f)),
            None => (last, None),
        };
        groups.push(last);
        return groups
            .iter()
            .all(|g| (1..=2).contains(&g.len()) && g.chars().all(|c| c.is_ascii_digit()))
            && fraction.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit() || c == '_'));
    }
    // Decimal forms: [digits][.digits][e[sign]digits], with `_` anywhere in
    // the digits; at least one digit before the exponent.
    let (mantissa, exponent) = match body.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit() || c == '_');
    let has_digit = int.chars().any(|c| c.is_ascii_digit())
        || frac.is_some_and(|f| f.chars().any(|c| c.is_ascii_digit()));
    let mantissa_ok = has_digit && digits(int) && frac.is_none_or(digits);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// YAML 1.1 timestamps: `2025-03-03`, `2025-3-3T13:28:03.000000Z`,
/// `2001-12-14 21:59:43.10 -5`, …
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let n = b[from..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        (n >= min).then_some(from + n)
    };
    let date = (|| {
        let i = digits(0, 4, 4)?;
        (b.get(i) == Some(&b'-')).then_some(())?;
        let i = digits(i + 1, 1, 2)?;
        (b.get(i) == Some(&b'-')).then_some(())?;
        digits(i + 1, 1, 2)
    })();
    let Some(end) = date else {
        return false;
    };
    if end == b.len() {
        return true;
    }
    // Anything after a date that starts like a time is treated as one: a
    // reader either reads a timestamp or fails, and neither is the string.
    matches!(b[end], b'T' | b't' | b' ' | b'\t')
        && b[end + 1..].iter().any(|c| c.is_ascii_digit())
        && b[end + 1..].contains(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn retyped_strings_are_quoted() {
        for s in [
            "2025-03-03T13:28:03.000000Z",
            "2025-03-03",
            "y",
            "Yes",
            "OFF",
            "~",
            "Null",
            "",
            "1_000",
            "1:20",
            "0755",
            "0o7",
            "0x1F",
            ".inf",
            "-.Inf",
            ".NaN",
            "<<",
            "=",
            "1e3",
            "1.5",
            ".5",
        ] {
            assert!(!plain_is_safe(s), "{s:?} would be written plain");
        }
        for s in [
            "1.0.0",
            "3.0.0",
            "human",
            "identifiers[]",
            "a-b",
            "V011",
            "4XX",
        ] {
            assert!(plain_is_safe(s), "{s:?} is quoted needlessly");
        }
    }

    #[test]
    fn floats_keep_a_dot_and_a_signed_exponent() {
        let text = |v: Value| to_string(&v);
        assert_eq!(text(json!(1e20)), "1.0e+20\n");
        assert_eq!(text(json!(0.5)), "0.5\n");
        assert_eq!(text(json!(159.0)), "159.0\n");
        assert_eq!(text(json!(1.5e-7)), "1.5e-7\n");
        assert_eq!(text(json!(12)), "12\n");
    }

    #[test]
    fn layout_is_serde_norways() {
        let doc = json!({"a": {"b": [1, {"c": "x", "d": []}], "e": {}}, "f": ["g", ["h", "i"]], "t": "2025-03-03"});
        assert_eq!(
            to_string(&doc),
            "a:\n  b:\n  - 1\n  - c: x\n    d: []\n  e: {}\nf:\n- g\n- - h\n  - i\nt: '2025-03-03'\n"
        );
        assert_eq!(
            serde_norway::to_string(
                &json!({"a": {"b": [1, {"c": "x", "d": []}], "e": {}}, "f": ["g", ["h", "i"]]})
            )
            .unwrap(),
            "a:\n  b:\n  - 1\n  - c: x\n    d: []\n  e: {}\nf:\n- g\n- - h\n  - i\n"
        );
    }
}
