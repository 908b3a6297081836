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
                           [--json FILE] [--no-build] [--connector PATH]

`--connector` measures another build of the connector (an older commit's, say) against
the same fake, for before/after figures.

The fast-server section (bench/fast.py, at `--fast-sizes`, default 100k and 1M): nginx
(Debian's `nginx-light`; skipped with a note when absent) serves pages pre-rendered from
the fake for exactly the requests each `--fast-streams` run made, and the connector reads
the stream again from nginx; one keep-alive curl fetching the same requests from nginx is
the transfer limit. `users` is also read at `--fast-users-page-sizes` (500), and the
airbyte-cdk low-code peer (bench/peer/, in bench/.venv-peer, made on first use; skip with
`--no-peer`) reads `users` from the same nginx at each of those page sizes.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import fast
import fast_server
import runs
from runs import Fake, catalogs, machine, proc_cpu, proc_rss_mb, replay, replay_http, run_connector

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
PEER_FACTOR = 50


def bench_size(users, streams, page_size, events, workdir, raw, max_concurrency=None,
               fast_plan=(), peer_page_sizes=()):
    """One realm size: every stream against the fake, then (`fast_plan`, [(stream, page
    size)]) the fast-server section. Returns (rows, fast rows, the fake's figures)."""
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
    config_path = runs.write(os.path.join(workdir, "config.json"), config)
    available = catalogs(config_path)
    token = fake.token() if raw else None
    rows, fast_rows, logs = [], [], {}
    try:
        for name in streams:
            if name not in available:
                print(f"  {name}: not in the catalog, skipped")
                continue
            catalog_path = runs.write(os.path.join(workdir, "catalog.json"),
                                      runs.catalog_of(available[name]))
            before = fake.log_count()
            fake_cpu = proc_cpu(fake.proc.pid)
            records, others, wall, cpu, rss, rc, stderr = run_connector(
                [runs.CONNECTOR, "read", "--config", config_path, "--catalog", catalog_path])
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
            if (name, page_size) in fast_plan:
                logs[(name, page_size)] = (requests, records)
        plan = [(s, ps) for s, ps in fast_plan if s in available]
        if plan:
            print(f"\n### {users:,} users from nginx (pre-rendered pages)\n"
                  f"{fast.HEADER}\n{fast.RULE}", flush=True)
            fast_rows = fast.section(fake, users, config, available, plan, peer_page_sizes,
                                     logs, workdir)
    finally:
        fake.stop()
    return rows, fast_rows, {"users": users, "ready_s": wait,
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
    p.add_argument("--connector", help="the source-keycloak binary to measure "
                                       "(default: this tree's release build)")
    p.add_argument("--fast-streams", default="users,groups,group_members,user_role_mappings,events",
                   help="streams also read from nginx serving pre-rendered pages (the fast "
                        "server), at --page-size; '' for none")
    p.add_argument("--fast-sizes", default="100000,1000000",
                   help="realm sizes (of --sizes) with the fast-server section")
    p.add_argument("--fast-users-page-sizes", default="500",
                   help="further page sizes of users from the fast server (and the peer)")
    p.add_argument("--no-peer", action="store_true",
                   help="skip the airbyte-cdk low-code peer (bench/peer/)")
    p.add_argument("--markdown", help="also write the tables to this file")
    p.add_argument("--json", help="also write the raw rows to this file")
    a = p.parse_args()
    if a.connector:
        runs.CONNECTOR = os.path.abspath(a.connector)
    if not shutil.which("curl"):
        a.no_raw = True
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--workspace", "--locked", "--bins",
                        "--example", "http_replay"], cwd=runs.ROOT, check=True)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    streams = [s for s in a.streams.split(",") if s]
    fast_sizes = {int(s) for s in a.fast_sizes.split(",") if s}
    fast_plan = [(s, a.page_size) for s in a.fast_streams.split(",") if s]
    extra = [int(s) for s in a.fast_users_page_sizes.split(",") if s and int(s) != a.page_size]
    if fast_plan:
        fast_plan += [("users", ps) for ps in extra]
    peer_page_sizes = [] if a.no_peer or not fast_plan else [a.page_size] + extra
    if fast_plan and not fast_server.NGINX:
        print("nginx not found (apt-get install nginx-light): no fast-server section")
        fast_plan = []
    rows, fast_rows, fakes = [], [], []
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
            plan = fast_plan if users in fast_sizes else []
            got, got_fast, fake = bench_size(users, streams, a.page_size, a.events, workdir,
                                             not a.no_raw, a.max_concurrency, plan,
                                             peer_page_sizes)
            rows += got
            fast_rows += got_fast
            fakes.append(fake)
    checks = targets(rows) + fast.targets(fast_rows, RAW_SHARE, PEER_FACTOR, RSS_LIMIT_MB)
    text = [f"Machine: {machine()}", f"page_size {a.page_size}; {concurrency}", "", HEADER, RULE]
    text += [line(r) for r in rows]
    if fast_rows:
        text += ["", "Fast server: nginx serving pages pre-rendered from the fake for exactly "
                 "the requests of each run; raw = one curl on one keep-alive connection "
                 "fetching the same requests from nginx.", "", fast.HEADER, fast.RULE]
        text += [fast.line(r) for r in fast_rows]
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
            json.dump({"machine": machine(), "rows": rows, "fast_rows": fast_rows,
                       "fakes": fakes,
                       "targets": [{"target": n, "met": ok, "measured": d}
                                   for n, ok, d in checks]}, f, indent=1)
    bad = [r for r in rows + fast_rows if r["status"] != "ok"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
