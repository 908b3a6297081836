#!/usr/bin/env bash
# End-to-end demo: real Keycloak with the sample realm -> source-keycloak ->
# output/<stream>.jsonl (one record's data per line), then a per-stream summary.
#   integration_tests/sync_demo.sh
# Env: KEYCLOAK_VERSION, KEYCLOAK_RELATIVE_PATH, SOURCE_KEYCLOAK_BIN, OUTPUT_DIR
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT="${OUTPUT_DIR:-$REPO/output}"
WORK="$HERE/.work/demo"
mkdir -p "$WORK"

if [ -z "${SOURCE_KEYCLOAK_BIN:-}" ]; then
  echo "[demo] building the connector (cargo build --release)"
  (cd "$REPO" && cargo build --release --quiet)
  SOURCE_KEYCLOAK_BIN="$REPO/target/release/source-keycloak"
fi
BIN="$SOURCE_KEYCLOAK_BIN"

python3 "$HERE/make_realm.py" -q
trap 'bash "$HERE/keycloak.sh" stop' EXIT
bash "$HERE/keycloak.sh" start
# shellcheck disable=SC1091
. "$HERE/.work/kc.env"

python3 - "$KC_BASE_URL" > "$WORK/config.json" <<'PY'
import json, sys
print(json.dumps({"server_url": sys.argv[1], "realm": "acme",
                  "client_id": "source-keycloak", "client_secret": "it-secret-source-7Qw9"}))
PY

echo "[demo] some activity, so events and sessions have data: logins, an offline login, a failed one"
python3 - "$KC_BASE_URL" "$HERE" <<'PY'
import json, sys, urllib.error, urllib.parse, urllib.request
base, here = sys.argv[1], sys.argv[2]
sys.path.insert(0, here)
from make_realm import LOGIN_USERS  # noqa: E402
url = f"{base}/realms/acme/protocol/openid-connect/token"
def login(user, password, scope="openid"):
    body = urllib.parse.urlencode({"grant_type": "password", "client_id": "login-app",
                                   "username": user, "password": password, "scope": scope})
    try:
        urllib.request.urlopen(url, body.encode(), timeout=30).read()
    except urllib.error.HTTPError:
        pass  # the failed login is meant to fail
for user, password in LOGIN_USERS.items():
    login(user, password)
    login(user, password, "openid offline_access")
login("alice", "not-her-password")
PY

echo "[demo] check"
"$BIN" check --config "$WORK/config.json" | tee "$WORK/check.jsonl"
echo "[demo] discover"
"$BIN" discover --config "$WORK/config.json" > "$WORK/discover.jsonl"
python3 - "$WORK/discover.jsonl" > "$WORK/catalog.json" <<'PY'
import json, sys
catalog = None
for line in open(sys.argv[1], encoding="utf-8"):
    msg = json.loads(line)
    if msg.get("type") == "CATALOG":
        catalog = msg["catalog"]
if catalog is None:
    sys.exit("discover produced no CATALOG message")
print(json.dumps({"streams": [{"stream": s, "sync_mode": "full_refresh",
                               "destination_sync_mode": "overwrite"}
                              for s in catalog["streams"]]}))
PY

echo "[demo] read"
set +e
"$BIN" read --config "$WORK/config.json" --catalog "$WORK/catalog.json" > "$WORK/read.jsonl"
rc=$?
set -e

python3 - "$WORK/read.jsonl" "$WORK/catalog.json" "$OUT" "$rc" <<'PY'
import json, os, sys
read_path, catalog_path, out_dir, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
streams = [s["stream"]["name"] for s in json.load(open(catalog_path))["streams"]]
os.makedirs(out_dir, exist_ok=True)
files = {s: open(os.path.join(out_dir, f"{s}.jsonl"), "w", encoding="utf-8") for s in streams}
counts = {s: 0 for s in streams}
status, errors = {}, []
for line in open(read_path, encoding="utf-8"):
    msg = json.loads(line)
    t = msg.get("type")
    if t == "RECORD":
        rec = msg["record"]
        files[rec["stream"]].write(json.dumps(rec["data"], ensure_ascii=False) + "\n")
        counts[rec["stream"]] += 1
    elif t == "TRACE" and msg["trace"].get("type") == "STREAM_STATUS":
        ss = msg["trace"]["stream_status"]
        status[ss["stream_descriptor"]["name"]] = ss["status"]
    elif t == "TRACE" and msg["trace"].get("type") == "ERROR":
        errors.append(msg["trace"]["error"].get("message"))
for f in files.values():
    f.close()
print(f"\n{'stream':<26} {'records':>8}  status     file")
for s in streams:
    print(f"{s:<26} {counts[s]:>8}  {status.get(s, '?'):<10} {os.path.relpath(os.path.join(out_dir, s + '.jsonl'))}")
print(f"{'total':<26} {sum(counts.values()):>8}")
for e in errors:
    print(f"ERROR: {e}")
if rc != 0:
    sys.exit(f"read exited with {rc}")
PY

echo
echo "[demo] warehouse: PyAirbyte reads every stream into DuckDB, dbt builds the answers (analytics/)"
IT_VENV="${IT_VENV:-$REPO/.venv-it}"
DBT_VENV="${DBT_VENV:-$REPO/.venv-dbt}"
bash "$REPO/scripts/venv.sh" "$IT_VENV" "$HERE/requirements.txt"
bash "$REPO/scripts/venv.sh" "$DBT_VENV" "$HERE/tools/dbt.txt"
CACHE="$OUT/keycloak_cache.duckdb"
ANALYTICS_DB="$OUT/keycloak_analytics.duckdb"
rm -f "$CACHE" "$ANALYTICS_DB"
if ! SOURCE_KEYCLOAK_BIN="$BIN" "$IT_VENV/bin/python" "$HERE/warehouse.py" pyairbyte \
    "$WORK/config.json" "$CACHE" > "$WORK/pyairbyte.log" 2>&1; then
  tail -40 "$WORK/pyairbyte.log"
  echo "[demo] PyAirbyte failed (log: $WORK/pyairbyte.log)"
  exit 1
fi
grep '^\[warehouse\]' "$WORK/pyairbyte.log"
DORMANT_DAYS="${DORMANT_DAYS:-90}"
"$DBT_VENV/bin/python" "$HERE/warehouse.py" build "$CACHE" "$ANALYTICS_DB" "$DORMANT_DAYS" \
  "$WORK/dbt.log"
"$DBT_VENV/bin/python" "$HERE/warehouse.py" answers "$ANALYTICS_DB" "$DORMANT_DAYS"
