#!/usr/bin/env bash
# After down.sh: prove nothing of the cluster is left on the host. Compares with what up.sh
# recorded before it touched anything, and exits non-zero naming each leftover.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=host-state.sh
. "$here/host-state.sh"
P=$K8S_HOME
bad=0
leftover() { echo "[k8s-check] LEFTOVER: $*"; bad=1; }

# Processes: anything running one of our binaries or serving our containerd.
for pid in $(pgrep -f "$P/|$K8S_BIN/|containerd --config $P|docker-registry serve $P" 2>/dev/null); do
  [ "$pid" = $$ ] && continue
  leftover "process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
done
# Mounts.
grep -E " ($P|/var/lib/kubelet|/run/containerd/io\.containerd\.runtime\.v2\.task/k8s\.io)[/ ]" /proc/self/mounts |
  while read -r line; do echo "[k8s-check] LEFTOVER: mount $line"; done | grep . && bad=1
# Network: our bridge, its veths, netns, listeners on our addresses.
ip link show "$K8S_BRIDGE" >/dev/null 2>&1 && leftover "bridge $K8S_BRIDGE"
ip -o addr show | grep -q " ${NODE_IP}/" && leftover "address $NODE_IP"
ip netns list 2>/dev/null | grep -q '^cni-' && leftover "netns: $(ip netns list | grep '^cni-' | tr '\n' ' ')"
ss -ltnupH 2>/dev/null | grep -E "($NODE_IP|127\.0\.0\.1):(6443|10250|10248|10249|10256|10257|10259|23790|23800|$REGISTRY_PORT|$CHART_REPO_PORT) " &&
  leftover "listeners above"
# iptables: no KUBE-/CNI- chain or jump anywhere; built-in policies and chain set as before.
for ipt in iptables ip6tables; do
  for t in filter nat mangle raw; do
    n=$($ipt -t "$t" -S 2>/dev/null | grep -cE '(KUBE-|CNI-)')
    [ "$n" = 0 ] || leftover "$ipt -t $t: $n KUBE-/CNI- lines"
  done
done
if [ -f "$P/host/iptables-before" ]; then
  diff <(cat "$P/host/iptables-before") <(iptables_snapshot) >/tmp/slim-dask-k8s-ipt.diff ||
    leftover "iptables chains/policies differ: $(tr '\n' ' ' </tmp/slim-dask-k8s-ipt.diff)"
  rm -f /tmp/slim-dask-k8s-ipt.diff
fi
# sysctls: the whole table as recorded before bring-up.
if [ -f "$P/host/sysctl-before" ]; then
  diff <(cat "$P/host/sysctl-before") <(sysctl_snapshot) >/tmp/slim-dask-k8s-sysctl.diff ||
    leftover "sysctls differ: $(grep '^[<>]' /tmp/slim-dask-k8s-sysctl.diff | tr '\n' ' ')"
  rm -f /tmp/slim-dask-k8s-sysctl.diff
else
  leftover "no $P/host/sysctl-before: up.sh did not run, nothing to compare"
fi
# cgroups and hard-coded paths.
for root in /sys/fs/cgroup/*/; do [ -d "$root/kubepods" ] && leftover "cgroup ${root}kubepods"; done
[ -e /var/lib/kubelet ] && leftover "/var/lib/kubelet"
[ -e /run/containerd/runc/k8s.io ] && leftover "/run/containerd/runc/k8s.io"
if [ "$bad" = 0 ]; then echo "[k8s-check] host clean: no process, mount, bridge, netns, iptables chain, sysctl or cgroup of the cluster left"; fi
exit "$bad"
