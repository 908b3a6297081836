"""The fast-server section of bench/bench.py: each planned stream read from nginx serving
pre-rendered pages (bench/fast_server.py) instead of the fake, beside one keep-alive curl
fetching the very same requests (the transfer limit), and the airbyte-cdk low-code peer
(bench/peer/) reading `users` from the same nginx. Standard library only (the peer runs in
its own virtual environment, bench/.venv-peer, made on first use)."""

import os
import subprocess
import sys

import fast_server
import runs

PEER_DIR = os.path.join(runs.ROOT, "bench", "peer")
PEER_VENV = os.path.join(runs.ROOT, "bench", ".venv-peer")
PEER_PYTHON = os.path.join(PEER_VENV, "bin", "python")
# The peer's engine, pinned: the newest airbyte-cdk on PyPI when this was written.
PEER_CDK = "airbyte-cdk==7.39.1"


def ensure_peer():
    """Makes bench/.venv-peer with airbyte-cdk once; returns its python, or None."""
    if os.access(PEER_PYTHON, os.X_OK):
        return PEER_PYTHON
    print(f"  (installing {PEER_CDK} into {PEER_VENV} for the peer)", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", PEER_VENV], check=True)
        subprocess.run([PEER_PYTHON, "-m", "pip", "install", "-q", PEER_CDK], check=True)
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"  peer not installed ({e}): the peer columns stay empty", flush=True)
        return None
    return PEER_PYTHON


def section(fake, users, config, available, plan, peer_page_sizes, logs, workdir):
    """Runs the plan: [(stream, page_size)]. `logs[(stream, page_size)]` holds the fake's
    request log and record count of a run already made against the fake; other pairs are
    run against the fake first, to learn their requests. Returns the rows."""
    server = fast_server.FastServer(fake, workdir)
    expected = {}
    try:
        for stream, page_size in plan:
            if (stream, page_size) not in logs:
                cfg = runs.write(os.path.join(workdir, "fast-learn.json"),
                            dict(config, page_size=page_size))
                cat = runs.write(os.path.join(workdir, "fast-cat.json"), runs.catalog_of(available[stream]))
                before = fake.log_count()
                records = runs.run_connector([runs.CONNECTOR, "read", "--config", cfg,
                                              "--catalog", cat])[0]
                logs[(stream, page_size)] = (fake.log_since(before), records)
            requests, records = logs[(stream, page_size)]
            server.render_log(requests)
            expected[(stream, page_size)] = records
        peer_python = ensure_peer() if peer_page_sizes else None
        peer_uris = {ps: fast_server.render_peer(server, fake.info["realm"], ps)
                     for ps in (peer_page_sizes if peer_python else [])}
        server.start()
        rows = []
        for stream, page_size in plan:
            rows.append(connector_row(server, users, config, available[stream], page_size,
                                      logs[(stream, page_size)][0],
                                      expected[(stream, page_size)], workdir))
            print(line(rows[-1]), flush=True)
        for page_size, uris in peer_uris.items():
            rows.append(peer_row(server, peer_python, users, config, page_size, uris,
                                 expected.get(("users", page_size)), workdir))
            print(line(rows[-1]), flush=True)
        return rows
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", server.dir])


def raw_of(server, uris, workdir):
    requests = [{"path": u.split("?", 1)[0], "query": [], "uri": u} for u in uris]
    return runs.replay(server, requests, server.token, workdir)


def connector_row(server, users, config, stream, page_size, requests, expected, workdir):
    cfg = runs.write(os.path.join(workdir, "fast-config.json"),
                dict(config, server_url=server.base, page_size=page_size))
    cat = runs.write(os.path.join(workdir, "fast-cat.json"), runs.catalog_of(stream))
    records, others, wall, cpu, rss, rc, _ = runs.run_connector(
        [runs.CONNECTOR, "read", "--config", cfg, "--catalog", cat])
    status = "ok" if rc == 0 and records == expected else (
        f"rc={rc}, {records:,} records against {expected:,} from the fake")
    uris = [fast_server.request_uri(r["path"], r["query"]) for r in requests]
    raw = raw_of(server, [u for u in uris if "/token" not in u], workdir)
    return {"users": users, "tool": "source-keycloak", "stream": stream["name"],
            "page_size": page_size, "records": records, "requests": len(requests),
            "wall_s": wall, "cpu_s": cpu, "rss_mb": rss, "raw_wall_s": raw, "status": status}


def peer_row(server, python, users, config, page_size, uris, expected, workdir):
    cfg = runs.write(os.path.join(workdir, "peer-config.json"),
                {"server_url": server.base, "realm": config["realm"],
                 "client_id": config["client_id"], "client_secret": config["client_secret"],
                 "page_size": page_size})
    cat = runs.write(os.path.join(workdir, "peer-cat.json"), runs.catalog_of(
        {"name": "users", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}))
    records, others, wall, cpu, rss, rc, _ = runs.run_connector(
        [python, os.path.join(PEER_DIR, "run_peer.py"), "read", "--config", cfg,
         "--catalog", cat])
    status = "ok" if rc == 0 and expected in (None, records) else (
        f"rc={rc}, {records:,} records against {expected:,} from the fake"
        if expected is not None else f"rc={rc}")
    raw = raw_of(server, uris, workdir)
    return {"users": users, "tool": f"airbyte-cdk {PEER_CDK.split('==')[1]} low-code",
            "stream": "users", "page_size": page_size, "records": records,
            "requests": len(uris) + 1, "wall_s": wall, "cpu_s": cpu, "rss_mb": rss,
            "raw_wall_s": raw, "status": status}


HEADER = ("| users | tool | stream | page size | records | requests | wall s | records/s "
          "| CPU s | µs CPU/record | peak RSS MB | raw s (curl) | raw records/s | tool/raw |")
RULE = "|" + "---|" * 14


def rate(r):
    return r["records"] / r["wall_s"] if r["wall_s"] > 0 else 0


def line(r):
    raw_rate = r["records"] / r["raw_wall_s"] if r.get("raw_wall_s") else None
    flag = "" if r["status"] == "ok" else f" **{r['status']}**"
    per = r["cpu_s"] / r["records"] * 1e6 if r["records"] else 0
    raw = (f"{r['raw_wall_s']:.2f} | {raw_rate:,.0f} | {rate(r) / raw_rate:.0%}" if raw_rate
           else "– | – | –")
    return (f"| {r['users']:,} | {r['tool']} | {r['stream']}{flag} | {r['page_size']} "
            f"| {r['records']:,} | {r['requests']:,} | {r['wall_s']:.2f} | {rate(r):,.0f} "
            f"| {r['cpu_s']:.2f} | {per:.2f} | {r['rss_mb']:.1f} | {raw} |")


def targets(rows, share, peer_factor, rss_limit):
    """Issue 17's targets on the largest size: users ≥ `share` of the raw transfer at each
    page size, ≥ `peer_factor` × the peer's records/s, peak RSS below `rss_limit`."""
    out = []
    if not rows:
        return out
    big = max(r["users"] for r in rows)
    mine = {r["page_size"]: r for r in rows
            if r["users"] == big and r["tool"] == "source-keycloak" and r["stream"] == "users"}
    peers = {r["page_size"]: r for r in rows if r["users"] == big and r["tool"] != "source-keycloak"}
    for ps, r in sorted(mine.items()):
        if r.get("raw_wall_s"):
            got = rate(r) / (r["records"] / r["raw_wall_s"])
            out.append((f"fast server, users at {big:,}, page size {ps}: ≥ {share:.0%} of curl",
                        got >= share, f"{got:.0%}"))
        if ps in peers and rate(peers[ps]) > 0:
            got = rate(r) / rate(peers[ps])
            out.append((f"fast server, users at {big:,}, page size {ps}: ≥ {peer_factor}× the "
                        f"peer's records/s", got >= peer_factor,
                        f"×{got:.1f} ({rate(r):,.0f} against {rate(peers[ps]):,.0f}; peer RSS "
                        f"{peers[ps]['rss_mb']:.0f} MB)"))
        out.append((f"fast server, users at {big:,}, page size {ps}: peak RSS < {rss_limit} MB",
                    r["rss_mb"] < rss_limit, f"{r['rss_mb']:.1f} MB"))
    return out
