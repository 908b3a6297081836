#!/usr/bin/env bash
# Make (or reuse) a virtualenv with a requirements file installed:
#   scripts/venv.sh VENV_DIR REQUIREMENTS.txt
# Reused while the requirements file is unchanged (a copy is kept in the venv), like
# host_tools.tool_venv does for the acceptance suite's tool venvs.
set -euo pipefail
VENV="$1"
REQ="$2"
if [ -x "$VENV/bin/python" ] && cmp -s "$REQ" "$VENV/.requirements.txt"; then
  exit 0
fi
echo "[venv.sh] installing $(basename "$REQ") into $VENV" >&2
t=$(date +%s)
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"
cp "$REQ" "$VENV/.requirements.txt"
echo "[venv.sh] pip install took $(( $(date +%s) - t ))s" >&2
