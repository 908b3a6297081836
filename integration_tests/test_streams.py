"""Stream-specific checks beyond the generic ground-truth comparison: secrets in realms,
identity providers and admin events, role-mapping semantics, sessions, events,
organizations (25+ only) and a client without view-events."""
from __future__ import annotations

import json
import re

import pytest

from kc_helpers import (CREATED_CLIENT_SECRET, GITHUB_IDP_SECRET, IDP_SECRET,
                        SMTP_PASSWORD, check_status, compare_with_truth, configured_catalog,
                        one, read_without_role,
                        service_account_users, user_role_mappings_per_user)

SECRET_KEY_RE = re.compile(r"secret|privatekey|private\.key|credential", re.I)
MASK = "**********"


def can_hold_a_secret(value) -> bool:
    """The secrets policy's test: booleans, numbers, null, "", "true", "false", [] and {}
    cannot hold a secret (Keycloak 26's `verifiableCredentialsEnabled: false` is a
    setting)."""
    if isinstance(value, str):
        return value not in ("", "true", "false")
    return isinstance(value, (list, dict)) and len(value) > 0


def secret_paths(value, path="") -> list[str]:
    """Paths of secret-looking keys whose value could hold a secret, and of Keycloak's
    mask, at any depth."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{path}.{k}"
            if (SECRET_KEY_RE.search(k) or k == "password") and can_hold_a_secret(v):
                found.append(p)
            found += secret_paths(v, p)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += secret_paths(v, f"{path}[{i}]")
    elif value == MASK:
        found.append(f"{path} (mask)")
    return found


# ---------------------------------------------------------------------------
# realms
# ---------------------------------------------------------------------------
def test_realms_record_has_no_secrets(full_read, admin):
    recs = [r["data"] for r in full_read.records("realms")]
    assert len(recs) == 1, f"expected one realms record, got {len(recs)}"
    rec = recs[0]
    truth = admin.get("")
    assert truth.get("smtpServer", {}).get("password"), \
        "test setup: the realm should have an SMTP password"
    assert rec.get("realm") == truth["realm"] and rec.get("id") == truth["id"]
    assert "smtpServer" in rec and rec["smtpServer"].get("host") == "smtp.example.test", \
        f"harmless smtpServer settings should be kept: {rec.get('smtpServer')}"
    assert "password" not in rec["smtpServer"], "smtpServer.password emitted"
    bad = secret_paths(rec)
    assert not bad, f"realms record holds secret-looking keys or masks: {bad}"
    for line in full_read.stdout.splitlines():
        assert SMTP_PASSWORD not in line
    # harmless policy-ish fields survive the secret filter
    for key in ("accessTokenLifespan", "enabled", "displayName"):
        if key in truth:
            assert rec.get(key) == truth[key], f"realms.{key}: {rec.get(key)!r} != {truth[key]!r}"


# ---------------------------------------------------------------------------
# identity providers and links
# ---------------------------------------------------------------------------
def test_identity_providers_hide_secrets(full_read):
    recs = [r["data"] for r in full_read.records("identity_providers")]
    assert {r["alias"] for r in recs} >= {"corp-oidc", "github"}, [r.get("alias") for r in recs]
    for r in recs:
        cfg = r.get("config") or {}
        assert "clientSecret" not in cfg, f"{r['alias']}: clientSecret emitted"
        bad = [k for k in cfg if "secret" in k.lower() or cfg[k] == MASK]
        assert not bad, f"{r['alias']}: secret-looking config keys {bad}"
    corp = [r for r in recs if r["alias"] == "corp-oidc"][0]
    assert corp["config"].get("tokenUrl") == "https://sso.corp.example.test/token", \
        "harmless config entries should be kept"
    for s in (IDP_SECRET, GITHUB_IDP_SECRET):
        assert s not in full_read.stdout


def test_federated_identity_links(full_read, ground_rows):
    recs = [r["data"] for r in full_read.records("user_federated_identities")]
    by_user: dict[str, set] = {}
    for r in recs:
        by_user.setdefault(r["username"], set()).add(r["identity_provider"])
    assert sum(1 for v in by_user.values() if "corp-oidc" in v) == 20, by_user
    assert sum(1 for v in by_user.values() if v == {"corp-oidc", "github"}) == 2, by_user
    assert len(recs) == len(ground_rows["user_federated_identities"])


# ---------------------------------------------------------------------------
# roles
# ---------------------------------------------------------------------------
def test_role_composites_cover_realm_and_client_composites(full_read):
    recs = [r["data"] for r in full_read.records("role_composites")]
    pairs = {(r["role_name"], r["child_role_name"]) for r in recs}
    for p in [("power-user", "developer"), ("power-user", "crm-admin"),
              ("crm-admin", "crm-reader"), ("crm-admin", "crm-writer")]:
        assert p in pairs, f"composite {p} missing"
    assert any(r["role_client_role"] for r in recs) and any(not r["role_client_role"] for r in recs)


def test_user_role_mappings_are_direct_and_match_per_user_endpoint(full_read, admin):
    """The per-role endpoints (the connector's source) also list service-account users,
    which /users does not list. Compare with GET /users/{id}/role-mappings."""
    recs = [r["data"] for r in full_read.records("user_role_mappings")]
    got = {(r["user_id"], r["role_id"]) for r in recs}
    per_user = user_role_mappings_per_user(admin, admin.users())
    sas = service_account_users(admin)
    per_sa = user_role_mappings_per_user(admin, sas)
    sa_ids = {u["id"] for u in sas}
    listed_sa = {k for k in got if k[0] in sa_ids}
    print(f"\n[user_role_mappings] connector {len(got)} records; per-user over /users "
          f"{len(per_user)}, service accounts {len(per_sa)}; connector has "
          f"{len(listed_sa)} service-account mappings")
    missing = set(per_user) - got
    assert not missing, f"direct mappings of /users users missing: {sorted(missing)[:5]}"
    extra = got - set(per_user) - set(per_sa)
    assert not extra, f"mappings that neither endpoint lists: {sorted(extra)[:5]}"
    assert got == set(per_user) | set(per_sa), (
        f"connector records = per-user mappings of /users users "
        f"{'+ service accounts' if listed_sa else 'only'}; missing service-account "
        f"mappings: {sorted(set(per_sa) - got)[:5]}")
    # only direct assignments: developer comes to group members via groups, not directly
    alice = admin.get("/users", username="alice", exact="true")[0]["id"]
    alice_roles = {r["role_name"] for r in recs if r["user_id"] == alice}
    assert "employee" in alice_roles and "developer" not in alice_roles, alice_roles


def test_group_role_mappings_realm_and_client(full_read):
    recs = [r["data"] for r in full_read.records("group_role_mappings")]
    assert any(r["client_role"] and r["clientId"] == "crm" and r["role_name"] == "crm-reader"
               for r in recs), "sales → crm-reader client mapping missing"
    assert any(not r["client_role"] and r["client_id"] is None and r["clientId"] is None
               for r in recs)


# ---------------------------------------------------------------------------
# sessions
# ---------------------------------------------------------------------------
def test_user_sessions_online_and_offline(full_read):
    recs = [r["data"] for r in full_read.records("user_sessions")]
    online = [r for r in recs if r["offline"] is False]
    offline = [r for r in recs if r["offline"] is True]
    assert len(offline) >= 2, f"expected >= 2 offline sessions, got {len(offline)}"
    assert len(online) >= 5, f"expected >= 5 online sessions, got {len(online)}"
    client_ids = {c["clientId"] for r in recs for c in r["clients"]}
    assert {"login-app", "login-app-2"} <= client_ids, client_ids
    for r in recs:
        ids = [c["id"] for c in r["clients"]]
        assert ids == sorted(ids), f"session {r['id']}: clients not sorted by id"
    assert any(r["username"] == "alice" for r in offline)


def test_client_session_stats_are_integers(full_read, ground_rows):
    recs = [r["data"] for r in full_read.records("client_session_stats")]
    assert recs, "no client_session_stats records"
    for r in recs:
        assert type(r["active"]) is int and type(r["offline"]) is int, r
    total_offline = sum(r["offline"] for r in recs)
    assert total_offline >= 2, recs


# ---------------------------------------------------------------------------
# events
# ---------------------------------------------------------------------------
ID_HASH = re.compile(r"^h:[0-9a-f]{32}$")


@pytest.mark.parametrize("stream", ["events", "admin_events"])
def test_event_ids(full_read, admin, stream):
    items = admin.paged("/events" if stream == "events" else "/admin-events")
    recs = [r["data"] for r in full_read.records(stream)]
    assert recs, f"no {stream} records"
    if all(e.get("id") for e in items):
        assert {r["id"] for r in recs} == {e["id"] for e in items}
    else:
        bad = [r["id"] for r in recs if not ID_HASH.match(str(r.get("id")))]
        assert not bad, f"{stream}: derived ids not h:+32 hex: {bad[:5]}"


def test_login_events_present(full_read):
    types = [r["data"]["type"] for r in full_read.records("events")]
    assert types.count("LOGIN") >= 7 and "LOGIN_ERROR" in types, sorted(set(types))
    assert "CLIENT_LOGIN" not in types, "realm setup stores no CLIENT_LOGIN events"


def test_admin_events_without_representation_by_default(full_read):
    recs = [r["data"] for r in full_read.records("admin_events")]
    with_rep = [r["id"] for r in recs if "representation" in r]
    assert not with_rep, f"admin events with representation although not asked: {with_rep[:5]}"


def test_admin_events_with_representation(connector, make_config, discovered, ground_rows):
    streams = [s for s in discovered["streams"] if s["name"] == "admin_events"]
    res = connector.read(make_config(include_admin_event_representation=True),
                         configured_catalog(streams))
    assert res.returncode == 0, res.describe()
    recs = [r["data"] for r in res.records("admin_events")]
    problems = compare_with_truth("admin_events", recs, ground_rows["admin_events"],
                                  " (with representation)")
    assert not problems, "\n".join(problems)
    assert CREATED_CLIENT_SECRET not in res.stdout, "the created client's secret leaked"
    reps = [r for r in recs if r.get("representation")]
    assert reps, "no admin event carries a representation"
    created = [r for r in recs if r.get("operationType") == "CREATE"
               and r.get("resourceType") == "CLIENT"]
    assert created, "no CREATE CLIENT admin event (activity creates it-created-client)"
    rep = created[0].get("representation")
    assert rep, f"CREATE CLIENT event without representation: {created[0]}"
    parsed = json.loads(rep)
    assert parsed.get("clientId") == "it-created-client", parsed
    bad = [p for r in reps for p in secret_paths(json.loads(r["representation"]))]
    assert not bad, f"secret-looking keys or masks in representations: {bad[:10]}"


# ---------------------------------------------------------------------------
# organizations (Keycloak 25+)
# ---------------------------------------------------------------------------
ORG_STREAMS = ["organizations", "organization_members"]


def test_organizations_discovered_only_when_served(stream_names, keycloak):
    if keycloak.major >= 25:
        assert set(ORG_STREAMS) <= set(stream_names), stream_names
    else:
        listed = set(ORG_STREAMS) & set(stream_names)
        assert not listed, f"Keycloak {keycloak.version} has no organizations, discover lists {listed}"


def test_organizations_content(full_read, keycloak, realm_setup):
    if keycloak.major < 25:
        pytest.skip("no organizations before Keycloak 25")
    orgs = {r["data"]["id"]: r["data"]["name"] for r in full_read.records("organizations")}
    assert set(realm_setup["organizations"].items()) <= set(orgs.items()), orgs
    members = [r["data"] for r in full_read.records("organization_members")]
    by_org: dict[str, set] = {}
    for m in members:
        by_org.setdefault(orgs.get(m["organization_id"]), set()).add(m["username"])
    assert by_org.get("Initech Partners") == {"user010", "user011", "user012", "user013", "alice"}
    assert "Empty Org" not in by_org


def test_organizations_not_served_is_a_warning(connector, config, keycloak):
    if keycloak.major >= 25:
        pytest.skip("organizations are served on 25+")
    streams = [{"name": n, "json_schema": {"type": "object", "properties": {
        "id": {"type": "string"}, "organization_id": {"type": "string"},
        "user_id": {"type": "string"}, "realm": {"type": "string"}}},
        "supported_sync_modes": ["full_refresh"],
        "source_defined_primary_key": [["id"]] if n == "organizations"
        else [["organization_id"], ["user_id"]]} for n in ORG_STREAMS]
    res = connector.read(config, configured_catalog(streams))
    assert not res.parse_errors, "\n".join(res.parse_errors)
    assert res.returncode == 0, res.describe()
    assert not res.traces("ERROR"), f"TRACE ERROR for a stream the server cannot serve\n{res.describe()}"
    warns = [m["log"]["message"] for m in res.of_type("LOG")
             if m["log"].get("level") in ("WARN", "WARNING")]
    for n in ORG_STREAMS:
        assert any(n in w for w in warns), f"no warning LOG naming {n}: {warns}"
        states = [m for m in res.of_type("STATE")
                  if m["state"]["stream"]["stream_descriptor"]["name"] == n]
        assert states, f"{n}: no STATE"
        assert not res.records(n)


# ---------------------------------------------------------------------------
# a client without view-events
# ---------------------------------------------------------------------------
def test_check_without_view_events(connector, make_config):
    status, msg = check_status(connector.check(make_config(client_id="sk-no-events")))
    assert status == "SUCCEEDED", msg
    for w in ("events", "admin_events", "view-events"):
        assert w in msg, f"message should name {w}: {msg!r}"


def test_discover_without_view_events(connector, make_config, stream_names):
    res = connector.discover(make_config(client_id="sk-no-events"))
    assert res.returncode == 0, res.describe()
    names = [s["name"] for s in one(res, "CATALOG")["catalog"]["streams"]]
    assert set(names) == set(stream_names) - {"events", "admin_events"}, \
        f"discover as sk-no-events: {sorted(names)}, expected all but the event streams"


def test_read_without_view_events(connector, make_config, discovered, ground_rows):
    read_without_role(connector, make_config, discovered, ground_rows,
                       "sk-no-events", "view-events")
