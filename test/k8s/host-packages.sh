#!/usr/bin/env bash
# Debian packages the CI cluster needs (the `k8s` group of .ci/packages.sh), and the Go
# toolchain check. apt-get does not start services here (policy-rc.d).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../.ci/packages.sh" k8s
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || { echo "[k8s-packages] Go toolchain missing (expected at /usr/local/go)" >&2; exit 1; }
echo "[k8s-packages] ok"
