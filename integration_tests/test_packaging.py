"""The packaging files agree with each other and with the crate: Dockerfile (labels,
entrypoint, build command, hadolint), metadata.yaml (Airbyte registry form), pyproject.toml
(maturin bin mode), the Meltano project (settings == `tap-keycloak --about`).
No Keycloak needed."""
from __future__ import annotations

import json
import os
import re
import shlex
import uuid

import pytest
import yaml

from host_tools import cargo_version, run, tap_bin, tool_venv
from kc_helpers import HERE, REPO

DOCKERFILE = REPO / "Dockerfile"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    out, buf = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for ins in dockerfile_instructions():
        if ins[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(ins)
    return stages


def labels() -> dict[str, str]:
    out = {}
    for word, rest in dockerfile_stages()[-1]:
        if word == "LABEL":
            for token in shlex.split(rest):
                k, _, v = token.partition("=")
                out[k] = v
    return out


def env_vars() -> dict[str, str]:
    out = {}
    for word, rest in dockerfile_stages()[-1]:
        if word == "ENV":
            for token in shlex.split(rest):
                k, _, v = token.partition("=")
                out[k] = v
    return out


def entrypoint() -> list[str]:
    eps = [rest for word, rest in dockerfile_stages()[-1] if word == "ENTRYPOINT"]
    assert len(eps) == 1, f"the runtime stage needs exactly one ENTRYPOINT, has {eps}"
    ep = json.loads(eps[0])  # exec form, so signals reach the connector
    assert isinstance(ep, list) and all(isinstance(x, str) for x in ep), ep
    return ep


@pytest.fixture(scope="module")
def metadata() -> dict:
    return yaml.safe_load((REPO / "metadata.yaml").read_text())


def test_versions_agree(metadata):
    version = cargo_version()
    assert metadata["data"]["dockerImageTag"] == version
    assert labels()["io.airbyte.version"] == version
    assert metadata["data"]["dockerRepository"] == labels()["io.airbyte.name"] \
        == "airbyte/source-keycloak"


def test_entrypoint_is_the_airbyte_entrypoint():
    ep = entrypoint()
    assert env_vars()["AIRBYTE_ENTRYPOINT"] == " ".join(ep)
    assert ep[0].startswith("/"), "AIRBYTE_ENTRYPOINT must be an absolute path"
    assert ep == ["/usr/local/bin/source-keycloak"]


def test_dockerfile_shape():
    stages = dockerfile_stages()
    assert len(stages) == 2, "multi-stage: a builder and a runtime"
    builder_from = stages[0][0][1]
    runtime_from = stages[1][0][1]
    assert re.fullmatch(r"rust:\d+\.\d+(\.\d+)?-slim-bookworm AS builder", builder_from), builder_from
    assert re.fullmatch(r"debian:bookworm-slim AS runtime", runtime_from), runtime_from
    runtime = stages[1]
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "runtime must not run as root"
    # the trust store is the builder's Debian bundle; no package manager runs in this stage
    assert ("COPY", "--from=builder /etc/ssl/certs/ca-certificates.crt "
                    "/etc/ssl/certs/ca-certificates.crt") in runtime
    assert not any(word == "RUN" and "apt-get" in rest for word, rest in runtime)
    copies = " ".join(rest for word, rest in runtime if word == "COPY")
    for b in ("source-keycloak", "tap-keycloak"):
        assert f"/target/release/{b}" in copies
    assert "/usr/local/bin/" in copies


def test_ci_builds_like_the_dockerfile():
    """The release binary the tests use is built with the Dockerfile's own command."""
    builds = [rest for word, rest in dockerfile_stages()[0]
              if word == "RUN" and rest.startswith("cargo build")]
    assert len(builds) == 1, builds
    assert "--locked" in builds[0] and "--release" in builds[0]
    run_sh = (HERE / "run.sh").read_text()
    assert builds[0] in run_sh, f"integration_tests/run.sh should run `{builds[0]}`"


def test_dockerignore():
    lines = {ln.strip().rstrip("/") for ln in (REPO / ".dockerignore").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")}
    for p in ("target", ".venv*", "integration_tests/.work", "output", ".git"):
        assert p in lines, f".dockerignore lacks {p}"


def test_hadolint():
    venv = tool_venv("hadolint")
    p = run([str(venv / "bin" / "hadolint"), "--no-color", str(DOCKERFILE)], check=False)
    assert p.returncode == 0, f"hadolint findings:\n{p.stdout}{p.stderr}"
    # every ignore carries a reason in the comment lines right above it
    lines = DOCKERFILE.read_text().splitlines()
    for i, line in enumerate(lines):
        if "hadolint ignore" in line:
            assert i > 0 and lines[i - 1].lstrip().startswith("#") and \
                len(lines[i - 1].strip()) > 20, f"Dockerfile:{i + 1}: ignore without a reason"


# Registry fields and their types, after Airbyte's ConnectorMetadataDefinitionV0.
REQUIRED = {"name": str, "definitionId": str, "connectorType": str, "dockerRepository": str,
            "dockerImageTag": str, "license": str, "documentationUrl": str,
            "githubIssueLabel": str, "connectorSubtype": str, "releaseStage": str}
OPTIONAL = {"icon": str, "supportLevel": str, "tags": list, "ab_internal": dict,
            "allowedHosts": dict, "registryOverrides": dict, "releases": dict,
            "connectorBuildOptions": dict, "releaseDate": str, "resourceRequirements": dict,
            "maxSecondsBetweenMessages": int, "suggestedStreams": dict, "erdUrl": str}


def test_metadata_registry_form(metadata):
    assert set(metadata) == {"metadataSpecVersion", "data"}
    assert metadata["metadataSpecVersion"] == "1.0"
    data = metadata["data"]
    for k, t in REQUIRED.items():
        assert isinstance(data.get(k), t), f"data.{k} must be a {t.__name__}: {data.get(k)!r}"
    unknown = set(data) - set(REQUIRED) - set(OPTIONAL)
    assert not unknown, f"not registry fields: {unknown}"
    for k, v in data.items():
        if k in OPTIONAL:
            assert isinstance(v, OPTIONAL[k]), f"data.{k} must be a {OPTIONAL[k].__name__}"
    assert str(uuid.UUID(data["definitionId"])) == data["definitionId"]
    assert data["connectorType"] == "source"
    assert data["connectorSubtype"] in ("api", "database", "datalake", "file", "custom",
                                        "message_queue", "unknown", "vectorstore")
    assert data["releaseStage"] in ("alpha", "beta", "generally_available", "custom")
    assert data["supportLevel"] in ("community", "certified", "archived")
    assert data["name"] == "Keycloak"
    assert data["githubIssueLabel"] == "source-keycloak"
    assert data["license"] == "MIT"
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", data["dockerImageTag"])
    assert all(isinstance(t, str) and ":" in t for t in data["tags"])
    assert "language:rust" in data["tags"]
    assert set(data["ab_internal"]) == {"sl", "ql"}
    assert data["ab_internal"]["sl"] in (0, 100, 200, 300)
    assert data["ab_internal"]["ql"] in (0, 100, 200, 300, 400, 500, 600)
    assert "connectorBuildOptions" not in data, "not built from an Airbyte CDK base image"
    # the documentation is the README next to this file until a public page exists
    doc = data["documentationUrl"]
    assert doc.startswith("https://") or (REPO / doc).is_file(), doc


def test_icon_is_a_small_svg(metadata):
    icon = REPO / metadata["data"]["icon"]
    text = icon.read_text()
    assert text.lstrip().startswith("<svg") and "</svg>" in text
    assert len(text) < 4000
    import xml.etree.ElementTree as ET
    root = ET.fromstring(text)
    assert root.tag.endswith("svg") and root.get("viewBox")


def test_pyproject_maturin_bin_mode():
    try:
        import tomllib
    except ModuleNotFoundError:
        import tomli as tomllib  # type: ignore[no-redef]
    py = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert py["build-system"]["build-backend"] == "maturin"
    assert any(r.replace(" ", "").startswith("maturin>=1.7,<2")
               for r in py["build-system"]["requires"])
    assert py["tool"]["maturin"]["bindings"] == "bin"
    assert py["project"]["name"] == "source-keycloak"
    assert "version" in py["project"]["dynamic"]
    assert "version" not in py["project"]
    assert py["project"]["requires-python"] == ">=3.9"
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text())
    bins = {b["name"] for b in cargo.get("bin", [])}
    assert {"source-keycloak", "tap-keycloak"} <= bins, f"Cargo.toml [[bin]]s: {bins}"


MELTANO_KINDS = {"string": "string", "integer": "integer", "boolean": "boolean",
                 "array": "array", "number": "integer"}


def test_meltano_yml_matches_about():
    """The example project's extractor declares exactly the tap's settings, with the
    secret ones sensitive, and the capabilities --about reports."""
    about = json.loads(run([tap_bin(), "--about", "--format", "json"]).stdout)
    project = yaml.safe_load((HERE / "meltano" / "meltano.yml").read_text())
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-keycloak"]
    assert tap["namespace"] == "tap_keycloak"
    assert tap["executable"] == "tap-keycloak"
    assert sorted(tap["capabilities"]) == sorted(about["capabilities"]) \
        == sorted(["catalog", "discover", "state", "about"])
    declared = {s["name"]: s for s in tap["settings"]}
    assert set(declared) == {s["name"] for s in about["settings"]}
    for s in about["settings"]:
        d = declared[s["name"]]
        assert bool(d.get("sensitive")) == bool(s["secret"]), s["name"]
        assert d.get("kind", "string") == MELTANO_KINDS.get(s["type"], "string"), \
            f"{s['name']}: kind {d.get('kind')} but --about says {s['type']}"
    loaders = {t["name"]: t for t in project["plugins"]["loaders"]}
    assert set(loaders) == {"target-jsonl", "target-postgres"}
    for name, pip_name in (("target-jsonl", "target-jsonl"),
                           ("target-postgres", "meltanolabs-target-postgres")):
        target = loaders[name]
        assert target["namespace"] == name.replace("-", "_")
        assert re.fullmatch(rf"{pip_name}==[\d.]+", target["pip_url"]), target["pip_url"]
        assert "variant" not in target, "Meltano Hub is not reachable"
    assert "variant" not in tap, "Meltano Hub is not reachable"


def test_the_docker_build_context_builds(tmp_path):
    """No Docker engine runs here, so rebuild the image's builder stage by hand: copy
    exactly what its COPY lines copy into an empty folder and let cargo check the two
    binaries from it. A file the manifest needs but the Dockerfile forgets (a [[bench]],
    an embedded schema) fails here instead of in the first real image build."""
    import shutil
    import subprocess
    copies = [rest.split() for word, rest in dockerfile_stages()[0] if word == "COPY"]
    assert copies, "the builder stage copies the sources"
    for *sources, _dest in copies:
        for src in sources:
            path = REPO / src
            if path.is_dir():
                shutil.copytree(path, tmp_path / src, ignore=shutil.ignore_patterns("target"))
            else:
                shutil.copy(path, tmp_path / src)
    env = dict(os.environ, CARGO_TARGET_DIR=str(REPO / "target" / "docker-context"))
    res = subprocess.run(["cargo", "check", "--locked", "--offline", "--bin", "source-keycloak",
                          "--bin", "tap-keycloak"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
