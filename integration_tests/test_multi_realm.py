"""Several realms in one sync (`realms` config): a master-realm client (sk-multi, made
by conftest.realm_setup) whose service account holds the view-* roles of the
acme-realm and globex-realm clients in master, and nothing on master itself."""
from __future__ import annotations

import pytest
import requests

from kc_helpers import (CLIENT_SECRETS, GROUND_TRUTH, OTHER_REALM, REALM, KeycloakAdmin,
                        check_status, compare_with_truth, compute_ground_truth,
                        configured_catalog)

_TRUTH_CACHE: dict[str, dict] = {}


@pytest.fixture(scope="module")
def truth_of(keycloak, admin, ground_rows):
    """Ground truth of any realm (acme's is the session's)."""
    def get(realm: str) -> dict:
        if realm == REALM:
            return ground_rows
        if realm not in _TRUTH_CACHE:
            a = KeycloakAdmin(admin.base_url, admin.user, admin.password, realm=realm)
            _TRUTH_CACHE[realm] = compute_ground_truth(a, keycloak.release)
        return _TRUTH_CACHE[realm]
    return get


@pytest.fixture(scope="module")
def multi_config(make_config):
    def make(realms):
        return make_config(realm="master", client_id="sk-multi", realms=realms)
    return make


def check_realms(res, discovered, truth_of, realms: list[str]) -> list[str]:
    problems = []
    for s in discovered["streams"]:
        name = s["name"]
        if name not in GROUND_TRUTH:
            continue
        recs = [r["data"] for r in res.records(name)]
        others = {r.get("realm") for r in recs} - set(realms)
        if others:
            problems.append(f"{name}: records of unexpected realms {others}")
        for realm in realms:
            rows = truth_of(realm).get(name, {})
            mine = [r for r in recs if r.get("realm") == realm]
            problems += compare_with_truth(name, mine, rows, f" [realm {realm}]")
    return problems


def test_sk_multi_setup(realm_setup):
    for realm, roles in realm_setup["sk_multi_roles"].items():
        assert {"view-users", "view-realm", "view-clients", "view-events",
                "view-identity-providers"} <= set(roles), (realm, roles)


def test_multi_realm_check(connector, multi_config):
    status, msg = check_status(connector.check(multi_config([REALM, OTHER_REALM])))
    assert status == "SUCCEEDED", msg
    assert REALM in msg and OTHER_REALM in msg, f"check should report both realms: {msg!r}"


def test_multi_realm_discover(connector, multi_config, stream_names):
    res = connector.discover(multi_config([REALM, OTHER_REALM]))
    assert res.returncode == 0, res.describe()
    cats = res.of_type("CATALOG")
    assert len(cats) == 1, res.describe()
    names = {s["name"] for s in cats[0]["catalog"]["streams"]}
    core = {"users", "groups", "clients", "realms", "events"}
    assert core <= names, f"discover with realms lacks {core - names}"


def test_multi_realm_read(connector, multi_config, discovered, truth_of):
    res = connector.read(multi_config([REALM, OTHER_REALM]),
                         configured_catalog(discovered["streams"]))
    assert not res.parse_errors, "\n".join(res.parse_errors[:10])
    assert res.returncode == 0, res.describe()
    assert not res.traces("ERROR"), res.traces("ERROR")
    problems = check_realms(res, discovered, truth_of, [REALM, OTHER_REALM])
    assert not problems, "\n".join(problems)
    assert any(r["data"]["realm"] == OTHER_REALM for r in res.records("users"))


def test_multi_realm_star(connector, multi_config, discovered, truth_of, keycloak):
    # what GET /admin/realms lists for sk-multi's token
    tok = requests.post(f"{keycloak.base_url}/realms/master/protocol/openid-connect/token",
                        data={"grant_type": "client_credentials", "client_id": "sk-multi",
                              "client_secret": CLIENT_SECRETS["sk-multi"]}, timeout=30)
    tok.raise_for_status()
    listed = requests.get(f"{keycloak.base_url}/admin/realms", timeout=30,
                          headers={"Authorization": f"Bearer {tok.json()['access_token']}"})
    listed.raise_for_status()
    realms = sorted(r["realm"] for r in listed.json())
    print(f"\n[realms *] /admin/realms lists {realms} for sk-multi")
    assert set(realms) >= {REALM, OTHER_REALM}, realms
    res = connector.read(multi_config(["*"]), configured_catalog(discovered["streams"]))
    assert not res.parse_errors, "\n".join(res.parse_errors[:10])
    assert res.returncode == 0, res.describe()
    problems = check_realms(res, discovered, truth_of, realms)
    assert not problems, "\n".join(problems)


def test_multi_realm_forbidden_realm(connector, multi_config, discovered, truth_of):
    """sk-multi holds no role on master: master's part fails, acme stays complete."""
    res = connector.read(multi_config([REALM, "master"]),
                         configured_catalog(discovered["streams"]))
    assert not res.parse_errors, "\n".join(res.parse_errors[:10])
    assert res.returncode != 0, f"a realm that cannot be read must fail the read\n{res.describe()}"
    errors = [t["error"].get("message", "") for t in res.traces("ERROR")]
    assert errors, f"expected TRACE ERRORs for realm master\n{res.describe()}"
    naming = [e for e in errors if "master" in e and "view-" in e]
    assert naming, f"no TRACE ERROR names realm 'master' and a missing view-* role: {errors[:3]}"
    assert not [r for r in res.records() if r["data"].get("realm") == "master"]
    problems = []
    for s in discovered["streams"]:
        name = s["name"]
        if name not in GROUND_TRUTH:
            continue
        mine = [r["data"] for r in res.records(name) if r["data"].get("realm") == REALM]
        problems += compare_with_truth(name, mine, truth_of(REALM)[name], " [realm acme]")
    assert not problems, "\n".join(problems)
