//! The Airbyte commands. Each takes typed input (a loaded `Config`, a `ReadInput`) and the
//! `Output`, so tests run them in-process; `dispatch` loads the files a command line names
//! and calls one. `Outcome` tells `main` which exit code to use.

mod check;
mod read;

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use serde_json::Value;

use crate::access::{self, Access, Availability};
use crate::cli::Command;
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::host::Host;
use crate::http::Client;
use crate::output::Output;
use crate::protocol::{Catalog, CatalogStream, Message, Spec};
use crate::streams::{STREAMS, Stream};

pub use check::check;
pub use read::read;
pub use read::{ReadInput, Selected, read_streams};

/// What a run may be given besides its command line: settings that are not config keys,
/// which tests set directly.
#[derive(Clone, Debug)]
pub struct Options {
    /// The first backoff delay of a retried request (`config::RETRY_BASE_DELAY`; tests
    /// make it short).
    pub retry_base_delay: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            retry_base_delay: config::RETRY_BASE_DELAY,
        }
    }
}

/// Loads the files a command line names and runs its command.
pub fn dispatch(
    command: &Command,
    options: &Options,
    out: &mut Output<impl Write>,
) -> Result<Outcome> {
    match command {
        Command::Spec => spec(out),
        Command::Check { config } => match load_config(config, options, out) {
            Ok(config) => check(&config, out),
            Err(e) => check::failed(e, out),
        },
        Command::Discover { config } => discover(&load_config(config, options, out)?, out),
        Command::Read {
            config,
            catalog,
            state,
        } => {
            let input = ReadInput::load(config, catalog, state.as_deref(), options, out)?;
            read(&input, out)
        }
    }
}

/// Loads a config file, applies `options`, and logs the config's warnings (plain http, no
/// TLS verification): the first thing every command does.
pub fn load_config(path: &str, options: &Options, out: &mut impl Host) -> Result<Config> {
    let config = Config {
        retry_base_delay: options.retry_base_delay,
        ..Config::load(path)?
    };
    for warning in config.warnings() {
        out.log(crate::protocol::Level::Warn, &warning)?;
    }
    Ok(config)
}

/// How a command that did not fail outright ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Some streams failed; their errors were already reported as TRACE messages.
    StreamsFailed,
}

pub fn spec(out: &mut Output<impl Write>) -> Result<Outcome> {
    let spec = config::spec()?;
    out.message(&Message::Spec {
        spec: Spec {
            documentation_url: None,
            connection_specification: &spec,
            supports_incremental: true,
        },
    })?;
    Ok(Outcome::Success)
}

/// The catalog: the streams of the table that the server and the client's roles can
/// serve in at least one configured realm, with their schemas and keys.
pub fn discover(config: &Config, out: &mut Output<impl Write>) -> Result<Outcome> {
    let served = Session::open(config)?.served()?;
    let schemas = served
        .iter()
        .map(|s| s.schema_json())
        .collect::<Result<Vec<Value>>>()?;
    let streams = served
        .iter()
        .zip(&schemas)
        .map(|(stream, schema)| CatalogStream {
            name: stream.name,
            json_schema: schema,
            supported_sync_modes: match stream.incremental {
                Some(_) => vec!["full_refresh", "incremental"],
                None => vec!["full_refresh"],
            },
            source_defined_primary_key: stream.primary_key.iter().map(|k| vec![*k]).collect(),
            source_defined_cursor: stream.incremental.as_ref().map(|_| true),
            default_cursor_field: stream.incremental.as_ref().map(|i| vec![i.cursor_field]),
            is_resumable: stream.incremental.is_some(),
        })
        .collect();
    out.message(&Message::Catalog {
        catalog: Catalog { streams },
    })?;
    Ok(Outcome::Success)
}

/// One authenticated client, the realms to read and what each of them serves, built once
/// per command so that discovering and reading share the token and the role probes.
pub struct Session {
    pub client: Client,
    pub realms: Vec<String>,
    /// Realm → its probed access; a realm whose probing failed is absent (its streams
    /// are then simply tried, and their own errors speak).
    pub accesses: HashMap<String, Access>,
    first_error: Option<Error>,
}

impl Session {
    pub fn open(config: &Config) -> Result<Session> {
        let client = Client::new(&config.client_settings())?;
        client.authenticate()?;
        let realms = access::resolve_realms(&client, &config.realm, config.realms.as_deref())?;
        let mut accesses = HashMap::new();
        let mut first_error = None;
        for realm in &realms {
            match Access::probe(&client, realm) {
                Ok(access) => {
                    accesses.insert(realm.clone(), access);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Ok(Session {
            client,
            realms,
            accesses,
            first_error,
        })
    }

    /// The streams the server and the client's roles can serve in at least one of the
    /// configured realms (one `max=1` probe per role and realm); the first probing error
    /// when no realm could be probed.
    pub fn served(&mut self) -> Result<Vec<&'static Stream>> {
        if self.accesses.is_empty()
            && let Some(e) = self.first_error.take()
        {
            return Err(e);
        }
        Ok(STREAMS
            .iter()
            .filter(|s| {
                self.accesses
                    .values()
                    .any(|a| a.availability(s.roles) == Availability::Available)
            })
            .collect())
    }
}
