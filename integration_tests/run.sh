#!/usr/bin/env bash
# Run the acceptance suite against a real Keycloak.
#   integration_tests/run.sh [pytest args...]
# Env: KEYCLOAK_VERSION, KEYCLOAK_RELATIVE_PATH (/auth), SOURCE_KEYCLOAK_BIN,
#      TAP_KEYCLOAK_BIN (default: tap-keycloak next to SOURCE_KEYCLOAK_BIN),
#      IT_VENV (default <repo>/.venv-it). The host tests (test_meltano, test_singer_check,
#      test_packaging's hadolint) make their own venvs, <repo>/.venv-<tool>, from tools/*.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
VENV="${IT_VENV:-$REPO/.venv-it}"
REQ="$HERE/requirements.txt"
T0=$(date +%s)

# 1. venv (reused when requirements.txt did not change)
bash "$REPO/scripts/venv.sh" "$VENV" "$REQ"

# 2. the connector, built with the Dockerfile's command (test_packaging.py checks they
#    agree); the pip and Meltano tests build this checkout in place and reuse target/release
if [ -z "${SOURCE_KEYCLOAK_BIN:-}" ]; then
  t=$(date +%s)
  (cd "$REPO" && cargo build --release --locked --bin source-keycloak --bin tap-keycloak --quiet)
  export SOURCE_KEYCLOAK_BIN="$REPO/target/release/source-keycloak"
  export TAP_KEYCLOAK_BIN="${TAP_KEYCLOAK_BIN:-$REPO/target/release/tap-keycloak}"
  echo "[run.sh] cargo build --release took $(( $(date +%s) - t ))s"
fi

# 3. the realm file is generated; regenerate so a stale copy never sneaks in
python3 "$HERE/make_realm.py" -q

# 4. pytest (starts and stops one Keycloak for the session)
set +e
(cd "$HERE" && "$VENV/bin/python" -m pytest -p no:cacheprovider -q "$@" "$HERE")
rc=$?
set -e
echo "[run.sh] total $(( $(date +%s) - T0 ))s, pytest exit $rc"
exit $rc
