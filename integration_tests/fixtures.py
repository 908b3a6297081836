#!/usr/bin/env python3
"""The sample realm's fixtures that an import cannot carry portably (the same realm file
imports on Keycloak 22, 24 and 26), applied through the Admin API right after start by
keycloak.sh, so the acceptance suite and `make sync` see the same realm:

- a custom browser flow (a copy of the built-in one, with its conditional OTP sub-flow),
  bound as the realm's browser flow;
- a user federation component (LDAP, disabled, so no directory is needed) with a bind
  credential, and an RSA key provider with a known private key (realm/it-rsa-key.pem):
  secrets the suite greps every output for;
- LOCKED_USER locked out by real failed logins (brute-force protection is on in the file);
- on 25+: organizations on, the organizations of make_realm.ORGANIZATIONS with their
  members, view-organizations for the read-only service accounts; where that role does
  not exist (26.5 and older: the API opens to manage-realm alone), manage-realm for the
  accounts in MANAGE_ORGANIZATIONS;
- on servers with organization invitations (26.5+): one invitation, sent through a local
  SMTP sink (Keycloak refuses to store an invitation it could not mail), and
  manage-organizations (the role 26.7 requires to list invitations) for the accounts in
  MANAGE_ORGANIZATIONS.

Idempotent: a second run changes nothing. Standard library only.
  fixtures.py BASE_URL MAJOR ADMIN_USER ADMIN_PASSWORD
"""
from __future__ import annotations

import json
import os
import socketserver
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_realm  # noqa: E402

REALM = make_realm.REALM
RSA_KEY_FILE = os.path.join(HERE, "realm", "it-rsa-key.pem")
RSA_PROVIDER = "it-imported-rsa"
LDAP_NAME = "corp-ldap"
# read-only accounts that may read organizations (25+)
VIEW_ORGANIZATIONS = ["source-keycloak", "sk-no-clients", "sk-no-events", "sk-no-manage"]
# accounts that also hold manage-organizations where invitations exist (26.5+): the one
# role 26.7 accepts for listing them. Not sk-no-manage: the suite checks the stream is
# not offered without it.
MANAGE_ORGANIZATIONS = ["source-keycloak", "sk-no-clients", "sk-no-events"]


def rsa_private_key() -> str:
    with open(RSA_KEY_FILE, encoding="ascii") as f:
        return f.read().strip()


def secrets() -> list[str]:
    """The fixture secrets these steps add, as the suite's grep wants them: the bind
    credential, the locked user's password, and slices of the RSA private key's base64
    body (the key is multi-line; any run of it in an output is a leak)."""
    body = "".join(l for l in rsa_private_key().splitlines() if not l.startswith("-----"))
    chunks = [body[i:i + 40] for i in range(64, len(body) - 40, 200)]
    return [make_realm.LDAP_BIND_CREDENTIAL, make_realm.LOCKED_PASSWORD] + chunks


class Admin:
    def __init__(self, base: str, user: str, password: str):
        self.base = base
        data = urllib.parse.urlencode({"grant_type": "password", "client_id": "admin-cli",
                                       "username": user, "password": password}).encode()
        with urllib.request.urlopen(f"{base}/realms/master/protocol/openid-connect/token",
                                    data=data, timeout=30) as r:
            self.token = json.load(r)["access_token"]

    def call(self, method: str, path: str, body=None, form=None, ok=(200, 201, 204)):
        url = f"{self.base}/admin/realms/{urllib.parse.quote(REALM)}{path}"
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                text = r.read().decode()
                status = r.status
        except urllib.error.HTTPError as e:
            text, status = e.read().decode(errors="replace"), e.code
        if status not in ok:
            raise SystemExit(f"fixtures.py: {method} {path}: HTTP {status} {text[:300]}")
        return status, (json.loads(text) if text.strip() else None)

    def get(self, path: str):
        return self.call("GET", path)[1]


def custom_browser_flow(a: Admin) -> None:
    alias = make_realm.CUSTOM_BROWSER_FLOW
    if not any(f["alias"] == alias for f in a.get("/authentication/flows")):
        a.call("POST", "/authentication/flows/browser/copy", {"newName": alias})
    a.call("PUT", "", {"realm": REALM, "browserFlow": alias})


def components(a: Admin) -> None:
    realm_id = a.get("")["id"]
    names = {c.get("name") for c in a.get("/components")}
    if LDAP_NAME not in names:
        a.call("POST", "/components", {
            "name": LDAP_NAME, "providerId": "ldap", "parentId": realm_id,
            "providerType": "org.keycloak.storage.UserStorageProvider",
            "config": {
                "enabled": ["false"], "vendor": ["other"], "editMode": ["READ_ONLY"],
                "connectionUrl": ["ldap://ldap.corp.example.test:389"],
                "bindDn": ["cn=reader,dc=corp,dc=example,dc=test"],
                "bindCredential": [make_realm.LDAP_BIND_CREDENTIAL],
                "usersDn": ["ou=people,dc=corp,dc=example,dc=test"],
                "usernameLDAPAttribute": ["uid"], "rdnLDAPAttribute": ["uid"],
                "uuidLDAPAttribute": ["entryUUID"], "authType": ["simple"],
                "userObjectClasses": ["inetOrgPerson, organizationalPerson"],
                "priority": ["0"], "importEnabled": ["true"], "syncRegistrations": ["false"],
            }})
    if RSA_PROVIDER not in names:
        a.call("POST", "/components", {
            "name": RSA_PROVIDER, "providerId": "rsa", "parentId": realm_id,
            "providerType": "org.keycloak.keys.KeyProvider",
            "config": {"priority": ["50"], "enabled": ["true"], "active": ["true"],
                       "algorithm": ["RS256"], "privateKey": [rsa_private_key()]}})


def lock_out(a: Admin) -> None:
    user = a.get(f"/users?username={make_realm.LOCKED_USER}&exact=true")[0]
    status = a.get(f"/attack-detection/brute-force/users/{user['id']}")
    if status.get("disabled"):
        return
    url = f"{a.base}/realms/{REALM}/protocol/openid-connect/token"
    for i in range(make_realm.BRUTE_FORCE["failureFactor"]):
        data = urllib.parse.urlencode({"grant_type": "password", "client_id": "login-app",
                                       "username": make_realm.LOCKED_USER,
                                       "password": f"wrong-password-{i}"}).encode()
        try:
            urllib.request.urlopen(url, data=data, timeout=30).read()
            raise SystemExit("fixtures.py: a wrong password was accepted")
        except urllib.error.HTTPError:
            pass
    status = a.get(f"/attack-detection/brute-force/users/{user['id']}")
    if not status.get("disabled"):
        raise SystemExit(f"fixtures.py: {make_realm.LOCKED_USER} is not locked: {status}")


def realm_management_roles(a: Admin) -> tuple[str, list[dict]]:
    """The realm-management client's id and its roles (which differ by version)."""
    rm = a.get("/clients?clientId=realm-management")[0]["id"]
    return rm, a.get(f"/clients/{rm}/roles")


def grant(a: Admin, client_id: str, roles: list[str]) -> None:
    cid = a.get(f"/clients?clientId={client_id}")[0]["id"]
    uid = a.get(f"/clients/{cid}/service-account-user")["id"]
    rm, available = realm_management_roles(a)
    wanted = [r for r in available if r["name"] in roles]
    if wanted:
        a.call("POST", f"/users/{uid}/role-mappings/clients/{rm}", wanted)


def has_role(a: Admin, name: str) -> bool:
    """Whether the realm-management client has the role `name` (versions differ)."""
    return any(r["name"] == name for r in realm_management_roles(a)[1])


def organizations(a: Admin) -> dict[str, str]:
    """Organizations on, with their members; returns {name: id}."""
    if has_role(a, "view-organizations"):
        for cid in VIEW_ORGANIZATIONS:
            grant(a, cid, ["view-organizations"])
    else:
        # 26.5 and older have no organizations roles: the API opens to manage-realm alone,
        # a write role, held here by the accounts that stand for "already holds it"
        for cid in MANAGE_ORGANIZATIONS:
            grant(a, cid, ["manage-realm"])
    if not a.get("").get("organizationsEnabled"):
        a.call("PUT", "", {"realm": REALM, "organizationsEnabled": True})
    existing = {o["name"]: o["id"] for o in a.get("/organizations?first=0&max=1000")}
    for i, (name, members) in enumerate(make_realm.ORGANIZATIONS.items()):
        if name not in existing:
            a.call("POST", "/organizations", {
                "name": name, "alias": f"it-org-{i}", "enabled": True,
                "description": f"created by the acceptance suite #{i}",
                "domains": [{"name": f"org{i}.acme.example.test"}]})
            q = urllib.parse.urlencode({"search": name, "exact": "true"})
            existing[name] = [o for o in a.get(f"/organizations?{q}")
                              if o["name"] == name][0]["id"]
        for username in members:
            q = urllib.parse.urlencode({"username": username, "exact": "true"})
            uid = a.get(f"/users?{q}")[0]["id"]
            a.call("POST", f"/organizations/{existing[name]}/members", uid,
                   ok=(200, 201, 204, 409))
    return existing


class _Sink(socketserver.StreamRequestHandler):
    """Accepts any mail and drops it (enough SMTP for Keycloak's sender)."""

    def handle(self):
        def say(s):
            self.wfile.write(s.encode() + b"\r\n")
            self.wfile.flush()
        say("220 it-smtp-sink")
        in_data = False
        while line := self.rfile.readline(65536):
            if in_data:
                if line.rstrip(b"\r\n") == b".":
                    in_data = False
                    say("250 queued")
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                say("250 it-smtp-sink")
            elif verb == b"DATA":
                in_data = True
                say("354 end with .")
            elif verb == b"QUIT":
                say("221 bye")
                return
            else:
                say("250 ok")


def invitation(a: Admin, orgs: dict[str, str]) -> None:
    org = orgs["Initech Partners"]
    status, answer = a.call("GET", f"/organizations/{org}/invitations", ok=(200, 404, 405))
    if status != 200:
        return  # no invitations on this server
    if any(i.get("email") == make_realm.INVITEE_EMAIL for i in answer or []):
        return
    sink = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Sink)
    sink.daemon_threads = True
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        a.call("PUT", "", {"realm": REALM, "smtpServer": {
            "host": "127.0.0.1", "port": str(sink.server_address[1]),
            "from": "noreply@acme.example.test"}})
        a.call("POST", f"/organizations/{org}/members/invite-user",
               form={"email": make_realm.INVITEE_EMAIL, "firstName": "Invited",
                     "lastName": "Person"})
    finally:
        # the realm file's SMTP settings back (with their password: the realms stream
        # test checks that the password exists and is never emitted)
        a.call("PUT", "", {"realm": REALM, "smtpServer": make_realm.realm()["smtpServer"]})
        sink.shutdown()
    for cid in MANAGE_ORGANIZATIONS:
        grant(a, cid, ["manage-organizations"])


def main() -> None:
    base, major, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    a = Admin(base, user, password)
    custom_browser_flow(a)
    components(a)
    lock_out(a)
    if major >= 25:
        orgs = organizations(a)
        invitation(a, orgs)


if __name__ == "__main__":
    main()
