# shellcheck shell=bash disable=SC2034
# Versions and paths of the real Pulumi engine builds (sourced, not run). They live in the same
# cache as the Kubernetes build (../k8s/versions.sh: K8S_CACHE, K8S_BIN) and share its Go caches.
# shellcheck source-path=SCRIPTDIR source=../k8s/versions.sh
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/versions.sh"
# The Pulumi CLI, built from github.com/pulumi/pulumi/pkg/v3 (and sdk/v3) at v$PULUMI_VERSION.
PULUMI_VERSION=3.276.0
# The kubernetes provider: the proxy serves github.com/pulumi/pulumi-kubernetes/provider/v4 only
# as pseudo-versions; this one is the commit tagged v$PULUMI_K8S_PROVIDER_VERSION.
PULUMI_K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
PULUMI_K8S_PROVIDER_VERSION=4.25.0
# Outputs, keyed by version. Both must be called by their plain names (`pulumi`,
# `pulumi-resource-kubernetes`) when used: link them into a bin/ directory.
PULUMI_BIN=$K8S_BIN/pulumi-v$PULUMI_VERSION
PULUMI_K8S_PROVIDER_BIN=$K8S_BIN/pulumi-resource-kubernetes-v$PULUMI_K8S_PROVIDER_VERSION
# The stand-in Python language host (python-codegen/main.go) around the Python SDK generator of
# pkg/v3 at v$PULUMI_VERSION, keyed by that version and by the first 12 hex digits of the
# source's sha256, so an edited main.go is rebuilt. Called as `pulumi-language-python` when used.
PULUMI_PYTHON_CODEGEN_SRC=$(dirname "${BASH_SOURCE[0]}")/python-codegen/main.go
PULUMI_PYTHON_CODEGEN_BIN=$K8S_BIN/pulumi-language-python-codegen-v$PULUMI_VERSION-$(sha256sum "$PULUMI_PYTHON_CODEGEN_SRC" | cut -c1-12)
