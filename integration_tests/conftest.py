"""Session fixtures: one real Keycloak for the whole pytest session.

Env:
  KEYCLOAK_VERSION        Keycloak version (default: file KEYCLOAK_VERSION)
  KEYCLOAK_RELATIVE_PATH  e.g. /auth (default: none)
  SOURCE_KEYCLOAK_BIN     connector binary (default: target/release/source-keycloak)
  KEYCLOAK_REUSE=1        reuse a server already started with keycloak.sh start
                          (and leave it running); for local iteration only
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

import fixtures
import make_realm
from meltano_host import meltano  # noqa: F401  (the session's Meltano project, a fixture)
from kc_helpers import (CLIENT_SECRETS, CREATED_CLIENT_SECRET, HERE, LOGIN_USERS, OTHER_REALM,
                        REALM, Connector, GROUND_TRUTH, KeycloakAdmin, compute_ground_truth,
                        configured_catalog, connector_bin)

# PyAirbyte reads these at import time: no registry/telemetry calls, logs under .work
os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("AIRBYTE_LOGGING_ROOT", str(HERE / ".work" / "airbyte-logs"))

# airbyte-cdk's standard suite is its own pytest root, run by test_image.py in a subprocess
collect_ignore = ["airbyte_standard"]

KC_SH = HERE / "keycloak.sh"
KC_ENV = HERE / ".work" / "kc.env"


def _read_env_file(p: Path) -> dict:
    out = {}
    for line in p.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


class KeycloakServer:
    def __init__(self, env: dict):
        self.env = env
        self.base_url = env["KC_BASE_URL"]
        self.version = env["KC_VERSION"]
        self.relative_path = env.get("KC_RELATIVE_PATH", "")
        self.port = int(env["KC_PORT"])
        self.admin_user = env["KC_ADMIN_USER"]
        self.admin_password = env["KC_ADMIN_PASSWORD"]
        self.major = int(self.version.split(".")[0])
        self.release = tuple(int(x) for x in self.version.split(".")[:2])

    @property
    def root_url(self) -> str:
        """scheme://host:port without the relative path."""
        return f"http://127.0.0.1:{self.port}"


def pytest_collection_modifyitems(session, config, items):
    # the secret-leak check inspects every connector run: it must run last
    # test_yy_ tests change the realm (incremental syncs): after every ground-truth test
    late = [i for i in items if i.name.startswith("test_yy_")]
    last = [i for i in items if i.name.startswith("test_zz_")]
    rest = [i for i in items if not i.name.startswith(("test_yy_", "test_zz_"))]
    items[:] = rest + late + last


_SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for line in _SUMMARY:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def keycloak():
    reuse = os.environ.get("KEYCLOAK_REUSE") == "1" and KC_ENV.exists()
    if not reuse:
        args = ["bash", str(KC_SH), "start"]
        t0 = time.time()
        p = subprocess.run(args, env=os.environ.copy())
        if p.returncode != 0:
            log = HERE / ".work" / "keycloak.log"
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:]) if log.exists() else ""
            pytest.exit(f"keycloak.sh start failed (exit {p.returncode}); log {log}, tail:\n{tail}",
                        returncode=3)
    server = KeycloakServer(_read_env_file(KC_ENV))
    _SUMMARY.append(f"keycloak: {server.version} at {server.base_url} "
                    f"(startup {'reused' if reuse else f'{time.time() - t0:.0f}s'}, "
                    f"java {server.env.get('KC_JAVA_HOME')}, log {server.env.get('KC_LOG')})")
    try:
        yield server
    finally:
        if not reuse:
            subprocess.run(["bash", str(KC_SH), "stop"])


@pytest.fixture(scope="session")
def admin(keycloak) -> KeycloakAdmin:
    return KeycloakAdmin(keycloak.base_url, keycloak.admin_user, keycloak.admin_password)


SA_VIEW_ROLES = ["view-users", "view-realm", "view-clients", "view-events",
                 "view-identity-providers", "view-organizations"]
ORGANIZATIONS = make_realm.ORGANIZATIONS


def _ok(r: requests.Response, *codes: int) -> requests.Response:
    assert r.status_code in (codes or (200, 201, 204)), \
        f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:500]}"
    return r


def _client_uuid(a: KeycloakAdmin, client_id: str) -> str:
    found = a.get("/clients", clientId=client_id)
    assert found, f"client {client_id} not found in realm {a.realm}"
    return found[0]["id"]


def grant_client_roles(a: KeycloakAdmin, user_id: str, client_id: str, names: list[str]) -> list:
    """Grants the roles of client `client_id` that exist (others are skipped)."""
    cid = _client_uuid(a, client_id)
    roles = [r for r in a.get(f"/clients/{cid}/roles") if r["name"] in names]
    if roles:
        _ok(a.request("POST", f"/users/{user_id}/role-mappings/clients/{cid}", json=roles))
    return sorted(r["name"] for r in roles)


def sa_user_id(a: KeycloakAdmin, client_id: str) -> str:
    return a.get(f"/clients/{_client_uuid(a, client_id)}/service-account-user")["id"]


@pytest.fixture(scope="session")
def realm_setup(keycloak, admin):
    """What the realm files cannot carry portably (Keycloak 22 imports them too):
    the organizations fixtures.py made (25+), and the master-realm client sk-multi
    whose service account may read acme and globex (not master)."""
    info = {"organizations": {}}
    if keycloak.major >= 25:
        # created by keycloak.sh (fixtures.py), like every post-import fixture
        for o in admin.paged("/organizations"):
            if o["name"] in ORGANIZATIONS:
                info["organizations"][o["id"]] = o["name"]
        assert set(info["organizations"].values()) == set(ORGANIZATIONS), info
    # sk-multi: a master-realm client with view-* roles on acme-realm and globex-realm
    master = KeycloakAdmin(admin.base_url, admin.user, admin.password, realm="master")
    r = master.request("POST", "/clients", json={
        "clientId": "sk-multi", "name": "sk-multi", "enabled": True,
        "protocol": "openid-connect", "publicClient": False,
        "clientAuthenticatorType": "client-secret", "secret": CLIENT_SECRETS["sk-multi"],
        "serviceAccountsEnabled": True, "standardFlowEnabled": False,
        "directAccessGrantsEnabled": False})
    _ok(r, 201, 409)
    uid = sa_user_id(master, "sk-multi")
    # manage-organizations: for organization_invitations on 26.7 (skipped where absent);
    # 26.5 and older have no organizations roles and open the API to manage-realm alone
    org_roles = (["manage-organizations"] if fixtures.has_role(admin, "view-organizations")
                 else ["manage-realm"] if keycloak.major >= 25 else [])
    info["sk_multi_roles"] = {
        realm: grant_client_roles(master, uid, f"{realm}-realm", SA_VIEW_ROLES + org_roles)
        for realm in (REALM, OTHER_REALM)}
    return info


@pytest.fixture(scope="session")
def activity(keycloak, admin, realm_setup):
    """Generate events and sessions before anything is read: successful and failed
    logins (login-app and login-app-2, password grant), offline logins, and admin
    changes. Returns the tokens seen."""
    tokens = set()
    url = f"{keycloak.base_url}/realms/{REALM}/protocol/openid-connect/token"

    def login(user, pw, client="login-app", scope="openid"):
        r = requests.post(url, data={"grant_type": "password", "client_id": client,
                                     "username": user, "password": pw, "scope": scope},
                          timeout=30)
        assert r.status_code == 200, f"login of {user} to {client} failed: {r.status_code} {r.text}"
        body = r.json()
        tokens.update(body[k] for k in ("access_token", "refresh_token", "id_token") if body.get(k))
        return body

    for user, pw in LOGIN_USERS.items():
        for _ in range(2):
            login(user, pw)
    # alice also uses a second client; alice and bob take offline sessions
    login("alice", LOGIN_USERS["alice"], client="login-app-2")
    for user, pw in LOGIN_USERS.items():
        body = login(user, pw, scope="openid offline_access")
        assert "offline_access" in body.get("scope", ""), f"no offline token for {user}: {body.get('scope')}"
    for user, pw in [("alice", "wrong-password"), ("nobody-here", "x"), ("bob", "nope")]:
        r = requests.post(url, data={"grant_type": "password", "client_id": "login-app",
                                     "username": user, "password": pw}, timeout=30)
        # 401 on older Keycloak, 400 invalid_grant on 26
        assert r.status_code in (400, 401), f"failed login expected 400/401, got {r.status_code} {r.text}"
    # admin changes: update a user, create a realm role, create a client with a secret
    u = admin.get("/users", username="user005", exact="true")[0]
    full = admin.get(f"/users/{u['id']}")
    full.setdefault("attributes", {})["note"] = ["changed by the acceptance suite ✓"]
    r = admin.request("PUT", f"/users/{u['id']}", json=full)
    assert r.status_code in (200, 204), r.text
    r = admin.request("POST", "/roles", json={"name": "it-created-role",
                                              "description": "created by admin during the test"})
    assert r.status_code in (201, 409), r.text
    r = admin.request("POST", "/clients", json={
        "clientId": "it-created-client", "enabled": True, "publicClient": False,
        "clientAuthenticatorType": "client-secret", "secret": CREATED_CLIENT_SECRET,
        "serviceAccountsEnabled": False, "standardFlowEnabled": True,
        "redirectUris": ["https://created.example.test/*"]})
    assert r.status_code in (201, 409), r.text
    return tokens


@pytest.fixture(scope="session")
def ground_rows(keycloak, admin, activity) -> dict[str, dict]:
    """{stream: {primary key: expected fields}} for the streams this server serves."""
    return compute_ground_truth(admin, keycloak.release)


@pytest.fixture(scope="session")
def ground_truth(ground_rows) -> dict[str, set]:
    return {name: set(rows) for name, rows in ground_rows.items()}


@pytest.fixture(scope="session")
def connector(tmp_path_factory) -> Connector:
    binary = connector_bin()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.fail(f"connector binary not found or not executable: {binary} "
                    f"(build with cargo build --release or set SOURCE_KEYCLOAK_BIN)")
    return Connector(binary, tmp_path_factory.mktemp("connector"))


@pytest.fixture(scope="session")
def make_config(keycloak, realm_setup):
    def make(client_id="source-keycloak", client_secret=None, **overrides):
        from kc_helpers import CLIENT_SECRETS
        cfg = {"server_url": keycloak.base_url, "realm": REALM, "client_id": client_id,
               "client_secret": client_secret if client_secret is not None
               else CLIENT_SECRETS.get(client_id, "unknown-secret")}
        cfg.update(overrides)
        return cfg
    return make


@pytest.fixture(scope="session")
def config(make_config) -> dict:
    return make_config()


@pytest.fixture(scope="session")
def discovered(connector, config, activity):
    res = connector.discover(config)
    assert res.returncode == 0, res.describe()
    assert not res.parse_errors, "\n".join(res.parse_errors)
    cats = res.of_type("CATALOG")
    assert len(cats) == 1, f"expected one CATALOG\n{res.describe()}"
    return cats[0]["catalog"]


@pytest.fixture(scope="session")
def stream_names(discovered) -> list[str]:
    return [s["name"] for s in discovered["streams"]]


@pytest.fixture(scope="session")
def full_read(connector, config, discovered, ground_truth):
    """One read of every discovered stream (ground truth is computed before)."""
    return connector.read(config, configured_catalog(discovered["streams"]))


@pytest.fixture(scope="session")
def second_read(connector, config, discovered, full_read):
    time.sleep(1.1)  # emitted_at is in ms; make sure the clock moved on
    return connector.read(config, configured_catalog(discovered["streams"]))
