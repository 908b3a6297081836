//! `read`: the configured streams in catalog order, each across the configured realms.
//! Per stream: STARTED, RUNNING with the first record, RECORDs as pages arrive, STATE
//! messages (after the records they cover), COMPLETE. Full-refresh streams get one STATE
//! at the end; incremental streams one after every page, whose value is the stream's whole
//! state `{"realms": {name: cursor}}`, so a sync killed at any point resumes without loss
//! or repetition. A realm that fails gets an ERROR trace naming the stream and the realm,
//! the other realms are still read, and the stream ends INCOMPLETE (no final STATE for a
//! full refresh). Failures that stop every stream (config, credentials) end the read at
//! once; any failed stream makes the exit code non-zero.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::{Outcome, Session};
use crate::access::{Access, Availability};
use crate::catalog::{self, SyncMode};
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::host::{Host, StreamMeta};
use crate::http::Client;
use crate::output::Output;
use crate::protocol::Level;
use crate::record::Record;
use crate::roles::Role;
use crate::secrets::{self, Policy, Report};
use crate::state;
use crate::streams::{self, Ctx, End, EventOptions, Sink, Stream};

/// What `read` reads: the config, the configured catalog and the input state, loaded and
/// checked (`ReadInput::load`).
pub struct ReadInput {
    pub config: Config,
    pub catalog: catalog::Catalog,
    pub state: state::InputState,
}

impl ReadInput {
    /// Loads the three files in the order their errors are reported: the config first (and
    /// its warnings, logged at once), then the catalog, then the state.
    pub fn load(
        config: &str,
        catalog: &str,
        state: Option<&str>,
        options: &super::Options,
        out: &mut impl Host,
    ) -> Result<ReadInput> {
        let config = super::load_config(config, options, out)?;
        let catalog = catalog::parse(&config::read_json_file(catalog, "catalog")?)?;
        let state = match state {
            Some(path) => state::parse(&config::read_json_file(path, "state")?),
            None => state::InputState::default(),
        };
        Ok(ReadInput {
            config,
            catalog,
            state,
        })
    }
}

pub fn read(input: &ReadInput, out: &mut Output<impl Write>) -> Result<Outcome> {
    let ReadInput {
        config,
        catalog,
        state: input_state,
    } = input;
    for warning in catalog.warnings.iter().chain(&input_state.warnings) {
        out.log(Level::Warn, warning)?;
    }
    let selected: Vec<Selected> = catalog
        .streams
        .iter()
        .map(|c| Selected {
            stream: c.stream,
            incremental: c.sync_mode == SyncMode::Incremental,
        })
        .collect();
    let session = Session::open(config)?;
    read_streams(&session, config, &selected, &input_state.streams, out)
}

/// A stream to read and whether the host asked for an incremental sync.
pub struct Selected {
    pub stream: &'static Stream,
    pub incremental: bool,
}

/// The read engine shared by the Airbyte and the Singer command: reads `selected` in
/// order, each across the configured realms, resuming incremental streams from `states`.
pub fn read_streams(
    session: &Session,
    config: &Config,
    selected: &[Selected],
    states: &HashMap<String, Value>,
    out: &mut impl Host,
) -> Result<Outcome> {
    let events = EventOptions {
        include_admin_event_representation: config.include_admin_event_representation,
        start_ms: config.start_ms,
    };
    let mut outcome = Outcome::Success;
    for choice in selected {
        let stream = choice.stream;
        let incremental = choice.incremental && stream.incremental.is_some();
        let job = Job {
            stream,
            client: &session.client,
            config,
            realms: &session.realms,
            events: &events,
            accesses: &session.accesses,
            prior: incremental.then(|| prior_realms(states.get(stream.name), out)),
        };
        if !read_stream(&job, out)? {
            outcome = Outcome::StreamsFailed;
        }
    }
    out.flush()?;
    Ok(outcome)
}

/// One configured stream to read across the realms.
struct Job<'a> {
    stream: &'static Stream,
    client: &'a Client,
    config: &'a Config,
    realms: &'a [String],
    events: &'a EventOptions,
    accesses: &'a HashMap<String, Access>,
    /// For an incremental read: the input state's cursor per realm.
    prior: Option<Map<String, Value>>,
}

/// The per-realm cursors of a stream's input state `{"realms": {...}}`; anything else is
/// ignored with a warning (the stream then starts from `start_date`, losing nothing).
fn prior_realms(state: Option<&Value>, out: &mut impl Host) -> Map<String, Value> {
    let Some(state) = state else {
        return Map::new();
    };
    match state.get("realms") {
        Some(Value::Object(realms)) => realms.clone(),
        _ if state.as_object().is_some_and(Map::is_empty) => Map::new(),
        _ => {
            let _ = out.log(
                Level::Warn,
                "ignoring a stream state without a `realms` object (from another connector or \
                 version?); reading from start_date",
            );
            Map::new()
        }
    }
}

/// Writes records and checkpoints of one stream; counts records per STATE.
struct StreamSink<'o, H: Host> {
    out: &'o mut H,
    name: &'static str,
    records: u64,
    since_state: u64,
    /// The incremental state being built: realm → cursor.
    realms: Map<String, Value>,
    realm: String,
    /// The stream's secrets policy, applied to every record, and what it did.
    secrets: Policy,
    cleaned: Report,
}

impl<H: Host> Sink for StreamSink<'_, H> {
    fn record(&mut self, mut record: Record) -> Result<()> {
        self.cleaned.add(secrets::apply(self.secrets, &mut record));
        if self.records == 0 {
            self.out.running(self.name)?;
        }
        self.records += 1;
        self.since_state += 1;
        self.out.record(self.name, &record)
    }

    fn checkpoint(&mut self, realm_state: Value) -> Result<()> {
        self.realms.insert(self.realm.clone(), realm_state);
        let state = json!({ "realms": self.realms });
        self.out.state(self.name, &state, self.since_state)?;
        self.since_state = 0;
        Ok(())
    }
}

/// Reads one stream in every realm. Returns whether all realms worked; `Err` only for
/// what ends the whole read.
fn read_stream(job: &Job, out: &mut impl Host) -> Result<bool> {
    let name = job.stream.name;
    let meta = StreamMeta {
        name,
        schema: job.stream.schema,
        primary_key: job.stream.primary_key,
        cursor_field: job.stream.incremental.as_ref().map(|i| i.cursor_field),
    };
    out.started(&meta, job.prior.is_some())?;
    let mut sink = StreamSink {
        out,
        name,
        records: 0,
        since_state: 0,
        realms: job.prior.clone().unwrap_or_default(),
        realm: String::new(),
        secrets: job.stream.secrets,
        cleaned: Report::default(),
    };
    let mut failed = false;
    let started = Instant::now();
    let requests_before = job.client.request_count();
    estimate(job, sink.out)?;
    for realm in job.realms {
        let warnings = RefCell::new(Vec::new());
        let ctx = Ctx {
            client: job.client,
            realm,
            events: job.events,
            warnings: &warnings,
            concurrency: job.config.max_concurrency,
            fetch_ahead: true,
        };
        sink.realm = realm.clone();
        let availability = job
            .accesses
            .get(realm)
            .map(|a| a.availability(job.stream.roles));
        let result = match (availability, &job.prior, &job.stream.incremental) {
            // Known in advance: fail (or skip) without emitting part of the stream, which
            // Keycloak would sometimes allow (realm-role composites without view-clients).
            (Some(Availability::MissingRoles(missing)), ..) => Err(missing_roles(realm, &missing)),
            (Some(Availability::NotServed(why)), ..) => Ok(End::NotServed(why)),
            (_, Some(prior), Some(incremental)) => {
                (incremental.read)(&ctx, prior.get(realm), &mut sink)
            }
            _ => streams::read(job.stream, &ctx, &mut |record| sink.record(record)),
        };
        for warning in warnings.take() {
            sink.out.log(Level::Warn, &warning)?;
        }
        match result {
            Ok(End::Done) => {}
            Ok(End::NotServed(why)) => {
                sink.out
                    .log(Level::Warn, &format!("stream '{name}' is skipped: {why}"))?;
            }
            Err(Error::BrokenPipe) => return Err(Error::BrokenPipe),
            Err(e) if is_fatal(&e) => {
                // The whole read stops here; the stream that was running still ends.
                sink.out.finished(name, false)?;
                return Err(e);
            }
            Err(e) => {
                sink.out
                    .error(&explain(e, job.stream, job.config, realm), Some(name))?;
                failed = true;
            }
        }
    }
    if sink.cleaned.unchecked > 0 {
        sink.out.log(
            Level::Warn,
            &unchecked_warning(job.stream, sink.cleaned.unchecked),
        )?;
    }
    let seconds = started.elapsed().as_secs_f64();
    sink.out.log(
        Level::Info,
        &format!(
            "stream '{name}': {} records, {} requests, {seconds:.1} s, {:.0} records/s",
            sink.records,
            job.client.request_count() - requests_before,
            sink.records as f64 / seconds.max(0.001)
        ),
    )?;
    if failed {
        sink.out.finished(name, false)?;
        return Ok(false);
    }
    let final_state = if job.prior.is_some() {
        json!({ "realms": sink.realms })
    } else {
        json!({})
    };
    sink.out.state(name, &final_state, sink.since_state)?;
    sink.out.finished(name, true)?;
    Ok(true)
}

/// What the secrets policy could not check, and so left out.
fn unchecked_warning(stream: &Stream, count: u64) -> String {
    let embedded = match stream.secrets {
        Policy::Embedded(fields) => format!(
            " (a {} that is not valid JSON, or",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Policy::Rule => " (".to_string(),
    };
    format!(
        "stream '{}': {count} value(s) could not be checked for secrets{embedded} nested more \
         than {} levels deep) and were left out of the records",
        stream.name,
        secrets::MAX_DEPTH
    )
}

/// A TRACE ESTIMATE for streams with a cheap count endpoint (users, groups), summed over
/// the realms, so hosts can show progress. A count that fails is just left out.
fn estimate(job: &Job, out: &mut impl Host) -> Result<()> {
    let Some(path) = job.stream.count else {
        return Ok(());
    };
    let mut total = 0;
    for realm in job.realms {
        match job.client.get_admin(realm, path, &[]) {
            // users/count is a bare number, groups/count is {"count": n}.
            Ok(Value::Number(n)) => total += n.as_u64().unwrap_or(0),
            Ok(Value::Object(o)) => total += o.get("count").and_then(Value::as_u64).unwrap_or(0),
            _ => return Ok(()),
        }
    }
    out.estimate(job.stream.name, total)
}

/// The refusal a probe saw, as the error the stream's own request would have had.
fn missing_roles(realm: &str, missing: &[Role]) -> Error {
    // The first missing role in the order of the probes (`Role::ALL`).
    let probe = missing
        .iter()
        .min()
        .map(|r| r.probe().join("/"))
        .unwrap_or_default();
    Error::RoleMissing {
        path: format!("/admin/realms/{realm}/{probe}"),
        detail: format!("the probe for {} was refused", crate::roles::names(missing)),
    }
}

/// Errors after which no other stream can succeed either.
fn is_fatal(e: &Error) -> bool {
    matches!(
        e,
        Error::BrokenPipe
            | Error::Auth(_)
            | Error::Config(_)
            | Error::Redirect {
                token_endpoint: true,
                ..
            }
    )
}

/// Adds what the user should do to an HTTP refusal of a stream's endpoint.
fn explain(e: Error, stream: &Stream, config: &Config, realm: &str) -> Error {
    let roles = stream
        .roles
        .iter()
        .map(|r| format!("'{r}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let client = &config.client_id;
    let write = crate::roles::write_roles(stream.roles);
    let grant = |why: String| {
        if !write.is_empty() {
            return Error::Config(format!(
                "Keycloak refused stream '{}' in realm '{realm}' ({why}): it opens only to \
                 an account that holds the write role(s) '{}'{}, which the connector \
                 never asks for; deselect the stream",
                stream.name,
                crate::roles::names(&write),
                crate::roles::caveats_in_parens(&write)
            ));
        }
        Error::Config(format!(
            "Keycloak refused stream '{}' in realm '{realm}' ({why}): the service account of \
             client '{client}' needs the realm-management role(s) {roles} in realm '{realm}'. \
             Grant them under Clients → {client} → Service accounts roles, or deselect the \
             stream{}",
            stream.name,
            crate::roles::caveats(stream.roles, ". ")
        ))
    };
    match e {
        Error::Http {
            status: 403, path, ..
        } => grant(format!("HTTP 403 for GET {path}")),
        Error::RoleMissing { path, detail } => grant(format!("{detail}, GET {path}")),
        Error::Http {
            status: 404,
            path,
            detail,
            ..
        } if detail.contains("Realm not found") => Error::Config(format!(
            "realm '{realm}' does not exist, or client '{client}' cannot see it (HTTP 404 for \
             GET {path}); check the realm names in the config"
        )),
        Error::Http {
            status: 401, path, ..
        } => Error::Config(format!(
            "Keycloak rejected a fresh token of client '{client}' for GET {path} (HTTP 401): \
             the client may have been disabled, or its service account removed, during the sync"
        )),
        other => other,
    }
}
