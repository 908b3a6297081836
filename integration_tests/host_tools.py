"""Helpers for the host tests (pip, Meltano, singer-check-tap, packaging files): the
tools' own virtualenvs, the Singer binary, and small process helpers.

Each tool gets its own venv, <repo>/.venv-<name>, made from integration_tests/tools/<name>.txt
and reused while that file is unchanged (like run.sh does for .venv-it): Meltano,
singer-tools (jsonschema 2.6) and PyAirbyte cannot share one environment. pip's download
cache (~/.cache/pip, or $PIP_CACHE_DIR) is left on, so a second CI run downloads nothing.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from kc_helpers import HERE, REPO, connector_bin

TOOLS = HERE / "tools"
BUILD_CONSTRAINTS = TOOLS / "build-constraints.txt"


def tool_venv(name: str) -> Path:
    """<repo>/.venv-<name> with tools/<name>.txt installed (created or refreshed)."""
    req = TOOLS / f"{name}.txt"
    venv = Path(os.environ.get("HOST_TOOLS_VENV_ROOT", str(REPO))) / f".venv-{name}"
    stamp = venv / ".requirements.txt"
    if (venv / "bin" / "python").exists() and stamp.exists() \
            and stamp.read_bytes() == req.read_bytes():
        return venv
    t0 = time.time()
    shutil.rmtree(venv, ignore_errors=True)
    python = shutil.which("python3") or sys.executable
    run([python, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
         "--disable-pip-version-check", "-r", str(req)])
    shutil.copyfile(req, stamp)
    print(f"[host_tools] {venv.name}: installed {req.name} in {time.time() - t0:.0f}s",
          file=sys.stderr)
    return venv


def tap_bin() -> str:
    """The Singer binary: $TAP_KEYCLOAK_BIN, else tap-keycloak next to the Airbyte one."""
    return os.environ.get("TAP_KEYCLOAK_BIN") or str(Path(connector_bin()).with_name("tap-keycloak"))


def run(cmd: list[str], timeout: float = 1800, check: bool = True, **kw) -> subprocess.CompletedProcess:
    """Runs a command, capturing text output; on failure the assertion shows both streams."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check:
        assert p.returncode == 0, (f"{' '.join(map(str, cmd))} exited {p.returncode}\n"
                                   f"--- stdout (tail)\n{p.stdout[-4000:]}\n"
                                   f"--- stderr (tail)\n{p.stderr[-6000:]}")
    return p


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def cargo_version() -> str:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads((REPO / "Cargo.toml").read_text())["package"]["version"]
