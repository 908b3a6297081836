//! One request's way through the wire, on its connection: read it, run the handler's
//! hooks, take the first matching fault rule, answer (normally or as the fault says),
//! log the request before the response is written, then write it (or close).

use super::faults::{self, Fault};
use super::handler::Handler;
use super::http::{self, ReadOutcome, Request, Response};
use super::log::{self, LOG_PATH, LoggedRequest};
use super::shared::Wire;
use crate::locks::lock;
use std::io::{self, BufReader, Read, Write};

/// Serves requests off one connection until it closes, a request asks to close, a
/// fault closes it, or the server stops.
pub(crate) fn serve_requests<R: Read, W: Write>(
    wire: &Wire,
    mut reader: BufReader<R>,
    mut writer: W,
) {
    while !wire.stopping() {
        let req = match http::read_request(&mut reader, &mut writer) {
            ReadOutcome::Request(req) => req,
            ReadOutcome::Closed => break,
            ReadOutcome::Bad(message) => {
                let _ =
                    http::write_response(&mut writer, &Response::error(400, message), false, false);
                break;
            }
        };
        match serve_one(wire, &req, &mut writer) {
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
fn serve_one<W: Write>(wire: &Wire, req: &Request, w: &mut W) -> io::Result<bool> {
    if req.path == LOG_PATH && wire.log_endpoint {
        let response = log::log_response(&wire.log, req);
        http::write_response(w, &response, req.keep_alive, false)?;
        return Ok(true);
    }
    // From before the hooks and faults (a Delay counts) until the answer is ready: not
    // while it is written, or a client that waits for each answer before its next
    // request could be seen overlapping with itself.
    let serving = wire.serving();
    wire.handler.before(req);
    let fault = faults::take(&mut lock(&wire.faults), &req.method, &req.target);
    let plan = plan(wire, req, fault);
    wire.log(LoggedRequest {
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

fn plan(wire: &Wire, req: &Request, fault: Option<Fault>) -> Plan {
    let handler = wire.handler.as_ref();
    let canned = match fault {
        None => return serve_normally(handler, req, false, false),
        Some(Fault::Delay(d)) => {
            wire.sleep(d);
            return serve_normally(handler, req, false, false);
        }
        Some(Fault::TruncatedBody) => return serve_normally(handler, req, false, true),
        Some(Fault::CutJson) => {
            let mut plan = serve_normally(handler, req, false, false);
            let half = plan.response.body.len() / 2;
            plan.response.body.truncate(half);
            return plan;
        }
        Some(Fault::RepeatFirstPage) => return serve_normally(handler, req, true, false),
        Some(Fault::ResetBeforeBody) => None,
        // Keycloak's 401 for a bad token, word for word.
        Some(Fault::Unauthorized) => Some(Response::error(401, "HTTP 401 Unauthorized")),
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
        authorized: handler.authorized(req),
        reset: canned.is_none(),
        response: canned.unwrap_or_else(|| Response::new(0, "", Vec::new())),
        truncate: false,
    }
}

fn serve_normally(
    handler: &dyn Handler,
    req: &Request,
    repeat_first: bool,
    truncate: bool,
) -> Plan {
    let out = handler.serve(req, repeat_first);
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
