//! The access token: OAuth2 client-credentials grant at
//! `{server_url}/realms/{realm}/protocol/openid-connect/token`. Such grants come without a
//! refresh token, so a new token is requested shortly before `expires_in` runs out (60 s
//! in the master realm, 300 s elsewhere by default) and after a 401. The token endpoint's
//! refusals are turned into messages that say what to change (observed on Keycloak 26.7):
//! - 401 `unauthorized_client` "Invalid client or Invalid client credentials": wrong secret
//! - 401 `invalid_client`: no such client in the realm (or it is disabled)
//! - 401 "Client not enabled to retrieve service account": service accounts are off
//! - 401 "Public client not allowed to retrieve service account": the client is public
//! - 404 `{"error":"Realm does not exist"}`: unknown realm
//! - 404 anything else: no Keycloak token endpoint under `server_url` (often a missing or
//!   extra `/auth`, which we probe for and name).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Settings;
use super::{Client, keycloak_detail};
use crate::error::{Error, Result};
use crate::redact::Secret;

/// The longest token accepted or registered for redaction (Keycloak's carry the roles:
/// a few KB, tens of KB for an account with very many roles).
const MAX_TOKEN_LEN: usize = 64 * 1024;

struct Token {
    value: String,
    refresh_at: Instant,
}

pub struct TokenSource {
    realm: String,
    client_id: String,
    secret: Secret,
    current: Mutex<Option<Token>>,
}

impl TokenSource {
    pub fn new(config: &Settings) -> Self {
        TokenSource {
            realm: config.realm.clone(),
            client_id: config.client_id.clone(),
            secret: config.client_secret.clone(),
            current: Mutex::new(None),
        }
    }

    /// A valid token, from the cache or freshly requested.
    pub fn token(&self, client: &Client) -> Result<String> {
        let mut current = self
            .current
            .lock()
            .map_err(|_| Error::Internal("the token cache lock is poisoned".into()))?;
        if let Some(token) = current.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.value.clone());
        }
        let token = client.retry.run(|| self.request(client))?;
        let value = token.value.clone();
        *current = Some(token);
        Ok(value)
    }

    /// Forgets `token` if it is still the cached one (another thread may have replaced it).
    pub fn invalidate(&self, token: &str) {
        if let Ok(mut current) = self.current.lock()
            && current.as_ref().is_some_and(|t| t.value == token)
        {
            *current = None;
        }
    }

    fn request(&self, client: &Client) -> Result<Token> {
        let url = client.url(&["realms", &self.realm, "protocol", "openid-connect", "token"])?;
        let path = url.path().to_string();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose()),
        ];
        let started = Instant::now();
        let request = client.token_http.post(url).form(&form);
        let (status, body) = client.send_raw(request, &path)?;
        if status.is_success() {
            register_tokens(&body);
            return parse_token(&body, &path, started);
        }
        Err(self.explain_refusal(client, status.as_u16(), &body, &path))
    }

    fn explain_refusal(&self, client: &Client, status: u16, body: &str, path: &str) -> Error {
        let (realm, id) = (&self.realm, &self.client_id);
        let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let error = json["error"].as_str().unwrap_or_default();
        let description = json["error_description"].as_str().unwrap_or_default();
        let message = match (status, error) {
            (401 | 400, _) if description.contains("not enabled to retrieve service account") => {
                format!(
                    "client '{id}' has no service account. In the admin console of realm \
                     '{realm}', open Clients → {id} → Settings and turn on 'Service accounts \
                     roles' (Keycloak 20+; before 20: Access Type 'confidential' and 'Service \
                     Accounts Enabled'), then grant its service account the read roles"
                )
            }
            (401 | 400, _) if description.contains("Public client") => format!(
                "client '{id}' is a public client and cannot use the client-credentials grant. \
                 Turn on 'Client authentication' for it (Keycloak 20+; before 20: Access Type \
                 'confidential'), enable its service account, and put its secret in client_secret"
            ),
            (401 | 400, "invalid_client") => format!(
                "Keycloak does not know client '{id}' in realm '{realm}' (or the client is \
                 disabled). Check client_id: it is the Client ID shown in Clients, not the \
                 internal id, and the client must live in realm '{realm}'"
            ),
            (401 | 400, "unauthorized_client") => format!(
                "Keycloak rejected the secret of client '{id}' in realm '{realm}'. Copy the \
                 current secret from Clients → {id} → Credentials into client_secret (it \
                 changes when someone regenerates it)"
            ),
            (404, _) if error == "Realm does not exist" => format!(
                "realm '{realm}' does not exist on the Keycloak server at the configured \
                 server_url. Check the realm name (it is case-sensitive)"
            ),
            (404, _) => return self.no_token_endpoint(client, path),
            _ => {
                return Error::Http {
                    status,
                    path: path.to_string(),
                    detail: keycloak_detail(body),
                    retry_after: None,
                };
            }
        };
        Error::Auth(message)
    }

    /// A 404 from something that is not Keycloak's token endpoint: probe whether adding
    /// or removing `/auth` finds the realm, and say which URL to use.
    fn no_token_endpoint(&self, client: &Client, path: &str) -> Error {
        let base = client.base.as_str().trim_end_matches('/').to_string();
        let alternative = match base.strip_suffix("/auth") {
            Some(without) => without.to_string(),
            None => format!("{base}/auth"),
        };
        let probe = format!("{alternative}/realms/{}", self.realm);
        let found = reqwest::Url::parse(&probe).ok().and_then(|url| {
            let (status, body) = client.send_raw(client.http.get(url), path).ok()?;
            let json: Value = serde_json::from_str(&body).ok()?;
            (status.is_success() && json.get("realm").is_some()
                || json["error"] == "Realm does not exist")
                .then_some(())
        });
        let hint = if base.ends_with("/auth") {
            "this server does not use the /auth prefix (Keycloak 17+ default)"
        } else {
            "this server serves Keycloak under /auth (Keycloak before 17, or \
             --http-relative-path=/auth)"
        };
        Error::Auth(match found {
            Some(()) => format!(
                "no Keycloak token endpoint at the configured server_url, but Keycloak answers \
                 at {alternative}: {hint}. Set server_url to {alternative}"
            ),
            None => format!(
                "no Keycloak token endpoint at the configured server_url ({path} answered 404). \
                 Check server_url: it is the server's base URL, such as \
                 https://sso.example.com, plus /auth for servers that use that prefix"
            ),
        })
    }
}

/// Every token a token answer holds is a secret from the moment it arrives, whatever
/// happens next (also when the answer is otherwise unusable).
fn register_tokens(body: &str) {
    let Ok(json) = serde_json::from_str::<Value>(body) else {
        return;
    };
    for field in ["access_token", "refresh_token", "id_token"] {
        // A longer one is refused (`parse_token`) and never sent; registering it would
        // cost more memory than it protects.
        if let Some(token) = json[field].as_str().filter(|t| t.len() <= MAX_TOKEN_LEN) {
            crate::redact::register(token);
        }
    }
}

fn parse_token(body: &str, path: &str, requested: Instant) -> Result<Token> {
    let bad = |detail: &str| Error::BadResponse {
        path: path.to_string(),
        detail: detail.to_string(),
    };
    let json: Value = serde_json::from_str(body).map_err(|_| bad("token answer is not JSON"))?;
    let value = json["access_token"]
        .as_str()
        .ok_or_else(|| bad("token answer has no access_token"))?
        .to_string();
    // A bearer token is visible ASCII (RFC 6750 b64token); anything else would be a
    // header the server chose (CR/LF) or a bug.
    if value.is_empty()
        || value.len() > MAX_TOKEN_LEN
        || !value.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(bad("token answer's access_token is not a bearer token"));
    }
    // A missing or odd `expires_in` counts as 60 s; a huge one as a day (an Instant
    // cannot hold any u64 of seconds).
    let seconds = json["expires_in"].as_u64().unwrap_or(60).min(86_400);
    let lifetime = Duration::from_secs(seconds);
    // Renew with a margin: a fifth of the lifetime, at most 30 s.
    let margin = (lifetime / 5).min(Duration::from_secs(30));
    Ok(Token {
        value,
        refresh_at: requested
            .checked_add(lifetime.saturating_sub(margin))
            .unwrap_or(requested),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn token_answers() {
        let now = Instant::now();
        let t = parse_token(r#"{"access_token":"abc","expires_in":300}"#, "/t", now).unwrap();
        assert_eq!(t.value, "abc");
        assert!(t.refresh_at > now + Duration::from_secs(250));
        for bad in ["", "<html>", "{}", r#"{"access_token":5}"#, "null", "[]"] {
            let e = parse_token(bad, "/t", now).err().unwrap();
            assert!(matches!(e, Error::BadResponse { .. }), "{bad}");
        }
        // Odd lifetimes do not panic and still renew.
        for body in [
            r#"{"access_token":"a","expires_in":-5}"#,
            r#"{"access_token":"a","expires_in":1e300}"#,
            r#"{"access_token":"a","expires_in":18446744073709551615}"#,
        ] {
            parse_token(body, "/t", now).unwrap();
        }
    }

    proptest! {
        #[test]
        fn any_token_answer_is_a_token_or_a_bad_response(body in ".{0,200}") {
            if let Err(e) = parse_token(&body, "/t", Instant::now()) {
                let bad = matches!(e, Error::BadResponse { .. });
                prop_assert!(bad);
            }
        }

        #[test]
        fn any_json_token_answer(value in crate::arb::json(), secs in any::<u64>()) {
            let _ = parse_token(&value.to_string(), "/t", Instant::now());
            let body = serde_json::json!({"access_token": "x", "expires_in": secs}).to_string();
            let _ = parse_token(&body, "/t", Instant::now());
        }
    }
}
