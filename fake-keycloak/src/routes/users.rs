//! The users endpoints: `/users` (paged, brief, the `idpAlias` filter), `/users/count`
//! and `/users/{id}`, and the user representation other families reuse.

use super::context::Ctx;
use super::params;
use crate::model::realm::RealmData;
use crate::wire::http::Response;
use serde_json::{Value, json};

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
pub(crate) fn list(ctx: &Ctx, realm: &RealmData) -> Result<Response, Response> {
    let page = params::page(ctx, Some(100))?;
    let brief = params::flag(ctx.req, "briefRepresentation", false);
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

pub(crate) fn one(ctx: &Ctx, realm: &RealmData, id: &str) -> Result<Response, Response> {
    let brief = params::flag(ctx.req, "briefRepresentation", false);
    let index = ctx.world.index(realm);
    index
        .user_pos
        .get(id)
        .and_then(|&i| realm.users.get(i))
        .map(|u| Response::json(200, &user_rep(u, brief)))
        .ok_or_else(|| Response::error(404, "User not found"))
}

/// `GET /users/count`.
pub(crate) fn count(realm: &RealmData) -> Response {
    Response::json(200, &json!(realm.users.len()))
}
