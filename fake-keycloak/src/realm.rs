//! The data model of one realm ([`RealmData`]) and the deterministic sample
//! generator [`sample_realm`]: users, a three-level group tree, memberships,
//! realm roles, clients and the realm representation.

use crate::config::{SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, ServiceClient};
use crate::ids::uuid;
use serde_json::{Map, Value, json};

/// Everything the admin API serves for one realm. Lists are in a stable order
/// (the order paging slices over).
#[derive(Debug, Clone, PartialEq)]
pub struct RealmData {
    pub name: String,
    pub id: String,
    /// What `GET /admin/realms/{realm}` returns.
    pub representation: Value,
    /// Full user representations.
    pub users: Vec<Value>,
    /// Flat list; each has id, name, path, parentId (null at top level),
    /// attributes, realmRoles, clientRoles.
    pub groups: Vec<Value>,
    /// (group_id, user_id) pairs: direct memberships.
    pub members: Vec<(String, String)>,
    /// Realm roles, full representation.
    pub roles: Vec<Value>,
    /// Full client representations, secrets in clear as Keycloak returns them.
    pub clients: Vec<Value>,
}

/// A deterministic realm named `name` with `users` users.
pub fn sample_realm(name: &str, users: usize) -> RealmData {
    let id = uuid(name, "realm", 0);
    let users: Vec<Value> = (0..users).map(|i| sample_user(name, i)).collect();
    let groups = sample_groups(name);
    let members = sample_members(&groups, &users);
    RealmData {
        name: name.to_string(),
        representation: realm_representation(name, &id),
        roles: sample_roles(name, &id),
        clients: sample_clients(name),
        id,
        users,
        groups,
        members,
    }
}

const FIRST_NAMES: [&str; 12] = [
    "Alice", "Zoë", "Łukasz", "東京", "Ñandú", "Bob", "Chloé", "Øyvind", "Mia", "Jürgen", "Amélie",
    "Grace",
];
const LAST_NAMES: [&str; 10] = [
    "Smith", "Müller", "Kowalski", "山田", "Núñez", "O'Brien", "Dubois", "Søren", "Nguyễn", "Brown",
];

/// Insert `key: value` if `v` is an object.
pub(crate) fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(map) = v.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

fn sample_user(realm: &str, i: usize) -> Value {
    let n = i + 1;
    let username = format!("user{n:04}");
    let mut user = json!({
        "id": uuid(realm, "user", n as u64),
        "username": username,
        "emailVerified": n.is_multiple_of(2),
        "enabled": !n.is_multiple_of(17),
        "createdTimestamp": 1_700_000_000_000u64 + n as u64 * 3_600_000,
        "totp": false,
        "attributes": user_attributes(n),
        "requiredActions": if n.is_multiple_of(13) { json!(["UPDATE_PASSWORD"]) } else { json!([]) },
        "notBefore": 0,
        "access": {"manageGroupMembership": true, "view": true, "mapRoles": true,
                   "impersonate": false, "manage": true},
    });
    if !n.is_multiple_of(29) {
        set(
            &mut user,
            "firstName",
            json!(FIRST_NAMES[i % FIRST_NAMES.len()]),
        );
        set(
            &mut user,
            "lastName",
            json!(LAST_NAMES[(i / 3) % LAST_NAMES.len()]),
        );
    }
    if !n.is_multiple_of(23) {
        set(
            &mut user,
            "email",
            json!(format!("{username}@{realm}.example.com")),
        );
    }
    user
}

fn user_attributes(n: usize) -> Value {
    let mut attrs = Map::new();
    if n.is_multiple_of(5) {
        attrs.insert("department".into(), json!(["engineering"]));
        let phones = [
            format!("+1-555-01{:02}", n % 100),
            format!("+1-555-02{:02}", n % 100),
        ];
        attrs.insert("phone".into(), json!(phones));
    }
    if n.is_multiple_of(7) {
        attrs.insert("locale".into(), json!(["de"]));
        attrs.insert("nickname".into(), json!([format!("Ñandú-{n}"), "Zoë"]));
    }
    Value::Object(attrs)
}

/// (name, children) for the tree; `everyone` has no children.
/// (child name, grandchild names).
type Subtree = (&'static str, [&'static str; 2]);

const TREE: [(&str, [Subtree; 2]); 3] = [
    (
        "engineering",
        [
            ("backend", ["api", "data"]),
            ("frontend", ["design", "web"]),
        ],
    ),
    (
        "sales",
        [
            ("americas", ["brazil", "usa"]),
            ("emea", ["Kraków", "Zürich"]),
        ],
    ),
    (
        "support",
        [
            ("tier-1", ["chat", "phone"]),
            ("tier-2", ["escalations", "ops"]),
        ],
    ),
];

fn group(realm: &str, index: &mut u64, name: &str, parent: Option<&Value>) -> Value {
    *index += 1;
    let (parent_id, path) = match parent {
        Some(p) => (
            p["id"].clone(),
            format!("{}/{name}", p["path"].as_str().unwrap_or("")),
        ),
        None => (Value::Null, format!("/{name}")),
    };
    json!({
        "id": uuid(realm, "group", *index),
        "name": name,
        "path": path,
        "parentId": parent_id,
        "attributes": {},
        "realmRoles": [],
        "clientRoles": {},
    })
}

fn sample_groups(realm: &str) -> Vec<Value> {
    let mut index = 0;
    let mut groups = Vec::new();
    for (pos, (top_name, children)) in TREE.iter().enumerate() {
        if pos == 1 {
            groups.push(group(realm, &mut index, "everyone", None));
        }
        let top = group(realm, &mut index, top_name, None);
        groups.push(top.clone());
        for (child_name, grandchildren) in children {
            let child = group(realm, &mut index, child_name, Some(&top));
            groups.push(child.clone());
            for grandchild in grandchildren {
                groups.push(group(realm, &mut index, grandchild, Some(&child)));
            }
        }
    }
    decorate_groups(&mut groups);
    groups
}

fn decorate_groups(groups: &mut [Value]) {
    for g in groups.iter_mut() {
        match g["path"].as_str().unwrap_or("") {
            "/engineering" => {
                set(g, "attributes", json!({"cost-center": ["CC-100"]}));
                set(g, "realmRoles", json!(["developer"]));
            }
            "/sales" => {
                set(
                    g,
                    "attributes",
                    json!({"cost-center": ["CC-200"], "region": ["global", "eu"]}),
                );
                set(g, "clientRoles", json!({"billing-app": ["invoice-reader"]}));
            }
            "/sales/emea" => set(g, "realmRoles", json!(["billing-viewer"])),
            "/support" => set(g, "realmRoles", json!(["support-agent"])),
            _ => {}
        }
    }
}

fn sample_members(groups: &[Value], users: &[Value]) -> Vec<(String, String)> {
    let user_id = |i: usize| users[i]["id"].as_str().unwrap_or("").to_string();
    let mut members = Vec::new();
    for (k, g) in groups.iter().enumerate() {
        let gid = g["id"].as_str().unwrap_or("").to_string();
        if g["path"] == "/everyone" {
            members.extend((0..users.len().min(150)).map(|i| (gid.clone(), user_id(i))));
            continue;
        }
        let mut picked: Vec<usize> = Vec::new();
        for j in 0..4 {
            if let Some(i) = (k * 7 + j * 31).checked_rem(users.len())
                && !picked.contains(&i)
            {
                picked.push(i);
            }
        }
        members.extend(picked.into_iter().map(|i| (gid.clone(), user_id(i))));
    }
    members
}

fn role(realm_id: &str, id: String, name: &str, description: &str, composite: bool) -> Value {
    json!({
        "id": id, "name": name, "description": description, "composite": composite,
        "clientRole": false, "containerId": realm_id, "attributes": {},
    })
}

fn sample_roles(realm: &str, realm_id: &str) -> Vec<Value> {
    let specs = [
        (
            format!("default-roles-{realm}"),
            "${role_default-roles}",
            true,
        ),
        (
            "offline_access".to_string(),
            "${role_offline-access}",
            false,
        ),
        (
            "uma_authorization".to_string(),
            "${role_uma_authorization}",
            false,
        ),
        (
            "auditor".to_string(),
            "Read-only access to audit trails",
            false,
        ),
        (
            "billing-viewer".to_string(),
            "Sees invoices — read only",
            false,
        ),
        ("developer".to_string(), "Ships code", false),
        (
            "power-user".to_string(),
            "Developer + auditor (composite)",
            true,
        ),
        (
            "support-agent".to_string(),
            "Handles tickets; speaks 日本語",
            false,
        ),
    ];
    let mut roles: Vec<Value> = specs
        .iter()
        .enumerate()
        .map(|(i, (name, desc, composite))| {
            role(
                realm_id,
                uuid(realm, "role", i as u64),
                name,
                desc,
                *composite,
            )
        })
        .collect();
    for r in roles.iter_mut() {
        if r["name"] == "developer" {
            set(
                r,
                "attributes",
                json!({"tier": ["gold", "silver"], "owner": ["platform"]}),
            );
        }
    }
    roles
}

/// A client representation with Keycloak 26's default fields.
fn base_client(realm: &str, client_id: &str, name: &str) -> Value {
    json!({
        "id": uuid(realm, "client", crate::ids::fnv1a(client_id.as_bytes())),
        "clientId": client_id, "name": name,
        "surrogateAuthRequired": false, "enabled": true, "alwaysDisplayInConsole": false,
        "clientAuthenticatorType": "client-secret", "redirectUris": [], "webOrigins": [],
        "notBefore": 0, "bearerOnly": false, "consentRequired": false,
        "standardFlowEnabled": true, "implicitFlowEnabled": false,
        "directAccessGrantsEnabled": false, "serviceAccountsEnabled": false,
        "publicClient": true, "frontchannelLogout": true, "protocol": "openid-connect",
        "attributes": {}, "authenticationFlowBindingOverrides": {}, "fullScopeAllowed": true,
        "nodeReRegistrationTimeout": 0,
        "defaultClientScopes": ["web-origins", "acr", "profile", "roles", "basic", "email"],
        "optionalClientScopes": ["address", "phone", "offline_access", "organization", "microprofile-jwt"],
        "access": {"view": true, "configure": true, "manage": true},
    })
}

fn with(mut v: Value, fields: Value) -> Value {
    if let Value::Object(extra) = fields {
        for (k, val) in extra {
            set(&mut v, &k, val);
        }
    }
    v
}

fn sample_clients(realm: &str) -> Vec<Value> {
    let account = format!("/realms/{realm}/account/");
    vec![
        with(
            base_client(realm, "account", "${client_account}"),
            json!({
            "rootUrl": "${authBaseUrl}", "baseUrl": account,
            "redirectUris": [format!("/realms/{realm}/account/*")]}),
        ),
        with(
            base_client(realm, "account-console", "${client_account-console}"),
            json!({
            "rootUrl": "${authBaseUrl}", "baseUrl": account,
            "redirectUris": [format!("/realms/{realm}/account/*")],
            "attributes": {"post.logout.redirect.uris": "+", "pkce.code.challenge.method": "S256"}}),
        ),
        with(
            base_client(realm, "admin-cli", "${client_admin-cli}"),
            json!({
            "standardFlowEnabled": false, "directAccessGrantsEnabled": true}),
        ),
        billing_app(realm),
        with(
            base_client(realm, "broker", "${client_broker}"),
            json!({
            "bearerOnly": true, "publicClient": false}),
        ),
        with(
            base_client(realm, "realm-management", "${client_realm-management}"),
            json!({
            "bearerOnly": true, "publicClient": false}),
        ),
        with(
            base_client(
                realm,
                "security-admin-console",
                "${client_security-admin-console}",
            ),
            json!({
            "rootUrl": "${authAdminUrl}", "baseUrl": format!("/admin/{realm}/console/"),
            "redirectUris": [format!("/admin/{realm}/console/*")], "webOrigins": ["+"]}),
        ),
        service_client_rep(realm, SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, true),
        with(
            base_client(realm, "web-spa", "Web SPA"),
            json!({
            "rootUrl": "https://spa.example.com", "redirectUris": ["https://spa.example.com/*"],
            "webOrigins": ["+"]}),
        ),
    ]
}

fn billing_app(realm: &str) -> Value {
    with(
        base_client(realm, "billing-app", "Billing — Rechnungen"),
        json!({
        "publicClient": false, "secret": "billing-secret-Zx81",
        "registrationAccessToken": format!("rat-{}", uuid(realm, "rat", 1)),
        "redirectUris": ["https://billing.example.com/*"],
        "attributes": {
            "client.secret.creation.time": "1718000000",
            "jwt.credential.private.key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-fake-private-key",
            "post.logout.redirect.uris": "+",
            "backchannel.logout.session.required": "true",
        }}),
    )
}

/// A confidential (or service-account) client as the admin API shows it.
fn service_client_rep(realm: &str, client_id: &str, secret: &str, service_account: bool) -> Value {
    with(
        base_client(realm, client_id, client_id),
        json!({
        "publicClient": false, "secret": secret, "standardFlowEnabled": false,
        "serviceAccountsEnabled": service_account,
        "attributes": {"client.secret.creation.time": "1718000000"}}),
    )
}

/// Makes the realm's client list agree with a configured service client:
/// same clientId, secret, public flag and service-account flag.
pub(crate) fn sync_client(realm: &mut RealmData, sc: &ServiceClient) {
    let existing = realm
        .clients
        .iter_mut()
        .find(|c| c["clientId"].as_str() == Some(sc.client_id.as_str()));
    let Some(rep) = existing else {
        let rep = if sc.public {
            base_client(&realm.name, &sc.client_id, &sc.client_id)
        } else {
            service_client_rep(&realm.name, &sc.client_id, &sc.secret, sc.service_account)
        };
        realm.clients.push(rep);
        return;
    };
    set(rep, "publicClient", json!(sc.public));
    set(rep, "serviceAccountsEnabled", json!(sc.service_account));
    if sc.public {
        if let Some(map) = rep.as_object_mut() {
            map.remove("secret");
        }
    } else {
        set(rep, "secret", json!(sc.secret));
    }
}

fn realm_representation(name: &str, id: &str) -> Value {
    json!({
        "id": id, "realm": name, "displayName": format!("{name} — Fake Realm"),
        "displayNameHtml": format!("<div class=\"kc-logo-text\"><span>{name}</span></div>"),
        "notBefore": 0, "defaultSignatureAlgorithm": "RS256", "revokeRefreshToken": false,
        "accessTokenLifespan": 300, "ssoSessionIdleTimeout": 1800, "ssoSessionMaxLifespan": 36000,
        "enabled": true, "sslRequired": "external", "registrationAllowed": false,
        "loginWithEmailAllowed": true, "duplicateEmailsAllowed": false, "bruteForceProtected": false,
        "eventsEnabled": false, "eventsListeners": ["jboss-logging"], "enabledEventTypes": [],
        "adminEventsEnabled": false, "adminEventsDetailsEnabled": false,
        "internationalizationEnabled": true, "supportedLocales": ["en", "de", "pl"],
        "defaultLocale": "en",
        "defaultRole": {"id": uuid(name, "role", 0), "name": format!("default-roles-{name}"),
                        "description": "${role_default-roles}", "composite": true,
                        "clientRole": false, "containerId": id},
        "smtpServer": {"host": "smtp.example.com", "port": "587", "from": "noreply@example.com",
                       "fromDisplayName": "Acme", "auth": "true", "starttls": "true",
                       "user": "mailer", "password": "smtp-password-Kq93"},
        "attributes": {"frontendUrl": "", "organizationsEnabled": "false",
                       "cibaBackchannelTokenDeliveryMode": "poll", "clientSessionIdleTimeout": "0"},
        "userManagedAccessAllowed": false, "organizationsEnabled": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

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
}
