#!/usr/bin/env bash
# Tear the CI cluster down and put the host back as up.sh found it: stop every process by
# pid (waiting for it to exit), kill leftover containers, unmount, delete the bridge, remove
# the KUBE-*/CNI-* iptables chains (v4 and v6; docker's chains untouched), restore sysctls,
# remove the kubepods cgroups and the paths kubelet/containerd hard-code. Safe to run twice,
# and on a half-started cluster.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
P=$K8S_HOME
t0=$(date +%s)
say() { echo "[k8s-down $(($(date +%s) - t0))s] $*"; }
[ -d "$P" ] || { say "nothing to do ($P absent)"; exit 0; }
export PATH=$P/bin:$PATH KUBECONFIG=$P/etc/admin.conf

stop() { # NAME: SIGTERM, wait up to 10 s for the pid to be gone, then SIGKILL
  local f=$P/pids/$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$f"
}

# Pods first while the API is up, so the CNI plugins remove their own rules and veths.
if [ -f "$P/pids/kube-apiserver" ] && [ -f "$P/pids/kubelet" ]; then
  timeout 60 kubectl delete namespace --all --wait=false >/dev/null 2>&1
  timeout 60 kubectl delete pods --all -A --grace-period=0 --force --wait=true --timeout=45s >/dev/null 2>&1
fi
stop kube-proxy
stop kubelet
CTR=(ctr --address "$P/containerd/containerd.sock" -n k8s.io)
if [ -f "$P/pids/containerd" ]; then
  # Anything the kubelet did not stop: sandboxes removed through CRI tear down their netns/CNI.
  for c in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "$c" >/dev/null 2>&1; done
  sleep 1
  for c in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks delete -f "$c" >/dev/null 2>&1; done
  for c in $("${CTR[@]}" containers ls -q 2>/dev/null); do "${CTR[@]}" containers delete "$c" >/dev/null 2>&1; done
fi
for n in kube-scheduler kube-controller-manager kube-apiserver etcd registry chart-repo containerd; do stop "$n"; done
# Shims outlive containerd: kill any still serving our containerd's address.
for pid in $(pgrep -f "containerd-shim.*-address $P/containerd/containerd.sock" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
say "processes stopped"

# Mounts under our dirs (kubelet's self-bind, token tmpfs, shm, overlay rootfs, netns), deepest first.
awk '{print $2}' /proc/self/mounts | grep -E "^($P|/var/lib/kubelet|/run/containerd/io\.containerd\.runtime\.v2\.task/k8s\.io)(/|$)" |
  sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
ip link del "$K8S_BRIDGE" 2>/dev/null
# Leftover veths of our pods would have died with their netns; remove any still attached.
for v in $(ip -o link show master "$K8S_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link del "$v"; done

# iptables: kube-proxy's own cleanup, then any KUBE-*/CNI-* chain and every jump to one.
[ -x "$P/bin/kube-proxy" ] && "$P/bin/kube-proxy" --cleanup >/dev/null 2>&1
for ipt in iptables ip6tables; do
  for t in filter nat mangle raw; do
    $ipt -t "$t" -S 2>/dev/null | grep -E '^-A ' | grep -E ' -j (KUBE-|CNI-)' | grep -vE '^-A (KUBE-|CNI-)' |
      sed 's/^-A/-D/' | while read -r rule; do eval "$ipt -t $t $rule"; done
    chains=$($ipt -t "$t" -S 2>/dev/null | awk '/^-N (KUBE-|CNI-)/{print $2}')
    for ch in $chains; do $ipt -t "$t" -F "$ch"; done
    for ch in $chains; do $ipt -t "$t" -X "$ch"; done
  done
done
say "network cleaned"

if [ -f "$P/host/tuned-sysctls" ]; then
  while read -r key value; do
    [ "$(cat "/proc/sys/$key" 2>/dev/null)" = "$value" ] || echo "$value" >"/proc/sys/$key"
  done <"$P/host/tuned-sysctls"
fi
# kubelet's cgroups (cgroupfs driver): kubepods and its children in every v1 hierarchy.
for root in /sys/fs/cgroup/*/; do
  [ -d "$root/kubepods" ] || continue
  find "$root/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null
done
# Paths kubelet 1.34 and containerd 1.6 hard-code even with their own root dirs. docker's
# containerd shares /run/containerd/{s,fifo}, so only our namespace's runc state goes.
rm -rf /var/lib/kubelet/device-plugins /var/lib/kubelet/plugins /var/lib/kubelet/plugins_registry /var/lib/kubelet/pod-resources
rmdir /var/lib/kubelet 2>/dev/null
rm -rf /run/containerd/runc/k8s.io /run/containerd/io.containerd.runtime.v2.task/k8s.io
if [ ! -e "$P/host/run-containerd-existed" ]; then
  find /run/containerd -depth -type d -empty -delete 2>/dev/null
fi
# Bulky state goes; logs stay for a failed run's artifacts.
rm -rf "$P/containerd/root" "$P/containerd/state" "$P/registry/data" "$P/kubelet" "$P/etcd" "$P/images"
say "host restored"
