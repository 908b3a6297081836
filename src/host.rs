//! What a read tells its host, independent of the protocol. The Airbyte writer
//! (`output::Output`) and the Singer writer (`singer::SingerOutput`) both implement it,
//! so one read engine serves both hosts.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::protocol::{Level, Status};
use crate::record::Record;

/// What a host needs to know of a stream when it begins.
pub struct StreamMeta<'a> {
    pub name: &'a str,
    /// The JSON schema's text.
    pub schema: &'a str,
    pub primary_key: &'a [&'a str],
    /// The cursor field of an incremental stream.
    pub cursor_field: Option<&'a str>,
}

pub trait Host {
    fn log(&mut self, level: Level, message: &str) -> Result<()>;
    /// A failure, of one stream when `stream` is set.
    fn error(&mut self, error: &Error, stream: Option<&str>) -> Result<()>;
    /// A stream begins (`incremental`: it resumes from state).
    fn started(&mut self, stream: &StreamMeta, incremental: bool) -> Result<()>;
    /// The stream's first record is about to be written.
    fn running(&mut self, stream: &str) -> Result<()>;
    fn record(&mut self, stream: &str, data: &Record) -> Result<()>;
    /// The stream's state after every record written so far (`records` since the last).
    fn state(&mut self, stream: &str, state: &Value, records: u64) -> Result<()>;
    fn estimate(&mut self, stream: &str, rows: u64) -> Result<()>;
    /// The stream ended, completely or not.
    fn finished(&mut self, stream: &str, complete: bool) -> Result<()>;
    fn flush(&mut self) -> Result<()>;
}

impl<W: std::io::Write> Host for crate::output::Output<W> {
    fn log(&mut self, level: Level, message: &str) -> Result<()> {
        crate::output::Output::log(self, level, message)
    }
    fn error(&mut self, error: &Error, stream: Option<&str>) -> Result<()> {
        crate::output::Output::error(self, error, stream)
    }
    fn started(&mut self, stream: &StreamMeta, _incremental: bool) -> Result<()> {
        self.stream_status(stream.name, Status::Started)
    }
    fn running(&mut self, stream: &str) -> Result<()> {
        self.stream_status(stream, Status::Running)
    }
    fn record(&mut self, stream: &str, data: &Record) -> Result<()> {
        crate::output::Output::record(self, stream, data)
    }
    fn state(&mut self, stream: &str, state: &Value, records: u64) -> Result<()> {
        crate::output::Output::state(self, stream, state, records)
    }
    fn estimate(&mut self, stream: &str, rows: u64) -> Result<()> {
        crate::output::Output::estimate(self, stream, rows)
    }
    fn finished(&mut self, stream: &str, complete: bool) -> Result<()> {
        let status = if complete {
            Status::Complete
        } else {
            Status::Incomplete
        };
        self.stream_status(stream, status)
    }
    fn flush(&mut self) -> Result<()> {
        crate::output::Output::flush(self)
    }
}
