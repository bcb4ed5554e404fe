//! Applies an OpenAPI Overlay 1.0 document to a spec held as JSON.
//!
//! Shared by the build script (which applies it) and `cargo xtask check`
//! (which also insists that every action still matches something).

use serde_json::Value;
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
    /// How many nodes of the spec the target selected.
    pub matched: usize,
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

    let pointers: Vec<String> = path
        .query_located(doc)
        .locations()
        .map(|location| location.to_json_pointer())
        .collect();

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
        matched: pointers.len(),
    })
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
