#!/usr/bin/env bash
# Start / stop a real Keycloak server (dev mode) for the integration tests.
#
#   keycloak.sh start [--version V] [--relative-path /auth] [--timeout SECONDS]
#   keycloak.sh stop
#   keycloak.sh status
#
# Version: --version, else $KEYCLOAK_VERSION, else the file KEYCLOAK_VERSION.
# Relative path: --relative-path, else $KEYCLOAK_RELATIVE_PATH, else none.
# The distribution comes from Maven Central (org.keycloak:keycloak-quarkus-dist,
# cached in ~/.m2) and is unpacked into integration_tests/.work/keycloak-V/.
# Every start begins with an empty dev database and imports realm/*-realm.json
# (acme, the main test realm, and globex, a small second realm).
# Writes integration_tests/.work/kc.env (sourceable) and keeps the server log in
# integration_tests/.work/keycloak.log.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$HERE/.work"
ENV_FILE="$WORK/kc.env"
LOG="$WORK/keycloak.log"
REALM_FILE="$HERE/realm/acme-realm.json"
REALM_NAME="acme"
ADMIN_USER="${KC_ADMIN_USER:-admin}"
ADMIN_PASSWORD="${KC_ADMIN_PASSWORD:-it-admin-pass-9Zx2}"

log() { echo "[keycloak.sh] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# version_ge A B  -> true when A >= B (numeric, dot separated)
version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

pick_java_home() {
  local v="$1"
  local j17="${KC_JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
  local j25="${KC_JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
  if [ -n "${KC_JAVA_HOME:-}" ]; then echo "$KC_JAVA_HOME"; return; fi
  if version_ge "$v" "26.6" && [ -x "$j25/bin/java" ]; then
    echo "$j25"
  elif [ -x "$j17/bin/java" ]; then
    echo "$j17"
  elif [ -n "${JAVA_HOME:-}" ]; then
    echo "$JAVA_HOME"
  else
    die "no JDK found (set KC_JAVA_HOME)"
  fi
}

ensure_dist() {
  local v="$1"
  local dir="$WORK/keycloak-$v"
  if [ -x "$dir/bin/kc.sh" ]; then echo "$dir"; return; fi
  local repo="${MAVEN_REPO:-$HOME/.m2/repository}"
  local tgz="$repo/org/keycloak/keycloak-quarkus-dist/$v/keycloak-quarkus-dist-$v.tar.gz"
  if [ ! -s "$tgz" ]; then
    log "downloading keycloak-quarkus-dist $v with Maven"
    command -v mvn >/dev/null || die "mvn not found"
    mvn -q -B dependency:get -Dartifact="org.keycloak:keycloak-quarkus-dist:$v:tar.gz" \
      -Dtransitive=false >&2 || die "maven download of Keycloak $v failed"
  fi
  [ -s "$tgz" ] || die "expected $tgz after download"
  log "unpacking $tgz"
  local tmp="$WORK/unpack.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  tar -xzf "$tgz" -C "$tmp"
  rm -rf "$dir"
  mv "$tmp/keycloak-$v" "$dir"
  rm -rf "$tmp"
  echo "$dir"
}

http_status() {  # http_status URL -> prints status code (000 on connection error)
  python3 - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
EOF
}

health_up() {  # health_up URL -> exit 0 when status UP
  python3 - "$1" <<'EOF'
import sys, json, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        sys.exit(0 if json.load(r).get("status") == "UP" else 1)
except Exception:
    sys.exit(1)
EOF
}

admin_ready() {  # admin_ready BASE_URL -> exit 0 when admin token works and realm exists
  python3 - "$1" "$ADMIN_USER" "$ADMIN_PASSWORD" "$REALM_NAME" <<'EOF'
import sys, json, urllib.request, urllib.parse
base, user, pw, realm = sys.argv[1:5]
try:
    data = urllib.parse.urlencode({"grant_type": "password", "client_id": "admin-cli",
                                   "username": user, "password": pw}).encode()
    with urllib.request.urlopen(base + "/realms/master/protocol/openid-connect/token",
                                data=data, timeout=10) as r:
        tok = json.load(r)["access_token"]
    req = urllib.request.Request(base + "/admin/realms/" + urllib.parse.quote(realm),
                                 headers={"Authorization": "Bearer " + tok})
    with urllib.request.urlopen(req, timeout=10) as r:
        sys.exit(0 if json.load(r).get("realm") == realm else 1)
except Exception:
    sys.exit(1)
EOF
}

# Realm settings that a partial export cannot carry portably (Keycloak 22 must
# import the same file): on 24+ the declarative user profile hides custom user
# attributes unless unmanagedAttributePolicy is ENABLED.
post_import() {  # post_import BASE_URL MAJOR
  python3 - "$1" "$2" "$ADMIN_USER" "$ADMIN_PASSWORD" "$REALM_NAME" <<'EOF'
import sys, json, urllib.request, urllib.parse
base, major, user, pw, realm = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
if major < 24:
    sys.exit(0)
data = urllib.parse.urlencode({"grant_type": "password", "client_id": "admin-cli",
                               "username": user, "password": pw}).encode()
with urllib.request.urlopen(base + "/realms/master/protocol/openid-connect/token",
                            data=data, timeout=10) as r:
    tok = json.load(r)["access_token"]
url = base + "/admin/realms/" + urllib.parse.quote(realm) + "/users/profile"
hdr = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
with urllib.request.urlopen(urllib.request.Request(url, headers=hdr), timeout=10) as r:
    profile = json.load(r)
if profile.get("unmanagedAttributePolicy") != "ENABLED":
    profile["unmanagedAttributePolicy"] = "ENABLED"
    req = urllib.request.Request(url, data=json.dumps(profile).encode(), headers=hdr, method="PUT")
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()
EOF
}

is_running() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

cmd_stop() {
  if [ ! -f "$ENV_FILE" ]; then log "not running (no $ENV_FILE)"; return 0; fi
  # shellcheck disable=SC1090
  local pid; pid="$(. "$ENV_FILE"; echo "${KC_PID:-}")"
  if is_running "$pid"; then
    log "stopping Keycloak pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do is_running "$pid" || break; sleep 0.5; done
    if is_running "$pid"; then
      log "still running after 30 s, killing process group $pid"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do is_running "$pid" || break; sleep 0.5; done
    fi
  fi
  rm -f "$ENV_FILE"
  log "stopped (log kept in $LOG)"
}

cmd_start() {
  local version="${KEYCLOAK_VERSION:-}" rel="${KEYCLOAK_RELATIVE_PATH:-}" timeout=180
  while [ $# -gt 0 ]; do
    case "$1" in
      --version) version="$2"; shift 2 ;;
      --relative-path) rel="$2"; shift 2 ;;
      --timeout) timeout="$2"; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ -n "$version" ] || version="$(tr -d ' \n\r' < "$HERE/KEYCLOAK_VERSION")"
  if [ -n "$rel" ]; then
    rel="/${rel#/}"; rel="${rel%/}"
    [ "$rel" = "/" ] && rel=""
  fi

  mkdir -p "$WORK"
  if [ -f "$ENV_FILE" ]; then
    log "a previous server is recorded in $ENV_FILE; stopping it first"
    cmd_stop
  fi
  [ -f "$REALM_FILE" ] && [ -f "$HERE/realm/globex-realm.json" ] || python3 "$HERE/make_realm.py" -q

  local dist java_home port mgmt major
  dist="$(ensure_dist "$version")"
  java_home="$(pick_java_home "$version")"
  major="${version%%.*}"
  port="$(free_port)"
  mgmt="$(free_port)"
  while [ "$mgmt" = "$port" ]; do mgmt="$(free_port)"; done

  # fresh state: empty dev database, only our realm to import
  rm -rf "$dist/data"
  mkdir -p "$dist/data/import"
  cp "$HERE"/realm/*-realm.json "$dist/data/import/"

  local args=(start-dev --import-realm --http-host=127.0.0.1 "--http-port=$port"
              --health-enabled=true --hostname-strict=false)
  [ -n "$rel" ] && args+=("--http-relative-path=$rel")
  local health_url
  if [ "$major" -ge 25 ]; then
    # management interface (health) on its own port; it inherits the relative path
    args+=("--http-management-port=$mgmt")
    health_url="http://127.0.0.1:$mgmt$rel/health/ready"
  else
    mgmt=""
    health_url="http://127.0.0.1:$port$rel/health/ready"
  fi
  local base="http://127.0.0.1:$port$rel"

  log "starting Keycloak $version (java: $java_home) on $base"
  : > "$LOG"
  local started; started="$(date +%s)"
  # setsid: own process group, so stop can clean up everything
  JAVA_HOME="$java_home" \
  KC_BOOTSTRAP_ADMIN_USERNAME="$ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  KEYCLOAK_ADMIN="$ADMIN_USER" KEYCLOAK_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    setsid "$dist/bin/kc.sh" "${args[@]}" >>"$LOG" 2>&1 < /dev/null &
  local pid=$!

  cat > "$ENV_FILE" <<EOF
KC_PID=$pid
KC_VERSION=$version
KC_PORT=$port
KC_MGMT_PORT=$mgmt
KC_RELATIVE_PATH=$rel
KC_BASE_URL=$base
KC_HEALTH_URL=$health_url
KC_ADMIN_USER=$ADMIN_USER
KC_ADMIN_PASSWORD=$ADMIN_PASSWORD
KC_REALM=$REALM_NAME
KC_JAVA_HOME=$java_home
KC_LOG=$LOG
EOF

  local deadline=$((started + timeout)) stage="health"
  while :; do
    if ! is_running "$pid"; then
      log "Keycloak exited during startup; last log lines:"
      tail -n 60 "$LOG" >&2
      rm -f "$ENV_FILE"
      exit 1
    fi
    if [ "$stage" = "health" ] && health_up "$health_url"; then stage="admin"; fi
    if [ "$stage" = "admin" ] && admin_ready "$base"; then
      post_import "$base" "$major" || { log "post-import realm setup failed"; cmd_stop; exit 1; }
      # the fixtures an import cannot carry portably (flows, federation, keys, a lockout,
      # organizations and an invitation): integration_tests/fixtures.py
      python3 "$HERE/fixtures.py" "$base" "$major" "$ADMIN_USER" "$ADMIN_PASSWORD" \
        || { log "fixtures.py failed"; cmd_stop; exit 1; }
      break
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "Keycloak not ready after ${timeout}s (stage: $stage, health: $health_url); last log lines:"
      tail -n 60 "$LOG" >&2
      cmd_stop
      exit 1
    fi
    sleep 1
  done
  log "Keycloak $version ready at $base in $(( $(date +%s) - started ))s (pid $pid, health $health_url)"
  echo "KC_STARTUP_SECONDS=$(( $(date +%s) - started ))" >> "$ENV_FILE"
}

cmd_status() {
  if [ -f "$ENV_FILE" ]; then cat "$ENV_FILE"; else log "not running"; exit 1; fi
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start [--version V] [--relative-path /auth] [--timeout S] | stop | status" >&2; exit 2 ;;
esac
