#!/usr/bin/env bash
# Build the Airbyte image from the Dockerfile, for real, on a machine without a Docker engine
# and without a reachable container registry (this project's machines and CI).
#
#   scripts/image.sh [build]   setup + stand-ins + `podman build` (the default)
#   scripts/image.sh setup     install and configure podman, start its Docker-API socket
#   scripts/image.sh bases     make (or load from the cache) the two base-image stand-ins
#   scripts/image.sh env       print the exports that point `docker` and `podman` at it
#   scripts/image.sh stop      stop the Docker-API service this script started
#
# What is real and what stands in:
#   real:  the Dockerfile (unmodified), `podman build --pull=never -t airbyte/source-keycloak:V .`
#          run on it as users run `docker build` (plus --ulimit flags this sandbox needs; they
#          set nothing in the image), the crates from crates.io, the `docker` CLI that the
#          tests drive (talking to podman's Docker-API socket instead of dockerd).
#   stand-in: the two FROM images, which cannot be pulled here. `debian:bookworm-slim` is a
#          debootstrap of bookworm (minbase, slimmed like the official image); `rust:X.Y-slim-
#          bookworm` is that image plus gcc and libc6-dev (as the official one) and this
#          machine's own Rust toolchain of the same X.Y. Both carry the exact tags the
#          Dockerfile names, live in podman's storage and are cached as tarballs in
#          $IMAGE_CACHE_DIR (default ~/.cache/source-keycloak-image), never in git.
#
# Env: IMAGE_CACHE_DIR, IMAGE_TAG (default airbyte/source-keycloak:<Cargo.toml version>),
#      DEBIAN_MIRROR (default: the machine's apt mirror, else http://deb.debian.org/debian).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${IMAGE_CACHE_DIR:-$HOME/.cache/source-keycloak-image}"
VERSION="$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$REPO/Cargo.toml" | head -n1)"
IMAGE="${IMAGE_TAG:-airbyte/source-keycloak:$VERSION}"
SOCK="$CACHE/podman.sock"
export CONTAINERS_CONF="$CACHE/containers.conf"
export DOCKER_HOST="unix://$SOCK"
# the FROM lines of the Dockerfile name the stand-ins' tags
RUST_TAG="$(awk 'toupper($1)=="FROM" && $2 ~ /^rust:/ {print $2; exit}' "$REPO/Dockerfile")"
DEBIAN_TAG="$(awk 'toupper($1)=="FROM" && $2 ~ /^debian:/ {print $2; exit}' "$REPO/Dockerfile")"
# bump when the stand-in recipes below change: cached stand-ins with another recipe are rebuilt
RECIPE=3

log() { printf '[image.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
secs() { echo $(( $(date +%s) - $1 )); }

# ---- podman ---------------------------------------------------------------------------
install_podman() {
  local need=()
  command -v podman >/dev/null || need+=(podman)
  command -v runc >/dev/null || need+=(runc)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  # the docker CLI: this kind of machine ships one in /usr/local/bin; else Debian's podman-docker
  # shim (podman under the name docker: same arguments, no socket needed)
  command -v docker >/dev/null || need+=(podman-docker)
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "podman is missing and installing it needs root: apt-get install ${need[*]}"
  local t; t=$(date +%s)
  log "installing ${need[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${need[@]}" >"$CACHE/apt.log" 2>&1; then
    apt-get update -q >>"$CACHE/apt.log" 2>&1
    apt-get install -y -q --no-install-recommends "${need[@]}" >>"$CACHE/apt.log" 2>&1 \
      || { tail -n 30 "$CACHE/apt.log" >&2; die "apt-get install ${need[*]} failed"; }
  fi
  log "installed ${need[*]} in $(secs "$t")s"
}

# This machine's sandbox: crun refuses its cgroup setup (runc works), containers cannot raise
# nofile/nproc themselves, so they get the current hard limits explicitly, and every
# container shares the host's network: the real Keycloak of the tests listens on the host's
# loopback only, and no address but loopback may be used here.
# nofile: this shell's hard limit. nproc: at most 32768; runc's init is refused anything
# higher here (seen: 32768 passes, 65536 and the shell's own 96363 fail with EPERM).
limits() {
  local nofile nproc
  nofile="$(ulimit -Hn)"; nproc="$(ulimit -Hu)"
  [ "$nofile" = unlimited ] && nofile=1048576
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  echo "$nofile $nproc"
}

write_containers_conf() {
  local nofile nproc
  read -r nofile nproc <<<"$(limits)"
  cat > "$CONTAINERS_CONF.tmp" <<EOF
# written by scripts/image.sh (CONTAINERS_CONF points here); see the comments there
[containers]
netns = "host"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  if cmp -s "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"; then
    rm -f "$CONTAINERS_CONF.tmp"
  else
    mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
    cmd_stop  # a running service still has the old settings
  fi
}

# podman 4.3's build ignores default_ulimits and asks for more than the sandbox allows:
# its RUN steps get the same limits as flags (they set no image content)
build_ulimits() {
  local nofile nproc
  read -r nofile nproc <<<"$(limits)"
  echo "--ulimit nofile=$nofile:$nofile --ulimit nproc=$nproc:$nproc"
}

service_up() { [ -S "$SOCK" ] && docker version >/dev/null 2>&1; }

start_service() {
  service_up && return 0
  rm -f "$SOCK"
  log "starting podman's Docker-API service on $SOCK"
  # own session and no inherited stdio: it outlives this script, until `image.sh stop`
  setsid podman system service --time=0 "unix://$SOCK" \
    >"$CACHE/podman-service.log" 2>&1 < /dev/null &
  echo $! > "$CACHE/podman-service.pid"
  for _ in $(seq 1 60); do service_up && return 0; sleep 0.5; done
  tail -n 30 "$CACHE/podman-service.log" >&2
  die "podman system service did not answer on $SOCK"
}

cmd_stop() {
  local pid
  pid="$(cat "$CACHE/podman-service.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; log "stopped podman service (pid $pid)"
  fi
  rm -f "$CACHE/podman-service.pid" "$SOCK"
}

cmd_setup() {
  mkdir -p "$CACHE"
  install_podman
  write_containers_conf
  podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' >/dev/null \
    || die "podman info failed (CONTAINERS_CONF=$CONTAINERS_CONF)"
  start_service
}

# ---- stand-ins ------------------------------------------------------------------------
standin_current() {  # standin_current TAG -> 0 when podman has TAG made by this recipe
  [ "$(podman image inspect --format '{{index .Labels "io.source-keycloak.stand-in"}}' "$1" \
        2>/dev/null)" = "recipe-$RECIPE" ]
}

tarball() { echo "$CACHE/standin-$(echo "$1" | tr ':/' '__')-recipe$RECIPE.tar"; }

load_or_make() {  # load_or_make TAG MAKER
  local tag="$1" maker="$2" tar t
  tar="$(tarball "$tag")"
  if standin_current "$tag"; then
    log "stand-in $tag: cached in podman's storage"
    return 0
  fi
  if [ -s "$tar" ]; then
    t=$(date +%s)
    podman load -q -i "$tar" >/dev/null
    if standin_current "$tag"; then log "stand-in $tag: loaded from $tar in $(secs "$t")s"; return 0; fi
  fi
  t=$(date +%s)
  "$maker"
  standin_current "$tag" || die "making stand-in $tag failed"
  rm -f "$CACHE"/standin-"$(echo "$tag" | tr ':/' '__')"-recipe*.tar
  podman save -q -o "$tar" "$tag"
  log "stand-in $tag: made in $(secs "$t")s, saved to $tar"
}

apt_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local m
  m="$(grep -hsE '^URIs: ' /etc/apt/sources.list.d/*.sources | awk '$2 !~ /security/ {print $2; exit}')"
  [ -n "$m" ] || m="$(awk '$1=="deb" && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)"
  echo "${m:-http://deb.debian.org/debian}"
}

make_debian() {
  local root="$CACHE/rootfs.$$" mirror
  mirror="$(apt_mirror)"
  log "making $DEBIAN_TAG stand-in: debootstrap --variant=minbase bookworm from $mirror"
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 30 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
  # like the official image: the three bookworm suites in deb822 form
  rm -f "$root/etc/apt/sources.list"
  cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # this machine's mirror is a dated snapshot: its Release files are past Valid-Until
  # (the host's own apt is configured the same way; the official image needs no such line)
  if [ -f /etc/apt/apt.conf.d/99artifact-registry ]; then
    cp /etc/apt/apt.conf.d/99artifact-registry "$root/etc/apt/apt.conf.d/99stand-in-mirror"
  fi
  # slimmed as the official -slim images are (debuerreotype --slimify)
  cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
  cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/{groff,info,linda,lintian,locale,man}/* \
         "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/*.log \
         "$root"/var/cache/debconf/*-old "$root"/tmp/*
  tar -C "$root" --numeric-owner -cf - . | podman import -q \
    --change 'CMD ["bash"]' \
    --change "LABEL io.source-keycloak.stand-in=recipe-$RECIPE" \
    --change "LABEL io.source-keycloak.stand-in-for=$DEBIAN_TAG (debootstrap minbase bookworm)" \
    - "$DEBIAN_TAG" >/dev/null
  rm -rf "$root"
}

rust_toolchain_dir() {  # the machine's toolchain of the Dockerfile's rust X.Y
  local want="${RUST_TAG#rust:}"; want="${want%%-*}"
  local d v
  for d in "$HOME"/.rustup/toolchains/*/; do
    [ -x "$d/bin/rustc" ] || continue
    v="$("$d/bin/rustc" --version | awk '{print $2}')"
    case "$v" in "$want"|"$want".*) readlink -f "$d"; return 0 ;; esac
  done
  return 1
}

make_rust() {
  local tc ctx v
  tc="$(rust_toolchain_dir)" || die "no Rust $RUST_TAG toolchain on this machine (~/.rustup/toolchains)"
  v="$("$tc/bin/rustc" --version | awk '{print $2}')"
  log "making $RUST_TAG stand-in: $DEBIAN_TAG + gcc, libc6-dev + this machine's Rust $v ($tc)"
  ctx="$CACHE/rust-ctx.$$"
  rm -rf "$ctx"; mkdir -p "$ctx/toolchain"
  # the compiler and the x86_64 std only (no docs, no sources): what `cargo build` uses
  cp -a "$tc/bin" "$tc/lib" "$tc/libexec" "$ctx/toolchain/" 2>/dev/null || cp -a "$tc/bin" "$tc/lib" "$ctx/toolchain/"
  rm -rf "$ctx/toolchain/lib/rustlib/src" "$ctx/toolchain/lib/rustlib/rustc-src"
  # crates.io is reached through this sandbox's TLS-intercepting proxy: cargo in the builder
  # stage needs the machine's CA bundle. It lives off /etc/ssl/certs (so the runtime stage's
  # own ca-certificates install is untouched) and only in this stand-in, never in the image.
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca.crt"
  cat > "$ctx/Containerfile" <<EOF
FROM $DEBIAN_TAG
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RUST_VERSION=$v \
    CARGO_HTTP_CAINFO=/usr/local/share/stand-in/host-ca.crt
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY toolchain /usr/local/rustup/toolchains/$v-x86_64-unknown-linux-gnu
COPY host-ca.crt /usr/local/share/stand-in/host-ca.crt
RUN mkdir -p /usr/local/cargo/bin \
 && for b in cargo rustc rustdoc; do ln -s /usr/local/rustup/toolchains/$v-x86_64-unknown-linux-gnu/bin/\$b /usr/local/cargo/bin/\$b; done \
 && cargo --version && rustc --version
LABEL io.source-keycloak.stand-in=recipe-$RECIPE \
      io.source-keycloak.stand-in-for="$RUST_TAG ($DEBIAN_TAG stand-in + gcc, libc6-dev + host Rust $v)"
EOF
  # shellcheck disable=SC2046
  podman build -q --pull=never $(build_ulimits) -t "$RUST_TAG" -f "$ctx/Containerfile" "$ctx" >"$CACHE/rust-standin.log" 2>&1 \
    || { tail -n 30 "$CACHE/rust-standin.log" >&2; rm -rf "$ctx"; die "building the $RUST_TAG stand-in failed"; }
  rm -rf "$ctx"
}

cmd_bases() {
  [ -n "$RUST_TAG" ] && [ -n "$DEBIAN_TAG" ] || die "cannot read the FROM lines of the Dockerfile"
  local t; t=$(date +%s)
  load_or_make "$DEBIAN_TAG" make_debian
  load_or_make "$RUST_TAG" make_rust
  log "stand-ins ready in $(secs "$t")s"
}

# ---- the image ------------------------------------------------------------------------
cmd_build() {
  cmd_setup
  cmd_bases
  local t; t=$(date +%s)
  log "building $IMAGE: podman build --pull=never $(build_ulimits) -t $IMAGE . (log: $CACHE/build.log)"
  # shellcheck disable=SC2046
  (cd "$REPO" && podman build --pull=never $(build_ulimits) -t "$IMAGE" .) >"$CACHE/build.log" 2>&1 \
    || { tail -n 40 "$CACHE/build.log" >&2; die "podman build failed"; }
  local build_s; build_s=$(secs "$t")
  local size base
  size="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
  base="$(podman image inspect --format '{{.Size}}' "$DEBIAN_TAG")"
  cat >&2 <<EOF
[image.sh] built $IMAGE in ${build_s}s
  real:     the Dockerfile as committed, podman build --pull=never (layer cache on), the crates
            from crates.io, the docker CLI ($(command -v docker)) on podman's Docker API
  stand-in: $DEBIAN_TAG  <- $(podman image inspect --format '{{index .Labels "io.source-keycloak.stand-in-for"}}' "$DEBIAN_TAG")
            $RUST_TAG  <- $(podman image inspect --format '{{index .Labels "io.source-keycloak.stand-in-for"}}' "$RUST_TAG")
  size:     $IMAGE $(( size / 1000 )) kB, of which the base $DEBIAN_TAG $(( base / 1000 )) kB;
            the project adds $(( (size - base) / 1000 )) kB
  use it:   eval "\$(scripts/image.sh env)"; docker run --rm $IMAGE spec
EOF
  echo "IMAGE_BUILD_SECONDS=$build_s" > "$CACHE/last-build.env"
}

cmd_env() {
  echo "export CONTAINERS_CONF='$CONTAINERS_CONF'"
  echo "export DOCKER_HOST='$DOCKER_HOST'"
  echo "export SOURCE_KEYCLOAK_IMAGE='$IMAGE'"
}

case "${1:-build}" in
  build) cmd_build ;;
  setup) cmd_setup ;;
  bases) cmd_setup; cmd_bases ;;
  env) cmd_env ;;
  stop) cmd_stop ;;
  *) echo "usage: $0 [build|setup|bases|env|stop]" >&2; exit 2 ;;
esac
