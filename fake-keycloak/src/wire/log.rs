//! The request log: one [`LoggedRequest`] per request served (written before its
//! response), and `GET /__fake/log?from=N`, which serves it to benchmarks.

use super::http::{Request, Response};
use crate::locks::lock;
use std::sync::Mutex;

/// One request as the server saw and answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// The raw path as sent (including any relative path), without the query.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The status sent; 0 when a fault closed the connection without a response.
    pub status: u16,
    /// The request carried a currently valid bearer token (or, at the token
    /// endpoint, valid client credentials that got a token).
    pub authorized: bool,
    /// Whether the request carried an `Authorization` header at all (valid or not).
    pub authorization_header: bool,
}

/// The path of the log endpoint (when enabled, answered before anything else and not
/// logged itself).
pub(crate) const LOG_PATH: &str = "/__fake/log";

/// `{"count": N, "requests": [{"path", "query": [[k, v]…], "status"}…]}`: the log from
/// entry `from` on (`from` = N: just the count).
pub(crate) fn log_response(log: &Mutex<Vec<LoggedRequest>>, req: &Request) -> Response {
    let from: usize = req
        .param("from")
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let log = lock(log);
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
