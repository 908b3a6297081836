//! Command-line and protocol rules: spec and discover golden files, strict output,
//! config validation, catalog and state input forms, exit codes, closed stdout.

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::*;

/// Compares with a golden file; `UPDATE_SNAPSHOTS=1` rewrites it.
fn golden(name: &str, actual: &Value) {
    let path = format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
    let pretty = serde_json::to_string_pretty(actual).expect("json") + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&path, &pretty).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&path).expect("snapshot exists");
    if pretty != expected {
        let line = pretty
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{name} differs from tests/snapshots/{name} from line {}: review the change and \
             rerun with UPDATE_SNAPSHOTS=1",
            line + 1
        );
    }
}

#[test]
fn spec_is_one_message_matching_spec_json() {
    let run = run(&["spec"]);
    assert_eq!(run.code, Some(0));
    assert_eq!(run.messages.len(), 1);
    let Msg::SPEC { spec } = &run.messages[0] else {
        panic!("not a SPEC: {}", run.stdout)
    };
    let file: Value =
        serde_json::from_str(include_str!("../../spec.json")).expect("spec.json parses");
    assert_eq!(spec["connectionSpecification"], file);
    assert_eq!(file["properties"]["client_secret"]["airbyte_secret"], true);
    golden("spec.json", spec);
}

fn discover_names(config: Value) -> (Vec<String>, Value) {
    let files = Files::new();
    let path = files.json("c.json", &config);
    let run = run(&["discover", "--config", s(&path)]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let Some(Msg::CATALOG { catalog }) = run.messages.first() else {
        panic!("not a CATALOG: {}", run.stdout)
    };
    let names = catalog["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    (names, catalog.clone())
}

#[test]
fn discover_lists_every_stream_with_keys() {
    let fake = start_sample();
    let (names, catalog) = discover_names(config_for(&fake));
    let table: Vec<&str> = source_keycloak::streams::STREAMS
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names, table,
        "every stream of the table is served by the sample"
    );
    for stream in catalog["streams"].as_array().unwrap() {
        let props = &stream["json_schema"]["properties"];
        for key in stream["source_defined_primary_key"].as_array().unwrap() {
            let field = key[0].as_str().unwrap();
            assert!(props.get(field).is_some(), "pk {field} not in schema");
        }
        jsonschema::draft7::meta::validate(&stream["json_schema"]).expect("valid draft-07");
        let text = stream["json_schema"].to_string();
        for banned in ["$ref", "allOf", "\"not\""] {
            assert!(!text.contains(banned), "{banned} in {}", stream["name"]);
        }
        assert!(props.get("realm").is_some(), "every stream carries realm");
    }
    golden("discover.json", &catalog);
}

#[test]
fn discover_leaves_out_what_the_roles_do_not_open() {
    let fake = start_sample();
    let mut config = config_for(&fake);
    config["client_id"] = json!("no-clients-role");
    config["client_secret"] = json!("fake-secret-noclients-2");
    let (names, _) = discover_names(config);
    let expected: Vec<&str> = source_keycloak::streams::STREAMS
        .iter()
        .filter(|s| !s.roles.contains(&source_keycloak::roles::Role::ViewClients))
        .map(|s| s.name)
        .collect();
    assert_eq!(names, expected);
    assert!(!names.iter().any(|n| n == "clients" || n == "user_sessions"));
}

#[test]
fn invalid_config_is_a_config_error_naming_each_field() {
    let files = Files::new();
    let config = files.json(
        "c.json",
        &json!({"server_url": "not a url", "realm": 3, "client_secret": "", "page_size": 0}),
    );
    // The binary itself: a config error is a TRACE on stdout and exit code 1.
    let run = run_binary(&["discover", "--config", s(&config)]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr, "",
        "the Airbyte commands write nothing to stderr"
    );
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].failure_type, "config_error");
    for field in [
        "client_id",
        "`server_url`",
        "`realm`",
        "`client_secret`",
        "`page_size`",
    ] {
        assert!(
            errors[0].message.contains(field),
            "{field}: {}",
            errors[0].message
        );
    }
}

#[test]
fn malformed_config_file_says_so() {
    let files = Files::new();
    let config = files.write("c.json", "{\"server_url\": ");
    let result = run(&["check", "--config", s(&config)]);
    assert_eq!(result.code, Some(0));
    let (status, message) = result.connection_status();
    assert_eq!(status, "FAILED");
    assert!(message.contains("not valid JSON"), "{message}");
    let missing = run(&["check", "--config", "/nonexistent/config.json"]);
    assert!(
        missing
            .connection_status()
            .1
            .contains("cannot read the config file")
    );
}

#[test]
fn unknown_stream_in_catalog_is_an_error_before_reading() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("c.json", &config_for(&fake));
    let catalog = files.json(
        "cat.json",
        &json!({"streams": [{"stream": {"name": "users"}, "sync_mode": "full_refresh"},
                            {"stream": {"name": "no_such_stream"}, "sync_mode": "full_refresh"}]}),
    );
    let run = run(&["read", "--config", s(&config), "--catalog", s(&catalog)]);
    assert_eq!(run.code, Some(1));
    assert!(run.records("users").is_empty(), "nothing is read");
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].failure_type, "config_error");
    assert!(errors[0].message.contains("no_such_stream"));
}

#[test]
fn every_state_input_form_is_accepted() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("c.json", &config_for(&fake));
    let catalog = files.json("cat.txt", &catalog(&fake, &["realm_roles"]));
    let forms = [
        json!([]),
        json!(null),
        json!({"realm_roles": {}}),
        json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "realm_roles"},
                "stream_state": {}}}]),
        json!({"type": "LEGACY", "data": {"realm_roles": {}}}),
    ];
    for form in forms {
        let state = files.json("state.any", &form);
        let run = run(&[
            "read",
            "--config",
            s(&config),
            "--catalog",
            s(&catalog),
            "--state",
            s(&state),
        ]);
        assert_eq!(run.code, Some(0), "state {form}: {}", run.stdout);
        assert!(!run.records("realm_roles").is_empty());
    }
    let garbage = files.write("state.json", "42");
    let run = run(&[
        "read",
        "--config",
        s(&config),
        "--catalog",
        s(&catalog),
        "--state",
        s(&garbage),
    ]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("ignoring unreadable input state"));
}

#[test]
fn incremental_on_a_full_refresh_stream_reads_in_full() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("c.json", &config_for(&fake));
    let catalog = files.json(
        "cat.json",
        &json!({"streams": [{"stream": {"name": "realm_roles"}, "sync_mode": "incremental",
                             "cursor_field": ["id"], "destination_sync_mode": "append"}]}),
    );
    let run = run(&["read", "--config", s(&config), "--catalog", s(&catalog)]);
    assert_eq!(run.code, Some(0));
    let expected = fake.with_realm_mut(REALM, |r| r.roles.len()).unwrap();
    assert_eq!(run.records("realm_roles").len(), expected);
}

#[test]
fn closed_stdout_ends_quietly() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("c.json", &config_for(&fake));
    let catalog = files.json("cat.json", &catalog(&fake, &["users"]));
    let mut child = Command::new(env!("CARGO_BIN_EXE_source-keycloak"))
        .args(["read", "--config", s(&config), "--catalog", s(&catalog)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Read one line, then hang up, as a host that stops reading would.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
}

/// The README's stream table lists exactly the streams of the table, in order, with
/// their primary keys and sync modes.
#[test]
fn readme_stream_table_matches_the_streams() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Streams")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Streams section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    let streams = source_keycloak::streams::STREAMS;
    assert_eq!(rows.len(), streams.len(), "one row per stream");
    for (row, stream) in rows.iter().zip(streams) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[1], format!("`{}`", stream.name));
        let pk: Vec<String> = stream
            .primary_key
            .iter()
            .map(|k| format!("`{k}`"))
            .collect();
        assert_eq!(cells[2], pk.join(", "), "{}: primary key", stream.name);
        assert_eq!(
            cells[3].contains("incremental"),
            stream.incremental.is_some(),
            "{}: sync modes",
            stream.name
        );
        for role in stream.roles {
            assert!(
                cells[4].contains(role.name()),
                "{}: role {role}",
                stream.name
            );
        }
    }
}
