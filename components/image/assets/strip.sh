#!/bin/sh
# slim-dask strip: `strip --strip-unneeded` every ELF shared object (*.so, *.so.*) below one
# install prefix, in the same RUN (layer) as the install, and print what it saved. Runs in a
# build stage only: the strip tool (binutils) never reaches the runtime image.
#
# Every stripped copy must still load (dlopen through PREFIX/bin/python's ctypes) before it
# replaces the original: binutils' strip breaks libraries rewritten by patchelf, e.g. the
# OpenBLAS that auditwheel vendors into numpy.libs/ ("ELF load command address/offset not
# page-aligned"). Such a library is kept as it was by strip; then tidy-elf.py (next to this
# script, run by PREFIX/bin/python) drops the symbol tables strip could not, and closes the
# zero-filled holes patchelf leaves (Pillow's libXau: 2.1 MB -> 18 KB), moving no byte the
# loader maps to another place. Its copies must load too.
#
# Usage: sh strip.sh PREFIX
# Output (a benchmark parses it; keep the format):
#   slim-dask-strip: files=<n> before=<bytes> after=<bytes>
# A file strip cannot handle (not ELF, or a format it does not know) is left as it was.
# Symlinks are never followed, so every library is stripped once.
set -eu

me=slim-dask-strip

die() {
  printf '%s: error: %s\n' "$me" "$*" >&2
  exit 2
}

[ "$#" -eq 1 ] || die "usage: strip.sh PREFIX"
prefix=$1
case $prefix in
  /?*) ;;
  *) die "PREFIX must be an absolute path other than /, got '$prefix'" ;;
esac
[ -d "$prefix" ] || die "PREFIX $prefix is not a directory"
command -v strip >/dev/null 2>&1 || die "strip is not installed (binutils) in this stage"
python=$prefix/bin/python
[ -x "$python" ] || die "$python is missing: it is needed to check that stripped libraries load"

# loads FILE: true when FILE can be dlopen()ed (its dependencies resolved, segments valid).
loads() {
  "$python" -I -S -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1])' "$1" >/dev/null 2>&1
}

list=$(mktemp)
changed=$(mktemp)
trap 'rm -f "$list" "$changed"' EXIT
find "$prefix" -type f \( -name '*.so' -o -name '*.so.*' \) >"$list"

before=0
while IFS= read -r file; do
  before=$((before + $(stat -c %s "$file")))
  # ELF files only (the magic is 0x7f 'E' 'L' 'F'); the stripped copy sits next to the
  # original so $ORIGIN-relative dependencies resolve the same way when it is loaded.
  copy="$file.slim-dask-strip"
  if [ "$(head -c 4 "$file" | tail -c 3)" = ELF ] &&
    strip --strip-unneeded -o "$copy" "$file" 2>/dev/null && loads "$copy"; then
    mv "$copy" "$file"
    printf '%s\n' "$file" >>"$changed"
  else
    rm -f "$copy"
  fi
done <"$list"

# tidy-elf.py prints the copies it wrote (FILE.slim-dask-tidy); no output when it shrank none.
tidy=$(dirname "$0")/tidy-elf.py
[ -f "$tidy" ] || die "$tidy is missing: it ships next to strip.sh"
"$python" -I -S "$tidy" <"$list" | while IFS= read -r copy; do
  file=${copy%.slim-dask-tidy}
  if loads "$copy"; then
    mv "$copy" "$file"
    printf '%s\n' "$file" >>"$changed"
  else
    rm -f "$copy"
  fi
done

files=$(sort -u "$changed" | awk 'END { print NR }')
after=0
while IFS= read -r file; do
  after=$((after + $(stat -c %s "$file")))
done <"$list"
printf '%s: files=%s before=%s after=%s\n' "$me" "$files" "$before" "$after"
