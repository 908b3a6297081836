//! Identity endpoints: identity providers (`/identity-provider/instances`,
//! secrets in clear; Keycloak 22 ignores paging), users' federated identity
//! links and the `idpAlias` filter of `/users`, and organizations with their
//! members (404 when the realm has organizations disabled).

use super::context::Ctx;
use super::params::{self, Page};
use super::users::user_rep;
use crate::model::json::{set, str_of};
use crate::model::realm::RealmData;
use crate::wire::http::Response;
use serde_json::{Value, json};

/// Keycloak's `ErrorRepresentation` body.
fn error_message(status: u16, message: &str) -> Response {
    Response::json(status, &json!({ "errorMessage": message }))
}

/// The fields a brief identity provider keeps.
const IDP_BRIEF: [&str; 5] = [
    "alias",
    "displayName",
    "internalId",
    "providerId",
    "enabled",
];

/// `GET /identity-provider/instances`: full by default, no default max.
pub(crate) fn identity_providers(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = if ctx.world.legacy_idp_instances {
        Page {
            first: 0,
            max: None,
        }
    } else {
        params::page(ctx, None)?
    };
    let brief = params::flag(ctx.req, "briefRepresentation", false);
    let idps = &realm.identity_providers;
    let items = idps[page.range(idps.len())]
        .iter()
        .map(|idp| {
            let mut rep = idp.clone();
            if let Some(map) = rep.as_object_mut().filter(|_| brief) {
                map.retain(|k, _| IDP_BRIEF.contains(&k.as_str()));
            }
            rep
        })
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `GET /users/{id}/federated-identity`: the user's links (not paged).
pub(crate) fn federated_identity(realm: &RealmData, id: &str) -> Result<Response, Response> {
    if !realm.users.iter().any(|u| str_of(u, "id") == id) {
        return Err(Response::error(404, "User not found"));
    }
    let links = realm
        .federated_identities
        .iter()
        .filter(|(user, _)| user == id)
        .map(|(_, link)| link.clone())
        .collect();
    Ok(Response::json(200, &Value::Array(links)))
}

fn require_organizations(realm: &RealmData) -> Result<(), Response> {
    if realm.representation["organizationsEnabled"] == true {
        Ok(())
    } else {
        Err(error_message(
            404,
            "Organizations not enabled for this realm.",
        ))
    }
}

/// `GET /organizations`: brief by default (no `attributes`), default max 10.
pub(crate) fn organizations(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    require_organizations(realm)?;
    let page = params::page(ctx, Some(10))?;
    let brief = params::flag(ctx.req, "briefRepresentation", true);
    let orgs = &realm.organizations;
    let items = orgs[page.range(orgs.len())]
        .iter()
        .map(|o| {
            let mut rep = o.clone();
            if let Some(map) = rep.as_object_mut().filter(|_| brief) {
                map.remove("attributes");
            }
            rep
        })
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `GET /organizations/{id}/members`: full users plus `membershipType`, in
/// user order; default max 10.
pub(crate) fn organization_members(
    ctx: &Ctx,
    realm: &RealmData,
    id: &str,
) -> Result<Response, Response> {
    require_organizations(realm)?;
    if !realm.organizations.iter().any(|o| str_of(o, "id") == id) {
        return Err(error_message(404, "Organization not found"));
    }
    let page = params::page(ctx, Some(10))?;
    let brief = params::flag(ctx.req, "briefRepresentation", false);
    let index = ctx.world.index(realm);
    let members: Vec<(&Value, &str)> = index
        .org_members
        .get(id)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|(pos, kind)| (&realm.users[*pos], kind.as_str()))
        .collect();
    let items = members[page.range(members.len())]
        .iter()
        .map(|(u, kind)| {
            let mut rep = user_rep(u, brief);
            set(&mut rep, "membershipType", json!(kind));
            rep
        })
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}
