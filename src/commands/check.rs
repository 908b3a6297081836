//! `check`: one CONNECTION_STATUS. Every failure a user can cause ends as FAILED with a
//! message that says what to change (exit 0); only our own bugs exit non-zero. After the
//! token, each realm's access is probed (`access.rs`): an account that may read nothing
//! fails with the roles to grant; one that may read some streams succeeds and names the
//! streams that will be missing, with the role that would enable each.

use std::io::Write;

use super::Outcome;
use crate::access::{self, Access, Availability};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::Client;
use crate::output::Output;
use crate::streams::STREAMS;

pub fn check(config: &Config, out: &mut Output<impl Write>) -> Result<Outcome> {
    report(run(config), out)
}

/// The status of a check whose config did not load (or whose warnings could not be
/// written): FAILED with the reason, like any other failure a user can cause.
pub fn failed(error: Error, out: &mut Output<impl Write>) -> Result<Outcome> {
    report(Err(error), out)
}

fn report(result: Result<String>, out: &mut Output<impl Write>) -> Result<Outcome> {
    let (ok, message) = match result {
        Ok(message) => (true, message),
        Err(Error::BrokenPipe) => return Err(Error::BrokenPipe),
        Err(Error::Internal(m)) => return Err(Error::Internal(m)),
        Err(e) => (false, e.to_string()),
    };
    out.connection_status(ok, &message)?;
    Ok(Outcome::Success)
}

fn run(config: &Config) -> Result<String> {
    // A check is interactive: one retry, not a long backoff against a wrong URL.
    let client = Client::new(&crate::http::Settings {
        max_retries: config.max_retries.min(1),
        ..config.client_settings()
    })?;
    client
        .authenticate()
        .map_err(|e| unreachable_hint(e, config))?;
    // Never empty: `realms` has at least one entry (spec.json), and "*" listing none is
    // an error of its own.
    let realms = access::resolve_realms(&client, &config.realm, config.realms.as_deref())?;
    let mut notes: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut readable_anywhere = 0;
    for realm in &realms {
        match Access::probe(&client, realm) {
            Ok(access) if access.reads_nothing() => failures.push(format!(
                "client '{}' authenticates, but its service account may read nothing in \
                 realm '{realm}'. Grant it the realm-management roles {}: Clients → {} → \
                 Service accounts roles → Assign role → filter by clients → realm-management",
                config.client_id,
                crate::roles::names(&crate::roles::read_roles()),
                config.client_id
            )),
            Ok(access) => {
                let (readable, mut note) = describe(&access);
                readable_anywhere += readable;
                if let Some(storage) = event_storage(&client, realm) {
                    note.push_str(&storage);
                }
                notes.push(note);
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    if readable_anywhere == 0 {
        return Err(Error::Config(failures.join(" ")));
    }
    let mut message = format!("Connected as client '{}'. ", config.client_id);
    message.push_str(&notes.join(" "));
    for failure in failures {
        message.push_str(&format!(" Not readable: {failure}."));
    }
    Ok(message)
}

/// How many streams one realm serves, and a sentence about the others.
fn describe(access: &Access) -> (usize, String) {
    let mut readable = 0;
    let mut missing: Vec<String> = Vec::new();
    let mut not_served: Vec<String> = Vec::new();
    let mut write_only: Vec<String> = Vec::new();
    for stream in STREAMS {
        match access.availability(stream.roles) {
            Availability::Available => readable += 1,
            // A write role is never asked for: the stream is for accounts that hold it.
            Availability::MissingRoles(roles) if roles.iter().any(|r| r.is_write()) => {
                let write = crate::roles::write_roles(&roles);
                write_only.push(format!(
                    "{} (Keycloak requires the write role {}{} to list them; the connector \
                     never asks for it)",
                    stream.name,
                    crate::roles::names(&write),
                    crate::roles::caveats_in_parens(&write)
                ))
            }
            Availability::MissingRoles(roles) => {
                let plural = if roles.len() > 1 { "s" } else { "" };
                missing.push(format!(
                    "{} (needs realm-management role{plural} {}{})",
                    stream.name,
                    crate::roles::names(&roles),
                    crate::roles::caveats(&roles, "; ")
                ))
            }
            Availability::NotServed(why) => not_served.push(format!("{} ({why})", stream.name)),
        }
    }
    let mut note = format!(
        "Realm '{}': {readable} of {} streams are readable.",
        access.realm,
        STREAMS.len()
    );
    if !missing.is_empty() {
        note.push_str(&format!(
            " Unavailable until the service account gets the role: {}.",
            missing.join(", ")
        ));
    }
    if !not_served.is_empty() {
        note.push_str(&format!(" Not served here: {}.", not_served.join(", ")));
    }
    if !write_only.is_empty() {
        note.push_str(&format!(
            " Offered only to an account that already holds a write role: {}.",
            write_only.join(", ")
        ));
    }
    (readable, note)
}

/// A sentence when the realm does not save login or admin events (the event streams
/// and the users change feed then have nothing new to read); None when it saves both
/// or the account may not read the events configuration.
fn event_storage(client: &Client, realm: &str) -> Option<String> {
    let config = client.get_admin(realm, &["events", "config"], &[]).ok()?;
    let off: Vec<&str> = [
        ("eventsEnabled", "user (login) events"),
        ("adminEventsEnabled", "admin events"),
    ]
    .iter()
    .filter(|(flag, _)| config.get(*flag) == Some(&serde_json::Value::Bool(false)))
    .map(|(_, what)| *what)
    .collect();
    (!off.is_empty()).then(|| {
        format!(
            " Realm '{realm}' does not save {}: turn on Save events under Realm settings → \
             Events, or the events streams stay empty and incremental users read in full.",
            off.join(" or ")
        )
    })
}

/// A transport failure at the very first request means the server is not where
/// `server_url` points.
fn unreachable_hint(e: Error, config: &Config) -> Error {
    match e {
        Error::Transport { detail, .. } => Error::Config(format!(
            "cannot reach Keycloak at {} ({detail}). Check server_url: scheme, host and \
             port, and that this machine can reach the server",
            config.server_url
        )),
        other => other,
    }
}
