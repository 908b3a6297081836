"""Helpers for the acceptance suite: Keycloak admin client, ground truth,
connector runner and Airbyte-message checks."""
from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REALM = "acme"

# Every secret that exists in the test realm or the test setup. None of them may
# ever appear in the connector's stdout or stderr.
CLIENT_SECRETS = {
    "source-keycloak": "it-secret-source-7Qw9",
    "sk-no-roles": "it-secret-noroles-3Kd1",
    "sk-no-clients": "it-secret-noclients-8Lp2",
    "sk-no-sa": "it-secret-nosa-5Tn4",
    "billing-app": "it-secret-billing-2Vb6",
    "crm": "it-secret-crm-6Rz8",
}
IDP_SECRET = "it-secret-idp-4Hx7"
LOGIN_USERS = {"alice": "it-pass-alice-1Mq5", "bob": "it-pass-bob-2Wn8"}
# client attributes with these values are private (names contain secret/private)
PRIVATE_ATTRIBUTE_VALUES = ["rotated-by-hand-IT", "vault:billing/private-IT"]
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.")


# ---------------------------------------------------------------------------
# Keycloak admin client (bootstrap admin of the master realm)
# ---------------------------------------------------------------------------
class KeycloakAdmin:
    def __init__(self, base_url: str, user: str, password: str, realm: str = REALM):
        self.base_url = base_url.rstrip("/")
        self.user = user
        self.password = password
        self.realm = realm
        self.session = requests.Session()
        self._token: str | None = None
        self._token_time = 0.0
        self.tokens_seen: set[str] = set()

    def token(self) -> str:
        # admin-cli tokens live 60 s by default: refresh well before that
        if self._token is None or time.time() - self._token_time > 30:
            r = self.session.post(
                f"{self.base_url}/realms/master/protocol/openid-connect/token",
                data={"grant_type": "password", "client_id": "admin-cli",
                      "username": self.user, "password": self.password},
                timeout=30)
            r.raise_for_status()
            self._token = r.json()["access_token"]
            self._token_time = time.time()
            self.tokens_seen.add(self._token)
        return self._token

    def request(self, method: str, path: str, **kw) -> requests.Response:
        url = f"{self.base_url}/admin/realms/{self.realm}{path}"
        for attempt in range(2):
            r = self.session.request(method, url, timeout=60,
                                     headers={"Authorization": f"Bearer {self.token()}"}, **kw)
            if r.status_code == 401 and attempt == 0:
                self._token = None
                continue
            return r
        return r

    def get(self, path: str, **params):
        r = self.request("GET", path, params=params)
        r.raise_for_status()
        return r.json()

    def paged(self, path: str, page: int = 100, **params) -> list:
        out, first = [], 0
        while True:
            batch = self.get(path, first=first, max=page, **params)
            out.extend(batch)
            if len(batch) < page:
                return out
            first += page

    def client_token(self, client_id: str, secret: str) -> str:
        r = self.session.post(
            f"{self.base_url}/realms/{self.realm}/protocol/openid-connect/token",
            data={"grant_type": "client_credentials", "client_id": client_id,
                  "client_secret": secret}, timeout=30)
        r.raise_for_status()
        return r.json()["access_token"]

    # -- ground truth building blocks ------------------------------------
    def users(self) -> list[dict]:
        return self.paged("/users", briefRepresentation="false")

    def groups_flat(self) -> list[dict]:
        """The whole group tree, flattened, each group with parentId and path.

        Keycloak <= 22: /groups returns the full tree in nested subGroups.
        Keycloak >= 23: /groups returns top-level groups only (subGroups empty,
        subGroupCount set); children come from /groups/{id}/children."""
        out: list[dict] = []

        def walk(g: dict, parent_id):
            g = dict(g)
            g["_parentId"] = parent_id
            out.append(g)
            subs = g.get("subGroups") or []
            if not subs and g.get("subGroupCount", 0) > 0:
                subs = self.paged(f"/groups/{g['id']}/children", briefRepresentation="false")
            for s in subs:
                walk(s, g["id"])

        for top in self.paged("/groups", briefRepresentation="false"):
            walk(top, None)
        return out

    def group_members(self) -> list[tuple[str, str]]:
        pairs = []
        for g in self.groups_flat():
            for m in self.paged(f"/groups/{g['id']}/members", briefRepresentation="true"):
                pairs.append((g["id"], m["id"]))
        return pairs

    def realm_roles(self) -> list[dict]:
        return self.paged("/roles", briefRepresentation="false")

    def clients(self) -> list[dict]:
        return self.paged("/clients")


# ---------------------------------------------------------------------------
# Ground truth registry: stream name -> (expected primary key, function)
# Each function returns the set of primary-key tuples the stream must produce.
# A stream the connector discovers without an entry here fails the suite.
# ---------------------------------------------------------------------------
@dataclass
class StreamTruth:
    primary_key: list[list[str]]
    fn: Callable[[KeycloakAdmin], set]


def _gt_users(a: KeycloakAdmin) -> set:
    return {(u["id"],) for u in a.users()}


def _gt_groups(a: KeycloakAdmin) -> set:
    return {(g["id"],) for g in a.groups_flat()}


def _gt_group_members(a: KeycloakAdmin) -> set:
    return set(a.group_members())


def _gt_realm_roles(a: KeycloakAdmin) -> set:
    return {(r["id"],) for r in a.realm_roles()}


def _gt_clients(a: KeycloakAdmin) -> set:
    return {(c["id"],) for c in a.clients()}


GROUND_TRUTH: dict[str, StreamTruth] = {
    "users": StreamTruth([["id"]], _gt_users),
    "groups": StreamTruth([["id"]], _gt_groups),
    "group_members": StreamTruth([["group_id"], ["user_id"]], _gt_group_members),
    "realm_roles": StreamTruth([["id"]], _gt_realm_roles),
    "clients": StreamTruth([["id"]], _gt_clients),
}


# ---------------------------------------------------------------------------
# Connector runner
# ---------------------------------------------------------------------------
def connector_bin() -> str:
    return os.environ.get("SOURCE_KEYCLOAK_BIN") or str(REPO / "target" / "release" / "source-keycloak")


def _strict_json(line: str):
    def bad_const(c):
        raise ValueError(f"non-standard JSON constant {c}")
    return json.loads(line, parse_constant=bad_const)


@dataclass
class RunResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    duration: float
    messages: list[dict] = field(default_factory=list)
    parse_errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"command: {' '.join(self.args)}\nexit: {self.returncode}\n"
                f"stderr tail:\n{self.stderr[-3000:]}\nstdout tail:\n{self.stdout[-3000:]}")

    def of_type(self, t: str) -> list[dict]:
        return [m for m in self.messages if m.get("type") == t]

    def records(self, stream: str | None = None) -> list[dict]:
        return [m["record"] for m in self.of_type("RECORD")
                if stream is None or m["record"].get("stream") == stream]

    def traces(self, kind: str | None = None) -> list[dict]:
        return [m["trace"] for m in self.of_type("TRACE")
                if kind is None or m["trace"].get("type") == kind]

    def stream_statuses(self, stream: str) -> list[str]:
        out = []
        for t in self.traces("STREAM_STATUS"):
            ss = t.get("stream_status") or {}
            if (ss.get("stream_descriptor") or {}).get("name") == stream:
                out.append(ss.get("status"))
        return out

    def text(self) -> str:
        return self.stdout + "\n" + self.stderr


class Connector:
    """Runs the connector binary; keeps every run for the secret-leak check."""

    def __init__(self, binary: str, workdir: Path):
        self.binary = binary
        self.workdir = workdir
        self.runs: list[RunResult] = []
        self._lock = threading.Lock()
        self._n = 0

    def write_json(self, name: str, obj) -> Path:
        with self._lock:
            self._n += 1
            p = self.workdir / f"{self._n:03d}-{name}.json"
        p.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
        return p

    def run(self, *args: str, timeout: float = 600) -> RunResult:
        cmd = [self.binary, *args]
        t0 = time.time()
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        res = RunResult(cmd, p.returncode, p.stdout.decode("utf-8", "replace"),
                        p.stderr.decode("utf-8", "replace"), time.time() - t0)
        from airbyte_protocol.models import AirbyteMessage
        for i, line in enumerate(res.stdout.splitlines()):
            if not line.strip():
                res.parse_errors.append(f"line {i + 1}: empty line")
                continue
            try:
                msg = _strict_json(line)
            except ValueError as e:
                res.parse_errors.append(f"line {i + 1}: not strict JSON ({e}): {line[:300]}")
                continue
            if not isinstance(msg, dict):
                res.parse_errors.append(f"line {i + 1}: not a JSON object: {line[:300]}")
                continue
            try:
                AirbyteMessage.model_validate_json(line)
            except Exception as e:  # pydantic ValidationError
                res.parse_errors.append(f"line {i + 1}: not an AirbyteMessage ({e}): {line[:300]}")
            res.messages.append(msg)
        self.runs.append(res)
        return res

    # convenience wrappers
    def spec(self) -> RunResult:
        return self.run("spec")

    def check(self, config: dict) -> RunResult:
        return self.run("check", "--config", str(self.write_json("config", config)))

    def discover(self, config: dict) -> RunResult:
        return self.run("discover", "--config", str(self.write_json("config", config)))

    def read(self, config: dict, catalog: dict, state=None) -> RunResult:
        args = ["read", "--config", str(self.write_json("config", config)),
                "--catalog", str(self.write_json("catalog", catalog))]
        if state is not None:
            args += ["--state", str(self.write_json("state", state))]
        return self.run(*args)


def configured_catalog(streams: list[dict]) -> dict:
    return {"streams": [{"stream": s, "sync_mode": "full_refresh",
                         "destination_sync_mode": "overwrite"} for s in streams]}


def one(res: RunResult, t: str) -> dict:
    msgs = res.of_type(t)
    assert len(msgs) == 1, f"expected exactly one {t} message, got {len(msgs)}\n{res.describe()}"
    return msgs[0]


def check_status(res: RunResult) -> tuple[str, str]:
    assert res.returncode == 0, f"check must exit 0 even when FAILED\n{res.describe()}"
    assert not res.parse_errors, "\n".join(res.parse_errors)
    cs = one(res, "CONNECTION_STATUS")["connectionStatus"]
    return cs["status"], cs.get("message") or ""


# ---------------------------------------------------------------------------
# JSON-schema helpers
# ---------------------------------------------------------------------------
FORBIDDEN_SCHEMA_KEYWORDS = {"$ref", "allOf", "not"}


def forbidden_keywords(schema, path="#") -> list[str]:
    """Schema keywords ($ref/allOf/not) anywhere in a schema; property *names*
    under properties/patternProperties/definitions are not keywords."""
    found = []
    if isinstance(schema, dict):
        for k, v in schema.items():
            if k in FORBIDDEN_SCHEMA_KEYWORDS:
                found.append(f"{path}/{k}")
            if k in ("properties", "patternProperties", "definitions", "$defs") and isinstance(v, dict):
                for name, sub in v.items():
                    found += forbidden_keywords(sub, f"{path}/{k}/{name}")
            else:
                found += forbidden_keywords(v, f"{path}/{k}")
    elif isinstance(schema, list):
        for i, v in enumerate(schema):
            found += forbidden_keywords(v, f"{path}/{i}")
    return found


def schema_has_path(schema: dict, path: list[str]) -> bool:
    node = schema
    for part in path:
        props = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict) or part not in props:
            return False
        node = props[part]
    return True


def get_path(data: dict, path: list[str]):
    node = data
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
