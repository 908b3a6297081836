//! Group endpoints in both styles. Modern (Keycloak 23+): `/groups` lists top
//! level groups with `subGroupCount` and empty `subGroups`, `/children` pages
//! direct children. Legacy (Keycloak 22 and older): `/groups` nests the whole
//! subtree in `subGroups`, and `GET /children` is 405.

use super::context::{Ctx, method_not_allowed};
use super::params;
use crate::model::index::RealmIndex;
use crate::model::realm::RealmData;
use crate::wire::http::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Guards the legacy recursion against parentId cycles made at runtime.
const MAX_DEPTH: usize = 64;

/// Groups by id and by parent id, in the realm's stable order (from the cached
/// [`RealmIndex`]).
struct Index<'a> {
    groups: &'a [Value],
    ix: Arc<RealmIndex>,
}

fn id_of(g: &Value) -> Option<&str> {
    g.get("id").and_then(Value::as_str)
}

impl<'a> Index<'a> {
    fn new(ctx: &Ctx, realm: &'a RealmData) -> Self {
        Self {
            groups: &realm.groups,
            ix: ctx.world.index(realm),
        }
    }

    fn children(&self, parent: Option<&str>) -> Vec<&'a Value> {
        self.ix
            .children
            .get(parent.unwrap_or(""))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.groups[i])
            .collect()
    }

    /// The group `id`, or Keycloak's 404.
    fn get(&self, id: &str) -> Result<&'a Value, Response> {
        self.ix
            .group_pos
            .get(id)
            .map(|&i| &self.groups[i])
            .ok_or_else(|| Response::error(404, "Could not find group by id"))
    }

    fn child_count(&self, g: &Value) -> usize {
        id_of(g).map_or(0, |id| self.ix.children.get(id).map_or(0, Vec::len))
    }
}

fn access() -> Value {
    json!({"view": true, "viewMembers": true, "manageMembers": false, "manage": false,
           "manageMembership": false})
}

fn base(g: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    for key in ["id", "name", "path"] {
        m.insert(key.into(), g.get(key).cloned().unwrap_or(Value::Null));
    }
    m
}

fn add_full_fields(m: &mut Map<String, Value>, g: &Value) {
    let field = |k: &str, default: Value| g.get(k).cloned().unwrap_or(default);
    m.insert("attributes".into(), field("attributes", json!({})));
    m.insert("realmRoles".into(), field("realmRoles", json!([])));
    m.insert("clientRoles".into(), field("clientRoles", json!({})));
}

/// Keycloak 23+ shape; `parentId` only for children.
fn modern<'a>(idx: &Index<'a>, g: &'a Value, full: bool, with_parent: bool) -> Value {
    let mut m = base(g);
    if let Some(parent) = g.get("parentId").filter(|p| with_parent && !p.is_null()) {
        m.insert("parentId".into(), parent.clone());
    }
    m.insert("subGroupCount".into(), json!(idx.child_count(g)));
    m.insert("subGroups".into(), json!([]));
    if full {
        add_full_fields(&mut m, g);
    }
    m.insert("access".into(), access());
    Value::Object(m)
}

/// Keycloak 22 shape: the whole subtree nested, no counts, no parentId.
fn legacy<'a>(idx: &Index<'a>, g: &'a Value, full: bool, depth: usize) -> Map<String, Value> {
    let mut m = base(g);
    if full {
        add_full_fields(&mut m, g);
    }
    let subs: Vec<Value> = match id_of(g) {
        Some(id) if depth < MAX_DEPTH => idx
            .children(Some(id))
            .iter()
            .map(|c| Value::Object(legacy(idx, c, full, depth + 1)))
            .collect(),
        _ => Vec::new(),
    };
    m.insert("subGroups".into(), Value::Array(subs));
    m
}

/// `GET /groups`: top-level groups; no default max; brief by default.
pub(crate) fn list(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let idx = Index::new(ctx, realm);
    let top = idx.children(None);
    let page = params::page(ctx, None)?;
    let full = !params::flag(ctx.req, "briefRepresentation", true);
    let items = top[page.range(top.len())]
        .iter()
        .map(|g| {
            if ctx.world.legacy_groups {
                Value::Object(legacy(&idx, g, full, 0))
            } else {
                modern(&idx, g, full, false)
            }
        })
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `GET /groups/count`: `{"count": n}`, all groups or top level with `top=true`.
pub(crate) fn count(ctx: &Ctx, realm: &RealmData) -> Response {
    let n = if params::flag(ctx.req, "top", false) {
        Index::new(ctx, realm).children(None).len()
    } else {
        realm.groups.len()
    };
    Response::json(200, &json!({ "count": n }))
}

/// `GET /groups/{id}`: the full representation.
pub(crate) fn one(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    let idx = Index::new(ctx, realm);
    let g = idx.get(id)?;
    let rep = if ctx.world.legacy_groups {
        let mut m = legacy(&idx, g, true, 0);
        m.insert("access".into(), access());
        Value::Object(m)
    } else {
        modern(&idx, g, true, true)
    };
    Ok(Response::json(200, &rep))
}

/// `GET /groups/{id}/children`: default max 10, full by default (as Keycloak).
pub(crate) fn children(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    let idx = Index::new(ctx, realm);
    let g = idx.get(id)?;
    if ctx.world.legacy_groups {
        return Err(method_not_allowed());
    }
    let page = params::page(ctx, Some(10))?;
    let full = !params::flag(ctx.req, "briefRepresentation", false);
    let kids = idx.children(id_of(g));
    let items = kids[page.range(kids.len())]
        .iter()
        .map(|c| modern(&idx, c, full, true))
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `GET /groups/{id}/members`: direct members in user order; default max 100.
pub(crate) fn members(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    let idx = Index::new(ctx, realm);
    idx.get(id)?;
    let page = params::page(ctx, Some(100))?;
    let brief = params::flag(ctx.req, "briefRepresentation", false);
    let members = idx.ix.members.get(id).map_or(&[][..], Vec::as_slice);
    let users = members[page.range(members.len())]
        .iter()
        .map(|&i| &realm.users[i]);
    Ok(Response::json_list(users, brief.then_some("attributes")))
}
