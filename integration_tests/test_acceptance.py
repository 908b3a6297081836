"""Acceptance tests: source-keycloak against a real Keycloak server."""
from __future__ import annotations

import json
import re
import socket

import jsonschema
import pytest
from jsonschema import Draft7Validator

import fixtures
import make_realm
from kc_helpers import (CLIENT_SECRETS, CREATED_CLIENT_SECRET, GITHUB_IDP_SECRET, GLOBEX_SECRET,
                        GROUND_TRUTH, IDP_SECRET, JWT_RE, LOGIN_USERS, PRIVATE_ATTRIBUTE_VALUES,
                        REALM, SMTP_PASSWORD, check_status, configured_catalog,
                        compare_with_truth, forbidden_keywords, get_path, one,
                        read_without_role, schema_has_path)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more
    return port


# ---------------------------------------------------------------------------
# spec
# ---------------------------------------------------------------------------
def test_spec(connector):
    res = connector.spec()
    assert res.returncode == 0, res.describe()
    assert not res.parse_errors, "\n".join(res.parse_errors)
    spec = one(res, "SPEC")["spec"]
    schema = spec["connectionSpecification"]
    Draft7Validator.check_schema(schema)
    props = schema["properties"]
    for key in ("server_url", "realm", "client_id", "client_secret"):
        assert key in props, f"spec lacks {key}"
        assert key in schema.get("required", []), f"{key} must be required"
    assert props["client_secret"].get("airbyte_secret") is True
    assert schema.get("additionalProperties", True) is not False, \
        "additionalProperties must be allowed"
    for key in ("page_size", "request_timeout_seconds", "max_retries"):
        assert key in props, f"spec lacks optional {key}"
        assert key not in schema.get("required", [])
    # a full config validates against the spec, unknown keys are tolerated
    Draft7Validator(schema).validate({
        "server_url": "http://127.0.0.1:1", "realm": "acme", "client_id": "c",
        "client_secret": "s", "page_size": 100, "some_future_option": True})


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------
def test_check_succeeds(connector, config):
    status, msg = check_status(connector.check(config))
    assert status == "SUCCEEDED", msg


def test_check_trailing_slash_in_server_url(connector, make_config, keycloak):
    status, msg = check_status(connector.check(make_config(server_url=keycloak.base_url + "/")))
    assert status == "SUCCEEDED", msg


@pytest.mark.parametrize("case", [
    "wrong_secret", "unknown_realm", "unknown_client", "service_accounts_disabled",
    "closed_port", "no_roles",
])
def test_check_fails_clearly(connector, make_config, case):
    words: list = []
    if case == "wrong_secret":
        cfg, words = make_config(client_secret="definitely-wrong"), ["secret"]
    elif case == "unknown_realm":
        cfg, words = make_config(realm="acme-does-not-exist"), ["realm"]
    elif case == "unknown_client":
        cfg, words = make_config(client_id="no-such-client", client_secret="x"), ["client"]
    elif case == "service_accounts_disabled":
        cfg, words = make_config(client_id="sk-no-sa"), ["service account"]
    elif case == "closed_port":
        port = closed_port()
        cfg = make_config(server_url=f"http://127.0.0.1:{port}", request_timeout_seconds=5,
                          max_retries=0)
        words = [("connect", f"127.0.0.1:{port}")]
    elif case == "no_roles":
        cfg, words = make_config(client_id="sk-no-roles"), ["view-users", "view-realm", "view-clients"]
    res = connector.check(cfg)
    status, msg = check_status(res)
    assert status == "FAILED", f"{case}: expected FAILED, got {status}: {msg}"
    low = msg.lower()
    for w in words:
        alts = w if isinstance(w, tuple) else (w,)
        assert any(a.lower() in low for a in alts), \
            f"{case}: message should mention {' or '.join(alts)!r}: {msg!r}"


def test_check_wrong_relative_path(connector, make_config, keycloak):
    """A server_url whose /auth prefix does not match the server's layout."""
    if keycloak.relative_path:
        wrong = keycloak.root_url  # server uses /auth, config lacks it
    else:
        wrong = keycloak.base_url + "/auth"  # server has no /auth, config adds it
    status, msg = check_status(connector.check(make_config(server_url=wrong)))
    assert status == "FAILED", msg
    assert "/auth" in msg.lower(), f"message should mention /auth: {msg!r}"


def test_check_without_view_clients_succeeds_with_warning(connector, make_config):
    status, msg = check_status(connector.check(make_config(client_id="sk-no-clients")))
    assert status == "SUCCEEDED", msg
    low = msg.lower()
    assert re.search(r"(?<!view-)\bclients\b", low) and "view-clients" in low, \
        f"message should name the clients stream and the view-clients role: {msg!r}"


# ---------------------------------------------------------------------------
# discover
# ---------------------------------------------------------------------------
def test_discover_covers_ground_truth(stream_names, keycloak):
    served = {n for n, st in GROUND_TRUTH.items() if st.served(keycloak.release)}
    missing = sorted(served - set(stream_names))
    assert not missing, f"streams not discovered: {missing}"


def test_every_discovered_stream_has_ground_truth(stream_names):
    unknown = sorted(set(stream_names) - set(GROUND_TRUTH))
    assert not unknown, (f"discover lists streams without a ground-truth function in "
                         f"kc_helpers.GROUND_TRUTH: {unknown}")


def test_discover_schemas(discovered):
    names = [s["name"] for s in discovered["streams"]]
    assert len(names) == len(set(names)), f"duplicate stream names: {names}"
    for s in discovered["streams"]:
        name, schema = s["name"], s["json_schema"]
        Draft7Validator.check_schema(schema)
        bad = forbidden_keywords(schema)
        assert not bad, f"{name}: schema uses forbidden keywords at {bad}"
        assert "full_refresh" in s["supported_sync_modes"], name
        pk = s.get("source_defined_primary_key")
        assert pk, f"{name}: no source_defined_primary_key"
        for path in pk:
            assert schema_has_path(schema, path), f"{name}: primary key {path} not in schema"
        if name in GROUND_TRUTH:
            assert pk == GROUND_TRUTH[name].primary_key, \
                f"{name}: primary key {pk}, expected {GROUND_TRUTH[name].primary_key}"
        cursor = s.get("default_cursor_field")
        if cursor:
            assert schema_has_path(schema, cursor), f"{name}: cursor {cursor} not in schema"
        if "incremental" in s["supported_sync_modes"]:
            assert s.get("source_defined_cursor") or cursor, f"{name}: incremental without cursor"
        assert schema_has_path(schema, ["realm"]), f"{name}: schema lacks realm"


# ---------------------------------------------------------------------------
# read
# ---------------------------------------------------------------------------
def _pk_tuple(data: dict, pk: list[list[str]]):
    return tuple(get_path(data, p) for p in pk)


def test_read_output_is_valid_protocol(full_read):
    assert full_read.returncode == 0, full_read.describe()
    assert not full_read.parse_errors, "\n".join(full_read.parse_errors[:20])
    errors = full_read.traces("ERROR")
    assert not errors, f"unexpected TRACE ERROR: {errors}"


def test_read_records_match_schema(full_read, discovered):
    schemas = {s["name"]: Draft7Validator(s["json_schema"]) for s in discovered["streams"]}
    problems = []
    for rec in full_read.records():
        assert rec["stream"] in schemas, f"record for undeclared stream {rec['stream']}"
        assert isinstance(rec.get("emitted_at"), int), rec
        data = rec["data"]
        if data.get("realm") != REALM:
            problems.append(f"{rec['stream']}: realm={data.get('realm')!r}")
        for err in schemas[rec["stream"]].iter_errors(data):
            problems.append(f"{rec['stream']}: {err.message} at {list(err.absolute_path)}"
                            f" (record {json.dumps(data, ensure_ascii=False)[:300]})")
            break
        if len(problems) > 20:
            break
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("stream", sorted(GROUND_TRUTH))
def test_read_matches_ground_truth(full_read, discovered, ground_rows, keycloak, stream):
    if not GROUND_TRUTH[stream].served(keycloak.release):
        pytest.skip(f"{stream}: not served by Keycloak {keycloak.version}")
    recs = [r["data"] for r in full_read.records(stream)]
    problems = compare_with_truth(stream, recs, ground_rows[stream])
    assert not problems, "\n".join(problems)


def test_read_stream_status_sequence(full_read, discovered):
    order = [(i, m) for i, m in enumerate(full_read.messages)]
    for s in discovered["streams"]:
        name = s["name"]
        statuses = full_read.stream_statuses(name)
        assert statuses, f"{name}: no STREAM_STATUS"
        assert statuses[0] == "STARTED", f"{name}: {statuses}"
        assert statuses[-1] == "COMPLETE", f"{name}: {statuses}"
        assert statuses.count("STARTED") == 1 and statuses.count("COMPLETE") == 1, statuses
        n = len(full_read.records(name))
        if n:
            assert "RUNNING" in statuses, f"{name}: {n} records but no RUNNING status"
        # every record of the stream lies between its STARTED and COMPLETE
        idx = {st: [i for i, m in order if m.get("type") == "TRACE"
                    and m["trace"].get("type") == "STREAM_STATUS"
                    and m["trace"]["stream_status"]["stream_descriptor"]["name"] == name
                    and m["trace"]["stream_status"]["status"] == st]
               for st in ("STARTED", "COMPLETE", "RUNNING")}
        rec_idx = [i for i, m in order if m.get("type") == "RECORD" and m["record"]["stream"] == name]
        if rec_idx:
            assert idx["STARTED"][0] < rec_idx[0] and rec_idx[-1] < idx["COMPLETE"][0], \
                f"{name}: records outside STARTED..COMPLETE"
            assert idx["RUNNING"][0] < rec_idx[0], f"{name}: RUNNING after first record"


def test_read_state_messages(full_read, discovered):
    for s in discovered["streams"]:
        name = s["name"]
        positions = [i for i, m in enumerate(full_read.messages)
                     if m.get("type") == "STATE"]
        mine = []
        for i in positions:
            st = full_read.messages[i]["state"]
            assert st.get("type") == "STREAM", f"STATE must be per-stream: {st}"
            if st["stream"]["stream_descriptor"]["name"] == name:
                mine.append((i, st))
        assert mine, f"{name}: no STATE message"
        rec_idx = [i for i, m in enumerate(full_read.messages)
                   if m.get("type") == "RECORD" and m["record"]["stream"] == name]
        if rec_idx:
            assert mine[-1][0] > rec_idx[-1], f"{name}: records after the last STATE"
        counts = [st.get("sourceStats", {}).get("recordCount") for _, st in mine]
        assert all(c is not None for c in counts), f"{name}: STATE without sourceStats.recordCount"
        assert sum(counts) == len(rec_idx), \
            f"{name}: sourceStats.recordCount sum {sum(counts)} ({counts}) != {len(rec_idx)} records"


def test_clients_hide_secrets(full_read):
    recs = full_read.records("clients")
    assert recs, "no clients records"
    for r in recs:
        d = r["data"]
        assert "secret" not in d and "registrationAccessToken" not in d, d.get("clientId")
        for k in (d.get("attributes") or {}):
            assert "secret" not in k.lower() and "private" not in k.lower(), \
                f"{d.get('clientId')}: attribute {k} leaked"
    billing = [r["data"] for r in recs if r["data"].get("clientId") == "billing-app"]
    assert billing and (billing[0].get("attributes") or {}).get("billing.tier") == "gold", \
        "harmless client attributes should be kept"
    text = full_read.stdout
    for v in PRIVATE_ATTRIBUTE_VALUES:
        assert v not in text, f"private attribute value {v!r} in output"


def test_groups_have_parent_and_path(full_read, admin):
    truth = {g["id"]: g for g in admin.groups_flat()}
    recs = {r["data"]["id"]: r["data"] for r in full_read.records("groups")}
    for gid, g in truth.items():
        r = recs.get(gid)
        assert r is not None, f"group {g['path']} missing"
        assert r.get("parentId") == g["_parentId"], \
            f"{g['path']}: parentId {r.get('parentId')!r}, expected {g['_parentId']!r}"
        assert r.get("path") == g["path"], f"path {r.get('path')!r} != {g['path']!r}"
    depth = max(g["path"].count("/") for g in truth.values())
    assert depth >= 3, "the test realm should have a group tree at least 3 levels deep"


def test_users_keep_unicode_and_attributes(full_read, admin):
    truth = {u["id"]: u for u in admin.users()}
    recs = {r["data"]["id"]: r["data"] for r in full_read.records("users")}
    for uid, u in truth.items():
        r = recs[uid]
        for k in ("username", "firstName", "lastName", "email", "enabled"):
            assert r.get(k) == u.get(k), f"{u['username']}: {k} {r.get(k)!r} != {u.get(k)!r}"
        if u.get("attributes"):
            assert r.get("attributes") == u["attributes"], \
                f"{u['username']}: attributes {r.get('attributes')} != {u['attributes']}"


def test_full_refresh_twice(full_read, second_read, discovered):
    assert second_read.returncode == 0, second_read.describe()
    for s in discovered["streams"]:
        pk = s["source_defined_primary_key"]
        a = {_pk_tuple(r["data"], pk) for r in full_read.records(s["name"])}
        b = {_pk_tuple(r["data"], pk) for r in second_read.records(s["name"])}
        assert a == b, f"{s['name']}: second full refresh differs"
    first_max = max(r["emitted_at"] for r in full_read.records())
    second_min = min(r["emitted_at"] for r in second_read.records())
    assert second_min > first_max, (first_max, second_min)


def test_read_small_page_size(connector, make_config, discovered, ground_truth):
    """page_size 7 forces many pages on users, groups and group members."""
    names = [n for n in ("users", "groups", "group_members") if n in GROUND_TRUTH]
    streams = [s for s in discovered["streams"] if s["name"] in names]
    res = connector.read(make_config(page_size=7), configured_catalog(streams))
    assert res.returncode == 0, res.describe()
    for name in names:
        pk = GROUND_TRUTH[name].primary_key
        keys = [_pk_tuple(r["data"], pk) for r in res.records(name)]
        assert len(keys) == len(set(keys)), f"{name}: duplicates with page_size=7"
        assert set(keys) == ground_truth[name], f"{name}: differs with page_size=7"


def test_read_unknown_stream(connector, config, discovered):
    bogus = dict(discovered["streams"][0])
    bogus["name"] = "no_such_stream"
    res = connector.read(config, configured_catalog([bogus]))
    assert res.returncode != 0, f"reading an unknown stream must fail\n{res.describe()}"
    errs = res.traces("ERROR")
    assert errs, f"expected a TRACE ERROR\n{res.describe()}"
    assert "no_such_stream" in json.dumps(errs), errs


def test_read_without_view_clients(connector, make_config, discovered, ground_rows):
    read_without_role(connector, make_config, discovered, ground_rows,
                       "sk-no-clients", "view-clients")


# ---------------------------------------------------------------------------
# secrets: runs last (see conftest.pytest_collection_modifyitems)
# ---------------------------------------------------------------------------
# secrets of issue 15's fixtures: OTP seeds, the LDAP bind credential, the locked user's
# password, slices of the imported RSA private key
EXTRA_SECRETS = ([seed for seed, _ in make_realm.OTP_USERS.values()]
                 + fixtures.secrets())


def test_zz_no_secrets_leaked(connector, keycloak, admin, activity):
    assert connector.runs, "no connector runs recorded"
    sa_token = admin.client_token("source-keycloak", CLIENT_SECRETS["source-keycloak"])
    secrets = (list(CLIENT_SECRETS.values())
               + [IDP_SECRET, GITHUB_IDP_SECRET, SMTP_PASSWORD, GLOBEX_SECRET,
                  CREATED_CLIENT_SECRET, keycloak.admin_password]
               + EXTRA_SECRETS
               + list(LOGIN_USERS.values()) + list(admin.tokens_seen) + list(activity)
               + [sa_token])
    leaks = []
    for run in connector.runs:
        text = run.text()
        for s in secrets:
            if s in text:
                leaks.append(f"{' '.join(run.args[:2])}: secret {s[:12]}... in output")
        for line in run.stdout.splitlines():
            if '"type":"RECORD"' in line.replace(" ", "") and "**********" in line:
                leaks.append(f"{' '.join(run.args[:2])}: a record holds Keycloak's ********** mask")
                break
        m = JWT_RE.search(text)
        if m:
            leaks.append(f"{' '.join(run.args[:2])}: JWT-like string {m.group(0)[:20]}... in output")
    assert not leaks, "\n".join(sorted(set(leaks)))
