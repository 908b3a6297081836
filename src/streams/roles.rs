//! Roles and their assignments, as child streams: client roles (per client), composite
//! roles' direct children (per composite role), and direct user role mappings. Those are
//! read per role (`/roles/{name}/users`, `/clients/{id}/roles/{name}/users`), so
//! requests grow with roles, not with users, except in a realm with organizations
//! enabled: there Keycloak checks every user *before* the offset of a role-holder page
//! for organization membership, so the pages of a role held by many users cost more
//! the deeper they are (99.6 s for the page at 9,900 of 10,000 on Keycloak 26.7.3,
//! BENCHMARKS.md), and the same assignments are read per account instead
//! (`/users/{id}/role-mappings`, ~2.5 ms each there).

use serde_json::{Value, json};

use super::children::{self, Answer, Children};
use super::groups::mapped_roles;
use super::parents::{Parents, with_role};
use super::status::{Of, OnStatus, Then};
use super::{Ctx, Emit, End, orgs, segs, text};
use crate::error::Result;

/// Every client's roles, with `client_id` (the client's internal id) and `clientId`.
pub static CLIENT_ROLES: Children = Children {
    parents: Parents::Clients,
    path: |client| segs(&["clients", text(client, "id"), "roles"]),
    query: &[("briefRepresentation", "false")],
    answer: Answer::Paged,
    record: |client, mut role| {
        if let Some(obj) = role.as_object_mut() {
            obj.insert("client_id".into(), client["id"].clone());
            obj.insert("clientId".into(), client["clientId"].clone());
        }
        role
    },
    status: &[],
};

/// One record per (composite role, direct child role), realm and client composites.
pub static COMPOSITES: Children = Children {
    parents: Parents::CompositeRoles,
    path: |role| segs(&["roles-by-id", text(role, "id"), "composites"]),
    query: &[],
    answer: Answer::Paged,
    record: |parent, child| {
        json!({
            "role_id": parent.get("id"),
            "role_name": parent.get("name"),
            "role_client_role": parent.get("clientRole"),
            "role_container_id": parent.get("containerId"),
            "child_role_id": child.get("id"),
            "child_role_name": child.get("name"),
            "child_client_role": child.get("clientRole"),
            "child_container_id": child.get("containerId"),
        })
    },
    status: &[],
};

/// One record per (user, role) for roles assigned to users directly.
pub static USER_MAPPINGS: Children = Children {
    parents: Parents::Roles,
    path: holders_path,
    query: &[("briefRepresentation", "true")],
    answer: Answer::Paged,
    record: |owned, user| {
        let user = json!({"user_id": user.get("id"), "username": user.get("username")});
        with_role(owned, user)
    },
    status: &[],
};

/// The same records, read per account: every service-account user and every user, with
/// the direct assignments `/users/{id}/role-mappings` lists.
pub static USER_MAPPINGS_PER_ACCOUNT: Children = Children {
    parents: Parents::Accounts,
    path: |user| segs(&["users", text(user, "id"), "role-mappings"]),
    query: &[],
    answer: Answer::Pick(mapped_roles),
    record: |user, row| {
        let user = json!({"user_id": user.get("id"), "username": user.get("username")});
        with_role(&row, user)
    },
    // A user deleted between its listing and its request holds nothing.
    status: &[OnStatus {
        status: 404,
        of: Of::Children,
        then: Then::SkipParent,
    }],
};

/// `user_role_mappings`: per role, or per account where organizations are enabled.
pub fn read_user_mappings(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let spec = if orgs::enabled(ctx)? {
        &USER_MAPPINGS_PER_ACCOUNT
    } else {
        &USER_MAPPINGS
    };
    children::read(ctx, spec, emit)
}

/// The users holding a realm role or a client role.
fn holders_path(owned: &Value) -> Vec<String> {
    let name = text(&owned["role"], "name");
    match owned.get("client").filter(|c| !c.is_null()) {
        None => segs(&["roles", name, "users"]),
        Some(client) => segs(&["clients", text(client, "id"), "roles", name, "users"]),
    }
}
