//! Direct role assignments in a realm with organizations enabled: Keycloak 26 checks
//! every user before a role-holder page's offset for organization membership, so there
//! `user_role_mappings` and the direct grants of `user_effective_roles` are read per
//! account (`/users/{id}/role-mappings`, service-account users first) instead of per
//! role. Both plans give the same records; only the requests differ.

use fake_keycloak::{Fault, FaultRule};
use serde_json::{Value, json};

use crate::read::truth;
use crate::support::*;

const STREAMS: &[&str] = &["user_role_mappings", "user_effective_roles"];

/// A stream's records' data, sorted (the plans emit in different orders).
fn sorted(run: &Run, stream: &str) -> Vec<String> {
    let mut records: Vec<String> = run.records(stream).iter().map(|r| r.to_string()).collect();
    records.sort();
    records
}

fn organizations(fake: &fake_keycloak::FakeKeycloak, on: bool) {
    fake.with_realm_mut(REALM, |r| {
        r.representation["organizationsEnabled"] = json!(on)
    });
}

/// Requests whose path, split at `/`, ends with `tail` (`*` matches one segment).
fn requests_like(fake: &fake_keycloak::FakeKeycloak, tail: &[&str]) -> usize {
    fake.requests()
        .iter()
        .filter(|r| {
            let parts: Vec<&str> = r.path.split('/').collect();
            parts.len() >= tail.len()
                && parts[parts.len() - tail.len()..]
                    .iter()
                    .zip(tail)
                    .all(|(p, t)| *t == "*" || p == t)
        })
        .count()
}

#[test]
fn both_plans_give_the_same_records_and_the_ground_truth() {
    let per_account = start_sample();
    organizations(&per_account, true);
    let per_role = start_sample();
    organizations(&per_role, false);
    let config = json!({"page_size": 7, "max_concurrency": 4});
    let a = read(&per_account, STREAMS, config.clone());
    let b = read(&per_role, STREAMS, config);
    for run in [&a, &b] {
        assert_eq!(run.code, Some(0), "{}", run.stdout);
    }
    for stream in STREAMS {
        let (x, y) = (sorted(&a, stream), sorted(&b, stream));
        assert!(!x.is_empty(), "{stream} has records in the sample");
        assert!(
            x == y,
            "{stream}: {} records per account, {} per role",
            x.len(),
            y.len()
        );
    }
    let mappings = a.keys("user_role_mappings", &["user_id", "role_id"]);
    assert_eq!(mappings, truth(&per_account, REALM, "user_role_mappings"));
    let grants = a.keys("user_effective_roles", &["user_id", "role_id", "grant"]);
    assert_eq!(grants, truth(&per_account, REALM, "user_effective_roles"));
}

#[test]
fn organizations_on_read_per_account_and_off_per_role() {
    let users = start_sample()
        .with_realm_mut(REALM, |r| r.users.len())
        .unwrap();
    let service_accounts = start_sample()
        .with_realm_mut(REALM, |r| {
            r.clients
                .iter()
                .filter(|c| c["serviceAccountsEnabled"] == true)
                .count()
        })
        .unwrap();
    assert!(service_accounts > 0, "the sample has service accounts");
    for stream in STREAMS {
        let fake = start_sample();
        organizations(&fake, true);
        let run = read(&fake, &[stream], json!({}));
        assert_eq!(run.code, Some(0), "{}", run.stdout);
        assert_eq!(
            requests_like(&fake, &["roles", "*", "users"]),
            0,
            "{stream}"
        );
        let sa = requests_like(&fake, &["clients", "*", "service-account-user"]);
        assert_eq!(sa, service_accounts, "{stream}");
        let per_user = requests_like(&fake, &["users", "*", "role-mappings"]);
        assert_eq!(per_user, users + service_accounts, "{stream}");

        let fake = start_sample();
        organizations(&fake, false);
        let run = read(&fake, &[stream], json!({}));
        assert_eq!(run.code, Some(0), "{}", run.stdout);
        assert!(
            requests_like(&fake, &["roles", "*", "users"]) > 0,
            "{stream}"
        );
        assert_eq!(
            requests_like(&fake, &["users", "*", "role-mappings"]),
            0,
            "{stream}"
        );
        assert_eq!(
            requests_like(&fake, &["service-account-user"]),
            0,
            "{stream}"
        );
    }
}

#[test]
fn a_user_deleted_before_its_request_holds_nothing_directly() {
    let clean = read(&start_sample(), STREAMS, json!({}));
    let gone = clean.records("user_role_mappings")[0]["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let fake = start_sample();
    let fault = Fault::Status {
        code: 404,
        headers: Vec::new(),
        body: "{\"error\":\"User not found\"}".into(),
    };
    let target = format!("/users/{gone}/role-mappings");
    fake.push_fault(FaultRule::new(&target, usize::MAX, fault));
    let run = read(&fake, STREAMS, json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.errors().is_empty(), "{}", run.stdout);
    for stream in STREAMS {
        let others: Vec<Value> = clean
            .records(stream)
            .into_iter()
            // its grants through groups come from the groups' member lists
            .filter(|r| {
                let direct = r["grant"].as_str().is_none_or(|g| g.ends_with("direct"));
                r["user_id"] != gone.as_str() || !direct
            })
            .cloned()
            .collect();
        let got: Vec<Value> = run.records(stream).into_iter().cloned().collect();
        assert_eq!(
            got, others,
            "{stream}: every other user's records, in order"
        );
    }
}

#[test]
fn a_failing_account_request_fails_the_stream_and_names_it() {
    let fake = start_sample();
    let fault = Fault::Status {
        code: 403,
        headers: Vec::new(),
        body: "{\"error\":\"HTTP 403 Forbidden\"}".into(),
    };
    fake.push_fault(FaultRule::new("/role-mappings", usize::MAX, fault));
    let run = read(&fake, &["user_role_mappings"], json!({}));
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0].failure_type, "config_error");
    assert!(
        errors[0].message.contains("/role-mappings"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0].message.contains("view-users"),
        "{}",
        errors[0].message
    );
}
