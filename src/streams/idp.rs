//! Links between users and identity providers. Read per provider with
//! `GET /users?idpAlias=…` (one paged query per provider, not one request per user).
//! Servers that predate the `idpAlias` filter ignore it and list every user; that is
//! detected by asking for an alias that cannot exist, and then (only then) the links are
//! read per user from `/users/{id}/federated-identity`.

use serde_json::{Value, json};

use super::fanout::fan_out;
use super::{Ctx, Emit, End, each, segs, text};
use crate::error::Result;

const BRIEF: &[(&str, &str)] = &[("briefRepresentation", "true")];
/// An alias Keycloak cannot have (aliases may not contain spaces or slashes).
const NO_SUCH_ALIAS: &str = "source-keycloak probe / no such alias";

pub fn read_links(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let mut aliases: Vec<String> = Vec::new();
    each(
        ctx,
        segs(&["identity-provider", "instances"]),
        BRIEF,
        &mut |idp| {
            aliases.push(text(&idp, "alias").to_string());
            Ok(())
        },
    )?;
    if aliases.is_empty() {
        return Ok(End::Done);
    }
    if alias_filter_works(ctx)? {
        // One paged query per provider, providers read side by side (`fanout`).
        let linked = |ctx: &Ctx, alias: &String, out: &mut Emit| {
            let query = [
                ("idpAlias", alias.as_str()),
                ("briefRepresentation", "true"),
            ];
            each(ctx, segs(&["users"]), &query, &mut |user| {
                out(link(ctx, &user, alias))
            })
        };
        fan_out(
            ctx,
            |submit| aliases.iter().try_for_each(submit),
            linked,
            emit,
        )?;
    } else {
        // One request per user, users read side by side.
        let links = |ctx: &Ctx, user: Value, out: &mut Emit| {
            let segments = ["users", text(&user, "id"), "federated-identity"];
            let links = ctx.client.get_admin(ctx.realm, &segments, &[])?;
            for found in links.as_array().into_iter().flatten() {
                let alias = text(found, "identityProvider");
                if aliases.iter().any(|a| a == alias) {
                    out(link(ctx, &user, alias))?;
                }
            }
            Ok(())
        };
        let users = |submit: &mut dyn FnMut(Value) -> Result<()>| {
            each(ctx, segs(&["users"]), BRIEF, submit)
        };
        fan_out(ctx, users, links, emit)?;
    }
    Ok(End::Done)
}

fn alias_filter_works(ctx: &Ctx) -> Result<bool> {
    let query = [
        ("idpAlias", NO_SUCH_ALIAS.to_string()),
        ("max", "1".to_string()),
    ];
    let found = ctx.client.get_admin(ctx.realm, &["users"], &query)?;
    Ok(found.as_array().is_some_and(Vec::is_empty))
}

fn link(ctx: &Ctx, user: &Value, alias: &str) -> Value {
    json!({
        "realm": ctx.realm,
        "user_id": user.get("id"),
        "username": user.get("username"),
        "identity_provider": alias,
    })
}
