#!/usr/bin/env bash
# Installs the Debian packages a group of CI steps needs, in ONE apt-get run, as root.
#   bash .ci/packages.sh docker k8s    (.ci/run does this once, before anything runs in the
#                                       background, so no two steps ever race for the apt lock)
# Each group is the whole list for its steps; provision.sh and test/k8s/host-packages.sh call
# this with their own group, and find everything installed when .ci/run went first.
# Idempotent: installs only what dpkg does not list as installed.
set -euo pipefail

group_packages() {
  case "$1" in
    # The Docker engine, base-image builds, registry, linters, the wheelhouse download.
    docker) echo docker.io debootstrap shellcheck busybox docker-registry apache2-utils python3 \
      python3-venv curl ca-certificates ;;
    # The CI cluster: containerd, runc, CNI plugins, registry, htpasswd, netfilter tools, gcc for
    # the pause binary, openssl for its PKI.
    k8s) echo containerd runc containernetworking-plugins docker-registry apache2-utils iptables \
      conntrack gcc libc6-dev openssl curl python3 iproute2 procps ;;
    *)
      echo "[packages] unknown group '$1' (known: docker k8s)" >&2
      exit 2
      ;;
  esac
}

[ "$#" -gt 0 ] || { echo "usage: $0 GROUP..." >&2; exit 2; }
wanted=()
for group in "$@"; do
  read -r -a list <<<"$(group_packages "$group")"
  wanted+=("${list[@]}")
done
missing=()
for pkg in $(printf '%s\n' "${wanted[@]}" | sort -u); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "[packages] already installed ($*)"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "[packages] run as root to install: ${missing[*]}" >&2; exit 1; }
echo "[packages] apt-get install ${missing[*]}"
# A lock held by someone else (unattended-upgrades, a person) is waited for, not a failure.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"; }
apt_get update -qq
apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[packages] installed ${#missing[@]} packages"
