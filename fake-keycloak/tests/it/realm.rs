//! Tests of realm-level resources: the realm representation, clients, client scopes,
//! the secrets the sample serves, and runtime changes of the data.

use crate::support::*;
use fake_keycloak::*;

#[test]
fn realm_representation_and_client_scopes() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let realm = ok(&mut c, "", &token);
    assert_eq!(realm["smtpServer"]["password"], SMTP_PASSWORD);
    assert_eq!(realm["organizationsEnabled"], true);
    assert_eq!(realm["eventsEnabled"], true);
    assert_eq!(realm["adminEventsEnabled"], true);
    assert!(realm["attributes"].is_object());
    let scopes = ok(&mut c, "/client-scopes?first=0&max=2", &token);
    assert!(len(&scopes) >= 12, "not paged");
    let roles = scopes
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "roles")
        .unwrap();
    assert_eq!(roles["protocolMappers"].as_array().map(Vec::len), Some(3));
    assert!(
        scopes
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["protocol"] == "saml")
    );
    let no_clients = token_for(&fake, "no-clients-role", "fake-secret-noclients-2");
    assert_eq!(
        c.get(&format!("{BASE}/client-scopes"), &no_clients).status,
        403
    );
}

#[test]
fn clients_agree_with_config() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let clients = Conn::open(&fake)
        .get("/admin/realms/acme/clients", &token)
        .json();
    let find = |id: &str| {
        clients
            .as_array()
            .and_then(|a| a.iter().find(|c| c["clientId"] == id))
            .cloned()
    };
    assert_eq!(
        find("source-keycloak").unwrap()["secret"],
        SAMPLE_CLIENT_SECRET
    );
    assert_eq!(find("no-sa").unwrap()["secret"], "fake-secret-nosa-3");
    assert!(find("web-spa").unwrap().get("secret").is_none());
    let billing = find("billing-app").unwrap();
    assert_eq!(billing["secret"], "billing-secret-Zx81");
    assert_eq!(billing["attributes"]["post.logout.redirect.uris"], "+");
}

#[test]
fn sample_secrets_are_all_served() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let mut served = String::new();
    for path in [
        "",
        "/clients",
        "/identity-provider/instances",
        "/components",
    ] {
        served.push_str(&c.get(&format!("{BASE}{path}"), &token).body);
    }
    // the OTP seeds are in the credentials of every fifth user
    let users = c.get(&format!("{BASE}/users?max=10"), &token).json();
    for user in users.as_array().unwrap() {
        let id = user["id"].as_str().unwrap();
        served.push_str(
            &c.get(&format!("{BASE}/users/{id}/credentials"), &token)
                .body,
        );
    }
    for secret in SAMPLE_SECRETS {
        assert!(served.contains(secret), "{secret} is not served");
    }
}

#[test]
fn runtime_mutation_is_visible() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let removed = fake.with_realm_mut("acme", |r| r.users.pop().is_some());
    assert_eq!(removed, Some(true));
    assert!(fake.with_realm_mut("ghost", |_| ()).is_none());
    assert_eq!(
        Conn::open(&fake)
            .get("/admin/realms/acme/users/count", &token)
            .body,
        "299"
    );
}
