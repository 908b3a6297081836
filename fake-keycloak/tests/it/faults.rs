//! Tests of fault injection over real connections: statuses that fire N times, resets,
//! truncated bodies and repeated first pages.

use crate::support::*;
use fake_keycloak::*;
use std::io::Read;

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
