//! Tests of the role endpoints: client roles, composites, users of a role, group role
//! mappings, and their role requirements.

use crate::support::*;
use fake_keycloak::*;
use serde_json::{Value, json};

fn client_id_of(fake: &FakeKeycloak, client_id: &str) -> String {
    fake.with_realm_mut("acme", |r| {
        let c = r.clients.iter().find(|c| c["clientId"] == client_id);
        c.and_then(|c| c["id"].as_str()).map(str::to_string)
    })
    .flatten()
    .expect("client exists")
}

fn role_id(fake: &FakeKeycloak, name: &str) -> String {
    fake.with_realm_mut("acme", |r| {
        let role = r
            .roles
            .iter()
            .chain(&r.client_roles)
            .find(|x| x["name"] == name);
        role.and_then(|x| x["id"].as_str()).map(str::to_string)
    })
    .flatten()
    .expect("role exists")
}

#[test]
fn client_roles_brief_full_and_paged() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let crm = client_id_of(&fake, "crm");
    let roles = ok(&mut c, &format!("/clients/{crm}/roles"), &token);
    let names: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["crm-admin", "crm-reader"]);
    assert_eq!(roles[0]["composite"], true);
    assert_eq!(roles[0]["clientRole"], true);
    assert_eq!(roles[0]["containerId"], crm.as_str());
    assert!(roles[0].get("attributes").is_none());
    let full = ok(
        &mut c,
        &format!("/clients/{crm}/roles?briefRepresentation=false&first=1&max=5"),
        &token,
    );
    assert_eq!((len(&full), &full[0]["attributes"]), (1, &json!({})));
    let rm = client_id_of(&fake, "realm-management");
    assert!(len(&ok(&mut c, &format!("/clients/{rm}/roles"), &token)) >= 6);
    let missing = c.get(&format!("{BASE}/clients/nope/roles"), &token);
    assert_eq!(
        (missing.status, missing.json()["error"].clone()),
        (404, json!("Could not find client"))
    );
    let no_clients = token_for(&fake, "no-clients-role", "fake-secret-noclients-2");
    assert_eq!(
        c.get(&format!("{BASE}/clients/{crm}/roles"), &no_clients)
            .status,
        403
    );
}

#[test]
fn composites_are_direct_children() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["name"].as_str().map(str::to_string))
            .collect()
    };
    let power = role_id(&fake, "power-user");
    let kids = ok(&mut c, &format!("/roles-by-id/{power}/composites"), &token);
    assert_eq!(names(&kids), ["editor", "crm-admin"]);
    assert_eq!(kids[1]["clientRole"], true);
    assert!(kids[0].get("attributes").is_none());
    let editor = role_id(&fake, "editor");
    assert_eq!(
        names(&ok(
            &mut c,
            &format!("/roles-by-id/{editor}/composites"),
            &token
        )),
        ["viewer"]
    );
    let default = role_id(&fake, "default-roles-acme");
    let d = ok(
        &mut c,
        &format!("/roles-by-id/{default}/composites"),
        &token,
    );
    assert_eq!(
        names(&d),
        [
            "offline_access",
            "uma_authorization",
            "view-profile",
            "manage-account"
        ]
    );
    let paged = ok(
        &mut c,
        &format!("/roles-by-id/{default}/composites?first=1&max=2"),
        &token,
    );
    assert_eq!(names(&paged), ["uma_authorization", "view-profile"]);
    let viewer = role_id(&fake, "viewer");
    assert_eq!(
        len(&ok(
            &mut c,
            &format!("/roles-by-id/{viewer}/composites"),
            &token
        )),
        0
    );
    let missing = c.get(&format!("{BASE}/roles-by-id/nope/composites"), &token);
    assert_eq!(
        (missing.status, missing.json()),
        (404, json!({"error": "Could not find role"}))
    );
    // view-realm alone suffices, so does view-clients alone.
    let no_clients = token_for(&fake, "no-clients-role", "fake-secret-noclients-2");
    assert_eq!(
        c.get(
            &format!("{BASE}/roles-by-id/{power}/composites"),
            &no_clients
        )
        .status,
        200
    );
    let no_roles = token_for(&fake, "no-roles", "fake-secret-noroles-1");
    assert_eq!(
        c.get(&format!("{BASE}/roles-by-id/{power}/composites"), &no_roles)
            .status,
        403
    );
}

#[test]
fn role_users_are_direct_mappings_paged_by_100() {
    let mut config = small_config();
    with_client(&mut config, "users-only", &["view-users"]);
    with_client(&mut config, "clients-only", &["view-users", "view-clients"]);
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    assert_eq!(len(&ok(&mut c, "/roles/viewer/users", &token)), 100);
    assert_eq!(
        len(&ok(&mut c, "/roles/viewer/users?first=100", &token)),
        20
    );
    let all = ok(
        &mut c,
        "/roles/default-roles-acme/users?max=1000&briefRepresentation=true",
        &token,
    );
    assert_eq!(len(&all), 300);
    assert!(all[0].get("attributes").is_none());
    // power-user's members are not listed under editor (composites don't count).
    let editors = ok(&mut c, "/roles/editor/users?max=1000", &token);
    let expected = fake.with_realm_mut("acme", |r| {
        let id = r.roles.iter().find(|x| x["name"] == "editor").unwrap()["id"].clone();
        r.user_role_mappings
            .iter()
            .filter(|(_, role)| id == role.as_str())
            .count()
    });
    assert_eq!(Some(len(&editors)), expected);
    let crm = client_id_of(&fake, "crm");
    let readers = ok(
        &mut c,
        &format!("/clients/{crm}/roles/crm-reader/users"),
        &token,
    );
    assert_eq!(len(&readers), 10);
    let missing = c.get(&format!("{BASE}/roles/ghost/users"), &token);
    assert_eq!(
        (missing.status, missing.json()["error"].clone()),
        (404, json!("Could not find role"))
    );
    let missing = c.get(&format!("{BASE}/clients/{crm}/roles/viewer/users"), &token);
    assert_eq!(missing.status, 404);
    // view-users AND view-realm (realm roles), view-users AND view-clients (client roles).
    let users_only = token_for(&fake, "users-only", "users-only-secret");
    assert_eq!(
        c.get(&format!("{BASE}/roles/viewer/users"), &users_only)
            .status,
        403
    );
    let no_clients = token_for(&fake, "no-clients-role", "fake-secret-noclients-2");
    assert_eq!(
        c.get(&format!("{BASE}/roles/viewer/users"), &no_clients)
            .status,
        200
    );
    let path = format!("{BASE}/clients/{crm}/roles/crm-reader/users");
    assert_eq!(c.get(&path, &no_clients).status, 403);
    let clients_only = token_for(&fake, "clients-only", "clients-only-secret");
    assert_eq!(c.get(&path, &clients_only).status, 200);
    assert_eq!(
        c.get(&format!("{BASE}/roles/viewer/users"), &clients_only)
            .status,
        403
    );
}

#[test]
fn group_role_mappings_at_every_level() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let group = |path: &str| {
        fake.with_realm_mut("acme", |r| {
            r.groups
                .iter()
                .find(|g| g["path"] == path)
                .map(|g| g["id"].as_str().unwrap().to_string())
        })
        .flatten()
        .unwrap()
    };
    let top = ok(
        &mut c,
        &format!("/groups/{}/role-mappings", group("/engineering")),
        &token,
    );
    assert_eq!(top["realmMappings"][0]["name"], "developer");
    assert!(top.get("clientMappings").is_none());
    let sales = ok(
        &mut c,
        &format!("/groups/{}/role-mappings", group("/sales")),
        &token,
    );
    assert!(sales.get("realmMappings").is_none());
    let billing = &sales["clientMappings"]["billing-app"];
    assert_eq!(billing["client"], "billing-app");
    assert_eq!(billing["id"], client_id_of(&fake, "billing-app").as_str());
    assert_eq!(billing["mappings"][0]["name"], "invoice-reader");
    let api = ok(
        &mut c,
        &format!(
            "/groups/{}/role-mappings",
            group("/engineering/backend/api")
        ),
        &token,
    );
    assert_eq!(api["realmMappings"][0]["name"], "viewer");
    assert_eq!(
        api["clientMappings"]["crm"]["mappings"][0]["name"],
        "crm-reader"
    );
    let mid = ok(
        &mut c,
        &format!("/groups/{}/role-mappings", group("/sales/emea")),
        &token,
    );
    assert_eq!(mid["realmMappings"][0]["name"], "billing-viewer");
    let empty = ok(
        &mut c,
        &format!("/groups/{}/role-mappings", group("/everyone")),
        &token,
    );
    assert_eq!(empty, json!({}));
    let missing = c.get(&format!("{BASE}/groups/nope/role-mappings"), &token);
    assert_eq!(missing.status, 404);
    let no_roles = token_for(&fake, "no-roles", "fake-secret-noroles-1");
    let path = format!("{BASE}/groups/{}/role-mappings", group("/sales"));
    assert_eq!(c.get(&path, &no_roles).status, 403);
}
