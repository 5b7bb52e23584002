#!/usr/bin/env bash
# One command for people working on the project (as root):
#   bash test/k8s/dev.sh up      build (cached) + start the cluster; prints how to use it
#   bash test/k8s/dev.sh down    stop it and restore the host, then check nothing is left
#   bash test/k8s/dev.sh test    npm run test:k8s against the running cluster
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
case "${1:-up}" in
  up)
    bash "$here/host-packages.sh"
    bash "$here/build.sh"
    bash "$here/up.sh"
    echo "use it: source $K8S_HOME/env; kubectl get pods -A   (stop: bash test/k8s/dev.sh down)"
    ;;
  down)
    bash "$here/down.sh"
    bash "$here/check-clean.sh"
    ;;
  test)
    cd "$here/../.." && npm run test:k8s
    ;;
  *)
    echo "usage: $0 up|down|test" >&2
    exit 2
    ;;
esac
