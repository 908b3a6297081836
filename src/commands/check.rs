//! `check`: one CONNECTION_STATUS. Every failure a user can cause ends as FAILED with a
//! message that says what to change (exit 0); only our own bugs exit non-zero. After the
//! token, each stream's endpoint is probed with `max=1`: a 403 means the service account
//! lacks that stream's realm-management role. None readable is a failure that names the
//! roles to grant; some unreadable is a success that names what will be missing.

use std::io::Write;

use super::Outcome;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::Client;
use crate::output::Output;
use crate::streams::{STREAMS, Stream};

pub fn check(config_path: &str, out: &mut Output<impl Write>) -> Result<Outcome> {
    let (ok, message) = match run(config_path, out) {
        Ok(message) => (true, message),
        Err(Error::BrokenPipe) => return Err(Error::BrokenPipe),
        Err(Error::Internal(m)) => return Err(Error::Internal(m)),
        Err(e) => (false, e.to_string()),
    };
    out.connection_status(ok, &message)?;
    Ok(Outcome::Success)
}

fn run(config_path: &str, out: &mut Output<impl Write>) -> Result<String> {
    let config = Config::load(config_path)?;
    out.add_secret(config.client_secret.expose());
    // A check is interactive: one retry, not a long backoff against a wrong URL.
    let client = Client::new(&Config {
        max_retries: config.max_retries.min(1),
        ..config.clone()
    })?;
    client
        .authenticate()
        .map_err(|e| unreachable_hint(e, &config))?;
    // Streams share probes (users, groups and members all need view-users): ask once.
    let mut readable: Vec<&[&str]> = Vec::new();
    let mut forbidden: Vec<&[&str]> = Vec::new();
    let mut unavailable: Vec<&Stream> = Vec::new();
    for stream in STREAMS {
        let probe = stream.probe;
        if !readable.contains(&probe) && !forbidden.contains(&probe) {
            match client.get_admin(&config.realm, probe, &[("max", "1".to_string())]) {
                Ok(_) => readable.push(probe),
                Err(Error::Http { status: 403, .. }) => forbidden.push(probe),
                Err(e) => return Err(e),
            }
        }
        if forbidden.contains(&probe) {
            unavailable.push(stream);
        }
    }
    let who = format!("client '{}'", config.client_id);
    if unavailable.len() == STREAMS.len() {
        return Err(Error::Config(format!(
            "{who} authenticates, but its service account may read nothing in realm '{}'. \
             Grant it the realm-management roles {}: Clients → {} → Service accounts roles \
             → Assign role → filter by clients → realm-management",
            config.realm,
            roles_of(&unavailable).join(", "),
            config.client_id
        )));
    }
    let readable = STREAMS.len() - unavailable.len();
    let mut message = format!(
        "Connected to realm '{}' as {who}; {readable} of {} streams are readable.",
        config.realm,
        STREAMS.len()
    );
    if !unavailable.is_empty() {
        let list: Vec<String> = unavailable
            .iter()
            .map(|s| format!("{} (needs realm-management role {})", s.name, s.role))
            .collect();
        message.push_str(&format!(
            " Unavailable until the service account gets the role: {}.",
            list.join(", ")
        ));
    }
    Ok(message)
}

fn roles_of(streams: &[&Stream]) -> Vec<&'static str> {
    let mut roles: Vec<&str> = streams.iter().map(|s| s.role).collect();
    roles.sort();
    roles.dedup();
    roles
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
