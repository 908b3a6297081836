//! The Airbyte commands. Each takes typed input and the `Output`, so tests can run them
//! in-process; `Outcome` tells `main` which exit code to use.

mod check;
mod read;

use std::io::Write;

use serde_json::Value;

use crate::config::{self, Config};
use crate::error::Result;
use crate::output::Output;
use crate::protocol::{Catalog, CatalogStream, Message, Spec};
use crate::streams::STREAMS;

pub use check::check;
pub use read::ReadArgs;
pub use read::read;

/// How a command that did not fail outright ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Some streams failed; their errors were already reported as TRACE messages.
    StreamsFailed,
}

pub fn spec(out: &mut Output<impl Write>) -> Result<Outcome> {
    let spec = config::spec();
    out.message(&Message::Spec {
        spec: Spec {
            documentation_url: None,
            connection_specification: &spec,
            supports_incremental: false,
        },
    })?;
    Ok(Outcome::Success)
}

/// The catalog: every stream of the table with its schema and keys. It needs no server
/// call, so it works before the Keycloak side is fully set up.
pub fn discover(config_path: &str, out: &mut Output<impl Write>) -> Result<Outcome> {
    let config = Config::load(config_path)?;
    out.add_secret(config.client_secret.expose());
    let schemas: Vec<Value> = STREAMS.iter().map(|s| s.schema_json()).collect();
    let streams = STREAMS
        .iter()
        .zip(&schemas)
        .map(|(stream, schema)| CatalogStream {
            name: stream.name,
            json_schema: schema,
            supported_sync_modes: vec!["full_refresh"],
            source_defined_primary_key: stream.primary_key.iter().map(|k| vec![*k]).collect(),
            source_defined_cursor: None,
            default_cursor_field: None,
            is_resumable: false,
        })
        .collect();
    out.message(&Message::Catalog {
        catalog: Catalog { streams },
    })?;
    Ok(Outcome::Success)
}
