//! Role endpoints: realm roles, client roles, the direct children of composite roles
//! (`/roles-by-id/{id}/composites`), users with a direct mapping of a realm or client
//! role, a group's and a user's role mappings, and a client's service-account user.

use super::context::Ctx;
use super::params;
use crate::model::ids::uuid;
use crate::model::index::RealmIndex;
use crate::model::json::str_of;
use crate::model::realm::RealmData;
use crate::wire::http::Response;
use serde_json::{Map, Value, json};

/// A role as returned: brief drops `attributes`, full always has them.
pub(crate) fn role_rep(role: &Value, brief: bool) -> Value {
    let mut rep = role.clone();
    if let Some(map) = rep.as_object_mut() {
        if brief {
            map.remove("attributes");
        } else {
            map.entry("attributes").or_insert_with(|| json!({}));
        }
    }
    rep
}

/// `GET /roles`: realm roles, brief by default, no default max.
pub(crate) fn realm_roles(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = params::page(ctx, None)?;
    let brief = params::flag(ctx.req, "briefRepresentation", true);
    let items = realm.roles[page.range(realm.roles.len())]
        .iter()
        .map(|r| role_rep(r, brief))
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

fn find_client<'a>(realm: &'a RealmData, id: &str) -> Result<&'a Value, Response> {
    realm
        .clients
        .iter()
        .find(|c| str_of(c, "id") == id)
        .ok_or_else(|| Response::error(404, "Could not find client"))
}

fn role_not_found() -> Response {
    Response::error(404, "Could not find role")
}

/// Realm and client roles together.
fn all_roles(realm: &RealmData) -> impl Iterator<Item = &Value> {
    realm.roles.iter().chain(&realm.client_roles)
}

/// `GET /clients/{id}/roles`: brief by default, no default max.
pub(crate) fn client_roles(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    find_client(realm, id)?;
    let page = params::page(ctx, None)?;
    let brief = params::flag(ctx.req, "briefRepresentation", true);
    let roles: Vec<&Value> = realm
        .client_roles
        .iter()
        .filter(|r| str_of(r, "containerId") == id)
        .collect();
    let items = roles[page.range(roles.len())]
        .iter()
        .map(|r| role_rep(r, brief))
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `GET /roles-by-id/{id}/composites`: direct children, brief, no default max.
pub(crate) fn composites(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    if !all_roles(realm).any(|r| str_of(r, "id") == id) {
        return Err(role_not_found());
    }
    let page = params::page(ctx, None)?;
    let children: Vec<&Value> = realm
        .composites
        .iter()
        .filter(|(parent, _)| parent == id)
        .filter_map(|(_, child)| all_roles(realm).find(|r| str_of(r, "id") == child))
        .collect();
    let items = children[page.range(children.len())]
        .iter()
        .map(|r| role_rep(r, true))
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// Users mapped directly to `role_id`, in user order; default max 100.
fn role_users(ctx: &Ctx, realm: &RealmData, role_id: &str) -> Result<Response, Response> {
    let page = params::page(ctx, Some(100))?;
    let brief = params::flag(ctx.req, "briefRepresentation", false);
    let index = ctx.world.index(realm);
    let holders = index.role_users.get(role_id).map_or(&[][..], Vec::as_slice);
    let users = holders[page.range(holders.len())]
        .iter()
        .map(|&i| &realm.users[i]);
    Ok(Response::json_list(users, brief.then_some("attributes")))
}

/// `GET /roles/{role-name}/users`.
pub(crate) fn realm_role_users(
    ctx: &Ctx,
    realm: &RealmData,
    name: &str,
) -> Result<Response, Response> {
    let role = realm
        .roles
        .iter()
        .find(|r| str_of(r, "name") == name)
        .ok_or_else(role_not_found)?;
    role_users(ctx, realm, str_of(role, "id"))
}

/// `GET /clients/{id}/roles/{role-name}/users`.
pub(crate) fn client_role_users(
    ctx: &Ctx,
    realm: &RealmData,
    client_id: &str,
    name: &str,
) -> Result<Response, Response> {
    find_client(realm, client_id)?;
    let role = realm
        .client_roles
        .iter()
        .find(|r| str_of(r, "containerId") == client_id && str_of(r, "name") == name)
        .ok_or_else(role_not_found)?;
    role_users(ctx, realm, str_of(role, "id"))
}

/// `GET /groups/{id}/role-mappings`: `realmMappings` and `clientMappings`,
/// each omitted when empty (an unmapped group gives `{}`).
pub(crate) fn group_role_mappings(
    ctx: &Ctx,
    realm: &RealmData,
    id: &str,
) -> Result<Response, Response> {
    let index = ctx.world.index(realm);
    if !index.group_pos.contains_key(id) {
        return Err(Response::error(404, "Could not find group by id"));
    }
    let mapped = index.group_roles.get(id).map_or(&[][..], Vec::as_slice);
    Ok(mappings(realm, &index, mapped))
}

/// `GET /users/{id}/role-mappings`: a user's direct mappings, the shape of a group's.
/// A client's service-account user (`service_account_user`) holds none here.
pub(crate) fn user_role_mappings(
    ctx: &Ctx,
    realm: &RealmData,
    id: &str,
) -> Result<Response, Response> {
    let index = ctx.world.index(realm);
    if !index.user_pos.contains_key(id) {
        if service_accounts(realm).any(|(_, user)| user == id) {
            return Ok(Response::json(200, &json!({})));
        }
        return Err(Response::error(404, "User not found"));
    }
    let mapped = index.user_roles.get(id).map_or(&[][..], Vec::as_slice);
    Ok(mappings(realm, &index, mapped))
}

/// `GET /clients/{id}/service-account-user`: Keycloak answers 400 for a client without
/// service accounts.
pub(crate) fn service_account_user(realm: &RealmData, id: &str) -> Result<Response, Response> {
    let client = find_client(realm, id)?;
    let Some((_, user)) = service_accounts(realm).find(|(c, _)| str_of(c, "id") == id) else {
        return Err(Response::error(
            400,
            "Service account not enabled for the client",
        ));
    };
    let username = format!(
        "service-account-{}",
        str_of(client, "clientId").to_lowercase()
    );
    Ok(Response::json(
        200,
        &json!({"id": user, "username": username, "enabled": true, "emailVerified": false,
                "serviceAccountClientId": id, "attributes": {}}),
    ))
}

/// Every client with service accounts on, with its service-account user's id.
fn service_accounts(realm: &RealmData) -> impl Iterator<Item = (&Value, String)> {
    realm
        .clients
        .iter()
        .enumerate()
        .filter(|(_, c)| c["serviceAccountsEnabled"] == true)
        .map(|(i, c)| (c, uuid(&realm.name, "service-account-user", i as u64)))
}

/// A `role-mappings` answer for the roles `mapped`: realm roles under `realmMappings`,
/// client roles under `clientMappings` by clientId, each omitted when empty.
fn mappings(realm: &RealmData, index: &RealmIndex, mapped: &[String]) -> Response {
    let mut realm_mappings = Vec::new();
    let mut client_mappings: Map<String, Value> = Map::new();
    for role in mapped
        .iter()
        .filter_map(|role_id| index.role(realm, role_id))
    {
        if role["clientRole"] != true {
            realm_mappings.push(role_rep(role, true));
            continue;
        }
        let container = str_of(role, "containerId");
        let Ok(client) = find_client(realm, container) else {
            continue;
        };
        let client_id = str_of(client, "clientId");
        let entry = client_mappings
            .entry(client_id)
            .or_insert_with(|| json!({"id": container, "client": client_id, "mappings": []}));
        if let Some(list) = entry.get_mut("mappings").and_then(Value::as_array_mut) {
            list.push(role_rep(role, true));
        }
    }
    let mut body = Map::new();
    if !realm_mappings.is_empty() {
        body.insert("realmMappings".into(), Value::Array(realm_mappings));
    }
    if !client_mappings.is_empty() {
        body.insert("clientMappings".into(), Value::Object(client_mappings));
    }
    Response::json(200, &Value::Object(body))
}
