"""Issue 15's streams (MFA enrolment, lockouts, consents, authentication policy,
federation, keys, invitations) against the fixtures of make_realm.py and fixtures.py.
The generic comparison (every record set against the Admin API, schemas, statuses) is
test_acceptance.py's, through kc_helpers.GROUND_TRUTH; these tests check what each
stream promises beyond its keys, and that none of the fixtures' secrets gets out."""
from __future__ import annotations

import json

import pytest

import fixtures
import make_realm
from kc_helpers import CLIENT_SECRETS, REALM, _q, check_status, configured_catalog
from test_streams import secret_paths


def data(full_read, stream: str) -> list[dict]:
    return [r["data"] for r in full_read.records(stream)]


def walk(value):
    """Every dict nested in a value, the value included."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def fixture_secrets() -> list[str]:
    return [seed for seed, _ in make_realm.OTP_USERS.values()] + fixtures.secrets()


# ---------------------------------------------------------------------------
# user_credentials
# ---------------------------------------------------------------------------
def test_credentials_show_mfa_enrolment(full_read):
    recs = data(full_read, "user_credentials")
    got = {(r["username"], r["type"]) for r in recs if r["type"] != "password"}
    want = {(u, "otp") for u in make_realm.OTP_USERS}
    for table in (make_realm.WEBAUTHN_USERS, make_realm.WEBAUTHN_USERS_EXTRA):
        want |= {(u, kind) for u, (kind, _, _) in table.items()}
    assert got == want, f"second factors: extra {got - want}, missing {want - got}"
    labels = {(r["username"], r.get("userLabel")) for r in recs if r["type"] == "otp"}
    assert labels == {(u, label) for u, (_, label) in make_realm.OTP_USERS.items()}
    passwords = {r["username"] for r in recs if r["type"] == "password"}
    assert passwords == set(make_realm.LOGIN_USERS) | {make_realm.LOCKED_USER}, passwords


def test_credentials_keep_public_metadata_only(full_read):
    recs = data(full_read, "user_credentials")
    for r in recs:
        assert "secretData" not in r and "value" not in r, f"{r['id']}: secret part emitted"
        assert not secret_paths(r), f"{r['id']}: secret-looking keys {secret_paths(r)}"
    otp = [r for r in recs if r["type"] == "otp"]
    # the OTP policy of each credential (not secret) survives, wherever the stream keeps it
    for r in otp:
        found = [d for d in walk(r) if d.get("digits") == 6 and d.get("period") == 30]
        assert found and found[0].get("algorithm") == "HmacSHA1", \
            f"{r['username']}: the OTP algorithm, digits and period should be kept: {r}"
    webauthn = {r["username"]: r for r in recs if r["type"].startswith("webauthn")}
    for table in (make_realm.WEBAUTHN_USERS, make_realm.WEBAUTHN_USERS_EXTRA):
        for user, (kind, _, aaguid) in table.items():
            recs_of = [r for r in recs if r["username"] == user and r["type"] == kind]
            assert recs_of, f"{user}: no {kind} credential"
            assert any(d.get("aaguid") == aaguid for d in walk(recs_of[0])), \
                f"{user}: the authenticator's AAGUID should be kept: {recs_of[0]}"
    assert webauthn
    text = full_read.stdout
    for seed, _ in make_realm.OTP_USERS.values():
        assert seed not in text, "an OTP seed is in the output"


# ---------------------------------------------------------------------------
# user_brute_force_status
# ---------------------------------------------------------------------------
def test_locked_user_is_visible_only_in_brute_force_status(full_read, admin):
    status = {r["username"]: r for r in data(full_read, "user_brute_force_status")}
    assert set(status) == {u["username"] for u in admin.users()}, \
        "one lockout record per user of /users"
    locked = status[make_realm.LOCKED_USER]
    assert locked["disabled"] is True, locked
    assert locked["numFailures"] == make_realm.BRUTE_FORCE["failureFactor"], locked
    others = sorted(u for u, r in status.items() if r["disabled"])
    assert others == [make_realm.LOCKED_USER], f"only the locked user is locked: {others}"
    user = [r for r in data(full_read, "users") if r["username"] == make_realm.LOCKED_USER]
    assert user and user[0]["enabled"] is True, "a temporary lock leaves the user enabled"


def test_brute_force_status_needs_protection_on(connector, make_config, discovered):
    """globex has brute-force protection off: no records there, and the stream ends
    COMPLETE; acme's records are all there."""
    streams = [s for s in discovered["streams"] if s["name"] == "user_brute_force_status"]
    assert streams, "user_brute_force_status is not discovered"
    cfg = make_config(realm="master", client_id="sk-multi", realms=[REALM, "globex"])
    res = connector.read(cfg, configured_catalog(streams))
    assert res.returncode == 0, res.describe()
    realms = {r["data"]["realm"] for r in res.records("user_brute_force_status")}
    assert realms == {REALM}, realms
    assert res.stream_statuses("user_brute_force_status")[-1:] == ["COMPLETE"]


# ---------------------------------------------------------------------------
# user_consents
# ---------------------------------------------------------------------------
def test_consents_to_the_consent_required_client(full_read):
    recs = data(full_read, "user_consents")
    got = {(r["username"], tuple(sorted(r["grantedClientScopes"])))
           for r in recs if r.get("clientId") == "consent-app"}
    want = {(u, tuple(sorted(s))) for u, s in make_realm.CONSENT_USERS.items()}
    assert got == want, f"consents: extra {got - want}, missing {want - got}"


# ---------------------------------------------------------------------------
# authentication policy
# ---------------------------------------------------------------------------
def test_custom_browser_flow_with_conditional_otp(full_read, admin):
    flows = {f["alias"]: f for f in data(full_read, "authentication_flows")}
    custom = flows.get(make_realm.CUSTOM_BROWSER_FLOW)
    assert custom and custom["builtIn"] is False and custom["topLevel"] is True, custom
    assert admin.get("")["browserFlow"] == make_realm.CUSTOM_BROWSER_FLOW
    execs = [e for e in data(full_read, "authentication_executions")
             if e.get("flow_alias") == make_realm.CUSTOM_BROWSER_FLOW
             or e.get("flow_id") == custom["id"]]
    truth = admin.get(f"/authentication/flows/{_q(make_realm.CUSTOM_BROWSER_FLOW)}/executions")
    assert {e["id"] for e in execs} == {e["id"] for e in truth}, \
        "the custom flow's executions, nested sub-flows included"
    otp = [e for e in execs if e.get("providerId") == "auth-otp-form"]
    assert otp, "the OTP form of the conditional sub-flow"
    # the OTP form sits in a CONDITIONAL sub-flow (a level above it)
    by_id = {e["id"]: e for e in truth}
    ordered = [by_id[e["id"]] for e in truth]
    i = next(k for k, e in enumerate(ordered) if e["id"] == otp[0]["id"])
    parent = next(e for e in reversed(ordered[:i]) if e["level"] == ordered[i]["level"] - 1)
    assert parent["requirement"] == "CONDITIONAL" and parent.get("authenticationFlow"), parent


def test_required_actions(full_read, admin):
    recs = {r["alias"]: r for r in data(full_read, "required_actions")}
    truth = {r["alias"]: r for r in admin.get("/authentication/required-actions")}
    assert set(recs) == set(truth)
    for alias, r in truth.items():
        for k in ("enabled", "defaultAction", "priority"):
            assert recs[alias][k] == r[k], (alias, k)


# ---------------------------------------------------------------------------
# components, keys, identity provider mappers
# ---------------------------------------------------------------------------
def test_components_hold_no_secret(full_read):
    recs = {r.get("name"): r for r in data(full_read, "components")}
    ldap = recs.get(fixtures.LDAP_NAME)
    assert ldap and ldap["providerId"] == "ldap", sorted(filter(None, recs))
    cfg = ldap.get("config") or {}
    assert "bindCredential" not in cfg, "bindCredential emitted (even masked)"
    assert cfg.get("bindDn") == ["cn=reader,dc=corp,dc=example,dc=test"], \
        "harmless LDAP settings are kept"
    rsa = recs.get(fixtures.RSA_PROVIDER)
    assert rsa and "privateKey" not in (rsa.get("config") or {}), rsa
    for name, r in recs.items():
        assert not secret_paths(r), f"component {name}: {secret_paths(r)}"
    mappers = [r for r in recs.values() if r.get("parentId") == ldap["id"]]
    assert mappers, "the LDAP provider's mappers are components too"


def test_realm_keys_are_public_parts_only(full_read, admin):
    recs = data(full_read, "realm_keys")
    for r in recs:
        assert not secret_paths(r), f"key {r.get('kid')}: {secret_paths(r)}"
        assert not {"privateKey", "secret", "d", "p", "q"} & set(r), r
    rsa = admin.get(f"/components?name={fixtures.RSA_PROVIDER}")[0]
    mine = [r for r in recs if r["providerId"] == rsa["id"]]
    assert len(mine) == 1 and mine[0]["certificate"] == rsa["config"]["certificate"][0], \
        "the imported RSA provider's key with its certificate"
    algorithms = {r["algorithm"] for r in recs}
    # the default HMAC key is HS512 from Keycloak 23 on, HS256 on 22
    assert "RS256" in algorithms and any(a.startswith("HS") for a in algorithms), algorithms


def test_identity_provider_mappers(full_read):
    got = {(r["identityProviderAlias"], r["name"], r["identityProviderMapper"])
           for r in data(full_read, "identity_provider_mappers")}
    want = {(m["identityProviderAlias"], m["name"], m["identityProviderMapper"])
            for m in make_realm.identity_provider_mappers()}
    assert got == want


# ---------------------------------------------------------------------------
# organization_invitations (26.5+, manage-organizations)
# ---------------------------------------------------------------------------
def test_invitations(full_read, keycloak, stream_names):
    if keycloak.release < (26, 5):
        assert "organization_invitations" not in stream_names, \
            f"Keycloak {keycloak.version} has no invitations, discover lists them"
        return
    recs = data(full_read, "organization_invitations")
    assert [r["email"] for r in recs] == [make_realm.INVITEE_EMAIL], recs
    assert recs[0]["status"] == "PENDING"
    for r in recs:
        assert not secret_paths(r) and "inviteLink" not in r, r


def test_invitations_not_offered_without_manage_organizations(connector, make_config,
                                                              keycloak, admin):
    cfg = make_config(client_id="sk-no-manage",
                      client_secret=CLIENT_SECRETS["sk-no-manage"])
    res = connector.discover(cfg)
    assert res.returncode == 0, res.describe()
    names = {s["name"] for s in res.of_type("CATALOG")[0]["catalog"]["streams"]}
    assert "organization_invitations" not in names
    # where the server has no view-organizations role (26.5 and older), the organizations
    # API opens to the write role manage-realm alone, which sk-no-manage does not hold
    readable = keycloak.major >= 25 and fixtures.has_role(admin, "view-organizations")
    orgs = {"organizations", "organization_members"}
    assert (orgs <= names) if readable else not (orgs & names), names
    if keycloak.release >= (26, 5):
        status, message = check_status(connector.check(cfg))
        assert status == "SUCCEEDED", message
        said = "organization_invitations (Keycloak requires the write role manage-organizations"
        assert said in message, f"check should say why invitations are not offered: {message}"
        assert "gets the role: organization_invitations" not in message, \
            "check must not ask for a write role"
        if not readable:
            assert ("organizations (needs realm-management role view-organizations; Keycloak "
                    "26.5 and older have no view-organizations role") in message, message


# ---------------------------------------------------------------------------
# no secret of the fixtures anywhere (every run of the session so far)
# ---------------------------------------------------------------------------
def test_fixture_secrets_are_known_to_the_grep():
    import test_acceptance
    assert set(fixture_secrets()) <= set(test_acceptance.EXTRA_SECRETS)


def test_fixture_secrets_nowhere_in_a_full_read(full_read):
    text = full_read.text()
    leaked = [s[:10] for s in fixture_secrets() if s in text or json.dumps(s)[1:-1] in text]
    assert not leaked, f"fixture secrets in the output: {leaked}"
