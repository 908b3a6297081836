//! Incremental `users` through the change feed: exactly the users changed between two
//! syncs (by admins or by themselves), deletions marked with `_ab_cdc_deleted_at`, and a
//! full read with the reason whenever the feed cannot be trusted.

use std::collections::BTreeSet;

use fake_keycloak::FakeKeycloak;
use serde_json::{Value, json};

use crate::support::*;

fn users_catalog() -> Value {
    let mut catalog = table_catalog(&["users"]);
    catalog["streams"][0]["sync_mode"] = json!("incremental");
    catalog["streams"][0]["destination_sync_mode"] = json!("append_dedup");
    catalog
}

fn sync(fake: &FakeKeycloak, state: Option<&Value>) -> Run {
    let run = read_with(fake, &users_catalog(), state, json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run
}

fn state_of(run: &Run) -> Value {
    let last = run
        .states("users")
        .last()
        .expect("a users state")
        .stream
        .stream_state
        .clone();
    json!({"users": last})
}

fn warnings(run: &Run) -> Vec<String> {
    run.messages
        .iter()
        .filter_map(|m| match m {
            Msg::LOG { log } if log.level == "WARN" => Some(log.message.clone()),
            _ => None,
        })
        .collect()
}

fn admin_event(r: &fake_keycloak::RealmData, op: &str, kind: &str, path: &str, time: i64) -> Value {
    json!({"id": format!("ae-{op}-{path}"), "time": time, "realmId": r.id,
           "authDetails": {"realmId": r.id, "clientId": "x", "userId": "admin", "ipAddress": "127.0.0.1"},
           "operationType": op, "resourceType": kind, "resourcePath": path})
}

#[test]
fn the_second_sync_returns_exactly_the_changes() {
    let fake = start_sample();
    let first = sync(&fake, None);
    let all = fake.with_realm_mut(REALM, |r| r.users.len()).unwrap();
    assert_eq!(
        first.records("users").len(),
        all,
        "the first sync reads every user"
    );
    assert!(
        warnings(&first)
            .iter()
            .any(|w| w.contains("no users state yet"))
    );

    // Changes right after the first sync's bound (its cursor), as a later change would be.
    let t = state_of(&first)["users"]["realms"]["acme"]["admin"]["time"]
        .as_i64()
        .unwrap()
        + 10;
    let (updated, deleted, created, self_updated) = fake
        .with_realm_mut(REALM, |r| {
            let updated = r.users[3]["id"].as_str().unwrap().to_string();
            r.users[3]["firstName"] = json!("Renamed");
            let deleted = r.users[4]["id"].as_str().unwrap().to_string();
            r.users.remove(4);
            let mut new_user = r.users[0].clone();
            new_user["id"] = json!("new-user-0001");
            new_user["username"] = json!("newcomer");
            r.users.push(new_user);
            let self_updated = r.users[10]["id"].as_str().unwrap().to_string();
            r.users[10]["email"] = json!("changed@example.com");
            let events = [
                admin_event(r, "UPDATE", "USER", &format!("users/{updated}"), t),
                admin_event(r, "DELETE", "USER", &format!("users/{deleted}"), t + 1),
                admin_event(r, "CREATE", "USER", "users/new-user-0001", t + 2),
                // A membership change is not a change of the user representation.
                admin_event(r, "CREATE", "GROUP_MEMBERSHIP", &format!("users/{}/groups/g", r.users[20]["id"].as_str().unwrap()), t + 3),
            ];
            r.admin_events.extend(events);
            r.events.push(json!({"id": "ev-self", "time": t + 4, "type": "UPDATE_EMAIL",
                "realmId": r.id, "clientId": "account-console", "userId": self_updated, "details": {}}));
            r.events.push(json!({"id": "ev-login", "time": t + 5, "type": "LOGIN",
                "realmId": r.id, "clientId": "login-app", "userId": r.users[30]["id"], "details": {}}));
            (updated, deleted, "new-user-0001".to_string(), self_updated)
        })
        .unwrap();
    let second = sync(&fake, Some(&state_of(&first)));
    assert!(warnings(&second).is_empty(), "{:?}", warnings(&second));
    let got: BTreeSet<String> = second
        .records("users")
        .iter()
        .map(|u| key_part(&u["id"]))
        .collect();
    let expected: BTreeSet<String> = [&updated, &deleted, &created, &self_updated]
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(got, expected);
    for user in second.records("users") {
        let id = key_part(&user["id"]);
        assert!(user["_ab_cdc_updated_at"].is_string());
        if id == deleted {
            assert!(user["_ab_cdc_deleted_at"].is_string(), "{user}");
            assert_eq!(
                user.as_object().unwrap().len(),
                4,
                "only id, realm and the markers"
            );
        } else {
            assert!(user.get("_ab_cdc_deleted_at").is_none());
        }
        if id == updated {
            assert_eq!(user["firstName"], "Renamed");
        }
    }
    // A third sync right after: nothing changed.
    let third = sync(&fake, Some(&state_of(&second)));
    assert!(third.records("users").is_empty());
}

fn falls_back(change: impl FnOnce(&mut fake_keycloak::RealmData), reason: &str) {
    let fake = start_sample();
    let first = sync(&fake, None);
    fake.with_realm_mut(REALM, change).unwrap();
    let second = sync(&fake, Some(&state_of(&first)));
    let all = fake.with_realm_mut(REALM, |r| r.users.len()).unwrap();
    assert_eq!(second.records("users").len(), all, "a full read ({reason})");
    let warnings = warnings(&second);
    assert!(
        warnings.iter().any(|w| w.contains(reason)),
        "{reason}: {warnings:?}"
    );
}

#[test]
fn falls_back_when_admin_events_are_not_saved() {
    falls_back(
        |r| r.representation["adminEventsEnabled"] = json!(false),
        "does not save admin events",
    );
}

#[test]
fn falls_back_when_user_events_are_not_saved() {
    falls_back(
        |r| r.representation["eventsEnabled"] = json!(false),
        "does not save user events",
    );
}

#[test]
fn falls_back_when_a_needed_event_type_is_off() {
    falls_back(
        |r| {
            r.representation["enabledEventTypes"] =
                json!(["LOGIN", "REGISTER", "UPDATE_PROFILE", "DELETE_ACCOUNT"])
        },
        "UPDATE_EMAIL",
    );
}

#[test]
fn falls_back_when_the_cursor_is_older_than_the_retention() {
    // With a one-second retention, a cursor two seconds old (the read's lag) is too old.
    falls_back(
        |r| r.representation["eventsExpiration"] = json!(1),
        "retention",
    );
}

#[test]
fn falls_back_when_users_come_from_ldap() {
    falls_back(
        |r| {
            r.components.push(
                json!({"id": "ldap", "name": "corp-ldap", "providerId": "ldap",
            "providerType": "org.keycloak.storage.UserStorageProvider"}),
            )
        },
        "user federation",
    );
}
