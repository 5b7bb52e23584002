#!/usr/bin/env bash
# fetch-chart.sh DEST_DIR: put the published dask chart (the version and sha256 pinned in
# versions.sh) into DEST_DIR, refusing any file whose sha256 differs. Sources, first found:
#   $SLIM_DASK_DASK_CHART                       an archive you downloaded yourself
#   <repo>/../shared/reference/dask-chart/      the copy this project's machines carry
#   /work/shared/reference/dask-chart/          (the same, for a clone elsewhere on such a machine)
#   $K8S_CACHE/charts/                          a copy an earlier run verified
#   https://helm.dask.org                       the chart's own repository: its index.yaml
#                                               gives the archive's URL and digest
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../versions.sh
. "$here/../versions.sh"
dest=$1
name=dask-$DASK_CHART_VERSION.tgz
say() { echo "[chart] $*"; }
die() { echo "[chart] FAILED: $*" >&2; exit 1; }

digest_ok() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$DASK_CHART_SHA256" ]; }

mkdir -p "$dest" "$K8S_CACHE/charts"
for candidate in "${SLIM_DASK_DASK_CHART:-}" "$here/../../../../shared/reference/dask-chart/$name" \
  "/work/shared/reference/dask-chart/$name" "$K8S_CACHE/charts/$name"; do
  if [ -z "$candidate" ] || [ ! -f "$candidate" ]; then continue; fi
  digest_ok "$candidate" || die "$candidate has sha256 $(sha256sum "$candidate" | cut -d' ' -f1), not the published $DASK_CHART_SHA256"
  cp "$candidate" "$dest/$name"
  cp "$candidate" "$K8S_CACHE/charts/$name.tmp" && mv -f "$K8S_CACHE/charts/$name.tmp" "$K8S_CACHE/charts/$name"
  say "$name from $candidate (sha256 $DASK_CHART_SHA256)"
  exit 0
done

# Not on this machine: ask the chart's repository (unreachable on the project's own CI).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --max-time 60 -o "$tmp/index.yaml" https://helm.dask.org/index.yaml ||
  die "$name is not on this machine and https://helm.dask.org cannot be reached; set SLIM_DASK_DASK_CHART to the archive"
url=$(python3 - "$tmp/index.yaml" "$DASK_CHART_VERSION" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
# index.yaml lists entries as "- apiVersion: ..." blocks; take the dask one with this version.
for block in re.split(r"\n\s*- ", text):
    if re.search(r"^\s*version: %s\s*$" % re.escape(sys.argv[2]), block, re.M) and re.search(r"^\s*name: dask\s*$", block, re.M):
        m = re.search(r"^\s*urls:\s*\n\s*- (\S+)", block, re.M)
        if m:
            print(m.group(1))
            break
PY
)
[ -n "$url" ] || die "https://helm.dask.org/index.yaml has no dask $DASK_CHART_VERSION"
case "$url" in http*) ;; *) url=https://helm.dask.org/$url ;; esac
curl -fsSL --max-time 120 -o "$tmp/$name" "$url" || die "cannot download $url"
digest_ok "$tmp/$name" || die "$url has sha256 $(sha256sum "$tmp/$name" | cut -d' ' -f1), not the published $DASK_CHART_SHA256"
cp "$tmp/$name" "$dest/$name"
mv -f "$tmp/$name" "$K8S_CACHE/charts/$name"
say "$name from $url (sha256 $DASK_CHART_SHA256)"
