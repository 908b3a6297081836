//! The group tree and what hangs off it. Keycloak 23 changed the tree's shape: before,
//! `GET /groups` returns top-level groups with the whole subtree nested in `subGroups`;
//! from 23 on it returns top-level groups only, each with `subGroupCount`, and children
//! come from the paged `GET /groups/{id}/children`. Both are handled without asking the
//! version: nested `subGroups` are walked, and children are fetched whenever
//! `subGroupCount` says there are more than were nested. Each group is visited once (ids
//! are remembered: memory grows with groups, never with users), parents first, with
//! `parentId` set by the walk.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::fanout::fan_out;
use super::{Ctx, Emit, End, each, text, with_realm};
use crate::error::{Error, Result};

const FULL: &[(&str, &str)] = &[("briefRepresentation", "false")];

/// The deepest group tree walked. Keycloak sets no limit, but a tree this deep is a
/// server that invents children (each child of the last), not an organisation.
const MAX_DEPTH: usize = 1000;

/// Calls `visit` with every group of the realm, flattened (no `subGroups`, no `access`).
/// The walk is a loop over a stack, not recursion, and a group id seen twice (a cycle)
/// is not walked again.
pub fn walk(ctx: &Ctx, visit: &mut dyn FnMut(Value) -> Result<()>) -> Result<()> {
    let mut seen = HashSet::new();
    let mut stack: Vec<(Value, Option<String>, usize)> = Vec::new();
    let query = FULL.iter().map(|(k, v)| (*k, v.to_string())).collect();
    for page in ctx.client.pages(ctx.realm, vec!["groups".into()], query) {
        stack.extend(page?.into_iter().rev().map(|g| (g, None, 0)));
        while let Some((group, parent, depth)) = stack.pop() {
            if depth >= MAX_DEPTH {
                return Err(Error::BadResponse {
                    path: format!("/admin/realms/{}/groups", ctx.realm),
                    detail: format!("the group tree is deeper than {MAX_DEPTH} levels"),
                });
            }
            let children = visit_one(ctx, group, parent, &mut seen, visit)?;
            stack.extend(children.into_iter().map(|(c, p)| (c, p, depth + 1)));
        }
    }
    Ok(())
}

/// Emits one group and returns its children (in reverse, ready for the stack).
fn visit_one(
    ctx: &Ctx,
    mut group: Value,
    parent: Option<String>,
    seen: &mut HashSet<String>,
    visit: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<Vec<(Value, Option<String>)>> {
    let id = text(&group, "id").to_string();
    if id.is_empty() || !seen.insert(id.clone()) {
        return Ok(Vec::new());
    }
    let mut children = match group.as_object_mut().and_then(|o| o.remove("subGroups")) {
        Some(Value::Array(nested)) => nested,
        _ => Vec::new(),
    };
    let count = group.get("subGroupCount").and_then(Value::as_u64);
    if let Some(obj) = group.as_object_mut() {
        obj.remove("access");
        obj.insert("parentId".into(), json!(parent));
    }
    visit(group)?;
    if count.is_some_and(|c| c as usize > children.len()) {
        let segments = vec!["groups".into(), id.clone(), "children".into()];
        each(ctx, segments, FULL, &mut |child| {
            children.push(child);
            Ok(())
        })?;
    }
    Ok(children
        .into_iter()
        .rev()
        .map(|c| (c, Some(id.clone())))
        .collect())
}

pub fn read_groups(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    walk(ctx, &mut |group| emit(with_realm(group, ctx.realm)))?;
    Ok(End::Done)
}

/// One record per (group, direct member), for every group of the tree; groups are read
/// side by side (`fanout`), records in walk order.
pub fn read_members(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let members = |ctx: &Ctx, group_id: String, out: &mut Emit| {
        let segments = vec!["groups".into(), group_id.clone(), "members".into()];
        each(
            ctx,
            segments,
            &[("briefRepresentation", "true")],
            &mut |user| {
                out(json!({
                    "realm": ctx.realm,
                    "group_id": group_id,
                    "user_id": user.get("id"),
                    "username": user.get("username"),
                }))
            },
        )
    };
    fan_out(ctx, |submit| walk_ids(ctx, submit), members, emit)?;
    Ok(End::Done)
}

/// One record per (group, role) directly mapped to the group, realm and client roles.
pub fn read_role_mappings(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let mappings = |ctx: &Ctx, group_id: String, out: &mut Emit| {
        let segments = ["groups", group_id.as_str(), "role-mappings"];
        let mappings = ctx.client.get_admin(ctx.realm, &segments, &[])?;
        for role in mappings["realmMappings"].as_array().into_iter().flatten() {
            out(mapping(ctx, &group_id, role, None))?;
        }
        let clients = mappings["clientMappings"].as_object();
        for client in clients.into_iter().flat_map(|m| m.values()) {
            for role in client["mappings"].as_array().into_iter().flatten() {
                out(mapping(ctx, &group_id, role, Some(client)))?;
            }
        }
        Ok(())
    };
    fan_out(ctx, |submit| walk_ids(ctx, submit), mappings, emit)?;
    Ok(End::Done)
}

/// The ids of every group, in walk order: the parents of the per-group fan-outs.
fn walk_ids(ctx: &Ctx, submit: &mut dyn FnMut(String) -> Result<()>) -> Result<()> {
    walk(ctx, &mut |group| submit(text(&group, "id").to_string()))
}

fn mapping(ctx: &Ctx, group_id: &str, role: &Value, client: Option<&Value>) -> Value {
    json!({
        "realm": ctx.realm,
        "group_id": group_id,
        "role_id": role.get("id"),
        "role_name": role.get("name"),
        "client_role": client.is_some(),
        "client_id": client.and_then(|c| c.get("id")),
        "clientId": client.and_then(|c| c.get("client")),
    })
}
