"""The dbt package (analytics/) on two real warehouses, against Keycloak's own answers.

One sync per host: PyAirbyte into a DuckDB cache, and Meltano (tap-keycloak into
target-postgres) into a PostgreSQL 15 started here on loopback. dbt builds every model and
runs its tests on both (`dbt build`: a failing test fails the build). Then each model's
answer, from both warehouses, is compared with what the server says when asked directly:
effective roles from /role-mappings/.../composite, second factors from each user's
credentials, lockouts from attack detection, logins, failures and admin changes from
/events and /admin-events, sessions from each user's sessions.

The window of dormant_accounts and unused_service_accounts is set so that it starts just
before one user logs in (FRESH_USER): every other enabled user is dormant in it, that one is
not. The module logs a user in, so its tests are named test_zz_ (after the ground-truth
tests, like test_meltano.py, which computes its own truth before each run)."""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from host_tools import run, tool_venv
from kc_helpers import HERE, LOGIN_USERS, REALM, connector_bin, effective_role_names_per_user
from make_realm import LOCKED_USER
from warehouse import LocalPostgres, dbt, dbt_summary, duckdb_env

FRESH_USER = "alice"  # logs in after the window starts
DAY_MS = 86_400_000
MODELS = ["access_matrix", "privileged_accounts", "mfa_coverage", "mfa_coverage_by_realm",
          "last_login", "dormant_accounts", "lockouts", "login_failures",
          "unused_service_accounts", "admin_changes"]


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Warehouses:
    duck: Path
    pg: LocalPostgres
    window_start_ms: int
    as_of_ms: int
    builds: dict

    def rows(self, sql: str) -> dict[str, set]:
        """The query's rows on each warehouse, as text (booleans 't'/'f', NULL None)."""
        import duckdb
        con = duckdb.connect(str(self.duck), read_only=True)
        try:
            duck = {tuple(_text(v) for v in r) for r in con.execute(sql.format(s="main")).fetchall()}
        finally:
            con.close()
        pg = set(self.pg.query(sql.format(s="analytics")))
        return {"duckdb": duck, "postgres": pg}


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)


def _check_build(name: str, p) -> str:
    out = p.stdout + p.stderr
    assert p.returncode == 0, f"dbt build on {name} exited {p.returncode}:\n{out[-6000:]}"
    summary = dbt_summary(out)
    assert summary, f"no summary in dbt's output on {name}:\n{out[-3000:]}"
    passed, _, errors, skipped = summary
    assert (errors, skipped) == (0, 0), f"dbt build on {name}: {summary}"
    return f"PASS={passed}"


@pytest.fixture(scope="module")
def warehouses(meltano, keycloak, admin, activity, config, tmp_path_factory):
    work = tmp_path_factory.mktemp("analytics")
    dbt_exe = str(tool_venv("dbt") / "bin" / "dbt")
    window_start = now_ms()
    time.sleep(0.05)
    r = requests.post(f"{keycloak.base_url}/realms/{REALM}/protocol/openid-connect/token",
                      data={"grant_type": "password", "client_id": "login-app",
                            "username": FRESH_USER, "password": LOGIN_USERS[FRESH_USER],
                            "scope": "openid"}, timeout=30)
    assert r.status_code == 200, r.text
    time.sleep(3)  # the connector reads events up to now - 2 s

    # PyAirbyte in a process of its own, as make sync runs it: the DuckDB file is closed
    # (unlocked) when it ends
    cache = work / "cache.duckdb"
    (work / "config.json").write_text(json.dumps(config))
    run([sys.executable, str(HERE / "warehouse.py"), "pyairbyte", str(work / "config.json"),
         str(cache)], env={**os.environ, "SOURCE_KEYCLOAK_BIN": connector_bin()})
    pg = LocalPostgres().start()
    try:
        pg_env = pg.env()
        meltano("run", "tap-keycloak", "target-postgres", extra_env={
            "TARGET_POSTGRES_HOST": pg_env["KEYCLOAK_DBT_PG_HOST"],
            "TARGET_POSTGRES_PORT": pg_env["KEYCLOAK_DBT_PG_PORT"],
            "TARGET_POSTGRES_USER": pg_env["KEYCLOAK_DBT_PG_USER"],
            "TARGET_POSTGRES_PASSWORD": "",
            "TARGET_POSTGRES_DATABASE": pg_env["KEYCLOAK_DBT_PG_DATABASE"]})
        as_of = now_ms()
        days = (as_of - window_start) / DAY_MS
        window = {"keycloak_as_of_ms": as_of, "keycloak_dormant_days": days,
                  "keycloak_service_account_idle_days": days}
        analytics_db = work / "analytics.duckdb"
        env, vars_ = duckdb_env(cache, analytics_db)
        builds = {"duckdb": _check_build("duckdb", dbt(
            dbt_exe, "build", "duckdb", {**env, "DBT_WORK_DIR": str(work / "dbt-duckdb")},
            {**vars_, **window}))}
        builds["postgres"] = _check_build("postgres", dbt(
            dbt_exe, "build", "postgres", {**pg_env, "DBT_WORK_DIR": str(work / "dbt-pg")},
            {"keycloak_schema": "tap_keycloak", "keycloak_column_names": "original",
             **window}))
        yield Warehouses(analytics_db, pg, window_start, as_of, builds)
    finally:
        pg.stop()


def _same_on_both(w: Warehouses, sql: str) -> set:
    got = w.rows(sql)
    assert got["duckdb"] == got["postgres"], (
        f"DuckDB and PostgreSQL differ:\n only DuckDB: {sorted(got['duckdb'] - got['postgres'], key=str)[:8]}"
        f"\n only PostgreSQL: {sorted(got['postgres'] - got['duckdb'], key=str)[:8]}")
    return got["duckdb"]


def _diff(got: set, want: set) -> str:
    return (f"missing {sorted(want - got, key=str)[:8]} ({len(want - got)}), "
            f"extra {sorted(got - want, key=str)[:8]} ({len(got - want)})")


# --- Keycloak's own answers ------------------------------------------------------------
@pytest.fixture(scope="module")
def server_users(admin, warehouses) -> list[dict]:
    """/users after both syncs, read once for every comparison."""
    return admin.users()


@pytest.fixture(scope="module")
def service_accounts(admin, warehouses) -> dict[str, dict]:
    """clientId -> the client's service-account user, for every client with one."""
    out = {}
    for c in admin.clients():
        if c.get("serviceAccountsEnabled"):
            out[c["clientId"]] = {**admin.get(f"/clients/{c['id']}/service-account-user"),
                                  "client": c}
    return out


@pytest.fixture(scope="module")
def effective_names(admin, server_users, service_accounts) -> dict[str, set]:
    ids = [u["id"] for u in server_users] + [sa["id"] for sa in service_accounts.values()]
    return effective_role_names_per_user(admin, ids)


@pytest.fixture(scope="module")
def server_events(admin, warehouses) -> list[dict]:
    return [e for e in admin.paged("/events") if e["time"] <= warehouses.as_of_ms]


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


# --- the tests -------------------------------------------------------------------------
def test_zz_analytics_builds_and_tests_pass_on_both_warehouses(warehouses):
    assert warehouses.builds["duckdb"] == warehouses.builds["postgres"], warehouses.builds
    for model in MODELS:
        n = _same_on_both(warehouses, f"select count(*) from {{s}}.{model}")
        assert n, model


def test_zz_analytics_access_matrix_is_keycloaks_effective_roles(warehouses, effective_names):
    got = _same_on_both(warehouses, "select distinct user_id, client_id, role_name "
                                    "from {s}.access_matrix")
    want = {(uid, client, role) for uid, names in effective_names.items()
            for client, role in names}
    assert got == want, _diff(got, want)
    # every row's path names how the role arrives, and the groups by their path
    paths = _same_on_both(warehouses, "select distinct grant_path from {s}.access_matrix")
    assert {("direct",), ("group /it-admins",),
            ("composite realm-admin (group /it-admins)",)} <= paths


def test_zz_analytics_privileged_accounts_are_keycloaks_admin_roles(warehouses, effective_names,
                                                                   service_accounts, server_users):
    got = _same_on_both(warehouses, "select distinct user_id, privilege, "
                                    "is_service_account from {s}.privileged_accounts")
    sa_ids = {sa["id"] for sa in service_accounts.values()}
    want = {(uid, f"{client}/{role}", "t" if uid in sa_ids else "f")
            for uid, names in effective_names.items() for client, role in names
            if client == "realm-management" and (role == "realm-admin" or role.startswith("manage-"))}
    assert got == want, _diff(got, want)
    by_name = {u["username"]: u["id"] for u in server_users}
    holders = {uid for uid, _, _ in got}
    assert {by_name["bob"], by_name["user010"], by_name["user012"]} <= holders


def test_zz_analytics_mfa_coverage_is_each_users_credentials(warehouses, admin, server_users):
    want = set()
    for u in server_users:
        if not u.get("enabled", True):
            continue
        types = {c["type"] for c in admin.get(f"/users/{u['id']}/credentials")}
        flags = ["otp" in types, "webauthn" in types, "webauthn-passwordless" in types,
                 "recovery-authn-codes" in types]
        want.add((u["id"], *("t" if f else "f" for f in flags), "t" if any(flags) else "f"))
    got = _same_on_both(warehouses, "select user_id, has_otp, has_webauthn, has_passkey, "
                                    "has_recovery_codes, has_second_factor from {s}.mfa_coverage")
    assert got == want, _diff(got, want)
    covered = sum(1 for r in want if r[-1] == "t")
    assert covered, "the sample realm has users with a second factor"
    per_realm = _same_on_both(warehouses, "select realm, enabled_users, covered_users "
                                          "from {s}.mfa_coverage_by_realm")
    assert per_realm == {(REALM, str(len(want)), str(covered))}


def _server_last_logins(admin, users, events) -> dict[str, int]:
    last: dict[str, int] = {}
    for e in events:
        if e.get("type") == "LOGIN" and not e.get("error") and e.get("userId"):
            last[e["userId"]] = max(last.get(e["userId"], 0), e["time"])
    clients = [c for c in admin.clients() if c["clientId"] in ("login-app", "login-app-2")]
    for u in users:
        starts = [s["start"] for s in admin.get(f"/users/{u['id']}/sessions")]
        for c in clients:
            starts += [s["start"] for s in
                       admin.get(f"/users/{u['id']}/offline-sessions/{c['id']}")]
        if starts:
            last[u["id"]] = max(last.get(u["id"], 0), *starts)
    return last


def test_zz_analytics_last_login_and_dormant_accounts(warehouses, admin, server_users,
                                                     server_events):
    users = server_users
    last = _server_last_logins(admin, users, server_events)
    got = _same_on_both(warehouses, "select user_id, last_login_ms from {s}.last_login "
                                    "where last_login_ms is not null")
    assert got == {(uid, str(ms)) for uid, ms in last.items()}, _diff(
        got, {(uid, str(ms)) for uid, ms in last.items()})
    nobody = {u["id"] for u in users} - set(last)
    got_null = _same_on_both(warehouses, "select user_id from {s}.last_login "
                                         "where last_login_ms is null")
    assert got_null == {(uid,) for uid in nobody}

    start = warehouses.window_start_ms
    want = {(u["id"],) for u in users if u.get("enabled", True)
            and u["createdTimestamp"] < start and last.get(u["id"], 0) < start}
    got = _same_on_both(warehouses, "select user_id from {s}.dormant_accounts")
    assert got == want, _diff(got, want)
    fresh = next(u["id"] for u in users if u["username"] == FRESH_USER)
    bob = next(u["id"] for u in users if u["username"] == "bob")
    assert (fresh,) not in got and (bob,) in got
    # the history reaches back before the window, events are on, LOGIN is recorded
    assert _same_on_both(warehouses, "select distinct uncertain, uncertain_because "
                                     "from {s}.dormant_accounts") == {("f", None)}


def test_zz_analytics_lockouts_are_attack_detections(warehouses, admin, server_users):
    want = set()
    for u in server_users:
        status = admin.get(f"/attack-detection/brute-force/users/{u['id']}")
        if status.get("disabled"):
            want.add((u["id"], u["username"], str(status["numFailures"])))
    got = _same_on_both(warehouses, "select user_id, username, num_failures from {s}.lockouts")
    assert got == want, _diff(got, want)
    assert LOCKED_USER in {name for _, name, _ in got}


def test_zz_analytics_login_failures_are_keycloaks_error_events(warehouses, server_events):
    want = Counter((_day(e["time"]), e["type"], e.get("clientId"), e["error"], e.get("ipAddress"))
                   for e in server_events if e.get("error"))
    got = _same_on_both(warehouses, "select cast(day as varchar), event_type, client_id, error, "
                                    "ip_address, failures from {s}.login_failures")
    assert got == {(*k, str(n)) for k, n in want.items()}, _diff(
        got, {(*k, str(n)) for k, n in want.items()})
    assert want, "the activity fixture made failed logins"


def test_zz_analytics_unused_service_accounts(warehouses, admin, service_accounts):
    default_role = f"default-roles-{REALM}"
    idle = set()
    for client_id, sa in service_accounts.items():
        mappings = admin.get(f"/users/{sa['id']}/role-mappings")
        direct = [r["name"] for r in mappings.get("realmMappings", [])] + [
            r["name"] for m in mappings.get("clientMappings", {}).values() for r in m["mappings"]]
        if not [n for n in direct if n != default_role]:
            continue  # holds only the default roles
        logins = [e for e in admin.paged("/events", type="CLIENT_LOGIN", client=client_id)
                  if e["time"] >= warehouses.window_start_ms and not e.get("error")]
        if not logins:
            idle.add(client_id)
    got = _same_on_both(warehouses, "select client_id from {s}.unused_service_accounts")
    assert got == {(c,) for c in idle}, _diff(got, {(c,) for c in idle})
    assert "sk-no-roles" in service_accounts and ("sk-no-roles",) not in got
    # the realm does not record CLIENT_LOGIN, so "unused" cannot be proven: the model says so
    realm = admin.get("")
    records = not realm.get("enabledEventTypes") or "CLIENT_LOGIN" in realm["enabledEventTypes"]
    reasons = _same_on_both(warehouses, "select distinct uncertain, uncertain_because "
                                        "from {s}.unused_service_accounts")
    if records:
        assert reasons == {("f", None)}, reasons
    else:
        assert reasons == {("t", "the realm does not record CLIENT_LOGIN events")}, reasons


def test_zz_analytics_admin_changes_are_keycloaks_admin_events(warehouses, admin):
    events = [e for e in admin.paged("/admin-events") if e["time"] <= warehouses.as_of_ms]
    want = Counter((_day(e["time"]), e["authDetails"].get("userId"),
                    e["authDetails"].get("clientId"), e["operationType"], e["resourceType"])
                   for e in events)
    got = _same_on_both(warehouses, "select cast(day as varchar), actor_user_id, "
                                    "actor_client_uuid, operation_type, resource_type, changes "
                                    "from {s}.admin_changes")
    assert got == {(*k, str(n)) for k, n in want.items()}, _diff(
        got, {(*k, str(n)) for k, n in want.items()})
    assert want, "the suite made admin changes"


def test_zz_analytics_no_secret_in_the_warehouses(warehouses, keycloak):
    """What both hosts wrote and dbt built holds no secret of the realm or the setup."""
    from kc_helpers import CLIENT_SECRETS, CREATED_CLIENT_SECRET, IDP_SECRET, SMTP_PASSWORD
    import duckdb
    secrets = [*CLIENT_SECRETS.values(), CREATED_CLIENT_SECRET, IDP_SECRET, SMTP_PASSWORD,
               *LOGIN_USERS.values(), keycloak.admin_password]
    con = duckdb.connect(str(warehouses.duck), read_only=True)
    texts = {}
    try:
        for model in MODELS:
            texts[f"duckdb {model}"] = json.dumps(
                con.execute(f"select * from main.{model}").fetchall(), default=str)
    finally:
        con.close()
    dump = warehouses.pg.dump()
    texts["postgres (every schema)"] = dump
    leaks = [f"{where}: {s[:12]}…" for where, text in texts.items() for s in secrets if s in text]
    assert not leaks, leaks
    assert "tap_keycloak" in dump and "analytics" in dump
