#!/usr/bin/env bash
# The whole test suite, on a fresh machine: formatting, lints, the Rust tests against the
# fake Keycloak, then the acceptance suite against a real Keycloak (downloaded through
# Maven) with PyAirbyte as a host. Needs: cargo (with rustfmt and clippy), Java, Maven,
# Python 3.11. Installs its Python packages into .venv-it itself.
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

step "acceptance suite against a real Keycloak"
bash integration_tests/run.sh
