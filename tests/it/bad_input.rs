//! Bad input of every kind: configs (for check, discover and read), catalogs, states, and
//! Keycloak data with unusual values. Each gives a clear message naming what is wrong,
//! or is read faithfully; never a panic or a stack trace.

use serde_json::{Value, json};

use crate::support::*;

/// A valid config for `fake`, changed by `patch` (a null value removes the key).
fn patched(fake: &fake_keycloak::FakeKeycloak, patch: &Value) -> Value {
    let mut config = config_for(fake);
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            config.as_object_mut().unwrap().remove(k);
        } else {
            config[k] = v.clone();
        }
    }
    config
}

fn assert_no_panic(run: &Run, case: &str) {
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("panicked"), "{case}: {text}");
        assert!(!text.contains("RUST_BACKTRACE"), "{case}: {text}");
        assert!(!text.contains("stack backtrace"), "{case}: {text}");
    }
}

/// Runs check, discover and read with the config file `config_text`; each must fail
/// with a message containing `needle`: check as FAILED (exit 0), discover and read as
/// one config_error TRACE (exit 1).
fn assert_rejected_everywhere(config_text: &str, needle: &str, case: &str) {
    let files = Files::new();
    let config = files.write("config.json", config_text);
    let catalog = files.json("catalog.json", &table_catalog(&["realm_roles"]));
    let check = run(&["check", "--config", s(&config)]);
    assert_no_panic(&check, case);
    assert_eq!(check.code, Some(0), "{case}: check exits 0");
    let (status, message) = check.connection_status();
    assert_eq!(status, "FAILED", "{case}");
    assert!(message.contains(needle), "{case}: check says {message}");
    let discover = run(&["discover", "--config", s(&config)]);
    let read = run(&["read", "--config", s(&config), "--catalog", s(&catalog)]);
    for (command, run) in [("discover", &discover), ("read", &read)] {
        assert_no_panic(run, case);
        assert_eq!(run.code, Some(1), "{case}: {command} exits 1");
        let errors = run.errors();
        assert_eq!(errors.len(), 1, "{case}: {command}: {}", run.stdout);
        assert_eq!(errors[0].failure_type, "config_error", "{case}: {command}");
        assert!(
            errors[0].message.contains(needle),
            "{case}: {command} says {}",
            errors[0].message
        );
        assert!(run.records("realm_roles").is_empty());
    }
}

#[test]
fn every_bad_config_is_a_clear_error_in_every_command() {
    let fake = start_sample();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "malformed JSON",
            "{\"server_url\": ".into(),
            "not valid JSON",
        ),
        ("not an object", "[1, 2]".into(), "JSON object"),
        ("empty file", "".into(), "not valid JSON"),
        (
            "missing client_id",
            patched(&fake, &json!({"client_id": null})).to_string(),
            "client_id",
        ),
        (
            "missing server_url",
            patched(&fake, &json!({"server_url": null})).to_string(),
            "server_url",
        ),
        (
            "realm of the wrong type",
            patched(&fake, &json!({"realm": 3})).to_string(),
            "`realm`",
        ),
        (
            "page_size of the wrong type",
            patched(&fake, &json!({"page_size": "ten"})).to_string(),
            "`page_size`",
        ),
        (
            "page_size out of range",
            patched(&fake, &json!({"page_size": 0})).to_string(),
            "`page_size`",
        ),
        (
            "timeout of zero",
            patched(&fake, &json!({"request_timeout_seconds": 0})).to_string(),
            "`request_timeout_seconds`",
        ),
        (
            "timeout as a fraction",
            patched(&fake, &json!({"request_timeout_seconds": 1.5})).to_string(),
            "`request_timeout_seconds`",
        ),
        (
            "invalid URL",
            patched(&fake, &json!({"server_url": "not a url"})).to_string(),
            "`server_url`",
        ),
        (
            "URL with a query",
            patched(
                &fake,
                &json!({"server_url": "https://sso.example.com/?x=1"}),
            )
            .to_string(),
            "`server_url`",
        ),
        (
            "empty secret",
            patched(&fake, &json!({"client_secret": ""})).to_string(),
            "`client_secret`",
        ),
        (
            // The value is masked, so the secret is not echoed (support asserts it).
            "secret of the wrong type",
            patched(&fake, &json!({"client_secret": [SECRET]})).to_string(),
            "`client_secret`",
        ),
        (
            "realms not a list",
            patched(&fake, &json!({"realms": "acme"})).to_string(),
            "`realms`",
        ),
        (
            "start_date not a date",
            patched(&fake, &json!({"start_date": "last tuesday"})).to_string(),
            "`start_date`",
        ),
        (
            "ca_certificate not PEM",
            patched(&fake, &json!({"ca_certificate": "hello"})).to_string(),
            "`ca_certificate`",
        ),
        (
            "insecure flag of the wrong type",
            patched(&fake, &json!({"tls_insecure_skip_verify": "yes"})).to_string(),
            "`tls_insecure_skip_verify`",
        ),
    ];
    for (case, text, needle) in cases {
        assert_rejected_everywhere(&text, needle, case);
    }
}

#[test]
fn unknown_fields_and_nulls_in_the_config_are_accepted() {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json(
        "config.json",
        &patched(
            &fake,
            &json!({"some_future_option": {"x": 1}, "page_size": Value::Null}),
        ),
    );
    let mut with_null = patched(&fake, &json!({}));
    with_null["start_date"] = Value::Null;
    let config_null = files.json("config_null.json", &with_null);
    for path in [config, config_null] {
        let check = run(&["check", "--config", s(&path)]);
        assert_eq!(check.connection_status().0, "SUCCEEDED", "{}", check.stdout);
    }
}

fn read_catalog(catalog_text: &str) -> Run {
    let fake = start_sample();
    let files = Files::new();
    let config = files.json("config.json", &config_for(&fake));
    let catalog = files.write("catalog.json", catalog_text);
    run(&["read", "--config", s(&config), "--catalog", s(&catalog)])
}

#[test]
fn an_empty_catalog_reads_nothing_with_a_warning() {
    let run = read_catalog("{\"streams\": []}");
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.errors().is_empty());
    assert!(
        run.messages
            .iter()
            .all(|m| !matches!(m, Msg::RECORD { .. } | Msg::STATE { .. }))
    );
    assert!(run.messages.iter().any(|m| matches!(m,
        Msg::LOG { log } if log.level == "WARN" && log.message.contains("selects no stream"))));
}

#[test]
fn bad_catalogs_are_config_errors_before_anything_is_read() {
    let cases = [
        ("{\"streams\": ", "not valid JSON"),
        ("[]", "no `streams` list"),
        ("{\"streams\": {}}", "no `streams` list"),
        (
            "{\"streams\": [{\"sync_mode\": \"full_refresh\"}]}",
            "stream.name",
        ),
        (
            "{\"streams\": [{\"stream\": {\"name\": \"users\"}, \"sync_mode\": \"cdc\"}]}",
            "'cdc'",
        ),
        (
            "{\"streams\": [{\"stream\": {\"name\": \"nope\"}, \"sync_mode\": \"full_refresh\"}]}",
            "'nope'",
        ),
    ];
    for (text, needle) in cases {
        let run = read_catalog(text);
        assert_no_panic(&run, text);
        assert_eq!(run.code, Some(1), "{text}");
        let errors = run.errors();
        assert_eq!(errors.len(), 1, "{text}: {}", run.stdout);
        assert_eq!(errors[0].failure_type, "config_error");
        assert!(
            errors[0].message.contains(needle),
            "{text}: {}",
            errors[0].message
        );
        assert!(!run.stdout.contains("\"RECORD\""));
    }
}

#[test]
fn a_stream_listed_twice_is_read_once() {
    let run = read_catalog(
        &json!({"streams": [
            {"stream": {"name": "realm_roles"}, "sync_mode": "full_refresh"},
            {"stream": {"name": "realm_roles"}, "sync_mode": "full_refresh"}]})
        .to_string(),
    );
    assert_eq!(run.code, Some(0));
    run.keys("realm_roles", &["id"]);
    assert_eq!(
        run.statuses("realm_roles"),
        ["STARTED", "RUNNING", "COMPLETE"]
    );
}

/// An incremental events read with `state_text` as the state file.
fn read_events_with_state(state_text: &str) -> (Run, usize) {
    let fake = start_sample();
    let truth = fake.with_realm_mut(REALM, |r| r.events.len()).unwrap();
    let files = Files::new();
    let config = files.json("config.json", &config_for(&fake));
    let mut catalog = table_catalog(&["events"]);
    catalog["streams"][0]["sync_mode"] = json!("incremental");
    catalog["streams"][0]["cursor_field"] = json!(["time"]);
    let catalog = files.json("catalog.json", &catalog);
    let state = files.write("state.json", state_text);
    let run = run(&[
        "read",
        "--config",
        s(&config),
        "--catalog",
        s(&catalog),
        "--state",
        s(&state),
    ]);
    (run, truth)
}

#[test]
fn unusable_states_warn_and_read_in_full() {
    let cases = [
        ("42", "ignoring unreadable input state"),
        ("\"yesterday\"", "ignoring unreadable input state"),
        ("[{\"type\": \"WHAT\"}]", "ignoring unreadable input state"),
        ("{\"events\": {\"cursor\": 5}}", "without a `realms` object"),
        (
            "[{\"type\": \"STREAM\", \"stream\": {\"stream_descriptor\": {\"name\": \"customers\"}, \
             \"stream_state\": {\"updated_at\": \"2024-01-01\"}}}]",
            "customers",
        ),
    ];
    for (text, needle) in cases {
        let (run, truth) = read_events_with_state(text);
        assert_no_panic(&run, text);
        assert_eq!(run.code, Some(0), "{text}: {}", run.stdout);
        assert!(
            run.messages.iter().any(|m| matches!(m,
                Msg::LOG { log } if log.level == "WARN" && log.message.contains(needle))),
            "{text}: no warning containing {needle}: {}",
            run.stdout
        );
        assert_eq!(
            run.keys("events", &["id"]).len(),
            truth,
            "{text}: a full read"
        );
    }
    // A cursor of the wrong shape inside the realms object reads that realm in full too.
    let (run, truth) = read_events_with_state("{\"events\": {\"realms\": {\"acme\": \"x\"}}}");
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.keys("events", &["id"]).len(), truth);
}

#[test]
fn a_state_file_that_is_not_json_is_a_config_error() {
    let (run, _) = read_events_with_state("{\"events\": ");
    assert_no_panic(&run, "broken state");
    assert_eq!(run.code, Some(1));
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].failure_type, "config_error");
    assert!(
        errors[0].message.contains("state file"),
        "{}",
        errors[0].message
    );
}

#[test]
fn unusual_keycloak_data_is_read_faithfully() {
    let fake = start_sample();
    fake.with_realm_mut(REALM, |r| {
        let unicode = "Zoë Ünïcødé 用户 🙂 مرحبا \u{200b} \"quoted\" back\\slash \u{0001}";
        let u = &mut r.users[0];
        for field in ["username", "firstName", "lastName", "email"] {
            u[field] = json!(format!("{unicode} {field}"));
        }
        u["attributes"] = json!({unicode: [unicode, "", "\u{0000}"]});
        // One attribute value of 1 MB.
        r.users[1]["attributes"] = json!({"blob": ["x".repeat(1 << 20)]});
        // One attribute with 10 000 values.
        r.users[2]["attributes"] =
            json!({"many": (0..10_000).map(|i| format!("v{i}")).collect::<Vec<_>>()});
        // Nulls where values usually are.
        for field in [
            "email",
            "firstName",
            "createdTimestamp",
            "attributes",
            "enabled",
        ] {
            r.users[3][field] = Value::Null;
        }
        // Fields a newer Keycloak might add.
        r.users[4]["someNewField"] = json!({"nested": [1, 2.5, null, {"deep": true}]});
        r.users[4]["anotherNewFlag"] = json!(false);
    });
    let run = read(&fake, &["users"], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected: Vec<Value> = fake
        .with_realm_mut(REALM, |r| {
            r.users
                .iter()
                .map(|u| {
                    let mut u = u.clone();
                    u.as_object_mut().unwrap().remove("access");
                    u["realm"] = json!(REALM);
                    u
                })
                .collect()
        })
        .unwrap();
    let got: Vec<&Value> = run.records("users");
    assert_eq!(got.len(), expected.len());
    for (got, expected) in got.iter().zip(&expected) {
        assert!(*got == expected, "user {} differs", expected["id"]);
    }
}
