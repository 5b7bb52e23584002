# shellcheck shell=bash disable=SC2034
# Versions and paths shared by the k8s scripts (sourced, not run).
# cgroup v1 on the CI kernel: Kubernetes 1.35+ refuses it, so stay on 1.34.x.
K8S_VERSION=v1.34.4
HELM_VERSION=v3.19.0
COREDNS_VERSION=v1.14.7
# crictl, the CRI client: the cold-node test removes a pod's containers and images through the
# CRI at once (the kubelet's own container GC runs once a minute). Same minor as Kubernetes.
CRICTL_VERSION=v1.34.0
# Build cache outside the repo, kept between CI runs on the same machine.
K8S_CACHE=${SLIM_DASK_K8S_CACHE:-/var/cache/slim-dask-k8s}
# Cluster state (etcd, kubelet, containerd, registry, PKI): fresh for each bring-up.
K8S_HOME=${SLIM_DASK_K8S_HOME:-/var/tmp/slim-dask-k8s}
K8S_BIN=$K8S_CACHE/bin
# Node IP = gateway of the cluster's own bridge: apiserver, kubelet and the registry listen only there.
K8S_BRIDGE=sdk8s0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/24
DNS_IP=10.96.0.10
NODE_NAME=slim-dask-node
REGISTRY_PORT=5056
REGISTRY=$NODE_IP:$REGISTRY_PORT
export PATH=$PATH:/usr/local/go/bin
# The dask chart as published at https://helm.dask.org: the CI cluster serves exactly this
# archive (the digest is the one in that repository's index.yaml) from its own chart repository.
DASK_CHART_VERSION=2024.1.1
DASK_CHART_SHA256=33b5ef503c6cc08a8c6f641d605ff4b993ff25f7b1aa113200f7f73cdc28581e
CHART_REPO_PORT=5057
CHART_REPO=https://$NODE_IP:$CHART_REPO_PORT
