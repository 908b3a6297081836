//! Small helpers over JSON representations, which is what the model stores: read a
//! string field, set a field.

use serde_json::Value;

/// The string field `key` of `v`, or "" if it is missing or not a string.
pub(crate) fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Insert `key: value` if `v` is an object.
pub(crate) fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(map) = v.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}
