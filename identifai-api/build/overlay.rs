//! Applies an OpenAPI Overlay 1.0 document to a spec held as JSON.
//!
//! Shared by the build script (which applies it and warns) and `cargo xtask
//! check` (which fails) when an action looks out of date:
//!
//! - it matches nothing (the vendor moved or removed what it corrects);
//! - its `update` sets what the node already has (the vendor fixed it);
//! - its `update` replaces a value the vendor supplies (an operationId the
//!   vendor now publishes), unless the action's `x-expect` says what it
//!   expects the vendor to have there;
//! - its `x-expect` no longer holds. `x-expect` is a condition on each
//!   selected node before the action applies: `lacks: [key, …]` (none of
//!   these keys), `has: {key: value, …}` (at least these; objects compared
//!   as subsets) and `is: value` (exactly this).

use serde_json::{Map, Value};
use serde_json_path::JsonPath;

/// What one overlay action did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Position of the action in the overlay, from 0.
    pub index: usize,
    /// The action's JSONPath target.
    pub target: String,
    /// The action's description: our reason for the correction.
    pub description: String,
    /// The JSON pointers of the nodes the target selected.
    pub locations: Vec<String>,
    /// What the action found that says it may be out of date, one sentence
    /// each: an `x-expect` that fails, content the node already has, a
    /// vendor's value replaced.
    pub stale: Vec<String>,
}

impl Applied {
    /// Why the action may be out of date; empty when it applies as meant.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.locations.is_empty() {
            problems.push(
                "matches nothing: the vendor may have fixed or moved what it corrects".to_string(),
            );
        }
        problems.extend(self.stale.iter().cloned());
        problems
    }
}

/// Applies every action of `overlay` to `doc`, in order.
///
/// `update` merges objects recursively (a key in the update replaces a
/// scalar or array of the target, and merges into an object), and appends to
/// an array target; `remove: true` deletes the selected nodes.
pub fn apply(doc: &mut Value, overlay: &Value) -> Result<Vec<Applied>, String> {
    let version = overlay.get("overlay").and_then(Value::as_str);
    if !version.is_some_and(|v| v.starts_with("1.")) {
        return Err(format!(
            "the overlay must declare `overlay: 1.x`, found {:?}",
            overlay.get("overlay")
        ));
    }
    let actions = overlay
        .get("actions")
        .and_then(Value::as_array)
        .ok_or("the overlay has no `actions` list")?;
    actions
        .iter()
        .enumerate()
        .map(|(index, action)| apply_action(doc, index, action))
        .collect()
}

fn apply_action(doc: &mut Value, index: usize, action: &Value) -> Result<Applied, String> {
    let target = action
        .get("target")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("overlay action {index} has no `target`"))?;
    let description = action
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let path = JsonPath::parse(target)
        .map_err(|e| format!("overlay action {index}: `{target}` is not valid JSONPath: {e}"))?;
    let remove = action
        .get("remove")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let update = action.get("update");
    if remove == update.is_some() {
        return Err(format!(
            "overlay action {index} (`{target}`) must have exactly one of `update` or `remove: true`"
        ));
    }
    let expect = Expect::parse(action.get("x-expect"))
        .map_err(|e| format!("overlay action {index} (`{target}`): `x-expect` {e}"))?;

    let pointers: Vec<String> = path
        .query_located(doc)
        .locations()
        .map(|location| location.to_json_pointer())
        .collect();

    let mut stale = Vec::new();
    for pointer in &pointers {
        let Some(node) = doc.pointer(pointer) else {
            continue;
        };
        let at = readable(doc, pointer);
        if let Some(expect) = &expect
            && let Some(failure) = expect.failure(node)
        {
            stale.push(format!("at {at}, {failure}"));
            continue;
        }
        if let Some(update) = update {
            review(node, update, "", expect.as_ref(), &at, &mut stale);
        }
    }

    // Later nodes first, so that removing an array element does not shift
    // the position of another selected element of the same array.
    for pointer in pointers.iter().rev() {
        if remove {
            remove_at(doc, pointer);
        } else if let (Some(node), Some(update)) = (doc.pointer_mut(pointer), update) {
            merge(node, update);
        }
    }

    Ok(Applied {
        index,
        target: target.to_string(),
        description,
        locations: pointers,
        stale,
    })
}

/// An action's `x-expect`: what it expects the vendor's node to be.
struct Expect {
    lacks: Vec<String>,
    has: Option<Map<String, Value>>,
    is: Option<Value>,
}

impl Expect {
    fn parse(value: Option<&Value>) -> Result<Option<Self>, String> {
        let Some(value) = value else {
            return Ok(None);
        };
        let map = value
            .as_object()
            .ok_or("must be a map of `lacks`, `has` and `is`")?;
        if let Some(unknown) = map
            .keys()
            .find(|k| !["lacks", "has", "is"].contains(&k.as_str()))
        {
            return Err(format!(
                "has `{unknown}`, which is none of `lacks`, `has` and `is`"
            ));
        }
        let lacks = match map.get("lacks") {
            None => Vec::new(),
            Some(Value::Array(keys)) => keys
                .iter()
                .map(|k| k.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or("`lacks` must be a list of keys")?,
            Some(_) => return Err("`lacks` must be a list of keys".to_string()),
        };
        let has = match map.get("has") {
            None => None,
            Some(Value::Object(has)) => Some(has.clone()),
            Some(_) => return Err("`has` must be a map of keys and values".to_string()),
        };
        if lacks.is_empty() && has.is_none() && !map.contains_key("is") {
            return Err("is empty: say what the target lacks, has or is".to_string());
        }
        Ok(Some(Self {
            lacks,
            has,
            is: map.get("is").cloned(),
        }))
    }

    /// Why `node` is not what the action expects, if it is not.
    fn failure(&self, node: &Value) -> Option<String> {
        let expected = "x-expect says the vendor's spec";
        for key in &self.lacks {
            if let Some(found) = node.get(key) {
                return Some(format!(
                    "{expected} has no `{key}`, but it has `{key}: {}`: the vendor may now supply \
                     what the action corrects",
                    brief(found)
                ));
            }
        }
        for (key, value) in self.has.iter().flatten() {
            match node.get(key) {
                Some(found) if contains(found, value) => {}
                found => {
                    let found = found.map_or("it has none".to_string(), |f| {
                        format!("it has `{key}: {}`", brief(f))
                    });
                    return Some(format!(
                        "{expected} has `{key}: {}`, but {found}: the vendor changed what the \
                         action corrects",
                        brief(value)
                    ));
                }
            }
        }
        match &self.is {
            Some(is) if is != node => Some(format!(
                "{expected} is `{}`, but it is `{}`: the vendor changed what the action corrects",
                brief(is),
                brief(node)
            )),
            _ => None,
        }
    }

    /// Whether the action says it means to replace the vendor's value of
    /// the node's `key`.
    fn licenses(&self, key: &str) -> bool {
        self.is.is_some() || self.has.as_ref().is_some_and(|has| has.contains_key(key))
    }
}

/// Whether `found` has everything `expected` has (objects as subsets,
/// anything else equal).
fn contains(found: &Value, expected: &Value) -> bool {
    match (found, expected) {
        (Value::Object(found), Value::Object(expected)) => expected
            .iter()
            .all(|(k, v)| found.get(k).is_some_and(|f| contains(f, v))),
        _ => found == expected,
    }
}

/// Notes what of `update` the node already has, and which of its values
/// the update replaces without the action's `x-expect` saying it means to.
fn review(
    node: &Value,
    update: &Value,
    path: &str,
    expect: Option<&Expect>,
    at: &str,
    stale: &mut Vec<String>,
) {
    let already = |what: &str, value: &Value| {
        format!(
            "at {at}, the spec already has {what} as the action sets it (`{}`): the vendor \
             supplies it now; drop it from the action",
            brief(value)
        )
    };
    match (node, update) {
        (Value::Object(node), Value::Object(update)) => {
            for (key, value) in update {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let top = path
                    .split('.')
                    .next()
                    .filter(|p| !p.is_empty())
                    .unwrap_or(key);
                match node.get(key) {
                    None => {}
                    Some(existing) if existing == value => {
                        stale.push(already(&format!("`{here}`"), value));
                    }
                    Some(existing @ Value::Object(_)) if value.is_object() => {
                        if value.as_object().is_some_and(Map::is_empty) {
                            stale.push(already(&format!("`{here}`"), existing));
                        } else {
                            review(existing, value, &here, expect, at, stale);
                        }
                    }
                    Some(_) if expect.is_some_and(|e| e.licenses(top)) => {}
                    Some(existing) => stale.push(format!(
                        "at {at}, the action replaces the vendor's `{here}` (`{}`) with `{}`: if \
                         the vendor now supplies what the action corrects, delete that part; if \
                         the correction is still wanted, say what the vendor has with an \
                         `x-expect` (`has: {{{top}: …}}` or `is: …`)",
                        brief(existing),
                        brief(value)
                    )),
                }
            }
        }
        (Value::Array(items), Value::Array(update)) => {
            for value in update.iter().filter(|v| items.contains(v)) {
                stale.push(already("the list item", value));
            }
        }
        (Value::Array(items), value) if items.contains(value) => {
            stale.push(already("the list item", value));
        }
        (Value::Array(_), _) => {}
        (node, value) if node == value => stale.push(already("the value", value)),
        (node, value) if expect.is_none() => stale.push(format!(
            "at {at}, the action replaces the vendor's value (`{}`) with `{}`: if the vendor now \
             supplies what the action corrects, delete the action; if the correction is still \
             wanted, say what the vendor has with an `x-expect` (`is: …`)",
            brief(node),
            brief(value)
        )),
        _ => {}
    }
}

/// A value in a message: compact JSON, cut after 80 characters.
pub fn brief(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// A JSON pointer into `doc` as a JSONPath a reader knows from the
/// overlay's targets: `/paths/~1api~1user~1credits/get` →
/// `$.paths['/api/user/credits'].get`.
pub fn readable(doc: &Value, pointer: &str) -> String {
    let mut text = String::from("$");
    let mut node = Some(doc);
    for segment in pointer.split('/').skip(1) {
        let key = segment.replace("~1", "/").replace("~0", "~");
        let is_name = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match node {
            Some(Value::Array(items)) => {
                text.push_str(&format!("[{key}]"));
                node = key.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            _ => {
                if is_name {
                    text.push_str(&format!(".{key}"));
                } else {
                    text.push_str(&format!("['{key}']"));
                }
                node = node.and_then(|n| n.get(&key));
            }
        }
    }
    text
}

fn remove_at(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// Overlay `update` semantics.
pub fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(target), Value::Object(update)) => {
            for (key, value) in update {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(target), Value::Array(update)) => target.extend(update.iter().cloned()),
        (Value::Array(target), update) => target.push(update.clone()),
        (target, update) => *target = update.clone(),
    }
}
