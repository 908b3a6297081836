//! The Admin REST API under `/admin/realms`: bearer, realm and role checks (in
//! Keycloak's order: 401, then 404, then 403), routing, and the realm, users,
//! realm roles and clients endpoints. The others live in `groups.rs`,
//! `roles.rs` (client roles, composites, role users, group role mappings),
//! `identity.rs` (identity providers, federated identities, organizations)
//! and `activity.rs` (sessions, events).

use crate::activity::{self, Sessions};
use crate::api::{self, Ctx, forbidden, method_not_allowed, not_found, unauthorized};
use crate::auth::IssuedToken;
use crate::config::ServiceClient;
use crate::http::Response;
use crate::realm::RealmData;
use crate::{groups, identity, roles};
use serde_json::{Value, json};

const VIEW_USERS: &str = "view-users";
const VIEW_REALM: &str = "view-realm";
const VIEW_CLIENTS: &str = "view-clients";
const VIEW_EVENTS: &str = "view-events";
const VIEW_IDPS: &str = "view-identity-providers";
const VIEW_ORGS: &str = "view-organizations";
const ANY_VIEW: &[&str] = &[
    VIEW_USERS,
    VIEW_REALM,
    VIEW_CLIENTS,
    VIEW_EVENTS,
    VIEW_IDPS,
    VIEW_ORGS,
];

/// The admin resources this fake knows, below `/admin/realms/{realm}`.
enum Route<'a> {
    Realm,
    Users,
    UsersCount,
    User(&'a str),
    FederatedIdentity(&'a str),
    Groups,
    GroupsCount,
    Group(&'a str),
    Children(&'a str),
    Members(&'a str),
    GroupRoleMappings(&'a str),
    Roles,
    RoleUsers(&'a str),
    RoleComposites(&'a str),
    SessionStats,
    Clients,
    ClientRoles(&'a str),
    ClientRoleUsers(&'a str, &'a str),
    ClientSessions(&'a str, Sessions),
    ClientScopes,
    IdentityProviders,
    Organizations,
    OrganizationMembers(&'a str),
    Events,
    AdminEvents,
    EventsConfig,
    Components,
}

fn parse_route<'a>(segs: &[&'a str], organizations_api: bool) -> Option<Route<'a>> {
    Some(match *segs {
        [] => Route::Realm,
        ["users"] => Route::Users,
        ["users", "count"] => Route::UsersCount,
        ["users", id] => Route::User(id),
        ["users", id, "federated-identity"] => Route::FederatedIdentity(id),
        ["groups"] => Route::Groups,
        ["groups", "count"] => Route::GroupsCount,
        ["groups", id] => Route::Group(id),
        ["groups", id, "children"] => Route::Children(id),
        ["groups", id, "members"] => Route::Members(id),
        ["groups", id, "role-mappings"] => Route::GroupRoleMappings(id),
        ["roles"] => Route::Roles,
        ["roles", name, "users"] => Route::RoleUsers(name),
        ["roles-by-id", id, "composites"] => Route::RoleComposites(id),
        ["client-session-stats"] => Route::SessionStats,
        ["clients"] => Route::Clients,
        ["clients", id, "roles"] => Route::ClientRoles(id),
        ["clients", id, "roles", name, "users"] => Route::ClientRoleUsers(id, name),
        ["clients", id, "user-sessions"] => Route::ClientSessions(id, Sessions::Online),
        ["clients", id, "offline-sessions"] => Route::ClientSessions(id, Sessions::Offline),
        ["client-scopes"] => Route::ClientScopes,
        ["identity-provider", "instances"] => Route::IdentityProviders,
        ["organizations"] if organizations_api => Route::Organizations,
        ["organizations", id, "members"] if organizations_api => Route::OrganizationMembers(id),
        ["events"] => Route::Events,
        ["admin-events"] => Route::AdminEvents,
        ["events", "config"] => Route::EventsConfig,
        ["components"] => Route::Components,
        _ => return None,
    })
}

/// The realm-management roles a route needs.
enum Need {
    /// Any one of these.
    Any(&'static [&'static str]),
    /// Every one of these.
    All(&'static [&'static str]),
}

fn required_roles(route: &Route) -> Need {
    match route {
        Route::Realm => Need::Any(ANY_VIEW),
        Route::Users
        | Route::UsersCount
        | Route::User(_)
        | Route::FederatedIdentity(_)
        | Route::Groups
        | Route::GroupsCount
        | Route::Group(_)
        | Route::Children(_)
        | Route::Members(_)
        | Route::GroupRoleMappings(_) => Need::Any(&[VIEW_USERS]),
        // Observed on Keycloak 26.7.3: sessions need view-clients, identity providers
        // view-identity-providers, organizations view-organizations (members also
        // view-users).
        Route::ClientSessions(..) => Need::Any(&[VIEW_CLIENTS]),
        Route::IdentityProviders => Need::Any(&[VIEW_IDPS]),
        Route::Organizations => Need::Any(&[VIEW_ORGS]),
        Route::OrganizationMembers(_) => Need::All(&[VIEW_ORGS, VIEW_USERS]),
        Route::Roles | Route::SessionStats | Route::Components => Need::Any(&[VIEW_REALM]),
        Route::RoleComposites(_) => Need::Any(&[VIEW_REALM, VIEW_CLIENTS]),
        Route::RoleUsers(_) => Need::All(&[VIEW_USERS, VIEW_REALM]),
        Route::ClientRoleUsers(..) => Need::All(&[VIEW_USERS, VIEW_CLIENTS]),
        Route::Clients | Route::ClientRoles(_) | Route::ClientScopes => Need::Any(&[VIEW_CLIENTS]),
        Route::Events | Route::AdminEvents | Route::EventsConfig => Need::Any(&[VIEW_EVENTS]),
    }
}

fn has_any_role(client: &ServiceClient, roles: &[&str]) -> bool {
    client.roles.iter().any(|r| roles.contains(&r.as_str()))
}

fn satisfies(client: &ServiceClient, need: &Need) -> bool {
    match need {
        Need::Any(roles) => has_any_role(client, roles),
        Need::All(roles) => roles.iter().all(|r| client.roles.iter().any(|c| c == r)),
    }
}

fn may_read_realm(token: &IssuedToken, client: &ServiceClient, realm: &str) -> bool {
    token.realm == realm || client.extra_realms.iter().any(|r| r == realm)
}

/// `/admin/realms/{realm}/...`
pub(crate) fn handle(
    ctx: &Ctx,
    token: Option<&IssuedToken>,
    realm_name: &str,
    rest: &[&str],
) -> Response {
    let Some(token) = token else {
        return unauthorized();
    };
    let Some(realm) = ctx.world.realm(realm_name) else {
        return Response::error(404, "Realm not found.");
    };
    let Some(client) = ctx.world.client(&token.realm, &token.client_id) else {
        return forbidden();
    };
    if !may_read_realm(token, client, realm_name) {
        return forbidden();
    }
    let Some(route) = parse_route(rest, !ctx.world.no_organizations_api) else {
        return not_found();
    };
    if ctx.req.method != "GET" {
        return method_not_allowed();
    }
    if !satisfies(client, &required_roles(&route)) {
        return forbidden();
    }
    serve(ctx, realm, route).unwrap_or_else(|e| e)
}

fn serve(ctx: &Ctx, realm: &RealmData, route: Route) -> Result<Response, Response> {
    match route {
        Route::Realm => Ok(Response::json(200, &realm.representation)),
        Route::Users => users(ctx, realm),
        Route::UsersCount => Ok(Response::json(200, &json!(realm.users.len()))),
        Route::User(id) => user(ctx, realm, id),
        Route::FederatedIdentity(id) => identity::federated_identity(realm, id),
        Route::Groups => groups::list(ctx, realm),
        Route::GroupsCount => Ok(groups::count(ctx, realm)),
        Route::Group(id) => groups::one(ctx, realm, id),
        Route::Children(id) => groups::children(ctx, realm, id),
        Route::Members(id) => groups::members(ctx, realm, id),
        Route::GroupRoleMappings(id) => roles::group_role_mappings(ctx, realm, id),
        Route::Roles => realm_roles(ctx, realm),
        Route::RoleUsers(name) => roles::realm_role_users(ctx, realm, name),
        Route::RoleComposites(id) => roles::composites(ctx, realm, id),
        Route::SessionStats => Ok(activity::session_stats(realm)),
        Route::Clients => clients(ctx, realm),
        Route::ClientRoles(id) => roles::client_roles(ctx, realm, id),
        Route::ClientRoleUsers(id, name) => roles::client_role_users(ctx, realm, id, name),
        Route::ClientSessions(id, kind) => activity::client_sessions(ctx, realm, id, kind),
        Route::ClientScopes => Ok(Response::json(
            200,
            &Value::Array(realm.client_scopes.clone()),
        )),
        Route::IdentityProviders => identity::identity_providers(ctx, realm),
        Route::Organizations => identity::organizations(ctx, realm),
        Route::OrganizationMembers(id) => identity::organization_members(ctx, realm, id),
        Route::Events => activity::events(ctx, realm),
        Route::AdminEvents => activity::admin_events(ctx, realm),
        Route::EventsConfig => Ok(activity::events_config(realm)),
        Route::Components => {
            let wanted = ctx.req.param("type");
            let list: Vec<Value> = realm
                .components
                .iter()
                .filter(|c| wanted.is_none_or(|t| c.get("providerType") == Some(&json!(t))))
                .cloned()
                .collect();
            Ok(Response::json(200, &Value::Array(list)))
        }
    }
}

/// `GET /admin/realms`: the realms this token may read, if it has any role.
pub(crate) fn realm_list(ctx: &Ctx, token: Option<&IssuedToken>) -> Response {
    let Some(token) = token else {
        return unauthorized();
    };
    if ctx.req.method != "GET" {
        return method_not_allowed();
    }
    let Some(client) = ctx.world.client(&token.realm, &token.client_id) else {
        return forbidden();
    };
    let reps: Vec<Value> = ctx
        .world
        .realms
        .iter()
        .filter(|r| has_any_role(client, ANY_VIEW) && may_read_realm(token, client, &r.name))
        .map(|r| r.representation.clone())
        .collect();
    Response::json(200, &Value::Array(reps))
}

/// A user as returned: the full representation, minus attributes when brief.
pub(crate) fn user_rep(user: &Value, brief: bool) -> Value {
    let mut rep = user.clone();
    if let Some(map) = rep.as_object_mut().filter(|_| brief) {
        map.remove("attributes");
    }
    rep
}

/// `GET /users`; `idpAlias` keeps users linked to that provider (unless the
/// server predates the parameter).
fn users(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = api::page(ctx, Some(100))?;
    let brief = api::flag(ctx.req, "briefRepresentation", false);
    let alias = ctx
        .req
        .param("idpAlias")
        .filter(|_| !ctx.world.legacy_idp_alias_filter);
    let skip = brief.then_some("attributes");
    match alias {
        None => {
            let users = &realm.users[page.range(realm.users.len())];
            Ok(Response::json_list(users, skip))
        }
        Some(alias) => {
            let index = ctx.world.index(realm);
            let linked = index.linked.get(alias).map_or(&[][..], Vec::as_slice);
            let users = linked[page.range(linked.len())]
                .iter()
                .map(|&i| &realm.users[i]);
            Ok(Response::json_list(users, skip))
        }
    }
}

fn user(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    let brief = api::flag(ctx.req, "briefRepresentation", false);
    let index = ctx.world.index(realm);
    index
        .user_pos
        .get(id)
        .and_then(|&i| realm.users.get(i))
        .map(|u| Response::json(200, &user_rep(u, brief)))
        .ok_or_else(|| Response::error(404, "User not found"))
}

/// `GET /roles`: realm roles, brief by default, no default max.
fn realm_roles(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = api::page(ctx, None)?;
    let brief = api::flag(ctx.req, "briefRepresentation", true);
    let items = realm.roles[page.range(realm.roles.len())]
        .iter()
        .map(|r| roles::role_rep(r, brief))
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `clientId` filters exactly, or by substring with `search=true`.
fn clients(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = api::page(ctx, None)?;
    let wanted = ctx.req.param("clientId");
    let search = api::flag(ctx.req, "search", false);
    let matching: Vec<&Value> = realm
        .clients
        .iter()
        .filter(|c| {
            let id = c["clientId"].as_str().unwrap_or("");
            match wanted {
                None => true,
                Some(w) if search => id.contains(w),
                Some(w) => id == w,
            }
        })
        .collect();
    let items = matching[page.range(matching.len())]
        .iter()
        .map(|c| (*c).clone())
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}
