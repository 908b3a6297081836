"""What bench/bench.py runs and measures: the fake Keycloak, the connector (or any Airbyte
source) under GNU time, and the raw replays of a run's requests. Standard library only."""

import json
import os
import re
import subprocess
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

    def token_response(self):
        """The token endpoint's whole answer (JSON text) to the bench client's credentials."""
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials",
            "client_id": self.info["client_id"],
            "client_secret": self.info["client_secret"],
        }).encode()
        url = f"{self.base}/realms/{self.info['realm']}/protocol/openid-connect/token"
        with urllib.request.urlopen(url, data=form, timeout=60) as r:
            return r.read().decode()

    def token(self):
        return json.loads(self.token_response())["access_token"]

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
            url = origin + (r.get("uri") or r["path"] + ("?" + query if query else ""))
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
            f.write(json.dumps({"path": r["path"], "query": r["query"],
                                "status": r.get("status", 200)}) + "\n")
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


def write(path, value):
    """Writes `value` as JSON to `path`; returns the path."""
    with open(path, "w") as f:
        json.dump(value, f)
    return path


def catalog_of(stream):
    """A configured catalog of one stream (as `discover` gave it) in full refresh."""
    return {"streams": [{"stream": stream, "sync_mode": "full_refresh",
                         "destination_sync_mode": "overwrite"}]}
