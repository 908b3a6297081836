//! End-to-end tests of the running server over real loopback sockets, with a
//! minimal raw HTTP/1.1 client (so keep-alive and faults are observable).

use crate::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One keep-alive connection to the fake.
pub(crate) struct Conn {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
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

    fn header(&self, name: &str) -> Option<&str> {
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

    fn send_raw(&mut self, raw: &str) {
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

    fn read_reply(&mut self) -> Option<Reply> {
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

#[test]
fn token_success_and_errors() {
    let fake = FakeKeycloak::start(small_config());
    let ok = token_reply(
        &fake,
        "acme",
        "grant_type=client_credentials&client_id=source-keycloak&client_secret=fake-secret-9f8e7d6c5b4a",
    );
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("Content-Type"), Some("application/json"));
    let json = ok.json();
    assert_eq!(json["expires_in"], 300);
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["scope"], "profile email");
    let desc = "Invalid client or Invalid client credentials";
    let cases = [
        (
            "acme",
            "grant_type=client_credentials&client_id=source-keycloak&client_secret=nope",
            401,
            "unauthorized_client",
            desc,
        ),
        (
            "acme",
            "grant_type=client_credentials&client_id=ghost&client_secret=x",
            401,
            "invalid_client",
            desc,
        ),
        (
            "acme",
            "grant_type=client_credentials&client_id=no-sa&client_secret=fake-secret-nosa-3",
            401,
            "unauthorized_client",
            "Client not enabled to retrieve service account",
        ),
        (
            "acme",
            "grant_type=client_credentials&client_id=web-spa",
            401,
            "unauthorized_client",
            "Public client not allowed to retrieve service account",
        ),
        (
            "acme",
            "grant_type=password&client_id=source-keycloak",
            400,
            "unsupported_grant_type",
            "Unsupported grant_type",
        ),
    ];
    for (realm, body, status, error, description) in cases {
        let reply = token_reply(&fake, realm, body);
        assert_eq!(reply.status, status, "{body}");
        assert_eq!(reply.json()["error"], error, "{body}");
        assert_eq!(reply.json()["error_description"], description, "{body}");
    }
    let reply = token_reply(&fake, "nope", "grant_type=client_credentials");
    assert_eq!(
        (reply.status, reply.json()),
        (404, serde_json::json!({"error": "Realm does not exist"}))
    );
    assert_eq!(fake.tokens_issued(), 1);
}

#[test]
fn token_via_basic_auth() {
    let fake = FakeKeycloak::start(small_config());
    // base64("source-keycloak:fake-secret-9f8e7d6c5b4a")
    let basic = "Basic c291cmNlLWtleWNsb2FrOmZha2Utc2VjcmV0LTlmOGU3ZDZjNWI0YQ==";
    let target = "/realms/acme/protocol/openid-connect/token";
    let reply = Conn::open(&fake).request(
        "POST",
        target,
        &[("Authorization", basic)],
        "grant_type=client_credentials",
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn admin_auth_roles_and_realms() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    assert_eq!(c.get("/admin/realms/acme/users", "garbage").status, 401);
    assert_eq!(
        c.get("/admin/realms/acme/users", "garbage").json()["error"],
        "HTTP 401 Unauthorized"
    );
    assert_eq!(
        c.get("/admin/realms/ghost/users", &token).json()["error"],
        "Realm not found."
    );
    assert_eq!(c.get("/admin/realms/acme/nothing", &token).status, 404);
    let no_roles = token_for(&fake, "no-roles", "fake-secret-noroles-1");
    let forbidden = c.get("/admin/realms/acme/users", &no_roles);
    assert_eq!(
        (forbidden.status, forbidden.json()["error"].clone()),
        (403, "HTTP 403 Forbidden".into())
    );
    assert_eq!(c.get("/admin/realms/acme", &no_roles).status, 403);
    let no_clients = token_for(&fake, "no-clients-role", "fake-secret-noclients-2");
    assert_eq!(c.get("/admin/realms/acme/clients", &no_clients).status, 403);
    assert_eq!(c.get("/admin/realms/acme/users", &no_clients).status, 200);
    assert_eq!(c.get("/admin/realms/acme", &no_clients).status, 200);
    fake.revoke_tokens();
    assert_eq!(c.get("/admin/realms/acme/users", &token).status, 401);
}

#[test]
fn tokens_expire() {
    let mut config = small_config();
    config.token_lifetime_secs = 1;
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    assert_eq!(c.get("/admin/realms/acme/users/count", &token).body, "300");
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(c.get("/admin/realms/acme/users/count", &token).status, 401);
}

#[test]
fn other_realms_need_extra_realms() {
    let mut config = small_config();
    config.realms.push(sample_realm("beta", 3));
    let fake = FakeKeycloak::start(config.clone());
    let token = sample_token(&fake);
    assert_eq!(
        Conn::open(&fake)
            .get("/admin/realms/beta/users", &token)
            .status,
        403
    );
    drop(fake);
    config.clients[0].extra_realms = vec!["beta".into()];
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let reply = Conn::open(&fake).get("/admin/realms/beta/users", &token);
    assert_eq!(reply.json().as_array().map(Vec::len), Some(3));
}

#[test]
fn users_paging_and_brief() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let len = |r: Reply| r.json().as_array().map(Vec::len);
    assert_eq!(len(c.get("/admin/realms/acme/users", &token)), Some(100));
    assert_eq!(
        len(c.get("/admin/realms/acme/users?first=295&max=10", &token)),
        Some(5)
    );
    assert_eq!(
        len(c.get("/admin/realms/acme/users?first=300&max=10", &token)),
        Some(0)
    );
    assert_eq!(
        c.get("/admin/realms/acme/users?first=-1", &token).status,
        400
    );
    let page = c
        .get(
            "/admin/realms/acme/users?first=1&max=1&briefRepresentation=true",
            &token,
        )
        .json();
    assert_eq!(page[0]["username"], "user0002");
    assert!(page[0].get("attributes").is_none());
    let full = c
        .get("/admin/realms/acme/users?first=4&max=1", &token)
        .json();
    assert_eq!(
        full[0]["attributes"]["phone"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn groups_modern_and_legacy() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let top = c.get("/admin/realms/acme/groups", &token).json();
    assert_eq!(top.as_array().map(Vec::len), Some(4));
    assert_eq!(top[0]["subGroupCount"], 2);
    assert_eq!(top[0]["subGroups"], serde_json::json!([]));
    assert!(top[0].get("attributes").is_none() && top[0].get("parentId").is_none());
    assert_eq!(top[0]["access"]["viewMembers"], true);
    let id = top[0]["id"].as_str().unwrap().to_string();
    let kids = c
        .get(&format!("/admin/realms/acme/groups/{id}/children"), &token)
        .json();
    assert_eq!(kids[0]["parentId"], id.as_str());
    assert_eq!(kids[0]["subGroupCount"], 2);
    let everyone = top[1]["id"].as_str().unwrap().to_string();
    let members = |c: &mut Conn, q: &str| {
        let r = c.get(
            &format!("/admin/realms/acme/groups/{everyone}/members{q}"),
            &token,
        );
        r.json().as_array().map(Vec::len)
    };
    assert_eq!(members(&mut c, ""), Some(100));
    assert_eq!(members(&mut c, "?first=100"), Some(50));
    let missing = c.get("/admin/realms/acme/groups/nope/children", &token);
    assert_eq!(
        (missing.status, missing.json()["error"].clone()),
        (404, "Could not find group by id".into())
    );
    fake.set_groups_legacy(true);
    let legacy = c.get("/admin/realms/acme/groups", &token).json();
    assert_eq!(
        legacy[0]["subGroups"][0]["subGroups"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert!(legacy[0].get("subGroupCount").is_none());
    let gone = c.get(&format!("/admin/realms/acme/groups/{id}/children"), &token);
    assert_eq!(
        (gone.status, gone.json()["error"].clone()),
        (405, "HTTP 405 Method Not Allowed".into())
    );
}

#[test]
fn clients_agree_with_config() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let clients = Conn::open(&fake)
        .get("/admin/realms/acme/clients", &token)
        .json();
    let find = |id: &str| {
        clients
            .as_array()
            .and_then(|a| a.iter().find(|c| c["clientId"] == id))
            .cloned()
    };
    assert_eq!(
        find("source-keycloak").unwrap()["secret"],
        SAMPLE_CLIENT_SECRET
    );
    assert_eq!(find("no-sa").unwrap()["secret"], "fake-secret-nosa-3");
    assert!(find("web-spa").unwrap().get("secret").is_none());
    let billing = find("billing-app").unwrap();
    assert_eq!(billing["secret"], "billing-secret-Zx81");
    assert_eq!(billing["attributes"]["post.logout.redirect.uris"], "+");
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    fake.clear_requests();
    let mut c = Conn::open(&fake);
    let first = c.get("/admin/realms/acme/users/count", &token);
    assert_eq!(first.header("Connection"), Some("keep-alive"));
    let second = c.get("/admin/realms/acme/roles", &token);
    assert_eq!((first.status, second.status), (200, 200));
    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|r| r.authorized && r.status == 200));
    assert_eq!(log[1].path, "/admin/realms/acme/roles");
}

#[test]
fn overlapping_requests_are_counted() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    c.get("/admin/realms/acme/roles", &token);
    c.get("/admin/realms/acme/roles", &token);
    assert_eq!(fake.max_in_flight(), 1, "one connection, one at a time");
    // A second connection's request while the first is held in the server.
    fake.reset_max_in_flight();
    assert_eq!(fake.max_in_flight(), 0);
    let delay = Fault::Delay(Duration::from_secs(1));
    fake.push_fault(FaultRule::new("/users/count", 1, delay));
    let slow = std::thread::spawn({
        let token = token.clone();
        let mut c = Conn::open(&fake);
        move || c.get("/admin/realms/acme/users/count", &token).status
    });
    while fake.max_in_flight() == 0 {
        std::thread::sleep(Duration::from_millis(2));
    }
    Conn::open(&fake).get("/admin/realms/acme/roles", &token);
    assert_eq!(fake.max_in_flight(), 2);
    assert_eq!(slow.join().ok(), Some(200));
}

#[test]
fn fault_fires_n_times_then_stops() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let headers = vec![("Retry-After".to_string(), "1".to_string())];
    let fault = Fault::Status {
        code: 429,
        headers,
        body: "{}".into(),
    };
    fake.push_fault(FaultRule::new("/users", 2, fault));
    let mut c = Conn::open(&fake);
    let statuses: Vec<u16> = (0..3)
        .map(|_| c.get("/admin/realms/acme/users", &token).status)
        .collect();
    assert_eq!(statuses, [429, 429, 200]);
    let log = fake.requests();
    assert_eq!(
        log.iter()
            .rev()
            .take(3)
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        [200, 429, 429]
    );
}

#[test]
fn connection_faults() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    fake.push_fault(FaultRule::new("reset", 1, Fault::ResetBeforeBody));
    let mut c = Conn::open(&fake);
    c.send_raw("GET /reset HTTP/1.1\r\n\r\n");
    assert!(c.read_reply().is_none());
    fake.push_fault(FaultRule::new("/roles", 1, Fault::TruncatedBody));
    let mut c = Conn::open(&fake);
    c.send_raw(&format!(
        "GET /admin/realms/acme/roles HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    ));
    let mut raw = String::new();
    let _ = c.reader.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let declared: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(body.len(), declared / 2);
    fake.push_fault(FaultRule::new("/users", 1, Fault::RepeatFirstPage));
    let page = Conn::open(&fake)
        .get("/admin/realms/acme/users?first=10&max=1", &token)
        .json();
    assert_eq!(page[0]["username"], "user0001");
    assert_eq!(fake.requests().iter().filter(|r| r.status == 0).count(), 1);
}

#[test]
fn malformed_requests_get_400_and_server_survives() {
    let fake = FakeKeycloak::start(small_config());
    for raw in [
        "BLAH\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon\r\n\r\n",
    ] {
        let mut c = Conn::open(&fake);
        c.send_raw(raw);
        assert_eq!(c.read_reply().map(|r| r.status), Some(400), "{raw:?}");
    }
    let reply = Conn::open(&fake).request("GET", "/realms/acme", &[], "");
    assert_eq!(reply.status, 200);
    assert!(
        reply.json()["public_key"]
            .as_str()
            .unwrap()
            .starts_with("MIIB")
    );
}

#[test]
fn relative_path_is_required_when_configured() {
    let mut config = small_config();
    config.relative_path = "/auth".into();
    let fake = FakeKeycloak::start(config);
    assert!(fake.base_url().ends_with("/auth"));
    let mut c = Conn::open(&fake);
    let bare = c.request("GET", "/realms/acme", &[], "");
    assert_eq!(
        bare.json()["error"],
        "Unable to find matching target resource method"
    );
    let info = c.request("GET", "/auth/realms/acme", &[], "").json();
    assert_eq!(
        info["token-service"],
        format!("{}/realms/acme/protocol/openid-connect", fake.base_url())
    );
}

#[test]
fn drop_stops_the_server() {
    let fake = FakeKeycloak::start(small_config());
    let mut c = Conn::open(&fake);
    assert_eq!(c.request("GET", "/realms/acme", &[], "").status, 200);
    let port = fake.port();
    drop(fake);
    assert!(c.read_reply().is_none());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn runtime_mutation_is_visible() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let removed = fake.with_realm_mut("acme", |r| r.users.pop().is_some());
    assert_eq!(removed, Some(true));
    assert!(fake.with_realm_mut("ghost", |_| ()).is_none());
    assert_eq!(
        Conn::open(&fake)
            .get("/admin/realms/acme/users/count", &token)
            .body,
        "299"
    );
}
