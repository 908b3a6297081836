//! A read that did not read must not look like success (issue 13, items 9, 13, 14): a
//! realm list that lists nothing usable, a token refused in the middle of a stream,
//! a page with more rows than were asked for.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::*;

/// Item 9: `realms: ["*"]` and `GET /admin/realms` answering `listing`.
fn wildcard_realms_listing(listing: Value) {
    let shown = listing.to_string();
    let h = Hostile::start(move |req, _| {
        (req.path == "/admin/realms").then(|| Reply::json(200, &listing))
    });
    let read = h.read(&["realm_roles", "users"], json!({"realms": ["*"]}));
    read.exec.assert_no_crash();
    assert_eq!(read.code, Some(1), "{shown}: {}", read.stdout);
    assert!(!read.errors().is_empty(), "{shown}: no TRACE ERROR");
    let complete: Vec<_> = read
        .all_statuses()
        .into_iter()
        .filter(|(_, s)| *s == "COMPLETE")
        .collect();
    assert!(
        complete.is_empty(),
        "{shown}: streams COMPLETE: {complete:?}"
    );
    assert_eq!(read.all_states(), 0, "{shown}: a STATE was written");
}

#[test]
fn wildcard_realms_listing_an_empty_list_fails_the_read() {
    wildcard_realms_listing(json!([]));
}

#[test]
fn wildcard_realms_listing_an_object_fails_the_read() {
    wildcard_realms_listing(json!({}));
}

#[test]
fn wildcard_realms_listing_a_string_fails_the_read() {
    wildcard_realms_listing(json!("x"));
}

#[test]
fn wildcard_realms_listing_objects_without_a_realm_name_fails_the_read() {
    wildcard_realms_listing(json!([{"id": "r1"}, {"name": "acme"}, {"realm": 5}]));
}

fn users(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"id": format!("u{i:03}"), "username": format!("user{i:03}")}))
        .collect()
}

fn page_of(req: &Request, all: &[Value]) -> Reply {
    let (first, max) = req.first_max();
    Reply::json(
        200,
        &json!(all.iter().skip(first).take(max).collect::<Vec<_>>()),
    )
}

/// Item 13: 1-second tokens, and the token endpoint refusing every token after the
/// first while `users` pages slowly.
#[test]
fn a_token_refused_mid_stream_ends_the_running_stream_incomplete() {
    let asked = AtomicUsize::new(0);
    let all = users(12);
    let h = Hostile::start(move |req, kc| {
        if req.path.ends_with("/openid-connect/token") {
            return Some(if asked.fetch_add(1, Ordering::SeqCst) == 0 {
                kc.token_reply()
            } else {
                Reply::json(401, &json!({"error": "unauthorized_client"}))
            });
        }
        let tail = admin_tail(req)?;
        (tail.as_slice() == ["users"] && !is_probe(req)).then(|| {
            std::thread::sleep(Duration::from_millis(300));
            page_of(req, &all)
        })
    });
    *h.kc.expires_in.lock().unwrap() = 1;
    let read = h.read(&["realm_roles", "users"], json!({"page_size": 2}));
    read.exec.assert_no_crash();
    assert_eq!(read.code, Some(1), "{}", read.stdout);
    // (realm_roles comes after users in the stream table: the refusal stops the read
    // before it starts, which is allowed; a started stream must end.)
    let users_status = read.statuses("users");
    assert_eq!(
        users_status.last(),
        Some(&"INCOMPLETE"),
        "users: {users_status:?}"
    );
    read.assert_streams_end();
    let (kind, _) = read.one_error();
    assert_eq!(kind, "config_error");
    assert!(read.states("users").is_empty());
}

/// Item 14: 5,000 rows where `max=100` was asked for.
#[test]
fn a_page_with_more_rows_than_max_fails_the_stream() {
    let all = users(5_000);
    let h = Hostile::start(move |req, _| {
        let tail = admin_tail(req)?;
        // The first page holds everything; later pages are what a normal server sends.
        (tail.as_slice() == ["users"] && !is_probe(req)).then(|| match req.first_max() {
            (0, _) => Reply::json(200, &json!(all)),
            _ => page_of(req, &all),
        })
    });
    let read = h.read(&["users", "realm_roles"], json!({"page_size": 100}));
    read.exec.assert_no_crash();
    assert_eq!(
        read.code,
        Some(1),
        "{}",
        &read.stdout[..read.stdout.len().min(2_000)]
    );
    assert_eq!(read.statuses("users").last(), Some(&"INCOMPLETE"));
    let errors = read.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0]
            .stream_descriptor
            .as_ref()
            .map(|d| d.name.as_str()),
        Some("users")
    );
    assert_eq!(read.statuses("realm_roles"), ["STARTED", "COMPLETE"]);
    // Not accepted silently: the rows beyond `max` are not passed on as records.
    assert!(
        read.records("users").len() <= 100,
        "{} records emitted from pages of 5,000 rows for max=100",
        read.records("users").len()
    );
}
