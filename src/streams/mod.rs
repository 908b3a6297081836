//! The stream table. A stream is one entry here plus one schema file in `schemas/`:
//! its name, primary key, the realm-management role it needs, the endpoint `check` probes,
//! and where its records come from (`Source`). The engine below reads a stream for one
//! realm, shapes each item (adds `realm`, drops caller-specific fields, strips secrets)
//! and hands it to `emit` as soon as its page arrives: nothing is collected per stream.

mod groups;

use serde_json::Value;

use crate::error::Result;
use crate::http::Client;
use crate::secrets;

#[derive(Debug)]
pub struct Stream {
    pub name: &'static str,
    pub schema: &'static str,
    pub primary_key: &'static [&'static str],
    /// The realm-management client role whose absence makes the stream unavailable.
    pub role: &'static str,
    /// Path under `/admin/realms/{realm}/` that `check` asks for (with `max=1`) to learn
    /// whether the client may read this stream.
    pub probe: &'static [&'static str],
    pub source: Source,
}

#[derive(Debug)]
pub enum Source {
    /// One paged list under the realm.
    Paged {
        path: &'static [&'static str],
        query: &'static [(&'static str, &'static str)],
        shape: fn(&mut Value),
    },
    /// The whole group tree, flattened to one record per group.
    Groups,
    /// One record per (group, member) for every group of the tree.
    GroupMembers,
}

pub static STREAMS: &[Stream] = &[
    Stream {
        name: "users",
        schema: include_str!("../../schemas/users.json"),
        primary_key: &["id"],
        role: "view-users",
        probe: &["users"],
        source: Source::Paged {
            path: &["users"],
            query: &[("briefRepresentation", "false")],
            shape: drop_access,
        },
    },
    Stream {
        name: "groups",
        schema: include_str!("../../schemas/groups.json"),
        primary_key: &["id"],
        role: "view-users",
        probe: &["groups"],
        source: Source::Groups,
    },
    Stream {
        name: "group_members",
        schema: include_str!("../../schemas/group_members.json"),
        primary_key: &["group_id", "user_id"],
        role: "view-users",
        probe: &["groups"],
        source: Source::GroupMembers,
    },
    Stream {
        name: "realm_roles",
        schema: include_str!("../../schemas/realm_roles.json"),
        primary_key: &["id"],
        role: "view-realm",
        probe: &["roles"],
        source: Source::Paged {
            path: &["roles"],
            query: &[("briefRepresentation", "false")],
            shape: |_| {},
        },
    },
    Stream {
        name: "clients",
        schema: include_str!("../../schemas/clients.json"),
        primary_key: &["id"],
        role: "view-clients",
        probe: &["clients"],
        source: Source::Paged {
            path: &["clients"],
            query: &[],
            shape: shape_client,
        },
    },
];

pub fn find(name: &str) -> Option<&'static Stream> {
    STREAMS.iter().find(|s| s.name == name)
}

impl Stream {
    pub fn schema_json(&self) -> Value {
        // Schemas are embedded at build time and checked by tests.
        serde_json::from_str(self.schema).unwrap_or(Value::Null)
    }
}

/// `access` says what the *caller* may do with the object; it differs between
/// credentials and is not data about the object.
fn drop_access(item: &mut Value) {
    if let Some(obj) = item.as_object_mut() {
        obj.remove("access");
    }
}

fn shape_client(item: &mut Value) {
    drop_access(item);
    secrets::strip_client(item);
}

pub(crate) fn with_realm(mut item: Value, realm: &str) -> Value {
    if let Some(obj) = item.as_object_mut() {
        obj.insert("realm".into(), Value::String(realm.to_string()));
    }
    item
}

/// Reads `stream` in `realm`, calling `emit` with each finished record.
pub fn read(
    stream: &Stream,
    client: &Client,
    realm: &str,
    emit: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<()> {
    match &stream.source {
        Source::Paged { path, query, shape } => {
            let segments = path.iter().map(|s| s.to_string()).collect();
            let query = query.iter().map(|(k, v)| (*k, v.to_string())).collect();
            for page in client.pages(realm, segments, query) {
                for mut item in page? {
                    shape(&mut item);
                    emit(with_realm(item, realm))?;
                }
            }
            Ok(())
        }
        Source::Groups => groups::walk(client, realm, &mut |group| emit(with_realm(group, realm))),
        Source::GroupMembers => groups::members(client, realm, emit),
    }
}
