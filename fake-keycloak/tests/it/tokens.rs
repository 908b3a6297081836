//! Tests of the token endpoint: client_credentials with a form or Basic auth,
//! Keycloak's error bodies, and tokens that expire.

use crate::support::*;
use fake_keycloak::*;
use std::time::Duration;

#[test]
fn token_success_and_errors() {
    let fake = FakeKeycloak::start(small_config());
    let ok = token_reply(
        &fake,
        "acme",
        "grant_type=client_credentials&client_id=source-keycloak&client_secret=fake-secret-9f8e7d6c5b4a",
    );
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("Content-Type"), Some("application/json"));
    let json = ok.json();
    assert_eq!(json["expires_in"], 300);
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["scope"], "profile email");
    let desc = "Invalid client or Invalid client credentials";
    let cases = [
        (
            "acme",
            "grant_type=client_credentials&client_id=source-keycloak&client_secret=nope",
            401,
            "unauthorized_client",
            desc,
        ),
        (
            "acme",
            "grant_type=client_credentials&client_id=ghost&client_secret=x",
            401,
            "invalid_client",
            desc,
        ),
        (
            "acme",
            "grant_type=client_credentials&client_id=no-sa&client_secret=fake-secret-nosa-3",
            401,
            "unauthorized_client",
            "Client not enabled to retrieve service account",
        ),
        (
            "acme",
            "grant_type=client_credentials&client_id=web-spa",
            401,
            "unauthorized_client",
            "Public client not allowed to retrieve service account",
        ),
        (
            "acme",
            "grant_type=password&client_id=source-keycloak",
            400,
            "unsupported_grant_type",
            "Unsupported grant_type",
        ),
    ];
    for (realm, body, status, error, description) in cases {
        let reply = token_reply(&fake, realm, body);
        assert_eq!(reply.status, status, "{body}");
        assert_eq!(reply.json()["error"], error, "{body}");
        assert_eq!(reply.json()["error_description"], description, "{body}");
    }
    let reply = token_reply(&fake, "nope", "grant_type=client_credentials");
    assert_eq!(
        (reply.status, reply.json()),
        (404, serde_json::json!({"error": "Realm does not exist"}))
    );
    assert_eq!(fake.tokens_issued(), 1);
}

#[test]
fn token_via_basic_auth() {
    let fake = FakeKeycloak::start(small_config());
    // base64("source-keycloak:fake-secret-9f8e7d6c5b4a")
    let basic = "Basic c291cmNlLWtleWNsb2FrOmZha2Utc2VjcmV0LTlmOGU3ZDZjNWI0YQ==";
    let target = "/realms/acme/protocol/openid-connect/token";
    let reply = Conn::open(&fake).request(
        "POST",
        target,
        &[("Authorization", basic)],
        "grant_type=client_credentials",
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn tokens_expire() {
    let mut config = small_config();
    config.token_lifetime_secs = 1;
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    assert_eq!(c.get("/admin/realms/acme/users/count", &token).body, "300");
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(c.get("/admin/realms/acme/users/count", &token).status, 401);
}
