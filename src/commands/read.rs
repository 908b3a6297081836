//! `read`: the configured streams in catalog order. Per stream: STARTED, RUNNING with the
//! first record, RECORDs as pages arrive, then one STATE (after every record it covers)
//! and COMPLETE. A stream that fails gets an ERROR trace naming it and INCOMPLETE, and no
//! STATE; the other streams still run, and the exit code is non-zero at the end. Failures
//! that stop every stream (config, credentials) end the read at once.

use std::io::Write;

use serde_json::{Value, json};

use super::Outcome;
use crate::catalog::{self, Configured};
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::http::Client;
use crate::output::Output;
use crate::protocol::{Level, Status};
use crate::state;
use crate::streams::{self, Stream};

pub struct ReadArgs<'a> {
    pub config: &'a str,
    pub catalog: &'a str,
    pub state: Option<&'a str>,
}

pub fn read(args: &ReadArgs, out: &mut Output<impl Write>) -> Result<Outcome> {
    let config = Config::load(args.config)?;
    out.add_secret(config.client_secret.expose());
    let catalog = catalog::parse(&config::read_json_file(args.catalog, "catalog")?)?;
    let input_state = match args.state {
        Some(path) => state::parse(&config::read_json_file(path, "state")?),
        None => state::InputState::default(),
    };
    for warning in catalog.warnings.iter().chain(&input_state.warnings) {
        out.log(Level::Warn, warning)?;
    }
    let client = Client::new(&config)?;
    client.authenticate()?;
    let mut outcome = Outcome::Success;
    for configured in &catalog.streams {
        match read_stream(configured, &client, &config, out) {
            Ok(()) => {}
            Err(e) if is_fatal(&e) => return Err(e),
            Err(e) => {
                let e = explain(e, configured.stream, &config);
                out.error(&e, Some(configured.stream.name))?;
                out.stream_status(configured.stream.name, Status::Incomplete)?;
                outcome = Outcome::StreamsFailed;
            }
        }
    }
    out.flush()?;
    Ok(outcome)
}

fn read_stream(
    configured: &Configured,
    client: &Client,
    config: &Config,
    out: &mut Output<impl Write>,
) -> Result<()> {
    let name = configured.stream.name;
    out.stream_status(name, Status::Started)?;
    let mut records: u64 = 0;
    streams::read(
        configured.stream,
        client,
        &config.realm,
        &mut |record: Value| {
            if records == 0 {
                out.stream_status(name, Status::Running)?;
            }
            records += 1;
            out.record(name, &record)
        },
    )?;
    out.state(name, &json!({}), records)?;
    out.stream_status(name, Status::Complete)
}

/// Errors after which no other stream can succeed either.
fn is_fatal(e: &Error) -> bool {
    matches!(e, Error::BrokenPipe | Error::Auth(_) | Error::Config(_))
}

/// Adds what the user should do to an HTTP refusal of a stream's endpoint.
fn explain(e: Error, stream: &Stream, config: &Config) -> Error {
    match e {
        Error::Http {
            status: 403, path, ..
        } => Error::Config(format!(
            "Keycloak refused stream '{}' (HTTP 403 for GET {path}): the service account of \
             client '{}' needs the realm-management role '{}' in realm '{}'. Grant it under \
             Clients → {} → Service accounts roles, or deselect the stream",
            stream.name, config.client_id, stream.role, config.realm, config.client_id
        )),
        Error::Http {
            status: 401, path, ..
        } => Error::Config(format!(
            "Keycloak rejected a fresh token of client '{}' for GET {path} (HTTP 401): the \
             client may have been disabled, or its service account removed, during the sync",
            config.client_id
        )),
        other => other,
    }
}
