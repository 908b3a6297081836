//! Roles and their assignments: client roles, composite roles' children, and direct
//! user role mappings. Mappings are read per role (`/roles/{name}/users`,
//! `/clients/{id}/roles/{name}/users`), so requests grow with roles, not with users.

use serde_json::{Value, json};

use super::clients::each_client;
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

pub fn read_client_roles(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    each_client(ctx, &mut |client| {
        let segments = segs(&["clients", text(client, "id"), "roles"]);
        each(ctx, segments, FULL, &mut |mut role| {
            if let Some(obj) = role.as_object_mut() {
                obj.insert("client_id".into(), client["id"].clone());
                obj.insert("clientId".into(), client["clientId"].clone());
            }
            emit(with_realm(role, ctx.realm))
        })
    })?;
    Ok(End::Done)
}

/// One record per (composite role, direct child role), realm and client composites.
pub fn read_composites(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    each_role(ctx, BRIEF, &mut |owned| {
        if owned.role.get("composite") != Some(&Value::Bool(true)) {
            return Ok(());
        }
        let parent = &owned.role;
        let segments = segs(&["roles-by-id", text(parent, "id"), "composites"]);
        each(ctx, segments, &[], &mut |child| {
            emit(json!({
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
    })?;
    Ok(End::Done)
}

/// One record per (user, role) for roles assigned to users directly.
pub fn read_user_mappings(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    each_role(ctx, BRIEF, &mut |owned| {
        let name = text(&owned.role, "name");
        let segments = match owned.client {
            None => segs(&["roles", name, "users"]),
            Some(client) => segs(&["clients", text(client, "id"), "roles", name, "users"]),
        };
        each(ctx, segments, BRIEF, &mut |user| {
            emit(json!({
                "realm": ctx.realm,
                "user_id": user.get("id"),
                "username": user.get("username"),
                "role_id": owned.role.get("id"),
                "role_name": owned.role.get("name"),
                "client_role": owned.client.is_some(),
                "client_id": owned.client.and_then(|c| c.get("id")),
                "clientId": owned.client.and_then(|c| c.get("clientId")),
            }))
        })
    })?;
    Ok(End::Done)
}
