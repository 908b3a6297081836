//! Tests of the generated data, without a server: the sample realm (deterministic,
//! unique ids, the group tree, the role graph) and the benchmark realm's promised shape.

use fake_keycloak::*;
use serde_json::Value;
use std::collections::HashSet;

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

#[test]
fn sample_is_deterministic_and_unique() {
    let a = sample_realm("acme", 300);
    assert_eq!(a, sample_realm("acme", 300));
    let b = sample_realm("other", 300);
    assert_ne!(a.users[0]["id"], b.users[0]["id"]);
    let ids: HashSet<&str> = a.users.iter().filter_map(|u| u["id"].as_str()).collect();
    assert_eq!(ids.len(), 300);
    assert_eq!(a.users[0]["username"], "user0001");
    assert_eq!(a.users[16]["enabled"], false);
    assert_eq!(a.groups.len(), 22);
}

#[test]
fn everyone_has_150_members() {
    let r = sample_realm("acme", 300);
    let everyone = r.groups.iter().find(|g| g["name"] == "everyone").unwrap();
    let gid = everyone["id"].as_str().unwrap();
    assert_eq!(r.members.iter().filter(|(g, _)| g == gid).count(), 150);
    assert!(sample_realm("tiny", 0).members.is_empty());
}

#[test]
fn role_graph_is_consistent() {
    let r = sample_realm("acme", 300);
    let all: Vec<_> = r.roles.iter().chain(&r.client_roles).collect();
    for (p, c) in &r.composites {
        assert!(all.iter().any(|x| x["id"] == p.as_str()));
        assert!(all.iter().any(|x| x["id"] == c.as_str()));
    }
    let viewer = r.roles.iter().find(|x| x["name"] == "viewer").unwrap();
    let direct = r
        .user_role_mappings
        .iter()
        .filter(|(_, role)| viewer["id"] == role.as_str())
        .count();
    assert_eq!(direct, 120);
    let default = &r.roles[0]["id"];
    let everyone = r
        .user_role_mappings
        .iter()
        .filter(|(_, role)| *default == role.as_str())
        .count();
    assert_eq!(everyone, 300);
    let client_users: std::collections::HashSet<_> = r
        .user_role_mappings
        .iter()
        .filter(|(_, role)| r.client_roles.iter().any(|c| c["id"] == role.as_str()))
        .map(|(u, _)| u)
        .collect();
    assert!(
        (12..=20).contains(&client_users.len()),
        "{}",
        client_users.len()
    );
    let engineering = r
        .groups
        .iter()
        .find(|g| g["path"] == "/engineering")
        .unwrap();
    assert_eq!(engineering["realmRoles"], serde_json::json!(["developer"]));
    assert_eq!(r.group_role_mappings.len(), 9);
}

#[test]
fn bench_realm_has_the_promised_shape() {
    let r = bench_realm("bench", 2_000, 500);
    assert_eq!(r.groups.len(), BENCH_GROUPS);
    assert_eq!(r.roles.len(), BENCH_REALM_ROLES);
    assert_eq!(r.clients.len(), BENCH_CLIENTS);
    assert_eq!(r.events.len(), 700);
    assert_eq!(r.admin_events.len(), 110);
    let ids: HashSet<&str> = r.groups.iter().map(|g| str_of(g, "id")).collect();
    assert_eq!(ids.len(), BENCH_GROUPS);
    for g in &r.groups {
        let parent = str_of(g, "parentId");
        assert!(parent.is_empty() || ids.contains(parent));
    }
    let times: Vec<i64> = r
        .events
        .iter()
        .map(|e| e["time"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(bench_realm("bench", 50, 10), bench_realm("bench", 50, 10));
}
