//! HTTP/1.1 messages: reading requests off a keep-alive connection (bodies by
//! Content-Length only), and writing responses with Content-Length (optionally
//! truncated, for fault injection). The codecs are in `codec.rs`.

use super::codec::parse_pairs;
use serde_json::Value;
use std::fmt::Write as _;
use std::io::{self, BufRead, Read, Write};

const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 100;
const MAX_BODY: usize = 16 * 1024 * 1024;

/// One parsed request. `path` and `target` are raw (not percent-decoded).
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub method: String,
    /// The request target as sent: path plus `?query`.
    pub target: String,
    /// The target without its query string.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Header names lower-cased, values trimmed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of query parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What reading the next request off a connection produced.
pub(crate) enum ReadOutcome {
    Request(Request),
    /// The peer closed (or the socket failed) between or during requests.
    Closed,
    /// The bytes were not an acceptable request: answer 400 and close.
    Bad(&'static str),
}

enum Stop {
    Closed,
    Bad(&'static str),
}

/// Reads one request. Writes `100 Continue` to `w` when the client expects it.
pub(crate) fn read_request<R: BufRead, W: Write>(r: &mut R, w: &mut W) -> ReadOutcome {
    match read_inner(r, w) {
        Ok(Some(req)) => ReadOutcome::Request(req),
        Ok(None) | Err(Stop::Closed) => ReadOutcome::Closed,
        Err(Stop::Bad(message)) => ReadOutcome::Bad(message),
    }
}

fn read_inner<R: BufRead, W: Write>(r: &mut R, w: &mut W) -> Result<Option<Request>, Stop> {
    let line = loop {
        match read_line(r)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let (mut req, http10) = parse_request_line(&line)?;
    req.headers = read_headers(r)?;
    let connection = req.header("connection").unwrap_or("").to_ascii_lowercase();
    req.keep_alive = if http10 {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    read_body(r, w, &mut req)?;
    Ok(Some(req))
}

/// One CRLF- (or LF-) terminated line; `None` at a clean end of stream.
fn read_line<R: BufRead>(r: &mut R) -> Result<Option<String>, Stop> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut buf)
        .map_err(|_| Stop::Closed)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        if n as u64 >= MAX_LINE {
            return Err(Stop::Bad("header line too long"));
        }
        return Err(Stop::Closed);
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| Stop::Bad("request head is not UTF-8"))
}

fn parse_request_line(line: &str) -> Result<(Request, bool), Stop> {
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Stop::Bad("malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Stop::Bad("malformed request method"));
    }
    if !target.starts_with('/') {
        return Err(Stop::Bad("request target must be an absolute path"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(Stop::Bad("unsupported HTTP version")),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let req = Request {
        method: method.to_string(),
        target: target.to_string(),
        path: path.to_string(),
        query: parse_pairs(query),
        ..Request::default()
    };
    Ok((req, http10))
}

fn read_headers<R: BufRead>(r: &mut R) -> Result<Vec<(String, String)>, Stop> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?.ok_or(Stop::Closed)?;
        if line.is_empty() {
            return Ok(headers);
        }
        if headers.len() >= MAX_HEADERS {
            return Err(Stop::Bad("too many headers"));
        }
        let (name, value) = line.split_once(':').ok_or(Stop::Bad("malformed header"))?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(Stop::Bad("malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
}

fn read_body<R: BufRead, W: Write>(r: &mut R, w: &mut W, req: &mut Request) -> Result<(), Stop> {
    if req.header("transfer-encoding").is_some() {
        return Err(Stop::Bad("chunked request bodies are not supported"));
    }
    let len = match req.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| Stop::Bad("invalid Content-Length"))?,
    };
    if len > MAX_BODY {
        return Err(Stop::Bad("request body too large"));
    }
    let expects_continue = req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if len > 0 && expects_continue {
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .and_then(|()| w.flush())
            .map_err(|_| Stop::Closed)?;
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).map_err(|_| Stop::Closed)?;
    req.body = body;
    Ok(())
}

/// A response; `headers` includes Content-Type but never Content-Length.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        let headers = vec![("Content-Type".to_string(), content_type.to_string())];
        Self {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn json(status: u16, value: &Value) -> Self {
        Self::new(status, "application/json", value.to_string().into_bytes())
    }

    /// A 200 with a JSON array of `items`, serialized in place (no copies), each without
    /// its top-level field `skip` if given: the cheap path for large pages.
    pub(crate) fn json_list<'a>(
        items: impl IntoIterator<Item = &'a Value>,
        skip: Option<&str>,
    ) -> Self {
        let mut body = Vec::with_capacity(16 * 1024);
        body.push(b'[');
        for (n, item) in items.into_iter().enumerate() {
            if n > 0 {
                body.push(b',');
            }
            match (item, skip) {
                (Value::Object(map), Some(skip)) => {
                    body.push(b'{');
                    let mut first = true;
                    for (k, v) in map.iter().filter(|(k, _)| k.as_str() != skip) {
                        if !first {
                            body.push(b',');
                        }
                        first = false;
                        let _ = serde_json::to_writer(&mut body, k);
                        body.push(b':');
                        let _ = serde_json::to_writer(&mut body, v);
                    }
                    body.push(b'}');
                }
                _ => {
                    let _ = serde_json::to_writer(&mut body, item);
                }
            }
        }
        body.push(b']');
        Self::new(200, "application/json", body)
    }

    /// Keycloak's usual error shape: `{"error": message}`.
    pub(crate) fn error(status: u16, message: &str) -> Self {
        Self::json(status, &serde_json::json!({ "error": message }))
    }
}

/// Writes `resp`. With `truncate`, announces the full Content-Length but sends
/// only the first half of the body (the caller then closes the connection).
pub(crate) fn write_response<W: Write>(
    w: &mut W,
    resp: &Response,
    keep_alive: bool,
    truncate: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in &resp.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let _ = write!(
        head,
        "Content-Length: {}\r\nConnection: {connection}\r\n\r\n",
        resp.body.len()
    );
    w.write_all(head.as_bytes())?;
    let body = if truncate {
        resp.body.get(..resp.body.len() / 2).unwrap_or_default()
    } else {
        &resp.body
    };
    w.write_all(body)?;
    w.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn read(raw: &str) -> ReadOutcome {
        let mut reader = BufReader::new(raw.as_bytes());
        read_request(&mut reader, &mut Vec::new())
    }

    #[test]
    fn parses_request_with_query_and_body() {
        let raw = "POST /a/b?x=1&y=h%C3%A9+j HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
        let ReadOutcome::Request(req) = read(raw) else {
            panic!("expected a request")
        };
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/a/b");
        assert_eq!(req.param("y"), Some("hé j"));
        assert_eq!(req.body, b"abc");
        assert!(req.keep_alive);
    }

    #[test]
    fn rejects_malformed_requests() {
        for raw in [
            "GARBAGE\r\n\r\n",
            "GET nopath HTTP/1.1\r\n\r\n",
            "GET / HTTP/2\r\n\r\n",
            "GET / HTTP/1.1\r\nBadHeader\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert!(matches!(read(raw), ReadOutcome::Bad(_)), "{raw:?}");
        }
        assert!(matches!(read(""), ReadOutcome::Closed));
    }
}
