//! Tests of the HTTP/1.1 wire: keep-alive, requests in flight, malformed requests,
//! the relative path, and shutdown on drop.

use crate::support::*;
use fake_keycloak::*;
use std::net::TcpStream;
use std::time::Duration;

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
