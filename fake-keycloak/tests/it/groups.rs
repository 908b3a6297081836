//! Tests of the group endpoints, modern (Keycloak 23+) and legacy (nested subGroups).

use crate::support::*;
use fake_keycloak::*;

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
