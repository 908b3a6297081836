"""The built image, used the way its hosts use it, against the real Keycloak.

The image is built by scripts/image.sh (`podman build` of the unmodified Dockerfile on
stand-ins of its two FROM images); scripts/test.sh builds it and runs this file with
SOURCE_KEYCLOAK_IMAGE set and DOCKER_HOST pointing at podman's Docker-API socket. Every
container is started with the `docker` CLI, as Airbyte's docker mode, PyAirbyte and Meltano
start it: config, catalog and state are mounted read-only and read by the image's own user
(uid 1000); the container shares the host's network, since the test Keycloak listens on
the host's loopback only.

Without SOURCE_KEYCLOAK_IMAGE (integration_tests/run.sh on its own) these tests are
skipped, with that reason; with it, a missing image or docker CLI fails them.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from host_tools import cargo_version, json_lines, tap_bin
from kc_helpers import HERE, REPO, Connector, configured_catalog

IMAGE = os.environ.get("SOURCE_KEYCLOAK_IMAGE", "")
pytestmark = pytest.mark.skipif(
    not IMAGE, reason="SOURCE_KEYCLOAK_IMAGE unset: build the image with scripts/image.sh "
                      "(scripts/test.sh builds it and runs these tests)")
ENTRYPOINT = "/usr/local/bin/source-keycloak"


def docker(*args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
    assert shutil.which("docker"), "no docker CLI on PATH"
    p = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, (f"docker {' '.join(args)} exited {p.returncode}\n"
                                   f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


class ImageConnector(Connector):
    """Connector whose runs are `docker run` of the image: the run's files (written by
    write_json into `workdir`) are mounted read-only at /data. Runs go into `runs`, the
    session connector's list, so the secret-leak check (test_zz_) inspects them too."""

    def __init__(self, workdir: Path, runs: list, entrypoint: list[str] | None = None):
        super().__init__("docker", workdir)
        workdir.chmod(0o755)  # the container's uid 1000 reads the mounted files
        self.runs = runs
        self.entrypoint = entrypoint or []

    def write_json(self, name: str, obj) -> Path:
        p = super().write_json(name, obj)
        p.chmod(0o644)
        return p

    def run(self, *args: str, timeout: float = 600):
        inner = [a.replace(str(self.workdir), "/data") for a in args]
        return super().run("run", "--rm", "-i", "--network", "host",
                           "-v", f"{self.workdir}:/data:ro", *self.entrypoint, IMAGE, *inner,
                           timeout=timeout)


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> dict:
    p = docker("image", "inspect", IMAGE, check=False)
    assert p.returncode == 0, f"image {IMAGE} not found: run scripts/image.sh\n{p.stderr}"
    return json.loads(p.stdout)[0]


@pytest.fixture(scope="module")
def img(connector, tmp_path_factory, image) -> ImageConnector:
    return ImageConnector(tmp_path_factory.mktemp("image"), connector.runs)


# A full read of `users` stamps every user with the time the read started
# (_ab_cdc_updated_at) and checkpoints that time (users' state "time"): two reads can only
# differ there, so those values are compared as "the read's start" (src/streams/users.rs).
READ_START = "<read start>"


def _records(res) -> set[str]:
    """RECORD messages as canonical JSON, without emitted_at and the read's start."""
    out = set()
    for m in res.of_type("RECORD"):
        rec = dict(m["record"])
        rec.pop("emitted_at", None)
        if rec.get("stream") == "users" and not rec["data"].get("_ab_cdc_deleted_at") \
                and rec["data"].get("_ab_cdc_updated_at") in _read_starts(res):
            rec["data"] = dict(rec["data"], _ab_cdc_updated_at=READ_START)
        out.add(json.dumps(rec, sort_keys=True, ensure_ascii=False))
    return out


def _users_times(node, replace: bool = False) -> list[int]:
    """The "time" cursors anywhere in users' stream_state (realms.<realm>.admin/login)."""
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "time" and isinstance(v, int):
                found.append(v)
                if replace:
                    node[k] = READ_START
            else:
                found += _users_times(v, replace)
    elif isinstance(node, list):
        for v in node:
            found += _users_times(v, replace)
    return found


def _users_state(st: dict):
    if st.get("type") == "STREAM" and st["stream"]["stream_descriptor"]["name"] == "users":
        return st["stream"].get("stream_state") or {}
    return None


def _read_starts(res) -> set:
    """The users stream's checkpointed times of this run, as the records' ISO strings."""
    import datetime as dt
    out = set()
    for m in res.of_type("STATE"):
        for ms in _users_times(_users_state(m["state"])):
            t = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
            out.add(t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z")
    return out


def _states(res) -> set[str]:
    out = set()
    for m in res.of_type("STATE"):
        st = json.loads(json.dumps(m["state"]))
        _users_times(_users_state(st), replace=True)
        out.add(json.dumps(st, sort_keys=True))
    return out


def _diff(a: set[str], b: set[str]) -> str:
    only_a, only_b = sorted(a - b)[:3], sorted(b - a)[:3]
    return f"only in the image's ({len(a - b)}): {only_a}\nonly in the binary's ({len(b - a)}): {only_b}"


def _by_stream(lines: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines:
        s = json.loads(line)["stream"]
        counts[s] = counts.get(s, 0) + 1
    return counts


# ---- what the image declares (read from the built image, not the Dockerfile) -------------
def test_image_labels_entrypoint_user(image):
    meta = yaml.safe_load((REPO / "metadata.yaml").read_text())["data"]
    cfg = image["Config"]
    labels = cfg.get("Labels") or {}
    assert labels.get("io.airbyte.name") == meta["dockerRepository"] == "airbyte/source-keycloak"
    assert labels.get("io.airbyte.version") == meta["dockerImageTag"] == cargo_version()
    assert IMAGE.endswith(":" + cargo_version()), IMAGE
    env = dict(e.split("=", 1) for e in cfg.get("Env") or [])
    assert env.get("AIRBYTE_ENTRYPOINT") == ENTRYPOINT
    assert cfg.get("Entrypoint") == [ENTRYPOINT]
    assert cfg.get("User") == "1000:1000"
    assert cfg.get("WorkingDir") == "/airbyte"
    # the user Airbyte's pods run the connector as, and its view of the binaries
    out = docker("run", "--rm", "--entrypoint", "sh", IMAGE, "-c",
                 "id -u; id -g; command -v source-keycloak; command -v tap-keycloak").stdout.split()
    assert out == ["1000", "1000", ENTRYPOINT, "/usr/local/bin/tap-keycloak"], out


def test_image_contents_are_two_binaries_and_ca_certificates(image):
    """What the runtime stage adds to the base: the two binaries and the trust store."""
    p = docker("run", "--rm", "--entrypoint", "sh", IMAGE, "-c",
               "ls /usr/local/bin; test -s /etc/ssl/certs/ca-certificates.crt && echo ca-ok")
    assert p.stdout.split() == ["source-keycloak", "tap-keycloak", "ca-ok"], p.stdout


# ---- the Airbyte protocol, through `docker run` -------------------------------------------
def test_image_spec_equals_binary(img, connector):
    a, b = img.spec(), connector.spec()
    assert a.returncode == 0, a.describe()
    assert not a.parse_errors, a.parse_errors
    assert a.of_type("SPEC") == b.of_type("SPEC")


def test_image_check(img, config, make_config):
    ok = img.check(config)
    assert ok.returncode == 0, ok.describe()
    assert ok.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    bad = img.check(make_config(client_secret="wrong-secret-for-the-image-test"))
    statuses = bad.of_type("CONNECTION_STATUS")
    assert statuses and statuses[0]["connectionStatus"]["status"] == "FAILED", bad.describe()


def test_image_discover_equals_binary(img, config, discovered):
    res = img.discover(config)
    assert res.returncode == 0, res.describe()
    assert res.of_type("CATALOG")[0]["catalog"] == discovered


def test_image_read_equals_binary(img, connector, config, discovered, ground_truth):
    """A full read of every stream, then a read from the final state: records and states
    equal the binary's, read right before from the same Keycloak."""
    catalog = configured_catalog(discovered["streams"])
    # incremental where the stream offers it, so the state mount is exercised
    for entry in catalog["streams"]:
        if "incremental" in entry["stream"]["supported_sync_modes"]:
            entry["sync_mode"] = "incremental"
            entry["destination_sync_mode"] = "append"
    host = connector.read(config, catalog)
    inside = img.read(config, catalog)
    assert inside.returncode == 0, inside.describe()
    assert not inside.parse_errors, inside.parse_errors
    assert _by_stream(_records(inside)) == _by_stream(_records(host))
    assert _records(inside) == _records(host), _diff(_records(inside), _records(host))
    assert _states(inside) == _states(host), _diff(_states(inside), _states(host))
    for name, keys in ground_truth.items():
        assert _by_stream(_records(inside)).get(name, 0) == len(keys), name

    final = host.of_type("STATE")
    assert final, "no STATE from the binary's read"
    state = [m["state"] for m in final]
    host2 = connector.read(config, catalog, state=state)
    inside2 = img.read(config, catalog, state=state)
    assert inside2.returncode == 0, inside2.describe()
    assert _records(inside2) == _records(host2), _diff(_records(inside2), _records(host2))
    assert _states(inside2) == _states(host2), _diff(_states(inside2), _states(host2))


def test_image_as_airbyte_launches_it(img, config):
    """Airbyte's Kubernetes launcher does not use ENTRYPOINT: it runs
    `sh -c 'eval "$AIRBYTE_ENTRYPOINT <verb> ..."'` in the connector's image (so the image
    needs a shell). The same, here, for spec and check."""
    cfg = img.write_json("config", config)
    out = docker("run", "--rm", "--network", "host", "-v", f"{img.workdir}:/data:ro",
                 "--entrypoint", "sh", IMAGE, "-c",
                 f'eval "$AIRBYTE_ENTRYPOINT spec" && '
                 f'eval "$AIRBYTE_ENTRYPOINT check --config /data/{cfg.name}"').stdout
    types = [m["type"] for m in json_lines(out)]
    assert "SPEC" in types and "CONNECTION_STATUS" in types, types
    status = [m for m in json_lines(out) if m["type"] == "CONNECTION_STATUS"][0]
    assert status["connectionStatus"]["status"] == "SUCCEEDED"


# ---- the Singer tap from the same image (Meltano's docker mode) ---------------------------
def _singer_records(text: str) -> set[str]:
    out = set()
    for m in json_lines(text):
        if m.get("type") == "RECORD":
            m = dict(m)
            m.pop("time_extracted", None)
            m.pop("version", None)  # the run's ACTIVATE_VERSION: its start time
            if m["stream"] == "users":  # as _records: stamped with the read's start
                m["record"] = dict(m["record"])
                m["record"].pop("_ab_cdc_updated_at", None)
            out.add(json.dumps(m, sort_keys=True, ensure_ascii=False))
    return out


def test_tap_keycloak_from_the_image(img, config, ground_truth, tmp_path):
    (tmp_path / "tap").mkdir()
    tap = ImageConnector(tmp_path / "tap", img.runs, entrypoint=["--entrypoint", "tap-keycloak"])
    about = tap.run("--about", "--format", "json")
    assert about.returncode == 0, about.describe()
    host_about = subprocess.run([tap_bin(), "--about", "--format", "json"],
                                capture_output=True, text=True, check=True)
    assert json.loads(about.stdout) == json.loads(host_about.stdout)

    cfg = tap.write_json("config", config)
    disc = tap.run("--config", str(cfg), "--discover")
    assert disc.returncode == 0, disc.describe()
    catalog = json.loads(disc.stdout)
    for entry in catalog["streams"]:
        entry["selected"] = True
    cat = tap.write_json("catalog", catalog)
    inside = tap.run("--config", str(cfg), "--catalog", str(cat))
    assert inside.returncode == 0, inside.describe()
    host = subprocess.run([tap_bin(), "--config", str(cfg), "--catalog", str(cat)],
                          capture_output=True, text=True, timeout=600)
    assert host.returncode == 0, host.stderr[-3000:]
    assert _singer_records(inside.stdout) == _singer_records(host.stdout), \
        _diff(_singer_records(inside.stdout), _singer_records(host.stdout))
    counts: dict[str, int] = {}
    for line in _singer_records(inside.stdout):
        s = json.loads(line)["stream"]
        counts[s] = counts.get(s, 0) + 1
    for name, keys in ground_truth.items():
        assert counts.get(name, 0) == len(keys), name
    states = [m for m in json_lines(inside.stdout) if m.get("type") == "STATE"]
    assert states, "the tap emitted no STATE"


# ---- PyAirbyte's docker_image= path -------------------------------------------------------
def test_pyairbyte_docker_image(config, ground_truth, tmp_path, image):
    os.environ["AIRBYTE_OFFLINE_MODE"] = "1"
    import airbyte as ab

    source = ab.get_source("source-keycloak", config=config, docker_image=IMAGE,
                           use_host_network=True)
    source.check()
    source.select_all_streams()
    assert set(ground_truth) <= set(source.get_selected_streams())
    cache = ab.new_local_cache(cache_name="source_keycloak_image", cache_dir=tmp_path / "cache")
    result = source.read(cache=cache)
    counts = {name: len(result[name]) for name in ground_truth}
    want = {name: len(keys) for name, keys in ground_truth.items()}
    assert counts == want, f"PyAirbyte (docker_image) cache counts {counts} != Keycloak {want}"
    for name in ground_truth:
        assert len(cache[name]) == want[name], f"cache[{name}]"


# ---- Airbyte's own standard tests (airbyte-cdk), on the image -----------------------------
STANDARD = HERE / "airbyte_standard"


def test_airbyte_cdk_standard_suite(config, make_config, image, discovered):
    """airbyte_cdk.test.standard_tests' Docker suite, driven by acceptance-test-config.yml,
    with --connector-image: it runs spec, check (valid and invalid config), discover and
    read in the image. secrets/config.json (git-ignored, as in every Airbyte connector) is
    the config of this session's Keycloak."""
    secrets = REPO / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "config.json").write_text(json.dumps(config, indent=1))
    (secrets / "invalid_config.json").write_text(json.dumps(
        make_config(client_secret="not-the-secret-of-source-keycloak"), indent=1))
    env = dict(os.environ, REAL_DOCKER=shutil.which("docker") or "docker",
               PATH=f"{STANDARD / 'bin'}{os.pathsep}{os.environ['PATH']}")
    report = STANDARD / ".work" / "report.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c",
         str(STANDARD / "pytest.ini"), "--rootdir", str(STANDARD), "-rA", "-q",
         f"--connector-image={IMAGE}", "--read-from-streams=all", str(STANDARD)],
        capture_output=True, text=True, timeout=1800, cwd=STANDARD, env=env)
    out = p.stdout + p.stderr
    print(out[-6000:])
    print(f"[standard suite] {time.time() - t0:.0f}s, exit {p.returncode}")
    assert p.returncode == 0, f"airbyte-cdk standard suite failed:\n{out[-8000:]}"
    passed = [ln for ln in out.splitlines() if ln.startswith("PASSED ")]
    skipped = [ln for ln in out.splitlines() if ln.startswith("SKIPPED ")]
    # the tests that must have run here (the rest is listed in the README with the reason)
    for name in ("test_docker_image_build_and_spec", "test_docker_image_build_and_check",
                 "test_docker_image_build_and_discover", "test_docker_image_build_and_read",
                 "test_docker_image_build_and_config_matches_spec"):
        assert any(name in ln for ln in passed), f"{name} did not pass:\n{out[-6000:]}"
    assert len([ln for ln in passed if "test_docker_image_build_and_check" in ln]) == 2, \
        "check runs for the valid and the invalid config"
    # skipped by the suite: the registry comparison (unreachable here), and the commands a
    # config listed only under `connection` does not run
    assert all("spec backward-compatibility check" in ln or "'invalid_config'" in ln
               for ln in skipped), skipped
