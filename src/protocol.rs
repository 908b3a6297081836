//! Protocol messages as serde types that borrow where they can, so writing one copies
//! nothing: Airbyte's (protocol v0.5, as modelled by `airbyte-protocol-models`) and
//! Singer's (SCHEMA, STATE, ACTIVATE_VERSION; RECORD lines are framed by hand around a
//! record's text, in `singer.rs`).
//! Only what this source emits is modelled; input files (catalog, state) are parsed
//! leniently in `catalog.rs` and `state.rs`.

use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub struct StreamDescriptor<'a> {
    pub name: &'a str,
}

#[derive(Serialize)]
#[serde(tag = "type")]
pub enum Message<'a> {
    #[serde(rename = "RECORD")]
    Record { record: Record<'a> },
    #[serde(rename = "STATE")]
    State { state: State<'a> },
    #[serde(rename = "LOG")]
    Log { log: Log<'a> },
    #[serde(rename = "TRACE")]
    Trace { trace: Trace<'a> },
    #[serde(rename = "SPEC")]
    Spec { spec: Spec<'a> },
    #[serde(rename = "CONNECTION_STATUS")]
    ConnectionStatus {
        #[serde(rename = "connectionStatus")]
        connection_status: ConnectionStatus<'a>,
    },
    #[serde(rename = "CATALOG")]
    Catalog { catalog: Catalog<'a> },
}

#[derive(Serialize)]
pub struct Record<'a> {
    pub stream: &'a str,
    pub data: &'a Value,
    pub emitted_at: u64,
}

#[derive(Serialize)]
pub struct State<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub stream: StreamState<'a>,
    #[serde(rename = "sourceStats")]
    pub source_stats: Stats,
}

#[derive(Serialize)]
pub struct StreamState<'a> {
    pub stream_descriptor: StreamDescriptor<'a>,
    pub stream_state: &'a Value,
}

#[derive(Serialize)]
pub struct Stats {
    #[serde(rename = "recordCount")]
    pub record_count: f64,
}

#[derive(Serialize, Clone, Copy)]
pub enum Level {
    #[serde(rename = "INFO")]
    Info,
    #[serde(rename = "WARN")]
    Warn,
    #[serde(rename = "ERROR")]
    Error,
}

#[derive(Serialize)]
pub struct Log<'a> {
    pub level: Level,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct Trace<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub emitted_at: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TraceError<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_status: Option<StreamStatus<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Estimate<'a>>,
}

#[derive(Serialize)]
pub struct TraceError<'a> {
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_message: Option<&'a str>,
    pub failure_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_descriptor: Option<StreamDescriptor<'a>>,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    #[serde(rename = "STARTED")]
    Started,
    #[serde(rename = "RUNNING")]
    Running,
    #[serde(rename = "COMPLETE")]
    Complete,
    #[serde(rename = "INCOMPLETE")]
    Incomplete,
}

#[derive(Serialize)]
pub struct StreamStatus<'a> {
    pub stream_descriptor: StreamDescriptor<'a>,
    pub status: Status,
}

#[derive(Serialize)]
pub struct Estimate<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub row_estimate: u64,
}

#[derive(Serialize)]
pub struct Spec<'a> {
    #[serde(rename = "documentationUrl", skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<&'a str>,
    #[serde(rename = "connectionSpecification")]
    pub connection_specification: &'a Value,
    #[serde(rename = "supportsIncremental")]
    pub supports_incremental: bool,
}

#[derive(Serialize)]
pub struct ConnectionStatus<'a> {
    pub status: &'static str,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct Catalog<'a> {
    pub streams: Vec<CatalogStream<'a>>,
}

#[derive(Serialize)]
pub struct CatalogStream<'a> {
    pub name: &'a str,
    pub json_schema: &'a Value,
    pub supported_sync_modes: Vec<&'static str>,
    pub source_defined_primary_key: Vec<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_defined_cursor: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_cursor_field: Option<Vec<&'a str>>,
    pub is_resumable: bool,
}

/// A Singer message (the Singer spec; RECORD is written by `SingerOutput::record`).
#[derive(Serialize)]
#[serde(tag = "type")]
pub enum SingerMessage<'a> {
    #[serde(rename = "SCHEMA")]
    Schema {
        stream: &'a str,
        schema: &'a Value,
        key_properties: &'a [&'a str],
        bookmark_properties: Vec<&'a str>,
    },
    #[serde(rename = "STATE")]
    State { value: &'a Value },
    #[serde(rename = "ACTIVATE_VERSION")]
    ActivateVersion { stream: &'a str, version: u64 },
}
