//! Stream-specific promises beyond record sets: secrets stripped from realms and identity
//! providers, admin event representations only on request, many realms, streams a server
//! cannot serve, and the older-server paths (no idpAlias filter, unpaged identity
//! providers, events without ids).

use std::collections::BTreeSet;

use fake_keycloak::{FakeConfig, FakeKeycloak};
use serde_json::{Value, json};

use crate::read::{pk, truth};
use crate::support::*;

#[test]
fn realms_carry_no_smtp_password() {
    let fake = start_sample();
    let run = read(&fake, &["realms"], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let realm = run.records("realms")[0].clone();
    assert_eq!(realm["realm"], REALM);
    assert!(
        realm["smtpServer"].get("password").is_none(),
        "{}",
        realm["smtpServer"]
    );
    assert!(
        realm["smtpServer"].get("host").is_some(),
        "other SMTP settings kept"
    );
}

#[test]
fn identity_providers_carry_no_client_secret() {
    let fake = start_sample();
    let run = read(&fake, &["identity_providers"], json!({}));
    assert_eq!(
        run.keys("identity_providers", &["internalId"]),
        truth(&fake, REALM, "identity_providers")
    );
    for idp in run.records("identity_providers") {
        let config = idp["config"].as_object().unwrap();
        assert!(!config.contains_key("clientSecret"), "{idp}");
        assert!(config.contains_key("clientId"), "other config kept");
    }
}

#[test]
fn admin_event_representation_only_when_asked_for() {
    let fake = start_sample();
    let without = read(&fake, &["admin_events"], json!({}));
    assert!(
        without
            .records("admin_events")
            .iter()
            .all(|e| e.get("representation").is_none())
    );
    let with = read(
        &fake,
        &["admin_events"],
        json!({"include_admin_event_representation": true}),
    );
    let kept = with
        .records("admin_events")
        .iter()
        .filter(|e| e.get("representation").is_some())
        .count();
    assert!(kept > 0, "representations are emitted when asked for");
    assert_eq!(
        with.keys("admin_events", &["id"]),
        truth(&fake, REALM, "admin_events")
    );
}

#[test]
fn sessions_once_each_with_their_clients() {
    let fake = start_sample();
    let run = read(
        &fake,
        &["user_sessions", "client_session_stats"],
        json!({"page_size": 3}),
    );
    assert_eq!(
        run.keys("user_sessions", pk("user_sessions")),
        truth(&fake, REALM, "user_sessions")
    );
    let multi = run
        .records("user_sessions")
        .iter()
        .filter(|s| s["clients"].as_array().is_some_and(|c| c.len() > 1))
        .count();
    assert!(multi > 0, "the fixture has sessions touching two clients");
    for stat in run.records("client_session_stats") {
        assert!(
            stat["active"].is_u64() && stat["offline"].is_u64(),
            "{stat}"
        );
    }
    assert_eq!(
        run.keys("client_session_stats", &["id"]),
        truth(&fake, REALM, "client_session_stats")
    );
}

fn two_realms() -> FakeKeycloak {
    FakeKeycloak::start(FakeConfig::sample_two_realms())
}

#[test]
fn many_realms_go_to_the_same_streams() {
    let fake = two_realms();
    let streams = ["users", "groups", "clients", "realm_roles"];
    let run = read(&fake, &streams, json!({"realms": ["acme", "globex"]}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    for stream in streams {
        let mut expected = truth(&fake, "acme", stream);
        expected.extend(truth(&fake, "globex", stream));
        assert_eq!(run.keys(stream, pk(stream)), expected, "{stream}");
        let realms: BTreeSet<String> = run
            .records(stream)
            .iter()
            .map(|r| key_part(&r["realm"]))
            .collect();
        assert_eq!(
            realms,
            BTreeSet::from(["acme".to_string(), "globex".to_string()])
        );
    }
}

#[test]
fn star_reads_every_visible_realm_and_one_forbidden_realm_fails_alone() {
    let fake = two_realms();
    let star = read(&fake, &["users"], json!({"realms": ["*"]}));
    assert_eq!(star.code, Some(0), "{}", star.stdout);
    let mut expected = truth(&fake, "acme", "users");
    expected.extend(truth(&fake, "globex", "users"));
    assert_eq!(star.keys("users", &["id"]), expected);

    let run = read(
        &fake,
        &["users", "groups"],
        json!({"realms": ["acme", "initech", "globex"]}),
    );
    assert_eq!(run.code, Some(1));
    let errors = run.errors();
    assert_eq!(
        errors.len(),
        2,
        "one error per stream for the forbidden realm"
    );
    for error in &errors {
        assert!(error.message.contains("'initech'"), "{}", error.message);
        assert!(error.message.contains("view-users"), "{}", error.message);
    }
    assert_eq!(
        run.keys("users", &["id"]),
        expected,
        "the readable realms are complete"
    );
    assert_eq!(run.statuses("users"), ["STARTED", "RUNNING", "INCOMPLETE"]);
}

#[test]
fn organizations_absent_where_the_server_has_none() {
    let mut config = FakeConfig::sample();
    config.no_organizations_api = true;
    let fake = FakeKeycloak::start(config);
    let files = Files::new();
    let config_path = files.json("c.json", &config_for(&fake));
    let discovered = run(&["discover", "--config", s(&config_path)]);
    assert!(
        !discovered.stdout.contains("\"organizations\""),
        "left out of discover"
    );
    // A catalog that still names them: a warning and a state, no error.
    let catalog = files.json(
        "cat.json",
        &json!({"streams": [
            {"stream": {"name": "organizations"}, "sync_mode": "full_refresh"},
            {"stream": {"name": "organization_members"}, "sync_mode": "full_refresh"}]}),
    );
    let run = run(&[
        "read",
        "--config",
        s(&config_path),
        "--catalog",
        s(&catalog),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.errors().is_empty());
    for stream in ["organizations", "organization_members"] {
        assert_eq!(run.statuses(stream), ["STARTED", "COMPLETE"]);
        assert_eq!(run.states(stream).len(), 1);
    }
    let warnings = run
        .messages
        .iter()
        .filter(|m| {
            matches!(m, Msg::LOG { log } if log.level == "WARN"
            && log.message.contains("organizations"))
        })
        .count();
    assert_eq!(warnings, 2);
}

#[test]
fn organizations_disabled_in_the_realm_are_not_an_error() {
    let fake = start_sample();
    fake.with_realm_mut(REALM, |r| {
        r.representation["organizationsEnabled"] = json!(false)
    });
    let run = read_named(&fake, &["organizations"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.errors().is_empty());
    assert!(run.stdout.contains("not enabled"));
}

/// Reads streams by name, without asking discover first.
fn read_named(fake: &FakeKeycloak, streams: &[&str]) -> Run {
    let entries: Vec<Value> = streams
        .iter()
        .map(|s| json!({"stream": {"name": s}, "sync_mode": "full_refresh"}))
        .collect();
    read_with(fake, &json!({"streams": entries}), None, json!({}))
}

#[test]
fn older_servers_without_idp_alias_filter_or_paged_instances() {
    let mut config = FakeConfig::sample();
    config.legacy_idp_alias_filter = true;
    config.legacy_idp_instances = true;
    let fake = FakeKeycloak::start(config);
    let run = read_named(&fake, &["identity_providers", "user_federated_identities"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    for stream in ["identity_providers", "user_federated_identities"] {
        assert_eq!(
            run.keys(stream, pk(stream)),
            truth(&fake, REALM, stream),
            "{stream}"
        );
    }
}

#[test]
fn per_provider_queries_not_per_user() {
    let fake = start_sample();
    let run = read(&fake, &["user_federated_identities"], json!({}));
    assert_eq!(run.code, Some(0));
    let per_user = fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/federated-identity"))
        .count();
    assert_eq!(per_user, 0, "no request per user when idpAlias works");
}

#[test]
fn events_without_ids_get_stable_derived_ids() {
    let mut config = FakeConfig::sample();
    config.legacy_events = true;
    let fake = FakeKeycloak::start(config);
    let first = read_named(&fake, &["events", "admin_events"]);
    let second = read_named(&fake, &["events", "admin_events"]);
    assert_eq!(first.code, Some(0), "{}", first.stdout);
    for stream in ["events", "admin_events"] {
        let expected = event_count(&fake, stream);
        let keys = first.keys(stream, &["id"]);
        assert_eq!(keys.len(), expected, "{stream}: one record per event");
        assert!(
            keys.iter().all(|k| k[0].starts_with("h:")),
            "{stream}: derived ids"
        );
        assert_eq!(
            keys,
            second.keys(stream, &["id"]),
            "{stream}: stable across syncs"
        );
    }
}
