//! The public realm endpoints, which need no token: the realm's info
//! (`GET /realms/{realm}`, with a deterministic public key) and its OpenID discovery
//! document.

use super::context::Ctx;
use crate::model::ids::{BASE64, SplitMix, fnv1a};
use crate::wire::http::Response;
use serde_json::json;

pub(crate) fn realm_info(ctx: &Ctx, realm: &str) -> Response {
    if ctx.world.realm(realm).is_none() {
        return Response::error(404, "Realm does not exist");
    }
    let base = format!("{}/realms/{realm}", ctx.world.base_url);
    Response::json(
        200,
        &json!({
            "realm": realm, "public_key": public_key(realm),
            "token-service": format!("{base}/protocol/openid-connect"),
            "account-service": format!("{base}/account"), "tokens-not-before": 0,
        }),
    )
}

pub(crate) fn discovery(ctx: &Ctx, realm: &str) -> Response {
    if ctx.world.realm(realm).is_none() {
        return Response::error(404, "Realm does not exist");
    }
    let issuer = format!("{}/realms/{realm}", ctx.world.base_url);
    Response::json(
        200,
        &json!({
            "issuer": issuer,
            "token_endpoint": format!("{issuer}/protocol/openid-connect/token"),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }),
    )
}

/// A deterministic RSA-public-key-looking base64 string for `realm`.
fn public_key(realm: &str) -> String {
    let mut rng = SplitMix::new(fnv1a(realm.as_bytes()));
    let middle = rng.chars(BASE64, 342);
    format!("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA{middle}IDAQAB")
}
