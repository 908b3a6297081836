#!/usr/bin/env bash
# The whole test suite, on a fresh machine: formatting, lints, the Rust tests against the
# fake Keycloak, then the acceptance suite against a real Keycloak (downloaded through
# Maven) with PyAirbyte as a host, and the Docker image built with podman and run with the
# docker CLI (scripts/image.sh; installs podman and debootstrap through apt-get if missing).
# Needs: cargo (with rustfmt and clippy), Java, Maven, Python 3.11, root (or podman installed).
# Installs its Python packages into .venv-it itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (unit tests and the fake-Keycloak suite)"
cargo test --workspace --locked

step "the Airbyte image: podman build of the Dockerfile (scripts/image.sh)"
# installs podman if missing, makes or reuses the base-image stand-ins, builds the image and
# starts podman's Docker-API socket; the acceptance suite's test_image.py then runs the image
# with the docker CLI (and airbyte-cdk's standard tests on it). Stopped again at the end.
t=$(date +%s)
bash scripts/image.sh build
eval "$(bash scripts/image.sh env)"
export SOURCE_KEYCLOAK_IMAGE
trap 'bash scripts/image.sh stop' EXIT
echo "[test.sh] image step took $(( $(date +%s) - t ))s"

step "acceptance suite against a real Keycloak (and the image: test_image.py)"
bash integration_tests/run.sh
