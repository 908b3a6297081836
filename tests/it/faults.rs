//! Transient faults are retried until the read equals the ground truth; a fault that
//! never ends exhausts the retries and fails the stream as transient, in bounded time;
//! a server that ignores paging is stopped, not looped on.

use std::time::{Duration, Instant};

use fake_keycloak::{Fault, FaultRule};

use serde_json::json;

use crate::support::*;

fn status(code: u16, headers: &[(&str, &str)]) -> Fault {
    Fault::Status {
        code,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: "{\"error\":\"busy\"}".into(),
    }
}

fn users_truth(fake: &fake_keycloak::FakeKeycloak) -> usize {
    fake.with_realm_mut(REALM, |r| r.users.len()).unwrap()
}

#[test]
fn retry_after_429_then_success() {
    let fake = start_sample();
    fake.push_fault(FaultRule {
        path_contains: "/users".into(),
        method: None,
        times: 2,
        fault: status(429, &[("Retry-After", "1")]),
    });
    let started = Instant::now();
    let run = read(&fake, &["users"], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.keys("users", &["id"]).len(), users_truth(&fake));
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After was honoured"
    );
}

#[test]
fn server_errors_then_success() {
    for code in [500, 502, 503, 504] {
        let fake = start_sample();
        fake.push_fault(FaultRule {
            path_contains: "/users".into(),
            method: None,
            times: 2,
            fault: status(code, &[]),
        });
        let run = read(&fake, &["users"], json!({}));
        assert_eq!(run.code, Some(0), "{code}: {}", run.stdout);
        assert_eq!(
            run.keys("users", &["id"]).len(),
            users_truth(&fake),
            "{code}"
        );
    }
}

#[test]
fn a_fault_that_never_ends_is_a_transient_error() {
    let fake = start_sample();
    fake.push_fault(FaultRule {
        path_contains: "/users".into(),
        method: None,
        times: usize::MAX,
        fault: status(503, &[]),
    });
    let started = Instant::now();
    let run = read(&fake, &["users", "realm_roles"], json!({"max_retries": 2}));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(run.code, Some(1));
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].failure_type, "transient_error");
    assert!(
        errors[0].message.contains("HTTP 503"),
        "{}",
        errors[0].message
    );
    assert_eq!(run.statuses("users"), ["STARTED", "INCOMPLETE"]);
    assert!(run.states("users").is_empty());
    assert_eq!(
        run.statuses("realm_roles"),
        ["STARTED", "RUNNING", "COMPLETE"]
    );
    let tries = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/users"))
        // Not the role probe (max=1), which fails its own three times.
        .filter(|r| !r.query.contains(&("max".to_string(), "1".to_string())))
        .count();
    assert_eq!(tries, 3, "one try and two retries");
}

#[test]
fn a_server_that_ignores_first_does_not_loop() {
    let fake = start_sample();
    fake.push_fault(FaultRule {
        path_contains: "/users".into(),
        method: None,
        times: usize::MAX,
        fault: Fault::RepeatFirstPage,
    });
    let run = read(&fake, &["users"], json!({"page_size": 50}));
    assert_eq!(run.code, Some(1));
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.contains("same page"),
        "{}",
        errors[0].message
    );
    assert_eq!(run.statuses("users"), ["STARTED", "RUNNING", "INCOMPLETE"]);
}

/// Reads users and realm_roles under `rule`; the records must equal the ground truth.
fn read_through(rule: FaultRule, patch: serde_json::Value) -> Run {
    let fake = start_sample();
    fake.push_fault(rule);
    let run = read(&fake, &["users", "realm_roles"], patch);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.errors().is_empty(), "{}", run.stdout);
    assert_eq!(
        run.keys("users", &["id"]),
        crate::read::truth(&fake, REALM, "users")
    );
    assert_eq!(
        run.keys("realm_roles", &["id"]),
        crate::read::truth(&fake, REALM, "realm_roles")
    );
    assert_eq!(run.statuses("users"), ["STARTED", "RUNNING", "COMPLETE"]);
    run
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    // An IMF-fixdate (RFC 9110 §5.6.7), rounded down to the second: 1 to 2 s away.
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    let started = Instant::now();
    read_through(
        FaultRule::new("/users?", 1, status(429, &[("Retry-After", &date)])),
        json!({}),
    );
    // The date has one-second resolution: at least one second was waited.
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[test]
fn connection_reset_before_the_answer_is_retried() {
    read_through(
        FaultRule::new("/users?", 2, Fault::ResetBeforeBody),
        json!({}),
    );
}

#[test]
fn connection_reset_during_the_body_is_retried() {
    read_through(
        FaultRule::new("/users?", 2, Fault::TruncatedBody),
        json!({}),
    );
}

#[test]
fn a_body_cut_off_mid_json_is_retried() {
    read_through(FaultRule::new("/users?", 2, Fault::CutJson), json!({}));
}

#[test]
fn a_proxy_html_page_with_200_is_retried() {
    read_through(FaultRule::new("/roles?", 2, Fault::Html200), json!({}));
}

#[test]
fn an_answer_slower_than_the_timeout_is_retried() {
    let started = Instant::now();
    read_through(
        FaultRule::new("/users?", 1, Fault::Delay(Duration::from_millis(2_000))),
        json!({"request_timeout_seconds": 1}),
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[test]
fn a_token_endpoint_that_fails_for_a_while_is_retried() {
    let run = read_through(
        FaultRule::new("/protocol/openid-connect/token", 3, status(503, &[])),
        json!({}),
    );
    assert!(run.stdout.contains("COMPLETE"));
}

/// Every transport-level fault, forever: the stream fails with a transient_error in
/// bounded time, leaves no STATE, and the next stream is still read.
#[test]
fn each_fault_forever_ends_in_a_transient_error() {
    let faults = [
        ("503", status(503, &[])),
        ("reset", Fault::ResetBeforeBody),
        ("cut connection", Fault::TruncatedBody),
        ("cut JSON", Fault::CutJson),
        ("html", Fault::Html200),
        ("slow", Fault::Delay(Duration::from_millis(1_500))),
    ];
    for (name, fault) in faults {
        let fake = start_sample();
        fake.push_fault(FaultRule::new("/users?", usize::MAX, fault));
        let started = Instant::now();
        let run = read(
            &fake,
            &["users", "realm_roles"],
            json!({"max_retries": 1, "request_timeout_seconds": 1}),
        );
        assert!(started.elapsed() < Duration::from_secs(30), "{name}");
        assert_eq!(run.code, Some(1), "{name}: {}", run.stdout);
        let errors = run.errors();
        assert_eq!(errors.len(), 1, "{name}: {}", run.stdout);
        assert_eq!(errors[0].failure_type, "transient_error", "{name}");
        assert!(
            errors[0].message.contains("/admin/realms/acme/users"),
            "{name}: {}",
            errors[0].message
        );
        assert!(
            !errors[0].message.contains("first="),
            "no query in messages"
        );
        assert_eq!(run.statuses("users"), ["STARTED", "INCOMPLETE"], "{name}");
        assert!(run.states("users").is_empty(), "{name}: no state");
        assert_eq!(
            run.statuses("realm_roles"),
            ["STARTED", "RUNNING", "COMPLETE"],
            "{name}"
        );
    }
}

#[test]
fn a_403_on_one_endpoint_fails_that_stream_only_and_names_the_role() {
    let fake = start_sample();
    // The stream's own request, not the role probe (max=1), is refused.
    fake.push_fault(FaultRule::new(
        "/admin/realms/acme/clients?first=0&max=100",
        usize::MAX,
        status(403, &[]),
    ));
    let run = read(&fake, &["clients", "realm_roles", "users"], json!({}));
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0].failure_type, "config_error");
    assert_eq!(
        errors[0].stream_descriptor.as_ref().unwrap().name,
        "clients"
    );
    assert!(
        errors[0].message.contains("'view-clients'") && errors[0].message.contains("HTTP 403"),
        "{}",
        errors[0].message
    );
    assert_eq!(run.statuses("clients"), ["STARTED", "INCOMPLETE"]);
    assert!(run.states("clients").is_empty());
    for other in ["realm_roles", "users"] {
        assert_eq!(run.statuses(other), ["STARTED", "RUNNING", "COMPLETE"]);
        assert_eq!(run.states(other).len(), 1);
    }
}
