#!/usr/bin/env bash
# Build the cluster's binaries from the Go module proxy into $K8S_CACHE (kept between runs):
# one Kubernetes multi-call binary (etcd + 6 components + kubectl), helm, CoreDNS and the pause
# binary. Each output is keyed by version and skipped when present, so a second run only checks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"

BUILD_NAME=k8s-build
# shellcheck source-path=SCRIPTDIR source=go-build.sh
. "$here/go-build.sh"

build_k8s() {
  k8s_out=$K8S_BIN/k8s-all-$K8S_VERSION
  if [ ! -x "$k8s_out" ]; then
    go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >/dev/null
    kdir=$GOMODCACHE/k8s.io/kubernetes@$K8S_VERSION
    wrap=$K8S_CACHE/src/k8s-all-$K8S_VERSION
    rm -rf "$wrap" && mkdir -p "$wrap/cmd/k8s-all"
    cp "$here/k8s-all/main.go" "$wrap/cmd/k8s-all/main.go"
    staging=v0.${K8S_VERSION#v1.}
    # k8s.io/kubernetes pins its staging repos to ./staging: point them at the published modules.
    {
      printf 'module slimdask/k8sall\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
      grep '=> ./staging' "$kdir/go.mod" | awk -v v="$staging" '{print "\t"$1" => "$1" "v}' | grep -v sample-
      echo ')'
    } >"$wrap/go.mod"
    (cd "$wrap" && go mod tidy)
    say "modules ready"
    minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
    ld="-s -w"
    # Without these the components report v0.0.0 and kubectl/helm version checks misbehave.
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
      ld="$ld -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.buildDate=2026-01-01T00:00:00Z"
    done
    (cd "$wrap" && go build -trimpath -ldflags "$ld" -o "$k8s_out.tmp" ./cmd/k8s-all)
    finish "$k8s_out"
    say "built $k8s_out"
  else
    say "cached $k8s_out"
  fi
}

go_install() { # NAME MODULE@VERSION OUT
  local out=$3
  if [ -x "$out" ]; then say "cached $out"; return; fi
  local gobin=$K8S_CACHE/src/gobin-$1
  rm -rf "$gobin" && mkdir -p "$gobin"
  GOBIN=$gobin go install -trimpath -ldflags "-s -w" "$2"
  mv -f "$gobin/$1" "$out.tmp" && finish "$out" && rm -rf "$gobin"
  say "built $out"
}

# The three builds run side by side: on a shared 2-core machine, three processes get a larger
# share of the CPU than one, and each build has long single-threaded stretches (links).
pids=()
build_k8s >"$K8S_CACHE/logs/build-k8s.log" 2>&1 &
pids+=($!)
go_install helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "$K8S_BIN/helm-$HELM_VERSION" >"$K8S_CACHE/logs/build-helm.log" 2>&1 &
pids+=($!)
go_install coredns "github.com/coredns/coredns@$COREDNS_VERSION" "$K8S_BIN/coredns-$COREDNS_VERSION" >"$K8S_CACHE/logs/build-coredns.log" 2>&1 &
pids+=($!)
go_install crictl "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION" "$K8S_BIN/crictl-$CRICTL_VERSION" >"$K8S_CACHE/logs/build-crictl.log" 2>&1 &
pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
cat "$K8S_CACHE/logs/build-k8s.log" "$K8S_CACHE/logs/build-helm.log" "$K8S_CACHE/logs/build-coredns.log" "$K8S_CACHE/logs/build-crictl.log" | grep '^\[k8s-build' || true
[ "$failed" = 0 ] || { echo "[k8s-build] FAILED: see $K8S_CACHE/logs/build-*.log" >&2; exit 1; }

# pause: the sandbox process, built from the C file the kubernetes module ships.
pause_out=$K8S_BIN/pause-$K8S_VERSION
if [ ! -x "$pause_out" ]; then
  gcc -Os -Wall -Werror -static -DVERSION="$K8S_VERSION" -o "$pause_out.tmp" \
    "$GOMODCACHE/k8s.io/kubernetes@$K8S_VERSION/build/pause/linux/pause.c"
  finish "$pause_out"
  say "built $pause_out"
fi
say "done"
