//! Secrets in the data itself (issue 13, items 5, 6 and 7): records that echo the token
//! or the client secret, admin-event representations that are objects, broken JSON,
//! deeply nested or password resets, and credentials under names a narrow list misses
//! (JWK private parts, key store passwords, API keys, protocol mapper config). None of
//! the planted values may reach the output; the records themselves and their public
//! fields must.

use serde_json::{Value, json};

use super::*;

/// Item 5: users whose fields echo the caller's token and the client secret.
#[test]
fn records_echoing_the_token_or_the_secret_are_emitted_without_them() {
    let h = Hostile::start(|req, kc| {
        let tail = admin_tail(req)?;
        if tail.as_slice() != ["users"] || is_probe(req) {
            return None;
        }
        let auth = req.header("authorization").unwrap_or_default();
        let token = auth.strip_prefix("Bearer ").unwrap_or_default();
        Some(Reply::json(
            200,
            &json!([
                {"id": "u1", "username": "ann", "firstName": token,
                 "attributes": {"note": [kc.secret], "header": [auth]}},
                {"id": "u2", "username": "bob", "lastName": format!("x {} y", kc.secret),
                 "email": crate::support::form_urlencode(&kc.secret),
                 "attributes": {"tokens": [format!("{token},{token}")]}},
            ]),
        ))
    });
    let read = h.read(&["users"], json!({}));
    assert_eq!(read.code, Some(0), "{}", read.stdout);
    let ids: Vec<&str> = read
        .records("users")
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["u1", "u2"]);
    assert_eq!(read.records("users")[0]["username"], "ann");
}

const REPRESENTATIONS: &[&str] = &[
    "REP-SECRET-1",
    "REP-SECRET-2",
    "REP-SECRET-3",
    "REP-SECRET-4",
];

fn admin_events() -> Vec<Value> {
    let mut deep = String::from("{\"password\":\"REP-SECRET-3\"}");
    for _ in 0..200 {
        deep = format!("{{\"a\":{deep}}}");
    }
    let base = 1_760_000_000_000i64;
    let event = |i: i64, rep: Value| {
        json!({"id": format!("ae-{i}"), "time": base + i, "realmId": "realm-id-acme",
               "operationType": "UPDATE", "resourceType": "CLIENT",
               "resourcePath": format!("clients/c{i}"), "representation": rep,
               "authDetails": {"realmId": "realm-id-acme", "clientId": "c", "userId": "u"}})
    };
    vec![
        // (a) an object, not a string
        event(1, json!({"clientId": "x", "secret": "REP-SECRET-1"})),
        // (b) a string that is not valid JSON
        event(2, json!("{\"clientId\":\"y\",\"secret\":\"REP-SECRET-2\",")),
        // (c) JSON nested 200 levels deep
        event(3, json!(deep)),
        // (d) a password reset
        event(
            4,
            json!("{\"type\":\"password\",\"value\":\"REP-SECRET-4\",\"temporary\":false}"),
        ),
        // (e) a plain safe one
        event(5, json!("{\"clientId\":\"ok-client\",\"enabled\":true}")),
    ]
}

/// Keycloak 26.2+'s admin-events: epoch-ms `dateFrom`/`dateTo`, `direction=asc`, ids.
fn ordered_events(req: &Request, events: &[Value]) -> Reply {
    let from: i64 = req.q("dateFrom").and_then(|v| v.parse().ok()).unwrap_or(0);
    let to: i64 = req
        .q("dateTo")
        .and_then(|v| v.parse().ok())
        .unwrap_or(i64::MAX);
    let (first, max) = req.first_max();
    let page: Vec<&Value> = events
        .iter()
        .filter(|e| {
            let t = e["time"].as_i64().unwrap_or(0);
            t >= from && t <= to
        })
        .skip(first)
        .take(max)
        .collect();
    Reply::json(200, &json!(page))
}

/// Item 6.
#[test]
fn admin_event_representations_never_carry_secrets() {
    let events = admin_events();
    let h = Hostile::start(move |req, _| {
        let tail = admin_tail(req)?;
        (tail.as_slice() == ["admin-events"]).then(|| ordered_events(req, &events))
    });
    h.plant(REPRESENTATIONS);
    let read = h.read(
        &["admin_events"],
        json!({"include_admin_event_representation": true}),
    );
    assert_eq!(read.code, Some(0), "{}", read.stdout);
    let records = read.records("admin_events");
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ae-1", "ae-2", "ae-3", "ae-4", "ae-5"]);
    let safe = records[4]["representation"]
        .as_str()
        .expect("the safe representation is kept as a string");
    assert_eq!(
        serde_json::from_str::<Value>(safe).unwrap(),
        json!({"clientId": "ok-client", "enabled": true})
    );
    for unchecked in [&records[1], &records[2]] {
        assert!(
            unchecked.get("representation").is_none_or(Value::is_null),
            "a representation that could not be checked was kept: {unchecked}"
        );
    }
    assert!(
        read.warnings().iter().any(|w| w.contains("representation")),
        "no WARN LOG about the dropped representations: {:?}",
        read.warnings()
    );
}

const REALM_SECRETS: &[&str] = &[
    "SMTP-PW-1",
    "KEYSTORE-PW-1",
    "KEY-PW-1",
    "PRIV-KEY-1",
    "PRIV-KEY-2",
    "JWK-D",
    "JWK-P",
    "JWK-Q",
    "JWK-DP",
    "JWK-DQ",
    "JWK-QI",
    "BIND-CRED-1",
    "API-KEY-1",
    "PASSPHRASE-1",
    "DEEP-KEYSTORE-PW-2",
    "LIST-API-KEY-2",
];

fn hostile_realm() -> Value {
    let jwk = json!({"kty": "RSA", "kid": "k1", "n": "PUBN", "e": "AQAB", "d": "JWK-D",
                     "p": "JWK-P", "q": "JWK-Q", "dp": "JWK-DP", "dq": "JWK-DQ", "qi": "JWK-QI"});
    json!({
        "id": "realm-id-acme", "realm": REALM, "enabled": true,
        "passwordPolicy": "length(8)", "accessTokenLifespan": 300,
        "revokeRefreshToken": false,
        "smtpServer": {"host": "mail.example.com", "password": "SMTP-PW-1", "auth": "true"},
        "keystorePassword": "KEYSTORE-PW-1",
        "keyPassword": "KEY-PW-1",
        "privateKey": "PRIV-KEY-1",
        "private_key": "PRIV-KEY-2",
        "certificate": "MIIC-PUBLIC-CERT",
        "publicKey": "MIIB-PUBLIC-KEY",
        "jwk": jwk,
        "components": {
            "org.keycloak.keys.KeyProvider": [
                {"id": "kp1", "name": "rsa", "providerId": "java-keystore",
                 "config": {"keystorePassword": ["DEEP-KEYSTORE-PW-2"],
                            "certificate": ["MIIC-PUBLIC-CERT"], "priority": ["100"]}},
                {"id": "kp2", "name": "jwks", "config": {"keys": [jwk]}}
            ],
            "org.keycloak.storage.UserStorageProvider": [
                {"id": "ldap", "config": {"bindCredential": ["BIND-CRED-1"],
                  "bindDn": ["cn=admin"]}}
            ]
        },
        "identityProviders": [
            {"alias": "corp", "config": {"apiKey": "API-KEY-1", "passphrase": "PASSPHRASE-1"}},
            [{"nested": [{"apiKey": "LIST-API-KEY-2"}]}]
        ]
    })
}

/// Item 7, the realm representation.
#[test]
fn realm_secrets_under_names_a_narrow_list_misses_are_removed_and_public_values_kept() {
    let h = Hostile::start(|req, _| {
        let tail = admin_tail(req)?;
        (tail.is_empty() || tail == [""]).then(|| Reply::json(200, &hostile_realm()))
    });
    h.plant(REALM_SECRETS);
    let read = h.read(&["realms"], json!({}));
    assert_eq!(read.code, Some(0), "{}", read.stdout);
    let records = read.records("realms");
    assert_eq!(records.len(), 1);
    let realm = records[0];
    assert_eq!(realm["id"], "realm-id-acme");
    assert_eq!(realm["passwordPolicy"], "length(8)");
    assert_eq!(realm["accessTokenLifespan"], 300);
    assert_eq!(realm["revokeRefreshToken"], false);
    assert_eq!(realm["certificate"], "MIIC-PUBLIC-CERT");
    assert_eq!(realm["publicKey"], "MIIB-PUBLIC-KEY");
    assert_eq!(realm["jwk"]["n"], "PUBN");
    assert_eq!(realm["jwk"]["e"], "AQAB");
    assert_eq!(realm["smtpServer"]["host"], "mail.example.com");
}

/// Item 7, clients and client scopes: protocol mapper config and attributes.
#[test]
fn client_and_client_scope_secrets_in_mappers_and_attributes_are_removed() {
    let h = Hostile::start(|req, _| {
        let tail = admin_tail(req)?;
        match tail.as_slice() {
            ["clients"] => Some(Reply::json(
                200,
                &json!([{
                    "id": "c1", "clientId": "app", "publicClient": false,
                    "secret": "CLIENT-SECRET-1",
                    "attributes": {"client.secret.creation.time": "1718000000",
                                   "apiKey": "CLIENT-ATTR-APIKEY",
                                   "login.passphrase": "CLIENT-ATTR-PASSPHRASE",
                                   "jwks.private.d": "CLIENT-ATTR-JWK-D",
                                   "post.logout.redirect.uris": "+"},
                    "protocolMappers": [{"id": "m1", "name": "hardcoded",
                        "protocolMapper": "oidc-hardcoded-claim-mapper",
                        "config": {"client.secret": "MAPPER-SECRET-1",
                                   "claim.name": "team", "claim.value": "blue"}}]
                }]),
            )),
            ["client-scopes"] => Some(Reply::json(
                200,
                &json!([{"id": "cs1", "name": "scope", "protocol": "openid-connect",
                    "protocolMappers": [{"id": "m2", "name": "m",
                        "config": {"client.secret": "SCOPE-MAPPER-SECRET",
                                   "ldap.bind.credential": "SCOPE-BIND-CRED",
                                   "claim.name": "group"}}]}]),
            )),
            _ => None,
        }
    });
    h.plant(&[
        "CLIENT-SECRET-1",
        "CLIENT-ATTR-APIKEY",
        "CLIENT-ATTR-PASSPHRASE",
        "CLIENT-ATTR-JWK-D",
        "MAPPER-SECRET-1",
        "SCOPE-MAPPER-SECRET",
        "SCOPE-BIND-CRED",
    ]);
    let read = h.read(&["clients", "client_scopes"], json!({}));
    assert_eq!(read.code, Some(0), "{}", read.stdout);
    let clients = read.records("clients");
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["clientId"], "app");
    assert_eq!(clients[0]["publicClient"], false);
    assert_eq!(clients[0]["attributes"]["post.logout.redirect.uris"], "+");
    assert_eq!(
        clients[0]["protocolMappers"][0]["config"]["claim.value"],
        "blue"
    );
    let scopes = read.records("client_scopes");
    assert_eq!(scopes.len(), 1);
    assert_eq!(
        scopes[0]["protocolMappers"][0]["config"]["claim.name"],
        "group"
    );
}
