//! The Admin REST API under `/admin/realms`: bearer, realm and role checks (in
//! Keycloak's order: 401, then 404, then 403), the realm list, and routing to one file
//! per family: `realm.rs` (representation, clients, client scopes, components),
//! `users.rs`, `groups.rs`, `roles.rs` (realm and client roles, composites, role users,
//! group role mappings), `identity.rs` (identity providers, federated identities,
//! organizations) and `activity.rs` (sessions, events).

use super::activity::{self, Sessions};
use super::context::{Ctx, forbidden, method_not_allowed, not_found, unauthorized};
use super::{groups, identity, realm, roles, security, users};
use crate::model::clients::ServiceClient;
use crate::model::realm::RealmData;
use crate::model::tokens::IssuedToken;
use crate::wire::http::Response;
use serde_json::Value;

const VIEW_USERS: &str = "view-users";
const VIEW_REALM: &str = "view-realm";
const VIEW_CLIENTS: &str = "view-clients";
const VIEW_EVENTS: &str = "view-events";
const VIEW_IDPS: &str = "view-identity-providers";
const VIEW_ORGS: &str = "view-organizations";
const MANAGE_ORGS: &str = "manage-organizations";
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
    UserRoleMappings(&'a str),
    ServiceAccountUser(&'a str),
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
    Credentials(&'a str),
    Consents(&'a str),
    BruteForce(&'a str),
    RequiredActions,
    Flows,
    Executions(&'a str),
    Keys,
    IdpMappers(&'a str),
    Invitations(&'a str),
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
        ["users", id, "role-mappings"] => Route::UserRoleMappings(id),
        ["clients", id, "service-account-user"] => Route::ServiceAccountUser(id),
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
        ["users", id, "credentials"] => Route::Credentials(id),
        ["users", id, "consents"] => Route::Consents(id),
        ["attack-detection", "brute-force", "users", id] => Route::BruteForce(id),
        ["authentication", "required-actions"] => Route::RequiredActions,
        ["authentication", "flows"] => Route::Flows,
        ["authentication", "flows", alias, "executions"] => Route::Executions(alias),
        ["keys"] => Route::Keys,
        ["identity-provider", "instances", alias, "mappers"] => Route::IdpMappers(alias),
        // Keycloak 26.5+
        ["organizations", id, "invitations"] if organizations_api => Route::Invitations(id),
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
        | Route::GroupRoleMappings(_)
        | Route::UserRoleMappings(_) => Need::Any(&[VIEW_USERS]),
        Route::ServiceAccountUser(_) => Need::Any(&[VIEW_CLIENTS]),
        // Observed on Keycloak 26.7.3: sessions need view-clients, identity providers
        // view-identity-providers, organizations view-organizations (members also
        // view-users).
        Route::ClientSessions(..) => Need::Any(&[VIEW_CLIENTS]),
        Route::Credentials(_) | Route::Consents(_) | Route::BruteForce(_) => {
            Need::Any(&[VIEW_USERS])
        }
        Route::RequiredActions | Route::Flows | Route::Executions(_) | Route::Keys => {
            Need::Any(&[VIEW_REALM])
        }
        Route::IdpMappers(_) => Need::Any(&[VIEW_IDPS]),
        // Keycloak 26.7.3: listing invitations needs the write role manage-organizations
        Route::Invitations(_) => Need::All(&[VIEW_ORGS, MANAGE_ORGS]),
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
        Route::Realm => Ok(realm::representation(realm)),
        Route::Users => users::list(ctx, realm),
        Route::UsersCount => Ok(users::count(realm)),
        Route::User(id) => users::one(ctx, realm, id),
        Route::FederatedIdentity(id) => identity::federated_identity(realm, id),
        Route::Groups => groups::list(ctx, realm),
        Route::GroupsCount => Ok(groups::count(ctx, realm)),
        Route::Group(id) => groups::one(ctx, realm, id),
        Route::Children(id) => groups::children(ctx, realm, id),
        Route::Members(id) => groups::members(ctx, realm, id),
        Route::GroupRoleMappings(id) => roles::group_role_mappings(ctx, realm, id),
        Route::UserRoleMappings(id) => roles::user_role_mappings(ctx, realm, id),
        Route::ServiceAccountUser(id) => roles::service_account_user(realm, id),
        Route::Roles => roles::realm_roles(ctx, realm),
        Route::RoleUsers(name) => roles::realm_role_users(ctx, realm, name),
        Route::RoleComposites(id) => roles::composites(ctx, realm, id),
        Route::SessionStats => Ok(activity::session_stats(realm)),
        Route::Clients => realm::clients(ctx, realm),
        Route::ClientRoles(id) => roles::client_roles(ctx, realm, id),
        Route::ClientRoleUsers(id, name) => roles::client_role_users(ctx, realm, id, name),
        Route::ClientSessions(id, kind) => activity::client_sessions(ctx, realm, id, kind),
        Route::ClientScopes => Ok(realm::client_scopes(realm)),
        Route::IdentityProviders => identity::identity_providers(ctx, realm),
        Route::Organizations => identity::organizations(ctx, realm),
        Route::OrganizationMembers(id) => identity::organization_members(ctx, realm, id),
        Route::Events => activity::events(ctx, realm),
        Route::AdminEvents => activity::admin_events(ctx, realm),
        Route::EventsConfig => Ok(activity::events_config(realm)),
        Route::Components => Ok(realm::components(ctx, realm)),
        Route::Credentials(id) => security::credentials(realm, id),
        Route::Consents(id) => security::consents(realm, id),
        Route::BruteForce(id) => security::brute_force(realm, id),
        Route::RequiredActions => Ok(security::required_actions(realm)),
        Route::Flows => Ok(security::flows(realm)),
        Route::Executions(alias) => security::executions(realm, alias),
        Route::Keys => Ok(security::keys(realm)),
        Route::IdpMappers(alias) => security::idp_mappers(realm, alias),
        Route::Invitations(id) => security::invitations(ctx, realm, id),
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
