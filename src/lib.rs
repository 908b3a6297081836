//! source-keycloak: an Airbyte source that copies a Keycloak realm's identity data.
//!
//! A record's way: `commands::read` walks the configured streams of the table in
//! `streams` → a stream asks `http::Client` for pages (token, retries, paging) → the stream
//! shapes each item (adds `realm`, drops caller-specific fields; `secrets` strips
//! credentials; big plain lists stay text, see `record`) → `output::Output` writes RECORD
//! lines, then STATE after the stream.

pub(crate) mod access;
#[cfg(test)]
mod arb;
pub(crate) mod catalog;
pub mod cli;
pub(crate) mod commands;
pub mod config;
pub(crate) mod error;
pub(crate) mod host;
pub mod http;
pub mod output;
pub(crate) mod protocol;
pub mod record;
pub(crate) mod redact;
pub mod roles;
pub mod secrets;
pub mod singer;
pub(crate) mod state;
pub mod streams;
pub mod time;
pub(crate) mod writer;

use std::io::Write;
use std::process::ExitCode;

use cli::Command;
use commands::Outcome;
use error::Error;
use output::Output;

pub use commands::Options;

/// Runs one command against `stdout` and exits with its code.
pub fn run(command: Command, stdout: impl Write) -> ExitCode {
    ExitCode::from(execute(&command, stdout, &Options::default()))
}

/// Runs one command against `stdout`, in-process, and returns its exit code (0 or 1).
/// Errors become a TRACE ERROR with their failure type; a closed stdout ends quietly with
/// success.
pub fn execute(command: &Command, stdout: impl Write, options: &Options) -> u8 {
    let mut out = Output::new(stdout);
    let result =
        streams::check_embedded().and_then(|()| commands::dispatch(command, options, &mut out));
    let code = match result {
        Ok(Outcome::Success) => 0,
        Ok(Outcome::StreamsFailed) => 1,
        Err(Error::BrokenPipe) => return 0,
        Err(e) => match out.error(&e, None) {
            Err(Error::BrokenPipe) => return 0,
            _ => 1,
        },
    };
    match out.flush() {
        Ok(()) | Err(Error::BrokenPipe) => code,
        Err(_) => 1,
    }
}
