//! Tokens: the client_credentials token endpoint with Keycloak's exact error bodies,
//! and the bearer lookup used by the Admin API (the store of issued tokens is the
//! model's, `model::tokens`).

use super::context::{Ctx, Outcome};
use crate::locks::lock;
use crate::model::tokens::{IssuedToken, TokenStore};
use crate::wire::codec::{base64_decode, parse_pairs, percent_decode};
use crate::wire::http::{Request, Response};
use serde_json::json;
use std::sync::Mutex;
use std::time::Duration;

const INVALID_CREDENTIALS: &str = "Invalid client or Invalid client credentials";

/// The grant behind `Authorization: Bearer <token>`, if valid.
pub(crate) fn valid_bearer(tokens: &Mutex<TokenStore>, req: &Request) -> Option<IssuedToken> {
    let (scheme, token) = req.header("authorization")?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    lock(tokens).lookup(token.trim())
}

/// `POST /realms/{realm}/protocol/openid-connect/token`.
pub(crate) fn token_endpoint(ctx: &Ctx, realm: &str) -> Outcome {
    match issue_token(ctx, realm) {
        Ok(response) => Outcome {
            response,
            authorized: true,
        },
        Err(response) => Outcome {
            response,
            authorized: false,
        },
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

fn issue_token(ctx: &Ctx, realm: &str) -> Result<Response, Response> {
    if ctx.world.realm(realm).is_none() {
        return Err(Response::error(404, "Realm does not exist"));
    }
    let form = parse_pairs(&String::from_utf8_lossy(&ctx.req.body));
    match form_value(&form, "grant_type") {
        None => {
            let msg = "Missing form parameter: grant_type";
            return Err(oauth_error(400, "invalid_request", msg));
        }
        Some("client_credentials") => {}
        Some(_) => {
            let msg = "Unsupported grant_type";
            return Err(oauth_error(400, "unsupported_grant_type", msg));
        }
    }
    let (id, secret) = credentials(ctx.req, &form);
    let client = id
        .as_deref()
        .and_then(|id| ctx.world.client(realm, id))
        .ok_or_else(|| oauth_error(401, "invalid_client", INVALID_CREDENTIALS))?;
    if client.public {
        let msg = "Public client not allowed to retrieve service account";
        return Err(oauth_error(401, "unauthorized_client", msg));
    }
    if secret.as_deref() != Some(client.secret.as_str()) {
        return Err(oauth_error(401, "unauthorized_client", INVALID_CREDENTIALS));
    }
    if !client.service_account {
        let msg = "Client not enabled to retrieve service account";
        return Err(oauth_error(401, "unauthorized_client", msg));
    }
    let lifetime = ctx.world.token_lifetime_secs;
    let token = lock(ctx.tokens).issue(realm, &client.client_id, Duration::from_secs(lifetime));
    Ok(Response::json(
        200,
        &json!({
            "access_token": token, "expires_in": lifetime, "refresh_expires_in": 0,
            "token_type": "Bearer", "not-before-policy": 0, "scope": "profile email",
        }),
    ))
}

fn form_value<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// (client_id, client_secret) from HTTP Basic auth, else from the form body.
fn credentials(req: &Request, form: &[(String, String)]) -> (Option<String>, Option<String>) {
    if let Some((id, secret)) = basic_credentials(req) {
        return (Some(id), Some(secret));
    }
    let id = form_value(form, "client_id").map(str::to_string);
    let secret = form_value(form, "client_secret").map(str::to_string);
    (id, secret)
}

fn basic_credentials(req: &Request) -> Option<(String, String)> {
    let (scheme, encoded) = req.header("authorization")?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded)?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((percent_decode(id, true), percent_decode(secret, true)))
}
