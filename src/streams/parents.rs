//! The parent lists a child stream fans out over, as data (`Parents`): each yields rows
//! in a fixed order on the calling thread, and a child stream's path and record are
//! built from one row. Rows are the server's objects as they came (a role's row also
//! names its client).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::clients::each_client;
use super::lists::list_with;
use super::{Ctx, each, groups, segs, text};
use crate::error::Result;

const BRIEF: &[(&str, &str)] = &[("briefRepresentation", "true")];

/// What a child stream reads its children from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parents {
    /// Every group of the tree, parents first (`groups::walk`).
    Groups,
    /// Every client (full representation; an empty list is the missing role).
    Clients,
    /// Every realm role, then every client's roles: rows `{"role": …, "client": … | null}`.
    Roles,
    /// The composite roles among those, as role rows.
    CompositeRoles,
    /// Every organization (Keycloak 25+).
    Organizations,
    /// Every identity provider.
    IdentityProviders,
    /// Every user (brief representation).
    Users,
    /// Every account that can hold a role: the service-account user of every client
    /// with service accounts on (which `/users` does not list), then every user.
    Accounts,
    /// Every top-level authentication flow (`/authentication/flows`, not paged).
    Flows,
}

/// Calls `submit` with every row of `parents`, in order.
pub(crate) fn each_parent(
    ctx: &Ctx,
    parents: Parents,
    submit: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<()> {
    match parents {
        Parents::Groups => groups::walk(ctx, submit),
        Parents::Clients => each_client(ctx, &mut |client| submit(client.clone())),
        Parents::Roles => each_role(ctx, &mut |role, client| {
            submit(json!({"role": role, "client": client}))
        }),
        Parents::CompositeRoles => each_role(ctx, &mut |role, _| {
            if role.get("composite") == Some(&Value::Bool(true)) {
                submit(role)?;
            }
            Ok(())
        }),
        Parents::Organizations => each(ctx, segs(&["organizations"]), &[], submit),
        Parents::IdentityProviders => each(
            ctx,
            segs(&["identity-provider", "instances"]),
            BRIEF,
            submit,
        ),
        Parents::Users => each(ctx, segs(&["users"]), BRIEF, submit),
        Parents::Accounts => each_account(ctx, submit),
        Parents::Flows => list_with(ctx, &["authentication", "flows"], &[])?
            .into_iter()
            .try_for_each(submit),
    }
}

/// `record` with the role of a `{role, client}` row (`Parents::Roles`, a group's role
/// mappings): `role_id`, `role_name`, `client_role`, and the client's `client_id` (its
/// internal id) and `clientId` (null for a realm role).
pub(crate) fn with_role(row: &Value, mut record: Value) -> Value {
    let role = &row["role"];
    let client = row.get("client").filter(|c| !c.is_null());
    if let Some(obj) = record.as_object_mut() {
        obj.insert("role_id".into(), role.get("id").cloned().into());
        obj.insert("role_name".into(), role.get("name").cloned().into());
        obj.insert("client_role".into(), client.is_some().into());
        obj.insert(
            "client_id".into(),
            client.and_then(|c| c.get("id")).cloned().into(),
        );
        obj.insert(
            "clientId".into(),
            client.and_then(|c| c.get("clientId")).cloned().into(),
        );
    }
    record
}

/// Service-account users first (one request per client that has one: memory grows with
/// clients, not users), then `/users`, less any account already given: `/users` leaves
/// service accounts out, and a server that lists one anyway does not make it twice.
fn each_account(ctx: &Ctx, submit: &mut dyn FnMut(Value) -> Result<()>) -> Result<()> {
    let mut accounts = HashSet::new();
    each_client(ctx, &mut |client| {
        if client.get("serviceAccountsEnabled") != Some(&Value::Bool(true)) {
            return Ok(());
        }
        let path = ["clients", text(client, "id"), "service-account-user"];
        match ctx.client.get_admin(ctx.realm, &path, &[]) {
            // The switch is on but there is no such user (400 "Service account not
            // enabled", 404 a client deleted meanwhile): it holds nothing.
            Err(e) if matches!(e.status(), Some(400 | 404)) => Ok(()),
            Err(e) => Err(e),
            Ok(user) if !user.get("id").is_some_and(Value::is_string) => Ok(()),
            Ok(user) => {
                if accounts.insert(text(&user, "id").to_string()) {
                    submit(user)?;
                }
                Ok(())
            }
        }
    })?;
    each(ctx, segs(&["users"]), BRIEF, &mut |user| {
        if accounts.contains(text(&user, "id")) {
            return Ok(());
        }
        submit(user)
    })
}

/// Every realm role, then every client role client by client, with its client.
fn each_role(ctx: &Ctx, f: &mut dyn FnMut(Value, Option<&Value>) -> Result<()>) -> Result<()> {
    each(ctx, segs(&["roles"]), BRIEF, &mut |role| f(role, None))?;
    each_client(ctx, &mut |client| {
        let segments = segs(&["clients", text(client, "id"), "roles"]);
        each(ctx, segments, BRIEF, &mut |role| f(role, Some(client)))
    })
}
