//! Realm-level resources of the Admin API that serve a realm's lists as they are: the
//! realm representation, clients (with the `clientId` filter), client scopes and
//! components.

use super::context::Ctx;
use super::params;
use crate::model::realm::RealmData;
use crate::wire::http::Response;
use serde_json::{Value, json};

/// `GET /admin/realms/{realm}`: the representation as stored.
pub(crate) fn representation(realm: &RealmData) -> Response {
    Response::json(200, &realm.representation)
}

/// `GET /clients`: `clientId` filters exactly, or by substring with `search=true`.
pub(crate) fn clients(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = params::page(ctx, None)?;
    let wanted = ctx.req.param("clientId");
    let search = params::flag(ctx.req, "search", false);
    let matching: Vec<&Value> = realm
        .clients
        .iter()
        .filter(|c| {
            let id = c["clientId"].as_str().unwrap_or("");
            match wanted {
                None => true,
                Some(w) if search => id.contains(w),
                Some(w) => id == w,
            }
        })
        .collect();
    let items = matching[page.range(matching.len())]
        .iter()
        .map(|c| (*c).clone())
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `GET /client-scopes`: all of them (not paged).
pub(crate) fn client_scopes(realm: &RealmData) -> Response {
    Response::json(200, &Value::Array(realm.client_scopes.clone()))
}

/// `GET /components`, filtered by `type` (the `providerType`).
pub(crate) fn components(ctx: &Ctx, realm: &RealmData) -> Response {
    let wanted = ctx.req.param("type");
    let list: Vec<Value> = realm
        .components
        .iter()
        .filter(|c| wanted.is_none_or(|t| c.get("providerType") == Some(&json!(t))))
        .cloned()
        .collect();
    Response::json(200, &Value::Array(list))
}
