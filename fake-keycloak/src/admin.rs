//! The Admin REST API under `/admin/realms`: bearer, realm and role checks (in
//! Keycloak's order: 401, then 404, then 403), routing, and the users, roles,
//! clients, client-scopes, events and realm endpoints (groups: `groups.rs`).

use crate::api::{self, Ctx, forbidden, method_not_allowed, not_found, unauthorized};
use crate::auth::IssuedToken;
use crate::config::ServiceClient;
use crate::groups;
use crate::http::Response;
use crate::ids::uuid;
use crate::realm::RealmData;
use serde_json::{Value, json};

const VIEW_USERS: &str = "view-users";
const VIEW_REALM: &str = "view-realm";
const VIEW_CLIENTS: &str = "view-clients";
const VIEW_EVENTS: &str = "view-events";
const ANY_VIEW: &[&str] = &[VIEW_USERS, VIEW_REALM, VIEW_CLIENTS, VIEW_EVENTS];

/// The admin resources this fake knows, below `/admin/realms/{realm}`.
enum Route<'a> {
    Realm,
    Users,
    UsersCount,
    User(&'a str),
    Groups,
    GroupsCount,
    Group(&'a str),
    Children(&'a str),
    Members(&'a str),
    Roles,
    SessionStats,
    Clients,
    ClientScopes,
    Events,
    AdminEvents,
    EventsConfig,
}

fn parse_route<'a>(segs: &[&'a str]) -> Option<Route<'a>> {
    Some(match *segs {
        [] => Route::Realm,
        ["users"] => Route::Users,
        ["users", "count"] => Route::UsersCount,
        ["users", id] => Route::User(id),
        ["groups"] => Route::Groups,
        ["groups", "count"] => Route::GroupsCount,
        ["groups", id] => Route::Group(id),
        ["groups", id, "children"] => Route::Children(id),
        ["groups", id, "members"] => Route::Members(id),
        ["roles"] => Route::Roles,
        ["client-session-stats"] => Route::SessionStats,
        ["clients"] => Route::Clients,
        ["client-scopes"] => Route::ClientScopes,
        ["events"] => Route::Events,
        ["admin-events"] => Route::AdminEvents,
        ["events", "config"] => Route::EventsConfig,
        _ => return None,
    })
}

/// Any one of these realm-management roles grants the route.
fn required_roles(route: &Route) -> &'static [&'static str] {
    match route {
        Route::Realm => ANY_VIEW,
        Route::Users
        | Route::UsersCount
        | Route::User(_)
        | Route::Groups
        | Route::GroupsCount
        | Route::Group(_)
        | Route::Children(_)
        | Route::Members(_) => &[VIEW_USERS],
        Route::Roles | Route::SessionStats => &[VIEW_REALM],
        Route::Clients | Route::ClientScopes => &[VIEW_CLIENTS],
        Route::Events | Route::AdminEvents | Route::EventsConfig => &[VIEW_EVENTS],
    }
}

fn has_any_role(client: &ServiceClient, roles: &[&str]) -> bool {
    client.roles.iter().any(|r| roles.contains(&r.as_str()))
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
    let Some(route) = parse_route(rest) else {
        return not_found();
    };
    if ctx.req.method != "GET" {
        return method_not_allowed();
    }
    if !has_any_role(client, required_roles(&route)) {
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
        Route::Groups => groups::list(ctx, realm),
        Route::GroupsCount => Ok(groups::count(ctx, realm)),
        Route::Group(id) => groups::one(ctx, realm, id),
        Route::Children(id) => groups::children(ctx, realm, id),
        Route::Members(id) => groups::members(ctx, realm, id),
        Route::Roles => roles(ctx, realm),
        Route::SessionStats => Ok(Response::json(200, &json!([]))),
        Route::Clients => clients(ctx, realm),
        Route::ClientScopes => Ok(client_scopes(realm)),
        Route::Events | Route::AdminEvents => {
            api::page(ctx, Some(100))?;
            Ok(Response::json(200, &json!([])))
        }
        Route::EventsConfig => Ok(events_config(realm)),
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

fn users(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = api::page(ctx, Some(100))?;
    let brief = api::flag(ctx.req, "briefRepresentation", false);
    let items = realm.users[page.range(realm.users.len())]
        .iter()
        .map(|u| user_rep(u, brief))
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

fn user(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    let brief = api::flag(ctx.req, "briefRepresentation", false);
    realm
        .users
        .iter()
        .find(|u| u["id"].as_str() == Some(id))
        .map(|u| Response::json(200, &user_rep(u, brief)))
        .ok_or_else(|| Response::error(404, "User not found"))
}

fn roles(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = api::page(ctx, None)?;
    let brief = api::flag(ctx.req, "briefRepresentation", true);
    let items = realm.roles[page.range(realm.roles.len())]
        .iter()
        .map(|r| {
            let mut rep = r.clone();
            if let Some(map) = rep.as_object_mut() {
                if brief {
                    map.remove("attributes");
                } else {
                    map.entry("attributes").or_insert_with(|| json!({}));
                }
            }
            rep
        })
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

fn client_scopes(realm: &RealmData) -> Response {
    let names = [
        "acr",
        "address",
        "basic",
        "email",
        "microprofile-jwt",
        "offline_access",
        "organization",
        "phone",
        "profile",
        "role_list",
        "roles",
        "web-origins",
    ];
    let scopes: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "id": uuid(&realm.name, "client-scope", i as u64), "name": name,
                "description": format!("OpenID Connect scope {name}"),
                "protocol": "openid-connect",
                "attributes": {"include.in.token.scope": "true", "display.on.consent.screen": "true"},
            })
        })
        .collect();
    Response::json(200, &Value::Array(scopes))
}

fn events_config(realm: &RealmData) -> Response {
    let rep = &realm.representation;
    let field = |k: &str, default: Value| rep.get(k).cloned().unwrap_or(default);
    Response::json(
        200,
        &json!({
            "eventsEnabled": field("eventsEnabled", json!(false)),
            "eventsListeners": field("eventsListeners", json!(["jboss-logging"])),
            "enabledEventTypes": field("enabledEventTypes", json!([])),
            "adminEventsEnabled": field("adminEventsEnabled", json!(false)),
            "adminEventsDetailsEnabled": field("adminEventsDetailsEnabled", json!(false)),
        }),
    )
}
