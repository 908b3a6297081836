//! Activity endpoints: a client's online and offline sessions, the realm's
//! client session stats (counts as strings, as Keycloak sends them), user and
//! admin events (filters, direction, legacy pre-26.2 behaviour) and the
//! events configuration.

use super::context::Ctx;
use super::params::{self, End, params};
use crate::model::json::str_of;
use crate::model::realm::RealmData;
use crate::wire::http::Response;
use serde_json::{Value, json};

/// Which session list a route serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sessions {
    Online,
    Offline,
}

fn on_client(session: &Value, client_uuid: &str) -> bool {
    session
        .get("clients")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key(client_uuid))
}

/// `GET /clients/{id}/user-sessions` and `/offline-sessions`: default max 100.
pub(crate) fn client_sessions(
    ctx: &Ctx,
    realm: &RealmData,
    id: &str,
    kind: Sessions,
) -> Result<Response, Response> {
    if !realm.clients.iter().any(|c| str_of(c, "id") == id) {
        return Err(Response::error(404, "Could not find client"));
    }
    let page = params::page(ctx, Some(100))?;
    let all = match kind {
        Sessions::Online => &realm.user_sessions,
        Sessions::Offline => &realm.offline_sessions,
    };
    let sessions: Vec<&Value> = all.iter().filter(|s| on_client(s, id)).collect();
    let items = sessions[page.range(sessions.len())]
        .iter()
        .map(|s| (*s).clone())
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `GET /client-session-stats`: one entry per client with sessions.
pub(crate) fn session_stats(realm: &RealmData) -> Response {
    let stats: Vec<Value> = realm
        .clients
        .iter()
        .filter_map(|c| {
            let id = str_of(c, "id");
            let active = realm
                .user_sessions
                .iter()
                .filter(|s| on_client(s, id))
                .count();
            let offline = realm
                .offline_sessions
                .iter()
                .filter(|s| on_client(s, id))
                .count();
            (active + offline > 0).then(|| {
                json!({"offline": offline.to_string(), "clientId": c["clientId"],
                       "active": active.to_string(), "id": id})
            })
        })
        .collect();
    Response::json(200, &Value::Array(stats))
}

/// Pages `list` after `keep`, time-ordered: newest first unless `direction=asc`
/// (ignored by legacy servers); legacy servers also hide `id`.
fn serve_events(
    ctx: &Ctx,
    list: &[Value],
    // The list is in time order and only the dates filter it.
    windowed: bool,
    keep: impl Fn(&Value) -> bool,
) -> Result<Response, Response> {
    let legacy = ctx.world.legacy_events;
    let from = params::bound(ctx.req, End::From, legacy)?;
    let to = params::bound(ctx.req, End::To, legacy)?;
    let page = params::page(ctx, Some(100))?;
    let time = |e: &Value| e.get("time").and_then(Value::as_i64).unwrap_or(0);
    let ascending = !legacy && ctx.req.param("direction") == Some("asc");
    let unstable = ctx.world.unstable_event_ties;
    if windowed && !unstable {
        // The list is in time order and nothing but the dates filters it: a window of
        // it, found by binary search (a page costs its size, not the list's).
        let lo = from.map_or(0, |f| list.partition_point(|e| time(e) < f));
        let hi = to.map_or(list.len(), |t| list.partition_point(|e| time(e) <= t));
        let window = &list[lo..hi.max(lo)];
        let range = page.range(window.len());
        let skip = legacy.then_some("id");
        return Ok(if ascending {
            Response::json_list(&window[range], skip)
        } else {
            Response::json_list(
                window.iter().rev().skip(range.start).take(range.len()),
                skip,
            )
        });
    }
    let mut matching: Vec<(usize, &Value)> = list
        .iter()
        .enumerate()
        .filter(|(_, e)| from.is_none_or(|f| time(e) >= f) && to.is_none_or(|t| time(e) <= t))
        .filter(|(_, e)| keep(e))
        .collect();
    // Ties in stable order, or (`unstable_event_ties`) in an order that depends on the
    // page asked for.
    let salt = if unstable {
        let param = |name| ctx.req.param(name).and_then(|v| v.parse::<u64>().ok());
        (param("first").unwrap_or(0) << 32) ^ param("max").unwrap_or(0) ^ 0x5bd1_e995
    } else {
        0
    };
    let tie = |i: usize| {
        if unstable {
            (i as u64 ^ salt).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 17
        } else {
            i as u64
        }
    };
    matching.sort_by_key(|(i, e)| (time(e), tie(*i)));
    if !ascending {
        matching.reverse();
    }
    let items = matching[page.range(matching.len())]
        .iter()
        .map(|(_, e)| {
            let mut rep = (*e).clone();
            if let Some(map) = rep.as_object_mut().filter(|_| legacy) {
                map.remove("id");
            }
            rep
        })
        .collect();
    Ok(Response::json(200, &Value::Array(items)))
}

/// `GET /events`: filters `type` (repeatable), `client`, `user`, dates.
pub(crate) fn events(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let types = params(ctx, "type");
    let client = ctx.req.param("client");
    let user = ctx.req.param("user");
    let unfiltered = types.is_empty() && client.is_none() && user.is_none();
    let sorted = ctx.world.index(realm).events_sorted;
    serve_events(ctx, &realm.events, sorted && unfiltered, |e| {
        (types.is_empty() || types.contains(&str_of(e, "type")))
            && client.is_none_or(|c| str_of(e, "clientId") == c)
            && user.is_none_or(|u| str_of(e, "userId") == u)
    })
}

/// `GET /admin-events`: filters `operationTypes`, `resourceTypes`
/// (repeatable), dates.
pub(crate) fn admin_events(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let ops = params(ctx, "operationTypes");
    let resources = params(ctx, "resourceTypes");
    let unfiltered = ops.is_empty() && resources.is_empty();
    let sorted = ctx.world.index(realm).admin_events_sorted;
    serve_events(ctx, &realm.admin_events, sorted && unfiltered, |e| {
        (ops.is_empty() || ops.contains(&str_of(e, "operationType")))
            && (resources.is_empty() || resources.contains(&str_of(e, "resourceType")))
    })
}

/// `GET /events/config`, from the realm representation.
pub(crate) fn events_config(realm: &RealmData) -> Response {
    let rep = &realm.representation;
    let field = |k: &str, default: Value| rep.get(k).cloned().unwrap_or(default);
    Response::json(
        200,
        &json!({
            "eventsEnabled": field("eventsEnabled", json!(false)),
            "eventsExpiration": field("eventsExpiration", Value::Null),
            "eventsListeners": field("eventsListeners", json!(["jboss-logging"])),
            "enabledEventTypes": field("enabledEventTypes", json!([])),
            "adminEventsEnabled": field("adminEventsEnabled", json!(false)),
            "adminEventsDetailsEnabled": field("adminEventsDetailsEnabled", json!(false)),
        }),
    )
}
