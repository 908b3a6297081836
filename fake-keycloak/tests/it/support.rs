//! What every test needs: a minimal raw HTTP/1.1 client over real loopback sockets (so
//! keep-alive and faults are observable), tokens, the small sample configuration, and
//! GET helpers under realm acme.

use fake_keycloak::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub(crate) const BASE: &str = "/admin/realms/acme";

/// One keep-alive connection to the fake.
pub(crate) struct Conn {
    writer: TcpStream,
    pub(crate) reader: BufReader<TcpStream>,
}

pub(crate) struct Reply {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }
}

impl Conn {
    pub(crate) fn open(fake: &FakeKeycloak) -> Conn {
        let writer = TcpStream::connect(("127.0.0.1", fake.port())).unwrap();
        writer
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let reader = BufReader::new(writer.try_clone().unwrap());
        Conn { writer, reader }
    }

    pub(crate) fn send_raw(&mut self, raw: &str) {
        self.writer.write_all(raw.as_bytes()).unwrap();
    }

    pub(crate) fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\n");
        for (k, v) in headers {
            raw.push_str(&format!("{k}: {v}\r\n"));
        }
        raw.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        self.send_raw(&raw);
        self.read_reply().expect("a response")
    }

    pub(crate) fn read_reply(&mut self) -> Option<Reply> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let status = line.split(' ').nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h).ok()?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':')?;
            headers.push((k.to_string(), v.trim().to_string()));
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "Content-Length")?
            .1
            .parse()
            .ok()?;
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).ok()?;
        Some(Reply {
            status,
            headers,
            body: String::from_utf8(body).ok()?,
        })
    }

    pub(crate) fn get(&mut self, target: &str, token: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.request("GET", target, &[("Authorization", &auth)], "")
    }
}

pub(crate) fn token_reply(fake: &FakeKeycloak, realm: &str, body: &str) -> Reply {
    let target = format!("/realms/{realm}/protocol/openid-connect/token");
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    Conn::open(fake).request("POST", &target, &form, body)
}

pub(crate) fn token_for(fake: &FakeKeycloak, id: &str, secret: &str) -> String {
    let body = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let reply = token_reply(fake, "acme", &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["access_token"].as_str().unwrap().to_string()
}

pub(crate) fn sample_token(fake: &FakeKeycloak) -> String {
    token_for(fake, SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET)
}

pub(crate) fn small_config() -> FakeConfig {
    let mut config = FakeConfig::sample();
    config.realms = vec![sample_realm("acme", 300)];
    config
}

/// A service client in acme with exactly `roles`.
pub(crate) fn with_client(config: &mut FakeConfig, id: &str, roles: &[&str]) {
    config.clients.push(ServiceClient {
        realm: "acme".into(),
        client_id: id.into(),
        secret: format!("{id}-secret"),
        service_account: true,
        public: false,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        extra_realms: Vec::new(),
    });
}

/// GETs `path` under acme, asserts 200, returns the body.
pub(crate) fn ok(c: &mut Conn, path: &str, token: &str) -> Value {
    let reply = c.get(&format!("{BASE}{path}"), token);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.json()
}

pub(crate) fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}
