//! Tests of identity providers, federated identities, the `idpAlias` filter and
//! organizations with their members.

use crate::support::*;
use fake_keycloak::*;
use serde_json::{Value, json};

#[test]
fn identity_providers_paged_and_legacy() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let idps = ok(&mut c, "/identity-provider/instances", &token);
    assert_eq!(len(&idps), 2);
    assert_eq!(idps[0]["alias"], "corp-oidc");
    assert_eq!(idps[0]["config"]["clientSecret"], CORP_IDP_SECRET);
    assert_eq!(idps[0]["firstBrokerLoginFlowAlias"], "first broker login");
    assert_eq!(idps[1]["config"]["clientSecret"], GITHUB_IDP_SECRET);
    let second = ok(&mut c, "/identity-provider/instances?first=1&max=1", &token);
    assert_eq!((len(&second), &second[0]["alias"]), (1, &json!("github")));
    let brief = ok(
        &mut c,
        "/identity-provider/instances?briefRepresentation=true",
        &token,
    );
    assert!(brief[0].get("config").is_none() && brief[0]["alias"] == "corp-oidc");
    let no_realm = token_for(&fake, "no-roles", "fake-secret-noroles-1");
    assert_eq!(
        c.get(&format!("{BASE}/identity-provider/instances"), &no_realm)
            .status,
        403
    );
    drop(fake);
    let mut config = small_config();
    config.legacy_idp_instances = true;
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    assert_eq!(
        len(&ok(
            &mut c,
            "/identity-provider/instances?first=1&max=1",
            &token
        )),
        2
    );
}

#[test]
fn users_by_idp_alias_and_federated_identity() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    assert_eq!(len(&ok(&mut c, "/users?idpAlias=corp-oidc", &token)), 20);
    let github = ok(&mut c, "/users?idpAlias=github", &token);
    assert_eq!(len(&github), 5);
    assert_eq!(
        len(&ok(
            &mut c,
            "/users?idpAlias=corp-oidc&first=15&max=10",
            &token
        )),
        5
    );
    assert_eq!(len(&ok(&mut c, "/users?idpAlias=nobody", &token)), 0);
    let both = github
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_str())
        .map(|id| ok(&mut c, &format!("/users/{id}/federated-identity"), &token))
        .filter(|links| len(links) == 2)
        .count();
    assert_eq!(both, 2);
    let uid = github[0]["id"].as_str().unwrap();
    let links = ok(&mut c, &format!("/users/{uid}/federated-identity"), &token);
    let link = links
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["identityProvider"] == "github");
    assert!(link.is_some_and(|l| l["userName"].as_str().unwrap().starts_with("gh-")));
    assert_eq!(
        c.get(&format!("{BASE}/users/nope/federated-identity"), &token)
            .status,
        404
    );
    drop(fake);
    let mut config = small_config();
    config.legacy_idp_alias_filter = true;
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    assert_eq!(len(&ok(&mut c, "/users?idpAlias=github", &token)), 100);
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["alias"].as_str())
        .collect()
}

#[test]
fn organizations_and_members() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let orgs = ok(&mut c, "/organizations", &token);
    assert_eq!(names(&orgs), ["northwind", "contoso", "fabrikam"]);
    assert!(orgs[0].get("attributes").is_none());
    assert_eq!(orgs[0]["domains"][0]["verified"], false);
    let full = ok(
        &mut c,
        "/organizations?briefRepresentation=false&first=0&max=1",
        &token,
    );
    assert_eq!(
        (len(&full), &full[0]["attributes"]["tier"]),
        (1, &json!(["gold"]))
    );
    let mut total = 0;
    let mut seen = std::collections::HashMap::new();
    for org in orgs.as_array().unwrap() {
        let id = org["id"].as_str().unwrap();
        let first = ok(&mut c, &format!("/organizations/{id}/members"), &token);
        assert!(len(&first) <= 10, "default max 10");
        let all = ok(
            &mut c,
            &format!("/organizations/{id}/members?max=100"),
            &token,
        );
        for m in all.as_array().unwrap() {
            assert!(m["membershipType"] == "MANAGED" || m["membershipType"] == "UNMANAGED");
            *seen
                .entry(m["id"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
        total += len(&all);
    }
    assert_eq!(total, 26);
    assert_eq!(seen.values().filter(|n| **n == 2).count(), 1);
    let missing = c.get(&format!("{BASE}/organizations/nope/members"), &token);
    assert_eq!(missing.status, 404);
    let no_users = token_for(&fake, "no-roles", "fake-secret-noroles-1");
    assert_eq!(
        c.get(&format!("{BASE}/organizations"), &no_users).status,
        403
    );
    fake.with_realm_mut("acme", |r| {
        r.representation["organizationsEnabled"] = json!(false)
    });
    let disabled = c.get(&format!("{BASE}/organizations"), &token);
    assert_eq!(
        (disabled.status, disabled.json()),
        (
            404,
            json!({"errorMessage": "Organizations not enabled for this realm."})
        )
    );
    drop(fake);
    let mut config = small_config();
    config.no_organizations_api = true;
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let old = Conn::open(&fake).get(&format!("{BASE}/organizations"), &token);
    assert_eq!(
        (old.status, old.json()),
        (
            404,
            json!({"error": "Unable to find matching target resource method"})
        )
    );
}
