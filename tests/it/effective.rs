//! `user_effective_roles` on a hand-built realm whose expected grants are written out
//! below: groups three levels deep with roles at each level, a composite inside a
//! composite, a client-role composite, and a user reaching the same role two ways.

use std::collections::BTreeSet;

use fake_keycloak::{FakeConfig, FakeKeycloak, sample_realm};
use serde_json::{Value, json};

use crate::support::*;

fn role(id: &str, composite: bool, client: Option<&str>) -> Value {
    json!({"id": id, "name": id, "description": null, "composite": composite,
           "clientRole": client.is_some(), "containerId": client.unwrap_or("acme-id"),
           "attributes": {}})
}

fn group(id: &str, parent: Option<&str>, path: &str) -> Value {
    json!({"id": id, "name": id, "path": path, "parentId": parent, "attributes": {},
           "realmRoles": [], "clientRoles": {}})
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The realm, and the ids of its four users.
fn hand_built() -> (FakeKeycloak, [String; 4]) {
    let mut config = FakeConfig::sample();
    let mut realm = sample_realm("acme", 6);
    let users: Vec<String> = realm
        .users
        .iter()
        .take(4)
        .map(|u| key_part(&u["id"]))
        .collect();
    let crm = realm
        .clients
        .iter()
        .find(|c| c["clientId"] == "crm")
        .map(|c| key_part(&c["id"]))
        .expect("the sample has a crm client");
    realm.roles = vec![
        role("r-a", false, None),
        role("r-b", false, None),
        role("r-c", false, None),
        role("r-leaf", false, None),
        role("comp-inner", true, None),
        role("comp-outer", true, None),
    ];
    realm.client_roles = vec![role("x", false, Some(&crm)), role("y", true, Some(&crm))];
    realm.composites = pairs(&[
        ("comp-outer", "comp-inner"),
        ("comp-inner", "r-leaf"),
        ("comp-inner", "x"),
        ("y", "x"),
    ]);
    realm.groups = vec![
        group("A", None, "/A"),
        group("B", Some("A"), "/A/B"),
        group("C", Some("B"), "/A/B/C"),
        group("D", None, "/D"),
    ];
    let (u1, u2, u3, u4) = (&users[0], &users[1], &users[2], &users[3]);
    realm.members = vec![
        ("C".into(), u1.clone()),
        ("D".into(), u1.clone()),
        ("B".into(), u2.clone()),
        ("D".into(), u3.clone()),
    ];
    realm.group_role_mappings = pairs(&[
        ("A", "r-a"),
        ("B", "r-b"),
        ("C", "r-c"),
        ("D", "comp-outer"),
    ]);
    realm.user_role_mappings = vec![
        (u1.clone(), "r-b".into()),
        (u2.clone(), "comp-inner".into()),
        (u4.clone(), "y".into()),
    ];
    config.realms = vec![realm];
    (
        FakeKeycloak::start(config),
        [u1.clone(), u2.clone(), u3.clone(), u4.clone()],
    )
}

#[test]
fn every_grant_of_every_user_is_written_out() {
    let (fake, [u1, u2, u3, u4]) = hand_built();
    let run = read(&fake, &["user_effective_roles"], json!({"page_size": 2}));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let got = run.keys("user_effective_roles", &["user_id", "role_id", "grant"]);
    // The same grants with direct assignments read per role (organizations off) as per
    // account (on, the sample's setting).
    fake.with_realm_mut("acme", |r| {
        r.representation["organizationsEnabled"] = json!(false)
    });
    let per_role = read(&fake, &["user_effective_roles"], json!({"page_size": 2}));
    assert_eq!(per_role.code, Some(0), "{}", per_role.stdout);
    let keys = ["user_id", "role_id", "grant"];
    assert_eq!(per_role.keys("user_effective_roles", &keys), got);
    let d = "composite:comp-outer:group:D:D";
    let expected: BTreeSet<Vec<String>> = [
        // u1: r-b twice (directly and through C's parent B), the whole chain above C,
        // and comp-outer from D with everything it contains, nested.
        (&u1, "r-b", "direct"),
        (&u1, "r-a", "group:C:A"),
        (&u1, "r-b", "group:C:B"),
        (&u1, "r-c", "group:C:C"),
        (&u1, "comp-outer", "group:D:D"),
        (&u1, "comp-inner", d),
        (&u1, "r-leaf", d),
        (&u1, "x", d),
        // u2: member of B (inherits A), and comp-inner directly.
        (&u2, "r-a", "group:B:A"),
        (&u2, "r-b", "group:B:B"),
        (&u2, "comp-inner", "direct"),
        (&u2, "r-leaf", "composite:comp-inner:direct"),
        (&u2, "x", "composite:comp-inner:direct"),
        // u3: D only.
        (&u3, "comp-outer", "group:D:D"),
        (&u3, "comp-inner", d),
        (&u3, "r-leaf", d),
        (&u3, "x", d),
        // u4: a client-role composite.
        (&u4, "y", "direct"),
        (&u4, "x", "composite:y:direct"),
    ]
    .iter()
    .map(|(u, r, g)| vec![u.to_string(), r.to_string(), g.to_string()])
    .collect();
    assert_eq!(got, expected);

    let x = run
        .records("user_effective_roles")
        .into_iter()
        .find(|r| r["user_id"] == json!(u4) && r["role_id"] == "x")
        .unwrap()
        .clone();
    assert_eq!(x["client_role"], true);
    assert_eq!(x["clientId"], "crm");
    assert_eq!(x["source"], "composite");
    assert_eq!(x["via_role_id"], "y");
    let inherited = run
        .records("user_effective_roles")
        .into_iter()
        .find(|r| r["user_id"] == json!(u1) && r["grant"] == "group:C:A")
        .unwrap()
        .clone();
    assert_eq!(
        (
            inherited["member_group_id"].clone(),
            inherited["via_group_id"].clone()
        ),
        (json!("C"), json!("A"))
    );
}

#[test]
fn requests_grow_with_roles_and_groups_not_users() {
    // With organizations off: with them on, direct grants are read per account
    // (`role_plans.rs`).
    let small = FakeKeycloak::start(FakeConfig::sample());
    let mut config = FakeConfig::sample();
    config.realms = vec![sample_realm("acme", 1200)];
    let large = FakeKeycloak::start(config);
    let count = |fake: &FakeKeycloak| {
        fake.with_realm_mut("acme", |r| {
            r.representation["organizationsEnabled"] = json!(false)
        });
        let run = read(fake, &["user_effective_roles"], json!({"page_size": 1000}));
        assert_eq!(run.code, Some(0), "{}", run.stdout);
        fake.requests().len()
    };
    let (few, many) = (count(&small), count(&large));
    // 4x the users: same roles and groups, so nearly the same requests (a few more
    // pages for the largest member and role-user lists).
    assert!(
        many <= few + 10,
        "{few} requests for 300 users, {many} for 1200"
    );
}
