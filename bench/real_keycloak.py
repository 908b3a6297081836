#!/usr/bin/env python3
"""Full sync of the acceptance realm, scaled to 10,000 users, against a REAL Keycloak.

Starts Keycloak (integration_tests/keycloak.sh start: dev mode, H2, the acceptance realms
imported), grows the `acme` realm with the Admin REST API's partial import (users without
passwords, a few hundred more groups, realm roles, clients with client roles, federated
identity links; organizations only with --organizations N, since with them Keycloak 26.7
spends minutes checking every listed user's organization), creates a little login activity
(events, sessions), probes briefRepresentation on the users list, then
runs `source-keycloak read` with a catalog of every discovered stream in full refresh:
one warm-up sync (JIT of Keycloak and caches; reported but not compared), then one sync
per configuration given with --configs. Per stream it reports records, requests and
seconds (from the connector's LOG summary line per stream), per sync the total wall
time, the connector's CPU seconds and peak RSS (GNU time, else wait4) and the CPU seconds
Keycloak's JVM spent meanwhile (/proc/<pid>/stat of Keycloak's process group). Record
counts must be identical in every sync (configurations may not change the data): the
script fails if they are not, if Keycloak does not start, or if a sync exits non-zero,
prints a TRACE ERROR or leaves a stream not COMPLETE. Keycloak is always stopped.

Standard library only. Usage (from the repository root; `make bench-real` runs the default):

    python3 bench/real_keycloak.py [--users 10000] [--configs page_size=100 page_size=500]
        [--binary PATH] [--version 26.7.3] [--streams a,b] [--markdown FILE] [--json FILE]

A configuration is comma-separated key=value pairs added to the connector's config JSON
(`page_size=500,max_concurrency=4`); values are parsed as JSON when they parse (numbers,
booleans), else kept as strings. Keys the connector does not know are passed anyway (it
warns and ignores them).
"""

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IT = os.path.join(ROOT, "integration_tests")
KC_SH = os.path.join(IT, "keycloak.sh")
KC_ENV = os.path.join(IT, ".work", "kc.env")
REALM = "acme"
CONNECTOR_CLIENT = "source-keycloak"
TICKS = os.sysconf("SC_CLK_TCK")
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
SUMMARY = re.compile(r"stream '([^']+)': (\d+) records, (\d+) requests, ([\d.]+) s, (\d+) records/s")

sys.path.insert(0, IT)
import make_realm  # noqa: E402  (the acceptance realm's generator: secrets, roles, groups)


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def die(msg):
    raise SystemExit(f"real_keycloak.py: ERROR: {msg}")


# The machine's description, as bench.py prints it (one definition for both scripts).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import machine  # noqa: E402


def load_avg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------------------
# Keycloak's process: CPU and RSS of its whole process group (setsid in keycloak.sh,
# so kc.sh and the JVM it starts share the group whose id is KC_PID)
# ---------------------------------------------------------------------------
def group_procs(pgid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            out.append((int(entry), fields))
    return out


def keycloak_cpu(pgid):
    """utime+stime of every process in Keycloak's process group, in seconds."""
    return sum(int(f[11]) + int(f[12]) for _, f in group_procs(pgid)) / TICKS


def keycloak_rss_mb(pgid):
    total = 0
    for pid, _ in group_procs(pgid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# ---------------------------------------------------------------------------
# Admin REST API (master realm admin, password grant; the token lives 60 s, so it is
# renewed every 40 s)
# ---------------------------------------------------------------------------
class Admin:
    def __init__(self, base, user, password):
        self.base, self.user, self.password = base, user, password
        self._token, self._at = None, 0.0

    def token(self):
        if self._token is None or time.monotonic() - self._at > 40:
            form = urllib.parse.urlencode({"grant_type": "password", "client_id": "admin-cli",
                                           "username": self.user,
                                           "password": self.password}).encode()
            url = f"{self.base}/realms/master/protocol/openid-connect/token"
            with urllib.request.urlopen(url, data=form, timeout=60) as r:
                self._token = json.load(r)["access_token"]
            self._at = time.monotonic()
        return self._token

    def call(self, method, path, body=None, raw=None, timeout=600):
        url = f"{self.base}/admin/realms/{REALM}{path}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": "Bearer " + self.token(), "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            die(f"{method} {path}: HTTP {e.code} {e.read()[:500]!r}")
        return json.loads(text) if text.strip() else None

    def get(self, path, **query):
        q = ("?" + urllib.parse.urlencode(query)) if query else ""
        return self.call("GET", path + q)


# ---------------------------------------------------------------------------
# Scaling the realm
# ---------------------------------------------------------------------------
DEPARTMENTS = 20          # new top-level groups
TEAMS = 15                # subgroups per department: 20 + 300 new groups
EXTRA_REALM_ROLES = 50
EXTRA_CLIENTS = 20        # each with two client roles
ORG_MEMBER_EVERY = 50     # one user in 50 joins an organization (one POST each)


def extra_structure():
    # partialImport finds groups by "path" (without it Keycloak 26 fails with an NPE)
    groups = [{"name": f"dept-{d:02d}", "path": f"/dept-{d:02d}",
               "attributes": {"cost-center": [f"CC-{200 + d}"]},
               "realmRoles": [f"bench-role-{d:02d}"] if d < EXTRA_REALM_ROLES else [],
               "subGroups": [{"name": f"team-{d:02d}-{t:02d}",
                              "path": f"/dept-{d:02d}/team-{d:02d}-{t:02d}",
                              "attributes": {"floor": [str(t % 7)]},
                              "clientRoles": ({f"bench-app-{t % EXTRA_CLIENTS:02d}": ["reader"]}
                                              if t % 5 == 0 else {})}
                             for t in range(TEAMS)]}
              for d in range(DEPARTMENTS)]
    roles = [{"name": f"bench-role-{r:02d}", "description": f"benchmark role {r}",
              "attributes": {"tier": [str(r % 3)]}} for r in range(EXTRA_REALM_ROLES)]
    # every tenth role is a composite of the next one
    for r in range(0, EXTRA_REALM_ROLES - 1, 10):
        roles[r]["composite"] = True
        roles[r]["composites"] = {"realm": [f"bench-role-{r + 1:02d}"]}
    clients = [{"clientId": f"bench-app-{c:02d}", "name": f"Benchmark app {c}", "enabled": True,
                "protocol": "openid-connect", "publicClient": True,
                "standardFlowEnabled": True, "directAccessGrantsEnabled": False,
                "redirectUris": [f"https://app{c}.bench.example.test/*"]}
               for c in range(EXTRA_CLIENTS)]
    client_roles = {f"bench-app-{c:02d}": [{"name": "reader"}, {"name": "writer"}]
                    for c in range(EXTRA_CLIENTS)}
    return groups, roles, clients, client_roles


def bench_user(i):
    """User number i (> the acceptance realm's 300): attributes, one team group (every
    tenth also an acceptance group), realm roles, every third a client role, every 15th
    linked to corp-oidc and every 40th to github. No credentials: hashing would dominate."""
    first = make_realm.FIRST_NAMES[i % len(make_realm.FIRST_NAMES)]
    last = make_realm.LAST_NAMES[(i * 7) % len(make_realm.LAST_NAMES)]
    name = f"bench{i:05d}"
    d, t = i % DEPARTMENTS, (i // DEPARTMENTS) % TEAMS
    groups = [f"/dept-{d:02d}/team-{d:02d}-{t:02d}"]
    if i % 10 == 0:
        groups.append(make_realm.LEAF_PATHS[i % len(make_realm.LEAF_PATHS)])
    attrs = {"department": [make_realm.DEPARTMENTS[i % len(make_realm.DEPARTMENTS)]],
             "employeeNumber": [f"E{i:05d}"]}
    if i % 3 == 0:
        attrs["skills"] = [make_realm.SKILLS[i % len(make_realm.SKILLS)],
                           make_realm.SKILLS[(i + 3) % len(make_realm.SKILLS)]]
    u = {"username": name, "enabled": i % 13 != 0, "email": f"{name}@acme.example.test",
         "emailVerified": True, "firstName": first, "lastName": last, "attributes": attrs,
         "groups": groups,
         "realmRoles": ["employee", f"bench-role-{i % EXTRA_REALM_ROLES:02d}"]}
    if i % 3 == 0:
        u["clientRoles"] = {f"bench-app-{i % EXTRA_CLIENTS:02d}": ["writer"]}
        if i % 6 == 0:
            u["clientRoles"]["crm"] = ["crm-reader"]
    links = []
    if i % 15 == 0:
        links.append({"identityProvider": "corp-oidc", "userId": f"corp-{i:05d}",
                      "userName": f"{name}@corp.example.test"})
    if i % 40 == 0:
        links.append({"identityProvider": "github", "userId": str(100000 + i),
                      "userName": f"gh-{name}"})
    if links:
        u["federatedIdentities"] = links
    return u


def timed(phases, name, fn, *args):
    t0 = time.monotonic()
    out = fn(*args)
    phases[name] = time.monotonic() - t0
    say(f"[scale] {name}: {phases[name]:.1f} s")
    return out


def scale_realm(admin, users, batch, major, organizations):
    phases = {}
    groups, roles, clients, client_roles = extra_structure()

    def structure():
        admin.call("POST", "/partialImport", {"ifResourceExists": "SKIP", "clients": clients})
        admin.call("POST", "/partialImport", {"ifResourceExists": "SKIP", "groups": groups,
                                              "roles": {"realm": roles, "client": client_roles}})
    timed(phases, f"groups, roles, clients (+{len(groups) * (1 + TEAMS)} groups, "
                  f"+{len(roles)} realm roles, +{len(clients)} clients)", structure)

    existing = admin.get("/users/count")
    first = make_realm.N_USERS + 1
    todo = list(range(first, first + max(0, users - existing)))

    def import_users():
        for k in range(0, len(todo), batch):
            chunk = [bench_user(i) for i in todo[k:k + batch]]
            res = admin.call("POST", "/partialImport", {"ifResourceExists": "SKIP",
                                                        "users": chunk})
            if res.get("added", 0) + res.get("skipped", 0) != len(chunk):
                die(f"partialImport of {len(chunk)} users: {json.dumps(res)[:300]}")
            if (k // batch) % 5 == 0:
                say(f"[scale]   {k + len(chunk):,}/{len(todo):,} users")
    timed(phases, f"users (+{len(todo):,}, partialImport in batches of {batch})", import_users)

    def create_organizations():
        if major < 25 or not organizations:
            return
        # the acceptance suite grants view-organizations after import (conftest.realm_setup)
        rm = admin.get("/clients", clientId="realm-management")[0]["id"]
        sa_client = admin.get("/clients", clientId=CONNECTOR_CLIENT)[0]["id"]
        sa = admin.get(f"/clients/{sa_client}/service-account-user")["id"]
        role = admin.get(f"/clients/{rm}/roles/view-organizations")
        admin.call("POST", f"/users/{sa}/role-mappings/clients/{rm}", [role])
        admin.call("PUT", "", {"realm": REALM, "organizationsEnabled": True})
        ids = []
        for o in range(organizations):
            admin.call("POST", "/organizations", {
                "name": f"Bench Org {o}", "alias": f"bench-org-{o}", "enabled": True,
                "domains": [{"name": f"org{o}.bench.example.test"}]})
        for o in admin.get("/organizations", max=1000):
            if o["name"].startswith("Bench Org"):
                ids.append(o["id"])
        members = [i for i in todo if i % ORG_MEMBER_EVERY == 0]
        for n, i in enumerate(members):
            uid = admin.get("/users", username=f"bench{i:05d}", exact="true")[0]["id"]
            admin.call("POST", f"/organizations/{ids[n % len(ids)]}/members",
                       raw=json.dumps(uid).encode())
    if organizations and major >= 25:
        timed(phases, f"organizations ({organizations}, a member per {ORG_MEMBER_EVERY} users, "
                      "one POST each)", create_organizations)

    def activity():
        # the acceptance realm's login users: events (LOGIN, LOGIN_ERROR), sessions
        url = f"{admin.base}/realms/{REALM}/protocol/openid-connect/token"
        for user, password in make_realm.LOGIN_USERS.items():
            for scope in ("openid", "openid offline_access"):
                body = urllib.parse.urlencode({"grant_type": "password", "client_id": "login-app",
                                               "username": user, "password": password,
                                               "scope": scope}).encode()
                try:
                    urllib.request.urlopen(url, body, timeout=60).read()
                except urllib.error.HTTPError as e:
                    # seen on 26.7.3 after scaling: say what Keycloak answered, sync anyway
                    # (the activity only gives events and sessions some rows)
                    say(f"[scale] login of {user} ({scope}) answered HTTP {e.code}: "
                        f"{e.read()[:200]!r}")
        try:
            urllib.request.urlopen(url, urllib.parse.urlencode({
                "grant_type": "password", "client_id": "login-app", "username": "alice",
                "password": "wrong"}).encode(), timeout=60).read()
        except urllib.error.HTTPError:
            pass
    timed(phases, "login activity (events, sessions)", activity)

    count = admin.get("/users/count")
    if count < users:
        die(f"the realm has {count:,} users after scaling, expected at least {users:,}")
    size = {"users": count, "groups": admin.get("/groups/count")["count"],
            "realm_roles": len(admin.get("/roles", max=100000)),
            "clients": len(admin.get("/clients", max=100000))}
    say(f"[scale] realm {REALM}: {size}")
    return phases, size


# ---------------------------------------------------------------------------
# briefRepresentation: the same users, brief and full, straight from the Admin API
# ---------------------------------------------------------------------------
def probe_brief(admin, page_sizes):
    """Reads every user with briefRepresentation true and false over one keep-alive
    connection per pass: seconds and bytes, to see what full representations cost."""
    u = urllib.parse.urlsplit(admin.base)
    rows = []
    # the first pass over the users pays Keycloak's JIT and caches: run it untimed
    passes = [(page_sizes[0], "false", True)] + [(s, b, False) for s in page_sizes
                                                 for b in ("true", "false")]
    for size, brief, warmup in passes:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
        first, nbytes, n, reqs = 0, 0, 0, 0
        t0 = time.monotonic()
        while True:
            q = urllib.parse.urlencode({"first": first, "max": size,
                                        "briefRepresentation": brief})
            conn.request("GET", f"{u.path}/admin/realms/{REALM}/users?{q}",
                         headers={"Authorization": "Bearer " + admin.token()})
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                die(f"GET users (probe): HTTP {r.status} {body[:200]!r}")
            page = json.loads(body)
            nbytes, n, reqs = nbytes + len(body), n + len(page), reqs + 1
            if len(page) < size:
                break
            first += size
        wall = time.monotonic() - t0
        conn.close()
        if warmup:
            say(f"[probe] warm-up pass (page {size}, full): {wall:.2f} s, not reported")
            continue
        rows.append({"page_size": size, "brief": brief == "true", "users": n,
                     "requests": reqs, "wall_s": wall, "mb": nbytes / 1e6})
        say(f"[probe] users page {size} brief={brief}: {n:,} users, {reqs} requests, "
            f"{wall:.2f} s, {nbytes / 1e6:.1f} MB")
    return rows


# ---------------------------------------------------------------------------
# The connector
# ---------------------------------------------------------------------------
def parse_config(spec):
    out = {}
    for pair in filter(None, spec.split(",")):
        if "=" not in pair:
            die(f"configuration {spec!r}: {pair!r} is not key=value")
        k, v = pair.split("=", 1)
        try:
            out[k.strip()] = json.loads(v)
        except ValueError:
            out[k.strip()] = v
    return out


def discover(binary, config_path):
    p = subprocess.run([binary, "discover", "--config", config_path], capture_output=True)
    for line in p.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("type") == "CATALOG":
            return msg["catalog"]["streams"]
    die(f"discover printed no CATALOG (exit {p.returncode}): {p.stderr[-1000:]!r} "
        f"{p.stdout[-1000:]!r}")


def sync(binary, config_path, catalog_path, kc_pgid, label):
    """One `read`; returns the run's measurements, or dies on a failed sync."""
    time_file = tempfile.mktemp(prefix="real-kc-time-")
    args = [binary, "read", "--config", config_path, "--catalog", catalog_path]
    if GNU_TIME:
        args = [GNU_TIME, "-f", "%U %S %M", "-o", time_file] + args
    kc_cpu0 = keycloak_cpu(kc_pgid)
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    records, summaries, statuses, errors, warnings = {}, {}, {}, [], []
    for line in proc.stdout:
        if line.startswith(b'{"type":"RECORD"'):
            # the stream name is the first field of "record" in the connector's output;
            # parse properly only if it is not
            m = re.match(rb'\{"type":"RECORD","record":\{"stream":"([^"]+)"', line)
            name = m.group(1).decode() if m else json.loads(line)["record"]["stream"]
            records[name] = records.get(name, 0) + 1
            continue
        msg = json.loads(line)
        t = msg.get("type")
        if t == "RECORD":
            name = msg["record"]["stream"]
            records[name] = records.get(name, 0) + 1
        elif t == "LOG":
            text = msg["log"].get("message", "")
            m = SUMMARY.search(text)
            if m:
                summaries[m.group(1)] = {"records": int(m.group(2)), "requests": int(m.group(3)),
                                         "seconds": float(m.group(4)),
                                         "records_per_s": int(m.group(5))}
            elif msg["log"].get("level") in ("WARN", "ERROR"):
                warnings.append(text)
        elif t == "TRACE" and msg["trace"].get("type") == "STREAM_STATUS":
            ss = msg["trace"]["stream_status"]
            statuses[ss["stream_descriptor"]["name"]] = ss["status"]
        elif t == "TRACE" and msg["trace"].get("type") == "ERROR":
            errors.append(msg["trace"]["error"].get("message"))
    stderr = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    kc_cpu = keycloak_cpu(kc_pgid) - kc_cpu0
    cpu, rss = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
    if GNU_TIME and os.path.exists(time_file):
        # the connector's own numbers (wait4's ru_maxrss would include Python's, inherited)
        with open(time_file) as f:
            user, system, rss_kb = f.read().split()[-3:]
        cpu, rss = float(user) + float(system), int(rss_kb) / 1024
        os.remove(time_file)
    if rc != 0 or errors:
        die(f"sync '{label}' failed: exit {rc}, errors {errors[:3]}\nstderr tail: {stderr[-2000:]}")
    incomplete = {s: st for s, st in statuses.items() if st != "COMPLETE"}
    if incomplete:
        die(f"sync '{label}': streams not COMPLETE: {incomplete}")
    for name, s in summaries.items():
        if s["records"] != records.get(name, 0):
            die(f"sync '{label}': stream {name}: LOG says {s['records']} records, "
                f"stdout has {records.get(name, 0)}")
    return {"label": label, "wall_s": wall, "cpu_s": cpu, "rss_mb": rss,
            "keycloak_cpu_s": kc_cpu, "streams": summaries, "records": records,
            "statuses": statuses, "warnings": warnings, "load": load_avg()}


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------
def stream_table(run, order):
    out = ["| stream | records | requests | seconds | records/s |", "|---|---|---|---|---|"]
    for name in order:
        s = run["streams"].get(name)
        if s is None:
            out.append(f"| {name} | – | – | – | – |")
            continue
        out.append(f"| {name} | {s['records']:,} | {s['requests']:,} | {s['seconds']:.1f} "
                   f"| {s['records_per_s']:,} |")
    tot_r = sum(s["records"] for s in run["streams"].values())
    tot_q = sum(s["requests"] for s in run["streams"].values())
    out.append(f"| **total** | {tot_r:,} | {tot_q:,} | {run['wall_s']:.1f} (wall) "
               f"| {tot_r / max(run['wall_s'], 1e-9):,.0f} |")
    return out


def summary_table(runs):
    out = ["| configuration | wall s | requests | connector CPU s | peak RSS MB | Keycloak CPU s "
           "| load avg after |", "|---|---|---|---|---|---|---|"]
    for r in runs:
        reqs = sum(s["requests"] for s in r["streams"].values())
        out.append(f"| {r['label']} | {r['wall_s']:.1f} | {reqs:,} | {r['cpu_s']:.2f} "
                   f"| {r['rss_mb']:.1f} | {r['keycloak_cpu_s']:.1f} | {r['load']} |")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=10000, help="users in the realm (at least)")
    p.add_argument("--configs", nargs="+", default=["page_size=100", "page_size=500"],
                   help="one sync per item; an item is key=value[,key=value...]")
    p.add_argument("--binary", help="source-keycloak binary (default target/release, "
                                    "built with cargo if missing)")
    p.add_argument("--version", help="Keycloak version (default integration_tests/KEYCLOAK_VERSION)")
    p.add_argument("--organizations", type=int, default=0,
                   help="enable organizations in the realm and create this many, with a "
                        "member per 50 users (Keycloak 25+; default 0: left off, see "
                        "BENCHMARKS.md: with them on, Keycloak 26.7 checks every listed user's "
                        "organization and a sync at 10,000 users takes over 15 minutes)")
    p.add_argument("--then-organizations-off", action="store_true",
                   help="with --organizations: after the syncs, delete every organization, "
                        "turn the feature off and run the same configurations again (the "
                        "same Keycloak and users, so the two are comparable)")
    p.add_argument("--batch", type=int, default=500, help="users per partialImport request")
    p.add_argument("--streams", default="",
                   help="comma-separated streams to sync (default: every discovered stream)")
    p.add_argument("--no-warmup", action="store_true")
    p.add_argument("--no-probe", action="store_true",
                   help="skip the briefRepresentation probe of the users list")
    p.add_argument("--markdown", help="write the tables to this file")
    p.add_argument("--json", help="write the raw measurements to this file")
    a = p.parse_args()
    configs = [(c, parse_config(c)) for c in a.configs]
    # a SIGTERM (timeout, kill) must still run the finally below that stops Keycloak
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("real_keycloak.py: terminated"))
    started = time.monotonic()

    binary = a.binary or os.path.join(ROOT, "target", "release", "source-keycloak")
    if not a.binary and not os.access(binary, os.X_OK):
        say("[build] cargo build --release --locked")
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    if not os.access(binary, os.X_OK):
        die(f"no connector binary at {binary}")

    if os.path.exists(KC_ENV):
        die(f"{KC_ENV} exists: a Keycloak of this checkout is running (keycloak.sh keeps one "
            "per checkout); stop it with `bash integration_tests/keycloak.sh stop` first")
    phases = {}
    t0 = time.monotonic()
    start = ["bash", KC_SH, "start"] + (["--version", a.version] if a.version else [])
    result = {"machine": machine(), "configs": a.configs}
    try:
        if subprocess.run(start).returncode != 0 or not os.path.exists(KC_ENV):
            die("Keycloak did not start (see integration_tests/.work/keycloak.log)")
        phases["Keycloak start (unpack if needed, boot, import the acceptance realms)"] = \
            time.monotonic() - t0
        env = {}
        with open(KC_ENV) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k] = v
        base, pgid = env["KC_BASE_URL"], int(env["KC_PID"])
        major = int(env["KC_VERSION"].split(".")[0])
        admin = Admin(base, env["KC_ADMIN_USER"], env["KC_ADMIN_PASSWORD"])
        say(f"[kc] Keycloak {env['KC_VERSION']} at {base}, process group {pgid}")

        t1 = time.monotonic()
        scale_phases, size = scale_realm(admin, a.users, a.batch, major,
                                          a.organizations)
        phases["scale the realm (total)"] = time.monotonic() - t1
        result.update(keycloak_version=env["KC_VERSION"], realm=size, scale_phases=scale_phases)

        probe = [] if a.no_probe else probe_brief(admin, [100, 500])
        result["brief_probe"] = probe

        with tempfile.TemporaryDirectory() as work:
            base_cfg = {"server_url": base, "realm": REALM, "client_id": CONNECTOR_CLIENT,
                        "client_secret": make_realm.SECRETS[CONNECTOR_CLIENT]}
            cfg0 = os.path.join(work, "config-discover.json")
            with open(cfg0, "w") as f:
                json.dump(base_cfg, f)
            streams = discover(binary, cfg0)
            if a.streams:
                wanted = [n for n in a.streams.split(",") if n]
                unknown = sorted(set(wanted) - {s["name"] for s in streams})
                if unknown:
                    die(f"--streams: not discovered: {', '.join(unknown)}")
                streams = [s for s in streams if s["name"] in wanted]
            order = [s["name"] for s in streams]
            catalog = os.path.join(work, "catalog.json")
            with open(catalog, "w") as f:
                json.dump({"streams": [{"stream": s, "sync_mode": "full_refresh",
                                        "destination_sync_mode": "overwrite"}
                                       for s in streams]}, f)
            runs = []
            plan = ([("warm-up (" + configs[0][0] + ")", configs[0][1])]
                    if not a.no_warmup else []) + configs
            if a.then_organizations_off and a.organizations:
                plan += [("organizations off", None)] + [
                    (f"{label}, organizations off", extra) for label, extra in configs]
            for label, extra in plan:
                if extra is None:  # the switch between the two halves of the plan
                    t3 = time.monotonic()
                    for o in admin.get("/organizations", max=100000):
                        admin.call("DELETE", f"/organizations/{o['id']}")
                    admin.call("PUT", "", {"realm": REALM, "organizationsEnabled": False})
                    phases["delete every organization, turn them off"] = time.monotonic() - t3
                    say("[kc] organizations deleted and turned off")
                    continue
                cfg = os.path.join(work, "config.json")
                with open(cfg, "w") as f:
                    json.dump({**base_cfg, **extra}, f)
                say(f"[sync] {label} ...")
                run = sync(binary, cfg, catalog, pgid, label)
                run["warmup"] = label.startswith("warm-up")
                runs.append(run)
                if a.json:  # after every sync, so an interrupted run keeps what it measured
                    with open(a.json, "w") as f:
                        json.dump({**result, "runs": runs, "partial": True}, f, indent=1)
                say(f"[sync] {label}: {run['wall_s']:.1f} s wall, connector CPU "
                    f"{run['cpu_s']:.1f} s, Keycloak CPU {run['keycloak_cpu_s']:.1f} s, "
                    f"RSS {run['rss_mb']:.1f} MB"
                    + (f"; warnings: {run['warnings']}" if run["warnings"] else ""))
        result["runs"] = runs
        result["keycloak_rss_mb"] = keycloak_rss_mb(pgid)
    finally:
        t2 = time.monotonic()
        subprocess.run(["bash", KC_SH, "stop"])
        phases["Keycloak stop"] = time.monotonic() - t2
    phases["whole script"] = time.monotonic() - started
    result["phases"] = phases

    # page size (or concurrency) must not change the data; with organizations turned off
    # half-way, each half is compared within itself
    diffs = []
    halves = [[r for r in runs if "organizations off" not in r["label"]],
              [r for r in runs if "organizations off" in r["label"]]]
    for half in [h for h in halves if h]:
        reference = half[0]["records"]
        for r in half[1:]:
            for name in sorted(set(reference) | set(r["records"])):
                if reference.get(name, 0) != r["records"].get(name, 0):
                    diffs.append(f"{name}: {reference.get(name, 0)} in '{half[0]['label']}', "
                                 f"{r['records'].get(name, 0)} in '{r['label']}'")

    text = [f"Machine: {result['machine']}; Keycloak {result['keycloak_version']} "
            f"(start-dev, H2); realm `{REALM}`: {size['users']:,} users, {size['groups']:,} groups, "
            f"{size['realm_roles']} realm roles, {size['clients']} clients. "
            f"Keycloak RSS at the end {result['keycloak_rss_mb']:.0f} MB.", "",
            "| phase | seconds |", "|---|---|"]
    text += [f"| {k} | {v:.1f} |" for k, v in scale_phases.items()]
    text += [f"| {k} | {v:.1f} |" for k, v in phases.items()]
    if probe:
        text += ["", "briefRepresentation, every user straight from the Admin API "
                 "(one keep-alive connection, no connector):", "",
                 "| page size | briefRepresentation | users | requests | seconds | MB |",
                 "|---|---|---|---|---|---|"]
        text += [f"| {r['page_size']} | {str(r['brief']).lower()} | {r['users']:,} "
                 f"| {r['requests']} | {r['wall_s']:.2f} | {r['mb']:.1f} |" for r in probe]
    for r in runs:
        text += ["", f"### {r['label']}" + (" — JIT warm-up, not compared" if r["warmup"] else ""),
                 ""]
        text += stream_table(r, order)
    text += ["", "### Summary", ""] + summary_table(runs)
    text += ["", "Record counts identical in every sync: "
             + ("yes" if not diffs else "**NO**: " + "; ".join(diffs))]
    print("\n" + "\n".join(text))
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write("\n".join(text) + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    if diffs:
        die("record counts differ between configurations: " + "; ".join(diffs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
