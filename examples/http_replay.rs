//! The connector's HTTP layer alone, for `bench/bench.py`'s transfer limit: fetches the
//! admin GETs of a request log through `http::Client` (token, retries, keep-alive, the
//! whole body read) and does nothing with the bodies: no parsing, no records.
//!
//!     cargo run --release --example http_replay -- CONFIG REQUESTS
//!
//! REQUESTS: one JSON object per line, `{"path": "/admin/realms/acme/users",
//! "query": [["first", "0"], ["max", "100"]]}` (the fake's `/__fake/log` entries).

use serde_json::Value;
use source_keycloak::config::Config;
use source_keycloak::http::Client;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, config, requests] = args.as_slice() else {
        eprintln!("usage: http_replay CONFIG REQUESTS");
        return std::process::ExitCode::FAILURE;
    };
    match replay(config, requests) {
        Ok((count, bytes)) => {
            eprintln!("{count} requests, {bytes} bytes");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("http_replay: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn replay(config: &str, requests: &str) -> Result<(usize, usize), String> {
    let config = Config::load(config).map_err(|e| e.to_string())?;
    let client = Client::new(&config.client_settings()).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(requests).map_err(|e| e.to_string())?;
    let (mut count, mut bytes) = (0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let request: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let path = request["path"].as_str().unwrap_or_default();
        let Some(rest) = path.split("/admin/realms/").nth(1) else {
            continue;
        };
        let segments: Vec<String> = rest.split('/').map(decode).collect();
        let query: Vec<(&str, String)> = request["query"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pair| Some((pair[0].as_str()?, pair[1].as_str()?.to_string())))
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        // An answer the server gave as an error (a 404 probe of a feature the realm has
        // off) is fetched too, and its error is what the run got: not a failure here.
        let logged_ok = (200..300).contains(&request["status"].as_u64().unwrap_or(200));
        match client.get_admin_body(segments[0], &segments[1..], &query) {
            Ok(body) => bytes += body.len(),
            Err(_) if !logged_ok => {}
            Err(e) => return Err(e.to_string()),
        }
        count += 1;
    }
    Ok((count, bytes))
}

/// Percent-decoding of one path segment (the log has them as sent).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
