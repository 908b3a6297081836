//! Error texts that echo credentials (issue 13, item 4): the server answers errors whose
//! `error`, `error_description` and `errorMessage` repeat what it received (the raw
//! Authorization header, the bearer token, the token request's form body, the secret
//! JSON-escaped, in HTTP Basic and raw), on the token endpoint and on data calls, in
//! every command of both protocols. No form of the secret or of any token may reach
//! stdout or stderr, whatever the secret's length.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::{Value, json};

use super::*;
use crate::support::basic;

/// What the server received, as the echoes it sends back (each field under 300
/// characters, Keycloak's limit the connector keeps).
fn echoes(req: &Request, secret: &str) -> (String, String, String) {
    let authorization = req.header("authorization").unwrap_or_default().to_string();
    let bearer = authorization
        .strip_prefix("Bearer ")
        .unwrap_or_default()
        .to_string();
    let json_escaped = serde_json::to_string(secret).unwrap();
    let json_escaped = &json_escaped[1..json_escaped.len() - 1];
    (
        format!("got {authorization} / {bearer}"),
        format!("body {} / {json_escaped}", req.body_text()),
        format!("basic {} / raw {secret}", basic(CLIENT_ID, secret)),
    )
}

fn echo_body(req: &Request, secret: &str, error: Option<&str>) -> Value {
    let (a, b, c) = echoes(req, secret);
    json!({"error": error.map(String::from).unwrap_or(a.clone()),
           "error_description": format!("{b} {a}"), "errorMessage": c})
}

#[derive(Clone, Copy, Debug)]
enum Where {
    Token,
    Data,
}

/// (name, where, status, the `error` field: Keycloak's code, or None for an echo)
const CASES: &[(&str, Where, u16, Option<&str>)] = &[
    (
        "token 401 unauthorized_client",
        Where::Token,
        401,
        Some("unauthorized_client"),
    ),
    ("token 401 echo", Where::Token, 401, None),
    ("token 400 echo", Where::Token, 400, None),
    (
        "token 400 invalid_request",
        Where::Token,
        400,
        Some("invalid_request"),
    ),
    ("token 500 forever", Where::Token, 500, None),
    ("token 503 forever", Where::Token, 503, None),
    ("data 403 echo", Where::Data, 403, None),
    ("data 500 forever", Where::Data, 500, None),
    ("data 400 echo", Where::Data, 400, None),
    ("data 401 echo", Where::Data, 401, None),
];

/// Runs every command of both protocols against a server answering `case`; returns
/// the failure (a leak, a crash) if there was one.
fn sweep(secret: &str, case: (&'static str, Where, u16, Option<&'static str>)) -> Option<String> {
    let (name, place, status, error) = case;
    let s = secret.to_string();
    let h = Hostile::with_secret(secret, move |req, _| {
        let hit = match place {
            Where::Token => req.path.ends_with("/openid-connect/token"),
            Where::Data => req.path.starts_with("/admin/"),
        };
        hit.then(|| Reply::json(status, &echo_body(req, &s, error)))
    });
    let patch = json!({"max_retries": 1});
    let result = catch_unwind(AssertUnwindSafe(|| {
        let spec = h.airbyte(&["spec"], &[]);
        assert_eq!(spec.code, Some(0));
        let check = h.check(patch.clone());
        check.exec.assert_no_crash();
        assert_eq!(check.exec.code, Some(0), "check exits 0");
        assert_eq!(check.connection_status().0, "FAILED");
        h.discover(patch.clone()).exec.assert_no_crash();
        let read = h.read(
            &["users", "realm_roles", "clients", "events"],
            patch.clone(),
        );
        read.exec.assert_no_crash();
        assert_eq!(read.code, Some(1));
        let (d, r) = h.singer(&["users"], patch.clone());
        d.assert_no_crash();
        r.assert_no_crash();
        assert_eq!(r.code, Some(1));
    }));
    result.err().map(|e| {
        let text = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{name}: {}", text.lines().next().unwrap_or_default())
    })
}

fn sweep_all(secret: &str) {
    let failures: Vec<String> = CASES.iter().filter_map(|c| sweep(secret, *c)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases leaked or failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn echoed_credentials_in_error_texts_never_reach_the_output() {
    sweep_all(SECRET);
}

#[test]
fn echoed_credentials_are_redacted_whatever_the_secret_length() {
    sweep_all("k&y");
}

/// A single focused case, so a failure of the redaction of the token request's form
/// body is visible on its own: 400 `invalid_request` whose description is that body.
#[test]
fn a_token_endpoint_echoing_its_form_body_leaks_nothing() {
    let h = Hostile::start(|req, _| {
        req.path.ends_with("/openid-connect/token").then(|| {
            Reply::json(
                400,
                &json!({"error": "invalid_request", "error_description": req.body_text()}),
            )
        })
    });
    let read = h.read(&["realm_roles"], json!({}));
    assert_eq!(read.code, Some(1));
    let check = h.check(json!({}));
    assert_eq!(check.connection_status().0, "FAILED");
}
