//! Incremental events: exactly once across syncs, ties in one millisecond split across
//! pages and syncs, events arriving during a read, a read cut after any STATE and
//! resumed, `start_date`, a state from the future, and the older servers' date-only,
//! newest-first API without ids.

use std::collections::BTreeSet;
use std::time::Duration;

use fake_keycloak::{FakeConfig, FakeKeycloak, Fault, FaultRule};
use serde_json::{Value, json};

use crate::support::*;

const STREAMS: [&str; 2] = ["events", "admin_events"];

fn incremental_catalog() -> Value {
    let mut catalog = table_catalog(&STREAMS);
    for entry in catalog["streams"].as_array_mut().unwrap() {
        entry["sync_mode"] = json!("incremental");
        entry["cursor_field"] = json!(["time"]);
        entry["destination_sync_mode"] = json!("append");
    }
    catalog
}

/// One incremental read with an optional input state (the whole list of last STATE
/// messages, as Airbyte passes it).
fn sync(fake: &FakeKeycloak, state: Option<&Value>, patch: Value) -> Run {
    let run = read_with(fake, &incremental_catalog(), state, patch);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run
}

/// The last STATE of each stream, as a host keeps it.
fn last_states(run: &Run) -> Value {
    let mut states = Vec::new();
    for stream in STREAMS {
        if let Some(last) = run.states(stream).last() {
            states.push(json!({"type": "STREAM", "stream": {
                "stream_descriptor": {"name": stream},
                "stream_state": last.stream.stream_state}}));
        }
    }
    Value::Array(states)
}

fn event_ids(fake: &FakeKeycloak, stream: &str) -> BTreeSet<Vec<String>> {
    fake.with_realm_mut(REALM, |r| {
        let list = if stream == "events" {
            &r.events
        } else {
            &r.admin_events
        };
        list.iter().map(|e| vec![key_part(&e["id"])]).collect()
    })
    .unwrap()
}

/// Appends `n` login events at `time` (oldest-first order is kept by using a time at
/// or after every stored event).
fn add_events(fake: &FakeKeycloak, n: usize, time: i64, tag: &str) -> Vec<String> {
    fake.with_realm_mut(REALM, |r| {
        (0..n)
            .map(|i| {
                let id = format!("new-{tag}-{i:03}");
                // Distinct users: on servers without ids, identical events in one
                // millisecond are indistinguishable and count once (README).
                r.events
                    .push(json!({"id": id, "time": time, "type": "LOGIN",
                    "realmId": r.id, "clientId": "login-app", "userId": format!("u-{tag}-{i}"),
                    "details": {}}));
                id
            })
            .collect()
    })
    .unwrap()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn first_sync_reads_everything_then_nothing_then_exactly_the_new_events() {
    let fake = start_sample();
    let first = sync(&fake, None, json!({"page_size": 17}));
    for stream in STREAMS {
        assert_eq!(
            first.keys(stream, &["id"]),
            event_ids(&fake, stream),
            "{stream}"
        );
        assert!(first.states(stream).len() > 3, "{stream}: a state per page");
    }
    let state = last_states(&first);
    let second = sync(&fake, Some(&state), json!({"page_size": 17}));
    for stream in STREAMS {
        assert!(second.records(stream).is_empty(), "{stream}: nothing new");
        assert!(!second.states(stream).is_empty(), "{stream}: still a state");
    }
    let new = add_events(&fake, 5, now_ms() - 5_000, "a");
    let third = sync(&fake, Some(&last_states(&second)), json!({"page_size": 17}));
    let got: BTreeSet<String> = third
        .keys("events", &["id"])
        .into_iter()
        .map(|k| k[0].clone())
        .collect();
    assert_eq!(got, new.into_iter().collect());
    assert!(third.records("admin_events").is_empty());
}

#[test]
fn ties_in_one_millisecond_across_pages_and_syncs() {
    let fake = start_sample();
    let t = now_ms() - 10_000;
    let first_batch = add_events(&fake, 12, t, "tie");
    // A state that has emitted 5 of the 12 events at time t (as if the last sync ended
    // mid-millisecond): the next sync must emit the other 7 and nothing else.
    let state = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "events"},
        "stream_state": {"realms": {"acme": {"time": t, "ids": first_batch[..5]}}}}}]);
    let run = sync(&fake, Some(&state), json!({"page_size": 4}));
    let got: BTreeSet<String> = run
        .keys("events", &["id"])
        .into_iter()
        .map(|k| k[0].clone())
        .collect();
    assert_eq!(got, first_batch[5..].iter().cloned().collect());
    // And the final cursor names every event at t.
    let last = run
        .states("events")
        .last()
        .unwrap()
        .stream
        .stream_state
        .clone();
    assert_eq!(last["realms"]["acme"]["time"], json!(t));
    assert_eq!(last["realms"]["acme"]["ids"].as_array().unwrap().len(), 12);
}

#[test]
fn a_read_cut_after_any_state_resumes_without_loss_or_repetition() {
    let fake = start_sample();
    let full = sync(&fake, None, json!({"page_size": 9}));
    let expected = event_ids(&fake, "events");
    let state_positions: Vec<usize> = full
        .messages
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m, Msg::STATE { state } if state.stream.stream_descriptor.name == "events"))
        .map(|(i, _)| i)
        .collect();
    for &cut in state_positions.iter().step_by(5) {
        // What a host had received when the process died right after this STATE.
        let delivered: Vec<String> = full.messages[..=cut]
            .iter()
            .filter_map(|m| match m {
                Msg::RECORD { record } if record.stream == "events" => {
                    Some(key_part(&record.data["id"]))
                }
                _ => None,
            })
            .collect();
        let Msg::STATE { state } = &full.messages[cut] else {
            unreachable!()
        };
        let resume_state = json!([{"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "events"}, "stream_state": state.stream.stream_state}}]);
        let resumed = sync(&fake, Some(&resume_state), json!({"page_size": 9}));
        let mut all: Vec<String> = delivered;
        all.extend(resumed.records("events").iter().map(|r| key_part(&r["id"])));
        let unique: BTreeSet<Vec<String>> = all.iter().map(|i| vec![i.clone()]).collect();
        assert_eq!(
            unique.len(),
            all.len(),
            "no event twice (cut at message {cut})"
        );
        assert_eq!(unique, expected, "no event lost (cut at message {cut})");
    }
}

#[test]
fn events_arriving_during_the_read_are_read_once() {
    let fake = std::sync::Arc::new(start_sample());
    fake.push_fault(FaultRule::new(
        "/admin/realms/acme/events?",
        usize::MAX,
        Fault::Delay(Duration::from_millis(150)),
    ));
    let writer = {
        let fake = fake.clone();
        std::thread::spawn(move || {
            let mut ids = Vec::new();
            for round in 0..6 {
                std::thread::sleep(Duration::from_millis(200));
                ids.extend(add_events(&fake, 2, now_ms(), &format!("live{round}")));
            }
            ids
        })
    };
    let first = sync(&fake, None, json!({"page_size": 20}));
    let live = writer.join().unwrap();
    std::thread::sleep(Duration::from_millis(2_500)); // past the read's lag
    let second = sync(&fake, Some(&last_states(&first)), json!({"page_size": 20}));
    let mut all: Vec<String> = first
        .records("events")
        .iter()
        .map(|r| key_part(&r["id"]))
        .collect();
    all.extend(second.records("events").iter().map(|r| key_part(&r["id"])));
    let unique: BTreeSet<Vec<String>> = all.iter().map(|i| vec![i.clone()]).collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "no duplicates across the two syncs"
    );
    assert_eq!(unique, event_ids(&fake, "events"), "no event lost");
    assert_eq!(live.len(), 12);
}

#[test]
fn start_date_bounds_the_first_sync_and_a_future_state_reads_nothing() {
    let fake = start_sample();
    let times: Vec<i64> = fake
        .with_realm_mut(REALM, |r| {
            r.events
                .iter()
                .map(|e| e["time"].as_i64().unwrap())
                .collect()
        })
        .unwrap();
    let middle = times[times.len() / 2];
    let start = source_keycloak::time::date_of(middle);
    let start_ms = source_keycloak::time::parse_instant(&start).unwrap();
    let run = sync(&fake, None, json!({"start_date": start}));
    let expected = times.iter().filter(|t| **t >= start_ms).count();
    assert_eq!(run.records("events").len(), expected);
    assert!(expected > 0 && expected < times.len());

    let future = json!({"events": {"realms": {"acme": {"time": now_ms() + 86_400_000, "ids": []}}},
                        "admin_events": {"realms": {"acme": {"time": now_ms() + 86_400_000, "ids": []}}}});
    let run = sync(&fake, Some(&future), json!({}));
    for stream in STREAMS {
        assert!(run.records(stream).is_empty());
        assert_eq!(
            run.states(stream).len(),
            2,
            "{stream}: the checkpoint and the final state"
        );
    }
}

#[test]
fn older_servers_date_only_newest_first_without_ids() {
    let mut config = FakeConfig::sample();
    config.legacy_events = true;
    let fake = FakeKeycloak::start(config);
    let first = sync(&fake, None, json!({"page_size": 13}));
    for stream in STREAMS {
        let expected = event_count(&fake, stream);
        assert_eq!(first.keys(stream, &["id"]).len(), expected, "{stream}");
        // Emitted oldest first, so a cut anywhere resumes cleanly.
        let times: Vec<i64> = first
            .records(stream)
            .iter()
            .map(|r| r["time"].as_i64().unwrap())
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "{stream} in time order"
        );
    }
    let second = sync(&fake, Some(&last_states(&first)), json!({"page_size": 13}));
    assert!(second.records("events").is_empty() && second.records("admin_events").is_empty());
    add_events(&fake, 3, now_ms() - 5_000, "legacy");
    let third = sync(&fake, Some(&last_states(&second)), json!({"page_size": 13}));
    assert_eq!(third.records("events").len(), 3);
    // The only refused requests are the capability probes (one per endpoint and sync):
    // reads themselves send dates this server understands.
    let refused: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.status == 400)
        .collect();
    assert_eq!(refused.len(), 3 * STREAMS.len());
    assert!(
        refused
            .iter()
            .all(|r| r.query.contains(&("dateFrom".to_string(), "1".to_string())))
    );
}

/// Keycloak orders events by time alone, and its database may return the events of one
/// millisecond in a different order for every page (seen on 26.7.3: offset paging lost
/// admin events). Full refresh and incremental reads, on both event APIs, must still
/// return every event exactly once.
#[test]
fn events_of_one_millisecond_in_any_order_are_read_once() {
    for legacy in [false, true] {
        let mut config = FakeConfig::sample();
        config.unstable_event_ties = true;
        config.legacy_events = legacy;
        let fake = FakeKeycloak::start(config);
        let base = now_ms() - 60_000;
        for ms in 0..5 {
            add_events(&fake, 30, base + ms, &format!("tie{ms}"));
        }
        fake.with_realm_mut(REALM, |r| {
            let template = r.admin_events[0].clone();
            for i in 0..150 {
                let mut event = template.clone();
                event["id"] = json!(format!("adm-tie-{i:03}"));
                event["time"] = json!(base + (i / 30) as i64);
                event["resourcePath"] = json!(format!("users/tie-{i}"));
                r.admin_events.push(event);
            }
        })
        .unwrap();
        let full = read(&fake, &STREAMS, json!({"page_size": 10}));
        assert_eq!(full.code, Some(0), "{}", full.stdout);
        let incremental = sync(&fake, None, json!({"page_size": 10}));
        for stream in STREAMS {
            let want = event_count(&fake, stream);
            for (mode, run) in [("full refresh", &full), ("incremental", &incremental)] {
                let context = format!("{stream}, {mode}, legacy API: {legacy}");
                assert_eq!(run.records(stream).len(), want, "{context}");
                assert_eq!(run.keys(stream, &["id"]).len(), want, "{context}");
                if !legacy {
                    assert_eq!(
                        run.keys(stream, &["id"]),
                        event_ids(&fake, stream),
                        "{context}"
                    );
                }
            }
        }
    }
}
