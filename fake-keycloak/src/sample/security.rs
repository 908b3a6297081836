//! The sample's security data: every 5th user an OTP credential (its seed in
//! `secretData`, served as a hostile server would), every 7th a WebAuthn authenticator,
//! every user a password; user 3 locked out and user 6 with one failure; every 10th
//! user's consent to crm; the built-in flows with a conditional OTP sub-flow, required
//! actions, an RSA and an HMAC key, a mapper per identity provider and an invitation
//! per organization. Derived from the realm's users, providers and organizations, so
//! the bench realm scales with it.

use super::secrets::OTP_SEED_PREFIX;
use crate::model::ids::uuid;
use crate::model::realm::RealmData;
use crate::model::security::Security;
use serde_json::{Value, json};

const CREATED: u64 = 1_767_225_600_000;

pub(crate) fn security(realm: &RealmData) -> Security {
    let name = realm.name.as_str();
    let mut s = Security::default();
    for (i, user) in realm.users.iter().enumerate() {
        let n = i as u64 + 1;
        let uid = user["id"].as_str().unwrap_or_default().to_string();
        let mut creds = vec![json!({
            "id": uuid(name, "credential-password", n), "type": "password",
            "createdDate": CREATED + n,
            "credentialData": "{\"hashIterations\":5,\"algorithm\":\"argon2\",\"additionalParameters\":{}}",
            "secretData": format!("{{\"value\":\"hash-{n}\",\"salt\":\"salt-{n}\"}}"),
        })];
        if n.is_multiple_of(5) {
            creds.push(json!({
                "id": uuid(name, "credential-otp", n), "type": "otp", "userLabel": "Phone",
                "createdDate": CREATED + n,
                "credentialData": "{\"subType\":\"totp\",\"digits\":6,\"counter\":0,\"period\":30,\"algorithm\":\"HmacSHA1\"}",
                "secretData": format!("{{\"value\":\"{OTP_SEED_PREFIX}{n}\"}}"),
            }));
        }
        if n.is_multiple_of(7) {
            creds.push(json!({
                "id": uuid(name, "credential-webauthn", n), "type": "webauthn",
                "userLabel": "Security key", "createdDate": CREATED + n,
                "credentialData": format!("{{\"aaguid\":\"cb69481e-8ff7-4039-93ec-0a2729a154a8\",\"credentialId\":\"cred-{n}\",\"counter\":0,\"credentialPublicKey\":\"pQECAyYg{n}\",\"attestationStatementFormat\":\"none\",\"transports\":[\"usb\"]}}"),
                "secretData": "{}",
            }));
        }
        s.credentials.insert(uid.clone(), creds);
        if n.is_multiple_of(10) {
            s.consents.insert(
                uid.clone(),
                vec![json!({
                    "clientId": "crm", "grantedClientScopes": ["email", "profile"],
                    "createdDate": CREATED + n, "lastUpdatedDate": CREATED + 2 * n,
                    "additionalGrants": [],
                })],
            );
        }
        if n == 3 || n == 6 {
            let locked = n == 3;
            s.lockouts.insert(
                uid,
                json!({
                    "failedLoginNotBefore": if locked { 1_796_255_452u64 } else { 0 },
                    "numFailures": if locked { 3 } else { 1 },
                    "numTemporaryLockouts": u64::from(locked), "disabled": locked,
                    "numSecondaryAuthFailures": 0, "lastIPFailure": "192.0.2.7",
                    "lastFailure": CREATED + 60_000,
                }),
            );
        }
    }
    s.required_actions = [
        "CONFIGURE_TOTP",
        "UPDATE_PASSWORD",
        "VERIFY_EMAIL",
        "webauthn-register",
    ]
    .iter()
    .enumerate()
    .map(|(k, alias)| {
        json!({
            "alias": alias, "name": alias.replace(['_', '-'], " "), "providerId": alias,
            "enabled": k != 3, "defaultAction": false, "priority": 10 * (k + 1), "config": {},
        })
    })
    .collect();
    for (k, (alias, built_in)) in [
        ("browser", true),
        ("direct grant", true),
        ("acme browser", false),
    ]
    .iter()
    .enumerate()
    {
        let flow_id = uuid(name, "flow", k as u64);
        s.flows.push(json!({
            "id": flow_id, "alias": alias, "description": format!("{alias} flow"),
            "providerId": "basic-flow", "topLevel": true, "builtIn": built_in,
            "authenticationExecutions": [],
        }));
        let ex = |j: u64,
                  level: u64,
                  index: u64,
                  name_: &str,
                  provider: Option<&str>,
                  req: &str| {
            let mut e = json!({
                "id": uuid(name, "execution", k as u64 * 100 + j), "requirement": req,
                "displayName": name_, "requirementChoices": ["REQUIRED", "ALTERNATIVE", "DISABLED"],
                "configurable": false, "level": level, "index": index, "priority": 10 * (index + 1),
            });
            match provider {
                Some(p) => e["providerId"] = json!(p),
                None => {
                    e["authenticationFlow"] = json!(true);
                    e["flowId"] = json!(uuid(name, "subflow", k as u64 * 100 + j));
                }
            }
            e
        };
        s.executions.insert(
            alias.to_string(),
            vec![
                ex(1, 0, 0, "Cookie", Some("auth-cookie"), "ALTERNATIVE"),
                ex(2, 0, 1, "forms", None, "ALTERNATIVE"),
                ex(
                    3,
                    1,
                    0,
                    "Username Password Form",
                    Some("auth-username-password-form"),
                    "REQUIRED",
                ),
                ex(4, 1, 1, "Conditional OTP", None, "CONDITIONAL"),
                ex(
                    5,
                    2,
                    0,
                    "Condition - user configured",
                    Some("conditional-user-configured"),
                    "REQUIRED",
                ),
                ex(6, 2, 1, "OTP Form", Some("auth-otp-form"), "REQUIRED"),
            ],
        );
    }
    s.keys = vec![
        json!({"providerId": uuid(name, "component", 1), "providerPriority": 100,
               "kid": format!("{name}-rsa-kid"), "status": "ACTIVE", "type": "RSA",
               "algorithm": "RS256", "publicKey": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB-public",
               "certificate": "MIICmzCCAYMCBgGT-certificate", "validTo": 2_082_758_400_000u64,
               "use": "SIG"}),
        json!({"providerId": uuid(name, "component", 2), "providerPriority": 100,
               "kid": format!("{name}-hmac-kid"), "status": "ACTIVE", "type": "OCT",
               "algorithm": "HS512", "use": "SIG"}),
    ];
    for idp in &realm.identity_providers {
        let alias = idp["alias"].as_str().unwrap_or_default().to_string();
        s.idp_mappers.insert(alias.clone(), vec![json!({
            "id": uuid(name, "idp-mapper", alias.len() as u64), "name": format!("{alias} department"),
            "identityProviderAlias": alias, "identityProviderMapper": "oidc-user-attribute-idp-mapper",
            "config": {"syncMode": "INHERIT", "claim": "department", "user.attribute": "department"},
        })]);
    }
    for (k, org) in realm.organizations.iter().enumerate() {
        let oid = org["id"].as_str().unwrap_or_default().to_string();
        s.invitations.insert(
            oid.clone(),
            vec![json!({
                "id": uuid(name, "invitation", k as u64), "organizationId": oid,
                "email": format!("invitee{k}@example.com"), "firstName": "Invited",
                "lastName": format!("Person {k}"), "sentDate": 1_796_252_038u64 + k as u64,
                "expiresAt": 1_796_295_238u64 + k as u64, "status": "PENDING",
                "inviteLink": format!("https://kc.example.com/accept?key=invite-token-{k}"),
            })],
        );
    }
    s
}

/// Key providers with their secrets in clear (Keycloak masks them; a hostile server may
/// not) and a disabled LDAP provider with its bind credential.
pub(crate) fn components(realm: &RealmData) -> Vec<Value> {
    use super::secrets::{HMAC_SECRET, LDAP_BIND_CREDENTIAL, RSA_PRIVATE_KEY};
    let name = realm.name.as_str();
    vec![
        json!({"id": uuid(name, "component", 1), "name": "rsa-generated", "providerId": "rsa-generated",
               "providerType": "org.keycloak.keys.KeyProvider", "parentId": realm.id,
               "config": {"priority": ["100"], "privateKey": [RSA_PRIVATE_KEY],
                          "certificate": ["MIICmzCCAYMCBgGT-certificate"]}}),
        json!({"id": uuid(name, "component", 2), "name": "hmac-generated", "providerId": "hmac-generated",
               "providerType": "org.keycloak.keys.KeyProvider", "parentId": realm.id,
               "config": {"priority": ["100"], "algorithm": ["HS512"], "secret": [HMAC_SECRET]}}),
        json!({"id": uuid(name, "component", 3), "name": "corp-ldap", "providerId": "ldap",
               "providerType": "org.keycloak.storage.UserStorageProvider", "parentId": realm.id,
               "config": {"enabled": ["false"], "vendor": ["other"],
                          "connectionUrl": ["ldap://ldap.example.com"],
                          "bindDn": ["cn=reader,dc=example,dc=com"],
                          "bindCredential": [LDAP_BIND_CREDENTIAL]}}),
        json!({"id": uuid(name, "component", 4), "name": "username", "providerId": "user-attribute-ldap-mapper",
               "providerType": "org.keycloak.storage.ldap.mappers.LDAPStorageMapper",
               "parentId": uuid(name, "component", 3),
               "config": {"ldap.attribute": ["uid"], "user.model.attribute": ["username"]}}),
    ]
}
