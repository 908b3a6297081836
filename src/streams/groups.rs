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

use super::children::{Answer, Children};
use super::parents::{Parents, with_role};
use super::{Ctx, Emit, End, each, segs, text, with_realm};
use crate::error::{Error, Result};

const FULL: &[(&str, &str)] = &[("briefRepresentation", "false")];

/// The deepest group tree walked. Keycloak sets no limit, but a tree this deep is a
/// server that invents children (each child of the last), not an organisation.
const MAX_DEPTH: usize = 1000;

/// Calls `visit` with every group of the realm, flattened (no `subGroups`, no `access`).
/// The walk is a loop over a stack, not recursion. A group listed twice (nested and
/// again as a fetched child) is visited once; a group that is its own ancestor (a
/// cycle, which Keycloak cannot have) is an error, as is a tree deeper than `MAX_DEPTH`.
pub fn walk(ctx: &Ctx, visit: &mut dyn FnMut(Value) -> Result<()>) -> Result<()> {
    let mut seen = HashSet::new();
    // The ids of the groups above the one being visited (depth-first order).
    let mut ancestors: Vec<String> = Vec::new();
    let mut stack: Vec<(Value, Option<String>, usize)> = Vec::new();
    let query = FULL.iter().map(|(k, v)| (*k, v.to_string())).collect();
    for page in ctx.client.pages(ctx.realm, vec!["groups".into()], query) {
        stack.extend(page?.into_iter().rev().map(|g| (g, None, 0)));
        while let Some((group, parent, depth)) = stack.pop() {
            let bad = |detail: String| Error::BadResponse {
                path: format!("/admin/realms/{}/groups", ctx.realm),
                detail,
            };
            if depth >= MAX_DEPTH {
                return Err(bad(format!(
                    "the group tree is deeper than {MAX_DEPTH} levels"
                )));
            }
            ancestors.truncate(depth);
            let id = text(&group, "id").to_string();
            if ancestors.contains(&id) {
                return Err(bad(
                    "the group tree has a cycle: a group is its own ancestor".into(),
                ));
            }
            ancestors.push(id);
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

/// One record per (group, direct member), for every group of the tree.
pub static MEMBERS: Children = Children {
    parents: Parents::Groups,
    path: |group| segs(&["groups", text(group, "id"), "members"]),
    query: &[("briefRepresentation", "true")],
    answer: Answer::Paged,
    record: |group, user| {
        json!({
            "group_id": group.get("id"),
            "user_id": user.get("id"),
            "username": user.get("username"),
        })
    },
    status: &[],
};

/// One record per (group, role) directly mapped to the group, realm and client roles.
pub static ROLE_MAPPINGS: Children = Children {
    parents: Parents::Groups,
    path: |group| segs(&["groups", text(group, "id"), "role-mappings"]),
    query: &[],
    answer: Answer::Pick(mapped_roles),
    record: |group, mapped| with_role(&mapped, json!({"group_id": group.get("id")})),
    status: &[],
};

/// A `role-mappings` answer (a group's or a user's) as `{role, client}` rows: realm roles first, then
/// each client's (`client` is the `clientMappings` entry's `id`, and its `client` as
/// `clientId`), the row shape of `Parents::Roles`.
pub(crate) fn mapped_roles(mappings: Value) -> Vec<Value> {
    let mut rows = Vec::new();
    for role in mappings["realmMappings"].as_array().into_iter().flatten() {
        rows.push(json!({"role": role, "client": null}));
    }
    let clients = mappings["clientMappings"].as_object();
    for client in clients.into_iter().flat_map(|m| m.values()) {
        let owner = json!({"id": client.get("id"), "clientId": client.get("client")});
        for role in client["mappings"].as_array().into_iter().flatten() {
            rows.push(json!({"role": role, "client": owner}));
        }
    }
    rows
}
