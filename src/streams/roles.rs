//! Roles and their assignments: client roles, composite roles' children, and direct
//! user role mappings. Mappings are read per role (`/roles/{name}/users`,
//! `/clients/{id}/roles/{name}/users`), so requests grow with roles, not with users.

use serde_json::{Value, json};

use super::clients::each_client;
use super::fanout::fan_out;
use super::{Ctx, Emit, End, each, segs, text, with_realm};
use crate::error::Result;

const FULL: &[(&str, &str)] = &[("briefRepresentation", "false")];
const BRIEF: &[(&str, &str)] = &[("briefRepresentation", "true")];

/// A role together with the client that owns it (None for realm roles).
struct Owned<'c> {
    role: Value,
    client: Option<&'c Value>,
}

/// Calls `f` with every realm role, then every client role, client by client.
fn each_role(
    ctx: &Ctx,
    query: &[(&'static str, &str)],
    f: &mut dyn FnMut(Owned) -> Result<()>,
) -> Result<()> {
    each(ctx, segs(&["roles"]), query, &mut |role| {
        f(Owned { role, client: None })
    })?;
    each_client(ctx, &mut |client| {
        let segments = segs(&["clients", text(client, "id"), "roles"]);
        each(ctx, segments, query, &mut |role| {
            f(Owned {
                role,
                client: Some(client),
            })
        })
    })
}

/// Every client's roles, clients read side by side (`fanout`).
pub fn read_client_roles(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let roles = |ctx: &Ctx, client: Value, out: &mut Emit| {
        let segments = segs(&["clients", text(&client, "id"), "roles"]);
        each(ctx, segments, FULL, &mut |mut role| {
            if let Some(obj) = role.as_object_mut() {
                obj.insert("client_id".into(), client["id"].clone());
                obj.insert("clientId".into(), client["clientId"].clone());
            }
            out(with_realm(role, ctx.realm))
        })
    };
    let clients = |submit: &mut dyn FnMut(Value) -> Result<()>| {
        each_client(ctx, &mut |client| submit(client.clone()))
    };
    fan_out(ctx, clients, roles, emit)?;
    Ok(End::Done)
}

/// One record per (composite role, direct child role), realm and client composites;
/// composites read side by side.
pub fn read_composites(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let composites = |ctx: &Ctx, parent: Value, out: &mut Emit| {
        let segments = segs(&["roles-by-id", text(&parent, "id"), "composites"]);
        each(ctx, segments, &[], &mut |child| {
            out(json!({
                "realm": ctx.realm,
                "role_id": parent.get("id"),
                "role_name": parent.get("name"),
                "role_client_role": parent.get("clientRole"),
                "role_container_id": parent.get("containerId"),
                "child_role_id": child.get("id"),
                "child_role_name": child.get("name"),
                "child_client_role": child.get("clientRole"),
                "child_container_id": child.get("containerId"),
            }))
        })
    };
    let parents = |submit: &mut dyn FnMut(Value) -> Result<()>| {
        each_role(ctx, BRIEF, &mut |owned| {
            if owned.role.get("composite") == Some(&Value::Bool(true)) {
                submit(owned.role)?;
            }
            Ok(())
        })
    };
    fan_out(ctx, parents, composites, emit)?;
    Ok(End::Done)
}

/// One record per (user, role) for roles assigned to users directly; roles read side by
/// side. A role travels with its client (cloned: workers outlive `each_client`'s borrow).
pub fn read_user_mappings(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let holders = |ctx: &Ctx, (role, client): (Value, Option<Value>), out: &mut Emit| {
        let name = text(&role, "name");
        let segments = match &client {
            None => segs(&["roles", name, "users"]),
            Some(client) => segs(&["clients", text(client, "id"), "roles", name, "users"]),
        };
        each(ctx, segments, BRIEF, &mut |user| {
            out(json!({
                "realm": ctx.realm,
                "user_id": user.get("id"),
                "username": user.get("username"),
                "role_id": role.get("id"),
                "role_name": role.get("name"),
                "client_role": client.is_some(),
                "client_id": client.as_ref().and_then(|c| c.get("id")),
                "clientId": client.as_ref().and_then(|c| c.get("clientId")),
            }))
        })
    };
    let roles = |submit: &mut dyn FnMut((Value, Option<Value>)) -> Result<()>| {
        each_role(ctx, BRIEF, &mut |owned| {
            submit((owned.role, owned.client.cloned()))
        })
    };
    fan_out(ctx, roles, holders, emit)?;
    Ok(End::Done)
}
