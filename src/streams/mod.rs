//! Streams: what a stream is (`Stream`, its `Reader`), and reading one in one realm
//! (`read`). The table itself is `table.rs`: a stream is one entry there plus one schema
//! file in `schemas/`, with its primary key, the roles it needs (`crate::roles`), its
//! secrets policy (`crate::secrets`) and its reader. A list endpoint is pure data
//! (`Reader::List`, `lists.rs`); so is a child stream (`Reader::Children`: the children
//! of every row of a parent list, `children.rs` over `parents.rs`, read by the fan-out
//! engine `fanout.rs`), and statuses that are not errors are data too (`status.rs`).
//! What cannot be data (a tree walk in two shapes, a computed join, deduplication
//! across parents, two event APIs) is a function in its family module.
//!
//! Readers hand each finished record to `emit` as soon as its page arrives: nothing is
//! collected per stream, and what a reader remembers grows with groups, roles or
//! clients, never with users. Fan-outs read up to `max_concurrency` parents at once and
//! still emit in parent order.

mod children;
mod clients;
mod effective;
mod events;
mod fanout;
#[cfg(test)]
mod fanout_tests;
mod groups;
mod idp;
mod lists;
mod orgs;
mod parents;
mod roles;
mod security;
mod status;
mod table;
#[cfg(test)]
mod table_tests;
mod users;

use serde_json::Value;

use crate::error::Result;
use crate::http::Client;
use crate::record::Record;
use crate::roles::Role;
use crate::secrets::Policy;

use children::Children;
pub use events::EventOptions;
pub use lists::List;
pub(crate) use lists::{each, each_spliced, segs, text, with_realm};
pub use table::STREAMS;

#[derive(Debug)]
pub struct Stream {
    pub name: &'static str,
    pub schema: &'static str,
    pub primary_key: &'static [&'static str],
    /// realm-management client roles the service account needs for this stream.
    pub roles: &'static [Role],
    /// How its records are made safe (`crate::secrets`); applied to every record.
    pub secrets: Policy,
    pub reader: Reader,
    /// A cheap count endpoint under the realm, for TRACE ESTIMATE progress messages.
    pub count: Option<&'static [&'static str]>,
    /// For incremental streams: the cursor field and the reader that resumes from a
    /// realm's state.
    pub incremental: Option<Incremental>,
}

#[derive(Debug)]
pub struct Incremental {
    pub cursor_field: &'static str,
    pub read: fn(&Ctx, Option<&Value>, &mut dyn Sink) -> Result<End>,
}

/// Where an incremental reader puts its records and its progress. After `checkpoint`
/// the engine writes a STATE covering every record passed to `record` before it.
pub trait Sink {
    fn record(&mut self, record: Record) -> Result<()>;
    fn checkpoint(&mut self, realm_state: Value) -> Result<()>;
}

/// Everything a reader needs for one realm.
pub struct Ctx<'a> {
    pub client: &'a Client,
    pub realm: &'a str,
    pub events: &'a EventOptions,
    /// Warnings for the user (LOG WARN, written after the realm's read), such as event
    /// storage being off.
    pub warnings: &'a std::cell::RefCell<Vec<String>>,
    /// Parents a fan-out reads side by side (`max_concurrency`; 1 on a fan-out's workers).
    pub concurrency: usize,
    /// Long lists fetch their next page ahead (`each`); off on a fan-out's workers, which
    /// already overlap their requests with each other (a fetch thread per worker cost
    /// memory, not time).
    pub fetch_ahead: bool,
}

pub type Emit<'e> = dyn FnMut(Value) -> Result<()> + 'e;

/// How a read of one realm ended when it did not fail.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Done,
    /// The server cannot serve this stream for this realm (a feature that is off or an
    /// endpoint this version lacks): not an error, the reason goes into a warning.
    NotServed(String),
}

#[derive(Debug)]
pub enum Reader {
    /// One list under the realm, paged or not (`lists.rs`).
    List(&'static List),
    /// One object under the realm; without the `required` field it is the cut-down
    /// representation Keycloak gives an account that lacks the stream's role.
    Object {
        path: &'static [&'static str],
        required: &'static str,
    },
    /// The children of every row of a parent list, read by the fan-out engine.
    Children(&'static Children),
    /// Anything else.
    Custom(fn(&Ctx, &mut Emit) -> Result<End>),
}

/// How a list's items become records (both add `realm`).
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// Keycloak's object as it came, less these top-level fields: spliced as text,
    /// never parsed into a tree (`crate::record`), the fast path for the big lists.
    Drop(&'static [&'static str]),
    /// Edited as a tree (a record computed from the item, counts made integers).
    Tree(fn(&mut Value)),
}

/// `access` says what the *caller* may do with the object; it differs between
/// credentials and is not data about the object.
pub(crate) const ACCESS: &[&str] = &["access"];

pub fn find(name: &str) -> Option<&'static Stream> {
    STREAMS.iter().find(|s| s.name == name)
}

impl Stream {
    /// The schema as JSON. Schemas are embedded at build time and checked by tests; one
    /// that does not parse is a build defect that every command reports
    /// (`check_embedded`), never an empty schema.
    pub fn schema_json(&self) -> Result<Value> {
        serde_json::from_str(self.schema).map_err(|e| {
            crate::error::Error::Internal(format!(
                "the embedded schema of stream '{}' is not valid JSON: {e}",
                self.name
            ))
        })
    }
}

/// Every embedded schema and the spec parse: checked when any command starts, so a
/// broken build fails loudly at once instead of emitting wrong catalogs.
pub fn check_embedded() -> Result<()> {
    crate::config::spec()?;
    for stream in STREAMS {
        stream.schema_json()?;
    }
    Ok(())
}

/// Reads `stream` in one realm, calling `emit` with each finished record.
pub fn read(stream: &Stream, ctx: &Ctx, emit: &mut dyn FnMut(Record) -> Result<()>) -> Result<End> {
    match &stream.reader {
        Reader::List(list) => lists::read(ctx, list, emit),
        Reader::Object { path, required } => {
            let object = ctx.client.get_admin(ctx.realm, path, &[])?;
            // The full representation needs the stream's role; a partial record would
            // have no primary key.
            if object.get(*required).is_none_or(Value::is_null) {
                return Err(crate::error::Error::RoleMissing {
                    path: format!("/admin/realms/{}/{}", ctx.realm, path.join("/"))
                        .trim_end_matches('/')
                        .to_string(),
                    detail: format!("Keycloak returned the object without its {required}"),
                });
            }
            emit(with_realm(object, ctx.realm).into())?;
            Ok(End::Done)
        }
        Reader::Children(spec) => children::read(ctx, spec, &mut |item| emit(item.into())),
        Reader::Custom(read) => read(ctx, &mut |item| emit(item.into())),
    }
}
