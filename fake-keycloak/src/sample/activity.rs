//! The sample's activity: online and offline user sessions (some spanning two
//! clients), ~200 user events and ~60 admin events over the three days before
//! [`SAMPLE_EPOCH_MS`] (a fixed instant in the past, never the wall clock).

use super::clients::client_uuid;
use crate::model::ids::{BASE64URL, SplitMix, fnv1a, uuid};
use crate::model::json::set;
use crate::model::realm::RealmData;
use serde_json::{Map, Value, json};

/// 2026-09-21T05:46:40Z: every sample session and event happens before it.
pub const SAMPLE_EPOCH_MS: u64 = 1_790_000_000_000;
const DAY_MS: u64 = 86_400_000;
const LOGIN_APP: &str = "login-app";
const CRM: &str = "crm";
const REDIRECT: &str = "https://login.example.com/callback";

/// A 24-character session id, a pure function of (realm, kind, index).
fn session_id(realm: &str, kind: &str, index: usize) -> String {
    let seed = fnv1a(format!("{realm}\u{0}{kind}\u{0}{index}").as_bytes());
    SplitMix::new(seed).chars(BASE64URL, 24)
}

fn clients_map(realm: &str, client_ids: &[&str]) -> Value {
    let map: Map<String, Value> = client_ids
        .iter()
        .map(|c| (client_uuid(realm, c), json!(c)))
        .collect();
    Value::Object(map)
}

fn session(realm: &str, kind: &str, k: usize, user: &Value, clients: &[&str]) -> Value {
    let start = SAMPLE_EPOCH_MS - (k as u64 + 1) * 97_000 - 3_600_000;
    json!({
        "id": session_id(realm, kind, k), "username": user["username"], "userId": user["id"],
        "ipAddress": format!("10.0.{}.{}", k / 200, k % 200 + 1), "start": start,
        "lastAccess": start + k as u64 * 13_000, "rememberMe": false,
        "clients": clients_map(realm, clients), "transientUser": false,
    })
}

/// (~30 online sessions, every third also on crm; ~8 offline sessions).
pub(crate) fn sessions(
    realm: &str,
    users: &[Value],
    clients: &[Value],
) -> (Vec<Value>, Vec<Value>) {
    let has = |id: &str| clients.iter().any(|c| c["clientId"] == id);
    if users.is_empty() || !has(LOGIN_APP) || !has(CRM) {
        return (Vec::new(), Vec::new());
    }
    let online = (0..30)
        .map(|k| {
            let user = &users[(k * 7 + 3) % users.len()];
            let both: &[&str] = if k % 3 == 0 {
                &[LOGIN_APP, CRM]
            } else {
                &[LOGIN_APP]
            };
            session(realm, "session", k, user, both)
        })
        .collect();
    let offline = (0..8)
        .map(|k| {
            let user = &users[(k * 13 + 5) % users.len()];
            let both: &[&str] = if k % 4 == 0 {
                &[LOGIN_APP, CRM]
            } else {
                &[LOGIN_APP]
            };
            session(realm, "offline-session", k, user, both)
        })
        .collect();
    (online, offline)
}

const EVENT_TYPES: [&str; 8] = [
    "LOGIN",
    "CODE_TO_TOKEN",
    "REFRESH_TOKEN",
    "LOGIN_ERROR",
    "LOGOUT",
    "CLIENT_LOGIN",
    "LOGIN",
    "UPDATE_PASSWORD",
];

/// 200 events, oldest first; every tenth shares the previous one's millisecond.
pub(crate) fn events(realm: &RealmData) -> Vec<Value> {
    let start = SAMPLE_EPOCH_MS - 3 * DAY_MS;
    let mut out: Vec<Value> = Vec::new();
    let mut time = start;
    for k in 0..200usize {
        if k % 10 != 9 {
            time = start + k as u64 * 1_296_000 + (k as u64 * 7_919) % 60_000;
        }
        let kind = EVENT_TYPES[k % EVENT_TYPES.len()];
        let client = if k % 4 == 1 { CRM } else { LOGIN_APP };
        let sid = session_id(&realm.name, "event-session", k % 40);
        let mut e = json!({
            "id": uuid(&realm.name, "event", k as u64), "time": time, "type": kind,
            "realmId": realm.id, "clientId": client,
            "ipAddress": format!("198.51.100.{}", k % 250 + 1),
        });
        let user = (!realm.users.is_empty()).then(|| &realm.users[(k * 11) % realm.users.len()]);
        let username = user.and_then(|u| u["username"].as_str()).unwrap_or("ghost");
        let details = match kind {
            "LOGIN" | "LOGIN_ERROR" => json!({
                "auth_method": "openid-connect", "auth_type": "code", "redirect_uri": REDIRECT,
                "consent": "no_consent_required", "code_id": sid, "username": username,
            }),
            "CODE_TO_TOKEN" | "REFRESH_TOKEN" => json!({
                "token_id": uuid(&realm.name, "token", k as u64),
                "grant_type": if kind == "CODE_TO_TOKEN" { "authorization_code" } else { "refresh_token" },
                "refresh_token_type": "Refresh", "scope": "openid profile email",
                "refresh_token_id": uuid(&realm.name, "refresh", k as u64), "code_id": sid,
                "client_auth_method": "client-secret",
            }),
            "LOGOUT" => json!({"redirect_uri": REDIRECT}),
            "CLIENT_LOGIN" => json!({
                "grant_type": "client_credentials", "client_auth_method": "client-secret",
                "username": "service-account-source-keycloak",
            }),
            _ => json!({"auth_method": "openid-connect", "custom_required_action": kind}),
        };
        set(&mut e, "details", details);
        if kind == "CLIENT_LOGIN" {
            set(&mut e, "clientId", json!("source-keycloak"));
            set(
                &mut e,
                "userId",
                json!(uuid(&realm.name, "service-account", 1)),
            );
        } else if kind == "LOGIN_ERROR" && k % 16 == 3 {
            set(&mut e, "error", json!("user_not_found"));
        } else {
            if let Some(u) = user {
                set(&mut e, "userId", u["id"].clone());
            }
            set(&mut e, "sessionId", json!(sid));
            if kind == "LOGIN_ERROR" {
                set(&mut e, "error", json!("invalid_user_credentials"));
            }
        }
        out.push(e);
    }
    out
}

/// 60 admin events, oldest first, by the master realm's admin or the
/// realm's own service account; representations carry no secrets (Keycloak
/// strips them).
pub(crate) fn admin_events(realm: &RealmData) -> Vec<Value> {
    let start = SAMPLE_EPOCH_MS - 3 * DAY_MS;
    let mut out = Vec::new();
    for k in 0..60usize {
        let time = start + k as u64 * 4_200_000 + 1_234;
        let auth = if k % 2 == 0 {
            json!({"realmId": uuid("master", "realm", 0),
                   "clientId": client_uuid("master", "security-admin-console"),
                   "userId": uuid("master", "user", 1), "ipAddress": "192.0.2.10"})
        } else {
            json!({"realmId": realm.id, "clientId": client_uuid(&realm.name, "source-keycloak"),
                   "userId": uuid(&realm.name, "service-account", 1), "ipAddress": "192.0.2.20"})
        };
        let user = (!realm.users.is_empty()).then(|| &realm.users[(k * 17) % realm.users.len()]);
        let uid = user.and_then(|u| u["id"].as_str()).unwrap_or("unknown");
        let group = realm.groups.get(k % realm.groups.len().max(1));
        let gid = group.and_then(|g| g["id"].as_str()).unwrap_or("unknown");
        let (op, resource, path, rep) = match k % 6 {
            0 => (
                "CREATE",
                "USER",
                format!("users/{uid}"),
                Some(json!({"username": user.map(|u| u["username"].clone()), "enabled": true})),
            ),
            1 => (
                "UPDATE",
                "USER",
                format!("users/{uid}"),
                user.map(|u| json!({"id": u["id"], "username": u["username"], "enabled": u["enabled"], "emailVerified": true})),
            ),
            2 => (
                "CREATE",
                "GROUP_MEMBERSHIP",
                format!("users/{uid}/groups/{gid}"),
                group.map(|g| json!({"id": g["id"], "name": g["name"], "path": g["path"]})),
            ),
            3 => ("ACTION", "USER", format!("users/{uid}/reset-password"), None),
            4 => ("DELETE", "USER", format!("users/{uid}"), None),
            _ => (
                "CREATE",
                "REALM_ROLE_MAPPING",
                format!("users/{uid}/role-mappings/realm"),
                realm.roles.iter().find(|r| r["name"] == "viewer").map(|r| json!([r])),
            ),
        };
        let mut e = json!({
            "id": uuid(&realm.name, "admin-event", k as u64), "time": time, "realmId": realm.id,
            "authDetails": auth, "operationType": op, "resourceType": resource,
            "resourcePath": path, "details": {},
        });
        if let Some(rep) = rep {
            set(&mut e, "representation", json!(rep.to_string()));
        }
        out.push(e);
    }
    out
}
