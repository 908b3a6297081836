# syntax=docker/dockerfile:1
# Airbyte image of source-keycloak (also carries the Singer tap, tap-keycloak).
#   docker build -t airbyte/source-keycloak:0.1.0 .
# The version label below, metadata.yaml's dockerImageTag and Cargo.toml's version must
# agree: integration_tests/test_packaging.py checks it, and hadolint runs in CI.

# ---- build -------------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /build
# Only what the build reads: the workspace manifests (fake-keycloak is a workspace member,
# so cargo needs its manifest and sources to load the workspace), the lock file, the
# sources and the files they embed (spec.json, schemas/).
COPY Cargo.toml Cargo.lock ./
COPY fake-keycloak ./fake-keycloak
COPY spec.json ./
COPY schemas ./schemas
COPY src ./src
# Declared in Cargo.toml ([[bench]]): cargo refuses the manifest without it.
COPY benches ./benches
# The same command CI runs (integration_tests/run.sh), so CI tests what the image ships.
RUN cargo build --release --locked --bin source-keycloak --bin tap-keycloak

# ---- runtime -----------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# The system trust store, for TLS to servers with a private CA (the connector also has the
# Mozilla roots built in): Debian's CA bundle, copied from the builder stage, whose image has
# the ca-certificates package installed. Installing that package here instead ran apt-get in
# this stage and added 9.6 MB (openssl and libssl3 come with it, and TLS here is rustls, which
# only reads the bundle file): the binaries and this file are all the runtime stage adds.
# The bundle follows the pinned Rust image's rebuilds (Debian security updates included).
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN groupadd --gid 1000 airbyte \
 && useradd --uid 1000 --gid 1000 --no-log-init --create-home --home-dir /airbyte \
      --shell /usr/sbin/nologin airbyte
COPY --from=builder /build/target/release/source-keycloak /build/target/release/tap-keycloak /usr/local/bin/
# numeric, so a host can tell it is not root without reading /etc/passwd (DL3066)
USER 1000:1000
WORKDIR /airbyte
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/source-keycloak"
ENTRYPOINT ["/usr/local/bin/source-keycloak"]
LABEL io.airbyte.name="airbyte/source-keycloak" \
      io.airbyte.version="0.1.0" \
      org.opencontainers.image.title="source-keycloak" \
      org.opencontainers.image.description="Airbyte source connector (and Singer tap) for Keycloak" \
      org.opencontainers.image.licenses="MIT"
