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

    let fake = slow_members();
    read_at(&fake, &["group_members"], 1, json!({}));
    assert_eq!(fake.max_in_flight(), 1, "one request at a time");
}

/// The records of `stream` before the first one whose `field` is `value`.
fn before(records: &[Value], field: &str, value: &str) -> Vec<Value> {
    let cut = records.iter().position(|r| r[field] == value);
    records[..cut.expect("the failing parent has records")].to_vec()
}

#[test]
fn a_parent_failing_mid_fan_out_ends_the_stream_as_at_concurrency_1() {
    // (stream, parent field, the parent's request below its id, status, failure type)
    let cases = [
        (
            "group_members",
            "group_id",
            "members",
            500,
            "transient_error",
        ),
        ("group_members", "group_id", "members", 403, "config_error"),
        (
            "user_role_mappings",
            "role_id",
            "users",
            503,
            "transient_error",
        ),
    ];
    for (stream, field, below, status, failure_type) in cases {
        let clean = sequence(&read_at(&start_sample(), &[stream], 1, json!({})), stream);
        // A parent in the middle of the order.
        let mut parents: Vec<&str> = Vec::new();
        for record in &clean {
            let id = record[field].as_str().expect("parent id");
            if parents.last() != Some(&id) {
                parents.push(id);
            }
        }
        let failing = parents[parents.len() / 2];
        let target = match stream {
            "group_members" => format!("/groups/{failing}/{below}"),
            _ => {
                let role = clean.iter().find(|r| r[field] == failing).unwrap();
                format!("/roles/{}/{below}", role["role_name"].as_str().unwrap())
            }
        };
        let mut runs = Vec::new();
        for concurrency in [1, 4] {
            let fake = start_sample();
            let fault = Fault::Status {
                code: status,
                headers: Vec::new(),
                body: "{\"error\":\"no\"}".into(),
            };
            fake.push_fault(FaultRule::new(&target, usize::MAX, fault));
            let run = read(
                &fake,
                &[stream, "realm_roles"],
                json!({"max_concurrency": concurrency, "max_retries": 1}),
            );
            let what = format!("{stream} {status} at {concurrency}");
            assert_eq!(run.code, Some(1), "{what}: {}", run.stdout);
            assert_eq!(
                sequence(&run, stream),
                before(&clean, field, failing),
                "{what}: the records of earlier parents only"
            );
            let errors = run.errors();
            assert_eq!(errors.len(), 1, "{what}: {}", run.stdout);
            assert_eq!(errors[0].failure_type, failure_type, "{what}");
            assert!(
                errors[0].message.contains(&target),
                "{what}: {}",
                errors[0].message
            );
            assert_eq!(
                run.statuses(stream),
                ["STARTED", "RUNNING", "INCOMPLETE"],
                "{what}"
            );
            assert!(run.states(stream).is_empty(), "{what}: no state");
            assert_eq!(
                run.statuses("realm_roles"),
                ["STARTED", "RUNNING", "COMPLETE"],
                "{what}: the next stream is read"
            );
            runs.push((errors[0].message.clone(), sequence(&run, stream)));
        }
        assert!(runs[0] == runs[1], "{stream} {status}: same at 1 and 4");
    }
}
