"""pip as a host: `pip install <repo>` in a fresh venv builds the crate with maturin (bin
mode, pyproject.toml) and puts source-keycloak and tap-keycloak on PATH; PyAirbyte then
finds the connector by name (the the README (Running it in each host) snippets).

The build runs in the source tree (pip builds local directories in place), so cargo
reuses target/release from run.sh's `cargo build --release --locked`: maturin runs
`cargo rustc --profile release --bin …` with the same flags. maturin itself is pinned by
tools/build-constraints.txt through PIP_CONSTRAINT (pip applies it to the isolated
build environment too)."""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from host_tools import BUILD_CONSTRAINTS, cargo_version, run
from kc_helpers import REPO, compute_ground_truth

_TIMES: dict[str, float] = {}


def pip_env(extra_path: Path | None = None) -> dict:
    env = dict(os.environ)
    env["PIP_CONSTRAINT"] = str(BUILD_CONSTRAINTS)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("VIRTUAL_ENV", None)
    if extra_path:
        env["PATH"] = f"{extra_path}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def pip_venv(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("pip") / "venv"
    python = shutil.which("python3") or sys.executable
    run([python, "-m", "venv", str(venv)])
    t0 = time.time()
    p = run([str(venv / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "off",
             str(REPO)], env=pip_env(), timeout=2400)
    _TIMES["pip install <repo>"] = time.time() - t0
    print(f"pip install {REPO}: {_TIMES['pip install <repo>']:.0f}s", file=sys.stderr)
    assert "Successfully installed source-keycloak" in p.stdout, p.stdout[-2000:]
    return venv


def test_pip_install_puts_both_commands_on_path(pip_venv):
    bindir = pip_venv / "bin"
    env = pip_env(extra_path=bindir)
    for name in ("source-keycloak", "tap-keycloak"):
        found = shutil.which(name, path=env["PATH"])
        assert found and Path(found).parent == bindir, f"{name} not on PATH from the venv: {found}"

    spec = [json.loads(line) for line in
            run(["source-keycloak", "spec"], env=env).stdout.splitlines() if line.strip()]
    assert [m["type"] for m in spec] == ["SPEC"], spec
    assert "client_secret" in spec[0]["spec"]["connectionSpecification"]["properties"]

    about = json.loads(run(["tap-keycloak", "--about", "--format", "json"], env=env).stdout)
    assert about["name"] == "tap-keycloak"
    assert sorted(about["capabilities"]) == ["about", "catalog", "discover", "state"]
    assert {s["name"] for s in about["settings"]} >= {"server_url", "realm", "client_id",
                                                     "client_secret"}
    md = run(["tap-keycloak", "--about", "--format", "markdown"], env=env).stdout
    assert "tap-keycloak" in md and "client_secret" in md

    meta = run([str(pip_venv / "bin" / "python"), "-m", "pip", "show", "source-keycloak"],
               env=env).stdout
    assert f"Version: {cargo_version()}" in meta, meta


def test_pyairbyte_finds_the_pip_installed_connector_by_name(pip_venv, config, admin, keycloak,
                                                            activity):
    """the README (Running it in each host)'s PyAirbyte snippet: local_executable="source-keycloak" resolved
    through PATH to the pip-installed binary."""
    import airbyte as ab

    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{pip_venv / 'bin'}{os.pathsep}{old_path}"
    try:
        source = ab.get_source("source-keycloak", config=config,
                               local_executable="source-keycloak")
        source.check()
        source.select_streams(["realms", "realm_roles"])
        truth = compute_ground_truth(admin, keycloak.release)
        result = source.read(cache=ab.new_local_cache(cache_name="pip_it",
                                                      cache_dir=pip_venv.parent / "cache"))
        for name in ("realms", "realm_roles"):
            assert len(result[name]) == len(truth[name]), name
    finally:
        os.environ["PATH"] = old_path
