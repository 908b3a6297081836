//! Test support: runs the connector binary, parses every stdout line back into strict
//! protocol types (unknown fields are errors), and asserts that no secret of the fake
//! realm or any token ever appears in stdout or stderr.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Parser;
use fake_keycloak::{FakeConfig, FakeKeycloak};
use serde::Deserialize;
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "source-keycloak";
pub const SECRET: &str = "fake-secret-9f8e7d6c5b4a";
pub const REALM: &str = "acme";

#[derive(Deserialize, Debug)]
#[serde(tag = "type", deny_unknown_fields)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
pub enum Msg {
    RECORD {
        record: Rec,
    },
    STATE {
        state: StateMsg,
    },
    LOG {
        log: LogMsg,
    },
    TRACE {
        trace: TraceMsg,
    },
    SPEC {
        spec: Value,
    },
    CONNECTION_STATUS {
        #[serde(rename = "connectionStatus")]
        connection_status: ConnStatus,
    },
    CATALOG {
        catalog: Value,
    },
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct Rec {
    pub stream: String,
    pub data: Value,
    pub emitted_at: u64,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct StateMsg {
    #[serde(rename = "type")]
    pub kind: String,
    pub stream: StreamState,
    #[serde(rename = "sourceStats")]
    pub source_stats: SourceStats,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct StreamState {
    pub stream_descriptor: Descriptor,
    pub stream_state: Value,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct SourceStats {
    #[serde(rename = "recordCount")]
    pub record_count: f64,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    pub name: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct LogMsg {
    pub level: String,
    pub message: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct TraceMsg {
    #[serde(rename = "type")]
    pub kind: String,
    pub emitted_at: f64,
    pub error: Option<TraceError>,
    pub stream_status: Option<StreamStatus>,
    pub estimate: Option<Value>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct TraceError {
    pub message: String,
    pub internal_message: Option<String>,
    pub failure_type: String,
    pub stream_descriptor: Option<Descriptor>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct StreamStatus {
    pub stream_descriptor: Descriptor,
    pub status: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness; not every field is asserted
pub struct ConnStatus {
    pub status: String,
    pub message: Option<String>,
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub messages: Vec<Msg>,
}

impl Run {
    pub fn records(&self, stream: &str) -> Vec<&Value> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Msg::RECORD { record } if record.stream == stream => Some(&record.data),
                _ => None,
            })
            .collect()
    }

    /// Primary-key tuples of a stream's records, as strings; panics on a duplicate.
    pub fn keys(&self, stream: &str, pk: &[&str]) -> BTreeSet<Vec<String>> {
        let mut keys = BTreeSet::new();
        for r in self.records(stream) {
            let key: Vec<String> = pk.iter().map(|k| key_part(&r[*k])).collect();
            assert!(
                keys.insert(key.clone()),
                "duplicate {stream} record {key:?}"
            );
        }
        keys
    }

    pub fn errors(&self) -> Vec<&TraceError> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Msg::TRACE { trace } => trace.error.as_ref(),
                _ => None,
            })
            .collect()
    }

    pub fn statuses(&self, stream: &str) -> Vec<&str> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Msg::TRACE { trace } => trace.stream_status.as_ref(),
                _ => None,
            })
            .filter(|s| s.stream_descriptor.name == stream)
            .map(|s| s.status.as_str())
            .collect()
    }

    pub fn states(&self, stream: &str) -> Vec<&StateMsg> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Msg::STATE { state } if state.stream.stream_descriptor.name == stream => {
                    Some(state)
                }
                _ => None,
            })
            .collect()
    }

    pub fn connection_status(&self) -> (&str, &str) {
        let statuses: Vec<&ConnStatus> = self
            .messages
            .iter()
            .filter_map(|m| match m {
                Msg::CONNECTION_STATUS { connection_status } => Some(connection_status),
                _ => None,
            })
            .collect();
        assert_eq!(
            statuses.len(),
            1,
            "exactly one CONNECTION_STATUS: {}",
            self.stdout
        );
        let s = statuses[0];
        (s.status.as_str(), s.message.as_deref().unwrap_or(""))
    }
}

pub fn key_part(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        other => panic!("primary key part is not a string: {other}"),
    }
}

/// A temporary folder with config/catalog/state files.
pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Files {
    pub fn new() -> Files {
        Files {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write test file");
        path
    }

    pub fn json(&self, name: &str, value: &Value) -> PathBuf {
        self.write(name, &value.to_string())
    }
}

pub fn config_for(fake: &FakeKeycloak) -> Value {
    json!({"server_url": fake.base_url(), "realm": REALM, "client_id": CLIENT_ID,
           "client_secret": SECRET, "max_retries": 3})
}

pub fn start_sample() -> FakeKeycloak {
    FakeKeycloak::start(FakeConfig::sample())
}

/// A configured catalog of the given streams (all discovered ones when empty), built the
/// way a host builds it: from `discover` against `fake`.
pub fn catalog(fake: &FakeKeycloak, streams: &[&str]) -> Value {
    let files = Files::new();
    let config = files.json("c.json", &config_for(fake));
    let all = run(&["discover", "--config", s(&config)]);
    let Some(Msg::CATALOG { catalog }) = all.messages.first() else {
        panic!("discover printed no catalog: {}", all.stdout);
    };
    let entries: Vec<Value> = catalog["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .filter(|s| streams.is_empty() || streams.contains(&s["name"].as_str().unwrap_or("")))
        .map(|s| {
            json!({"stream": s, "sync_mode": "full_refresh",
                   "destination_sync_mode": "overwrite", "cursor_field": [], "primary_key": null})
        })
        .collect();
    assert!(
        streams.is_empty() || entries.len() == streams.len(),
        "discover lacks some of {streams:?}"
    );
    json!({"streams": entries})
}

/// Runs the connector's command `args` in-process (`source_keycloak::execute`, short retry
/// delays) and checks its output. The Airbyte commands write nothing but stdout; what only
/// the binary can show (exit codes of bad arguments, signals, a closed stdout, stderr) is
/// tested by spawning it (`run_binary`, `cli.rs`, `kill.rs`, the hostile suite).
pub fn run(args: &[&str]) -> Run {
    let cli = source_keycloak::cli::Cli::try_parse_from(
        std::iter::once("source-keycloak").chain(args.iter().copied()),
    )
    .unwrap_or_else(|e| panic!("{args:?} is not a command line of the connector: {e}"));
    let mut stdout = Vec::new();
    let code = source_keycloak::execute(&cli.command, &mut stdout, &fast_retries());
    finish(Some(i32::from(code)), stdout, Vec::new())
}

/// Runs the connector's binary with `args` and checks its output.
pub fn run_binary(args: &[&str]) -> Run {
    let (code, stdout, stderr) = spawn(env!("CARGO_BIN_EXE_source-keycloak"), args);
    finish(code, stdout, stderr)
}

/// Runs `binary` with `args` and no stdin: its exit code, stdout and stderr.
fn spawn(binary: &str, args: &[&str]) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let output = Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {binary}: {e}"));
    (output.status.code(), output.stdout, output.stderr)
}

/// The options of in-process runs: retries back off from 20 ms instead of 1 s.
fn fast_retries() -> source_keycloak::Options {
    source_keycloak::Options {
        retry_base_delay: std::time::Duration::from_millis(20),
    }
}

fn finish(code: Option<i32>, stdout: Vec<u8>, stderr: Vec<u8>) -> Run {
    let stdout = String::from_utf8(stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(stderr).expect("stderr is UTF-8");
    assert_no_secrets(&stdout, &stderr);
    let messages = stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<Msg>(line).unwrap_or_else(|e| {
                panic!("stdout line is not a strict protocol message ({e}): {line}")
            })
        })
        .collect();
    Run {
        code,
        stdout,
        stderr,
        messages,
    }
}

pub fn assert_no_secrets(stdout: &str, stderr: &str) {
    for secret in fake_keycloak::SAMPLE_SECRETS {
        assert!(!stdout.contains(secret), "secret {secret} in stdout");
        assert!(!stderr.contains(secret), "secret {secret} in stderr");
    }
    // The client secret also in every encoding it takes on the wire or in a body an
    // error could echo: form-encoded (the token request), percent-encoded, JSON-escaped,
    // and inside HTTP Basic.
    let mut client_secret = forms(SECRET);
    client_secret.push(basic(CLIENT_ID, SECRET));
    assert_absent(stdout, stderr, &client_secret, "the client secret");
    for text in [stdout, stderr] {
        assert!(
            !text.contains(fake_keycloak::TOKEN_PREFIX),
            "an access token was printed"
        );
    }
}

/// Fails if any of `needles` (the forms of one value) is in stdout or stderr; `what`
/// names the value without printing it.
pub fn assert_absent(stdout: &str, stderr: &str, needles: &[String], what: &str) {
    for needle in needles.iter().filter(|n| !n.is_empty()) {
        for (name, text) in [("stdout", stdout), ("stderr", stderr)] {
            if let Some(at) = text.find(needle.as_str()) {
                panic!(
                    "{what} is in {name} (encoded as {}, at byte {at})",
                    encoding_name(needle, needles)
                );
            }
        }
    }
}

fn encoding_name(needle: &str, needles: &[String]) -> &'static str {
    const NAMES: [&str; 5] = [
        "raw",
        "form-urlencoded",
        "percent-encoded",
        "JSON-escaped",
        "base64",
    ];
    needles
        .iter()
        .position(|n| n == needle)
        .and_then(|i| NAMES.get(i).copied())
        .unwrap_or("another form")
}

/// The forms a secret takes in transit: raw, `application/x-www-form-urlencoded`
/// (`+` for space, upper-case %XX), percent-encoded (RFC 3986, %20 for space),
/// JSON-escaped (as serde_json writes the string, without the quotes). Always in that
/// order, duplicates kept so positions name the encoding.
pub fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).expect("a string serialises");
    vec![
        secret.to_string(),
        form_urlencode(secret),
        percent_encode(secret),
        json[1..json.len() - 1].to_string(),
    ]
}

/// `base64(client_id:secret)`: the credentials of HTTP Basic authentication.
pub fn basic(client_id: &str, secret: &str) -> String {
    base64(format!("{client_id}:{secret}").as_bytes())
}

/// As `application/x-www-form-urlencoded` (WHATWG): `*-._` and alphanumerics stay.
pub fn form_urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Reads `streams` from `fake` with the given config changes; returns the run.
pub fn read(fake: &FakeKeycloak, streams: &[&str], config_patch: Value) -> Run {
    read_with(fake, &table_catalog(streams), None, config_patch)
}

/// `read` with a given catalog, an optional input state and config changes.
pub fn read_with(
    fake: &FakeKeycloak,
    catalog: &Value,
    state: Option<&Value>,
    config_patch: Value,
) -> Run {
    let files = Files::new();
    let mut config = config_for(fake);
    if let (Some(c), Some(p)) = (config.as_object_mut(), config_patch.as_object()) {
        for (k, v) in p {
            c.insert(k.clone(), v.clone());
        }
    }
    let config = files.json("config.json", &config);
    let catalog = files.json("catalog.json", catalog);
    let mut args = vec!["read", "--config", s(&config), "--catalog", s(&catalog)];
    let state_path;
    if let Some(state) = state {
        state_path = files.json("state.json", state);
        args.extend(["--state", s(&state_path)]);
    }
    run(&args)
}

/// How many events of `stream` ("events" or "admin_events") the fake realm holds.
pub fn event_count(fake: &FakeKeycloak, stream: &str) -> usize {
    fake.with_realm_mut(REALM, |r| match stream {
        "events" => r.events.len(),
        _ => r.admin_events.len(),
    })
    .expect("realm exists")
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A configured catalog of the given streams (all when empty) straight from the stream
/// table, without asking the server: for reads whose faults must not hit `discover`.
pub fn table_catalog(streams: &[&str]) -> Value {
    let entries: Vec<Value> = source_keycloak::streams::STREAMS
        .iter()
        .filter(|s| streams.is_empty() || streams.contains(&s.name))
        .map(|s| {
            json!({"stream": {"name": s.name, "json_schema": s.schema_json().expect("schema"),
                              "supported_sync_modes": ["full_refresh"]},
                   "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"})
        })
        .collect();
    json!({"streams": entries})
}

/// A map from stream name to its schema, from discover.
pub fn schemas(fake: &FakeKeycloak) -> BTreeMap<String, Value> {
    let cat = catalog(fake, &[]);
    cat["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|e| {
            (
                e["stream"]["name"].as_str().expect("name").to_string(),
                e["stream"]["json_schema"].clone(),
            )
        })
        .collect()
}

/// A Singer-mode run: every stdout line as JSON, stderr as text.
pub struct SingerRun {
    pub code: Option<i32>,
    pub lines: Vec<Value>,
    pub stderr: String,
}

impl SingerRun {
    pub fn of_type(&self, kind: &str) -> Vec<&Value> {
        self.lines.iter().filter(|l| l["type"] == kind).collect()
    }
}

/// Runs the Singer tap with `args` in-process (`singer::execute`, short retry delays; log
/// lines captured as the binary's stderr) and checks its output for secrets.
pub fn run_singer(args: &[&str]) -> SingerRun {
    let parsed = source_keycloak::singer::SingerArgs::try_parse_from(
        std::iter::once("tap-keycloak").chain(args.iter().copied()),
    )
    .unwrap_or_else(|e| panic!("{args:?} is not a command line of the tap: {e}"));
    let log = SharedLog::default();
    let mut stdout = Vec::new();
    let code = source_keycloak::singer::execute(
        &parsed,
        &mut stdout,
        Box::new(log.clone()),
        &fast_retries(),
    );
    let stderr = log.0.lock().unwrap().clone();
    finish_singer(Some(i32::from(code)), stdout, stderr)
}

/// Runs `binary` (a binary of the crate, in Singer mode) and checks its output for secrets.
pub fn run_singer_binary(binary: &str, args: &[&str]) -> SingerRun {
    let (code, stdout, stderr) = spawn(binary, args);
    finish_singer(code, stdout, stderr)
}

fn finish_singer(code: Option<i32>, stdout: Vec<u8>, stderr: Vec<u8>) -> SingerRun {
    let stdout = String::from_utf8(stdout).expect("UTF-8");
    let stderr = String::from_utf8(stderr).expect("UTF-8");
    assert_no_secrets(&stdout, &stderr);
    SingerRun {
        code,
        // `--discover` prints one indented document; everything else, a message a line.
        lines: match serde_json::from_str::<Value>(&stdout) {
            Ok(document) if stdout.starts_with("{\n") => vec![document],
            _ => stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
                .collect(),
        },
        stderr,
    }
}

/// A log sink the test keeps a handle on while the tap owns the other.
#[derive(Clone, Default)]
pub struct SharedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
