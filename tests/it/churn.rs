//! Paging under churn: users created and deleted between page requests (a fake hook
//! changes the realm just before each page is served, so the interleaving is exact).
//! Every user who exists for the whole read is emitted exactly once; a list that shifts
//! too far to follow fails the stream loudly instead of skipping anyone.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use fake_keycloak::{FakeKeycloak, RealmData};
use serde_json::{Value, json};

use crate::support::*;

const PAGE: usize = 20;
/// Matches the users stream's page requests only (not the role probe, max=1).
const PAGES: &str = "/admin/realms/acme/users?briefRepresentation=false&first=";

/// Ids changed by the hooks: deleted and created during the read.
#[derive(Default)]
struct Churn {
    deleted: BTreeSet<String>,
    created: BTreeSet<String>,
}

fn ids(fake: &FakeKeycloak) -> BTreeSet<String> {
    fake.with_realm_mut(REALM, |r| {
        r.users
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect()
    })
    .unwrap()
}

fn new_user(r: &RealmData, tag: &str) -> Value {
    let mut user = r.users[0].clone();
    user["id"] = json!(format!("churn-{tag}"));
    user["username"] = json!(format!("churn-{tag}"));
    user
}

/// Runs a users read while `change(realm, page_number, churn)` runs before every page
/// request after the first; returns the run, the users before it and the churn.
fn read_with_churn(
    change: impl Fn(&mut RealmData, usize, &mut Churn) + Send + 'static,
) -> (Run, BTreeSet<String>, Churn) {
    let fake = start_sample();
    let before = ids(&fake);
    let churn = Arc::new(Mutex::new(Churn::default()));
    let mut page = 0;
    let log = Arc::clone(&churn);
    fake.push_hook(PAGES, usize::MAX, REALM, move |realm| {
        page += 1;
        if page > 1 {
            change(realm, page, &mut log.lock().unwrap());
        }
    });
    let run = read(&fake, &["users"], json!({"page_size": PAGE}));
    let churn = std::mem::take(&mut *churn.lock().unwrap());
    (run, before, churn)
}

/// No duplicates (`keys` panics on one), nobody who lasted the read is missing, nobody
/// who never existed appears.
fn assert_exact(run: &Run, before: &BTreeSet<String>, churn: &Churn) {
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let got: BTreeSet<String> = run
        .keys("users", &["id"])
        .into_iter()
        .map(|k| k[0].clone())
        .collect();
    let lasting: BTreeSet<String> = before.difference(&churn.deleted).cloned().collect();
    let missing: Vec<_> = lasting.difference(&got).collect();
    assert!(missing.is_empty(), "skipped users: {missing:?}");
    let possible: BTreeSet<String> = before.union(&churn.created).cloned().collect();
    let unknown: Vec<_> = got.difference(&possible).collect();
    assert!(unknown.is_empty(), "users that never existed: {unknown:?}");
}

fn delete_at(realm: &mut RealmData, index: usize, churn: &mut Churn) {
    if index < realm.users.len() {
        let user = realm.users.remove(index);
        churn
            .deleted
            .insert(user["id"].as_str().unwrap().to_string());
    }
}

#[test]
fn users_deleted_before_the_current_page_are_not_a_reason_to_skip() {
    // Two deletions per page at the front: every later offset shifts left by two.
    let (run, before, churn) = read_with_churn(|realm, _, churn| {
        delete_at(realm, 0, churn);
        delete_at(realm, 0, churn);
    });
    assert!(churn.deleted.len() > 10);
    assert_exact(&run, &before, &churn);
}

#[test]
fn users_created_before_the_current_page_are_not_emitted_twice() {
    let (run, before, churn) = read_with_churn(|realm, page, churn| {
        for i in 0..3 {
            let user = new_user(realm, &format!("{page}-{i}"));
            churn
                .created
                .insert(user["id"].as_str().unwrap().to_string());
            realm.users.insert(0, user);
        }
    });
    assert!(churn.created.len() > 10);
    assert_exact(&run, &before, &churn);
}

#[test]
fn mixed_churn_everywhere_in_the_list() {
    let (run, before, churn) = read_with_churn(|realm, page, churn| {
        // Delete one near the front, one in the middle, create one near the front and
        // one at the end.
        delete_at(realm, page % 7, churn);
        let middle = realm.users.len() / 2;
        delete_at(realm, middle, churn);
        for (at, tag) in [(page % 5, "front"), (realm.users.len(), "end")] {
            let user = new_user(realm, &format!("{page}-{tag}"));
            churn
                .created
                .insert(user["id"].as_str().unwrap().to_string());
            realm.users.insert(at, user);
        }
    });
    assert_exact(&run, &before, &churn);
}

#[test]
fn a_shift_larger_than_the_overlap_steps_back_and_loses_nothing() {
    // Before the fourth page, ten users before the offset go (more than the overlap
    // of PAGE / 5 = 4): the next page holds nothing already seen, so the pager looks
    // further back.
    let (run, before, churn) = read_with_churn(|realm, page, churn| {
        if page == 4 {
            for _ in 0..10 {
                delete_at(realm, 5, churn);
            }
        }
    });
    assert_eq!(churn.deleted.len(), 10);
    assert_exact(&run, &before, &churn);
}

#[test]
fn a_list_that_shifts_beyond_recognition_fails_loudly() {
    // Before the third page, every user read so far is deleted: no row of the page
    // before can be found again anywhere, so the stream fails instead of guessing.
    let (run, _, _) = read_with_churn(|realm, page, churn| {
        if page == 3 {
            for _ in 0..(3 * PAGE) {
                delete_at(realm, 0, churn);
            }
        }
    });
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].failure_type, "transient_error");
    assert!(
        errors[0].message.contains("changed too much"),
        "{}",
        errors[0].message
    );
    assert_eq!(run.statuses("users"), ["STARTED", "RUNNING", "INCOMPLETE"]);
    assert!(
        run.states("users").is_empty(),
        "no state for a failed stream"
    );
}
