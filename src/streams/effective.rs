//! `user_effective_roles`: who holds which role, and through what. One record per
//! (user, role, grant), where the grant says how the user gets the role:
//! - `direct`: assigned to the user;
//! - `group:<member_group_id>:<via_group_id>`: mapped to `via_group_id`, which is the
//!   group the user is a member of or one of its ancestors (inheritance flows from a
//!   parent group to the members of its subgroups);
//! - `composite:<via_role_id>:` + one of the above: contained, at any depth, in the
//!   composite role `via_role_id` that the user got that way.
//!
//! Computed from what the other streams read, without a request per user: roles and
//! their composites, the group tree with each group's role mappings, then the users of
//! each role (direct assignments; per account in a realm with organizations enabled,
//! see `roles.rs`) and the members of each group, streamed. Memory grows
//! with roles and groups (each group's effective assignments, each role's closure), never
//! with users or memberships.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use super::clients::each_client;
use super::fanout::fan_out;
use super::groups::{mapped_roles, walk};
use super::parents::{Parents, each_parent};
use super::{Ctx, Emit, End, each, orgs, segs, text};
use crate::error::Result;

const BRIEF: &[(&str, &str)] = &[("briefRepresentation", "true")];

struct Role {
    name: String,
    /// Owning client's internal id, for client roles.
    client: Option<String>,
    composite: bool,
}

struct Client {
    client_id: String,
    enabled: bool,
}

/// Everything except users: roles, composite closures, clients, groups.
struct Model {
    roles: HashMap<String, Role>,
    clients: HashMap<String, Client>,
    /// Role id → every role it contains, at any depth (not itself).
    closure: HashMap<String, BTreeSet<String>>,
    /// Group id → (group carrying the mapping, role id), its own and its ancestors'.
    group_grants: HashMap<String, Vec<(String, String)>>,
    /// Groups in walk order (parents first).
    groups: Vec<String>,
}

pub fn read(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let model = load(ctx)?;
    let model = &model;
    // Direct assignments, read per role (roles side by side, `fanout`), or per account
    // where organizations are enabled (`roles::read_user_mappings` says why).
    if orgs::enabled(ctx)? {
        direct_per_account(ctx, model, emit)?;
    } else {
        let mut role_ids: Vec<&String> = model.roles.keys().collect();
        role_ids.sort();
        let holders = |ctx: &Ctx, role_id: &String, out: &mut Emit| {
            let role = &model.roles[role_id];
            let segments = match &role.client {
                None => segs(&["roles", &role.name, "users"]),
                Some(client) => segs(&["clients", client, "roles", &role.name, "users"]),
            };
            each(ctx, segments, BRIEF, &mut |user| {
                grant(ctx, model, &user, role_id, "direct", None, out)
            })
        };
        fan_out(
            ctx,
            |submit| role_ids.into_iter().try_for_each(submit),
            holders,
            emit,
        )?;
    }
    // Group grants, for every member of every group (groups side by side).
    let members = |ctx: &Ctx, group_id: &String, out: &mut Emit| {
        let grants = &model.group_grants[group_id];
        let segments = segs(&["groups", group_id, "members"]);
        each(ctx, segments, BRIEF, &mut |user| {
            for (via_group, role_id) in grants {
                let how = format!("group:{group_id}:{via_group}");
                let groups = Some((group_id.as_str(), via_group.as_str()));
                grant(ctx, model, &user, role_id, &how, groups, out)?;
            }
            Ok(())
        })
    };
    let granting = model
        .groups
        .iter()
        .filter(|id| !model.group_grants[*id].is_empty());
    fan_out(
        ctx,
        |submit| granting.into_iter().try_for_each(submit),
        members,
        emit,
    )?;
    Ok(End::Done)
}

/// Direct assignments from `/users/{id}/role-mappings`, accounts side by side; a user
/// deleted since its listing (404) holds nothing.
fn direct_per_account(ctx: &Ctx, model: &Model, emit: &mut Emit) -> Result<()> {
    let direct = |ctx: &Ctx, user: Value, out: &mut Emit| {
        let path = ["users", text(&user, "id"), "role-mappings"];
        let mappings = match ctx.client.get_admin(ctx.realm, &path, &[]) {
            Err(e) if e.status() == Some(404) => return Ok(()),
            other => other?,
        };
        for row in mapped_roles(mappings) {
            grant(
                ctx,
                model,
                &user,
                text(&row["role"], "id"),
                "direct",
                None,
                out,
            )?;
        }
        Ok(())
    };
    let accounts =
        |submit: &mut dyn FnMut(Value) -> Result<()>| each_parent(ctx, Parents::Accounts, submit);
    fan_out(ctx, accounts, direct, emit)
}

/// Emits the record for `role_id` reached by `how`, and one per role its composites
/// contain.
fn grant(
    ctx: &Ctx,
    model: &Model,
    user: &Value,
    role_id: &str,
    how: &str,
    groups: Option<(&str, &str)>,
    emit: &mut Emit,
) -> Result<()> {
    let source = if groups.is_some() { "group" } else { "direct" };
    emit(record(ctx, model, user, role_id, how, source, groups, None))?;
    for inner in model.closure.get(role_id).into_iter().flatten() {
        let how = format!("composite:{role_id}:{how}");
        emit(record(
            ctx,
            model,
            user,
            inner,
            &how,
            "composite",
            groups,
            Some(role_id),
        ))?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn record(
    ctx: &Ctx,
    model: &Model,
    user: &Value,
    role_id: &str,
    how: &str,
    source: &str,
    groups: Option<(&str, &str)>,
    via_role: Option<&str>,
) -> Value {
    let role = model.roles.get(role_id);
    let client = role
        .and_then(|r| r.client.as_ref())
        .and_then(|c| model.clients.get(c).map(|k| (c, k)));
    json!({
        "realm": ctx.realm,
        "user_id": user.get("id"),
        "username": user.get("username"),
        "user_enabled": user.get("enabled"),
        "role_id": role_id,
        "role_name": role.map(|r| r.name.as_str()),
        "client_role": role.is_some_and(|r| r.client.is_some()),
        "client_id": client.map(|(id, _)| id),
        "clientId": client.map(|(_, c)| c.client_id.as_str()),
        "client_enabled": client.map(|(_, c)| c.enabled),
        "grant": how,
        "source": source,
        "member_group_id": groups.map(|(member, _)| member),
        "via_group_id": groups.map(|(_, via)| via),
        "via_role_id": via_role,
        "via_role_name": via_role.and_then(|r| model.roles.get(r)).map(|r| r.name.as_str()),
    })
}

fn load(ctx: &Ctx) -> Result<Model> {
    let mut roles = HashMap::new();
    let mut clients = HashMap::new();
    each(ctx, segs(&["roles"]), BRIEF, &mut |role| {
        roles.insert(text(&role, "id").to_string(), role_of(&role, None));
        Ok(())
    })?;
    // Each client's roles, clients side by side (`fanout`).
    let client_roles =
        |ctx: &Ctx, id: String, out: &mut dyn FnMut((String, Role)) -> Result<()>| {
            each(ctx, segs(&["clients", &id, "roles"]), BRIEF, &mut |role| {
                out((text(&role, "id").to_string(), role_of(&role, Some(&id))))
            })
        };
    let each_client_id = |submit: &mut dyn FnMut(String) -> Result<()>| {
        each_client(ctx, &mut |client| {
            let id = text(client, "id").to_string();
            clients.insert(
                id.clone(),
                Client {
                    client_id: text(client, "clientId").to_string(),
                    enabled: client["enabled"].as_bool().unwrap_or(true),
                },
            );
            submit(id)
        })
    };
    fan_out(ctx, each_client_id, client_roles, &mut |(id, role)| {
        roles.insert(id, role);
        Ok(())
    })?;
    let closure = closures(ctx, &roles)?;
    let (groups, group_grants) = group_grants(ctx)?;
    Ok(Model {
        roles,
        clients,
        closure,
        group_grants,
        groups,
    })
}

fn role_of(role: &Value, client: Option<&str>) -> Role {
    Role {
        name: text(role, "name").to_string(),
        client: client.map(str::to_string),
        composite: role["composite"].as_bool().unwrap_or(false),
    }
}

/// Every composite role's contents at any depth; cycles (which Keycloak allows) end
/// where a role repeats.
fn closures(ctx: &Ctx, roles: &HashMap<String, Role>) -> Result<HashMap<String, BTreeSet<String>>> {
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    // Each composite's direct children, composites side by side (`fanout`).
    let direct = |ctx: &Ctx, id: &String, out: &mut dyn FnMut(Children) -> Result<()>| {
        let mut direct = Vec::new();
        each(
            ctx,
            segs(&["roles-by-id", id, "composites"]),
            &[],
            &mut |child| {
                direct.push(text(&child, "id").to_string());
                Ok(())
            },
        )?;
        out((id.clone(), direct))
    };
    let composites = roles.iter().filter(|(_, r)| r.composite).map(|(id, _)| id);
    fan_out(
        ctx,
        |submit| composites.into_iter().try_for_each(submit),
        direct,
        &mut |(id, direct)| {
            children.insert(id, direct);
            Ok(())
        },
    )?;
    let mut closure = HashMap::new();
    for id in children.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = children[id].iter().collect();
        while let Some(next) = stack.pop() {
            if next != id && seen.insert(next.clone()) {
                stack.extend(children.get(next).into_iter().flatten());
            }
        }
        closure.insert(id.clone(), seen);
    }
    Ok(closure)
}

/// A composite role's id and the ids of its direct children.
type Children = (String, Vec<String>);

type GroupGrants = (Vec<String>, HashMap<String, Vec<(String, String)>>);

/// Each group's grants: its own role mappings and, inherited, its ancestors'.
fn group_grants(ctx: &Ctx) -> Result<GroupGrants> {
    let mut order = Vec::new();
    let mut grants: HashMap<String, Vec<(String, String)>> = HashMap::new();
    // Each group's own mappings, groups side by side (`fanout`); the inherited ones are
    // added in walk order (parents first) as they come back.
    let own = |ctx: &Ctx,
               (id, parent): (String, Option<String>),
               out: &mut dyn FnMut(Own) -> Result<()>| {
        let mappings = ctx
            .client
            .get_admin(ctx.realm, &["groups", &id, "role-mappings"], &[])?;
        let realm_roles = mappings["realmMappings"].as_array().into_iter().flatten();
        let client_roles = mappings["clientMappings"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
            .flat_map(|c| c["mappings"].as_array().into_iter().flatten());
        let roles = realm_roles
            .chain(client_roles)
            .map(|role| text(role, "id").to_string())
            .collect();
        out((id, parent, roles))
    };
    let groups = |submit: &mut dyn FnMut((String, Option<String>)) -> Result<()>| {
        walk(ctx, &mut |group| {
            let id = text(&group, "id").to_string();
            submit((id, group["parentId"].as_str().map(str::to_string)))
        })
    };
    fan_out(ctx, groups, own, &mut |(id, parent, roles)| {
        let mut mine: Vec<(String, String)> = parent
            .and_then(|parent| grants.get(&parent))
            .cloned()
            .unwrap_or_default();
        mine.extend(roles.into_iter().map(|role| (id.clone(), role)));
        order.push(id.clone());
        grants.insert(id, mine);
        Ok(())
    })?;
    Ok((order, grants))
}

/// A group's id, its parent's id and the ids of the roles mapped to it.
type Own = (String, Option<String>, Vec<String>);
