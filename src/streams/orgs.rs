//! Organizations (Keycloak 25+) and their members. A realm with organizations turned off
//! answers 404 "Organizations not enabled for this realm", and servers before 25 have no
//! such endpoint (404 too): both mean the stream is not served there, which is a warning,
//! not an error.

use serde_json::{Value, json};

use super::children::{Answer, Children};
use super::parents::Parents;
use super::status::{Of, OnStatus, Then};
use super::{Ctx, segs, text};
use crate::error::Result;

/// Whether the realm has organizations enabled (Keycloak 26: `organizationsEnabled` in
/// its representation; absent before 25 and for an account without view-realm, which
/// the streams that ask also need).
pub fn enabled(ctx: &Ctx) -> Result<bool> {
    let realm = ctx.client.get_admin(ctx.realm, &[], &[])?;
    Ok(realm.get("organizationsEnabled") == Some(&Value::Bool(true)))
}

/// Why a realm has no organizations to read, from Keycloak's 404 detail.
pub fn not_served(detail: &str, realm: &str) -> String {
    if detail.contains("not enabled") {
        format!("organizations are not enabled in realm '{realm}'")
    } else {
        format!("this Keycloak has no organizations API (it came in Keycloak 25); realm '{realm}'")
    }
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
        of: Of::List,
        then: Then::NotServed(not_served),
    }],
};
