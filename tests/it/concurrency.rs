//! `max_concurrency`: fan-out streams read their parents side by side, yet emit exactly
//! what the one-at-a-time read emits, in the same order; their requests really overlap
//! (counted by the fake, not timed); and a parent that fails in the middle ends the
//! stream the same way at every concurrency.

use std::time::Duration;

use fake_keycloak::{FakeConfig, FakeKeycloak, Fault, FaultRule};
use serde_json::{Value, json};

use crate::support::*;

/// Every stream that reads children per parent (group, role, client, provider, org).
const FAN_OUTS: &[&str] = &[
    "group_members",
    "group_role_mappings",
    "client_roles",
    "role_composites",
    "user_role_mappings",
    "user_effective_roles",
    "user_sessions",
    "user_federated_identities",
    "organization_members",
];

/// A stream's records' data, in emitted order.
fn sequence(run: &Run, stream: &str) -> Vec<Value> {
    run.records(stream).into_iter().cloned().collect()
}

fn read_at(fake: &FakeKeycloak, streams: &[&str], concurrency: usize, patch: Value) -> Run {
    let mut config = json!({ "max_concurrency": concurrency });
    for (k, v) in patch.as_object().into_iter().flatten() {
        config[k] = v.clone();
    }
    let run = read(fake, streams, config);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run
}

/// Small pages, so child lists span pages (and a worker's pager prefetches).
fn same_records_at_1_and_8(fake: &FakeKeycloak, streams: &[&str]) {
    let one = read_at(fake, streams, 1, json!({"page_size": 7}));
    let eight = read_at(fake, streams, 8, json!({"page_size": 7}));
    for stream in streams {
        let (a, b) = (sequence(&one, stream), sequence(&eight, stream));
        assert!(!a.is_empty(), "{stream} has records in the sample");
        assert!(
            a == b,
            "{stream}: {} records at 1, {} at 8",
            a.len(),
            b.len()
        );
    }
}

#[test]
fn every_fan_out_emits_the_same_records_in_the_same_order_at_1_and_8() {
    same_records_at_1_and_8(&start_sample(), FAN_OUTS);
}

#[test]
fn role_holders_read_per_role_emit_the_same_records_at_1_and_8() {
    // The sample has organizations on, so role holders are read per account above.
    let fake = without_organizations(start_sample());
    same_records_at_1_and_8(&fake, &["user_role_mappings", "user_effective_roles"]);
}

fn without_organizations(fake: FakeKeycloak) -> FakeKeycloak {
    fake.with_realm_mut(REALM, |r| {
        r.representation["organizationsEnabled"] = json!(false)
    });
    fake
}

/// The sample, with organizations on (as it comes) or off.
fn sample_with(organizations: bool) -> FakeKeycloak {
    match organizations {
        true => start_sample(),
        false => without_organizations(start_sample()),
    }
}

#[test]
fn older_server_paths_emit_the_same_records_at_1_and_8() {
    // Keycloak 22 groups (nested subGroups) and IdP links read per user.
    let mut config = FakeConfig::sample();
    config.legacy_groups = true;
    config.legacy_idp_alias_filter = true;
    let fake = FakeKeycloak::start(config);
    let streams = [
        "group_members",
        "user_effective_roles",
        "user_federated_identities",
    ];
    same_records_at_1_and_8(&fake, &streams);
}

/// Every members request takes a while, so overlapping ones meet in the fake.
fn slow_members() -> FakeKeycloak {
    let fake = start_sample();
    let delay = Fault::Delay(Duration::from_millis(30));
    fake.push_fault(FaultRule::new("/members", usize::MAX, delay));
    fake
}

#[test]
fn fan_out_requests_overlap_only_when_allowed() {
    let fake = slow_members();
    read_at(&fake, &["group_members"], 4, json!({}));
    let overlapping = fake.max_in_flight();
    assert!(overlapping > 1, "{overlapping} request(s) at once");
    assert_eq!(fake.tokens_issued(), 1, "the workers share one token");

    let fake = slow_members();
    read_at(&fake, &["group_members"], 1, json!({}));
    assert_eq!(fake.max_in_flight(), 1, "one request at a time");
}

/// The records of `stream` before the first one whose `field` is `value`.
fn before(records: &[Value], field: &str, value: &str) -> Vec<Value> {
    let cut = records.iter().position(|r| r[field] == value);
    records[..cut.expect("the failing parent has records")].to_vec()
}

/// The parents of `stream`'s records (by `field`), in emitted order, each once.
fn parents_of(records: &[Value], field: &str) -> Vec<String> {
    let mut parents: Vec<String> = Vec::new();
    for record in records {
        let id = record[field].as_str().expect("parent id");
        if parents.last().map(String::as_str) != Some(id) {
            parents.push(id.to_string());
        }
    }
    parents
}

/// Reads `stream` (then `realm_roles`) while requests to `target` answer `status`
/// forever; checks how the stream ended and returns the run with its fake.
fn read_failing(
    stream: &str,
    target: &str,
    status: u16,
    concurrency: usize,
    organizations: bool,
) -> (Run, FakeKeycloak) {
    let fake = sample_with(organizations);
    let fault = Fault::Status {
        code: status,
        headers: Vec::new(),
        body: "{\"error\":\"no\"}".into(),
    };
    fake.push_fault(FaultRule::new(target, usize::MAX, fault));
    let config = json!({"max_concurrency": concurrency, "max_retries": 1});
    let run = read(&fake, &[stream, "realm_roles"], config);
    let what = format!("{stream} {status} at {concurrency}");
    assert_eq!(run.code, Some(1), "{what}: {}", run.stdout);
    assert_eq!(run.errors().len(), 1, "{what}: {}", run.stdout);
    let message = &run.errors()[0].message;
    assert!(message.contains(target), "{what}: {message}");
    let statuses = ["STARTED", "RUNNING", "INCOMPLETE"];
    assert_eq!(run.statuses(stream), statuses, "{what}");
    assert!(run.states(stream).is_empty(), "{what}: no state");
    let next = ["STARTED", "RUNNING", "COMPLETE"];
    assert_eq!(
        run.statuses("realm_roles"),
        next,
        "{what}: the next stream is read"
    );
    (run, fake)
}

#[test]
fn a_parent_failing_mid_fan_out_ends_the_stream_as_at_concurrency_1() {
    // (stream, parent field, status, failure type, organizations on): role holders are
    // read per role with organizations off, per account with them on.
    let cases = [
        ("group_members", "group_id", 500, "transient_error", true),
        ("group_members", "group_id", 403, "config_error", true),
        (
            "user_role_mappings",
            "role_id",
            503,
            "transient_error",
            false,
        ),
        (
            "user_role_mappings",
            "user_id",
            503,
            "transient_error",
            true,
        ),
    ];
    for (stream, field, status, failure_type, organizations) in cases {
        let fake = sample_with(organizations);
        let clean = sequence(&read_at(&fake, &[stream], 1, json!({})), stream);
        let parents = parents_of(&clean, field);
        let failing = &parents[parents.len() / 2];
        let target = match (stream, field) {
            ("group_members", _) => format!("/groups/{failing}/members"),
            (_, "user_id") => format!("/users/{failing}/role-mappings"),
            _ => {
                let role = clean.iter().find(|r| r[field] == **failing).unwrap();
                format!("/roles/{}/users", role["role_name"].as_str().unwrap())
            }
        };
        let mut seen = Vec::new();
        for concurrency in [1, 4] {
            let (run, _fake) = read_failing(stream, &target, status, concurrency, organizations);
            let records = sequence(&run, stream);
            let what = format!("{stream} {status} at {concurrency}");
            assert_eq!(records, before(&clean, field, failing), "{what}");
            let error = &run.errors()[0];
            assert_eq!(error.failure_type, failure_type, "{what}");
            seen.push((error.message.clone(), records));
        }
        assert!(seen[0] == seen[1], "{stream} {status}: same at 1 and 4");
    }
}

/// The groups whose members were asked for, in order, each once.
fn members_requested(fake: &FakeKeycloak) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for request in fake.requests() {
        let parts: Vec<&str> = request.path.split('/').collect();
        if let [.., "groups", id, "members"] = parts.as_slice()
            && !groups.iter().any(|g| g == id)
        {
            groups.push(id.to_string());
        }
    }
    groups
}

#[test]
fn no_group_after_a_failed_one_is_started_beyond_the_window() {
    let clean = start_sample();
    read_at(&clean, &["group_members"], 1, json!({}));
    let order = members_requested(&clean);
    let failing = order.len() / 2;
    let target = format!("/groups/{}/members", order[failing]);
    for concurrency in [1, 4, 8] {
        let (_run, fake) = read_failing("group_members", &target, 500, concurrency, true);
        for group in members_requested(&fake) {
            let at = order
                .iter()
                .position(|g| *g == group)
                .expect("a known group");
            // The parents in flight with it may have started; none after them.
            assert!(
                at < failing + concurrency,
                "group {at} of {} started after group {failing} failed at {concurrency}",
                order.len()
            );
        }
    }
}
