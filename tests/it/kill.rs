//! The process killed (SIGKILL) at a random point of an incremental read: resuming from
//! the last STATE it wrote yields every event exactly once.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use fake_keycloak::{Fault, FaultRule};
use serde_json::{Value, json};

use crate::support::*;

fn incremental_events_catalog() -> Value {
    let mut catalog = table_catalog(&["events"]);
    for entry in catalog["streams"].as_array_mut().unwrap() {
        entry["sync_mode"] = json!("incremental");
        entry["cursor_field"] = json!(["time"]);
        entry["destination_sync_mode"] = json!("append");
    }
    catalog
}

/// A pseudo-random number in 0..n, different on every call and run.
fn random_below(n: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    (nanos / 1000) % n
}

/// What a host had received when the process died: the records up to the last STATE
/// (a host commits records with the state after them) and that state.
struct Delivered {
    ids: Vec<String>,
    state: Option<Value>,
}

/// Starts an incremental read from `state` and kills it with SIGKILL after `after`
/// STATE messages of `events`.
fn read_then_kill(files: &Files, state: Option<&Value>, after: usize) -> Delivered {
    let config = files.json("config.json", &{
        let mut c = config_for_port(files);
        c["page_size"] = json!(7);
        c
    });
    let catalog = files.json("catalog.json", &incremental_events_catalog());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_source-keycloak"));
    cmd.args(["read", "--config", s(&config), "--catalog", s(&catalog)]);
    let state_path;
    if let Some(state) = state {
        state_path = files.json("state.json", state);
        cmd.args(["--state", s(&state_path)]);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().unwrap();
    let mut delivered = Delivered {
        ids: Vec::new(),
        state: None,
    };
    let mut pending: Vec<String> = Vec::new();
    let mut states = 0;
    let mut text = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read stdout");
        text.push_str(&line);
        text.push('\n');
        let msg: Value = serde_json::from_str(&line).expect("JSON line");
        match msg["type"].as_str() {
            Some("RECORD") if msg["record"]["stream"] == "events" => {
                pending.push(key_part(&msg["record"]["data"]["id"]));
            }
            Some("STATE") if msg["state"]["stream"]["stream_descriptor"]["name"] == "events" => {
                delivered.ids.append(&mut pending);
                delivered.state = Some(json!([{"type": "STREAM", "stream": {
                    "stream_descriptor": {"name": "events"},
                    "stream_state": msg["state"]["stream"]["stream_state"]}}]));
                states += 1;
                if states == after {
                    child.kill().expect("SIGKILL");
                    break;
                }
            }
            _ => {}
        }
    }
    let status = child.wait().expect("wait");
    assert_no_secrets(&text, "");
    assert!(
        status.code().is_none() || states < after,
        "the read was killed mid-way"
    );
    delivered
}

/// The fake's port is kept in the files folder so a helper can build the config.
fn config_for_port(files: &Files) -> Value {
    let url = std::fs::read_to_string(files.dir.path().join("url")).expect("url");
    json!({"server_url": url, "realm": REALM, "client_id": CLIENT_ID,
           "client_secret": SECRET, "max_retries": 3})
}

#[test]
fn killed_at_a_random_point_and_resumed_from_the_last_state() {
    let fake = start_sample();
    let truth: BTreeSet<String> = fake
        .with_realm_mut(REALM, |r| {
            r.events.iter().map(|e| key_part(&e["id"])).collect()
        })
        .unwrap();
    // Slow pages, so the read is still running when it is killed.
    fake.push_fault(FaultRule::new(
        "/admin/realms/acme/events?",
        usize::MAX,
        Fault::Delay(Duration::from_millis(30)),
    ));
    let files = Files::new();
    files.write("url", &fake.base_url());
    let mut all: Vec<String> = Vec::new();
    let mut state: Option<Value> = None;
    // Up to three kills at random points, then a read to the end.
    for _ in 0..3 {
        let after = 2 + random_below(6) as usize;
        let delivered = read_then_kill(&files, state.as_ref(), after);
        all.extend(delivered.ids);
        if delivered.state.is_some() {
            state = delivered.state;
        }
    }
    let config = files.json("config.json", &{
        let mut c = config_for_port(&files);
        c["page_size"] = json!(7);
        c
    });
    let catalog = files.json("catalog.json", &incremental_events_catalog());
    let state_path = files.json("state.json", state.as_ref().expect("some state"));
    let last = run(&[
        "read",
        "--config",
        s(&config),
        "--catalog",
        s(&catalog),
        "--state",
        s(&state_path),
    ]);
    assert_eq!(last.code, Some(0), "{}", last.stdout);
    all.extend(last.records("events").iter().map(|r| key_part(&r["id"])));
    let unique: BTreeSet<String> = all.iter().cloned().collect();
    assert_eq!(unique.len(), all.len(), "an event was emitted twice");
    assert_eq!(unique, truth, "no event lost");
}
