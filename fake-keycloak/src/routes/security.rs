//! Credentials, lockouts, consents (per user), the authentication policy, keys,
//! identity provider mappers and organization invitations.

use super::context::Ctx;
use super::params;
use crate::model::realm::RealmData;
use crate::model::security::zero_lockout;
use crate::wire::http::Response;
use serde_json::{Value, json};

fn missing(what: &str) -> Response {
    Response::json(404, &json!({"error": format!("{what} not found")}))
}

/// Every user has a password credential in the sample, so the credentials map is also
/// the (logarithmic) index of which users exist.
fn user_exists(realm: &RealmData, id: &str) -> Result<(), Response> {
    if realm.security.credentials.contains_key(id) {
        Ok(())
    } else {
        Err(missing("User"))
    }
}

fn list(items: Option<&Vec<Value>>) -> Response {
    Response::json(200, &Value::Array(items.cloned().unwrap_or_default()))
}

/// `GET /users/{id}/credentials`.
pub(crate) fn credentials(realm: &RealmData, id: &str) -> Result<Response, Response> {
    user_exists(realm, id)?;
    Ok(list(realm.security.credentials.get(id)))
}

/// `GET /users/{id}/consents`.
pub(crate) fn consents(realm: &RealmData, id: &str) -> Result<Response, Response> {
    user_exists(realm, id)?;
    Ok(list(realm.security.consents.get(id)))
}

/// `GET /attack-detection/brute-force/users/{id}`.
pub(crate) fn brute_force(realm: &RealmData, id: &str) -> Result<Response, Response> {
    user_exists(realm, id)?;
    let status = realm
        .security
        .lockouts
        .get(id)
        .cloned()
        .unwrap_or_else(zero_lockout);
    Ok(Response::json(200, &status))
}

pub(crate) fn required_actions(realm: &RealmData) -> Response {
    list(Some(&realm.security.required_actions))
}

pub(crate) fn flows(realm: &RealmData) -> Response {
    list(Some(&realm.security.flows))
}

/// `GET /authentication/flows/{alias}/executions`.
pub(crate) fn executions(realm: &RealmData, alias: &str) -> Result<Response, Response> {
    match realm.security.executions.get(alias) {
        Some(items) => Ok(list(Some(items))),
        None => Err(missing("Flow")),
    }
}

/// `GET /keys`.
pub(crate) fn keys(realm: &RealmData) -> Response {
    let active: serde_json::Map<String, Value> = realm
        .security
        .keys
        .iter()
        .map(|k| {
            (
                k["algorithm"].as_str().unwrap_or_default().to_string(),
                k["kid"].clone(),
            )
        })
        .collect();
    Response::json(200, &json!({"active": active, "keys": realm.security.keys}))
}

/// `GET /identity-provider/instances/{alias}/mappers`.
pub(crate) fn idp_mappers(realm: &RealmData, alias: &str) -> Result<Response, Response> {
    if !realm.identity_providers.iter().any(|i| i["alias"] == alias) {
        return Err(missing("Identity provider"));
    }
    Ok(list(realm.security.idp_mappers.get(alias)))
}

/// `GET /organizations/{id}/invitations`: paged, default max 10 (like members).
pub(crate) fn invitations(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    if realm.representation["organizationsEnabled"] != true {
        return Err(Response::json(
            404,
            &json!({"error": "Organizations not enabled for this realm."}),
        ));
    }
    if !realm.organizations.iter().any(|o| o["id"] == id) {
        return Err(missing("Organization"));
    }
    let page = params::page(ctx, Some(10))?;
    let all = realm
        .security
        .invitations
        .get(id)
        .cloned()
        .unwrap_or_default();
    Ok(Response::json(
        200,
        &Value::Array(all[page.range(all.len())].to_vec()),
    ))
}
