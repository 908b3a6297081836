"""Meltano as a host: `meltano install` (the tap through its pip_url, i.e. this repository
built by pip/maturin; target-jsonl from PyPI), then `meltano run tap-keycloak target-jsonl`
against the real Keycloak, twice. The project is integration_tests/meltano/meltano.yml,
copied into a temp dir; its config comes from TAP_KEYCLOAK_* environment variables.

Run 1 (no state): every stream's JSON-lines file holds exactly Keycloak's records.
Then new login events are made, and run 2 (with the state Meltano stored from run 1)
writes exactly those new events, and no admin event it wrote before.

The test makes logins (new events and sessions), which the session-wide ground truth of
the other tests does not know about: its name starts with test_zz_, so conftest.py runs
it after them. It computes its own ground truth right before each run."""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import requests

from kc_helpers import (CLIENT_SECRETS, CREATED_CLIENT_SECRET, GITHUB_IDP_SECRET, GROUND_TRUTH,
                        IDP_SECRET, LOGIN_USERS, REALM, SMTP_PASSWORD,
                        compare_with_truth, compute_ground_truth, record_keys)

JOB = "tap-keycloak-to-target-jsonl"  # Meltano's state id is "<environment>:<job>"
# The `meltano` fixture (one installed project for the session, shared with
# test_analytics.py's PostgreSQL load) is in meltano_host.py.


def read_jsonl_dir(d: Path) -> dict[str, list[dict]]:
    """target-jsonl writes <stream>-<YYYYmmddTHHMMSS>.jsonl per stream and run."""
    out: dict[str, list[dict]] = defaultdict(list)
    for f in sorted(d.glob("*.jsonl")):
        stream = f.stem.rsplit("-", 1)[0]
        out[stream] += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    return dict(out)


def login_events(n: int, keycloak) -> None:
    url = f"{keycloak.base_url}/realms/{REALM}/protocol/openid-connect/token"
    for _ in range(n):
        r = requests.post(url, data={"grant_type": "password", "client_id": "login-app",
                                     "username": "bob", "password": LOGIN_USERS["bob"],
                                     "scope": "openid"}, timeout=30)
        assert r.status_code == 200, r.text


def event_keys(stream: str, records: list[dict], truth: dict) -> set:
    return set(record_keys(stream, records, GROUND_TRUTH[stream].primary_key, truth))


def test_zz_meltano_run_twice(meltano, admin, keycloak, activity, tmp_path):
    # -- run 1: no state, every stream in full ---------------------------------------
    truth = compute_ground_truth(admin, keycloak.release)
    out1 = tmp_path / "run1"
    meltano("run", "tap-keycloak", "target-jsonl",
            extra_env={"TARGET_JSONL_DESTINATION_PATH": str(out1)})
    got1 = read_jsonl_dir(out1)
    problems = []
    for stream, rows in truth.items():
        problems += compare_with_truth(stream, got1.get(stream, []), rows, " (meltano run 1)")
    assert not problems, "\n".join(problems)
    assert set(got1) <= set(truth), f"streams without ground truth: {set(got1) - set(truth)}"
    assert got1.get("events"), "the activity fixture made login events"

    state = json.loads(meltano("state", "get", f"dev:{JOB}").stdout)
    bookmarks = state["singer_state"]["bookmarks"]
    assert {"events", "admin_events"} <= set(bookmarks), bookmarks

    # -- new login events, then run 2 with Meltano's stored state ---------------------
    login_events(3, keycloak)
    time.sleep(3)  # the tap reads up to now - 2 s (events commit a little late)
    truth2 = compute_ground_truth(admin, keycloak.release)
    new_events = set(truth2["events"]) - event_keys("events", got1["events"], truth2["events"])
    assert len(new_events) >= 3, f"expected 3 new LOGIN events, Keycloak has {len(new_events)}"
    new_admin = (set(truth2["admin_events"])
                 - event_keys("admin_events", got1.get("admin_events", []), truth2["admin_events"]))

    out2 = tmp_path / "run2"
    meltano("run", "tap-keycloak", "target-jsonl",
            extra_env={"TARGET_JSONL_DESTINATION_PATH": str(out2)})
    got2 = read_jsonl_dir(out2)
    ev2 = got2.get("events", [])
    keys2 = record_keys("events", ev2, GROUND_TRUTH["events"].primary_key, truth2["events"])
    assert len(keys2) == len(set(keys2)), "run 2 wrote an event twice"
    assert set(keys2) == new_events, (f"run 2 events: {len(keys2)}, new in Keycloak: "
                                      f"{len(new_events)}; old ones re-read: "
                                      f"{len(set(keys2) - new_events)}")
    assert {e.get("type") for e in ev2} == {"LOGIN"}
    adm2 = event_keys("admin_events", got2.get("admin_events", []), truth2["admin_events"])
    assert adm2 == new_admin, f"run 2 admin events {len(adm2)} != new {len(new_admin)}"
    # full-table streams are read in full again
    for stream in ("realms", "clients", "groups"):
        assert compare_with_truth(stream, got2.get(stream, []), truth2[stream]) == []
    state2 = json.loads(meltano("state", "get", f"dev:{JOB}").stdout)["singer_state"]
    assert state2["bookmarks"]["events"] != bookmarks["events"], "events bookmark did not move"

    # no secret in what Meltano logged (the tap's stderr included) or in the files
    secrets = [*CLIENT_SECRETS.values(), CREATED_CLIENT_SECRET, IDP_SECRET, GITHUB_IDP_SECRET,
               SMTP_PASSWORD, *LOGIN_USERS.values(), keycloak.admin_password]
    texts = {"meltano output": meltano.log.read_text()}
    for f in [*out1.glob("*.jsonl"), *out2.glob("*.jsonl")]:
        texts[f.name] = f.read_text()
    leaks = [f"{name}: {sec[:12]}..." for name, text in texts.items() for sec in secrets
             if sec in text]
    assert not leaks, leaks
