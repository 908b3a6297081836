//! The sample's identity data: Keycloak 26's built-in client scopes (with
//! protocol mappers), two identity providers with clear-text client secrets,
//! users' federated identity links, and organizations with their members.

use super::secrets::{CORP_IDP_SECRET, GITHUB_IDP_SECRET};
use crate::model::ids::{fnv1a, uuid};
use crate::model::json::set;
use serde_json::{Value, json};

/// (name, protocol, description, extra attributes, [(mapper name, mapper type)]).
type ScopeSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [(&'static str, &'static str)],
);

const OIDC: &str = "openid-connect";

const SCOPES: &[ScopeSpec] = &[
    (
        "acr",
        OIDC,
        "OpenID Connect scope for add acr (authentication context class reference) to the token",
        &[("include.in.token.scope", "false")],
        &[("acr loa level", "oidc-acr-mapper")],
    ),
    (
        "address",
        OIDC,
        "OpenID Connect built-in scope: address",
        &[("consent.screen.text", "${addressScopeConsentText}")],
        &[("address", "oidc-address-mapper")],
    ),
    (
        "basic",
        OIDC,
        "OpenID Connect scope for add all basic claims to the token",
        &[("include.in.token.scope", "false")],
        &[
            ("auth_time", "oidc-usersessionmodel-note-mapper"),
            ("sub", "oidc-sub-mapper"),
        ],
    ),
    (
        "email",
        OIDC,
        "OpenID Connect built-in scope: email",
        &[("consent.screen.text", "${emailScopeConsentText}")],
        &[
            ("email", "oidc-usermodel-attribute-mapper"),
            ("email verified", "oidc-usermodel-property-mapper"),
        ],
    ),
    (
        "microprofile-jwt",
        OIDC,
        "Microprofile - JWT built-in scope",
        &[],
        &[
            ("groups", "oidc-usermodel-realm-role-mapper"),
            ("upn", "oidc-usermodel-attribute-mapper"),
        ],
    ),
    (
        "offline_access",
        OIDC,
        "OpenID Connect built-in scope: offline_access",
        &[("consent.screen.text", "${offlineAccessScopeConsentText}")],
        &[],
    ),
    (
        "organization",
        OIDC,
        "Additional claims about the organization a subject belongs to",
        &[("consent.screen.text", "${organizationScopeConsentText}")],
        &[("organization", "oidc-organization-membership-mapper")],
    ),
    (
        "phone",
        OIDC,
        "OpenID Connect built-in scope: phone",
        &[("consent.screen.text", "${phoneScopeConsentText}")],
        &[("phone number", "oidc-usermodel-attribute-mapper")],
    ),
    (
        "profile",
        OIDC,
        "OpenID Connect built-in scope: profile",
        &[("consent.screen.text", "${profileScopeConsentText}")],
        &[
            ("family name", "oidc-usermodel-attribute-mapper"),
            ("full name", "oidc-full-name-mapper"),
            ("given name", "oidc-usermodel-attribute-mapper"),
            ("username", "oidc-usermodel-attribute-mapper"),
        ],
    ),
    (
        "role_list",
        "saml",
        "SAML role list",
        &[("consent.screen.text", "${samlRoleListScopeConsentText}")],
        &[("role list", "saml-role-list-mapper")],
    ),
    (
        "roles",
        OIDC,
        "OpenID Connect scope for add user roles to the access token",
        &[
            ("include.in.token.scope", "false"),
            ("consent.screen.text", "${rolesScopeConsentText}"),
        ],
        &[
            ("audience resolve", "oidc-audience-resolve-mapper"),
            ("client roles", "oidc-usermodel-client-role-mapper"),
            ("realm roles", "oidc-usermodel-realm-role-mapper"),
        ],
    ),
    (
        "saml_organization",
        "saml",
        "Organization Membership",
        &[],
        &[("organization", "saml-organization-membership-mapper")],
    ),
    (
        "web-origins",
        OIDC,
        "OpenID Connect scope for add allowed web origins to the access token",
        &[
            ("include.in.token.scope", "false"),
            ("display.on.consent.screen", "false"),
        ],
        &[("allowed web origins", "oidc-allowed-origins-mapper")],
    ),
];

/// The built-in client scopes, by name.
pub(crate) fn client_scopes(realm: &str) -> Vec<Value> {
    SCOPES
        .iter()
        .enumerate()
        .map(|(i, (name, protocol, description, extra, mappers))| {
            let mut attributes = json!({
                "include.in.token.scope": "true", "display.on.consent.screen": "true",
            });
            for (k, v) in *extra {
                set(&mut attributes, k, json!(v));
            }
            let mut scope = json!({
                "id": uuid(realm, "client-scope", i as u64), "name": name,
                "description": description, "protocol": protocol, "attributes": attributes,
            });
            if !mappers.is_empty() {
                let reps: Vec<Value> = mappers
                    .iter()
                    .map(|(mapper, kind)| mapper_rep(realm, name, protocol, mapper, kind))
                    .collect();
                set(&mut scope, "protocolMappers", Value::Array(reps));
            }
            scope
        })
        .collect()
}

fn mapper_rep(realm: &str, scope: &str, protocol: &str, name: &str, kind: &str) -> Value {
    let key = format!("{scope}/{name}");
    let config = if protocol == "saml" {
        json!({"single": "false", "attribute.name": "Role"})
    } else {
        json!({"introspection.token.claim": "true", "userinfo.token.claim": "true",
               "id.token.claim": "true", "access.token.claim": "true",
               "claim.name": name.replace(' ', "_"), "jsonType.label": "String"})
    };
    json!({
        "id": uuid(realm, "protocol-mapper", fnv1a(key.as_bytes())), "name": name,
        "protocol": protocol, "protocolMapper": kind, "consentRequired": false, "config": config,
    })
}

/// `corp-oidc` (oidc) and `github`, secrets in clear.
pub(crate) fn identity_providers(realm: &str) -> Vec<Value> {
    let common = |alias: &str, display: &str, provider: &str, index: u64, config: Value| {
        json!({
            "alias": alias, "displayName": display, "internalId": uuid(realm, "idp", index),
            "providerId": provider, "enabled": true, "updateProfileFirstLoginMode": "on",
            "trustEmail": provider == "oidc", "storeToken": false,
            "addReadTokenRoleOnCreate": false, "authenticateByDefault": false,
            "linkOnly": false, "hideOnLogin": false,
            "firstBrokerLoginFlowAlias": "first broker login", "config": config,
        })
    };
    let sso = "https://sso.corp.example.com/oauth2";
    vec![
        common(
            "corp-oidc",
            "Corporate SSO",
            "oidc",
            1,
            json!({
                "clientId": "corp", "clientSecret": CORP_IDP_SECRET,
                "tokenUrl": format!("{sso}/token"), "authorizationUrl": format!("{sso}/authorize"),
                "clientAuthMethod": "client_secret_post", "syncMode": "LEGACY",
                "issuer": "https://sso.corp.example.com", "useJwksUrl": "true",
                "jwksUrl": format!("{sso}/keys"), "pkceEnabled": "false",
            }),
        ),
        common(
            "github",
            "GitHub",
            "github",
            2,
            json!({
                "clientId": "Iv1.a1b2c3d4e5f60718", "clientSecret": GITHUB_IDP_SECRET,
                "syncMode": "IMPORT", "defaultScope": "user:email",
            }),
        ),
    ]
}

fn linked_to_corp(i: usize) -> bool {
    i.is_multiple_of(15)
}

fn linked_to_github(i: usize) -> bool {
    (i % 60 == 45 && i < 120) || (i % 60 == 7 && i < 180)
}

/// ~20 users linked to corp-oidc, 5 to github, 2 to both (with 300 users).
pub(crate) fn federated_identities(realm: &str, users: &[Value]) -> Vec<(String, Value)> {
    let mut links = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let id = user["id"].as_str().unwrap_or("").to_string();
        let username = user["username"].as_str().unwrap_or("");
        if linked_to_corp(i) {
            let link = json!({"identityProvider": "corp-oidc",
                              "userId": uuid(realm, "corp-subject", i as u64),
                              "userName": format!("{username}@corp.example.com")});
            links.push((id.clone(), link));
        }
        if linked_to_github(i) {
            let link = json!({"identityProvider": "github",
                              "userId": (5_830_000 + i * 37).to_string(),
                              "userName": format!("gh-{username}")});
            links.push((id, link));
        }
    }
    links
}

const ORGS: [(&str, &str, &str); 3] = [
    ("Northwind Traders", "northwind", "Wholesale partner"),
    ("Contoso Ltd", "contoso", "Reseller — EMEA"),
    ("Fabrikam Zürich", "fabrikam", "Subsidiary; 日本語 docs"),
];

fn org_has(org: usize, i: usize) -> bool {
    match org {
        0 => i % 30 == 3,
        1 => i % 30 == 17,
        _ => i % 60 == 23 || i == 3,
    }
}

/// Three organizations, ~25 members, user index 3 in two of them.
pub(crate) fn organizations(
    realm: &str,
    users: &[Value],
) -> (Vec<Value>, Vec<(String, String, String)>) {
    let mut orgs = Vec::new();
    let mut members = Vec::new();
    for (k, (name, alias, description)) in ORGS.iter().enumerate() {
        let id = uuid(realm, "organization", k as u64);
        let attributes = if k == 0 {
            json!({"tier": ["gold"], "region": ["us", "eu"]})
        } else {
            json!({})
        };
        orgs.push(json!({
            "id": id, "name": name, "alias": alias, "enabled": true, "description": description,
            "redirectUrl": format!("https://{alias}.example.com/welcome"), "attributes": attributes,
            "domains": [{"name": format!("{alias}.example.com"), "verified": false}],
        }));
        for (i, user) in users.iter().enumerate().filter(|(i, _)| org_has(k, *i)) {
            let kind = if i % 3 == 0 { "MANAGED" } else { "UNMANAGED" };
            let uid = user["id"].as_str().unwrap_or("").to_string();
            members.push((id.clone(), uid, kind.to_string()));
        }
    }
    (orgs, members)
}
