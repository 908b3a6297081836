//! A small programmable HTTP/1.1 server for the hostile-server suite: std::net only, a
//! thread per connection, keep-alive. Each test gives it a handler `Fn(&Request) ->
//! Reply`; every request (method, path, decoded query, headers, body) is recorded.
//! Replies can be normal, streamed from a generator (endless or huge bodies, written
//! until the client hangs up), slow (a delay between chunks), framed by a lying
//! `Content-Length`, or raw bytes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Decoded (`+` and %XX), in order.
    pub query: Vec<(String, String)>,
    /// The query string as it came.
    pub raw_query: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The form fields of an `application/x-www-form-urlencoded` body, decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        parse_query(&self.body_text())
    }

    pub fn form_field(&self, key: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// `first` and `max` as numbers (0 and 100 when absent or odd).
    pub fn first_max(&self) -> (usize, usize) {
        let n = |k: &str, d: usize| self.q(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        (n("first", 0), n("max", 100))
    }
}

/// How the length of a streamed body is told to the client.
pub enum Framing {
    /// `Transfer-Encoding: chunked`; a final empty chunk when the generator ends.
    Chunked,
    /// No length at all: the body ends when the connection closes.
    Close,
    /// `Content-Length: n`, whatever the generator actually produces (a lie, or not).
    Claimed(u64),
}

/// A body generator: called again and again, `None` ends the body.
pub type Generator = Box<dyn FnMut() -> Option<Vec<u8>> + Send>;

pub enum Reply {
    /// A normal response with `Content-Length`.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A body produced chunk by chunk (written until the generator ends or the client
    /// hangs up), with `delay` before each chunk. The connection closes afterwards.
    Stream {
        status: u16,
        headers: Vec<(String, String)>,
        framing: Framing,
        delay: Duration,
        next: Generator,
    },
    /// Bytes written as they are (status line and headers included); then close.
    Raw(Vec<u8>),
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
        }
    }

    pub fn text(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        Reply::Full {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::text(status, &[("Location", location)], "")
    }

    pub fn not_found() -> Reply {
        Reply::json(404, &serde_json::json!({"error": "HTTP 404 Not Found"}))
    }

    /// A streamed JSON body: `head`, then `item` forever (or `count` times, joined by
    /// commas), then `tail`.
    pub fn stream_items(
        framing: Framing,
        head: &str,
        item: &str,
        count: Option<u64>,
        tail: &str,
    ) -> Reply {
        let (head, item, tail) = (head.to_string(), item.to_string(), tail.to_string());
        let mut sent = 0u64;
        let mut stage = 0;
        // Items go out in batches of ~64 KiB.
        let per_batch = (65_536 / (item.len() + 1)).max(1) as u64;
        Reply::Stream {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            framing,
            delay: Duration::ZERO,
            next: Box::new(move || match stage {
                0 => {
                    stage = 1;
                    Some(head.clone().into_bytes())
                }
                1 => {
                    let mut out = String::with_capacity(65_600);
                    for _ in 0..per_batch {
                        if count.is_some_and(|c| sent >= c) {
                            stage = 2;
                            break;
                        }
                        if sent > 0 {
                            out.push(',');
                        }
                        out.push_str(&item);
                        sent += 1;
                    }
                    Some(out.into_bytes())
                }
                2 => {
                    stage = 3;
                    Some(tail.clone().into_bytes())
                }
                _ => None,
            }),
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct HostileServer {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl HostileServer {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log, halt) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (handler, log, halt) = (handler.clone(), log.clone(), halt.clone());
                std::thread::spawn(move || serve(conn, &*handler, &log, &halt));
            }
        });
        HostileServer {
            port,
            requests,
            stop,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("request log").clone()
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().expect("request log").len()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(conn: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>, stop: &AtomicBool) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut writer) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        let close = request
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        log.lock().expect("request log").push(request.clone());
        let reply = handler(&request);
        let keep = write_reply(&mut writer, reply);
        if !keep || close {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    let (path, raw_query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    Some(Request {
        method,
        path,
        query: parse_query(&raw_query),
        raw_query,
        headers,
        body,
    })
}

pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(a), Some(b)) => {
                        out.push((a * 16 + b) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

fn head(status: u16, headers: &[(String, String)], extra: &[String]) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    for line in extra {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// Writes `reply`; true if the connection may serve another request.
fn write_reply(w: &mut TcpStream, reply: Reply) -> bool {
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut out = head(
                status,
                &headers,
                &[format!("Content-Length: {}", body.len())],
            );
            out.extend_from_slice(&body);
            w.write_all(&out).and_then(|_| w.flush()).is_ok()
        }
        Reply::Raw(bytes) => {
            let _ = w.write_all(&bytes);
            let _ = w.flush();
            false
        }
        Reply::Stream {
            status,
            headers,
            framing,
            delay,
            mut next,
        } => {
            let extra = match framing {
                Framing::Chunked => vec!["Transfer-Encoding: chunked".to_string()],
                Framing::Close => vec!["Connection: close".to_string()],
                Framing::Claimed(n) => {
                    vec![format!("Content-Length: {n}"), "Connection: close".into()]
                }
            };
            let chunked = matches!(framing, Framing::Chunked);
            if w.write_all(&head(status, &headers, &extra)).is_err() {
                return false;
            }
            let _ = w.flush();
            while let Some(piece) = next() {
                if !delay.is_zero() {
                    std::thread::sleep(delay);
                }
                if piece.is_empty() {
                    continue;
                }
                let ok = if chunked {
                    w.write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                        .and_then(|_| w.write_all(&piece))
                        .and_then(|_| w.write_all(b"\r\n"))
                } else {
                    w.write_all(&piece)
                };
                if ok.and_then(|_| w.flush()).is_err() {
                    return false;
                }
            }
            if chunked {
                let _ = w.write_all(b"0\r\n\r\n");
            }
            let _ = w.flush();
            false
        }
    }
}
