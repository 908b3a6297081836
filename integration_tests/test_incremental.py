"""Incremental sync on the real server: events exactly once across syncs, the users
change feed (update, create, delete between syncs), a state from the far future. These
tests change the realm, so they run after every ground-truth test (test_yy_ prefix)."""

import time
import uuid

import requests

from kc_helpers import LOGIN_USERS, REALM

STREAMS = ("events", "admin_events", "users")


def incremental_catalog(discovered) -> dict:
    return {"streams": [
        {"stream": s, "sync_mode": "incremental", "cursor_field": s.get("default_cursor_field", []),
         "destination_sync_mode": "append_dedup"}
        for s in discovered["streams"] if s["name"] in STREAMS]}


def last_states(res) -> list:
    last = {}
    for m in res.of_type("STATE"):
        last[m["state"]["stream"]["stream_descriptor"]["name"]] = m["state"]
    return list(last.values())


def records(res, stream):
    return [r["data"] for r in res.records(stream)]


def event_keys(events):
    """Content keys that do not depend on the id (servers before 26.2 have none)."""
    return sorted((e.get("time"), e.get("type") or e.get("operationType"),
                   e.get("userId") or e.get("resourcePath")) for e in events)


def login(keycloak, user, password):
    url = f"{keycloak.base_url}/realms/{REALM}/protocol/openid-connect/token"
    r = requests.post(url, data={"grant_type": "password", "client_id": "login-app",
                                 "username": user, "password": password}, timeout=30)
    assert r.status_code == 200, r.text


def test_yy_incremental_events_and_users_between_syncs(connector, config, discovered,
                                                       admin, keycloak):
    catalog = incremental_catalog(discovered)
    assert {s["stream"]["name"] for s in catalog["streams"]} == set(STREAMS)
    time.sleep(3)  # nothing recent: every change so far is older than the read's lag
    first = connector.read(config, catalog)
    assert first.returncode == 0, first.describe()
    stored = admin.paged("/events")
    assert event_keys(records(first, "events")) == event_keys(stored)
    assert len(records(first, "users")) == len(admin.users()), "first users sync is full"

    second = connector.read(config, catalog, state=last_states(first))
    assert second.returncode == 0, second.describe()
    for stream in STREAMS:
        assert records(second, stream) == [], f"{stream}: nothing changed"
        assert any(m["state"]["stream"]["stream_descriptor"]["name"] == stream
                   for m in second.of_type("STATE")), f"{stream}: still a state"

    # Between syncs: two logins, an update, a creation and a deletion by an admin.
    before = {e.get("id") or str(event_keys([e])) for e in admin.paged("/events")}
    for user, password in LOGIN_USERS.items():
        login(keycloak, user, password)
    target = admin.get("/users", username="user010", exact="true")[0]
    full = admin.get(f"/users/{target['id']}")
    full["firstName"] = "Changed-Between-Syncs"
    assert admin.request("PUT", f"/users/{target['id']}", json=full).status_code in (200, 204)
    name = f"it-new-{uuid.uuid4().hex[:8]}"
    r = admin.request("POST", "/users", json={"username": name, "enabled": True})
    assert r.status_code == 201, r.text
    created = admin.get("/users", username=name, exact="true")[0]["id"]
    doomed = admin.get("/users", username="user011", exact="true")[0]["id"]
    assert admin.request("DELETE", f"/users/{doomed}").status_code == 204
    time.sleep(3)  # past the read's lag

    third = connector.read(config, catalog, state=last_states(second))
    assert third.returncode == 0, third.describe()
    new_events = [e for e in admin.paged("/events")
                  if (e.get("id") or str(event_keys([e]))) not in before]
    assert len(new_events) == len(LOGIN_USERS)
    assert event_keys(records(third, "events")) == event_keys(new_events)
    users = {u["id"]: u for u in records(third, "users")}
    assert set(users) == {target["id"], created, doomed}, \
        f"exactly the changed users, got {sorted(users)}; warnings: " \
        f"{[m['log']['message'] for m in third.of_type('LOG') if m['log']['level'] == 'WARN']}"
    assert users[target["id"]]["firstName"] == "Changed-Between-Syncs"
    assert users[doomed].get("_ab_cdc_deleted_at"), users[doomed]
    assert not users[created].get("_ab_cdc_deleted_at")
    admin_paths = {e.get("resourcePath") for e in records(third, "admin_events")}
    assert {f"users/{target['id']}", f"users/{doomed}"} <= admin_paths


def test_yy_state_from_the_far_future_reads_nothing(connector, config, discovered):
    catalog = incremental_catalog(discovered)
    future = int(time.time() * 1000) + 365 * 86_400_000
    cursor = {"time": future, "ids": []}
    state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": name},
              "stream_state": {"realms": {REALM: cursor}}}} for name in ("events", "admin_events")]
    res = connector.read(config, {"streams": [s for s in catalog["streams"]
                                              if s["stream"]["name"] != "users"]}, state=state)
    assert res.returncode == 0, res.describe()
    for stream in ("events", "admin_events"):
        assert records(res, stream) == []
        states = [m for m in res.of_type("STATE")
                  if m["state"]["stream"]["stream_descriptor"]["name"] == stream]
        assert states, f"{stream}: a state"
        assert states[-1]["state"]["stream"]["stream_state"]["realms"][REALM]["time"] == future
