#!/usr/bin/env bash
# Deletes what create-cluster.sh made: the kind cluster and the registry container with the
# images pushed to it. Run `pulumi destroy` first if you want the stack's state to match.
set -euo pipefail

CLUSTER="${KIND_CLUSTER:-slim-dask}"
REGISTRY="${KIND_REGISTRY:-slim-dask-registry}"

if kind get clusters | grep -qx "$CLUSTER"; then
  kind delete cluster --name "$CLUSTER"
fi
# The registry's storage is an anonymous volume: -v removes it with the container.
docker rm -f -v "$REGISTRY" >/dev/null 2>&1 || true
echo "deleted kind cluster ${CLUSTER} and registry ${REGISTRY}"
