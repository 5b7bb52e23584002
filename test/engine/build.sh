#!/usr/bin/env bash
# Build the real Pulumi CLI and the Pulumi kubernetes provider from the Go module proxy into
# $K8S_CACHE/bin (kept between runs), for tests that run pulumi preview/up/destroy through the
# Automation API, and a stand-in Python language host around the CLI's Python SDK generator for
# the test that runs `pulumi package gen-sdk --language python`. Each output is keyed by version
# and skipped when present, so a second run only checks. Same Go caches and flags as
# ../k8s/build.sh: packages both builds use compile once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.sh
. "$here/versions.sh"

BUILD_NAME=engine-build
# shellcheck source-path=SCRIPTDIR source=../k8s/go-build.sh
. "$here/../k8s/go-build.sh"

# The CLI. `go install .../pkg/v3/cmd/pulumi@v...` is refused because pkg/v3's go.mod has replace
# directives, so build it from a wrapper module that repeats the one replace that is not a local
# path (sdk/v3 => ../sdk is covered by requiring sdk/v3 at the same version).
build_pulumi() {
  local out=$PULUMI_BIN
  if [ -x "$out" ]; then say "cached $out"; return; fi
  local wrap=$K8S_CACHE/src/pulumi-v$PULUMI_VERSION
  rm -rf "$wrap" && mkdir -p "$wrap"
  cat >"$wrap/go.mod" <<EOF
module slimdask/pulumicli

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  # The tools build tag keeps this import of a main package out of builds; go mod tidy still sees it.
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >"$wrap/tools.go"
  (cd "$wrap" && go mod tidy)
  say "pulumi: modules ready"
  (cd "$wrap" && go build -trimpath -o "$out.tmp" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  # The Automation API checks `pulumi version` against its minimum: make sure the -X took effect.
  local v
  v=$(PULUMI_SKIP_UPDATE_CHECK=1 "$out.tmp" version)
  [ "$v" = "$PULUMI_VERSION" ] || { echo "$out.tmp reports version '$v', not $PULUMI_VERSION" >&2; return 1; }
  finish "$out"
  say "built $out"
}

# The Python SDK generator. `pulumi package gen-sdk --language python` (and `pulumi package add`
# in a Python project) hand the bound schema to the language plugin `pulumi-language-python`,
# whose module the proxy refuses (403); pkg/v3's codegen/python, which that plugin calls, is
# served. python-codegen/main.go is a stand-in plugin that answers GeneratePackage with it. Same
# wrapper go.mod as the CLI, so it builds against the same module versions, and it runs after the
# CLI in the same job: every package it needs is then in the build cache and only the link is left.
build_python_codegen() {
  local out=$PULUMI_PYTHON_CODEGEN_BIN
  if [ -x "$out" ]; then say "cached $out"; return; fi
  local wrap=$K8S_CACHE/src/pulumi-language-python-codegen-v$PULUMI_VERSION
  rm -rf "$wrap" && mkdir -p "$wrap"
  cat >"$wrap/go.mod" <<EOF
module slimdask/pythoncodegen

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  cp "$PULUMI_PYTHON_CODEGEN_SRC" "$wrap/main.go"
  (cd "$wrap" && go mod tidy)
  say "python codegen: modules ready"
  (cd "$wrap" && go build -trimpath -o "$out.tmp" -ldflags "-s -w -X main.version=$PULUMI_VERSION" .)
  finish "$out"
  say "built $out"
}

# The provider. Its module zip lacks the generated schema-embed.json and
# terraform-mapping-embed.json that main.go embeds, so generate them in a writable copy of the
# module and build from a wrapper module that replaces the provider with that copy.
build_provider() {
  local out=$PULUMI_K8S_PROVIDER_BIN
  if [ -x "$out" ]; then say "cached $out"; return; fi
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  local src=$K8S_CACHE/src/pulumi-kubernetes-v$PULUMI_K8S_PROVIDER_VERSION
  local dir
  dir=$(go mod download -json "$mod@$PULUMI_K8S_PROVIDER_MODULE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { echo "no Dir for $mod@$PULUMI_K8S_PROVIDER_MODULE_VERSION" >&2; return 1; }
  rm -rf "$src" && mkdir -p "$src/wrap"
  cp -r "$dir" "$src/provider"
  chmod -R u+w "$src/provider" # the module cache is read-only
  # `replace .../sdk/v4 => ../sdk` points into the repository, which the zip does not hold; without
  # it the sdk/v4 the provider requires comes from the proxy. It matters only where the copy is the
  # main module (generate.go below): replaces in a dependency's go.mod are ignored.
  sed -i '\#^replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => ../sdk$#d' "$src/provider/go.mod"
  if grep -q '=> \.\./sdk' "$src/provider/go.mod"; then
    echo "the sdk/v4 replace is still in $src/provider/go.mod" >&2
    return 1
  fi
  # generate.go only stamps the version into schema.json and compacts both files. -trimpath, as
  # for the build below: the packages it compiles (pkg/v3/codegen/schema...) are then reused there.
  (cd "$src/provider/cmd/pulumi-resource-kubernetes" &&
    VERSION=$PULUMI_K8S_PROVIDER_VERSION go run -trimpath ./generate.go)
  say "provider: schema-embed.json and terraform-mapping-embed.json generated"
  cat >"$src/wrap/go.mod" <<EOF
module slimdask/k8sprovider

go 1.24

require $mod $PULUMI_K8S_PROVIDER_MODULE_VERSION

replace $mod => $src/provider
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s/cmd/pulumi-resource-kubernetes"\n' "$mod" >"$src/wrap/tools.go"
  (cd "$src/wrap" && go mod tidy)
  say "provider: modules ready"
  (cd "$src/wrap" && go build -trimpath -o "$out.tmp" \
    -ldflags "-s -w -X $mod/pkg/version.Version=$PULUMI_K8S_PROVIDER_VERSION" \
    "$mod/cmd/pulumi-resource-kubernetes")
  finish "$out"
  say "built $out"
}

# The two builds run side by side, as in ../k8s/build.sh: on a shared 2-core machine two
# processes get a larger share of the CPU than one, and each has long single-threaded links.
pids=()
{ build_pulumi && build_python_codegen; } >"$K8S_CACHE/logs/build-pulumi.log" 2>&1 &
pids+=($!)
build_provider >"$K8S_CACHE/logs/build-pulumi-kubernetes.log" 2>&1 &
pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
cat "$K8S_CACHE/logs/build-pulumi.log" "$K8S_CACHE/logs/build-pulumi-kubernetes.log" | grep '^\[engine-build' || true
[ "$failed" = 0 ] || { echo "[engine-build] FAILED: see $K8S_CACHE/logs/build-pulumi*.log" >&2; exit 1; }
say "done"
