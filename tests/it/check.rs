//! `check`: one CONNECTION_STATUS, exit 0, and a message that says what to change for
//! every failure a user can cause.

use fake_keycloak::{FakeConfig, FakeKeycloak};
use serde_json::{Value, json};

use crate::support::*;

fn check_with(fake: &FakeKeycloak, patch: Value) -> (String, String) {
    let files = Files::new();
    let mut config = config_for(fake);
    for (k, v) in patch.as_object().unwrap() {
        config[k] = v.clone();
    }
    let path = files.json("config.json", &config);
    let run = run(&["check", "--config", s(&path)]);
    assert_eq!(run.code, Some(0), "check exits 0: {}", run.stdout);
    let (status, message) = run.connection_status();
    (status.to_string(), message.to_lowercase())
}

#[test]
fn succeeds_with_the_read_client() {
    let fake = start_sample();
    let (status, message) = check_with(&fake, json!({}));
    assert_eq!(status, "SUCCEEDED", "{message}");
    let all = source_keycloak::streams::STREAMS.len();
    assert!(
        message.contains(&format!("{all} of {all} streams")),
        "{message}"
    );
}

#[test]
fn wrong_secret() {
    let fake = start_sample();
    let (status, message) = check_with(&fake, json!({"client_secret": "wrong-one"}));
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("rejected the secret") && message.contains("credentials"),
        "{message}"
    );
}

#[test]
fn unknown_client() {
    let fake = start_sample();
    let (status, message) = check_with(&fake, json!({"client_id": "nobody"}));
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("does not know client 'nobody'"),
        "{message}"
    );
}

#[test]
fn client_without_service_account() {
    let fake = start_sample();
    let (status, message) = check_with(
        &fake,
        json!({"client_id": "no-sa", "client_secret": "fake-secret-nosa-3"}),
    );
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("no service account") && message.contains("service accounts roles"),
        "{message}"
    );
}

#[test]
fn public_client() {
    let fake = start_sample();
    let (status, message) = check_with(&fake, json!({"client_id": "web-spa"}));
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("public client") && message.contains("client authentication"),
        "{message}"
    );
}

#[test]
fn unknown_realm() {
    let fake = start_sample();
    let (status, message) = check_with(&fake, json!({"realm": "acme-typo"}));
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("realm 'acme-typo' does not exist"),
        "{message}"
    );
}

#[test]
fn unreachable_server() {
    let fake = start_sample();
    let port = fake.port();
    drop(fake);
    let files = Files::new();
    let path = files.json(
        "c.json",
        &json!({"server_url": format!("http://127.0.0.1:{port}"), "realm": REALM,
                "client_id": CLIENT_ID, "client_secret": SECRET}),
    );
    let run = run(&["check", "--config", s(&path)]);
    let (status, message) = run.connection_status();
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("cannot reach keycloak") || message.contains("cannot reach Keycloak"),
        "{message}"
    );
    assert!(message.contains("server_url"), "{message}");
}

#[test]
fn url_with_an_extra_auth_prefix() {
    let fake = start_sample();
    let url = format!("{}/auth", fake.base_url());
    let (status, message) = check_with(&fake, json!({"server_url": url}));
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("does not use the /auth prefix"),
        "{message}"
    );
    assert!(
        message.contains(&format!("set server_url to {}", fake.base_url())),
        "{message}"
    );
}

#[test]
fn url_missing_the_auth_prefix() {
    let mut config = FakeConfig::sample();
    config.relative_path = "/auth".into();
    let fake = FakeKeycloak::start(config);
    assert!(fake.base_url().ends_with("/auth"));
    let root = fake.base_url().trim_end_matches("/auth").to_string();
    let (status, message) = check_with(&fake, json!({"server_url": root}));
    assert_eq!(status, "FAILED");
    assert!(message.contains("/auth"), "{message}");
    assert!(
        message.contains(&format!("set server_url to {}", fake.base_url())),
        "{message}"
    );
    let (status, message) = check_with(&fake, json!({}));
    assert_eq!(status, "SUCCEEDED", "{message}");
}

#[test]
fn client_without_any_read_role_names_the_roles() {
    let fake = start_sample();
    let (status, message) = check_with(
        &fake,
        json!({"client_id": "no-roles", "client_secret": "fake-secret-noroles-1"}),
    );
    assert_eq!(status, "FAILED");
    for role in ["view-users", "view-realm", "view-clients", "view-events"] {
        assert!(message.contains(role), "{role} missing: {message}");
    }
}

#[test]
fn client_lacking_one_role_succeeds_and_names_what_is_missing() {
    let fake = start_sample();
    let (status, message) = check_with(
        &fake,
        json!({"client_id": "no-clients-role", "client_secret": "fake-secret-noclients-2"}),
    );
    assert_eq!(status, "SUCCEEDED", "{message}");
    let streams = source_keycloak::streams::STREAMS;
    let readable = streams
        .iter()
        .filter(|s| !s.roles.contains(&source_keycloak::roles::Role::ViewClients))
        .count();
    let counted = format!("{readable} of {} streams", streams.len());
    assert!(message.contains(&counted), "{message}");
    assert!(
        message.contains("role_composites (needs realm-management role view-clients)"),
        "{message}"
    );
    assert!(
        message.contains("clients (needs realm-management role view-clients)"),
        "{message}"
    );
}

#[test]
fn invalid_config_fails_with_every_problem() {
    let fake = start_sample();
    let (status, message) = check_with(&fake, json!({"page_size": -1, "max_retries": "x"}));
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("`page_size`") && message.contains("`max_retries`"),
        "{message}"
    );
}

#[test]
fn says_when_the_realm_does_not_save_events() {
    let fake = start_sample();
    let (_, saved) = check_with(&fake, json!({}));
    assert!(!saved.contains("does not save"), "{saved}");
    fake.with_realm_mut(REALM, |r| r.representation["eventsEnabled"] = json!(false));
    let (status, message) = check_with(&fake, json!({}));
    assert_eq!(status, "SUCCEEDED");
    assert!(
        message.contains("does not save user (login) events"),
        "{message}"
    );
    assert!(!message.contains("admin events"), "{message}");
}
