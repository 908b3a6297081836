//! `read` against the sample realm: exact record sets per stream, records valid against
//! their schemas with every field declared, message order, paging.

use std::collections::BTreeSet;

use fake_keycloak::{FakeKeycloak, Fault, FaultRule};
use serde_json::{Value, json};

use crate::support::*;

fn ids(values: &[Value]) -> BTreeSet<Vec<String>> {
    values.iter().map(|v| vec![key_part(&v["id"])]).collect()
}

fn pairs(list: &[(String, String)]) -> BTreeSet<Vec<String>> {
    list.iter()
        .map(|(a, b)| vec![a.clone(), b.clone()])
        .collect()
}

/// Ground truth from the fake's data, per stream, as primary-key tuples.
pub fn truth(fake: &FakeKeycloak, realm: &str, stream: &str) -> BTreeSet<Vec<String>> {
    fake.with_realm_mut(realm, |r| match stream {
        "realms" => BTreeSet::from([vec![r.id.clone()]]),
        "users" => ids(&r.users),
        "groups" => ids(&r.groups),
        "group_members" => pairs(&r.members),
        "realm_roles" => ids(&r.roles),
        "clients" => ids(&r.clients),
        "client_roles" => ids(&r.client_roles),
        "role_composites" => pairs(&r.composites),
        "user_role_mappings" => pairs(&r.user_role_mappings),
        "group_role_mappings" => pairs(&r.group_role_mappings),
        "client_scopes" => ids(&r.client_scopes),
        "identity_providers" => r
            .identity_providers
            .iter()
            .map(|i| vec![key_part(&i["internalId"])])
            .collect(),
        "user_federated_identities" => r
            .federated_identities
            .iter()
            .map(|(user, link)| vec![user.clone(), key_part(&link["identityProvider"])])
            .collect(),
        "user_sessions" => {
            let online = r
                .user_sessions
                .iter()
                .map(|s| vec![key_part(&s["id"]), "false".into()]);
            let offline = r
                .offline_sessions
                .iter()
                .map(|s| vec![key_part(&s["id"]), "true".into()]);
            online.chain(offline).collect()
        }
        "client_session_stats" => r
            .user_sessions
            .iter()
            .chain(&r.offline_sessions)
            .flat_map(|s| s["clients"].as_object().unwrap().keys().cloned())
            .map(|id| vec![id])
            .collect(),
        "organizations" => ids(&r.organizations),
        "organization_members" => r
            .organization_members
            .iter()
            .map(|(o, u, _)| vec![o.clone(), u.clone()])
            .collect(),
        "user_effective_roles" => effective_grants(r),
        "user_credentials" => r
            .security
            .credentials
            .values()
            .flatten()
            .map(|c| vec![key_part(&c["id"])])
            .collect(),
        "user_brute_force_status" => ids(&r.users)
            .into_iter()
            .filter(|_| r.representation["bruteForceProtected"] == true)
            .collect(),
        "user_consents" => r
            .security
            .consents
            .iter()
            .flat_map(|(user, cs)| {
                cs.iter()
                    .map(move |c| vec![user.clone(), key_part(&c["clientId"])])
            })
            .collect(),
        "required_actions" => r
            .security
            .required_actions
            .iter()
            .map(|a| vec![r.name.clone(), key_part(&a["alias"])])
            .collect(),
        "authentication_flows" => ids(&r.security.flows),
        "authentication_executions" => r
            .security
            .executions
            .values()
            .flatten()
            .map(|e| vec![key_part(&e["id"])])
            .collect(),
        "components" => ids(&r.components),
        "realm_keys" => r
            .security
            .keys
            .iter()
            .map(|k| {
                vec![
                    r.name.clone(),
                    key_part(&k["kid"]),
                    key_part(&k["providerId"]),
                ]
            })
            .collect(),
        "identity_provider_mappers" => r
            .security
            .idp_mappers
            .values()
            .flatten()
            .map(|m| vec![key_part(&m["id"])])
            .collect(),
        "organization_invitations" => r
            .security
            .invitations
            .values()
            .flatten()
            .map(|i| vec![key_part(&i["id"])])
            .collect(),
        "events" => ids(&r.events),
        "admin_events" => ids(&r.admin_events),
        other => panic!("no ground truth for stream {other}"),
    })
    .expect("realm exists")
}

/// Effective grants computed per user (the connector computes them per role and per
/// group): direct roles, roles of the user's groups and their ancestors, and everything
/// composites contain.
fn effective_grants(r: &fake_keycloak::RealmData) -> BTreeSet<Vec<String>> {
    let parent = |g: &str| -> Option<String> {
        r.groups
            .iter()
            .find(|x| x["id"] == g)
            .and_then(|x| x["parentId"].as_str().map(String::from))
    };
    let closure = |role: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![role.to_string()];
        while let Some(next) = stack.pop() {
            for (_, child) in r.composites.iter().filter(|(p, _)| *p == next) {
                if child != role && seen.insert(child.clone()) {
                    stack.push(child.clone());
                }
            }
        }
        seen
    };
    let mut grants: Vec<(String, String, String)> = Vec::new();
    for (user, role) in &r.user_role_mappings {
        grants.push((user.clone(), role.clone(), "direct".into()));
    }
    for (group, user) in &r.members {
        let mut via = Some(group.clone());
        while let Some(g) = via {
            for (_, role) in r.group_role_mappings.iter().filter(|(x, _)| *x == g) {
                grants.push((user.clone(), role.clone(), format!("group:{group}:{g}")));
            }
            via = parent(&g);
        }
    }
    let mut all = BTreeSet::new();
    for (user, role, how) in grants {
        for inner in closure(&role) {
            all.insert(vec![user.clone(), inner, format!("composite:{role}:{how}")]);
        }
        all.insert(vec![user, role, how]);
    }
    all
}

pub fn pk(stream: &str) -> &'static [&'static str] {
    source_keycloak::streams::find(stream)
        .expect("stream exists")
        .primary_key
}

fn all_streams() -> Vec<&'static str> {
    source_keycloak::streams::STREAMS
        .iter()
        .map(|s| s.name)
        .collect()
}

#[test]
fn every_stream_equals_the_ground_truth() {
    let fake = start_sample();
    let run = read(&fake, &[], json!({}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.errors().is_empty());
    assert!(
        run.stderr.is_empty(),
        "nothing but protocol on the way: {}",
        run.stderr
    );
    for stream in all_streams() {
        assert_eq!(
            run.keys(stream, pk(stream)),
            truth(&fake, REALM, stream),
            "{stream}"
        );
        for record in run.records(stream) {
            assert_eq!(record["realm"], REALM);
        }
    }
    // The fixture really crosses page boundaries: many users, a group of 150 members.
    assert!(run.records("users").len() > 250);
    let everyone = fake
        .with_realm_mut(REALM, |r| {
            let id = r.groups.iter().find(|g| g["name"] == "everyone").unwrap()["id"].clone();
            r.members.iter().filter(|(g, _)| *g == id).count()
        })
        .unwrap();
    assert!(everyone > 100, "a group with more than one page of members");
}

#[test]
fn records_validate_and_declare_every_field() {
    let fake = start_sample();
    let run = read(&fake, &[], json!({}));
    for (stream, schema) in schemas(&fake) {
        let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
        let declared = schema["properties"].as_object().unwrap();
        for record in run.records(&stream) {
            if let Err(e) = validator.validate(record) {
                panic!("{stream} record invalid: {e}: {record}");
            }
            for field in record.as_object().unwrap().keys() {
                assert!(
                    declared.contains_key(field),
                    "{stream}.{field} not in schema"
                );
            }
        }
    }
}

#[test]
fn message_order_per_stream() {
    let fake = start_sample();
    let run = read(&fake, &[], json!({}));
    for stream in all_streams() {
        assert_eq!(
            run.statuses(stream),
            ["STARTED", "RUNNING", "COMPLETE"],
            "{stream}"
        );
        let states = run.states(stream);
        assert_eq!(states.len(), 1, "{stream}");
        assert_eq!(states[0].kind, "STREAM");
        assert_eq!(
            states[0].source_stats.record_count as usize,
            run.records(stream).len()
        );
        // The state comes after the stream's last record.
        let last_record = run
            .messages
            .iter()
            .rposition(|m| matches!(m, Msg::RECORD { record } if record.stream == stream))
            .unwrap();
        let state = run
            .messages
            .iter()
            .position(|m| matches!(m, Msg::STATE { state } if state.stream.stream_descriptor.name == stream))
            .unwrap();
        assert!(state > last_record, "{stream}: state before records");
    }
}

#[test]
fn clients_never_carry_secrets() {
    let fake = start_sample();
    let run = read(&fake, &["clients"], json!({}));
    let billing = run
        .records("clients")
        .into_iter()
        .find(|c| c["clientId"] == "billing-app")
        .expect("billing-app");
    assert!(billing.get("secret").is_none());
    assert!(billing.get("registrationAccessToken").is_none());
    let attributes = billing["attributes"].as_object().unwrap();
    assert!(
        attributes
            .keys()
            .all(|k| !k.contains("secret") && !k.contains("private"))
    );
    assert_eq!(
        attributes["post.logout.redirect.uris"], "+",
        "other attributes kept"
    );
}

#[test]
fn groups_carry_parent_and_path_in_both_tree_shapes() {
    let fake = start_sample();
    let modern = read(&fake, &["groups", "group_members"], json!({"page_size": 2}));
    fake.set_groups_legacy(true);
    let legacy = read(&fake, &["groups", "group_members"], json!({"page_size": 2}));
    assert_eq!(modern.code, Some(0));
    assert_eq!(legacy.code, Some(0), "{}", legacy.stdout);
    for stream in ["groups", "group_members"] {
        assert_eq!(
            modern.keys(stream, pk(stream)),
            truth(&fake, REALM, stream),
            "{stream} modern"
        );
        assert_eq!(
            legacy.keys(stream, pk(stream)),
            truth(&fake, REALM, stream),
            "{stream} legacy"
        );
    }
    let expected: BTreeSet<(String, String, String)> = fake
        .with_realm_mut(REALM, |r| {
            r.groups
                .iter()
                .map(|g| {
                    (
                        key_part(&g["id"]),
                        g["parentId"].to_string(),
                        g["path"].to_string(),
                    )
                })
                .collect()
        })
        .unwrap();
    for run in [&modern, &legacy] {
        let got: BTreeSet<(String, String, String)> = run
            .records("groups")
            .iter()
            .map(|g| {
                (
                    key_part(&g["id"]),
                    g["parentId"].to_string(),
                    g["path"].to_string(),
                )
            })
            .collect();
        assert_eq!(got, expected);
        assert!(
            run.records("groups")
                .iter()
                .all(|g| g.get("subGroups").is_none())
        );
    }
    let depth = expected
        .iter()
        .map(|(_, _, p)| p.matches('/').count())
        .max();
    assert_eq!(depth, Some(3), "the fixture is three levels deep");
}

#[test]
fn every_admin_request_sends_an_explicit_max() {
    let fake = start_sample();
    let run = read(&fake, &[], json!({"page_size": 37}));
    assert_eq!(run.code, Some(0));
    // Endpoints that are not lists, or that Keycloak does not page.
    let unpaged = [
        "/role-mappings",
        "/service-account-user",
        "/events/config",
        "/client-scopes",
        "/client-session-stats",
        "/count",
        // Keycloak does not page these either (issue 15's streams)
        "/credentials",
        "/consents",
        "/required-actions",
        "/authentication/flows",
        "/executions",
        "/components",
        "/keys",
        "/mappers",
    ];
    let admin: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/admin/realms/"))
        .filter(|r| !r.path.ends_with("/admin/realms/acme"))
        .filter(|r| !unpaged.iter().any(|u| r.path.ends_with(u)))
        // one object per user, not a list
        .filter(|r| !r.path.contains("/attack-detection/brute-force/users/"))
        // The one-row probes: roles, and servers that ignore idpAlias; the two-row
        // probe of the event API (epoch ms and ascending order, or dates only).
        .filter(|r| !r.query.contains(&("max".to_string(), "1".to_string())))
        .filter(|r| !r.query.contains(&("dateFrom".to_string(), "1".to_string())))
        .filter(|r| {
            !r.query
                .iter()
                .any(|(k, v)| k == "idpAlias" && v.contains("probe"))
        })
        .collect();
    assert!(admin.len() > 10);
    for request in admin {
        let max = request.query.iter().find(|(k, _)| k == "max");
        assert_eq!(
            max.map(|(_, v)| v.as_str()),
            Some("37"),
            "{} {:?}",
            request.path,
            request.query
        );
    }
    assert_eq!(run.keys("users", &["id"]), truth(&fake, REALM, "users"));
}

#[test]
fn progress_estimates_and_a_summary_per_stream() {
    let fake = start_sample();
    let run = read(&fake, &["users", "groups", "realm_roles"], json!({}));
    let estimates: Vec<(String, u64)> = run
        .messages
        .iter()
        .filter_map(|m| match m {
            Msg::TRACE { trace } if trace.kind == "ESTIMATE" => trace.estimate.clone(),
            _ => None,
        })
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["row_estimate"].as_u64().unwrap(),
            )
        })
        .collect();
    let users = fake
        .with_realm_mut(REALM, |r| r.users.len() as u64)
        .unwrap();
    let groups = fake
        .with_realm_mut(REALM, |r| r.groups.len() as u64)
        .unwrap();
    assert!(
        estimates.contains(&("users".to_string(), users)),
        "{estimates:?}"
    );
    assert!(
        estimates.iter().any(|(n, _)| n == "groups"),
        "{estimates:?}"
    );
    assert!(groups > 0);
    let summaries = run
        .messages
        .iter()
        .filter(|m| matches!(m, Msg::LOG { log } if log.level == "INFO" && log.message.contains("records/s")))
        .count();
    assert_eq!(summaries, 3);
}

/// In a long list the next page is requested while the current one is parsed: two
/// requests overlap, every user comes once, and the guess costs at most one request
/// (the one after the last page, asked for before the last page turned out short).
#[test]
fn long_lists_request_the_next_page_ahead() {
    let fake = start_sample();
    // Slow answers, so that two requests at once are seen as such.
    let delay = Fault::Delay(std::time::Duration::from_millis(20));
    fake.push_fault(FaultRule::new("/users", usize::MAX, delay));
    fake.reset_max_in_flight();
    let run = read(&fake, &["users"], json!({"page_size": 10}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let users = truth(&fake, REALM, "users");
    assert_eq!(run.keys("users", &["id"]), users);
    assert_eq!(run.records("users").len(), users.len(), "each user once");
    assert!(
        fake.max_in_flight() >= 2,
        "the page ahead overlaps the current one"
    );
    // Pages without reading ahead: offsets 0, 8, 16… (overlap 2) until a short one.
    let (mut pages, mut offset) = (1, 0);
    while offset + 10 <= users.len() {
        offset += 8;
        pages += 1;
    }
    // The list's pages (not the one-row access probe, which sends no `first`).
    let offsets: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/admin/realms/acme/users"))
        .filter_map(|r| {
            r.query
                .into_iter()
                .find(|(k, _)| k == "first")
                .map(|(_, v)| v)
        })
        .collect();
    assert!(
        offsets.len() == pages || offsets.len() == pages + 1,
        "{} requests for {pages} pages: {offsets:?}",
        offsets.len()
    );
}
