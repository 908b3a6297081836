//! The only writer of stdout. Every protocol message goes through `Output`: one JSON
//! object per line, buffered, flushed at each STATE (so a host that checkpoints on state
//! has everything before it) and at the end, never per record. Free text in LOG and
//! TRACE messages passes through `redact`, so a secret that slipped into a message
//! (it should not) still never reaches the host.

use std::io::{BufWriter, ErrorKind, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::error::{Error, FailureType, Result};
use crate::protocol::*;

pub struct Output<W: Write> {
    out: BufWriter<W>,
    secrets: Vec<String>,
}

pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl<W: Write> Output<W> {
    pub fn new(w: W) -> Self {
        Output {
            out: BufWriter::with_capacity(64 * 1024, w),
            secrets: Vec::new(),
        }
    }

    /// Registers a value that must never appear in free-text messages.
    pub fn add_secret(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
        }
    }

    fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for s in &self.secrets {
            if text.contains(s.as_str()) {
                text = text.replace(s.as_str(), "**********");
            }
        }
        text
    }

    fn write(&mut self, msg: &Message) -> Result<()> {
        serde_json::to_writer(&mut self.out, msg).map_err(|e| match e.io_error_kind() {
            Some(kind) => io_error(kind, &e.to_string()),
            None => Error::from(e),
        })?;
        self.out
            .write_all(b"\n")
            .map_err(|e| io_error(e.kind(), &e.to_string()))
    }

    pub fn flush(&mut self) -> Result<()> {
        self.out
            .flush()
            .map_err(|e| io_error(e.kind(), &e.to_string()))
    }

    pub fn record(&mut self, stream: &str, data: &crate::record::Record) -> Result<()> {
        match data {
            crate::record::Record::Tree(data) => self.write(&Message::Record {
                record: Record {
                    stream,
                    data,
                    emitted_at: now_millis(),
                },
            }),
            crate::record::Record::Text(text) => self.write_text_record(stream, text),
        }
    }

    /// The line serde writes for a tree record, with the record's own text as `data`.
    fn write_text_record(&mut self, stream: &str, text: &str) -> Result<()> {
        let io = |e: std::io::Error| io_error(e.kind(), &e.to_string());
        self.out
            .write_all(b"{\"type\":\"RECORD\",\"record\":{\"stream\":")
            .map_err(io)?;
        serde_json::to_writer(&mut self.out, stream)?;
        writeln!(
            self.out,
            ",\"data\":{text},\"emitted_at\":{}}}}}",
            now_millis()
        )
        .map_err(io)
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

fn io_error(kind: ErrorKind, text: &str) -> Error {
    if kind == ErrorKind::BrokenPipe {
        Error::BrokenPipe
    } else {
        Error::Internal(format!("writing to standard output failed: {text}"))
    }
}
