//! Tokens: renewed before they expire, renewed once after a 401, and a clear failure
//! when a fresh token is refused too.

use fake_keycloak::{FakeConfig, FakeKeycloak, Fault, FaultRule};
use serde_json::json;

use crate::support::*;

#[test]
fn short_lived_tokens_are_renewed_during_a_read() {
    let mut config = FakeConfig::sample();
    config.token_lifetime_secs = 2;
    let fake = FakeKeycloak::start(config);
    // Slow every users page down so the read outlives several tokens.
    fake.push_fault(FaultRule {
        path_contains: "/users".into(),
        method: None,
        times: usize::MAX,
        fault: Fault::Delay(std::time::Duration::from_millis(400)),
    });
    let run = read(&fake, &["users"], json!({"page_size": 25}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let expected = fake.with_realm_mut(REALM, |r| r.users.len()).unwrap();
    assert_eq!(run.keys("users", &["id"]).len(), expected);
    assert!(
        fake.tokens_issued() >= 3,
        "tokens: {}",
        fake.tokens_issued()
    );
    let unauthorized = fake.requests().iter().filter(|r| r.status == 401).count();
    assert_eq!(
        unauthorized, 0,
        "tokens are renewed before they expire, not after a 401"
    );
}

#[test]
fn a_revoked_token_gets_one_new_token_and_one_retry() {
    let fake = start_sample();
    fake.push_fault(FaultRule {
        path_contains: "/admin/realms/acme/roles".into(),
        method: None,
        times: 1,
        fault: Fault::Unauthorized,
    });
    let run = read(&fake, &["realm_roles"], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let expected = fake.with_realm_mut(REALM, |r| r.roles.len()).unwrap();
    assert_eq!(run.records("realm_roles").len(), expected);
    assert_eq!(fake.tokens_issued(), 2);
}

#[test]
fn a_401_that_persists_is_a_clear_config_error() {
    let fake = start_sample();
    fake.push_fault(FaultRule {
        path_contains: "/admin/realms/acme/roles".into(),
        method: None,
        times: usize::MAX,
        fault: Fault::Unauthorized,
    });
    let run = read(&fake, &["realm_roles", "clients"], json!({}));
    assert_eq!(run.code, Some(1));
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].failure_type, "config_error");
    assert_eq!(
        errors[0].stream_descriptor.as_ref().unwrap().name,
        "realm_roles"
    );
    assert!(
        errors[0].message.contains("HTTP 401"),
        "{}",
        errors[0].message
    );
    assert_eq!(run.statuses("realm_roles"), ["STARTED", "INCOMPLETE"]);
    assert!(
        run.states("realm_roles").is_empty(),
        "no state for a failed stream"
    );
    assert_eq!(run.statuses("clients"), ["STARTED", "RUNNING", "COMPLETE"]);
    // One new token per refused request: the read's role probe and the stream's request.
    assert_eq!(fake.tokens_issued(), 3, "one new token per request only");
    let refused = fake.requests().iter().filter(|r| r.status == 401).count();
    assert_eq!(refused, 4, "each request tried twice, never more");
}

#[test]
fn a_missing_role_fails_only_that_stream_and_names_the_role() {
    let fake = start_sample();
    let run = read(
        &fake,
        &["users", "clients", "realm_roles"],
        json!({"client_id": "no-clients-role", "client_secret": "fake-secret-noclients-2"}),
    );
    assert_eq!(run.code, Some(1));
    assert_eq!(run.statuses("clients"), ["STARTED", "INCOMPLETE"]);
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].failure_type, "config_error");
    assert!(
        errors[0].message.contains("'view-clients'"),
        "{}",
        errors[0].message
    );
    assert_eq!(run.statuses("users"), ["STARTED", "RUNNING", "COMPLETE"]);
    assert_eq!(
        run.statuses("realm_roles"),
        ["STARTED", "RUNNING", "COMPLETE"]
    );
}

#[test]
fn wrong_secret_stops_the_read_with_a_config_error() {
    let fake = start_sample();
    let run = read(&fake, &["users"], json!({"client_secret": "nope-nope"}));
    assert_eq!(run.code, Some(1));
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].failure_type, "config_error");
    assert!(errors[0].message.contains("rejected the secret"));
    assert!(run.records("users").is_empty());
}
