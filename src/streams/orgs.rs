//! Organizations (Keycloak 25+) and their members. A realm with organizations turned off
//! answers 404 "Organizations not enabled for this realm", and servers before 25 have no
//! such endpoint (404 too): both mean the stream is not served there, which is a warning,
//! not an error.

use serde_json::{Value, json};

use super::fanout::fan_out;
use super::{Ctx, Emit, End, each, segs, text, with_realm};
use crate::error::{Error, Result};

const FULL: &[(&str, &str)] = &[("briefRepresentation", "false")];

/// Turns "no organizations here" into `End::NotServed`.
fn served(result: Result<()>, realm: &str) -> Result<End> {
    match result {
        Ok(()) => Ok(End::Done),
        Err(Error::Http {
            status: 404,
            detail,
            path,
            ..
        }) if path.ends_with("/organizations") => {
            Ok(End::NotServed(if detail.contains("not enabled") {
                format!("organizations are not enabled in realm '{realm}'")
            } else {
                format!(
                    "this Keycloak has no organizations API (it came in Keycloak 25); realm '{realm}'"
                )
            }))
        }
        Err(e) => Err(e),
    }
}

pub fn read_organizations(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let result = each(ctx, segs(&["organizations"]), FULL, &mut |org| {
        emit(with_realm(org, ctx.realm))
    });
    served(result, ctx.realm)
}

/// Every organization's members, organizations read side by side (`fanout`).
pub fn read_members(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let members = |ctx: &Ctx, org: Value, out: &mut Emit| {
        let segments = segs(&["organizations", text(&org, "id"), "members"]);
        each(ctx, segments, &[], &mut |user| {
            out(json!({
                "realm": ctx.realm,
                "organization_id": org.get("id"),
                "user_id": user.get("id"),
                "username": user.get("username"),
                "membershipType": user.get("membershipType"),
            }))
        })
    };
    let orgs = |submit: &mut dyn FnMut(Value) -> Result<()>| {
        each(ctx, segs(&["organizations"]), &[], submit)
    };
    served(fan_out(ctx, orgs, members, emit), ctx.realm)
}
