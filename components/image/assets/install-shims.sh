#!/bin/sh
# slim-dask shims: distributed >= 2026.6.0 removed the dask-scheduler and dask-worker console
# scripts, but every published dask helm chart starts its pods with them. For each name that
# PREFIX/bin lacks, write an entry point like pip's console scripts: a Python script run by
# PREFIX/bin/python that calls `dask scheduler|worker` with the arguments. No shell is needed
# at run time (the minimal runtime has none unless asked), and no second process starts.
# The `__main__` guard matters: the nanny starts its worker with multiprocessing's spawn,
# which runs the parent's main script again as `__mp_main__`.
# An existing script (older distributed) is left alone.
#
# Usage: sh install-shims.sh PREFIX
set -eu

me=slim-dask-shims

die() {
  printf '%s: error: %s\n' "$me" "$*" >&2
  exit 2
}

[ "$#" -eq 1 ] || die "usage: install-shims.sh PREFIX"
prefix=$1
while :; do
  case $prefix in
    */) prefix=${prefix%/} ;;
    *) break ;;
  esac
done
case $prefix in
  "" | *"'"*) die "PREFIX must be an absolute path other than / without quotes, got '$1'" ;;
  /*) ;;
  *) die "PREFIX must be an absolute path, got '$1'" ;;
esac

for sub in scheduler worker; do
  shim="$prefix/bin/dask-$sub"
  if [ -e "$shim" ] || [ -L "$shim" ]; then
    printf '%s: kept existing %s\n' "$me" "$shim"
    continue
  fi
  # Fail the build now rather than every pod at start.
  [ -x "$prefix/bin/dask" ] || die "$prefix/bin/dask is missing: cannot write $shim"
  [ -x "$prefix/bin/python" ] || die "$prefix/bin/python is missing: cannot write $shim"
  # Write to a temporary name, then rename: a failed write never leaves a half shim.
  printf '#!%s/bin/python\n# Written by slim-dask: distributed >= 2026.6.0 has no dask-%s script.\nimport sys\nfrom dask.__main__ import main\nif __name__ == "__main__":\n    sys.argv[:1] = ["dask", "%s"]\n    sys.exit(main())\n' \
    "$prefix" "$sub" "$sub" >"$shim.tmp"
  chmod 0755 "$shim.tmp"
  mv "$shim.tmp" "$shim"
  printf '%s: wrote %s (runs dask %s with %s/bin/python)\n' "$me" "$shim" "$sub" "$prefix"
done
