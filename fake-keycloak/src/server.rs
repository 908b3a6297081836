//! The listener and its connections: binding, the accept loop, one thread per
//! keep-alive connection, fault injection around each request, request
//! logging (before the response is written), and shutdown.

use crate::api::{self, Ctx};
use crate::auth;
use crate::config::FakeConfig;
use crate::faults::{self, Fault};
use crate::http::{self, ReadOutcome, Request, Response};
use crate::sample_clients::sync_client;
use crate::state::{LoggedRequest, Shared, World, lock, read, write};
use crate::tls;
use std::cell::RefCell;
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Binds, builds the shared state, and starts the accept thread.
pub(crate) fn start(config: FakeConfig) -> io::Result<(Arc<Shared>, u16, JoinHandle<()>)> {
    let listener = TcpListener::bind(("127.0.0.1", config.port))?;
    let port = listener.local_addr()?.port();
    let tls = match &config.tls {
        Some(identity) => Some(tls::server_config(identity)?),
        None => None,
    };
    let mut shared = Shared::new(world(config, port));
    shared.tls = tls;
    let shared = Arc::new(shared);
    let accept_shared = Arc::clone(&shared);
    let handle = thread::Builder::new()
        .name(format!("fake-keycloak-{port}"))
        .spawn(move || accept_loop(&accept_shared, &listener))?;
    Ok((shared, port, handle))
}

/// "", "/auth", "auth/" → "", "/auth", "/auth".
fn normalize_relative(path: &str) -> String {
    let trimmed = path.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

fn world(config: FakeConfig, port: u16) -> World {
    let relative_path = normalize_relative(&config.relative_path);
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let mut realms = config.realms;
    for sc in &config.clients {
        if let Some(realm) = realms.iter_mut().find(|r| r.name == sc.realm) {
            sync_client(realm, sc);
        }
    }
    World {
        realms,
        clients: config.clients,
        legacy_groups: config.legacy_groups,
        token_lifetime_secs: config.token_lifetime_secs,
        base_url: format!("{scheme}://127.0.0.1:{port}{relative_path}"),
        relative_path,
        legacy_idp_instances: config.legacy_idp_instances,
        legacy_idp_alias_filter: config.legacy_idp_alias_filter,
        no_organizations_api: config.no_organizations_api,
        legacy_events: config.legacy_events,
        unstable_event_ties: config.unstable_event_ties,
        log_endpoint: config.log_endpoint,
        index: Default::default(),
    }
}

/// Wakes the accept loop (blocked in accept) so it can see the stop flag.
pub(crate) fn wake(port: u16) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    for conn in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let Ok(stream) = conn else {
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let id = shared.register(&stream);
        let conn_shared = Arc::clone(shared);
        let spawned = thread::Builder::new().spawn(move || {
            serve_connection(&conn_shared, stream);
            conn_shared.unregister(id);
        });
        match spawned {
            Ok(handle) => shared.keep_handle(handle),
            Err(_) => shared.unregister(id),
        }
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(socket) = stream.try_clone() else {
        return;
    };
    match &shared.tls {
        None => {
            let Ok(read_half) = stream.try_clone() else {
                return;
            };
            serve_requests(shared, BufReader::new(read_half), stream);
        }
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(config)) else {
                return;
            };
            // One TLS stream used for reading and writing in turn, on this thread only.
            let tls = Rc::new(RefCell::new(rustls::StreamOwned::new(conn, stream)));
            let reader = BufReader::new(Half(Rc::clone(&tls)));
            serve_requests(shared, reader, Half(tls));
        }
    }
    let _ = socket.shutdown(Shutdown::Both);
}

/// A read or write handle on a TLS stream shared within one connection thread.
struct Half<S>(Rc<RefCell<S>>);

impl<S: Read> Read for Half<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

impl<S: Write> Write for Half<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

fn serve_requests<R: Read, W: Write>(shared: &Shared, mut reader: BufReader<R>, mut writer: W) {
    while !shared.stopping() {
        let req = match http::read_request(&mut reader, &mut writer) {
            ReadOutcome::Request(req) => req,
            ReadOutcome::Closed => break,
            ReadOutcome::Bad(message) => {
                let _ =
                    http::write_response(&mut writer, &Response::error(400, message), false, false);
                break;
            }
        };
        match serve_one(shared, &req, &mut writer) {
            Ok(true) if req.keep_alive => {}
            _ => break,
        }
    }
}

/// How one request is answered.
struct Plan {
    response: Response,
    authorized: bool,
    truncate: bool,
    /// Close without answering.
    reset: bool,
}

/// Serves one request; `Ok(false)` means the connection must be closed.
fn serve_one<W: Write>(shared: &Shared, req: &Request, w: &mut W) -> io::Result<bool> {
    if req.path == "/__fake/log" && read(&shared.world).log_endpoint {
        http::write_response(w, &log_response(shared, req), req.keep_alive, false)?;
        return Ok(true);
    }
    // From before the hooks and faults (a Delay counts) until the answer is ready: not
    // while it is written, or a client that waits for each answer before its next
    // request could be seen overlapping with itself.
    let serving = shared.serving();
    run_hooks(shared, req);
    let fault = faults::take(&mut lock(&shared.faults), &req.method, &req.target);
    let plan = plan(shared, req, fault);
    shared.log(LoggedRequest {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        status: if plan.reset { 0 } else { plan.response.status },
        authorized: plan.authorized,
        authorization_header: req.header("authorization").is_some(),
    });
    drop(serving);
    if plan.reset {
        return Ok(false);
    }
    http::write_response(w, &plan.response, req.keep_alive, plan.truncate)?;
    Ok(!plan.truncate)
}

/// `{"count": N, "requests": [{"path", "query": [[k, v]…], "status"}…]}`: the log from
/// entry `from` on (`from` = N: just the count).
fn log_response(shared: &Shared, req: &Request) -> Response {
    let from: usize = req
        .param("from")
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let log = lock(&shared.log);
    let requests: Vec<serde_json::Value> = log
        .iter()
        .skip(from)
        .map(|r| serde_json::json!({"path": r.path, "query": r.query, "status": r.status}))
        .collect();
    Response::json(
        200,
        &serde_json::json!({"count": log.len(), "requests": requests}),
    )
}

/// Runs the data-change hooks whose rule matches, before the request is served (with
/// the world locked for writing, so the change is atomic for every request).
fn run_hooks(shared: &Shared, req: &Request) {
    let mut hooks = lock(&shared.hooks);
    let firing: Vec<usize> = hooks
        .iter_mut()
        .enumerate()
        .filter(|(_, h)| h.times > 0 && req.target.contains(&h.path_contains))
        .map(|(i, h)| {
            if h.times != usize::MAX {
                h.times -= 1;
            }
            i
        })
        .collect();
    if firing.is_empty() {
        return;
    }
    let mut world = write(&shared.world);
    world.index.clear();
    for i in firing {
        let hook = &mut hooks[i];
        if let Some(realm) = world.realms.iter_mut().find(|r| r.name == hook.realm) {
            (hook.change)(realm);
        }
    }
}

fn plan(shared: &Shared, req: &Request, fault: Option<Fault>) -> Plan {
    let canned = match fault {
        None => return serve_normally(shared, req, false, false),
        Some(Fault::Delay(d)) => {
            shared.sleep(d);
            return serve_normally(shared, req, false, false);
        }
        Some(Fault::TruncatedBody) => return serve_normally(shared, req, false, true),
        Some(Fault::CutJson) => {
            let mut plan = serve_normally(shared, req, false, false);
            let half = plan.response.body.len() / 2;
            plan.response.body.truncate(half);
            return plan;
        }
        Some(Fault::RepeatFirstPage) => return serve_normally(shared, req, true, false),
        Some(Fault::ResetBeforeBody) => None,
        Some(Fault::Unauthorized) => Some(api::unauthorized()),
        Some(Fault::Html200) => {
            let body = b"<html><body>Bad gateway</body></html>".to_vec();
            Some(Response::new(200, "text/html", body))
        }
        Some(Fault::Status {
            code,
            headers,
            body,
        }) => Some(status_response(code, headers, body)),
    };
    Plan {
        authorized: auth::valid_bearer(&shared.tokens, req).is_some(),
        reset: canned.is_none(),
        response: canned.unwrap_or_else(|| Response::new(0, "", Vec::new())),
        truncate: false,
    }
}

fn serve_normally(shared: &Shared, req: &Request, repeat_first: bool, truncate: bool) -> Plan {
    let world = read(&shared.world);
    let ctx = Ctx {
        world: &world,
        tokens: &shared.tokens,
        req,
        repeat_first,
    };
    let out = api::dispatch(&ctx);
    Plan {
        response: out.response,
        authorized: out.authorized,
        truncate,
        reset: false,
    }
}

/// Fault::Status: Content-Type defaults to JSON unless the rule sets one.
fn status_response(code: u16, headers: Vec<(String, String)>, body: String) -> Response {
    let has_type = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let mut resp = Response::new(code, "application/json", body.into_bytes());
    if has_type {
        resp.headers.clear();
    }
    resp.headers.extend(headers);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_normalized() {
        assert_eq!(normalize_relative(""), "");
        assert_eq!(normalize_relative("/"), "");
        assert_eq!(normalize_relative("auth/"), "/auth");
        assert_eq!(normalize_relative("/auth"), "/auth");
    }
}
