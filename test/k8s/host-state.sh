# shellcheck shell=bash disable=SC2034
# Host settings the cluster may change, recorded before bring-up and checked after teardown
# (sourced by up.sh, down.sh and check-clean.sh).

# Sysctls that the kubelet (setupKernelTunables), the bridge CNI plugin (isGateway) and
# kube-proxy write. down.sh puts each back to the value recorded before bring-up.
TUNED_SYSCTLS=(
  vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes
  net/ipv4/ip_forward net/ipv4/conf/all/route_localnet
  net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables
)

# Every sysctl except counters that move on their own and per-interface keys (other users'
# docker veths come and go; our own bridge and veths are checked by name instead).
sysctl_snapshot() {
  sysctl -a 2>/dev/null |
    grep -vE '^(kernel\.random\.|kernel\.ns_last_pid|kernel\.pty\.nr|fs\.(dentry-state|inode-nr|inode-state|file-nr|quota\.)|fs\.binfmt_misc|net\.netfilter\.nf_conntrack_count|net\.(ipv4|ipv6)\.(conf|neigh)\.[^.]+\.|net\.ipv6\.route\.|kernel\.sched_domain|vm\.stat_|kernel\.perf_event)' |
    sort
}

# Built-in chain policies and the names of every chain, v4 and v6 (rules of other users'
# docker containers change while we run, so only chain names and policies are compared).
iptables_snapshot() {
  local ipt t
  for ipt in iptables ip6tables; do
    for t in filter nat mangle raw; do
      $ipt -t "$t" -S 2>/dev/null | awk -v p="$ipt/$t" '/^-P /{print p, $0} /^-N /{print p, $1, $2}' |
        grep -vE ' -N DOCKER' || true
    done
  done | sort
}
