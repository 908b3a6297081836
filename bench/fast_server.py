"""A server as fast as the wire, for bench/bench.py: nginx (Debian's package) serving pages
pre-rendered from the fake Keycloak, for exactly the requests a run makes.

`FastServer.render(requests)` fetches each GET of a request log from the fake (one curl,
one keep-alive connection) into a file and maps its exact request URI (path and query, as
the connector sends them) to that file; `start()` runs nginx with that map on loopback.
An unmapped URI is answered 404 with a JSON error, never with another page; the token
endpoint answers the fake's own token response to any method. Standard library only.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time

# Error answers served again as the fake gave them (nginx's `return` needs a literal code).
ERROR_STATUSES = ("400", "403", "404")

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                  else None)


def form_encode(value):
    """A query value as the connector's URL library (and airbyte-cdk's) writes it:
    alphanumerics and `*-._` as they are, a space as `+`, every other byte `%XX`."""
    out = []
    for b in value.encode():
        c = chr(b)
        if c.isascii() and (c.isalnum() or c in "*-._"):
            out.append(c)
        elif c == " ":
            out.append("+")
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def request_uri(path, query):
    q = "&".join(f"{form_encode(k)}={form_encode(v)}" for k, v in query)
    return path + ("?" + q if q else "")


# The event streams' upper bound (`dateTo`) is the run's clock, so it differs between the
# run that learns the requests and the run that is measured. Pages of events are keyed
# without it: the benchmark realm's events all lie before both bounds, so both runs
# are owed the same pages. Every other parameter stays in the key.
DATE_TO = re.compile(r"(/(?:events|admin-events)\?(?:[^#]*&)?)dateTo=[0-9]+&?")


def page_key(uri):
    return DATE_TO.sub(r"\1", uri)


def nginx_string(text, what):
    """`text` as a single-quoted nginx string (for `return CODE '...'` and map values).
    nginx expands `$name` inside such strings and has no escape for it, so a text holding
    `$` is refused rather than served changed."""
    if "$" in text:
        raise SystemExit(f"{what} holds a '$', which nginx would read as a variable")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FastServer:
    def __init__(self, fake, workdir):
        self.fake = fake
        self.dir = os.path.join(workdir, "nginx")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.pages = os.path.join(self.dir, "pages")
        os.makedirs(self.pages)
        self.map = {}
        self.errors = {}  # page key -> (status, body as an nginx string)
        self.proc = None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token_body = fake.token_response()
        self.token = json.loads(self.token_body)["access_token"]

    def render(self, uris):
        """Pre-renders the pages of these request URIs (those not rendered yet)."""
        todo = [u for u in dict.fromkeys(uris) if page_key(u) not in self.map
                and "/token" not in u]
        if not todo:
            return
        origin = re.match(r"https?://[^/]+", self.fake.base).group(0)
        cfg = os.path.join(self.dir, "render.cfg")
        with open(cfg, "w") as f:
            f.write(f'header = "Authorization: Bearer {self.token}"\n')
            for uri in todo:
                name = f"/{len(self.map)}.json"
                self.map[page_key(uri)] = name
                f.write(f'url = "{origin}{uri}"\noutput = "{self.pages}{name}"\n')
        # One status per URL, in order: an answer the fake gave as an error (a 404 probe of a
        # feature the realm has off) is served again with its status and body.
        out = subprocess.run(["curl", "-s", "-K", cfg, "-w", "%{http_code}\n"],
                             check=True, capture_output=True, text=True).stdout.split()
        for uri, code in zip(todo, out, strict=True):
            if code == "200":
                continue
            if code not in ERROR_STATUSES:
                raise SystemExit(f"the fake answered {code} for {uri}: not a page to serve")
            with open(self.pages + self.map[page_key(uri)]) as f:
                body = nginx_string(f.read(), f"the fake's {code} answer for {uri}")
            self.errors[page_key(uri)] = (code, body)

    def render_log(self, requests):
        self.render(request_uri(r["path"], r["query"]) for r in requests)

    def page_rows(self, uri):
        with open(self.pages + self.map[page_key(uri)]) as f:
            return len(json.load(f))

    def start(self):
        mapfile = os.path.join(self.dir, "pages.map")
        with open(mapfile, "w") as f:
            for uri, name in self.map.items():
                if uri not in self.errors:
                    f.write(f'"{uri}" {name};\n')
        error_maps, error_returns = "", ""
        for code in ERROR_STATUSES:
            path = os.path.join(self.dir, f"errors{code}.map")
            with open(path, "w") as f:
                for uri, (status, body) in self.errors.items():
                    if status == code:
                        f.write(f'"{uri}" {body};\n')
            error_maps += f"    map $page_key $error{code} {{ default \"\"; include {path}; }}\n"
            error_returns += (f"            if ($error{code} != \"\") {{ return {code} $error{code}; }}\n")
        token = nginx_string(self.token_body, "the fake's token answer")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
user root;
worker_processes 1;
error_log {self.dir}/error.log warn;
pid {self.dir}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    types {{ }}
    default_type application/json;
    map_hash_max_size 4194304;
    map_hash_bucket_size 512;
    client_body_temp_path {self.dir}/tmp;
    proxy_temp_path {self.dir}/tmp;
    fastcgi_temp_path {self.dir}/tmp;
    uwsgi_temp_path {self.dir}/tmp;
    scgi_temp_path {self.dir}/tmp;
    map $request_uri $page_key {{
        "~^(?<before>[^?]*/(?:events|admin-events)\\?(?:[^#]*&)?)dateTo=[0-9]+&?(?<after>.*)$" "$before$after";
        default $request_uri;
    }}
    map $page_key $page {{
        default "";
        include {mapfile};
    }}
{error_maps}    server {{
        listen 127.0.0.1:{self.port};
        root {self.pages};
        location ~ /protocol/openid-connect/token$ {{
            return 200 {token};
        }}
        location / {{
{error_returns}            if ($page = "") {{
                return 404 '{{"error":"no pre-rendered page for this request"}}';
            }}
            rewrite ^ $page break;
        }}
    }}
}}
""")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c", conf, "-g", "daemon off;"],
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"nginx exited: see {self.dir}/error.log")
                time.sleep(0.05)
        raise SystemExit("nginx did not start listening in 30 s")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None


def peer_uris(realm, page_size, pages):
    """The requests of bench/peer/manifest.yaml's `users` (airbyte-cdk's OffsetIncrement:
    no `first` on the first page), `pages` pages from the start."""
    path = f"/admin/realms/{realm}/users"
    out = [request_uri(path, [("briefRepresentation", "false"), ("max", str(page_size))])]
    out += [request_uri(path, [("briefRepresentation", "false"), ("first", str(k * page_size)),
                               ("max", str(page_size))]) for k in range(1, pages)]
    return out


def render_peer(server, realm, page_size):
    """Renders the peer's pages up to its last (short) page; returns their URIs."""
    uris, batch = [], 512
    while True:
        got = peer_uris(realm, page_size, len(uris) + batch)[len(uris):]
        server.render(got)
        if server.page_rows(got[-1]) == page_size:
            uris += got
            continue
        for uri in got:
            uris.append(uri)
            if server.page_rows(uri) < page_size:
                return uris
