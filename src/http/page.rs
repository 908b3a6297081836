//! What a page is: the rows of a list answer, as `Value` trees or as each row's raw text,
//! parsed with a row limit (a server cannot turn a small body into a huge page), and a
//! row's identity for the pager's overlap (its `id`, or a digest of the whole row).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, de};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::record::RawObject;

/// What a page holds: `Value` trees, or each row's raw text (`Box<RawValue>`) for
/// readers that pass rows through (`crate::record::splice`).
pub trait Row: DeserializeOwned + Clone + Send {
    /// The row's identity: its `id`, or else the whole row (16 bytes of SHA-256, so the
    /// memory per row does not depend on the row).
    fn key(&self) -> [u8; 16];
    /// The same content (for spotting a server that ignores `first`).
    fn same(&self, other: &Self) -> bool;
}

impl Row for Value {
    fn key(&self) -> [u8; 16] {
        match self.get("id").and_then(Value::as_str) {
            Some(id) => digest(b"id:", id.as_bytes()),
            None => digest(b"row:", self.to_string().as_bytes()),
        }
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Row for RawObject {
    fn key(&self) -> [u8; 16] {
        let (kind, text) = self.key_parts();
        digest(kind, text.as_bytes())
    }
    fn same(&self, other: &Self) -> bool {
        RawObject::same(self, other)
    }
}

fn digest(kind: &[u8], bytes: &[u8]) -> [u8; 16] {
    let mut hasher = Sha256::new();
    hasher.update(kind);
    hasher.update(bytes);
    let digest = hasher.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// A list endpoint's answer: its rows, or `None` for JSON that is not an array (a
/// wrong answer, not a transient one: not retried). Invalid JSON is a parse error
/// (retried, like any cut or garbled body), and so is a page with more rows than asked
/// for: parsing stops there, so a server cannot make a small body into a huge page.
pub(crate) struct Page<R>(pub Option<Vec<R>>);

/// Parses a page of at most `limit` rows.
pub(crate) struct PageSeed<R> {
    pub limit: usize,
    pub rows: PhantomData<R>,
}

impl<'de, R: Deserialize<'de>> DeserializeSeed<'de> for PageSeed<R> {
    type Value = Page<R>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Page<R>, D::Error> {
        struct PageVisitor<R>(usize, PhantomData<R>);
        impl<'de, R: Deserialize<'de>> Visitor<'de> for PageVisitor<R> {
            type Value = Page<R>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Page<R>, A::Error> {
                let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1000));
                while let Some(row) = seq.next_element()? {
                    if rows.len() == self.0 {
                        return Err(de::Error::custom(format_args!(
                            "the page holds more rows than the {} asked for (max)",
                            self.0
                        )));
                    }
                    rows.push(row);
                }
                Ok(Page(Some(rows)))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Page<R>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Page(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Page<R>, E> {
                Ok(Page(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Page<R>, E> {
                Ok(Page(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Page<R>, E> {
                Ok(Page(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Page<R>, E> {
                Ok(Page(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<Page<R>, E> {
                Ok(Page(None))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Page<R>, E> {
                Ok(Page(None))
            }
        }
        d.deserialize_any(PageVisitor(self.limit, PhantomData))
    }
}

/// Parses a list answer of at most `limit` rows (see `super::parse_json`).
pub(crate) fn parse_page<R: Row>(body: &[u8], path: &str, limit: usize) -> Result<Page<R>> {
    super::parse_with(body, path, |text| {
        let mut de = serde_json::Deserializer::from_str(text);
        let page = PageSeed {
            limit,
            rows: PhantomData,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(page)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use serde_json::json;

    fn raw(value: &Value) -> RawObject {
        serde_json::from_str(&value.to_string()).unwrap()
    }

    #[test]
    fn rows_without_id_are_keyed_by_content() {
        let a = json!({"name": "x"});
        let b = json!({"name": "y"});
        assert_eq!(a.key(), json!({"name": "x"}).key());
        assert_ne!(a.key(), b.key());
        assert_ne!(json!({"id": "x"}).key(), json!({"name": "x"}).key());
    }

    #[test]
    fn raw_rows_are_keyed_like_trees() {
        for row in [
            json!({"id": "u1", "x": [1]}),
            json!({"id": 7}),
            json!({"name": "x"}),
        ] {
            let text = raw(&row);
            if row["id"].is_string() {
                assert_eq!(text.key(), row.key());
            }
            assert_eq!(text.key(), raw(&row).key());
        }
        assert_ne!(
            raw(&json!({"id": "x"})).key(),
            raw(&json!({"name": "x"})).key()
        );
        // An escaped id is the same id.
        let escaped: RawObject = serde_json::from_str(r#"{"id":"a\u0062"}"#).unwrap();
        assert_eq!(escaped.key(), json!({"id": "ab"}).key());
    }

    #[test]
    fn pages_that_are_not_arrays_are_told_apart_from_invalid_json() {
        let page: Page<RawObject> = parse_page(br#"[{"a":1}, {}]"#, "/p", 10).unwrap();
        assert_eq!(page.0.map(|rows| rows.len()), Some(2));
        for other in [
            r#"{"error":"x","n":[1]}"#,
            "1",
            "-1",
            "1.5",
            "\"s\"",
            "null",
            "true",
        ] {
            let page: Page<Value> = parse_page(other.as_bytes(), "/p", 10).unwrap();
            assert!(page.0.is_none(), "{other}");
        }
        assert!(parse_page::<Value>(b"[1,", "/p", 10).is_err());
    }

    #[test]
    fn a_page_with_more_rows_than_asked_for_stops_parsing_there() {
        let body = format!("[{}{{}}]", "{},".repeat(100));
        let Err(Error::BadResponse { detail, .. }) =
            parse_page::<RawObject>(body.as_bytes(), "/p", 100)
        else {
            panic!("101 rows accepted for max=100");
        };
        assert!(
            detail.contains("more rows than the 100 asked for"),
            "{detail}"
        );
        assert!(parse_page::<RawObject>(body.as_bytes(), "/p", 101).is_ok());
    }
}
