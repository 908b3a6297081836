//! Lookup tables over one realm's data, so that a request costs about its page, not the
//! realm: users by id, the group tree, members per group, direct users per role, linked
//! users per identity provider, role mappings per group and per user, and whether the event lists are
//! in time order. Built on first use and kept in the `World` until the
//! data changes (every write to the world clears them).

use crate::locks::lock;
use crate::model::json::str_of;
use crate::model::realm::RealmData;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub(crate) struct RealmIndex {
    /// User id → position in `users`.
    pub user_pos: HashMap<String, usize>,
    /// Group id → position in `groups`.
    pub group_pos: HashMap<String, usize>,
    /// Parent group id ("" for the top level) → child positions, in list order.
    pub children: HashMap<String, Vec<usize>>,
    /// Group id → positions of its direct members in `users`, ascending.
    pub members: HashMap<String, Vec<usize>>,
    /// Role id → positions of the users holding it directly, ascending.
    pub role_users: HashMap<String, Vec<usize>>,
    /// Identity provider alias → positions of the linked users, ascending.
    pub linked: HashMap<String, Vec<usize>>,
    /// User id → ids of the roles mapped to it directly, in mapping order.
    pub user_roles: HashMap<String, Vec<String>>,
    /// Group id → ids of the roles mapped to it, in mapping order.
    pub group_roles: HashMap<String, Vec<String>>,
    /// Role id → the role (realm roles, then client roles).
    pub roles: HashMap<String, (bool, usize)>,
    /// Organization id → (position in `users`, membershipType) of its members, ascending.
    pub org_members: HashMap<String, Vec<(usize, String)>>,
    pub events_sorted: bool,
    pub admin_events_sorted: bool,
}

fn sorted_by_time(list: &[Value]) -> bool {
    let time = |e: &Value| e.get("time").and_then(Value::as_i64).unwrap_or(0);
    list.windows(2).all(|w| time(&w[0]) <= time(&w[1]))
}

impl RealmIndex {
    pub(crate) fn build(realm: &RealmData) -> Self {
        let mut ix = RealmIndex {
            events_sorted: sorted_by_time(&realm.events),
            admin_events_sorted: sorted_by_time(&realm.admin_events),
            ..RealmIndex::default()
        };
        for (i, u) in realm.users.iter().enumerate() {
            ix.user_pos.entry(str_of(u, "id").to_string()).or_insert(i);
        }
        for (i, g) in realm.groups.iter().enumerate() {
            ix.group_pos.insert(str_of(g, "id").to_string(), i);
            let parent = str_of(g, "parentId").to_string();
            ix.children.entry(parent).or_default().push(i);
        }
        let by_user = |pairs: &mut dyn Iterator<Item = (&str, &str)>| {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (key, user) in pairs {
                if let Some(&pos) = ix.user_pos.get(user) {
                    map.entry(key.to_string()).or_default().push(pos);
                }
            }
            for list in map.values_mut() {
                list.sort_unstable();
                list.dedup();
            }
            map
        };
        let members = by_user(&mut realm.members.iter().map(|(g, u)| (g.as_str(), u.as_str())));
        let role_users = by_user(
            &mut realm
                .user_role_mappings
                .iter()
                .map(|(u, r)| (r.as_str(), u.as_str())),
        );
        let linked = by_user(
            &mut realm
                .federated_identities
                .iter()
                .map(|(u, link)| (str_of(link, "identityProvider"), u.as_str())),
        );
        ix.members = members;
        ix.role_users = role_users;
        ix.linked = linked;
        // By user, as a map would: the last membership of a user in an organization counts.
        let mut orgs: HashMap<&str, HashMap<usize, &str>> = HashMap::new();
        for (org, user, kind) in &realm.organization_members {
            if let Some(&pos) = ix.user_pos.get(user.as_str()) {
                orgs.entry(org).or_default().insert(pos, kind);
            }
        }
        for (org, by_user) in orgs {
            let mut list: Vec<(usize, String)> = by_user
                .into_iter()
                .map(|(pos, kind)| (pos, kind.to_string()))
                .collect();
            list.sort_unstable_by_key(|(pos, _)| *pos);
            ix.org_members.insert(org.to_string(), list);
        }
        for (u, r) in &realm.user_role_mappings {
            ix.user_roles.entry(u.clone()).or_default().push(r.clone());
        }
        for (g, r) in &realm.group_role_mappings {
            ix.group_roles.entry(g.clone()).or_default().push(r.clone());
        }
        for (i, r) in realm.roles.iter().enumerate() {
            ix.roles
                .entry(str_of(r, "id").to_string())
                .or_insert((false, i));
        }
        for (i, r) in realm.client_roles.iter().enumerate() {
            ix.roles
                .entry(str_of(r, "id").to_string())
                .or_insert((true, i));
        }
        ix
    }

    /// The role with id `id`, realm or client role.
    pub(crate) fn role<'r>(&self, realm: &'r RealmData, id: &str) -> Option<&'r Value> {
        match self.roles.get(id)? {
            (false, i) => realm.roles.get(*i),
            (true, i) => realm.client_roles.get(*i),
        }
    }
}

/// The indexes of every realm, by name; emptied whenever the data changes.
#[derive(Debug, Default)]
pub(crate) struct IndexCache(Mutex<HashMap<String, Arc<RealmIndex>>>);

impl IndexCache {
    pub(crate) fn get(&self, realm: &RealmData) -> Arc<RealmIndex> {
        let mut map = lock(&self.0);
        Arc::clone(
            map.entry(realm.name.clone())
                .or_insert_with(|| Arc::new(RealmIndex::build(realm))),
        )
    }

    pub(crate) fn clear(&self) {
        lock(&self.0).clear();
    }
}
