//! Redirects and URLs that carry credentials (issue 13, items 1, 2, 3 and 11): the token
//! request is never redirected (the secret is in its body), a data call is redirected
//! only within the same origin, and a `server_url` with user info is refused before any
//! request.

use serde_json::json;

use super::*;

/// A second server that would gladly accept whatever reaches it: a token for any token
/// request, users for any list.
fn thief() -> HostileServer {
    HostileServer::start(|req| {
        if req.path.ends_with("/token") || req.path.starts_with("/steal") {
            Reply::json(
                200,
                &json!({"access_token": "stolen-but-valid", "expires_in": 300}),
            )
        } else {
            Reply::json(
                200,
                &json!([{"id": "from-the-thief", "username": "mallory"}]),
            )
        }
    })
}

fn token_path() -> String {
    format!("/realms/{REALM}/protocol/openid-connect/token")
}

/// The token endpoint answers `status` with a Location on another port.
fn token_redirected_to_another_host(status: u16) {
    let other = thief();
    let location = format!("http://127.0.0.1:{}/steal?x=1", other.port());
    let steal = format!("http://127.0.0.1:{}/steal", other.port());
    let loc = location.clone();
    let h = Hostile::start(move |req, _| {
        (req.path == token_path()).then(|| Reply::redirect(status, &loc))
    });
    let check = h.check(json!({}));
    let read = h.read(&["realm_roles"], json!({}));
    assert!(
        other.requests().is_empty(),
        "{status}: the other host got requests (method, path, body carried client_secret): {:?}",
        other
            .requests()
            .iter()
            .map(|r| (&r.method, &r.path, r.body_text().contains("client_secret")))
            .collect::<Vec<_>>()
    );
    assert_eq!(check.exec.code, Some(0), "{status}: {}", check.stdout);
    let (status_text, message) = check.connection_status();
    assert_eq!(status_text, "FAILED", "{status}: {message}");
    for message in [message, read.one_error().1] {
        assert!(message.contains("redirect"), "{status}: {message}");
        assert!(message.contains(&steal), "{status}: {message}");
        assert!(!message.contains("x=1"), "{status}: {message}");
    }
    assert_eq!(read.one_error().0, "config_error", "{status}");
    assert_eq!(read.code, Some(1), "{status}");
    assert_eq!(read.records("realm_roles").len(), 0);
}

#[test]
fn a_token_request_answered_307_to_another_host_is_not_followed() {
    token_redirected_to_another_host(307);
}

#[test]
fn a_token_request_answered_308_to_another_host_is_not_followed() {
    token_redirected_to_another_host(308);
}

#[test]
fn a_token_request_answered_302_to_another_host_is_not_followed() {
    token_redirected_to_another_host(302);
}

#[test]
fn a_token_request_redirected_on_the_same_host_is_not_followed_either() {
    let h = Hostile::start(|req, kc| {
        if req.path == token_path() {
            return Some(Reply::redirect(307, "/elsewhere/token?x=1"));
        }
        // Would hand out a token to whoever follows.
        (req.path == "/elsewhere/token").then(|| kc.token_reply())
    });
    let check = h.check(json!({}));
    let read = h.read(&["realm_roles"], json!({}));
    let followed: Vec<Request> = h
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/elsewhere"))
        .collect();
    let paths: Vec<&str> = followed.iter().map(|r| r.path.as_str()).collect();
    assert!(
        followed.is_empty(),
        "the redirect was followed (the secret went along): {paths:?}"
    );
    let (status, message) = check.connection_status();
    assert_eq!((check.exec.code, status), (Some(0), "FAILED"), "{message}");
    assert!(message.contains("redirect"), "{message}");
    let (kind, message) = read.one_error();
    assert_eq!(kind, "config_error");
    assert!(message.contains("redirect"), "{message}");
    assert!(!message.contains("x=1"), "{message}");
    assert_eq!(read.code, Some(1));
}

/// Items 2 and 11: a data call redirected to another origin.
#[test]
fn a_data_call_redirected_to_another_origin_is_not_followed_and_emits_nothing_from_it() {
    let other = thief();
    let origin = format!("http://127.0.0.1:{}", other.port());
    let o = origin.clone();
    let h = Hostile::start(move |req, _| {
        let users = req.path == format!("/admin/realms/{REALM}/users");
        (users && !is_probe(req)).then(|| {
            Reply::redirect(
                302,
                &format!("{o}/admin/realms/{REALM}/users?{}", req.raw_query),
            )
        })
    });
    let read = h.read(&["users", "realm_roles"], json!({}));
    assert!(
        other.requests().is_empty(),
        "the other origin got requests: {:?}",
        other
            .requests()
            .iter()
            .map(|r| (&r.path, r.header("authorization").is_some()))
            .collect::<Vec<_>>()
    );
    assert!(
        read.records("users").is_empty(),
        "records from the other origin were emitted: {:?}",
        read.records("users")
    );
    assert_eq!(read.statuses("users"), ["STARTED", "INCOMPLETE"]);
    assert!(read.states("users").is_empty());
    let (kind, message) = read.one_error();
    assert_eq!(kind, "config_error", "{message}");
    assert!(message.contains("redirect"), "{message}");
    assert!(message.contains(&origin), "{message}");
    assert_eq!(read.statuses("realm_roles"), ["STARTED", "COMPLETE"]);
    assert_eq!(read.code, Some(1));
}

#[test]
fn a_data_call_redirected_within_the_same_origin_is_followed() {
    let h = Hostile::start(|req, kc| {
        let tail = admin_tail(req)?;
        match tail.as_slice() {
            ["users"] if !is_probe(req) => Some(Reply::redirect(
                302,
                &format!("/admin/realms/{REALM}/users-moved?{}", req.raw_query),
            )),
            ["users-moved"] => {
                let bearer = req.header("authorization").unwrap_or_default();
                let known = kc
                    .tokens
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|t| bearer == format!("Bearer {t}"));
                Some(if known {
                    Reply::json(
                        200,
                        &json!([{"id": "u1", "username": "ann"},
                                {"id": "u2", "username": "bob"}]),
                    )
                } else {
                    Reply::json(401, &json!({"error": "HTTP 401 Unauthorized"}))
                })
            }
            _ => None,
        }
    });
    let read = h.read(&["users"], json!({}));
    assert_eq!(read.code, Some(0), "{}", read.stdout);
    let records: Vec<_> = read.records("users").into_iter().cloned().collect();
    assert_eq!(
        records,
        vec![
            json!({"id": "u1", "username": "ann", "realm": REALM}),
            json!({"id": "u2", "username": "bob", "realm": REALM}),
        ]
    );
    assert_eq!(read.statuses("users"), ["STARTED", "RUNNING", "COMPLETE"]);
}

#[test]
fn a_server_url_with_user_info_is_refused_before_any_request() {
    let h = Hostile::start(|_, _| None);
    h.plant(&["alice", "pa55-Word"]);
    h.planted
        .lock()
        .unwrap()
        .push(crate::support::basic("alice", "pa55-Word"));
    let url = format!("http://alice:pa55-Word@127.0.0.1:{}", h.server.port());
    let patch = json!({"server_url": url});
    let check = h.check(patch.clone());
    let discover = h.discover(patch.clone());
    let read = h.read(&["realm_roles"], patch);
    assert!(
        h.requests().is_empty(),
        "the server got {} requests (Authorization: {:?})",
        h.requests().len(),
        h.requests()
            .first()
            .and_then(|r| r.header("authorization").map(String::from))
    );
    let (status, message) = check.connection_status();
    assert_eq!((check.exec.code, status), (Some(0), "FAILED"), "{message}");
    assert!(message.contains("server_url"), "{message}");
    for (name, run) in [("discover", &discover), ("read", &read)] {
        assert_eq!(run.code, Some(1), "{name}: {}", run.stdout);
        let (kind, message) = run.one_error();
        assert_eq!(kind, "config_error", "{name}: {message}");
        assert!(message.contains("server_url"), "{name}: {message}");
    }
}
