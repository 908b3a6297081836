//! The benchmark realm: [`bench_realm`] is the sample realm (`sample_realm`) grown to a
//! production-like shape around its users: 10,000 groups in a tree (fan-out 20, four
//! levels), 500 realm roles (some composite), 200 clients with two roles each, every user
//! in one group, holding one realm role (every third also a client role), 1% of users
//! with an online session, 0.1% with an offline one, and `events` user events plus a
//! tenth as many admin events, oldest first, and organizations off. Deterministic, like the sample; generated
//! in a few seconds for a million users.

use super::activity::SAMPLE_EPOCH_MS;
use super::clients::{base_client, client_uuid};
use super::realm::sample_realm;
use crate::model::ids::uuid;
use crate::model::json::{set, str_of};
use crate::model::realm::RealmData;
use serde_json::{Value, json};

/// Groups, realm roles and clients of the benchmark realm, whatever its users.
pub const BENCH_GROUPS: usize = 10_000;
pub const BENCH_REALM_ROLES: usize = 500;
pub const BENCH_CLIENTS: usize = 200;
/// Children per synthetic group.
const FAN_OUT: usize = 20;
/// Top-level synthetic groups.
const TOPS: usize = 10;

/// The sample realm `name` with `users` users, grown to the benchmark shape, with
/// `events` user events (and `events / 10` admin events).
pub fn bench_realm(name: &str, users: usize, events: usize) -> RealmData {
    let mut realm = sample_realm(name, users);
    // Organizations off, as in most realms: role holders are then read per role, which
    // is what the benchmark measures (with organizations on the connector reads them
    // per account; that is measured on a real Keycloak, `bench/real_keycloak.py`).
    realm.representation["organizationsEnabled"] = json!(false);
    realm.representation["attributes"]["organizationsEnabled"] = json!("false");
    let groups = add_groups(&mut realm);
    let roles = add_realm_roles(&mut realm);
    let client_roles = add_clients(&mut realm);
    let user_ids: Vec<String> = realm
        .users
        .iter()
        .map(|u| str_of(u, "id").to_string())
        .collect();
    // Memberships: every user in one synthetic group below the top level.
    if groups.len() > TOPS {
        let below = groups.len() - TOPS;
        for (i, uid) in user_ids.iter().enumerate() {
            let g = TOPS + (i.wrapping_mul(7_919)) % below;
            realm.members.push((groups[g].clone(), uid.clone()));
        }
    }
    // Direct role mappings: one realm role each, every third user a client role too.
    for (i, uid) in user_ids.iter().enumerate() {
        realm
            .user_role_mappings
            .push((uid.clone(), roles[i % roles.len()].clone()));
        if i.is_multiple_of(3) && !client_roles.is_empty() {
            let role = &client_roles[(i / 3) % client_roles.len()];
            realm.user_role_mappings.push((uid.clone(), role.clone()));
        }
    }
    // Group role mappings: every synthetic group one realm role.
    for (k, gid) in groups.iter().enumerate() {
        let role = roles[(k * 13) % roles.len()].clone();
        realm.group_role_mappings.push((gid.clone(), role));
    }
    add_sessions(&mut realm);
    add_events(&mut realm, &user_ids, events);
    realm
}

/// Synthetic groups `g-00000`… up to [`BENCH_GROUPS`] in all; returns their ids.
fn add_groups(realm: &mut RealmData) -> Vec<String> {
    let count = BENCH_GROUPS.saturating_sub(realm.groups.len());
    let mut ids: Vec<String> = Vec::with_capacity(count);
    let mut paths: Vec<String> = Vec::with_capacity(count);
    for k in 0..count {
        let id = uuid(&realm.name, "bench-group", k as u64);
        let name = format!("g-{k:05}");
        let parent = (k >= TOPS).then(|| (k - TOPS) / FAN_OUT);
        let path = match parent {
            Some(p) => format!("{}/{name}", paths[p]),
            None => format!("/{name}"),
        };
        let parent_id = parent.map_or(Value::Null, |p| json!(ids[p]));
        realm.groups.push(json!({
            "id": id, "name": name, "path": path, "parentId": parent_id,
            "attributes": {"cost-center": [format!("CC-{}", k % 97)]},
            "realmRoles": [], "clientRoles": {},
        }));
        ids.push(id);
        paths.push(path);
    }
    ids
}

const TIERS: [&str; 3] = ["gold", "silver", "bronze"];

/// Synthetic realm roles up to [`BENCH_REALM_ROLES`]; every tenth is a composite of the
/// next two. Returns their ids.
fn add_realm_roles(realm: &mut RealmData) -> Vec<String> {
    let count = BENCH_REALM_ROLES.saturating_sub(realm.roles.len());
    let ids: Vec<String> = (0..count)
        .map(|k| uuid(&realm.name, "bench-role", k as u64))
        .collect();
    for (k, id) in ids.iter().enumerate() {
        let composite = k.is_multiple_of(10) && k + 2 < count;
        if composite {
            realm.composites.push((id.clone(), ids[k + 1].clone()));
            realm.composites.push((id.clone(), ids[k + 2].clone()));
        }
        realm.roles.push(json!({
            "id": id, "name": format!("role-{k:03}"), "description": format!("Synthetic role {k}"),
            "composite": composite, "clientRole": false, "containerId": realm.id,
            "attributes": {"tier": [TIERS[k % 3]]},
        }));
    }
    ids
}

/// Synthetic clients `app-000`… up to [`BENCH_CLIENTS`], each with roles `read` and
/// `write`. Returns the ids of the `read` roles.
fn add_clients(realm: &mut RealmData) -> Vec<String> {
    let count = BENCH_CLIENTS.saturating_sub(realm.clients.len());
    let mut reads = Vec::with_capacity(count);
    for k in 0..count {
        let client_id = format!("app-{k:03}");
        let mut client = base_client(&realm.name, &client_id, &format!("App {k}"));
        set(
            &mut client,
            "redirectUris",
            json!([format!("https://app-{k}.example.com/*")]),
        );
        let container = str_of(&client, "id").to_string();
        realm.clients.push(client);
        for role in ["read", "write"] {
            let id = uuid(&realm.name, &format!("bench-client-role-{role}"), k as u64);
            if role == "read" {
                reads.push(id.clone());
            }
            realm.client_roles.push(json!({
                "id": id, "name": role, "description": format!("{role} on {client_id}"),
                "composite": false, "clientRole": true, "containerId": container,
                "attributes": {},
            }));
        }
    }
    reads
}

/// 1% of users online on one synthetic client (and login-app), 0.1% offline.
fn add_sessions(realm: &mut RealmData) {
    let apps = BENCH_CLIENTS.saturating_sub(11).max(1);
    for (i, user) in realm.users.iter().enumerate() {
        for (every, kind, list) in [
            (100, "bench-session", &mut realm.user_sessions),
            (1000, "bench-offline", &mut realm.offline_sessions),
        ] {
            if !i.is_multiple_of(every) {
                continue;
            }
            let k = i / every;
            let app = format!("app-{:03}", k % apps);
            let mut clients = serde_json::Map::new();
            clients.insert(client_uuid(&realm.name, &app), json!(app));
            clients.insert(client_uuid(&realm.name, "login-app"), json!("login-app"));
            let start = SAMPLE_EPOCH_MS - 7_200_000 - k as u64 * 1_000;
            list.push(json!({
                "id": uuid(&realm.name, kind, k as u64), "username": user["username"],
                "userId": user["id"], "ipAddress": format!("10.{}.{}.{}", k / 65_536 % 256, k / 256 % 256, k % 256),
                "start": start, "lastAccess": start + 60_000, "rememberMe": false,
                "clients": clients, "transientUser": false,
            }));
        }
    }
}

/// `count` user events and `count / 10` admin events, spread over the 30 days before the
/// sample's events, oldest first, then the sample's own (which are later).
fn add_events(realm: &mut RealmData, user_ids: &[String], count: usize) {
    const SPAN_MS: u64 = 30 * 86_400_000;
    let start = SAMPLE_EPOCH_MS - 3 * 86_400_000 - SPAN_MS;
    let step = |n: usize| (SPAN_MS / n.max(1) as u64).max(1);
    let types = ["LOGIN", "CODE_TO_TOKEN", "REFRESH_TOKEN", "LOGOUT"];
    let mut events = Vec::with_capacity(count + realm.events.len());
    for k in 0..count {
        let user = user_ids.get((k * 11) % user_ids.len().max(1));
        events.push(json!({
            "id": uuid(&realm.name, "bench-event", k as u64),
            "time": start + k as u64 * step(count), "type": types[k % types.len()],
            "realmId": realm.id, "clientId": "login-app",
            "userId": user, "ipAddress": format!("198.51.{}.{}", k / 250 % 250, k % 250 + 1),
            "details": {"auth_method": "openid-connect", "redirect_uri": "https://login.example.com/callback"},
        }));
    }
    events.append(&mut realm.events);
    realm.events = events;
    let admin = count / 10;
    let mut admin_events = Vec::with_capacity(admin + realm.admin_events.len());
    for k in 0..admin {
        let user = user_ids.get((k * 17) % user_ids.len().max(1));
        admin_events.push(json!({
            "id": uuid(&realm.name, "bench-admin-event", k as u64),
            "time": start + k as u64 * step(admin), "realmId": realm.id,
            "authDetails": {"realmId": realm.id, "clientId": client_uuid(&realm.name, "admin-cli"),
                            "userId": user_ids.first(), "ipAddress": "192.0.2.10"},
            "operationType": "UPDATE", "resourceType": "USER",
            "resourcePath": format!("users/{}", user.map_or("unknown", String::as_str)),
            "details": {},
        }));
    }
    admin_events.append(&mut realm.admin_events);
    realm.admin_events = admin_events;
}
