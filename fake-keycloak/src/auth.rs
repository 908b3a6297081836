//! Tokens: the client_credentials token endpoint with Keycloak's exact error
//! bodies, the store of issued (expiring, revocable) opaque tokens, and the
//! bearer lookup used by the admin API.

use crate::api::{Ctx, Outcome};
use crate::http::{Request, Response, base64_decode, parse_pairs, percent_decode};
use crate::ids::{BASE64URL, SplitMix};
use crate::state::lock;
use serde_json::json;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

const INVALID_CREDENTIALS: &str = "Invalid client or Invalid client credentials";

/// Who a token was issued to, and until when it works.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub realm: String,
    pub client_id: String,
    pub expires_at: Instant,
}

/// Live tokens plus the count of every token ever issued.
pub(crate) struct TokenStore {
    live: HashMap<String, IssuedToken>,
    issued: usize,
    rng: SplitMix,
}

impl TokenStore {
    pub(crate) fn new() -> Self {
        let seed = RandomState::new().hash_one(SystemTime::now());
        Self {
            live: HashMap::new(),
            issued: 0,
            rng: SplitMix::new(seed),
        }
    }

    /// A new random-looking token (three base64url segments, like a JWT).
    pub(crate) fn issue(&mut self, realm: &str, client_id: &str, lifetime: Duration) -> String {
        let now = Instant::now();
        if self.live.len() > 10_000 {
            self.live.retain(|_, t| t.expires_at > now);
        }
        let token = format!(
            "{}{}.{}.{}",
            crate::TOKEN_PREFIX,
            self.rng.chars(BASE64URL, 16),
            self.rng.chars(BASE64URL, 240),
            self.rng.chars(BASE64URL, 86)
        );
        let issued = IssuedToken {
            realm: realm.to_string(),
            client_id: client_id.to_string(),
            expires_at: now + lifetime,
        };
        self.live.insert(token.clone(), issued);
        self.issued += 1;
        token
    }

    /// The token's grant, if it was issued, is not revoked and has not expired.
    pub(crate) fn lookup(&self, token: &str) -> Option<IssuedToken> {
        self.live
            .get(token)
            .filter(|t| Instant::now() < t.expires_at)
            .cloned()
    }

    pub(crate) fn revoke_all(&mut self) {
        self.live.clear();
    }

    pub(crate) fn issued(&self) -> usize {
        self.issued
    }
}

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
