//! The deterministic sample generator [`sample_realm`]: users, a three-level group
//! tree, memberships, realm roles and the realm representation; the rest of the sample
//! comes from the sibling modules (clients, roles and mappings, identity, activity).

use super::secrets::SMTP_PASSWORD;
use super::{activity as sample_activity, clients as sample_clients};
use super::{identity as sample_identity, roles as sample_roles};
use crate::model::ids::uuid;
use crate::model::json::set;
use crate::model::realm::RealmData;
use serde_json::{Map, Value, json};

/// A deterministic realm named `name` with `users` users.
pub fn sample_realm(name: &str, users: usize) -> RealmData {
    let id = uuid(name, "realm", 0);
    let users: Vec<Value> = (0..users).map(|i| sample_user(name, i)).collect();
    let mut groups = sample_groups(name);
    let members = sample_members(&groups, &users);
    let mut roles = sample_roles(name, &id);
    let clients = sample_clients::sample_clients(name);
    let access = sample_roles::sample_access(name, &mut roles, &clients, &users, &mut groups);
    let (organizations, organization_members) = sample_identity::organizations(name, &users);
    let (user_sessions, offline_sessions) = sample_activity::sessions(name, &users, &clients);
    let mut realm = RealmData {
        name: name.to_string(),
        representation: realm_representation(name, &id),
        id,
        users,
        groups,
        members,
        roles,
        clients,
        client_roles: access.client_roles,
        composites: access.composites,
        user_role_mappings: access.user_roles,
        group_role_mappings: access.group_roles,
        client_scopes: sample_identity::client_scopes(name),
        identity_providers: sample_identity::identity_providers(name),
        federated_identities: Vec::new(),
        user_sessions,
        offline_sessions,
        organizations,
        organization_members,
        events: Vec::new(),
        admin_events: Vec::new(),
        components: Vec::new(),
        security: Default::default(),
    };
    realm.federated_identities = sample_identity::federated_identities(name, &realm.users);
    realm.events = sample_activity::events(&realm);
    realm.admin_events = sample_activity::admin_events(&realm);
    realm.components = super::security::components(&realm);
    realm.security = super::security::security(&realm);
    realm
}

const FIRST_NAMES: [&str; 12] = [
    "Alice", "Zoë", "Łukasz", "東京", "Ñandú", "Bob", "Chloé", "Øyvind", "Mia", "Jürgen", "Amélie",
    "Grace",
];
const LAST_NAMES: [&str; 10] = [
    "Smith", "Müller", "Kowalski", "山田", "Núñez", "O'Brien", "Dubois", "Søren", "Nguyễn", "Brown",
];

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
            "/engineering" => set(g, "attributes", json!({"cost-center": ["CC-100"]})),
            "/sales" => {
                set(
                    g,
                    "attributes",
                    json!({"cost-center": ["CC-200"], "region": ["global", "eu"]}),
                );
            }
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
            "Editor + CRM admin (composite)",
            true,
        ),
        (
            "support-agent".to_string(),
            "Handles tickets; speaks 日本語",
            false,
        ),
        (
            "editor".to_string(),
            "Edits content (includes viewer)",
            true,
        ),
        ("viewer".to_string(), "Reads content", false),
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

fn realm_representation(name: &str, id: &str) -> Value {
    json!({
        "id": id, "realm": name, "displayName": format!("{name} — Fake Realm"),
        "displayNameHtml": format!("<div class=\"kc-logo-text\"><span>{name}</span></div>"),
        "notBefore": 0, "defaultSignatureAlgorithm": "RS256", "revokeRefreshToken": false,
        "accessTokenLifespan": 300, "ssoSessionIdleTimeout": 1800, "ssoSessionMaxLifespan": 36000,
        "enabled": true, "sslRequired": "external", "registrationAllowed": false,
        "loginWithEmailAllowed": true, "duplicateEmailsAllowed": false, "bruteForceProtected": true,
        "eventsEnabled": true, "eventsListeners": ["jboss-logging"],
        "enabledEventTypes": ["LOGIN", "LOGIN_ERROR", "LOGOUT", "CODE_TO_TOKEN", "REFRESH_TOKEN",
                              "CLIENT_LOGIN", "UPDATE_PASSWORD", "REGISTER", "UPDATE_PROFILE",
                              "UPDATE_EMAIL", "VERIFY_EMAIL", "DELETE_ACCOUNT"],
        "adminEventsEnabled": true, "adminEventsDetailsEnabled": true,
        "internationalizationEnabled": true, "supportedLocales": ["en", "de", "pl"],
        "defaultLocale": "en",
        "defaultRole": {"id": uuid(name, "role", 0), "name": format!("default-roles-{name}"),
                        "description": "${role_default-roles}", "composite": true,
                        "clientRole": false, "containerId": id},
        "smtpServer": {"host": "smtp.example.com", "port": "587", "from": "noreply@example.com",
                       "fromDisplayName": "Acme", "auth": "true", "starttls": "true",
                       "user": "mailer", "password": SMTP_PASSWORD},
        "attributes": {"frontendUrl": "", "cibaBackchannelTokenDeliveryMode": "poll",
                       "clientSessionIdleTimeout": "0", "adminEventsExpiration": "7776000",
                       "organizationsEnabled": "true"},
        "userManagedAccessAllowed": false, "organizationsEnabled": true,
    })
}
