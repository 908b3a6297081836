//! Tests of sessions, client session stats, events, admin events and the events
//! configuration, modern and legacy.

use crate::support::*;
use fake_keycloak::*;
use serde_json::{Value, json};

fn client_uuid(fake: &FakeKeycloak, client_id: &str) -> String {
    fake.with_realm_mut("acme", |r| {
        let c = r.clients.iter().find(|c| c["clientId"] == client_id);
        c.map(|c| c["id"].as_str().unwrap_or("").to_string())
    })
    .flatten()
    .expect("client exists")
}

fn times(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["time"].as_u64())
        .collect()
}

#[test]
fn sessions_appear_under_every_client_and_match_stats() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let login = client_uuid(&fake, "login-app");
    let crm = client_uuid(&fake, "crm");
    let online = ok(&mut c, &format!("/clients/{login}/user-sessions"), &token);
    assert_eq!(len(&online), 30);
    assert_eq!(online[0]["id"].as_str().map(str::len), Some(24));
    assert_eq!(online[0]["clients"][&login], "login-app");
    let on_crm = ok(&mut c, &format!("/clients/{crm}/user-sessions"), &token);
    assert_eq!(len(&on_crm), 10);
    assert_eq!(on_crm[0]["clients"].as_object().map(|m| m.len()), Some(2));
    let paged = ok(
        &mut c,
        &format!("/clients/{login}/user-sessions?first=25&max=10"),
        &token,
    );
    assert_eq!(len(&paged), 5);
    let offline = ok(
        &mut c,
        &format!("/clients/{login}/offline-sessions"),
        &token,
    );
    assert_eq!(len(&offline), 8);
    let online_ids: Vec<&Value> = online
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert!(
        offline
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !online_ids.contains(&&s["id"]))
    );
    let web = client_uuid(&fake, "web-spa");
    assert_eq!(
        len(&ok(
            &mut c,
            &format!("/clients/{web}/user-sessions"),
            &token
        )),
        0
    );
    assert_eq!(
        c.get(&format!("{BASE}/clients/nope/offline-sessions"), &token)
            .status,
        404
    );
    let stats = ok(&mut c, "/client-session-stats?first=0&max=1", &token);
    assert_eq!(
        stats,
        json!([
            {"offline": "2", "clientId": "crm", "active": "10", "id": crm},
            {"offline": "8", "clientId": "login-app", "active": "30", "id": login},
        ])
    );
    let no_roles = token_for(&fake, "no-roles", "fake-secret-noroles-1");
    let path = format!("{BASE}/clients/{login}/user-sessions");
    assert_eq!(c.get(&path, &no_roles).status, 403);
    assert_eq!(
        c.get(&format!("{BASE}/client-session-stats"), &no_roles)
            .status,
        403
    );
}

#[test]
fn events_order_paging_and_date_filters() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let all = ok(&mut c, "/events?max=1000", &token);
    assert_eq!(len(&all), 200);
    let t = times(&all);
    assert!(t.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(
        t.windows(2).any(|w| w[0] == w[1]),
        "some share a millisecond"
    );
    assert!(t.iter().all(|&x| x < SAMPLE_EPOCH_MS));
    assert!(all[0]["id"].is_string());
    assert_eq!(len(&ok(&mut c, "/events", &token)), 100);
    let asc = ok(&mut c, "/events?direction=asc&max=1000", &token);
    let mut reversed = t.clone();
    reversed.reverse();
    assert_eq!(times(&asc), reversed);
    let first_day = ok(
        &mut c,
        "/events?dateFrom=2026-09-18&dateTo=2026-09-18&max=1000",
        &token,
    );
    assert!(len(&first_day) > 0 && len(&first_day) < 200);
    let day_start = 1_790_035_200_000 - 4 * 86_400_000;
    assert!(
        times(&first_day)
            .iter()
            .all(|&x| (day_start..day_start + 86_400_000).contains(&x))
    );
    let pivot = t[50];
    let since = ok(
        &mut c,
        &format!("/events?dateFrom={pivot}&max=1000"),
        &token,
    );
    assert_eq!(len(&since), t.iter().filter(|&&x| x >= pivot).count());
    let until = ok(&mut c, &format!("/events?dateTo={pivot}&max=1000"), &token);
    assert_eq!(len(&until), t.iter().filter(|&&x| x <= pivot).count());
    let errors = ok(&mut c, "/events?type=LOGIN_ERROR&max=1000", &token);
    assert_eq!(len(&errors), 25);
    assert!(
        errors
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["error"].is_string())
    );
    let two = ok(&mut c, "/events?type=LOGIN&type=LOGOUT&max=1000", &token);
    assert_eq!(len(&two), 75);
    assert_eq!(
        c.get(&format!("{BASE}/events?dateFrom=yesterday"), &token)
            .status,
        400
    );
    let no_events = token_for(&fake, "no-roles", "fake-secret-noroles-1");
    assert_eq!(c.get(&format!("{BASE}/events"), &no_events).status, 403);
}

#[test]
fn admin_events_and_config() {
    let fake = FakeKeycloak::start(small_config());
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    let all = ok(&mut c, "/admin-events?max=1000", &token);
    assert_eq!(len(&all), 60);
    assert!(times(&all).windows(2).all(|w| w[0] >= w[1]));
    let e = &all[0];
    assert!(e["id"].is_string() && e["authDetails"]["realmId"].is_string());
    assert!(e["resourcePath"].as_str().unwrap().starts_with("users/"));
    let with_rep = all
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["representation"].is_string());
    let rep: Value =
        serde_json::from_str(with_rep.unwrap()["representation"].as_str().unwrap()).unwrap();
    assert!(!rep.is_null());
    let asc = ok(&mut c, "/admin-events?direction=asc&first=0&max=5", &token);
    assert!(times(&asc).windows(2).all(|w| w[0] <= w[1]));
    let deletes = ok(
        &mut c,
        "/admin-events?operationTypes=DELETE&max=1000",
        &token,
    );
    assert_eq!(len(&deletes), 10);
    let config = ok(&mut c, "/events/config", &token);
    assert_eq!(config["eventsEnabled"], true);
    assert_eq!(config["eventsExpiration"], Value::Null);
    assert_eq!(config["adminEventsEnabled"], true);
    assert!(len(&config["enabledEventTypes"]) > 0);
}

#[test]
fn legacy_events_hide_ids_ignore_direction_and_reject_epoch_ms() {
    let mut config = small_config();
    config.legacy_events = true;
    let fake = FakeKeycloak::start(config);
    let token = sample_token(&fake);
    let mut c = Conn::open(&fake);
    for path in ["/events", "/admin-events"] {
        let newest = ok(&mut c, &format!("{path}?direction=asc&max=1000"), &token);
        assert!(times(&newest).windows(2).all(|w| w[0] >= w[1]), "{path}");
        assert!(
            newest
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e.get("id").is_none())
        );
        let rejected = c.get(&format!("{BASE}{path}?dateFrom=1789900000000"), &token);
        assert_eq!(
            (rejected.status, rejected.json()),
            (
                400,
                json!({"error": "Invalid value for 'Date(From)', must be formatted as yyyy-MM-dd"})
            )
        );
        let rejected = c.get(&format!("{BASE}{path}?dateTo=1789900000000"), &token);
        assert_eq!(
            rejected.json()["error"],
            "Invalid value for 'Date(To)', must be formatted as yyyy-MM-dd"
        );
        let day = ok(
            &mut c,
            &format!("{path}?dateFrom=2026-09-18&max=1000"),
            &token,
        );
        assert!(len(&day) > 0);
    }
    let full = fake.with_realm_mut("acme", |r| r.events[0].get("id").is_some());
    assert_eq!(full, Some(true), "RealmData keeps the full form");
}
