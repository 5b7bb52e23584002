#!/usr/bin/env bash
# Bring up the single-node CI cluster from the binaries build.sh left in the cache:
# fresh PKI and state, own containerd next to docker's, an htpasswd registry on the cluster
# bridge, etcd + control plane, kubelet + kube-proxy, CoreDNS. Prints each step's time.
# Writes $K8S_HOME/env (KUBECONFIG, PATH, registry) for the tests. Undo with down.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=host-state.sh
. "$here/host-state.sh"
t0=$(date +%s)
say() { echo "[k8s-up $(($(date +%s) - t0))s] $*"; }
die() { echo "[k8s-up] FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it starts containerd and the kubelet)"
[ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] || echo "[k8s-up] note: not cgroup v1; Kubernetes 1.34 runs on v2 too"

k8s=$K8S_BIN/k8s-all-$K8S_VERSION
for f in "$k8s" "$K8S_BIN/helm-$HELM_VERSION" "$K8S_BIN/coredns-$COREDNS_VERSION" "$K8S_BIN/pause-$K8S_VERSION" "$K8S_BIN/crictl-$CRICTL_VERSION"; do
  [ -x "$f" ] || die "$f is missing: run test/k8s/build.sh first"
done
for tool in containerd ctr runc docker-registry htpasswd iptables conntrack /usr/lib/cni/bridge /usr/lib/cni/firewall; do
  command -v "$tool" >/dev/null || [ -x "$tool" ] || die "$tool is missing: run test/k8s/host-packages.sh"
done
[ ! -e "$K8S_HOME/pids" ] || [ -z "$(ls -A "$K8S_HOME/pids")" ] || die "a cluster is already up in $K8S_HOME: run test/k8s/down.sh"

P=$K8S_HOME
rm -rf "$P" && mkdir -p "$P"/{bin,pids,logs,etc,host,containerd/certs.d,cni/net.d,registry/data,images,kubelet,pod-logs}
chmod 700 "$P"
# Record the host before touching it: down.sh restores, check-clean.sh compares.
for s in "${TUNED_SYSCTLS[@]}"; do
  if [ -e "/proc/sys/$s" ]; then echo "$s $(cat "/proc/sys/$s")"; fi
done >"$P/host/tuned-sysctls"
sysctl_snapshot >"$P/host/sysctl-before"
iptables_snapshot >"$P/host/iptables-before"
# containerd 1.6 puts shim sockets and runc state under /run/containerd whatever its config says.
if [ -e /run/containerd ]; then touch "$P/host/run-containerd-existed"; fi
for c in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do ln -s "$k8s" "$P/bin/$c"; done
ln -s "$K8S_BIN/helm-$HELM_VERSION" "$P/bin/helm"
ln -s "$K8S_BIN/crictl-$CRICTL_VERSION" "$P/bin/crictl"
export PATH=$P/bin:$PATH

# The cluster's own bridge; its gateway address is the node IP, so the apiserver, the kubelet
# and the registry bind to it and never to eth0 or 0.0.0.0.
ip link add "$K8S_BRIDGE" type bridge
ip addr add "$NODE_IP/24" dev "$K8S_BRIDGE"
ip link set "$K8S_BRIDGE" up
bash "$here/pki.sh" "$P" >/dev/null
say "pki"

# --- containerd: own root, state, sockets, CNI config; no credentials for any registry.
cat >"$P/containerd/config.toml" <<TOML
version = 2
root = "$P/containerd/root"
state = "$P/containerd/state"
# No CAP_SYS_RESOURCE here: a negative OOM score cannot be set.
oom_score = 0
[grpc]
  address = "$P/containerd/containerd.sock"
[ttrpc]
  address = "$P/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$P/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:$K8S_VERSION"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$P/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$P/containerd/certs.d"
TOML
mkdir -p "$P/containerd/certs.d/$REGISTRY"
cat >"$P/containerd/certs.d/$REGISTRY/hosts.toml" <<TOML
server = "http://$REGISTRY"
[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve", "push"]
TOML
# Pods: an address on the bridge and a route to the service range only. No default route and
# no masquerade, so nothing in a pod can reach beyond this machine. The firewall plugin
# accepts the pods' traffic in FORWARD, where docker's policy is DROP.
cat >"$P/cni/net.d/10-slim-dask.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "slim-dask",
  "plugins": [
    {
      "type": "bridge", "bridge": "$K8S_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$P/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "$SERVICE_CIDR" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall", "backend": "iptables" }
  ]
}
JSON

run() { # NAME CMD...: start in the background, own session, pid file, log
  local n=$1
  shift
  setsid nohup "$@" >"$P/logs/$n.log" 2>&1 </dev/null &
  echo $! >"$P/pids/$n"
}
wait_for() { # WHAT SECONDS CMD...: poll until CMD succeeds
  local what=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 4; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  die "$what not ready after ${secs}s; logs in $P/logs"
}
run containerd containerd --config "$P/containerd/config.toml"
CTR=(ctr --address "$P/containerd/containerd.sock" -n k8s.io)
wait_for containerd 60 "${CTR[@]}" version
# pause and CoreDNS are single static binaries: one-layer images imported straight into the
# node (pulled never), so the registry serves only the images under test.
mkdir -p "$P/images/pause" "$P/images/coredns"
cp "$K8S_BIN/pause-$K8S_VERSION" "$P/images/pause/pause"
cp "$K8S_BIN/coredns-$COREDNS_VERSION" "$P/images/coredns/coredns"
python3 "$here/mkimage.py" "localhost/pause:$K8S_VERSION" "$P/images/pause" "$P/images/pause.tar" /pause
python3 "$here/mkimage.py" "localhost/coredns:$COREDNS_VERSION" "$P/images/coredns" "$P/images/coredns.tar" /coredns
"${CTR[@]}" images import "$P/images/pause.tar" >/dev/null
"${CTR[@]}" images import "$P/images/coredns.tar" >/dev/null
say "containerd+images"

# --- registry with htpasswd on the bridge IP; the password is generated per bring-up.
umask 077
head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$P/registry/password"
echo slim-dask-ci >"$P/registry/username"
htpasswd -Bbn slim-dask-ci "$(cat "$P/registry/password")" >"$P/registry/htpasswd"
umask 022
cat >"$P/registry/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $P/registry/data
  delete:
    enabled: true
auth:
  htpasswd:
    realm: slim-dask-ci
    path: $P/registry/htpasswd
http:
  addr: $REGISTRY
  secret: $(head -c 18 /dev/urandom | base64 | tr -d '/+=')
YAML
chmod 600 "$P/registry/config.yml"
run registry docker-registry serve "$P/registry/config.yml"
# 401 without a login is the ready answer.
registry_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY/v2/")" = 401 ]; }
wait_for registry 30 registry_up
say "registry"

# --- the published dask chart (digest checked) as a helm repository: https with the test CA,
# behind a login generated per bring-up, as a private chart mirror would be.
mkdir -p "$P/chart-repo/charts"
bash "$here/chart-repo/fetch-chart.sh" "$P/chart-repo/charts"
"$P/bin/helm" repo index "$P/chart-repo/charts" --url "$CHART_REPO"
grep -q "digest: $DASK_CHART_SHA256" "$P/chart-repo/charts/index.yaml" ||
  die "the chart repository's index.yaml does not give the published digest $DASK_CHART_SHA256"
umask 077
echo slim-dask-charts >"$P/chart-repo/username"
head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$P/chart-repo/password"
umask 022
run chart-repo python3 "$here/chart-repo/serve.py" "$NODE_IP" "$CHART_REPO_PORT" "$P/chart-repo/charts" \
  "$P/pki/chart-repo.crt" "$P/pki/chart-repo.key" "$P/chart-repo/username" "$P/chart-repo/password"
# 401 without a login is the ready answer.
charts_up() { [ "$(curl -s --cacert "$P/pki/ca.crt" -o /dev/null -w '%{http_code}' "$CHART_REPO/index.yaml")" = 401 ]; }
wait_for chart-repo 30 charts_up
say "chart repository"

# --- etcd and the control plane.
K=$P/pki
run etcd etcd --name slim-dask --data-dir "$P/etcd" \
  --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790 \
  --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
  --initial-cluster slim-dask=http://127.0.0.1:23800 --listen-metrics-urls= --log-level warn
wait_for etcd 60 curl -sf http://127.0.0.1:23790/health
run kube-apiserver kube-apiserver --etcd-servers=http://127.0.0.1:23790 \
  --advertise-address="$NODE_IP" --bind-address="$NODE_IP" --secure-port=6443 \
  --service-cluster-ip-range="$SERVICE_CIDR" --service-node-port-range=30000-30100 \
  --client-ca-file="$K/ca.crt" --tls-cert-file="$K/apiserver.crt" --tls-private-key-file="$K/apiserver.key" \
  --kubelet-client-certificate="$K/apiserver-kubelet-client.crt" --kubelet-client-key="$K/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP \
  --service-account-key-file="$K/sa.pub" --service-account-signing-key-file="$K/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --profiling=false
wait_for kube-apiserver 120 curl -sf --cacert "$K/ca.crt" "https://$NODE_IP:6443/readyz"
run kube-controller-manager kube-controller-manager --kubeconfig="$P/etc/controller-manager.conf" \
  --authentication-kubeconfig="$P/etc/controller-manager.conf" --authorization-kubeconfig="$P/etc/controller-manager.conf" \
  --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false --profiling=false \
  --cluster-signing-cert-file="$K/ca.crt" --cluster-signing-key-file="$K/ca.key" --root-ca-file="$K/ca.crt" \
  --service-account-private-key-file="$K/sa.key" --use-service-account-credentials=true \
  --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$SERVICE_CIDR" --cert-dir="$P/kcm-certs"
run kube-scheduler kube-scheduler --kubeconfig="$P/etc/scheduler.conf" \
  --authentication-kubeconfig="$P/etc/scheduler.conf" --authorization-kubeconfig="$P/etc/scheduler.conf" \
  --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --profiling=false
say "control-plane"

# --- node: kubelet (cgroupfs: PID 1 is not systemd) and kube-proxy.
printf 'nameserver 127.0.0.1\noptions ndots:1\n' >"$P/etc/resolv.conf"
cat >"$P/etc/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
# The CI kernel has cgroup v1 only; 1.34 still runs there when told to.
failCgroupV1: false
containerRuntimeEndpoint: unix://$P/containerd/containerd.sock
address: $NODE_IP
port: 10250
tlsCertFile: $K/kubelet-server.crt
tlsPrivateKeyFile: $K/kubelet-server.key
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
podLogsDir: $P/pod-logs
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $K/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
clusterDNS: ["$DNS_IP"]
failSwapOn: false
oomScoreAdj: 0
resolvConf: $P/etc/resolv.conf
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
makeIPTablesUtilChains: false
YAML
run kubelet kubelet --config="$P/etc/kubelet.yaml" --kubeconfig="$P/etc/kubelet.conf" \
  --root-dir="$P/kubelet" --cert-dir="$P/kubelet/pki" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
# Conntrack flags at 0 so kube-proxy leaves the host's conntrack sysctls alone.
run kube-proxy kube-proxy --kubeconfig="$P/etc/kube-proxy.conf" --hostname-override="$NODE_NAME" \
  --cluster-cidr="$POD_CIDR" --proxy-mode=iptables --oom-score-adj=0 --conntrack-max-per-core=0 \
  --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0 \
  --metrics-bind-address=127.0.0.1:10249 --healthz-bind-address=127.0.0.1:10256 --bind-address=127.0.0.1 \
  --nodeport-addresses="$NODE_IP/32"
export KUBECONFIG=$P/etc/admin.conf
node_ready() { kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
wait_for "node $NODE_NAME" 180 node_ready
say "node-ready"

sed -e "s|@COREDNS_IMAGE@|localhost/coredns:$COREDNS_VERSION|" -e "s|@DNS_IP@|$DNS_IP|" "$here/manifests/coredns.yaml" | kubectl apply -f - >/dev/null
kubectl -n kube-system rollout status deploy/coredns --timeout=180s >/dev/null || die "CoreDNS not ready"
say "coredns-ready"

cat >"$P/env" <<ENV
export KUBECONFIG=$P/etc/admin.conf
export PATH=$P/bin:\$PATH
export HELM_CACHE_HOME=$P/helm/cache HELM_CONFIG_HOME=$P/helm/config HELM_DATA_HOME=$P/helm/data
export SLIM_DASK_K8S_HOME=$P
export SLIM_DASK_K8S_REGISTRY=$REGISTRY
export SLIM_DASK_K8S_CHART_REPO=$CHART_REPO
ENV
say "cluster up: source $P/env"
