#!/usr/bin/env python3
"""Throughput benchmark of source-keycloak against the local fake Keycloak.

For each realm size (users) it starts `fake-keycloak --bench --users N` (release build:
the sample realm grown to 10,000 groups, 500 realm roles, 200 clients, sessions and N
events, see fake-keycloak/src/scale.rs), then runs `source-keycloak read` once per
stream with a catalog of that stream alone and prints, per stream: records, requests
(the fake's request log, token requests included), wall time, records/s, CPU seconds
(user+sys of the connector, from wait4), peak RSS of the connector, the fake's own CPU
seconds, and the raw transfer limit: the very requests the connector made, replayed by
one curl process over one keep-alive connection (records / curl's wall time).

Standard library only. Usage (from the repository root; `make bench` runs the default):

    python3 bench/bench.py [--sizes 10000,100000,1000000] [--streams users,groups]
                           [--page-size 100] [--max-concurrency 4] [--markdown FILE]
                           [--json FILE] [--no-build]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONNECTOR = os.path.join(ROOT, "target", "release", "source-keycloak")
FAKE = os.path.join(ROOT, "target", "release", "fake-keycloak")
HTTP_REPLAY = os.path.join(ROOT, "target", "release", "examples", "http_replay")
TICKS = os.sysconf("SC_CLK_TCK")
# GNU time, for the connector's peak RSS and CPU (wait4 is the fallback).
GNU_TIME = "/usr/bin/time"
TIME_FILE = (os.path.join(tempfile.gettempdir(), f"bench-time-{os.getpid()}.txt")
             if os.access(GNU_TIME, os.X_OK) else None)

# Streams whose requests must grow with groups, roles, IdPs and clients, not users.
FAN_OUT = [
    "group_members",
    "user_role_mappings",
    "group_role_mappings",
    "user_federated_identities",
    "user_sessions",
    "user_effective_roles",
]
RSS_LIMIT_MB = 50
RSS_SPREAD_MB = 10
RAW_SHARE = 0.70


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return f"{os.cpu_count()} CPUs ({model}), {mem_kb / 1048576:.1f} GiB RAM, {os.uname().sysname} {os.uname().release}"


def proc_cpu(pid):
    """utime+stime of a running process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def proc_rss_mb(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def http_json(url, data=None):
    with urllib.request.urlopen(url, data=data, timeout=600) as r:
        return json.loads(r.read())


class Fake:
    def __init__(self, users, events):
        args = [FAKE, "--bench", "--users", str(users), "--token-lifetime", "86400"]
        if events is not None:
            args += ["--events", str(events)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE)
        self.info = json.loads(self.proc.stdout.readline())
        self.base = self.info["base_url"]

    def log_count(self):
        return http_json(f"{self.base}/__fake/log")["count"]

    def log_since(self, start):
        return http_json(f"{self.base}/__fake/log?from={start}")["requests"]

    def token(self):
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials",
            "client_id": self.info["client_id"],
            "client_secret": self.info["client_secret"],
        }).encode()
        url = f"{self.base}/realms/{self.info['realm']}/protocol/openid-connect/token"
        return http_json(url, data=form)["access_token"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def records_in(lines):
    return lines.count(b'{"type":"RECORD"')


def run_connector(args):
    """Runs the connector; returns (stdout record count, other lines, wall, cpu, maxrss MB, rc)."""
    if TIME_FILE:
        args = [GNU_TIME, "-f", "%U %S %M", "-o", TIME_FILE] + args
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    records = 0
    tail = b""
    others = []
    while True:
        chunk = proc.stdout.read(1 << 20)
        if not chunk:
            break
        data = tail + chunk
        cut = data.rfind(b"\n") + 1
        lines, tail = data[:cut], data[cut:]
        records += records_in(lines)
        if lines.count(b"\n") > records_in(lines):
            others += [ln for ln in lines.split(b"\n")
                       if ln and not ln.startswith(b'{"type":"RECORD"')]
            del others[:-100]
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    cpu = usage.ru_utime + usage.ru_stime
    maxrss = usage.ru_maxrss / 1024
    if TIME_FILE and os.path.exists(TIME_FILE):
        # GNU time's numbers are the connector's own: a child forked from this Python
        # process inherits Python's RSS high-water mark in ru_maxrss.
        with open(TIME_FILE) as f:
            user, system, rss_kb = f.read().split()[-3:]
        cpu, maxrss = float(user) + float(system), int(rss_kb) / 1024
        os.remove(TIME_FILE)
    return records, others, wall, cpu, maxrss, proc.returncode, stderr


def replay(fake, requests, token, workdir):
    """Fetches the same GETs with one curl on one keep-alive connection; returns wall s."""
    gets = [r for r in requests if not r["path"].endswith("/token")]
    if not gets:
        return None
    origin = re.match(r"https?://[^/]+", fake.base).group(0)
    cfg = os.path.join(workdir, "curl.cfg")
    with open(cfg, "w") as f:
        f.write(f'header = "Authorization: Bearer {token}"\n')
        for r in gets:
            query = urllib.parse.urlencode([tuple(p) for p in r["query"]])
            url = origin + r["path"] + ("?" + query if query else "")
            f.write(f'url = "{url}"\noutput = "/dev/null"\n')
    start = time.monotonic()
    subprocess.run(["curl", "-s", "-K", cfg], check=True)
    return time.monotonic() - start


def replay_http(config_path, requests, workdir):
    """Fetches the same GETs through the connector's own HTTP layer (examples/http_replay.rs:
    token, retries, keep-alive, body read, no parsing); returns wall s."""
    gets = [r for r in requests if not r["path"].endswith("/token")]
    if not gets or not os.access(HTTP_REPLAY, os.X_OK):
        return None
    path = os.path.join(workdir, "requests.jsonl")
    with open(path, "w") as f:
        for r in gets:
            f.write(json.dumps({"path": r["path"], "query": r["query"]}) + "\n")
    start = time.monotonic()
    subprocess.run([HTTP_REPLAY, config_path, path], check=True, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def catalogs(config_path):
    out = subprocess.run([CONNECTOR, "discover", "--config", config_path],
                         capture_output=True, check=True).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("type") == "CATALOG":
            return {s["name"]: s for s in msg["catalog"]["streams"]}
    raise SystemExit("discover printed no catalog")


def bench_size(users, streams, page_size, events, workdir, raw, max_concurrency=None):
    started = time.monotonic()
    fake = Fake(users, events)
    wait = time.monotonic() - started
    fake_rss = proc_rss_mb(fake.proc.pid)
    print(f"\n## {users:,} users — fake ready in {wait:.1f} s "
          f"(generated {fake.info['generated_ms'] / 1000:.1f} s), fake RSS {fake_rss:.0f} MB",
          flush=True)
    config = {
        "server_url": fake.base, "realm": fake.info["realm"],
        "client_id": fake.info["client_id"], "client_secret": fake.info["client_secret"],
        "page_size": page_size,
    }
    if max_concurrency is not None:
        config["max_concurrency"] = max_concurrency
    config_path = os.path.join(workdir, "config.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    available = catalogs(config_path)
    token = fake.token() if raw else None
    rows = []
    try:
        for name in streams:
            if name not in available:
                print(f"  {name}: not in the catalog, skipped")
                continue
            catalog = {"streams": [{"stream": available[name], "sync_mode": "full_refresh",
                                    "destination_sync_mode": "overwrite"}]}
            catalog_path = os.path.join(workdir, "catalog.json")
            with open(catalog_path, "w") as f:
                json.dump(catalog, f)
            before = fake.log_count()
            fake_cpu = proc_cpu(fake.proc.pid)
            records, others, wall, cpu, rss, rc, stderr = run_connector(
                [CONNECTOR, "read", "--config", config_path, "--catalog", catalog_path])
            fake_cpu = proc_cpu(fake.proc.pid) - fake_cpu
            requests = fake.log_since(before)
            status = "ok"
            if rc != 0 or any(b'"COMPLETE"' not in l for l in others[-1:]):
                errors = [l for l in others if b'"ERROR"' in l]
                status = f"rc={rc} " + (errors[0][:200].decode(errors="replace") if errors else "")
            raw_wall = replay(fake, requests, token, workdir) if raw else None
            http_wall = replay_http(config_path, requests, workdir) if raw else None
            row = {
                "users": users, "stream": name, "records": records,
                "requests": len(requests), "wall_s": wall,
                "records_per_s": records / wall if wall > 0 else 0,
                "cpu_s": cpu, "rss_mb": rss, "fake_cpu_s": fake_cpu,
                "raw_wall_s": raw_wall,
                "raw_records_per_s": (records / raw_wall) if raw_wall else None,
                "http_wall_s": http_wall,
                "http_records_per_s": (records / http_wall) if http_wall else None,
                "status": status,
            }
            rows.append(row)
            print(line(row), flush=True)
    finally:
        fake.stop()
    return rows, {"users": users, "ready_s": wait,
                  "generated_s": fake.info["generated_ms"] / 1000, "fake_rss_mb": fake_rss}


HEADER = ("| users | stream | records | requests | wall s | records/s | CPU s | peak RSS MB "
          "| fake CPU s | raw s | raw records/s | connector/raw | HTTP layer s "
          "| connector/HTTP layer |")
RULE = "|" + "---|" * 14


def line(r):
    raw = f"{r['raw_wall_s']:.2f}" if r["raw_wall_s"] else "–"
    raw_rate = f"{r['raw_records_per_s']:,.0f}" if r["raw_records_per_s"] else "–"
    share = (f"{r['records_per_s'] / r['raw_records_per_s']:.0%}"
             if r["raw_records_per_s"] else "–")
    http = f"{r['http_wall_s']:.2f}" if r.get("http_wall_s") else "–"
    http_share = (f"{r['records_per_s'] / r['http_records_per_s']:.0%}"
                  if r.get("http_records_per_s") else "–")
    flag = "" if r["status"] == "ok" else f" **{r['status']}**"
    return (f"| {r['users']:,} | {r['stream']}{flag} | {r['records']:,} | {r['requests']:,} "
            f"| {r['wall_s']:.2f} | {r['records_per_s']:,.0f} | {r['cpu_s']:.2f} "
            f"| {r['rss_mb']:.1f} | {r['fake_cpu_s']:.2f} | {raw} | {raw_rate} | {share} "
            f"| {http} | {http_share} |")


def targets(rows):
    """The issue's targets, each (name, met, detail)."""
    out = []
    by = {(r["users"], r["stream"]): r for r in rows}
    sizes = sorted({r["users"] for r in rows})
    big = sizes[-1] if sizes else None
    users = by.get((big, "users"))
    if users and users.get("http_records_per_s"):
        share = users["records_per_s"] / users["http_records_per_s"]
        curl = (f"; of curl on one connection: "
                f"{users['records_per_s'] / users['raw_records_per_s']:.0%}"
                if users["raw_records_per_s"] else "")
        out.append((f"users at {big:,}: throughput ≥ {RAW_SHARE:.0%} of the raw transfer "
                    f"(the connector's HTTP layer alone)",
                    share >= RAW_SHARE, f"{share:.0%}{curl}"))
    worst = max(rows, key=lambda r: r["rss_mb"], default=None)
    if worst:
        out.append((f"peak RSS < {RSS_LIMIT_MB} MB at every size", worst["rss_mb"] < RSS_LIMIT_MB,
                    f"max {worst['rss_mb']:.1f} MB ({worst['stream']} at {worst['users']:,})"))
    if len(sizes) >= 2:
        spreads = []
        for name in sorted({r["stream"] for r in rows}):
            a, b = by.get((sizes[0], name)), by.get((sizes[-1], name))
            if a and b:
                spreads.append((b["rss_mb"] - a["rss_mb"], name))
        if spreads:
            spread, name = max(spreads)
            out.append((f"RSS within {RSS_SPREAD_MB} MB between {sizes[0]:,} and {sizes[-1]:,}",
                        spread <= RSS_SPREAD_MB, f"largest growth {spread:.1f} MB ({name})"))
        small, next_ = sizes[0], sizes[1]
        for name in FAN_OUT:
            a, b = by.get((small, name)), by.get((next_, name))
            if a and b:
                growth = b["requests"] / max(a["requests"], 1)
                user_growth = next_ / small
                out.append((f"{name}: requests grow with groups/roles/IdPs/clients, not users",
                            growth < user_growth / 2,
                            f"{a['requests']:,} → {b['requests']:,} requests (×{growth:.2f}) "
                            f"for ×{user_growth:.0f} users"))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--streams", default="", help="comma-separated; default every stream")
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--max-concurrency", type=int, default=None,
                   help="the connector's max_concurrency (default: the connector's, 4); "
                        "the raw replay stays one request at a time")
    p.add_argument("--events", type=int, default=None,
                   help="user events in the realm (default: as many as users, at most 1M)")
    p.add_argument("--no-raw", action="store_true",
                   help="skip the raw replays (curl, and the connector's HTTP layer alone)")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--markdown", help="also write the tables to this file")
    p.add_argument("--json", help="also write the raw rows to this file")
    a = p.parse_args()
    if not shutil.which("curl"):
        a.no_raw = True
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--workspace", "--locked", "--bins",
                        "--example", "http_replay"], cwd=ROOT, check=True)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    streams = [s for s in a.streams.split(",") if s]
    rows, fakes = [], []
    concurrency = (f"max_concurrency {a.max_concurrency}" if a.max_concurrency is not None
                   else "max_concurrency default (4)")
    with tempfile.TemporaryDirectory() as workdir:
        if not streams:
            probe = Fake(10, None)
            try:
                cfg = os.path.join(workdir, "config.json")
                with open(cfg, "w") as f:
                    json.dump({"server_url": probe.base, "realm": probe.info["realm"],
                               "client_id": probe.info["client_id"],
                               "client_secret": probe.info["client_secret"]}, f)
                streams = list(catalogs(cfg))
            finally:
                probe.stop()
        print(f"machine: {machine()}\npage_size {a.page_size}; {concurrency}; "
              f"streams: {', '.join(streams)}")
        print(HEADER + "\n" + RULE)
        for users in sizes:
            got, fake = bench_size(users, streams, a.page_size, a.events, workdir, not a.no_raw,
                                   a.max_concurrency)
            rows += got
            fakes.append(fake)
    checks = targets(rows)
    text = [f"Machine: {machine()}", f"page_size {a.page_size}; {concurrency}", "", HEADER, RULE]
    text += [line(r) for r in rows]
    text += ["", "| users | fake generation s | fake ready s | fake RSS MB |", "|---|---|---|---|"]
    text += [f"| {f['users']:,} | {f['generated_s']:.1f} | {f['ready_s']:.1f} "
             f"| {f['fake_rss_mb']:.0f} |" for f in fakes]
    text += ["", "| target | met | measured |", "|---|---|---|"]
    text += [f"| {n} | {'yes' if ok else '**no**'} | {d} |" for n, ok, d in checks]
    print("\n" + "\n".join(text[5 + len(rows):]))
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write("\n".join(text) + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine(), "rows": rows, "fakes": fakes,
                       "targets": [{"target": n, "met": ok, "measured": d}
                                   for n, ok, d in checks]}, f, indent=1)
    bad = [r for r in rows if r["status"] != "ok"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
