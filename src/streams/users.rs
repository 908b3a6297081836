//! Incremental `users` through Keycloak's own change feed. Keycloak keeps no "last
//! modified" time for users, but a realm that stores admin events (and, for self-service
//! changes, user events) records every change: an admin event with resourceType USER and
//! resourcePath `users/{id}`, or a user event such as REGISTER, UPDATE_PROFILE,
//! UPDATE_EMAIL or DELETE_ACCOUNT with the user's id. An incremental sync reads both feeds
//! since the cursors, re-fetches exactly the users that changed, and marks users that
//! are gone with `_ab_cdc_deleted_at` (the Airbyte convention).
//!
//! The feed is only trusted when it can be complete; otherwise the sync reads every user
//! and says why in a warning: no state yet, admin or user event storage off, a needed
//! user event type not enabled, a cursor older than the event retention, or users that
//! change without events (LDAP/Kerberos user federation, or no view-realm to check for
//! it). State per realm: `{"admin": {time, ids}, "login": {time, ids}}`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::events::{Kind, LAG_MS, scan_since};
use super::lists::drop_access;
use super::{ACCESS, Ctx, End, Sink, each_spliced, text, with_realm};
use crate::error::{Error, Result};
use crate::time::iso_of;
use crate::time::now_millis;

/// User event types that change what `GET /users/{id}` returns.
const USER_EVENTS: &[&str] = &[
    "REGISTER",
    "UPDATE_PROFILE",
    "UPDATE_EMAIL",
    "VERIFY_EMAIL",
    "DELETE_ACCOUNT",
    "IDENTITY_PROVIDER_FIRST_LOGIN",
    "UPDATE_TOTP",
    "REMOVE_TOTP",
    "UPDATE_PASSWORD",
    "UPDATE_CREDENTIAL",
    "REMOVE_CREDENTIAL",
    "USER_DISABLED_BY_PERMANENT_LOCKOUT",
];

/// The ones a realm must record for the feed to be trusted.
const REQUIRED_USER_EVENTS: &[&str] = &[
    "REGISTER",
    "UPDATE_PROFILE",
    "UPDATE_EMAIL",
    "DELETE_ACCOUNT",
];

pub fn read_users_since(ctx: &Ctx, state: Option<&Value>, sink: &mut dyn Sink) -> Result<End> {
    let upper = now_millis() as i64 - LAG_MS;
    let prior = state.filter(|s| s.get("admin").is_some() && s.get("login").is_some());
    let Some(prior) = prior else {
        return full(ctx, upper, sink, "no users state yet".into());
    };
    if let Some(why) = distrust(ctx, prior)? {
        return full(ctx, upper, sink, why);
    }
    // Changed user ids with the time of their latest change (memory grows with the
    // number of changed users, not with the realm).
    let mut changed: BTreeMap<String, i64> = BTreeMap::new();
    let mut note = |id: &str, time: i64| {
        let entry = changed.entry(id.to_string()).or_insert(time);
        *entry = (*entry).max(time);
    };
    let start = prior_time(prior);
    let admin = scan_since(
        ctx,
        Kind::Admin,
        prior.get("admin"),
        start,
        upper,
        &mut |e| {
            if text(&e, "resourceType") == "USER"
                && let Some(id) = text(&e, "resourcePath").strip_prefix("users/")
            {
                let id = id.split('/').next().unwrap_or_default();
                note(id, time_of(&e));
            }
            Ok(())
        },
    )?;
    let login = scan_since(
        ctx,
        Kind::Login,
        prior.get("login"),
        start,
        upper,
        &mut |e| {
            if USER_EVENTS.contains(&text(&e, "type")) && !text(&e, "userId").is_empty() {
                note(text(&e, "userId"), time_of(&e));
            }
            Ok(())
        },
    )?;
    for (id, time) in &changed {
        match ctx.client.get_admin(ctx.realm, &["users", id], &[]) {
            Ok(mut user) => {
                drop_access(&mut user);
                stamp(&mut user, "_ab_cdc_updated_at", *time);
                sink.record(with_realm(user, ctx.realm).into())?;
            }
            Err(Error::Http { status: 404, .. }) => {
                let mut gone = json!({"id": id});
                stamp(&mut gone, "_ab_cdc_updated_at", *time);
                stamp(&mut gone, "_ab_cdc_deleted_at", *time);
                sink.record(with_realm(gone, ctx.realm).into())?;
            }
            Err(e) => return Err(e),
        }
    }
    sink.checkpoint(json!({"admin": admin, "login": login}))?;
    Ok(End::Done)
}

fn time_of(event: &Value) -> i64 {
    event.get("time").and_then(Value::as_i64).unwrap_or(0)
}

fn prior_time(prior: &Value) -> i64 {
    ["admin", "login"]
        .iter()
        .filter_map(|k| prior[k]["time"].as_i64())
        .min()
        .unwrap_or(0)
}

fn stamp(record: &mut Value, field: &str, ms: i64) {
    if let Some(obj) = record.as_object_mut() {
        obj.insert(field.into(), Value::String(iso_of(ms)));
    }
}

/// Every user, then cursors at the bound the read started from, so changes made during
/// the read are picked up by the next sync.
fn full(ctx: &Ctx, upper: i64, sink: &mut dyn Sink, why: String) -> Result<End> {
    ctx.warnings.borrow_mut().push(format!(
        "users in realm '{}' are read in full: {why}",
        ctx.realm
    ));
    let updated = iso_of(upper);
    each_spliced(
        ctx,
        &["users"],
        &[("briefRepresentation", "false")],
        ACCESS,
        &[("_ab_cdc_updated_at", &updated)],
        &mut |user| sink.record(user),
    )?;
    let cursor = json!({"time": upper, "ids": []});
    sink.checkpoint(json!({"admin": cursor, "login": cursor}))?;
    Ok(End::Done)
}

/// A user storage provider whose config says `enabled: ["false"]`.
fn disabled_provider(provider: &Value) -> bool {
    provider["config"]["enabled"]
        .as_array()
        .is_some_and(|v| v.len() == 1 && v[0] == "false")
}

/// Why the change feed cannot be trusted for this realm, if it cannot.
fn distrust(ctx: &Ctx, prior: &Value) -> Result<Option<String>> {
    let config = match ctx.client.get_admin(ctx.realm, &["events", "config"], &[]) {
        Ok(config) => config,
        Err(Error::Http { status: 403, .. }) => {
            return Ok(Some(
                "the change feed needs the realm-management role view-events".into(),
            ));
        }
        Err(e) => return Err(e),
    };
    if config["adminEventsEnabled"] != Value::Bool(true) {
        return Ok(Some("the realm does not save admin events".into()));
    }
    if config["eventsEnabled"] != Value::Bool(true) {
        return Ok(Some(
            "the realm does not save user events (self-service changes)".into(),
        ));
    }
    let enabled: Vec<&str> = config["enabledEventTypes"]
        .as_array()
        .map(|types| types.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // An empty list means Keycloak's default set, which has them all.
    if let Some(missing) = REQUIRED_USER_EVENTS
        .iter()
        .find(|t| !enabled.is_empty() && !enabled.contains(t))
    {
        return Ok(Some(format!(
            "the realm does not save {missing} user events"
        )));
    }
    let now = now_millis() as i64;
    for (key, feed) in [
        ("eventsExpiration", "login"),
        ("adminEventsExpiration", "admin"),
    ] {
        let retention = config[key].as_i64().filter(|s| *s > 0);
        let cursor = prior[feed]["time"].as_i64().unwrap_or(0);
        if let Some(seconds) = retention
            && cursor < now.saturating_sub(seconds.saturating_mul(1000))
        {
            return Ok(Some(format!(
                "the last sync is older than the {feed} event retention"
            )));
        }
    }
    let query = [(
        "type",
        "org.keycloak.storage.UserStorageProvider".to_string(),
    )];
    match ctx.client.get_admin(ctx.realm, &["components"], &query) {
        // A disabled provider is neither asked at login nor synchronised: it changes no
        // user. Any other answer (an enabled one, a shape we do not know) distrusts.
        Ok(Value::Array(providers)) if providers.iter().all(disabled_provider) => Ok(None),
        Ok(_) => Ok(Some(
            "the realm has user federation (LDAP/Kerberos), whose changes leave no events".into(),
        )),
        Err(Error::Http { status: 403, .. }) => Ok(Some(
            "checking for user federation needs the realm-management role view-realm".into(),
        )),
        Err(e) => Err(e),
    }
}
