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
