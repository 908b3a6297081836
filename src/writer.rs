//! The one writer core behind both front ends (Airbyte: `output.rs`, Singer:
//! `singer.rs`). It owns stdout's buffer and writes one JSON object per line; it checks
//! every line for the registered secrets (`crate::redact`) and writes one that holds a
//! secret from its redacted tree; it writes a record kept as text without parsing it
//! again; and it maps I/O errors (a closed stdout is `Error::BrokenPipe`: a quiet end).
//! Flushing is the front end's choice (both flush at STATE and at the end).

use std::io::{BufWriter, ErrorKind, Write};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::record::Record;

pub struct Writer<W: Write> {
    out: BufWriter<W>,
    /// The line being written, checked for secrets before it goes to `out`.
    line: Vec<u8>,
}

impl<W: Write> Writer<W> {
    pub fn new(w: W) -> Self {
        Writer {
            out: BufWriter::with_capacity(64 * 1024, w),
            line: Vec::with_capacity(4096),
        }
    }

    /// One message as a line.
    pub fn message<T: Serialize>(&mut self, message: &T) -> Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, message)?;
        if crate::redact::in_record(&self.line) {
            let mut tree = serde_json::to_value(message)?;
            crate::redact::value(&mut tree);
            self.line.clear();
            serde_json::to_writer(&mut self.line, &tree)?;
        }
        self.send()
    }

    /// A record's line: `head`, the record's JSON, then what `tail` appends. A record
    /// kept as text is copied as it is, unless it holds a secret, or a `\u` escape that
    /// could spell one the check would not see: then it goes through its redacted tree,
    /// in serde's own spelling.
    pub fn record(
        &mut self,
        head: &[u8],
        data: &Record,
        tail: impl FnOnce(&mut Vec<u8>),
    ) -> Result<()> {
        self.line.clear();
        self.line.extend_from_slice(head);
        let start = self.line.len();
        match data {
            Record::Tree(tree) => serde_json::to_writer(&mut self.line, tree)?,
            Record::Text(text) => self.line.extend_from_slice(text.as_bytes()),
        }
        let written = &self.line[start..];
        if crate::redact::in_record(written)
            || matches!(data, Record::Text(_)) && memchr::memmem::find(written, b"\\u").is_some()
        {
            let mut tree = data.to_value();
            crate::redact::value(&mut tree);
            self.line.truncate(start);
            serde_json::to_writer(&mut self.line, &tree)?;
        }
        tail(&mut self.line);
        self.send()
    }

    /// A document of our own as one line (Singer's `--about` and catalog: spec and
    /// schemas, no data from the server).
    pub fn text(&mut self, text: &str) -> Result<()> {
        self.line.clear();
        self.line.extend_from_slice(text.as_bytes());
        self.send()
    }

    fn send(&mut self) -> Result<()> {
        self.line.push(b'\n');
        self.out.write_all(&self.line).map_err(io_error)
    }

    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(io_error)
    }
}

fn io_error(e: std::io::Error) -> Error {
    if e.kind() == ErrorKind::BrokenPipe {
        Error::BrokenPipe
    } else {
        Error::Internal(format!("writing to standard output failed: {e}"))
    }
}
