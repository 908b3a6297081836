//! Tests of the Admin API's checks (401, then 404, then 403, by realm-management
//! role) and of reading other realms.

use crate::support::*;
use fake_keycloak::*;

#[test]
fn admin_auth_roles_and_realms() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    assert_eq!(c.get("/admin/realms/acme/users", "garbage").status, 401);
    assert_eq!(
        c.get("/admin/realms/acme/users", "garbage").json()["error"],
        "HTTP 401 Unauthorized"
    );
    assert_eq!(
        c.get("/admin/realms/ghost/users", &token).json()["error"],
        "Realm not found."
    );
    assert_eq!(c.get("/admin/realms/acme/nothing", &token).status, 404);
    let no_roles = token_for(&fake, "no-roles", "fake-secret-noroles-1");
    let forbidden = c.get("/admin/realms/acme/users", &no_roles);
    assert_eq!(
        (forbidden.status, forbidden.json()["error"].clone()),
        (403, "HTTP 403 Forbidden".into())
    );
    assert_eq!(c.get("/admin/realms/acme", &no_roles).status, 403);
    let no_clients = token_for(&fake, "no-clients-role", "fake-secret-noclients-2");
    assert_eq!(c.get("/admin/realms/acme/clients", &no_clients).status, 403);
    assert_eq!(c.get("/admin/realms/acme/users", &no_clients).status, 200);
    assert_eq!(c.get("/admin/realms/acme", &no_clients).status, 200);
    fake.revoke_tokens();
    assert_eq!(c.get("/admin/realms/acme/users", &token).status, 401);
}

#[test]
fn other_realms_need_extra_realms() {
    let mut config = small_config();
    config.realms.push(sample_realm("beta", 3));
    let fake = FakeKeycloak::start(config.clone());
    let token = sample_token(&fake);
    assert_eq!(
        Conn::open(&fake)
            .get("/admin/realms/beta/users", &token)
            .status,
        403
    );
    drop(fake);
    config.clients[0].extra_realms = vec!["beta".into()];
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let reply = Conn::open(&fake).get("/admin/realms/beta/users", &token);
    assert_eq!(reply.json().as_array().map(Vec::len), Some(3));
}

#[test]
fn two_realms_sample() {
    let fake = FakeKeycloak::start(FakeConfig::sample_two_realms());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let realms = c.get("/admin/realms", &token).json();
    let listed: Vec<&str> = realms
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["realm"].as_str())
        .collect();
    assert_eq!(listed, ["acme", "globex"]);
    let globex = c.get("/admin/realms/globex/users?max=1000", &token);
    assert_eq!(len(&globex.json()), 40);
    assert_eq!(c.get("/admin/realms/initech/users", &token).status, 403);
    let acme_ids = fake.with_realm_mut("acme", |r| r.users[0]["id"].clone());
    let globex_ids = fake.with_realm_mut("globex", |r| r.users[0]["id"].clone());
    assert_ne!(acme_ids, globex_ids);
    assert_eq!(c.get("/admin/realms/globex/events", &token).status, 200);
}
