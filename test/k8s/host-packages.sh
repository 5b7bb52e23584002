#!/usr/bin/env bash
# Debian packages the CI cluster needs (containerd 1.6, runc, CNI plugins, a registry,
# htpasswd, iptables, conntrack). apt-get does not start services here (policy-rc.d).
set -euo pipefail
need=()
for pkg in containerd runc containernetworking-plugins docker-registry apache2-utils iptables conntrack gcc libc6-dev openssl curl python3 iproute2 procps; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "[k8s-packages] installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || { echo "[k8s-packages] Go toolchain missing (expected at /usr/local/go)" >&2; exit 1; }
echo "[k8s-packages] ok"
