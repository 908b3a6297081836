"""What listing users costs a real Keycloak by page size, with organizations on and off
(BENCHMARKS.md, "Organizations-enabled realms").

Starts Keycloak (integration_tests/keycloak.sh), grows the acceptance realm to USERS users
with 3 more organizations (bench/real_keycloak.py's scaling), walks every user through
`GET /users` (full and brief) and one role's holders through `GET /roles/{ROLE}/users`
(brief) at page sizes 10..500 over one keep-alive connection, then deletes every
organization, turns them off and walks again. Prints one JSON line per walk and writes
them all to --json. Standard library only.

    python3 bench/orgs_pages.py [USERS (10000)] [ROLE (employee)] [JSON (orgs-pages.json)]

The 2026-12-03 run in BENCHMARKS.md asked for `default-roles-acme`, whose holders the
partial import does not create (0 rows): ROLE now defaults to `employee`.
"""
import http.client, json, os, subprocess, sys, time, urllib.parse
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_keycloak as rk

USERS = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
ROLE = sys.argv[2] if len(sys.argv) > 2 else "employee"
JSON_OUT = sys.argv[3] if len(sys.argv) > 3 else "orgs-pages.json"
SIZES = [10, 25, 50, 100, 250, 500]
OUT = []

def walk(admin, path, size, brief, extra=()):
    u = urllib.parse.urlsplit(admin.base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=900)
    first, n, reqs = 0, 0, 0
    t0 = time.monotonic()
    while True:
        q = urllib.parse.urlencode([("first", first), ("max", size), ("briefRepresentation", brief), *extra])
        conn.request("GET", f"{u.path}/admin/realms/{rk.REALM}{path}?{q}",
                     headers={"Authorization": "Bearer " + admin.token()})
        r = conn.getresponse(); body = r.read()
        assert r.status == 200, (r.status, body[:300])
        page = json.loads(body); n += len(page); reqs += 1
        if len(page) < size:
            break
        first += size
    conn.close()
    return time.monotonic() - t0, n, reqs

def sweep(admin, label, role):
    for path, brief in ((f"/roles/{role}/users", "true"), ("/users", "false"), ("/users", "true")):
        for size in SIZES:
            s, n, reqs = walk(admin, path, size, brief)
            row = {"case": label, "path": path.split("/")[1] + ("/users" if "roles" in path else ""),
                   "brief": brief, "max": size, "s": round(s, 2), "rows": n, "requests": reqs}
            OUT.append(row); print(json.dumps(row), flush=True)

env = {}
try:
    if subprocess.run(["bash", rk.KC_SH, "start"]).returncode != 0:
        sys.exit("no keycloak")
    for line in open(rk.KC_ENV):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1); env[k] = v
    admin = rk.Admin(env["KC_BASE_URL"], env["KC_ADMIN_USER"], env["KC_ADMIN_PASSWORD"])
    major = int(env["KC_VERSION"].split(".")[0])
    print("keycloak", env["KC_VERSION"], flush=True)
    # the scaling's login activity (password grants of the acceptance users) answers
    # HTTP 400 on 26.7.3 right after the import; this probe needs no login events
    rk.make_realm.LOGIN_USERS = {}
    t = time.monotonic()
    rk.scale_realm(admin, USERS, 500, major, 3)
    print("scaled in", round(time.monotonic() - t), "s; orgs:", len(admin.get("/organizations", max=100)), flush=True)
    role = ROLE
    walk(admin, f"/roles/{role}/users", 100, "true")  # warm-up
    walk(admin, "/users", 100, "false")
    sweep(admin, "orgs on", role)
    for o in admin.get("/organizations", max=1000):
        admin.call("DELETE", f"/organizations/{o['id']}")
    admin.call("PUT", "", {"realm": rk.REALM, "organizationsEnabled": False})
    print("orgs deleted and disabled", flush=True)
    walk(admin, f"/roles/{role}/users", 100, "true")
    sweep(admin, "no orgs", role)
finally:
    subprocess.run(["bash", rk.KC_SH, "stop"])
    with open(JSON_OUT, "w") as f:
        json.dump(OUT, f, indent=1)
