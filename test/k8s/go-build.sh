# shellcheck shell=bash
# What test/k8s/build.sh and test/engine/build.sh share (sourced after versions.sh, with
# BUILD_NAME set): one Go module and build cache beside the binaries, so packages both builds
# use compile once, the same flags, timed log lines, and outputs moved into place only whole.
export GOMODCACHE=$K8S_CACHE/go/mod GOCACHE=$K8S_CACHE/go/build GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
mkdir -p "$K8S_BIN" "$GOMODCACHE" "$GOCACHE" "$K8S_CACHE/logs"
t0=$(date +%s)
say() { echo "[$BUILD_NAME $(($(date +%s) - t0))s] $*"; }

# finish DEST: move DEST.tmp into place only once it is complete.
finish() { mv -f "$1.tmp" "$1"; }
