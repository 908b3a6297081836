//! Offset paging (`first`, `max`), the only kind Keycloak's Admin API has. Every request
//! carries an explicit `max`, because Keycloak's defaults differ per endpoint (10, 100 or
//! unlimited). A page shorter than `max` is the last one. A page identical to the one
//! before (a server or proxy that ignores `first`) is an error, not an endless loop.

use serde_json::Value;

use super::Client;
use crate::error::{Error, Result};

pub struct Pager<'a> {
    client: &'a Client,
    realm: &'a str,
    segments: Vec<String>,
    query: Vec<(&'static str, String)>,
    page_size: usize,
    first: usize,
    done: bool,
    previous: Option<(usize, Value, Value)>,
}

impl<'a> Pager<'a> {
    pub fn new(
        client: &'a Client,
        realm: &'a str,
        segments: Vec<String>,
        query: Vec<(&'static str, String)>,
        page_size: usize,
    ) -> Self {
        Pager {
            client,
            realm,
            segments,
            query,
            page_size: page_size.max(1),
            first: 0,
            done: false,
            previous: None,
        }
    }

    fn fetch(&mut self) -> Result<Vec<Value>> {
        let mut query = self.query.clone();
        query.push(("first", self.first.to_string()));
        query.push(("max", self.page_size.to_string()));
        let segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        let value = self.client.get_admin(self.realm, &segments, &query)?;
        let path = || format!("/admin/realms/{}/{}", self.realm, self.segments.join("/"));
        let Value::Array(items) = value else {
            return Err(Error::BadResponse {
                path: path(),
                detail: "expected a JSON array".into(),
            });
        };
        if let (Some(head), Some(tail)) = (items.first(), items.last()) {
            let signature = (items.len(), head.clone(), tail.clone());
            if self.first > 0 && self.previous.as_ref() == Some(&signature) {
                return Err(Error::PagingLoop {
                    path: path(),
                    first: self.first,
                });
            }
            self.previous = Some(signature);
        }
        Ok(items)
    }
}

impl Iterator for Pager<'_> {
    type Item = Result<Vec<Value>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.fetch() {
            Ok(items) => {
                self.done = items.len() < self.page_size;
                self.first += items.len();
                if items.is_empty() {
                    None
                } else {
                    Some(Ok(items))
                }
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
