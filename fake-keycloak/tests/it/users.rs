//! Tests of the users endpoints: paging and brief representations.

use crate::support::*;
use fake_keycloak::*;

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
