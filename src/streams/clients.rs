//! What hangs off clients: the client iteration every fan-out shares, user sessions
//! (online and offline, per client) and per-client session counts.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::fanout::fan_out;
use super::{Ctx, Emit, End, each, segs, text, with_realm};
use crate::error::{Error, Result};

/// Calls `f` with every client of the realm (full representation, unstripped: callers
/// must not emit it as it is). Every realm has built-in clients (realm-management,
/// account…), so an empty list means the account may not see clients: Keycloak 22–24
/// answer 200 `[]` where 26 answers 403. That is `Error::RoleMissing`, so the user is
/// told to grant view-clients instead of getting a silently empty stream.
pub fn each_client(ctx: &Ctx, f: &mut dyn FnMut(&Value) -> Result<()>) -> Result<()> {
    let mut seen = 0usize;
    each(ctx, segs(&["clients"]), &[], &mut |client| {
        seen += 1;
        f(&client)
    })?;
    if seen == 0 {
        return Err(Error::RoleMissing {
            path: format!("/admin/realms/{}/clients", ctx.realm),
            detail: "Keycloak listed no clients, not even the built-in ones".into(),
        });
    }
    Ok(())
}

/// Active and offline user sessions. Keycloak lists sessions per client, and a session
/// that touched several clients is listed under each; it is emitted once, under the
/// client whose id sorts first in its `clients` map, which needs no memory of sessions
/// already seen. Only a session that does not name the client it was listed under
/// (unexpected) falls back to a set of seen ids, kept by the emitting thread while
/// clients are read side by side (`fanout`).
pub fn read_sessions(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let sessions = |ctx: &Ctx, client_id: String, out: &mut dyn FnMut(Listed) -> Result<()>| {
        let client_id = client_id.as_str();
        for (endpoint, offline) in [("user-sessions", false), ("offline-sessions", true)] {
            let segments = segs(&["clients", client_id, endpoint]);
            each(ctx, segments, &[], &mut |session| {
                let owner = session["clients"]
                    .as_object()
                    .and_then(|m| m.keys().min().cloned());
                let listed_here = session["clients"].get(client_id).is_some();
                if listed_here && owner.as_deref() != Some(client_id) {
                    return Ok(());
                }
                let odd = (!listed_here).then(|| (text(&session, "id").to_string(), offline));
                out((shape_session(session, offline, ctx.realm), odd))
            })?;
        }
        Ok(())
    };
    let clients = |submit: &mut dyn FnMut(String) -> Result<()>| {
        each_client(ctx, &mut |client| submit(text(client, "id").to_string()))
    };
    let mut odd_seen: HashSet<(String, bool)> = HashSet::new();
    fan_out(ctx, clients, sessions, &mut |(session, odd)| {
        if odd.is_some_and(|key| !odd_seen.insert(key)) {
            return Ok(());
        }
        emit(session)
    })?;
    Ok(End::Done)
}

/// A session as a client's worker passes it on: shaped, and for a session that does not
/// name the client it was listed under, its (id, offline) key for the seen-set.
type Listed = (Value, Option<(String, bool)>);

/// The `clients` map (client uuid → clientId) becomes a list, easier to query.
fn shape_session(mut session: Value, offline: bool, realm: &str) -> Value {
    let clients: Vec<Value> = session["clients"]
        .as_object()
        .map(|m| {
            let mut list: Vec<Value> = m
                .iter()
                .map(|(id, client_id)| json!({"id": id, "clientId": client_id}))
                .collect();
            list.sort_by(|a, b| text(a, "id").cmp(text(b, "id")));
            list
        })
        .unwrap_or_default();
    if let Some(obj) = session.as_object_mut() {
        obj.insert("clients".into(), Value::Array(clients));
        obj.insert("offline".into(), Value::Bool(offline));
    }
    with_realm(session, realm)
}

/// A `/client-session-stats` row as a record: `{id, clientId, active, offline}`, the
/// counts as integers (Keycloak sends strings).
pub fn session_counts(stat: &mut Value) {
    let count = |k: &str| -> Value {
        match &stat[k] {
            Value::String(s) => s.parse::<u64>().map(Value::from).unwrap_or(Value::Null),
            Value::Number(n) => Value::Number(n.clone()),
            _ => Value::Null,
        }
    };
    *stat = json!({
        "id": stat.get("id"),
        "clientId": stat.get("clientId"),
        "active": count("active"),
        "offline": count("offline"),
    });
}
