"""Meltano as a host, shared by test_meltano.py (target-jsonl) and test_analytics.py
(target-postgres): one project, integration_tests/meltano/meltano.yml copied into a temp
dir and `meltano install`ed once per session (the tap through its pip_url, i.e. this
repository built by pip/maturin; the targets from PyPI). Its config comes from
TAP_KEYCLOAK_* environment variables."""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from host_tools import BUILD_CONSTRAINTS, run, tool_venv
from kc_helpers import HERE, REPO


class Meltano:
    def __init__(self, venv: Path, project: Path, env: dict):
        self.exe = str(venv / "bin" / "meltano")
        self.project = project
        self.env = env
        self.log = project / "meltano-commands.log"

    def __call__(self, *args: str, extra_env: dict | None = None, timeout: float = 1800):
        env = {**self.env, **(extra_env or {})}
        t0 = time.time()
        p = run([self.exe, *args], cwd=self.project, env=env, timeout=timeout, check=False)
        with self.log.open("a") as f:
            f.write(f"$ meltano {' '.join(args)}  ({time.time() - t0:.0f}s, exit {p.returncode})\n"
                    f"{p.stdout}\n{p.stderr}\n")
        assert p.returncode == 0, (f"meltano {' '.join(args)} exited {p.returncode}\n"
                                   f"--- stdout\n{p.stdout[-3000:]}\n--- stderr\n{p.stderr[-8000:]}")
        print(f"meltano {args[0]}: {time.time() - t0:.0f}s", file=sys.stderr)
        return p


@pytest.fixture(scope="session")
def meltano(tmp_path_factory, config) -> Meltano:
    venv = tool_venv("meltano")
    project = tmp_path_factory.mktemp("meltano-project")
    shutil.copy(HERE / "meltano" / "meltano.yml", project / "meltano.yml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_KEYCLOAK_", "MELTANO_"))}
    env.pop("VIRTUAL_ENV", None)
    env.update({
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_DISABLE_TRACKING": "true",
        "PIP_CONSTRAINT": str(BUILD_CONSTRAINTS),  # maturin for the tap's pip build
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        # pip builds this checkout in place, so cargo reuses target/release
        "TAP_KEYCLOAK_PIP_URL": str(REPO),
        "TAP_KEYCLOAK_SERVER_URL": config["server_url"],
        "TAP_KEYCLOAK_REALM": config["realm"],
        "TAP_KEYCLOAK_CLIENT_ID": config["client_id"],
        "TAP_KEYCLOAK_CLIENT_SECRET": config["client_secret"],
        "TAP_KEYCLOAK_PAGE_SIZE": "50",
    })
    m = Meltano(venv, project, env)
    m("install")
    return m
