//! The Airbyte front end of the writer core (`crate::writer`): every Airbyte message
//! goes through `Output`, one JSON object per line, buffered, flushed at each STATE (so a
//! host that checkpoints on state has everything before it) and at the end, never per
//! record. Free text in LOG and TRACE messages passes through `redact::text`; the core
//! checks every line for the registered secrets.

use std::io::Write;

use serde_json::Value;

use crate::error::{Error, FailureType, Result};
use crate::protocol::*;
use crate::time::now_millis;
use crate::writer::Writer;

pub struct Output<W: Write> {
    out: Writer<W>,
}

impl<W: Write> Output<W> {
    pub fn new(w: W) -> Self {
        Output {
            out: Writer::new(w),
        }
    }

    fn redact(&self, text: &str) -> String {
        crate::redact::text(text).into_owned()
    }

    fn write(&mut self, msg: &Message) -> Result<()> {
        self.out.message(msg)
    }

    pub fn flush(&mut self) -> Result<()> {
        self.out.flush()
    }

    /// A RECORD: the line serde would write, with the record's own JSON as `data`.
    pub fn record(&mut self, stream: &str, data: &crate::record::Record) -> Result<()> {
        let mut head = Vec::with_capacity(64);
        head.extend_from_slice(b"{\"type\":\"RECORD\",\"record\":{\"stream\":");
        serde_json::to_writer(&mut head, stream)?;
        head.extend_from_slice(b",\"data\":");
        self.out.record(&head, data, |line| {
            line.extend_from_slice(format!(",\"emitted_at\":{}}}}}", now_millis()).as_bytes());
        })
    }

    pub fn state(&mut self, stream: &str, state: &Value, records: u64) -> Result<()> {
        self.write(&Message::State {
            state: State {
                kind: "STREAM",
                stream: StreamState {
                    stream_descriptor: StreamDescriptor { name: stream },
                    stream_state: state,
                },
                source_stats: Stats {
                    record_count: records as f64,
                },
            },
        })?;
        self.flush()
    }

    pub fn log(&mut self, level: Level, message: &str) -> Result<()> {
        let message = self.redact(message);
        self.write(&Message::Log {
            log: Log {
                level,
                message: &message,
            },
        })
    }

    fn trace(&mut self, trace: Trace) -> Result<()> {
        self.write(&Message::Trace { trace })
    }

    pub fn stream_status(&mut self, stream: &str, status: Status) -> Result<()> {
        self.trace(Trace {
            kind: "STREAM_STATUS",
            emitted_at: now_millis() as f64,
            error: None,
            stream_status: Some(StreamStatus {
                stream_descriptor: StreamDescriptor { name: stream },
                status,
            }),
            estimate: None,
        })
    }

    pub fn estimate(&mut self, stream: &str, rows: u64) -> Result<()> {
        self.trace(Trace {
            kind: "ESTIMATE",
            emitted_at: now_millis() as f64,
            error: None,
            stream_status: None,
            estimate: Some(Estimate {
                name: stream,
                kind: "STREAM",
                row_estimate: rows,
            }),
        })
    }

    /// A TRACE ERROR; `stream` names the stream it concerns, if any.
    pub fn error(&mut self, err: &Error, stream: Option<&str>) -> Result<()> {
        let message = self.redact(&err.to_string());
        let failure_type = err.failure_type();
        let internal = match failure_type {
            FailureType::System => Some(format!("{err:?}")),
            _ => None,
        }
        .map(|m| self.redact(&m));
        self.trace(Trace {
            kind: "ERROR",
            emitted_at: now_millis() as f64,
            error: Some(TraceError {
                message: &message,
                internal_message: internal.as_deref(),
                failure_type: failure_type.as_str(),
                stream_descriptor: stream.map(|name| StreamDescriptor { name }),
            }),
            stream_status: None,
            estimate: None,
        })?;
        self.flush()
    }

    pub fn connection_status(&mut self, ok: bool, message: &str) -> Result<()> {
        let message = self.redact(message);
        self.write(&Message::ConnectionStatus {
            connection_status: ConnectionStatus {
                status: if ok { "SUCCEEDED" } else { "FAILED" },
                message: &message,
            },
        })
    }

    pub fn message(&mut self, msg: &Message) -> Result<()> {
        self.write(msg)
    }
}

/// Replaces the default panic message (which prints the panic's payload, and that could
/// hold data from Keycloak or the config) with the location only. Installed by both
/// binaries before anything else; no input should reach a panic in the first place.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "source-keycloak: internal error{place}; please report it (the details are \
             withheld because they could contain data)"
        );
    }));
}
