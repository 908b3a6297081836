//! Issue 13, "A hostile or broken server gets nothing": the connector against a server
//! that redirects, echoes credentials, plants secrets in data, sends endless, huge,
//! slow or lying bodies, numbers at the edge, trees without end and paths with `..`.
//! Every run has a watchdog, is parsed strictly, and is grepped for every form of the
//! client secret, of every token the server issued and of the secrets a test planted.

pub mod server;

mod bounds;
mod false_success;
mod records;
mod redaction;
mod redirects;

use std::io::Read;
use std::ops::Deref;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Files, Msg, Run, assert_absent, assert_no_secrets, basic, forms, s};
pub use server::{Framing, HostileServer, Reply, Request};

pub const REALM: &str = "acme";
pub const CLIENT_ID: &str = "hostile-reader";
/// A secret whose raw, form-encoded, percent-encoded, JSON-escaped and Basic forms all
/// differ.
pub const SECRET: &str = "S3cr/t+&=%\"\\ é!x";
pub const AIRBYTE: &str = env!("CARGO_BIN_EXE_source-keycloak");
pub const TAP: &str = env!("CARGO_BIN_EXE_tap-keycloak");
/// Seconds a run may take before the watchdog kills it.
pub const WATCHDOG: u64 = 60;

/// What a route override sees besides the request.
pub struct Kc {
    pub secret: String,
    /// Every token the server issued.
    pub tokens: Mutex<Vec<String>>,
    counter: AtomicUsize,
    /// Token lifetime in seconds.
    pub expires_in: Mutex<u64>,
}

impl Kc {
    /// A new token (recorded), with characters that change under encodings.
    pub fn issue(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let token = format!(
            "{}hostile.{n}.{:x}-a/b+c=",
            fake_keycloak::TOKEN_PREFIX,
            std::process::id() as usize * 7919 + n
        );
        self.tokens.lock().unwrap().push(token.clone());
        token
    }

    pub fn token_reply(&self) -> Reply {
        let expires_in = *self.expires_in.lock().unwrap();
        Reply::json(
            200,
            &json!({"access_token": self.issue(), "token_type": "Bearer",
                    "expires_in": expires_in}),
        )
    }

    /// True if the request is a token request carrying the right credentials.
    pub fn good_credentials(&self, req: &Request) -> bool {
        req.form_field("client_id").as_deref() == Some(CLIENT_ID)
            && req.form_field("client_secret").as_deref() == Some(self.secret.as_str())
            || req.header("authorization")
                == Some(&format!("Basic {}", basic(CLIENT_ID, &self.secret)))
    }
}

/// A hostile server emulating the minimum of Keycloak the connector needs to start, with
/// a test's `overrides` first (None falls through to the minimal routes).
pub struct Hostile {
    pub server: HostileServer,
    pub kc: Arc<Kc>,
    /// Values a test planted in the server's answers: none may reach the output.
    pub planted: Mutex<Vec<String>>,
    /// Seconds before the watchdog kills a run.
    pub watchdog: Mutex<u64>,
    /// Kill a run whose peak RSS passes this many KiB (a runaway read of an endless
    /// body would otherwise eat the machine).
    pub rss_kill_kb: Mutex<u64>,
}

impl Hostile {
    pub fn start(
        overrides: impl Fn(&Request, &Kc) -> Option<Reply> + Send + Sync + 'static,
    ) -> Hostile {
        Hostile::with_secret(SECRET, overrides)
    }

    pub fn with_secret(
        secret: &str,
        overrides: impl Fn(&Request, &Kc) -> Option<Reply> + Send + Sync + 'static,
    ) -> Hostile {
        let kc = Arc::new(Kc {
            secret: secret.to_string(),
            tokens: Mutex::new(Vec::new()),
            counter: AtomicUsize::new(0),
            expires_in: Mutex::new(300),
        });
        let k = kc.clone();
        let server = HostileServer::start(move |req| {
            overrides(req, &k).unwrap_or_else(|| minimal_keycloak(req, &k))
        });
        Hostile {
            server,
            kc,
            planted: Mutex::new(Vec::new()),
            watchdog: Mutex::new(WATCHDOG),
            rss_kill_kb: Mutex::new(2 * 1024 * 1024),
        }
    }

    pub fn plant(&self, values: &[&str]) {
        self.planted
            .lock()
            .unwrap()
            .extend(values.iter().map(|v| v.to_string()));
    }

    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    /// The config for this server, with `patch` applied (a `null` removes a key).
    pub fn config(&self, patch: Value) -> Value {
        let mut config = json!({"server_url": self.base_url(), "realm": REALM,
            "client_id": CLIENT_ID, "client_secret": self.kc.secret, "max_retries": 0});
        for (k, v) in patch.as_object().expect("patch is an object") {
            if v.is_null() {
                config.as_object_mut().unwrap().remove(k);
            } else {
                config[k] = v.clone();
            }
        }
        config
    }

    /// Greps a run's output for every form of the secret, of every issued token and of
    /// every planted value.
    pub fn assert_clean(&self, stdout: &str, stderr: &str) {
        assert_no_secrets(stdout, stderr);
        let mut secret = forms(&self.kc.secret);
        secret.push(basic(CLIENT_ID, &self.kc.secret));
        assert_absent(stdout, stderr, &secret, "the client secret");
        for token in self.kc.tokens.lock().unwrap().iter() {
            assert_absent(stdout, stderr, &forms(token), "an issued token");
        }
        for value in self.planted.lock().unwrap().iter() {
            let what = format!("the planted secret {value:?}");
            assert_absent(stdout, stderr, &forms(value), &what);
        }
    }

    pub fn check(&self, patch: Value) -> Out {
        let files = Files::new();
        let config = files.json("config.json", &self.config(patch));
        self.airbyte(&["check", "--config", s(&config)], &[])
    }

    pub fn discover(&self, patch: Value) -> Out {
        let files = Files::new();
        let config = files.json("config.json", &self.config(patch));
        self.airbyte(&["discover", "--config", s(&config)], &[])
    }

    /// A full-refresh read of `streams` (catalog straight from the stream table).
    pub fn read(&self, streams: &[&str], patch: Value) -> Out {
        self.read_with(&crate::support::table_catalog(streams), None, patch)
    }

    pub fn read_with(&self, catalog: &Value, state: Option<&Value>, patch: Value) -> Out {
        let files = Files::new();
        let config = files.json("config.json", &self.config(patch));
        let catalog = files.json("catalog.json", catalog);
        let mut args = vec!["read", "--config", s(&config), "--catalog", s(&catalog)];
        let state_path;
        if let Some(state) = state {
            state_path = files.json("state.json", state);
            args.extend(["--state", s(&state_path)]);
        }
        self.airbyte(&args, &[])
    }

    /// `tap-keycloak --discover` and a read of `streams` (Singer); both grepped.
    pub fn singer(&self, streams: &[&str], patch: Value) -> (Exec, Exec) {
        let files = Files::new();
        let config = files.json("config.json", &self.config(patch));
        let discover = self.exec(TAP, &["--config", s(&config), "--discover"], &[]);
        let entries: Vec<Value> = streams
            .iter()
            .map(|n| {
                json!({"tap_stream_id": n, "stream": n,
                       "metadata": [{"breadcrumb": [], "metadata": {"selected": true}}]})
            })
            .collect();
        let catalog = files.json("singer.json", &json!({"streams": entries}));
        let read = self.exec(
            TAP,
            &["--config", s(&config), "--catalog", s(&catalog)],
            &[],
        );
        // --discover prints one indented document (Meltano's line limit), a read a
        // message a line
        if !discover.stdout.is_empty() {
            serde_json::from_str::<Value>(&discover.stdout).unwrap_or_else(|e| {
                panic!("Singer catalog is not JSON ({e}): {}", discover.stdout)
            });
        }
        for line in read.stdout.lines() {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|e| panic!("Singer stdout line is not JSON ({e}): {line}"));
        }
        (discover, read)
    }

    /// Runs the Airbyte binary; output parsed strictly and grepped.
    pub fn airbyte(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let exec = self.exec(AIRBYTE, args, env);
        let messages = exec
            .stdout
            .lines()
            .map(|line| {
                serde_json::from_str::<Msg>(line).unwrap_or_else(|e| {
                    panic!("stdout line is not a strict protocol message ({e}): {line}")
                })
            })
            .collect();
        Out {
            run: Run {
                code: exec.code,
                stdout: exec.stdout.clone(),
                stderr: exec.stderr.clone(),
                messages,
            },
            exec,
        }
    }

    /// Runs `binary` under the watchdog and greps its output.
    pub fn exec(&self, binary: &str, args: &[&str], env: &[(&str, &str)]) -> Exec {
        let limits = (
            *self.watchdog.lock().unwrap(),
            *self.rss_kill_kb.lock().unwrap(),
        );
        let exec = exec(binary, args, env, limits.0, limits.1);
        self.assert_clean(&exec.stdout, &exec.stderr);
        exec
    }
}

/// A finished process: exit code (None if killed by a signal), output, time, peak RSS.
#[derive(Debug)]
pub struct Exec {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// The highest VmHWM seen while polling /proc/<pid>/status, in KiB.
    pub peak_rss_kb: u64,
}

impl Exec {
    /// No panic (the panic hook prints "internal error") and no death by a signal.
    pub fn assert_no_crash(&self) {
        assert!(
            self.code.is_some(),
            "the process died of a signal: {}",
            tail(&self.stderr)
        );
        assert!(
            !self.stderr.contains("internal error") && !self.stderr.contains("panicked"),
            "the process panicked: {}",
            tail(&self.stderr)
        );
    }
}

/// An Airbyte run: parsed messages (through `Run`) and the process facts.
pub struct Out {
    pub run: Run,
    pub exec: Exec,
}

impl Deref for Out {
    type Target = Run;
    fn deref(&self) -> &Run {
        &self.run
    }
}

impl Out {
    pub fn warnings(&self) -> Vec<&str> {
        self.logs("WARN")
    }

    pub fn logs(&self, level: &str) -> Vec<&str> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Msg::LOG { log } if log.level == level => Some(log.message.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Every STREAM_STATUS of every stream.
    pub fn all_statuses(&self) -> Vec<(&str, &str)> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Msg::TRACE { trace } => trace.stream_status.as_ref(),
                _ => None,
            })
            .map(|s| (s.stream_descriptor.name.as_str(), s.status.as_str()))
            .collect()
    }

    pub fn all_states(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| matches!(m, Msg::STATE { .. }))
            .count()
    }

    /// The one TRACE ERROR (fails if there are none or several), as (failure_type, message).
    pub fn one_error(&self) -> (&str, &str) {
        let errors = self.errors();
        assert_eq!(errors.len(), 1, "exactly one TRACE ERROR: {}", self.stdout);
        (errors[0].failure_type.as_str(), errors[0].message.as_str())
    }

    /// Every stream that STARTED ends COMPLETE or INCOMPLETE, exactly once.
    pub fn assert_streams_end(&self) {
        let mut started: Vec<&str> = Vec::new();
        for (name, status) in self.all_statuses() {
            if status == "STARTED" {
                started.push(name);
            }
        }
        for name in started {
            let ends = self
                .statuses(name)
                .iter()
                .filter(|s| **s == "COMPLETE" || **s == "INCOMPLETE")
                .count();
            assert_eq!(
                ends, 1,
                "stream {name} started but did not end once: {}",
                self.stdout
            );
        }
    }
}

fn tail(text: &str) -> &str {
    let start = text.len().saturating_sub(2_000);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    &text[start..]
}

/// Spawns `binary`, collects stdout and stderr, polls its peak RSS every ~10 ms, and
/// kills it after `timeout` seconds (then fails the test).
pub fn exec(
    binary: &str,
    args: &[&str],
    env: &[(&str, &str)],
    timeout: u64,
    rss_kill_kb: u64,
) -> Exec {
    let mut cmd = Command::new(binary);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn the connector");
    let pid = child.id();
    let collect = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let out = collect(Box::new(child.stdout.take().expect("stdout")));
    let err = collect(Box::new(child.stderr.take().expect("stderr")));
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak = peak.max(kb);
        }
        if peak > rss_kill_kb {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "peak RSS passed {} MB (killed; the connector holds the whole body in memory?)",
                rss_kill_kb / 1024
            );
        }
        match child.try_wait().expect("wait for the connector") {
            Some(status) => break status,
            None if started.elapsed() > Duration::from_secs(timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
                let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
                panic!(
                    "did not finish in {timeout} s (killed by the watchdog); last stdout: {}\n\
                     stderr: {}",
                    tail(&stdout),
                    tail(&stderr)
                );
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let elapsed = started.elapsed();
    let stdout = String::from_utf8(out.join().unwrap_or_default()).expect("stdout is UTF-8");
    let stderr = String::from_utf8(err.join().unwrap_or_default()).expect("stderr is UTF-8");
    Exec {
        code: status.code(),
        stdout,
        stderr,
        elapsed,
        peak_rss_kb: peak,
    }
}

/// VmHWM (peak resident set) of a live process, in KiB.
pub fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// The segments of an admin path `/admin/realms/{realm}/...` after the realm, or None.
pub fn admin_tail(req: &Request) -> Option<Vec<&str>> {
    let rest = req.path.strip_prefix("/admin/realms/")?;
    let mut parts: Vec<&str> = rest.split('/').collect();
    if parts.first() != Some(&REALM) {
        return None;
    }
    parts.remove(0);
    Some(parts)
}

/// True for the `max=1` role probes of `access.rs` (and check's), which tests leave to
/// the minimal routes.
pub fn is_probe(req: &Request) -> bool {
    req.q("max") == Some("1") && req.q("first").is_none()
}

/// The minimal Keycloak: a token for the right credentials, role probes that see every
/// role granted, organizations off, events stored; anything else 404.
pub fn minimal_keycloak(req: &Request, kc: &Kc) -> Reply {
    let token_path = format!("/realms/{REALM}/protocol/openid-connect/token");
    if req.path == token_path {
        if req.method != "POST" {
            return Reply::json(405, &json!({"error": "HTTP 405 Method Not Allowed"}));
        }
        return if kc.good_credentials(req) {
            kc.token_reply()
        } else {
            Reply::json(
                401,
                &json!({"error": "unauthorized_client",
                        "error_description": "Invalid client or Invalid client credentials"}),
            )
        };
    }
    if req.path == "/admin/realms" {
        return Reply::json(200, &json!([{"id": "realm-id-acme", "realm": REALM}]));
    }
    let Some(tail) = admin_tail(req) else {
        return Reply::not_found();
    };
    match tail.as_slice() {
        [] | [""] => Reply::json(200, &json!({"id": "realm-id-acme", "realm": REALM})),
        ["clients"] => Reply::json(
            200,
            &json!([{"id": "c-realm-management", "clientId": "realm-management", "enabled": true}]),
        ),
        ["users"]
        | ["roles"]
        | ["events"]
        | ["admin-events"]
        | ["groups"]
        | ["identity-provider", "instances"]
        | ["client-scopes"]
        | ["components"] => Reply::json(200, &json!([])),
        ["users", "count"] => Reply::json(200, &json!(0)),
        ["groups", "count"] => Reply::json(200, &json!({"count": 0})),
        ["organizations"] => Reply::json(
            404,
            &json!({"error": "Organizations not enabled for this realm."}),
        ),
        ["events", "config"] => Reply::json(
            200,
            &json!({"eventsEnabled": true, "adminEventsEnabled": true}),
        ),
        _ => Reply::not_found(),
    }
}

/// The catalog entry of one stream read incrementally.
pub fn incremental_catalog(stream: &str) -> Value {
    let s = source_keycloak::streams::find(stream).expect("a stream of the table");
    json!({"streams": [{"stream": {"name": s.name, "json_schema": s.schema_json().expect("schema"),
        "supported_sync_modes": ["full_refresh", "incremental"]},
        "sync_mode": "incremental", "destination_sync_mode": "append_dedup",
        "cursor_field": [s.incremental.as_ref().unwrap().cursor_field]}]})
}

#[test]
fn the_encodings_of_the_secret_all_differ() {
    let f = forms(SECRET);
    assert_eq!(f[1], "S3cr%2Ft%2B%26%3D%25%22%5C+%C3%A9%21x");
    assert_eq!(f[2], "S3cr%2Ft%2B%26%3D%25%22%5C%20%C3%A9%21x");
    assert_eq!(f[3], "S3cr/t+&=%\\\"\\\\ é!x");
    assert_eq!(
        crate::support::base64(b"Aladdin:open sesame"),
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    let mut all = f.clone();
    all.push(basic(CLIENT_ID, SECRET));
    let distinct: std::collections::BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), 5, "{all:?}");
    assert_eq!(forms("k&y")[1], "k%26y");
}

#[test]
fn the_minimal_keycloak_serves_a_clean_check_and_read() {
    let h = Hostile::start(|_, _| None);
    let check = h.check(json!({}));
    assert_eq!(check.exec.code, Some(0));
    assert_eq!(check.connection_status().0, "SUCCEEDED", "{}", check.stdout);
    let read = h.read(&["realm_roles", "clients"], json!({}));
    assert_eq!(read.code, Some(0), "{}", read.stdout);
    assert_eq!(read.records("clients").len(), 1);
    assert_eq!(read.statuses("realm_roles"), ["STARTED", "COMPLETE"]);
}
