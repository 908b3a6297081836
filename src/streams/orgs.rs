//! Organizations (Keycloak 25+) and their members. A realm with organizations turned off
//! answers 404 "Organizations not enabled for this realm", and servers before 25 have no
//! such endpoint (404 too): both mean the stream is not served there, which is a warning,
//! not an error.

use serde_json::json;

use super::children::{Answer, Children, Of, OnStatus, Then};
use super::parents::Parents;
use super::{Ctx, Emit, End, each, segs, text, with_realm};
use crate::error::{Error, Result};

const FULL: &[(&str, &str)] = &[("briefRepresentation", "false")];

/// Turns "no organizations here" (a 404 of the organizations list) into `End::NotServed`.
fn served(result: Result<()>, realm: &str) -> Result<End> {
    match result {
        Ok(()) => Ok(End::Done),
        Err(Error::Http {
            status: 404,
            detail,
            path,
            ..
        }) if path.ends_with("/organizations") => Ok(End::NotServed(not_served(&detail, realm))),
        Err(e) => Err(e),
    }
}

/// Why a realm has no organizations to read, from Keycloak's 404 detail.
fn not_served(detail: &str, realm: &str) -> String {
    if detail.contains("not enabled") {
        format!("organizations are not enabled in realm '{realm}'")
    } else {
        format!("this Keycloak has no organizations API (it came in Keycloak 25); realm '{realm}'")
    }
}

pub fn read_organizations(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let result = each(ctx, segs(&["organizations"]), FULL, &mut |org| {
        emit(with_realm(org, ctx.realm))
    });
    served(result, ctx.realm)
}

/// Every organization's members.
pub static MEMBERS: Children = Children {
    parents: Parents::Organizations,
    path: |org| segs(&["organizations", text(org, "id"), "members"]),
    query: &[],
    answer: Answer::Paged,
    record: |org, user| {
        json!({
            "organization_id": org.get("id"),
            "user_id": user.get("id"),
            "username": user.get("username"),
            "membershipType": user.get("membershipType"),
        })
    },
    status: &[OnStatus {
        status: 404,
        of: Of::Parents,
        then: Then::NotServed(not_served),
    }],
};
