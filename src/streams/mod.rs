//! The stream table. A stream is one entry here plus one schema file in `schemas/`: its
//! name, primary key, the realm-management roles it needs, and its reader. A paged list
//! endpoint is pure data (`Reader::Paged`); fan-outs (members of every group, users of
//! every role…) are small functions in the family modules. Readers hand each finished
//! record to `emit` as soon as its page arrives: nothing is collected per stream, and
//! what a reader remembers grows with groups, roles or clients, never with users.
//! Fan-outs read up to `max_concurrency` parents at once (`fanout.rs`) and still emit in
//! parent order; parents read ahead hold at most a few chunks of records each.

mod children;
mod clients;
mod effective;
mod events;
mod fanout;
#[cfg(test)]
mod fanout_tests;
mod groups;
mod idp;
mod orgs;
mod parents;
mod realm;
mod roles;
#[cfg(test)]
mod table_tests;
mod users;

use serde_json::Value;

use crate::error::Result;
use crate::http::{Client, Row};
use crate::record::{Record, splice};
use crate::roles::Role;
use crate::secrets::Policy;

use children::Children;
pub use events::EventOptions;

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
    /// One paged list under the realm; each item shaped by `shape`.
    Paged {
        path: &'static [&'static str],
        query: &'static [(&'static str, &'static str)],
        shape: Shape,
    },
    /// One unpaged list under the realm (the endpoint ignores first/max).
    List {
        path: &'static [&'static str],
        shape: fn(&mut Value),
    },
    /// The children of every row of a parent list, read by the fan-out engine.
    Children(&'static Children),
    /// Anything else.
    Custom(fn(&Ctx, &mut Emit) -> Result<End>),
}

/// How a paged list's items become records (both add `realm`).
#[derive(Debug)]
pub enum Shape {
    /// Keycloak's object as it came, less these top-level fields: spliced as text,
    /// never parsed into a tree (`crate::record`), the fast path for the big lists.
    Drop(&'static [&'static str]),
    /// Edited as a tree, for changes below the top level (secrets in nested config).
    Tree(fn(&mut Value)),
}

/// `access` says what the *caller* may do with the object; it differs between
/// credentials and is not data about the object.
pub(crate) const ACCESS: &[&str] = &["access"];

macro_rules! schema {
    ($name:literal) => {
        include_str!(concat!("../../schemas/", $name, ".json"))
    };
}

const USERS: &[Role] = &[Role::ViewUsers];
const REALM: &[Role] = &[Role::ViewRealm];
const CLIENTS: &[Role] = &[Role::ViewClients];
const EVENTS: &[Role] = &[Role::ViewEvents];

pub static STREAMS: &[Stream] = &[
    Stream {
        name: "realms",
        schema: schema!("realms"),
        primary_key: &["id"],
        roles: REALM,
        secrets: Policy::Rule,
        reader: Reader::Custom(realm::read),
        count: None,
        incremental: None,
    },
    Stream {
        name: "users",
        schema: schema!("users"),
        primary_key: &["id"],
        roles: USERS,
        secrets: Policy::Rule,
        reader: Reader::Paged {
            path: &["users"],
            query: &[("briefRepresentation", "false")],
            shape: Shape::Drop(ACCESS),
        },
        count: Some(&["users", "count"]),
        incremental: Some(Incremental {
            cursor_field: "_ab_cdc_updated_at",
            read: users::read_users_since,
        }),
    },
    Stream {
        name: "groups",
        schema: schema!("groups"),
        primary_key: &["id"],
        roles: USERS,
        secrets: Policy::Rule,
        reader: Reader::Custom(groups::read_groups),
        count: Some(&["groups", "count"]),
        incremental: None,
    },
    Stream {
        name: "group_members",
        schema: schema!("group_members"),
        primary_key: &["group_id", "user_id"],
        roles: USERS,
        secrets: Policy::Rule,
        reader: Reader::Children(&groups::MEMBERS),
        count: None,
        incremental: None,
    },
    Stream {
        name: "realm_roles",
        schema: schema!("realm_roles"),
        primary_key: &["id"],
        roles: REALM,
        secrets: Policy::Rule,
        reader: Reader::Paged {
            path: &["roles"],
            query: &[("briefRepresentation", "false")],
            shape: Shape::Drop(&[]),
        },
        count: None,
        incremental: None,
    },
    Stream {
        name: "clients",
        schema: schema!("clients"),
        primary_key: &["id"],
        roles: CLIENTS,
        secrets: Policy::Rule,
        reader: Reader::Custom(clients::read_clients),
        count: None,
        incremental: None,
    },
    Stream {
        name: "client_roles",
        schema: schema!("client_roles"),
        primary_key: &["id"],
        roles: CLIENTS,
        secrets: Policy::Rule,
        reader: Reader::Children(&roles::CLIENT_ROLES),
        count: None,
        incremental: None,
    },
    Stream {
        name: "role_composites",
        schema: schema!("role_composites"),
        primary_key: &["role_id", "child_role_id"],
        roles: &[Role::ViewRealm, Role::ViewClients],
        secrets: Policy::Rule,
        reader: Reader::Children(&roles::COMPOSITES),
        count: None,
        incremental: None,
    },
    Stream {
        name: "user_role_mappings",
        schema: schema!("user_role_mappings"),
        primary_key: &["user_id", "role_id"],
        roles: &[Role::ViewUsers, Role::ViewRealm, Role::ViewClients],
        secrets: Policy::Rule,
        reader: Reader::Children(&roles::USER_MAPPINGS),
        count: None,
        incremental: None,
    },
    Stream {
        name: "user_effective_roles",
        schema: schema!("user_effective_roles"),
        primary_key: &["user_id", "role_id", "grant"],
        roles: &[Role::ViewUsers, Role::ViewRealm, Role::ViewClients],
        secrets: Policy::Rule,
        reader: Reader::Custom(effective::read),
        count: None,
        incremental: None,
    },
    Stream {
        name: "group_role_mappings",
        schema: schema!("group_role_mappings"),
        primary_key: &["group_id", "role_id"],
        // Keycloak 26 leaves clientMappings out without view-clients.
        roles: &[Role::ViewUsers, Role::ViewClients],
        secrets: Policy::Rule,
        reader: Reader::Children(&groups::ROLE_MAPPINGS),
        count: None,
        incremental: None,
    },
    Stream {
        name: "client_scopes",
        schema: schema!("client_scopes"),
        primary_key: &["id"],
        roles: CLIENTS,
        secrets: Policy::Rule,
        reader: Reader::List {
            path: &["client-scopes"],
            shape: |_| {},
        },
        count: None,
        incremental: None,
    },
    Stream {
        name: "identity_providers",
        schema: schema!("identity_providers"),
        primary_key: &["internalId"],
        roles: &[Role::ViewIdentityProviders],
        secrets: Policy::Rule,
        reader: Reader::Paged {
            path: &["identity-provider", "instances"],
            query: &[("briefRepresentation", "false")],
            shape: Shape::Drop(&[]),
        },
        count: None,
        incremental: None,
    },
    Stream {
        name: "user_federated_identities",
        schema: schema!("user_federated_identities"),
        primary_key: &["user_id", "identity_provider"],
        roles: &[Role::ViewUsers, Role::ViewIdentityProviders],
        secrets: Policy::Rule,
        reader: Reader::Custom(idp::read_links),
        count: None,
        incremental: None,
    },
    Stream {
        name: "user_sessions",
        schema: schema!("user_sessions"),
        primary_key: &["id", "offline"],
        roles: CLIENTS,
        secrets: Policy::Rule,
        reader: Reader::Custom(clients::read_sessions),
        count: None,
        incremental: None,
    },
    Stream {
        name: "client_session_stats",
        schema: schema!("client_session_stats"),
        primary_key: &["id"],
        roles: REALM,
        secrets: Policy::Rule,
        reader: Reader::Custom(clients::read_session_stats),
        count: None,
        incremental: None,
    },
    Stream {
        name: "organizations",
        schema: schema!("organizations"),
        primary_key: &["id"],
        roles: &[Role::ViewOrganizations],
        secrets: Policy::Rule,
        reader: Reader::Custom(orgs::read_organizations),
        count: None,
        incremental: None,
    },
    Stream {
        name: "organization_members",
        schema: schema!("organization_members"),
        primary_key: &["organization_id", "user_id"],
        roles: &[Role::ViewOrganizations, Role::ViewUsers],
        secrets: Policy::Rule,
        reader: Reader::Children(&orgs::MEMBERS),
        count: None,
        incremental: None,
    },
    Stream {
        name: "events",
        schema: schema!("events"),
        primary_key: &["id"],
        roles: EVENTS,
        secrets: Policy::Rule,
        reader: Reader::Custom(events::read_events),
        count: None,
        incremental: Some(Incremental {
            cursor_field: "time",
            read: events::read_events_since,
        }),
    },
    Stream {
        name: "admin_events",
        schema: schema!("admin_events"),
        primary_key: &["id"],
        roles: EVENTS,
        // The changed object, as JSON text: cleaned like a record, or dropped.
        secrets: Policy::Embedded(&["representation"]),
        reader: Reader::Custom(events::read_admin_events),
        count: None,
        incremental: Some(Incremental {
            cursor_field: "time",
            read: events::read_admin_events_since,
        }),
    },
];

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

/// Drops `access` (see `ACCESS`) from a tree.
pub(crate) fn drop_access(item: &mut Value) {
    if let Some(obj) = item.as_object_mut() {
        obj.remove("access");
    }
}

pub(crate) fn shape_client(item: &mut Value) {
    drop_access(item);
}

/// Adds the realm name to a record.
pub(crate) fn with_realm(mut item: Value, realm: &str) -> Value {
    if let Some(obj) = item.as_object_mut() {
        obj.insert("realm".into(), Value::String(realm.to_string()));
    }
    item
}

/// Path segments as owned strings, for the pager.
pub(crate) fn segs(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Calls `f` with every item of a paged list, in order. The first page is read here; if
/// more follow, a second thread runs the pager (fetching and parsing the next page) while
/// this one hands the current page to `f`, at most one page ahead (a channel of one), so
/// the server's and the connector's work overlap. The requests and their order are the
/// pager's, unchanged; an error of either side ends the list (the pager's is returned in
/// its place, after the items before it); the scope joins the pager before returning.
pub(crate) fn each(
    ctx: &Ctx,
    segments: Vec<String>,
    query: &[(&'static str, &str)],
    f: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<()> {
    each_row(ctx, segments, query, f)
}

/// `each` with rows of any kind: trees, or raw text for `splice`.
pub(crate) fn each_row<R: Row>(
    ctx: &Ctx,
    segments: Vec<String>,
    query: &[(&'static str, &str)],
    f: &mut dyn FnMut(R) -> Result<()>,
) -> Result<()> {
    let query = query.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let mut pages = ctx.client.pages(ctx.realm, segments, query);
    let Some(first) = pages.next() else {
        return Ok(());
    };
    let first = first?;
    if pages.finished() {
        // One page (most lists of a fan-out): no thread.
        return first.into_iter().try_for_each(f);
    }
    std::thread::scope(|scope| {
        let pages = if ctx.fetch_ahead {
            pages.fetch_ahead(scope)
        } else {
            pages
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<R>>>(1);
        scope.spawn(move || {
            for page in pages {
                if tx.send(page).is_err() {
                    break;
                }
            }
        });
        first.into_iter().try_for_each(&mut *f)?;
        for page in rx {
            page?.into_iter().try_for_each(&mut *f)?;
        }
        Ok(())
    })
}

/// An unpaged list endpoint's items.
pub(crate) fn list(ctx: &Ctx, path: &[&str]) -> Result<Vec<Value>> {
    match ctx.client.get_admin(ctx.realm, path, &[])? {
        Value::Array(items) => Ok(items),
        _ => Err(crate::error::Error::BadResponse {
            path: format!("/admin/realms/{}/{}", ctx.realm, path.join("/")),
            detail: "expected a JSON array".into(),
        }),
    }
}

/// A string field of a JSON object, or "".
pub(crate) fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Every row of a paged list as a record: spliced text, less `drop`, plus `realm` and
/// `add`. Used by the table's `Shape::Drop` lists and the full read of `users`.
pub(crate) fn each_spliced(
    ctx: &Ctx,
    path: &[&str],
    query: &[(&'static str, &str)],
    drop: &[&str],
    add: &[(&str, &str)],
    emit: &mut dyn FnMut(Record) -> Result<()>,
) -> Result<()> {
    let mut fields = vec![("realm", ctx.realm)];
    fields.extend_from_slice(add);
    each_row(
        ctx,
        segs(path),
        query,
        &mut |row: crate::record::RawObject| emit(splice(&row, drop, &fields)),
    )
}

/// Reads `stream` in one realm, calling `emit` with each finished record.
pub fn read(stream: &Stream, ctx: &Ctx, emit: &mut dyn FnMut(Record) -> Result<()>) -> Result<End> {
    let realm = ctx.realm;
    match &stream.reader {
        Reader::Paged {
            path,
            query,
            shape: Shape::Drop(drop),
        } => {
            each_spliced(ctx, path, query, drop, &[], emit)?;
            Ok(End::Done)
        }
        Reader::Paged {
            path,
            query,
            shape: Shape::Tree(shape),
        } => {
            each(ctx, segs(path), query, &mut |mut item| {
                shape(&mut item);
                emit(with_realm(item, realm).into())
            })?;
            Ok(End::Done)
        }
        Reader::List { path, shape } => {
            for mut item in list(ctx, path)? {
                shape(&mut item);
                emit(with_realm(item, realm).into())?;
            }
            Ok(End::Done)
        }
        Reader::Children(spec) => children::read(ctx, spec, &mut |item| emit(item.into())),
        Reader::Custom(read) => read(ctx, &mut |item| emit(item.into())),
    }
}
