//! The sample's role graph: client roles (built-in account, broker and
//! realm-management roles plus the sample apps' roles), composite roles
//! (including a composite inside a composite), and the direct role mappings
//! of users and groups.
//!
//! Roles are named by a small spec: `"editor"` is a realm role,
//! `"crm/crm-admin"` a client role (clientId/role), and `"default-roles"`
//! stands for `default-roles-<realm>`.

use super::clients::client_uuid;
use crate::model::ids::{fnv1a, uuid};
use crate::model::json::{set, str_of};
use serde_json::{Map, Value, json};

/// The sample's client roles, composites and direct role mappings.
pub(crate) struct Access {
    pub client_roles: Vec<Value>,
    pub composites: Vec<(String, String)>,
    pub user_roles: Vec<(String, String)>,
    pub group_roles: Vec<(String, String)>,
}

type RoleList = &'static [(&'static str, &'static str)];

/// clientId → (role name, description), roles in name order.
const CLIENT_ROLES: &[(&str, RoleList)] = &[
    (
        "account",
        &[
            ("delete-account", "${role_delete-account}"),
            ("manage-account", "${role_manage-account}"),
            ("manage-account-links", "${role_manage-account-links}"),
            ("view-groups", "${role_view-groups}"),
            ("view-profile", "${role_view-profile}"),
        ],
    ),
    (
        "billing-app",
        &[
            ("invoice-reader", "Reads invoices"),
            ("invoice-viewer", "Views invoices — read only"),
        ],
    ),
    ("broker", &[("read-token", "${role_read-token}")]),
    (
        "crm",
        &[
            ("crm-admin", "Administers the CRM (includes crm-reader)"),
            ("crm-reader", "Reads CRM records"),
        ],
    ),
    (
        "realm-management",
        &[
            ("manage-users", "${role_manage-users}"),
            ("query-clients", "${role_query-clients}"),
            ("query-groups", "${role_query-groups}"),
            ("query-users", "${role_query-users}"),
            ("realm-admin", "${role_realm-admin}"),
            ("view-clients", "${role_view-clients}"),
            ("view-events", "${role_view-events}"),
            ("view-realm", "${role_view-realm}"),
            ("view-users", "${role_view-users}"),
        ],
    ),
];

/// Composite role → its direct children.
const COMPOSITES: &[(&str, &[&str])] = &[
    (
        "default-roles",
        &[
            "offline_access",
            "uma_authorization",
            "account/view-profile",
            "account/manage-account",
        ],
    ),
    ("power-user", &["editor", "crm/crm-admin"]),
    ("editor", &["viewer"]),
    ("crm/crm-admin", &["crm/crm-reader"]),
    ("account/manage-account", &["account/manage-account-links"]),
    (
        "realm-management/view-users",
        &[
            "realm-management/query-users",
            "realm-management/query-groups",
        ],
    ),
    (
        "realm-management/view-clients",
        &["realm-management/query-clients"],
    ),
    (
        "realm-management/realm-admin",
        &[
            "realm-management/view-users",
            "realm-management/view-realm",
            "realm-management/view-clients",
            "realm-management/view-events",
            "realm-management/manage-users",
        ],
    ),
];

/// Group path → roles mapped directly, at each of the three levels.
const GROUP_ROLES: &[(&str, &[&str])] = &[
    ("/engineering", &["developer"]),
    ("/engineering/backend", &["editor"]),
    ("/engineering/backend/api", &["viewer", "crm/crm-reader"]),
    ("/sales", &["billing-app/invoice-reader"]),
    ("/sales/emea", &["billing-viewer"]),
    ("/support", &["support-agent"]),
    ("/support/tier-2/ops", &["crm/crm-admin", "auditor"]),
];

/// Which users (by 0-based index) have a role directly.
fn user_has(spec: &str, i: usize) -> bool {
    match spec {
        "default-roles" => true,
        "viewer" => i.is_multiple_of(2) && i < 240,
        "editor" => i % 10 == 3,
        "auditor" => i % 25 == 7,
        "developer" => i % 30 == 5,
        "power-user" => i % 50 == 11,
        "crm/crm-reader" => i % 30 == 1,
        "crm/crm-admin" => i % 60 == 2,
        "billing-app/invoice-viewer" => i % 100 == 9,
        _ => false,
    }
}

const USER_ROLE_SPECS: &[&str] = &[
    "default-roles",
    "viewer",
    "editor",
    "auditor",
    "developer",
    "power-user",
    "crm/crm-reader",
    "crm/crm-admin",
    "billing-app/invoice-viewer",
];

/// Builds the role graph, fixes every role's `composite` flag and each
/// group's `realmRoles`/`clientRoles` to agree with it.
pub(crate) fn sample_access(
    realm: &str,
    realm_roles: &mut [Value],
    clients: &[Value],
    users: &[Value],
    groups: &mut [Value],
) -> Access {
    let mut client_roles = client_roles(realm, clients);
    let resolve = |roles: &[Value], client_roles: &[Value], spec: &str| -> Option<String> {
        let found = match spec.split_once('/') {
            Some((client, name)) => {
                let container = client_uuid(realm, client);
                client_roles
                    .iter()
                    .find(|r| str_of(r, "containerId") == container && str_of(r, "name") == name)
            }
            None if spec == "default-roles" => {
                let name = format!("default-roles-{realm}");
                roles.iter().find(|r| str_of(r, "name") == name)
            }
            None => roles.iter().find(|r| str_of(r, "name") == spec),
        };
        found.map(|r| str_of(r, "id").to_string())
    };
    let mut composites = Vec::new();
    for (parent, children) in COMPOSITES {
        let Some(pid) = resolve(realm_roles, &client_roles, parent) else {
            continue;
        };
        for child in *children {
            if let Some(cid) = resolve(realm_roles, &client_roles, child) {
                composites.push((pid.clone(), cid));
            }
        }
    }
    for r in realm_roles.iter_mut().chain(client_roles.iter_mut()) {
        let id = str_of(r, "id").to_string();
        let composite = composites.iter().any(|(p, _)| *p == id);
        set(r, "composite", json!(composite));
    }
    let mut user_roles = Vec::new();
    for (i, user) in users.iter().enumerate() {
        for spec in USER_ROLE_SPECS.iter().filter(|s| user_has(s, i)) {
            if let Some(rid) = resolve(realm_roles, &client_roles, spec) {
                user_roles.push((str_of(user, "id").to_string(), rid));
            }
        }
    }
    let mut group_roles = Vec::new();
    for g in groups.iter_mut() {
        let path = str_of(g, "path").to_string();
        let specs = GROUP_ROLES
            .iter()
            .find(|(p, _)| *p == path)
            .map_or(&[][..], |(_, s)| *s);
        let mut realm_names = Vec::new();
        let mut client_names: Map<String, Value> = Map::new();
        for spec in specs {
            let Some(rid) = resolve(realm_roles, &client_roles, spec) else {
                continue;
            };
            group_roles.push((str_of(g, "id").to_string(), rid));
            match spec.split_once('/') {
                Some((client, name)) => {
                    let entry = client_names.entry(client).or_insert_with(|| json!([]));
                    if let Some(list) = entry.as_array_mut() {
                        list.push(json!(name));
                    }
                }
                None => realm_names.push(json!(spec)),
            }
        }
        set(g, "realmRoles", Value::Array(realm_names));
        set(g, "clientRoles", Value::Object(client_names));
    }
    Access {
        client_roles,
        composites,
        user_roles,
        group_roles,
    }
}

/// Client roles of the sample clients that exist in `clients`.
fn client_roles(realm: &str, clients: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for (client_id, roles) in CLIENT_ROLES {
        let Some(client) = clients.iter().find(|c| str_of(c, "clientId") == *client_id) else {
            continue;
        };
        for (name, description) in *roles {
            let key = format!("{client_id}/{name}");
            out.push(json!({
                "id": uuid(realm, "client-role", fnv1a(key.as_bytes())),
                "name": name, "description": description, "composite": false,
                "clientRole": true, "containerId": str_of(client, "id"), "attributes": {},
            }));
        }
    }
    out
}
