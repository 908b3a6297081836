//! Singer mode, as Meltano runs taps: `tap-keycloak --about [--format json|markdown]`,
//! `--config F --discover [--state F]`, `--config F [--catalog F | --properties F]
//! [--state F]`. The same read engine as Airbyte mode writes Singer messages here:
//! SCHEMA (with key and bookmark properties) before a stream's first RECORD, RECORD with
//! `time_extracted`, STATE whose value is the whole state `{"bookmarks": {stream: …}}`
//! (Meltano keeps only the last one), and ACTIVATE_VERSION around full-table streams.
//! Logs and errors go to stderr, as Singer wants stdout for messages only.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use serde_json::{Map, Value, json};

use crate::commands::{self, Outcome, Selected};
use crate::config;
use crate::error::{Error, Result};
use crate::host::{Host, StreamMeta};
use crate::protocol::{Level, SingerMessage};
use crate::record::Record;
use crate::state;
use crate::streams::{self, STREAMS, Stream};
use crate::time::iso_of;
use crate::time::now_millis;
use crate::writer::Writer;

#[derive(Parser, Debug)]
#[command(
    name = "tap-keycloak",
    version,
    about = "Singer tap for Keycloak (Meltano)"
)]
pub struct SingerArgs {
    #[arg(long)]
    pub about: bool,
    /// Output format of --about: json (default) or markdown.
    #[arg(long)]
    pub format: Option<String>,
    #[arg(long)]
    pub config: Option<String>,
    #[arg(long)]
    pub discover: bool,
    #[arg(long)]
    pub catalog: Option<String>,
    /// The older name of --catalog.
    #[arg(long)]
    pub properties: Option<String>,
    #[arg(long)]
    pub state: Option<String>,
}

/// True for arguments in Singer's style (no Airbyte subcommand), so `source-keycloak`
/// also works where a Singer tap is expected.
pub fn looks_like_singer(args: &[String]) -> bool {
    args.get(1)
        .is_some_and(|a| a.starts_with("--") && a != "--help" && a != "--version")
}

pub fn main(args: Vec<String>) -> ExitCode {
    let args = SingerArgs::parse_from(args);
    let stdout = std::io::stdout().lock();
    let stderr = Box::new(std::io::stderr());
    ExitCode::from(execute(
        &args,
        stdout,
        stderr,
        &commands::Options::default(),
    ))
}

/// Runs the tap with parsed arguments, in-process: messages to `stdout`, log lines to
/// `log` (stderr in the binary); returns its exit code.
pub fn execute(
    args: &SingerArgs,
    stdout: impl Write,
    log: Box<dyn Write>,
    options: &commands::Options,
) -> u8 {
    let mut out = SingerOutput::new(stdout, log);
    let result = run(args, options, &mut out);
    let result = result.and_then(|outcome| out.flush().map(|_| outcome));
    match result {
        Ok(Outcome::Success) | Err(Error::BrokenPipe) => 0,
        Ok(Outcome::StreamsFailed) => 1,
        Err(e) => {
            let _ = Host::error(&mut out, &e, None);
            1
        }
    }
}

fn run(
    args: &SingerArgs,
    options: &commands::Options,
    out: &mut SingerOutput<impl Write>,
) -> Result<Outcome> {
    if args.about {
        let text = match args.format.as_deref() {
            Some("markdown") => about_markdown()?,
            None | Some("json") => serde_json::to_string_pretty(&about()?)?,
            Some(other) => {
                return Err(Error::Config(format!(
                    "--format {other} is not supported; use json or markdown"
                )));
            }
        };
        out.line(&text)?;
        return Ok(Outcome::Success);
    }
    let Some(config_path) = &args.config else {
        return Err(Error::Config(
            "give --config FILE (and --discover, or --catalog FILE to read)".into(),
        ));
    };
    let config = commands::load_config(config_path, options, out)?;
    let mut session = commands::Session::open(&config)?;
    let served = session.served()?;
    if args.discover {
        // Indented, as the Singer SDK prints it: Meltano reads discovery output with a
        // line limit (64 KiB) that a one-line catalog of this many streams exceeds.
        let text = serde_json::to_string_pretty(&catalog(&served)?)
            .map_err(|e| Error::Internal(format!("the catalog did not serialize: {e}")))?;
        out.line(&text)?;
        return Ok(Outcome::Success);
    }
    let selected = match args.catalog.as_ref().or(args.properties.as_ref()) {
        Some(path) => selected(&config::read_json_file(path, "catalog")?)?,
        None => served
            .iter()
            .map(|s| Selected {
                stream: s,
                incremental: s.incremental.is_some(),
            })
            .collect(),
    };
    let states = match &args.state {
        Some(path) => input_state(&config::read_json_file(path, "state")?, out),
        None => HashMap::new(),
    };
    out.bookmarks = states.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    commands::read_streams(&session, &config, &selected, &states, out)
}

/// `{"bookmarks": {stream: state}}`, or any form Airbyte mode accepts.
fn input_state(value: &Value, out: &mut impl Host) -> HashMap<String, Value> {
    if let Some(Value::Object(bookmarks)) = value.get("bookmarks") {
        return bookmarks
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    let parsed = state::parse(value);
    for warning in &parsed.warnings {
        let _ = out.log(Level::Warn, warning);
    }
    parsed.streams
}

/// Streams marked `selected` (top level, or in the metadata at breadcrumb []) in a
/// Singer catalog.
fn selected(catalog: &Value) -> Result<Vec<Selected>> {
    let entries = catalog["streams"].as_array().ok_or_else(|| {
        Error::Config("the catalog has no `streams` list; run --discover to make one".into())
    })?;
    let mut chosen = Vec::new();
    for entry in entries {
        let name = entry["tap_stream_id"]
            .as_str()
            .or(entry["stream"].as_str())
            .unwrap_or("");
        let stream = streams::find(name).ok_or_else(|| {
            Error::Config(format!(
                "the catalog names stream '{name}', which this tap does not have; run \
                 --discover again"
            ))
        })?;
        let root = entry["metadata"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["breadcrumb"].as_array().is_some_and(Vec::is_empty))
            .map(|m| &m["metadata"]);
        let is_selected = entry["selected"]
            .as_bool()
            .or_else(|| root.and_then(|m| m["selected"].as_bool()))
            .unwrap_or(false);
        let method = root.and_then(|m| m["replication-method"].as_str());
        if is_selected && !chosen.iter().any(|c: &Selected| c.stream.name == name) {
            chosen.push(Selected {
                stream,
                incremental: stream.incremental.is_some() && method != Some("FULL_TABLE"),
            });
        }
    }
    Ok(chosen)
}

fn catalog(served: &[&'static Stream]) -> Result<Value> {
    let streams = served
        .iter()
        .map(|s| catalog_entry(s))
        .collect::<Result<Vec<Value>>>()?;
    Ok(json!({ "streams": streams }))
}

fn catalog_entry(stream: &Stream) -> Result<Value> {
    let schema = stream.schema_json()?;
    let cursor: Vec<&str> = stream.incremental.iter().map(|i| i.cursor_field).collect();
    let mut metadata = vec![json!({"breadcrumb": [], "metadata": {
        "inclusion": "available",
        "selected-by-default": true,
        "table-key-properties": stream.primary_key,
        "valid-replication-keys": cursor,
        "forced-replication-method": if cursor.is_empty() { "FULL_TABLE" } else { "INCREMENTAL" },
    }})];
    for field in schema["properties"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.keys())
    {
        let automatic =
            stream.primary_key.contains(&field.as_str()) || cursor.contains(&field.as_str());
        metadata.push(json!({"breadcrumb": ["properties", field], "metadata": {
            "inclusion": if automatic { "automatic" } else { "available" }}}));
    }
    Ok(json!({
        "tap_stream_id": stream.name,
        "stream": stream.name,
        "schema": schema,
        "key_properties": stream.primary_key,
        "replication_key": cursor.first(),
        "metadata": metadata,
    }))
}

/// `--about`: generated from spec.json.
pub fn about() -> Result<Value> {
    let spec = config::spec()?;
    let required: Vec<&str> = spec["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut fields: Vec<(&String, &Value)> = spec["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .collect();
    fields.sort_by_key(|(_, f)| f["order"].as_u64().unwrap_or(u64::MAX));
    let mut settings = Vec::new();
    for (name, field) in fields {
        settings.push(json!({
            "name": name,
            "type": field["type"],
            "secret": field["airbyte_secret"].as_bool().unwrap_or(false),
            "required": required.contains(&name.as_str()),
            "description": field["description"],
        }));
    }
    Ok(json!({
        "name": "tap-keycloak",
        "description": spec["description"],
        "version": env!("CARGO_PKG_VERSION"),
        "capabilities": ["catalog", "discover", "state", "about"],
        "settings": settings,
        "streams": STREAMS.iter().map(|s| s.name).collect::<Vec<_>>(),
    }))
}

fn about_markdown() -> Result<String> {
    let about = about()?;
    let mut text = format!(
        "# tap-keycloak\n\n{}\n\nCapabilities: {}\n\n## Settings\n\n| name | type | secret | required | description |\n|---|---|---|---|---|\n",
        about["description"].as_str().unwrap_or_default(),
        ["catalog", "discover", "state", "about"].join(", ")
    );
    for s in about["settings"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            s["name"].as_str().unwrap_or_default(),
            s["type"].as_str().unwrap_or("array"),
            s["secret"],
            s["required"],
            s["description"]
                .as_str()
                .unwrap_or_default()
                .replace('|', "\\|")
        ));
    }
    Ok(text)
}

/// The Singer writer: messages on stdout (buffered, flushed at STATE), logs on stderr.
pub struct SingerOutput<W: Write> {
    out: Writer<W>,
    /// The whole state, every stream's bookmark.
    bookmarks: Map<String, Value>,
    /// Full-table streams and their ACTIVATE_VERSION version.
    versions: HashMap<String, u64>,
    /// Where log lines go: stderr in the binary.
    log: Box<dyn Write>,
}

impl<W: Write> SingerOutput<W> {
    pub fn new(w: W, log: Box<dyn Write>) -> Self {
        SingerOutput {
            out: Writer::new(w),
            log,
            bookmarks: Map::new(),
            versions: HashMap::new(),
        }
    }

    fn line(&mut self, text: &str) -> Result<()> {
        self.out.text(text)
    }

    fn message(&mut self, message: &SingerMessage) -> Result<()> {
        self.out.message(message)
    }

    /// A log line, redacted. A log that cannot be written is no reason to stop a sync.
    fn stderr(&mut self, level: &str, text: &str) {
        let _ = writeln!(self.log, "{level} {}", crate::redact::text(text));
    }
}

impl<W: Write> Host for SingerOutput<W> {
    fn log(&mut self, level: Level, message: &str) -> Result<()> {
        let level = match level {
            Level::Info => "INFO",
            Level::Warn => "WARNING",
            Level::Error => "ERROR",
        };
        self.stderr(level, message);
        Ok(())
    }

    fn error(&mut self, error: &Error, stream: Option<&str>) -> Result<()> {
        let prefix = stream
            .map(|s| format!("stream '{s}': "))
            .unwrap_or_default();
        self.stderr("ERROR", &format!("{prefix}{error}"));
        Ok(())
    }

    fn started(&mut self, stream: &StreamMeta, incremental: bool) -> Result<()> {
        let bookmarks: Vec<&str> = stream.cursor_field.into_iter().collect();
        let schema: Value = serde_json::from_str(stream.schema)?;
        self.message(&SingerMessage::Schema {
            stream: stream.name,
            schema: &schema,
            key_properties: stream.primary_key,
            bookmark_properties: bookmarks,
        })?;
        if !incremental {
            let version = now_millis();
            self.versions.insert(stream.name.to_string(), version);
            self.message(&SingerMessage::ActivateVersion {
                stream: stream.name,
                version,
            })?;
        }
        Ok(())
    }

    fn running(&mut self, _stream: &str) -> Result<()> {
        Ok(())
    }

    fn record(&mut self, stream: &str, data: &Record) -> Result<()> {
        // Written by hand so a record kept as text (`Record::Text`) is not parsed again.
        let mut head = Vec::with_capacity(64);
        head.extend_from_slice(b"{\"type\":\"RECORD\",\"stream\":");
        serde_json::to_writer(&mut head, stream)?;
        head.extend_from_slice(b",\"record\":");
        let version = self.versions.get(stream).copied();
        self.out.record(&head, data, |line| {
            line.extend_from_slice(b",\"time_extracted\":\"");
            line.extend_from_slice(iso_of(now_millis() as i64).as_bytes());
            line.push(b'"');
            if let Some(version) = version {
                line.extend_from_slice(format!(",\"version\":{version}").as_bytes());
            }
            line.push(b'}');
        })
    }

    fn state(&mut self, stream: &str, state: &Value, _records: u64) -> Result<()> {
        if state.as_object().is_some_and(|o| !o.is_empty()) {
            self.bookmarks.insert(stream.to_string(), state.clone());
        }
        let value = json!({"bookmarks": self.bookmarks});
        self.message(&SingerMessage::State { value: &value })?;
        self.flush()
    }

    fn estimate(&mut self, _stream: &str, _rows: u64) -> Result<()> {
        Ok(())
    }

    fn finished(&mut self, stream: &str, complete: bool) -> Result<()> {
        if let (true, Some(version)) = (complete, self.versions.get(stream).copied()) {
            self.message(&SingerMessage::ActivateVersion { stream, version })?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush()
    }
}
