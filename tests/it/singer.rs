//! Singer mode (`tap-keycloak`, or `source-keycloak` with Singer flags), as Meltano runs
//! it: --about from spec.json, --discover with Singer metadata, reading the selected
//! streams with SCHEMA before RECORDs, ACTIVATE_VERSION around full-table streams, and a
//! STATE whose value is the whole state, which resumes incremental streams.

use serde_json::{Value, json};

use crate::support::*;

const TAP: &str = env!("CARGO_BIN_EXE_tap-keycloak");

#[test]
fn about_lists_capabilities_and_every_setting() {
    let output = std::process::Command::new(TAP)
        .arg("--about")
        .output()
        .unwrap();
    assert!(output.status.success());
    let about: Value = serde_json::from_slice(&output.stdout).expect("--about prints JSON");
    assert_eq!(about["name"], "tap-keycloak");
    assert_eq!(
        about["capabilities"],
        json!(["catalog", "discover", "state", "about"])
    );
    let spec: Value = serde_json::from_str(include_str!("../../spec.json")).unwrap();
    let settings = about["settings"].as_array().unwrap();
    assert_eq!(
        settings.len(),
        spec["properties"].as_object().unwrap().len()
    );
    let secret = settings
        .iter()
        .find(|s| s["name"] == "client_secret")
        .unwrap();
    assert_eq!(secret["secret"], true);
    assert_eq!(settings[0]["name"], "server_url", "in spec order");

    let output = std::process::Command::new(TAP)
        .args(["--about", "--format", "markdown"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("# tap-keycloak") && text.contains("| client_secret | string | true |")
    );
}

/// Meltano reads `--discover` a line at a time with a 64 KiB limit per line; the one-line
/// catalog of 30 streams was longer than that and Meltano refused to start the tap.
#[test]
fn discover_prints_lines_that_meltano_can_read() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("c.json", &config_for(&fake));
    let output = std::process::Command::new(TAP)
        .args(["--config", s(&config), "--discover"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let longest = output.stdout.split(|b| *b == b'\n').map(<[u8]>::len).max();
    assert!(
        output.stdout.len() > 64 * 1024,
        "a catalog this test means something for"
    );
    assert!(longest.unwrap() < 4096, "longest line {longest:?} bytes");
    let catalog: Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    assert_eq!(
        catalog["streams"].as_array().unwrap().len(),
        source_keycloak::streams::STREAMS.len()
    );
}

#[test]
fn discover_gives_singer_metadata_and_accepts_state() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("c.json", &config_for(&fake));
    let state = files.json("s.json", &json!({}));
    let run = run_singer(&["--config", s(&config), "--discover", "--state", s(&state)]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let streams = run.lines[0]["streams"].as_array().unwrap();
    assert_eq!(streams.len(), source_keycloak::streams::STREAMS.len());
    let events = streams
        .iter()
        .find(|s| s["tap_stream_id"] == "events")
        .unwrap();
    let root = &events["metadata"][0];
    assert_eq!(root["breadcrumb"], json!([]));
    assert_eq!(root["metadata"]["table-key-properties"], json!(["id"]));
    assert_eq!(root["metadata"]["valid-replication-keys"], json!(["time"]));
    assert_eq!(root["metadata"]["forced-replication-method"], "INCREMENTAL");
    let members = streams
        .iter()
        .find(|s| s["stream"] == "group_members")
        .unwrap();
    assert_eq!(
        members["metadata"][0]["metadata"]["forced-replication-method"],
        "FULL_TABLE"
    );
    let field = members["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["breadcrumb"] == json!(["properties", "group_id"]))
        .unwrap();
    assert_eq!(field["metadata"]["inclusion"], "automatic");
}

/// A Singer catalog from --discover with only `names` selected, as Meltano writes it.
fn selected_catalog(fake: &fake_keycloak::FakeKeycloak, names: &[&str]) -> Value {
    let files = Files::new();
    let config = files.json("c.json", &config_for(fake));
    let mut catalog = run_singer(&["--config", s(&config), "--discover"]).lines[0].clone();
    for stream in catalog["streams"].as_array_mut().unwrap() {
        let chosen = names.contains(&stream["stream"].as_str().unwrap());
        stream["selected"] = json!(chosen);
        stream["metadata"][0]["metadata"]["selected"] = json!(chosen);
    }
    catalog
}

#[test]
fn reads_selected_streams_with_schema_versions_and_whole_state() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("c.json", &config_for(&fake));
    let catalog = files.json(
        "cat.json",
        &selected_catalog(&fake, &["users", "groups", "events"]),
    );
    let run = run_singer(&["--config", s(&config), "--catalog", s(&catalog)]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    for stream in ["users", "events"] {
        let schema_at = run
            .lines
            .iter()
            .position(|l| l["type"] == "SCHEMA" && l["stream"] == stream);
        let first_record = run
            .lines
            .iter()
            .position(|l| l["type"] == "RECORD" && l["stream"] == stream);
        assert!(
            schema_at.unwrap() < first_record.unwrap(),
            "{stream}: SCHEMA first"
        );
    }
    let records = run.of_type("RECORD");
    assert!(records.iter().all(|r| {
        r["time_extracted"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    }));
    let users = records.iter().filter(|r| r["stream"] == "users").count();
    assert_eq!(
        users,
        fake.with_realm_mut(REALM, |r| r.users.len()).unwrap()
    );
    assert!(
        !records.iter().any(|r| r["stream"] == "clients"),
        "only selected streams"
    );
    // Full table (groups): ACTIVATE_VERSION before and after, records carry the version.
    // Incremental streams (users through the change feed, events) get none.
    let versions: Vec<&Value> = run.of_type("ACTIVATE_VERSION");
    assert_eq!(versions.len(), 2);
    assert!(versions.iter().all(|v| v["stream"] == "groups"));
    assert!(
        records
            .iter()
            .filter(|r| r["stream"] == "groups")
            .all(|r| r["version"] == versions[0]["version"])
    );
    // The last STATE holds every stream's bookmark; it resumes the events stream.
    let last = run.of_type("STATE").last().unwrap()["value"].clone();
    assert!(
        last["bookmarks"]["events"]["realms"]["acme"]["time"].is_i64(),
        "{last}"
    );
    let state = files.json("state.json", &last);
    let again = run_singer(&[
        "--config",
        s(&config),
        "--properties",
        s(&catalog),
        "--state",
        s(&state),
    ]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let events = again
        .of_type("RECORD")
        .iter()
        .filter(|r| r["stream"] == "events")
        .count();
    assert_eq!(events, 0, "the state was honoured");
}

#[test]
fn without_a_catalog_every_stream_is_read_and_source_keycloak_speaks_singer_too() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("c.json", &config_for(&fake));
    let run = run_singer_binary(
        env!("CARGO_BIN_EXE_source-keycloak"),
        &["--config", s(&config)],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let schemas: Vec<&str> = run
        .of_type("SCHEMA")
        .iter()
        .map(|s| s["stream"].as_str().unwrap())
        .collect();
    let all: Vec<&str> = source_keycloak::streams::STREAMS
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(schemas, all);
}

#[test]
fn errors_go_to_stderr_with_a_non_zero_exit() {
    let fake = start_sample();
    let files = Files::new();
    let mut config = config_for(&fake);
    config["client_secret"] = json!("wrong-secret-value");
    let config = files.json("c.json", &config);
    let run = run_singer(&["--config", s(&config), "--discover"]);
    assert_eq!(run.code, Some(1));
    assert!(run.lines.is_empty(), "nothing on stdout");
    assert!(run.stderr.contains("rejected the secret"), "{}", run.stderr);
}
