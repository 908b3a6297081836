#!/usr/bin/env python3
"""What one page costs a real Keycloak by offset, organizations on or off (BENCHMARKS.md,
"Organizations-enabled realms": the role-holder lists). Needs a Keycloak of this checkout
running (integration_tests/.work/kc.env), e.g. the one bench/real_keycloak.py scaled.
Times, over one keep-alive connection: pages of /roles/ROLE/users (brief, as the connector
asks) and /users (full) at offsets 0, 5000 and 9900, bigger pages of the role's holders,
and the mean of 20 per-user GETs (/users/{id}/credentials). Prints one JSON line.

    python3 bench/orgs_offsets.py LABEL [ROLE (employee)]
"""
import http.client
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_keycloak as rk  # noqa: E402

label = sys.argv[1] if len(sys.argv) > 1 else "unlabelled"
role = sys.argv[2] if len(sys.argv) > 2 else "employee"
env = dict(line.rstrip("\n").split("=", 1) for line in open(rk.KC_ENV) if "=" in line)
admin = rk.Admin(env["KC_BASE_URL"], env["KC_ADMIN_USER"], env["KC_ADMIN_PASSWORD"])
url = urllib.parse.urlsplit(admin.base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=900)


def get(path, **query):
    t = time.monotonic()
    conn.request("GET", f"{url.path}/admin/realms/{rk.REALM}{path}?{urllib.parse.urlencode(query)}",
                 headers={"Authorization": "Bearer " + admin.token()})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit(f"{path}: HTTP {r.status} {body[:200]!r}")
    return round(time.monotonic() - t, 2), json.loads(body)


out = {"case": label, "role": role}
for first, size in ((0, 100), (5000, 100), (9900, 100), (0, 1000), (2000, 100), (2000, 1000)):
    s, rows = get(f"/roles/{role}/users", first=first, max=size, briefRepresentation="true")
    out[f"roles/{role}/users first={first} max={size}: s, rows"] = (s, len(rows))
for first in (0, 5000, 9900):
    s, rows = get("/users", first=first, max=100, briefRepresentation="false")
    out[f"users first={first} max=100: s, rows"] = (s, len(rows))
t = time.monotonic()
for user in rows[:20]:
    get(f"/users/{user['id']}/credentials")
out["users/{id}/credentials: mean s of 20"] = round((time.monotonic() - t) / 20, 4)
print(json.dumps(out), flush=True)
