#!/usr/bin/env bash
# Creates a kind cluster "slim-dask" and a local registry "slim-dask-registry" on
# 127.0.0.1:5001 that the cluster's nodes pull from as localhost:5001 (kind's documented
# local-registry setup: a containerd hosts.toml per node plus the local-registry-hosting
# ConfigMap). Idempotent: running it twice changes nothing.
set -euo pipefail

CLUSTER="${KIND_CLUSTER:-slim-dask}"
REGISTRY="${KIND_REGISTRY:-slim-dask-registry}"
PORT="${KIND_REGISTRY_PORT:-5001}"

for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "create-cluster: $tool is not installed" >&2; exit 1; }
done

# 1. The registry container (registry:2 from Docker Hub), bound to localhost only.
if [ "$(docker inspect -f '{{.State.Running}}' "$REGISTRY" 2>/dev/null || true)" != "true" ]; then
  docker rm -f "$REGISTRY" >/dev/null 2>&1 || true
  docker run -d --restart=always -p "127.0.0.1:${PORT}:5000" --network bridge --name "$REGISTRY" registry:2
fi

# 2. The cluster, with containerd reading per-registry config from /etc/containerd/certs.d.
if ! kind get clusters | grep -qx "$CLUSTER"; then
  cat <<KIND | kind create cluster --name "$CLUSTER" --config=-
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
containerdConfigPatches:
  - |-
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "/etc/containerd/certs.d"
KIND
fi

# 3. On every node: localhost:PORT means the registry container.
for node in $(kind get nodes --name "$CLUSTER"); do
  dir="/etc/containerd/certs.d/localhost:${PORT}"
  docker exec "$node" mkdir -p "$dir"
  printf '[host."http://%s:5000"]\n' "$REGISTRY" | docker exec -i "$node" cp /dev/stdin "$dir/hosts.toml"
done

# 4. The registry joins the cluster's network so nodes reach it by name.
if [ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "$REGISTRY")" = "null" ]; then
  docker network connect kind "$REGISTRY"
fi

# 5. Advertise the registry (KEP-1755) so tools can discover it.
kubectl --context "kind-${CLUSTER}" apply -f - <<CM
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:${PORT}"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
CM

echo "cluster kind-${CLUSTER} ready; registry localhost:${PORT}"
