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

import make_realm

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REALM = "acme"

# Every secret that exists in the test realm or the test setup. None of them may
# ever appear in the connector's stdout or stderr. The realm generator is the one
# source: a secret added to the realm is grepped for without a second list to update.
CLIENT_SECRETS = {
    **make_realm.SECRETS,
    "sk-multi": "it-secret-multi-5Ye2",           # created in master by realm_setup
}
IDP_SECRET = make_realm.IDP_SECRET
GITHUB_IDP_SECRET = make_realm.GITHUB_IDP_SECRET
SMTP_PASSWORD = make_realm.SMTP_PASSWORD
GLOBEX_SECRET = make_realm.GLOBEX_SECRETS["globex-app"]
# secret of a client the activity fixture creates through the admin API (its admin
# event's representation carries it)
CREATED_CLIENT_SECRET = "it-secret-created-0Ak4"
OTHER_REALM = "globex"
LOGIN_USERS = make_realm.LOGIN_USERS
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
        extra = kw.pop("headers", {})
        for attempt in range(2):
            r = self.session.request(method, url, timeout=60,
                                     headers={"Authorization": f"Bearer {self.token()}", **extra},
                                     **kw)
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
# Ground truth registry: stream name -> StreamTruth.
# Each function returns {primary-key tuple: {field: expected value}}; the record
# set is compared by primary key and the listed fields are compared exactly.
# A stream the connector discovers without an entry here fails the suite.
# ---------------------------------------------------------------------------
@dataclass
class StreamTruth:
    primary_key: list[list[str]]
    fn: Callable[[KeycloakAdmin], dict]
    # realm-management roles the stream needs (what the brief and the connector say)
    roles: tuple[str, ...]
    # first Keycloak major that serves the stream (organizations: 25)
    min_major: int = 0
    # or first (major, minor) release (organization invitations: 26.5)
    min_version: tuple[int, int] = (0, 0)

    def served(self, release: "int | tuple[int, int]") -> bool:
        """`release`: the server's (major, minor); a bare major means its latest minor."""
        release = release if isinstance(release, tuple) else (release, 1 << 30)
        return release[0] >= self.min_major and release >= self.min_version


def _pick(d: dict, *keys) -> dict:
    return {k: d.get(k) for k in keys}


def _q(name: str) -> str:
    return requests.utils.quote(name, safe="")


def _gt_users(a: KeycloakAdmin) -> dict:
    return {(u["id"],): _pick(u, "username", "enabled", "email") for u in a.users()}


def _gt_groups(a: KeycloakAdmin) -> dict:
    return {(g["id"],): {"name": g["name"], "path": g.get("path"), "parentId": g["_parentId"]}
            for g in a.groups_flat()}


def _gt_group_members(a: KeycloakAdmin) -> dict:
    out = {}
    for g in a.groups_flat():
        for m in a.paged(f"/groups/{g['id']}/members", briefRepresentation="true"):
            out[(g["id"], m["id"])] = {"username": m["username"]}
    return out


def _gt_realm_roles(a: KeycloakAdmin) -> dict:
    return {(r["id"],): _pick(r, "name", "composite", "description") for r in a.realm_roles()}


def _gt_clients(a: KeycloakAdmin) -> dict:
    return {(c["id"],): _pick(c, "clientId", "enabled", "publicClient") for c in a.clients()}


def _gt_realms(a: KeycloakAdmin) -> dict:
    r = a.get("")
    return {(r["id"],): _pick(r, "realm", "displayName", "enabled", "eventsEnabled",
                              "adminEventsEnabled")}


def _all_client_roles(a: KeycloakAdmin) -> list[tuple[dict, dict]]:
    out = []
    for c in a.clients():
        for r in a.get(f"/clients/{c['id']}/roles", briefRepresentation="false"):
            out.append((c, r))
    return out


def _gt_client_roles(a: KeycloakAdmin) -> dict:
    return {(r["id"],): {"name": r["name"], "client_id": c["id"], "clientId": c["clientId"],
                         "containerId": r.get("containerId"), "composite": r.get("composite")}
            for c, r in _all_client_roles(a)}


def _gt_role_composites(a: KeycloakAdmin) -> dict:
    roles = a.realm_roles() + [r for _, r in _all_client_roles(a)]
    out = {}
    for p in roles:
        if not p.get("composite"):
            continue
        for ch in a.get(f"/roles-by-id/{p['id']}/composites"):
            out[(p["id"], ch["id"])] = {
                "role_name": p["name"], "role_client_role": p.get("clientRole"),
                "role_container_id": p.get("containerId"),
                "child_role_name": ch["name"], "child_client_role": ch.get("clientRole"),
                "child_container_id": ch.get("containerId")}
    return out


def _gt_user_role_mappings(a: KeycloakAdmin) -> dict:
    """Per role: /roles/{name}/users and /clients/{id}/roles/{name}/users (these list
    service-account users too)."""
    out = {}
    for r in a.realm_roles():
        for u in a.paged(f"/roles/{_q(r['name'])}/users", briefRepresentation="true"):
            out[(u["id"], r["id"])] = {"username": u["username"], "role_name": r["name"],
                                       "client_role": False, "client_id": None,
                                       "clientId": None}
    for c, r in _all_client_roles(a):
        for u in a.paged(f"/clients/{c['id']}/roles/{_q(r['name'])}/users",
                         briefRepresentation="true"):
            out[(u["id"], r["id"])] = {"username": u["username"], "role_name": r["name"],
                                       "client_role": True, "client_id": c["id"],
                                       "clientId": c["clientId"]}
    return out


def user_role_mappings_per_user(a: KeycloakAdmin, users: list[dict]) -> dict:
    """The other ground truth: GET /users/{id}/role-mappings per user."""
    out = {}
    for u in users:
        m = a.get(f"/users/{u['id']}/role-mappings")
        for r in m.get("realmMappings") or []:
            out[(u["id"], r["id"])] = {"username": u["username"], "role_name": r["name"],
                                       "client_role": False, "client_id": None,
                                       "clientId": None}
        for cm in (m.get("clientMappings") or {}).values():
            for r in cm.get("mappings") or []:
                out[(u["id"], r["id"])] = {"username": u["username"], "role_name": r["name"],
                                           "client_role": True, "client_id": cm["id"],
                                           "clientId": cm["client"]}
    return out


def service_account_users(a: KeycloakAdmin) -> list[dict]:
    out = []
    for c in a.clients():
        if c.get("serviceAccountsEnabled"):
            out.append(a.get(f"/clients/{c['id']}/service-account-user"))
    return out


def _gt_group_role_mappings(a: KeycloakAdmin) -> dict:
    out = {}
    for g in a.groups_flat():
        m = a.get(f"/groups/{g['id']}/role-mappings")
        for r in m.get("realmMappings") or []:
            out[(g["id"], r["id"])] = {"role_name": r["name"], "client_role": False,
                                       "client_id": None, "clientId": None}
        for cm in (m.get("clientMappings") or {}).values():
            for r in cm.get("mappings") or []:
                out[(g["id"], r["id"])] = {"role_name": r["name"], "client_role": True,
                                           "client_id": cm["id"], "clientId": cm["client"]}
    return out


def _gt_user_effective_roles(a: KeycloakAdmin) -> dict:
    """Effective grants computed per user, independently of the connector's per-role
    method: each user's direct mappings (/users/{id}/role-mappings) and direct groups
    (/users/{id}/groups), group inheritance from ancestors, composite closure from
    /roles-by-id/{id}/composites. Users: /users plus service-account users."""
    groups = {g["id"]: g for g in a.groups_flat()}
    group_roles = {}
    for (gid, rid) in _gt_group_role_mappings(a):
        group_roles.setdefault(gid, []).append(rid)
    children, composite_cache = {}, {}

    def direct_children(rid):
        if rid not in children:
            children[rid] = [c["id"] for c in a.get(f"/roles-by-id/{rid}/composites")]
        return children[rid]

    def closure(rid):
        if rid not in composite_cache:
            seen, stack = set(), list(direct_children(rid))
            while stack:
                nxt = stack.pop()
                if nxt != rid and nxt not in seen:
                    seen.add(nxt)
                    stack.extend(direct_children(nxt))
            composite_cache[rid] = seen
        return composite_cache[rid]

    def ancestors(gid):
        chain = []
        while gid:
            chain.append(gid)
            gid = groups[gid]["_parentId"]
        return chain

    out = {}
    users = {u["id"]: u for u in a.users() + service_account_users(a)}
    for uid, u in users.items():
        grants = []
        m = a.get(f"/users/{uid}/role-mappings")
        direct = [r["id"] for r in m.get("realmMappings") or []]
        direct += [r["id"] for cm in (m.get("clientMappings") or {}).values()
                   for r in cm.get("mappings") or []]
        grants += [(rid, "direct") for rid in direct]
        for g in a.paged(f"/users/{uid}/groups", briefRepresentation="true"):
            for via in ancestors(g["id"]):
                grants += [(rid, f"group:{g['id']}:{via}") for rid in group_roles.get(via, [])]
        for rid, how in list(grants):
            grants += [(inner, f"composite:{rid}:{how}") for inner in closure(rid)]
        for rid, how in grants:
            out[(uid, rid, how)] = {"username": u["username"]}
    return out


def effective_role_names_per_user(a: KeycloakAdmin, user_ids) -> dict:
    """Keycloak's own answer: /users/{id}/role-mappings/realm/composite and
    /users/{id}/role-mappings/clients/{client}/composite for every client."""
    clients = a.clients()
    out = {}
    for uid in user_ids:
        names = {(None, r["name"]) for r in a.get(f"/users/{uid}/role-mappings/realm/composite")}
        for c in clients:
            for r in a.get(f"/users/{uid}/role-mappings/clients/{c['id']}/composite"):
                names.add((c["clientId"], r["name"]))
        out[uid] = names
    return out


def _gt_client_scopes(a: KeycloakAdmin) -> dict:
    return {(s["id"],): _pick(s, "name", "protocol") for s in a.get("/client-scopes")}


def _gt_identity_providers(a: KeycloakAdmin) -> dict:
    return {(i["internalId"],): _pick(i, "alias", "providerId", "enabled", "displayName")
            for i in a.get("/identity-provider/instances")}


def _gt_user_federated_identities(a: KeycloakAdmin) -> dict:
    out = {}
    for u in a.users():
        for link in a.get(f"/users/{u['id']}/federated-identity"):
            out[(u["id"], link["identityProvider"])] = {"username": u["username"]}
    return out


def sessions_by_endpoint(a: KeycloakAdmin) -> dict:
    """(session id, offline) -> session representation, from every client's
    user-sessions and offline-sessions."""
    out = {}
    for c in a.clients():
        for endpoint, offline in (("user-sessions", False), ("offline-sessions", True)):
            for s in a.paged(f"/clients/{c['id']}/{endpoint}"):
                out[(s["id"], offline)] = s
    return out


def _gt_user_sessions(a: KeycloakAdmin) -> dict:
    return {k: {"userId": s.get("userId"), "username": s.get("username"), "offline": k[1],
                "clients": sorted(({"id": cid, "clientId": name}
                                   for cid, name in (s.get("clients") or {}).items()),
                                  key=lambda x: x["id"])}
            for k, s in sessions_by_endpoint(a).items()}


def _gt_client_session_stats(a: KeycloakAdmin) -> dict:
    return {(s["id"],): {"clientId": s.get("clientId"), "active": int(s.get("active", 0)),
                         "offline": int(s.get("offline", 0))}
            for s in a.get("/client-session-stats")}


def _organizations(a: KeycloakAdmin) -> list[dict]:
    try:
        return a.paged("/organizations", briefRepresentation="false")
    except requests.HTTPError as e:  # organizations off in this realm
        if e.response is not None and e.response.status_code == 404:
            return []
        raise


def _gt_organizations(a: KeycloakAdmin) -> dict:
    return {(o["id"],): _pick(o, "name", "enabled") for o in _organizations(a)}


def _gt_organization_members(a: KeycloakAdmin) -> dict:
    out = {}
    for o in _organizations(a):
        for m in a.paged(f"/organizations/{o['id']}/members"):
            out[(o["id"], m["id"])] = _pick(m, "username", "membershipType")
    return out


# --- issue 15: MFA enrolment, lockouts, consents, authentication policy, federation, keys
def _gt_user_credentials(a: KeycloakAdmin) -> dict:
    out = {}
    for u in a.users():
        for c in a.get(f"/users/{u['id']}/credentials"):
            out[(c["id"],)] = {"user_id": u["id"], "username": u["username"],
                               **_pick(c, "type", "userLabel", "createdDate")}
    return out


def _gt_user_brute_force_status(a: KeycloakAdmin) -> dict:
    """Every user's lockout state, in realms with brute-force protection on (none else)."""
    if not a.get("").get("bruteForceProtected"):
        return {}
    return {(u["id"],): {"username": u["username"],
                         **_pick(a.get(f"/attack-detection/brute-force/users/{u['id']}"),
                                 "disabled", "numFailures", "lastFailure", "lastIPFailure")}
            for u in a.users()}


def _gt_user_consents(a: KeycloakAdmin) -> dict:
    return {(u["id"], c["clientId"]): _pick(c, "grantedClientScopes", "createdDate",
                                            "lastUpdatedDate")
            for u in a.users() for c in a.get(f"/users/{u['id']}/consents")}


def _gt_required_actions(a: KeycloakAdmin) -> dict:
    return {(a.realm, r["alias"]): _pick(r, "name", "enabled", "defaultAction", "priority")
            for r in a.get("/authentication/required-actions")}


def _gt_authentication_flows(a: KeycloakAdmin) -> dict:
    return {(f["id"],): _pick(f, "alias", "providerId", "topLevel", "builtIn")
            for f in a.get("/authentication/flows")}


def _gt_authentication_executions(a: KeycloakAdmin) -> dict:
    """Executions of every top-level flow, nested sub-flows included (the endpoint lists
    them with their level and index)."""
    return {(e["id"],): _pick(e, "requirement", "level", "index", "displayName")
            for f in a.get("/authentication/flows")
            for e in a.get(f"/authentication/flows/{_q(f['alias'])}/executions")}


def _gt_components(a: KeycloakAdmin) -> dict:
    return {(c["id"],): _pick(c, "name", "providerId", "providerType", "parentId")
            for c in a.get("/components")}


def _gt_realm_keys(a: KeycloakAdmin) -> dict:
    return {(a.realm, k["kid"], k["providerId"]): _pick(k, "algorithm", "type", "status",
                                                        "publicKey", "certificate")
            for k in a.get("/keys")["keys"]}


def _gt_identity_provider_mappers(a: KeycloakAdmin) -> dict:
    return {(m["id"],): _pick(m, "name", "identityProviderAlias", "identityProviderMapper")
            for idp in a.get("/identity-provider/instances")
            for m in a.get(f"/identity-provider/instances/{_q(idp['alias'])}/mappers")}


def _gt_organization_invitations(a: KeycloakAdmin) -> dict:
    return {(i["id"],): _pick(i, "email", "status", "organizationId", "sentDate", "expiresAt")
            for o in _organizations(a)
            for i in a.paged(f"/organizations/{o['id']}/invitations")}


# Keycloak < 26.2 gives events no id: the connector derives one ("h:" + 32 hex).
# There, events are compared by content: (time, type, ...) plus an occurrence number.
CONTENT_KEY = "~content"
EVENT_CONTENT = {"events": ("time", "type", "userId", "clientId", "sessionId", "error"),
                 "admin_events": ("time", "operationType", "resourceType", "resourcePath")}
EVENT_FIELDS = {"events": ("type", "userId", "clientId", "time"),
                "admin_events": ("operationType", "resourceType", "resourcePath", "time")}


def event_rows(stream: str, items: list[dict], use_ids: bool) -> dict:
    out, seen = {}, {}
    for e in items:
        if use_ids:
            key = (e["id"],)
        else:
            c = tuple(e.get(f) for f in EVENT_CONTENT[stream])
            seen[c] = seen.get(c, 0) + 1
            key = (CONTENT_KEY, *c, seen[c])
        out[key] = _pick(e, *EVENT_FIELDS[stream])
    return out


def _gt_events(a: KeycloakAdmin) -> dict:
    items = a.paged("/events")
    return event_rows("events", items, all(e.get("id") for e in items))


def _gt_admin_events(a: KeycloakAdmin) -> dict:
    items = a.paged("/admin-events")
    return event_rows("admin_events", items, all(e.get("id") for e in items))


def record_keys(stream: str, records: list[dict], pk: list[list[str]], truth: dict) -> list:
    """Keys of the connector's records, comparable with the ground truth's keys."""
    if stream in EVENT_CONTENT and any(k and k[0] == CONTENT_KEY for k in truth):
        return list(event_rows(stream, records, use_ids=False))
    return [tuple(get_path(r, p) for p in pk) for r in records]


GROUND_TRUTH: dict[str, StreamTruth] = {
    "realms": StreamTruth([["id"]], _gt_realms, ("view-realm",)),
    "users": StreamTruth([["id"]], _gt_users, ("view-users",)),
    "groups": StreamTruth([["id"]], _gt_groups, ("view-users",)),
    "group_members": StreamTruth([["group_id"], ["user_id"]], _gt_group_members,
                                 ("view-users",)),
    "realm_roles": StreamTruth([["id"]], _gt_realm_roles, ("view-realm",)),
    "clients": StreamTruth([["id"]], _gt_clients, ("view-clients",)),
    "client_roles": StreamTruth([["id"]], _gt_client_roles, ("view-clients",)),
    "role_composites": StreamTruth([["role_id"], ["child_role_id"]], _gt_role_composites,
                                   ("view-realm", "view-clients")),
    "user_role_mappings": StreamTruth([["user_id"], ["role_id"]], _gt_user_role_mappings,
                                      ("view-users", "view-realm", "view-clients")),
    "group_role_mappings": StreamTruth([["group_id"], ["role_id"]], _gt_group_role_mappings,
                                       ("view-users", "view-clients")),
    "user_effective_roles": StreamTruth([["user_id"], ["role_id"], ["grant"]],
                                        _gt_user_effective_roles,
                                        ("view-users", "view-realm", "view-clients")),
    "client_scopes": StreamTruth([["id"]], _gt_client_scopes, ("view-clients",)),
    "identity_providers": StreamTruth([["internalId"]], _gt_identity_providers,
                                      ("view-identity-providers",)),
    "user_federated_identities": StreamTruth([["user_id"], ["identity_provider"]],
                                             _gt_user_federated_identities,
                                             ("view-users", "view-identity-providers")),
    "user_sessions": StreamTruth([["id"], ["offline"]], _gt_user_sessions, ("view-clients",)),
    "client_session_stats": StreamTruth([["id"]], _gt_client_session_stats, ("view-realm",)),
    "organizations": StreamTruth([["id"]], _gt_organizations, ("view-organizations",),
                                 min_major=25),
    "organization_members": StreamTruth([["organization_id"], ["user_id"]],
                                        _gt_organization_members,
                                        ("view-organizations", "view-users"), min_major=25),
    "user_credentials": StreamTruth([["id"]], _gt_user_credentials, ("view-users",)),
    # view-realm: whether the realm has brute-force protection on at all
    "user_brute_force_status": StreamTruth([["user_id"]], _gt_user_brute_force_status,
                                           ("view-users", "view-realm")),
    # Keycloak names the client of a consent by its clientId (no internal id)
    "user_consents": StreamTruth([["user_id"], ["clientId"]], _gt_user_consents,
                                 ("view-users",)),
    "required_actions": StreamTruth([["realm"], ["alias"]], _gt_required_actions,
                                    ("view-realm",)),
    "authentication_flows": StreamTruth([["id"]], _gt_authentication_flows, ("view-realm",)),
    "authentication_executions": StreamTruth([["id"]], _gt_authentication_executions,
                                             ("view-realm",)),
    "components": StreamTruth([["id"]], _gt_components, ("view-realm",)),
    "realm_keys": StreamTruth([["realm"], ["kid"], ["providerId"]], _gt_realm_keys,
                              ("view-realm",)),
    "identity_provider_mappers": StreamTruth([["id"]], _gt_identity_provider_mappers,
                                             ("view-identity-providers",)),
    # 26.5+ (the endpoint), and only for an account holding manage-organizations
    "organization_invitations": StreamTruth([["id"]], _gt_organization_invitations,
                                            ("manage-organizations",), min_version=(26, 5)),
    "events": StreamTruth([["id"]], _gt_events, ("view-events",)),
    "admin_events": StreamTruth([["id"]], _gt_admin_events, ("view-events",)),
}


def compute_ground_truth(a: KeycloakAdmin, major: int) -> dict[str, dict]:
    return {name: st.fn(a) for name, st in GROUND_TRUTH.items() if st.served(major)}


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


# ---------------------------------------------------------------------------
# Comparisons shared by the test modules
# ---------------------------------------------------------------------------
def compare_with_truth(stream: str, records: list[dict], rows: dict, what: str = "") -> list[str]:
    """Problems of a stream's records (data dicts) against its ground-truth rows:
    primary keys (no nulls, no duplicates, same set) and the key fields, exactly."""
    pk = GROUND_TRUTH[stream].primary_key
    pks = [tuple(get_path(r, p) for p in pk) for r in records]
    label = f"{stream}{what}"
    nulls = [k for k in pks if any(v is None for v in k)]
    if nulls:
        return [f"{label}: {len(nulls)} records with null primary key"]
    dups = len(pks) - len(set(pks))
    if dups:
        return [f"{label}: {dups} duplicate primary keys"]
    # events on servers without event ids: compared by content (see record_keys)
    keys = record_keys(stream, records, pk, rows)
    got, want = set(keys), set(rows)
    if got != want:
        return [f"{label}: {len(got)} records vs {len(want)} in Keycloak; "
                f"missing {sorted(want - got, key=str)[:5]}, extra {sorted(got - want, key=str)[:5]}"]
    problems = []
    for key, rec in zip(keys, records):
        for field, expected in rows[key].items():
            if rec.get(field) != expected:
                problems.append(f"{label} {key}: {field} = {rec.get(field)!r}, "
                                f"Keycloak has {expected!r}")
    return problems[:10]


def read_without_role(connector, make_config, discovered, ground_rows, client_id, role):
    """Reads every discovered stream as `client_id`, which lacks only `role`: the
    streams needing it fail or are skipped naming the role, the others are complete."""
    res = connector.read(make_config(client_id=client_id),
                         configured_catalog(discovered["streams"]))
    assert not res.parse_errors, "\n".join(res.parse_errors)
    needs = {n for n, st in GROUND_TRUTH.items() if role in st.roles}
    print(f"\n[{client_id} read] exit={res.returncode} "
          f"errors={[t.get('error', {}).get('message')[:160] for t in res.traces('ERROR')]}")
    assert role in res.stdout.lower(), f"output should name the {role} role"
    problems = []
    for s in discovered["streams"]:
        name = s["name"]
        statuses = res.stream_statuses(name)
        if name in needs:
            if res.records(name):
                problems.append(f"{name}: {len(res.records(name))} records without {role}?")
            if statuses and statuses[-1] != "INCOMPLETE":
                problems.append(f"{name}: statuses {statuses}, expected INCOMPLETE")
            continue
        if statuses[-1:] != ["COMPLETE"]:
            problems.append(f"{name}: statuses {statuses}, expected COMPLETE")
        if name in ground_rows:
            problems += compare_with_truth(name, [r["data"] for r in res.records(name)],
                                           ground_rows[name], f" (as {client_id})")
    for t in res.traces("ERROR"):
        msg = t["error"].get("message", "")
        if role in msg:
            assert t["error"].get("failure_type") == "config_error", t["error"]
    assert not problems, "\n".join(problems)
    return res
