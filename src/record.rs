//! A record on its way to the host. Most readers build records as JSON trees (`Value`):
//! they join, rename and compute fields. The big plain lists (users, realm roles) pass
//! Keycloak's objects through almost as they are, and for them building a tree per
//! object and serializing it again was most of the connector's CPU (the benchmark's
//! profile: allocation and parsing of `Value` trees). Those records stay text: each
//! object of a page is kept as its raw JSON (`Box<RawValue>`, one allocation) and
//! `splice` rewrites only its top-level fields (drop some, add `realm`) without
//! parsing the values. Hosts write the text as it is.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Tree(Value),
    /// The text of one JSON object, valid by construction (see `splice`).
    Text(String),
}

impl From<Value> for Record {
    fn from(value: Value) -> Self {
        Record::Tree(value)
    }
}

impl Record {
    /// The record as a tree (parsing the text form); for hosts and tests that need one.
    pub fn to_value(&self) -> Value {
        match self {
            Record::Tree(value) => value.clone(),
            Record::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }
}

/// One object of a list page, kept as compact text with the place of each top-level
/// field: parsed once (one scan of the page, no tree), written out by `splice`.
/// Values are the server's bytes; field names are re-escaped canonically, so a name
/// compares equal to its plain spelling. A page row that is not an object is a bad
/// answer (the lists read this way, users and realm roles, are arrays of objects).
#[derive(Debug, Clone)]
pub struct RawObject {
    /// `{"name":value,"name2":value2` without the closing brace.
    text: String,
    fields: Vec<Field>,
}

/// A field in `RawObject::text`: the name literal is `text[start..colon]`, the value
/// `text[colon + 1..end]`.
#[derive(Debug, Clone, Copy)]
struct Field {
    start: u32,
    colon: u32,
    end: u32,
}

impl RawObject {
    fn name(&self, field: &Field) -> &str {
        &self.text[field.start as usize + 1..field.colon as usize - 1]
    }

    fn value(&self, field: &Field) -> &str {
        &self.text[field.colon as usize + 1..field.end as usize]
    }

    /// The raw value of a top-level field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| self.name(f) == name)
            .map(|f| self.value(f))
    }

    /// Identity for paging: the `id` string, or else the whole text.
    pub fn key_parts(&self) -> (&'static [u8], Cow<'_, str>) {
        match self.get("id") {
            Some(id) if id.starts_with('"') && !id.contains('\\') => {
                (b"id:", Cow::Borrowed(&id[1..id.len() - 1]))
            }
            Some(id) => match serde_json::from_str::<String>(id) {
                Ok(id) => (b"id:", Cow::Owned(id)),
                Err(_) => (b"row:", Cow::Borrowed(self.text.as_str())),
            },
            None => (b"row:", Cow::Borrowed(self.text.as_str())),
        }
    }

    pub fn same(&self, other: &RawObject) -> bool {
        self.text == other.text
    }
}

/// The object's text with the top-level fields named in `drop` left out and `add`
/// appended (a field of the row with an added name is left out too, so the added value
/// wins, as `insert` on a tree would).
pub fn splice(row: &RawObject, drop: &[&str], add: &[(&str, &str)]) -> Record {
    let mut out = String::with_capacity(row.text.len() + 64);
    out.push('{');
    for field in &row.fields {
        let name = row.name(field);
        if drop.contains(&name) || add.iter().any(|(added, _)| *added == name) {
            continue;
        }
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&row.text[field.start as usize..field.end as usize]);
    }
    for (name, value) in add {
        if out.len() > 1 {
            out.push(',');
        }
        push_string(&mut out, name);
        out.push(':');
        push_string(&mut out, value);
    }
    out.push('}');
    Record::Text(out)
}

/// A JSON string literal; the plain case (most names and realm names) without serde.
fn push_string(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        // Serializing a &str cannot fail.
        out.push_str(&serde_json::to_string(text).unwrap_or_default());
    }
}

/// A field name: borrowed unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = RawObject;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject, A::Error> {
                let mut text = String::with_capacity(1024);
                let mut fields = Vec::with_capacity(24);
                text.push('{');
                while let Some((Key(name), value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    if !fields.is_empty() {
                        text.push(',');
                    }
                    let start = text.len();
                    match name {
                        // Unescaped in the source, so no quote, backslash or control
                        // character (JSON has none unescaped): quote it as it is.
                        Cow::Borrowed(name) => {
                            text.push('"');
                            text.push_str(name);
                            text.push('"');
                        }
                        Cow::Owned(name) => push_string(&mut text, &name),
                    }
                    let colon = text.len();
                    text.push(':');
                    text.push_str(value.get());
                    let end = text.len();
                    let offset = |n: usize| u32::try_from(n).map_err(de::Error::custom);
                    fields.push(Field {
                        start: offset(start)?,
                        colon: offset(colon)?,
                        end: offset(end)?,
                    });
                }
                Ok(RawObject { text, fields })
            }
        }
        d.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn raw(text: &str) -> RawObject {
        serde_json::from_str(text).unwrap()
    }

    /// What the tree path does: remove, then insert.
    fn by_tree(row: &Value, drop: &[&str], add: &[(&str, &str)]) -> Value {
        let mut row = row.clone();
        if let Some(obj) = row.as_object_mut() {
            for name in drop {
                obj.remove(*name);
            }
            for (name, value) in add {
                obj.insert(name.to_string(), json!(value));
            }
        }
        row
    }

    #[test]
    fn drops_and_adds_top_level_fields_only() {
        let row =
            raw(r#"{"id":"u1","access":{"view":true},"attributes":{"access":["x"]},"n":1.50}"#);
        let Record::Text(text) = splice(&row, &["access"], &[("realm", "acme")]) else {
            panic!("text expected");
        };
        // Values are the server's bytes (1.50 stays 1.50); nested fields are untouched.
        assert_eq!(
            text,
            r#"{"id":"u1","attributes":{"access":["x"]},"n":1.50,"realm":"acme"}"#
        );
    }

    #[test]
    fn added_fields_replace_existing_ones_and_names_are_escaped() {
        let row = raw(r#"{"realm":"other","q\"uote":"a\nb","é":"ü"}"#);
        let out = splice(&row, &[], &[("realm", "ac\"me")]);
        assert_eq!(
            out.to_value(),
            json!({"q\"uote": "a\nb", "é": "ü", "realm": "ac\"me"})
        );
    }

    #[test]
    fn only_objects_are_rows() {
        for text in ["[1,2]", "\"s\"", "null", "3"] {
            assert!(serde_json::from_str::<RawObject>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn ids_and_text() {
        let row = raw(r#"{ "n": [1, 2], "id" : "a\u0062" }"#);
        let text = r#"{"n":[1, 2],"id":"a\u0062"}"#;
        assert_eq!(splice(&row, &[], &[]), Record::Text(text.into()));
        assert_eq!(row.key_parts(), (&b"id:"[..], Cow::Owned("ab".into())));
        let row = raw(r#"{"id":7}"#);
        assert_eq!(row.key_parts().0, b"row:");
    }

    proptest! {
        #[test]
        fn splicing_equals_editing_the_tree(value in crate::arb::json()) {
            prop_assume!(value.is_object());
            let row = raw(&value.to_string());
            let drop = ["access", "id"];
            let add = [("realm", "r\u{1}x")];
            prop_assert_eq!(splice(&row, &drop, &add).to_value(), by_tree(&value, &drop, &add));
        }
    }
}
