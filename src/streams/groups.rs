//! The group tree. Keycloak 23 changed its shape: before, `GET /groups` returns top-level
//! groups with the whole subtree nested in `subGroups`; from 23 on it returns top-level
//! groups only, each with `subGroupCount`, and children come from the paged
//! `GET /groups/{id}/children`. We handle both without asking the version: nested
//! `subGroups` are walked, and children are fetched whenever `subGroupCount` says there
//! are more than were nested. Each group is emitted once (ids are remembered: memory grows
//! with the number of groups, never with users), with `parentId` set by the walk.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::error::Result;
use crate::http::Client;

/// Calls `visit` with every group of the realm, flattened (no `subGroups`, no `access`),
/// parents before their children.
pub fn walk(
    client: &Client,
    realm: &str,
    visit: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<()> {
    let mut seen = HashSet::new();
    let top = client.pages(realm, vec!["groups".into()], full());
    for page in top {
        let mut stack: Vec<(Value, Option<String>)> =
            page?.into_iter().rev().map(|g| (g, None)).collect();
        while let Some((group, parent)) = stack.pop() {
            visit_one(client, realm, group, parent, &mut seen, &mut stack, visit)?;
        }
    }
    Ok(())
}

fn full() -> Vec<(&'static str, String)> {
    vec![("briefRepresentation", "false".to_string())]
}

#[allow(clippy::too_many_arguments)]
fn visit_one(
    client: &Client,
    realm: &str,
    mut group: Value,
    parent: Option<String>,
    seen: &mut HashSet<String>,
    stack: &mut Vec<(Value, Option<String>)>,
    visit: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<()> {
    let Some(id) = group.get("id").and_then(Value::as_str).map(str::to_string) else {
        return Ok(());
    };
    if !seen.insert(id.clone()) {
        return Ok(());
    }
    let nested = match group.as_object_mut().and_then(|o| o.remove("subGroups")) {
        Some(Value::Array(children)) => children,
        _ => Vec::new(),
    };
    let count = group.get("subGroupCount").and_then(Value::as_u64);
    if let Some(obj) = group.as_object_mut() {
        obj.remove("access");
        obj.insert("parentId".into(), json!(parent));
    }
    let nested_len = nested.len();
    visit(group)?;
    // Children go on the stack in reverse so they pop in server order.
    let mut children: Vec<Value> = nested;
    if count.is_some_and(|c| c as usize > nested_len) {
        let segments = vec!["groups".into(), id.clone(), "children".into()];
        for page in client.pages(realm, segments, full()) {
            children.extend(page?);
        }
    }
    stack.extend(children.into_iter().rev().map(|c| (c, Some(id.clone()))));
    Ok(())
}

/// One record per (group, member), for every group of the tree.
pub fn members(
    client: &Client,
    realm: &str,
    emit: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<()> {
    walk(client, realm, &mut |group| {
        let Some(group_id) = group.get("id").and_then(Value::as_str) else {
            return Ok(());
        };
        let segments = vec!["groups".into(), group_id.to_string(), "members".into()];
        let query = vec![("briefRepresentation", "true".to_string())];
        for page in client.pages(realm, segments, query) {
            for user in page? {
                emit(json!({
                    "realm": realm,
                    "group_id": group_id,
                    "user_id": user.get("id"),
                    "username": user.get("username"),
                }))?;
            }
        }
        Ok(())
    })
}
