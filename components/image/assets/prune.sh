#!/bin/sh
# slim-dask prune: delete files a Dask process never reads from one install prefix, in the same
# RUN (layer) as the install, and print what each rule saved.
#
# Usage: sh prune.sh PREFIX RULE...
#   bytecode          *.pyc files, then __pycache__ directories left empty
#   static-libs       *.a static libraries (only the linker reads them), except libcudadevrt.a,
#                     which numba-cuda links into kernels at run time
#   source-maps       *.js.map JavaScript source maps (only browser dev tools read them)
#   bokeh-unminified  under */site-packages/bokeh/server/static: every *.js that has a *.min.js
#                     twin (the dashboard loads the minified bundles, BOKEH_MINIFIED defaults to
#                     true), plus the build-time-only compiler (js/compiler.js, js/compiler/) and
#                     the extension-compiler module tree js/lib/. A *.js without a twin anywhere
#                     else is kept: it may be served as-is.
#   headers           PREFIX/include, and C/C++ headers (*.h *.hh *.hpp *.hxx) inside
#                     */site-packages/*/include/ (numpy.get_include() & co. only matter when
#                     compiling extensions, which a runtime image does not do). Kept: the
#                     headers of packages that compile at run time (CuPy through NVRTC,
#                     numba-cuda, Triton: site-packages/{cupy,cupy_backends,numba_cuda,
#                     numba/cuda,triton}/), and PREFIX/include as a whole when one of those
#                     packages is installed (they read the CUDA headers there)
#   docs              PREFIX/share/{doc,man,info,gtk-doc}
#   tests             directories named tests or test below a package in */site-packages/, and
#                     the compiled helpers only test suites import: numpy/_core/_*_tests.*,
#                     numpy/_core/_simd.* (SIMD test bindings), pyarrow/_pyarrow_cpp_tests.*
#   cython-sources    Cython sources *.pyx *.pxd *.pxi in */site-packages/ (read only to compile
#                     extensions against a package)
#   installer-tools   pip, setuptools, wheel, pkg_resources, _distutils_hack in */site-packages/
#                     (with their *.dist-info and distutils-precedence.pth) and PREFIX/bin/pip*,
#                     wheel, easy_install*: nothing installs at run time
#   type-declarations type stubs *.pyi and TypeScript declarations *.d.ts in */site-packages/
#                     (only type checkers and Bokeh's Node.js extension compiler read them)
#   build-tools       build-time tooling inside runtime packages: numpy/distutils (deprecated,
#                     absent from numpy on Python 3.12+) and bokeh/sphinxext (a Sphinx extension)
#   pyarrow-flight    pyarrow's Flight RPC framework (module, Cython sources and libraries named
#                     *flight* below site-packages/pyarrow/), which dask never imports and no
#                     other pyarrow library links: `import pyarrow.flight` then fails. Substrait
#                     is not touched: libarrow_python links libarrow_substrait
#   pillow-avif       Pillow's AVIF codec: the module PIL/_avif.*so and the libavif* its wheel
#                     vendors in pillow.libs/ (nothing else links it). Pillow then acts as a
#                     build without AVIF: features.check("avif") and AvifImagePlugin.SUPPORTED
#                     are false
#   library-copies    byte-identical copies of one shared library in one directory of
#                     */site-packages/ (libx.so, libx.so.N: wheels cannot hold symlinks) become
#                     symlinks to the longest name; their bytes count as removed
#   package-cache     everything in PREFIX/pkgs (conda's package cache); PREFIX/conda-meta stays
#   duplicate-files   byte-identical non-empty regular files anywhere in PREFIX with the same
#                     owner and mode become hard links to one copy (the first path in byte
#                     order): xyzservices' two providers.json, tzdata's alias zones, license
#                     and metadata copies. Shared objects (*.so, *.so.*) are left alone: ld.so
#                     takes two paths of one inode for one library. Run it after anything that
#                     rewrites files (strip), which would split the links again. Their bytes
#                     count as removed
#
# Output, one line per rule and a total (a benchmark parses these lines; keep the format):
#   slim-dask-prune: rule=<name> files=<n> bytes=<b>
#   slim-dask-prune: total files=<n> bytes=<b>
# files/bytes count the regular files removed and their apparent sizes (a hard-linked file
# counts in full). Symlinks and directories are removed too but not counted.
#
# Portability: POSIX sh plus the find/stat/awk/rm that GNU and BusyBox (Alpine) both provide:
# no `-type f,l`, no -delete, no -printf, no -mindepth. find never follows symlinks here (its
# default), so symlink loops and `lib/python3.1 -> python3.12` are neither entered nor counted
# twice. Absent targets (no Bokeh, no include/) are not errors.
set -eu

me=slim-dask-prune
rules="bytecode static-libs source-maps bokeh-unminified headers docs tests cython-sources installer-tools type-declarations build-tools pyarrow-flight pillow-avif library-copies package-cache duplicate-files"

die() {
  code=$1
  shift
  printf '%s: error: %s\n' "$me" "$*" >&2
  exit "$code"
}

[ "$#" -ge 1 ] || die 2 "usage: prune.sh PREFIX RULE... (rules: $rules)"
prefix=$1
shift
# Strip trailing slashes so "/opt/conda/" and "/" are recognised for what they are.
while :; do
  case $prefix in
    */) prefix=${prefix%/} ;;
    *) break ;;
  esac
done
case $prefix in
  "") die 2 "refusing to prune the root directory /: pass the install prefix, e.g. /opt/conda" ;;
  /*) ;;
  *) die 2 "PREFIX must be an absolute path, got '$1'" ;;
esac
[ -d "$prefix" ] || die 1 "PREFIX $prefix is not a directory"

# Check every rule before deleting anything: a typo must not leave a half-pruned tree.
for rule in "$@"; do
  case " $rules " in
    *" $rule "*) ;;
    *) die 2 "unknown rule '$rule' (rules: $rules)" ;;
  esac
done

sizes=$(mktemp)
list=$(mktemp)
trap 'rm -f "$sizes" "$list"' EXIT

# measure ROOT EXPRESSION...: record the apparent size of each regular file that
# `find ROOT EXPRESSION` selects, before anything is removed.
measure() {
  root=$1
  shift
  find "$root" -type f \( "$@" \) -exec stat -c %s {} + >>"$sizes"
}

# prune_files ROOT EXPRESSION...: remove the regular files and symlinks that EXPRESSION selects.
prune_files() {
  measure "$@"
  root=$1
  shift
  find "$root" \( -type f -o -type l \) \( "$@" \) -exec rm -f {} +
}

# real_dir DIR: true for a directory that is not a symlink (a symlinked one is left alone).
real_dir() {
  [ -d "$1" ] && [ ! -L "$1" ]
}

# prune_dir DIR: remove DIR and everything below it.
prune_dir() {
  real_dir "$1" || return 0
  measure "$1" -type f
  rm -rf "$1"
}

# site_packages: the real (non-symlinked) site-packages directories below PREFIX, one per line.
site_packages() {
  find "$prefix" -type d -name site-packages -prune
}

# runtime_compilers_installed: true when a package that compiles against headers at run
# time (CuPy, numba-cuda, Triton) is installed; PREFIX/include then holds what it reads.
runtime_compilers_installed() {
  for dir in $(site_packages); do
    for name in cupy numba_cuda triton; do
      real_dir "$dir/$name" && return 0
    done
  done
  return 1
}

run_rule() {
  case $1 in
    bytecode)
      prune_files "$prefix" -name '*.pyc'
      find "$prefix" -type d -name __pycache__ -empty -prune -exec rmdir {} +
      ;;
    static-libs)
      prune_files "$prefix" -name '*.a' ! -name libcudadevrt.a
      ;;
    source-maps)
      prune_files "$prefix" -name '*.js.map'
      ;;
    bokeh-unminified)
      # shellcheck disable=SC2016 # $1 belongs to the inner sh, not to this one
      prune_files "$prefix" -path '*/site-packages/bokeh/server/static/*' \
        -name '*.js' ! -name '*.min.js' \( \
        -path '*/bokeh/server/static/js/compiler.js' \
        -o -path '*/bokeh/server/static/js/compiler/*' \
        -o -path '*/bokeh/server/static/js/lib/*' \
        -o -exec sh -c 'test -e "${1%.js}.min.js"' sh {} \; \)
      ;;
    headers)
      runtime_compilers_installed || prune_dir "$prefix/include"
      prune_files "$prefix" -path '*/site-packages/*/include/*' \
        \( -name '*.h' -o -name '*.hh' -o -name '*.hpp' -o -name '*.hxx' \) \
        ! -path '*/site-packages/cupy/*' ! -path '*/site-packages/cupy_backends/*' \
        ! -path '*/site-packages/numba_cuda/*' ! -path '*/site-packages/numba/cuda/*' \
        ! -path '*/site-packages/triton/*'
      ;;
    docs)
      for dir in doc man info gtk-doc; do
        prune_dir "$prefix/share/$dir"
      done
      ;;
    tests)
      # In -path, * also matches "/": these are exactly the files below the directories removed next.
      measure "$prefix" \( -path '*/site-packages/*/tests/*' -o -path '*/site-packages/*/test/*' \)
      find "$prefix" -type d \( -name tests -o -name test \) -path '*/site-packages/*/*' -prune \
        -exec rm -rf {} +
      prune_files "$prefix" \( -path '*/site-packages/numpy/_core/_*_tests.*' \
        -o -path '*/site-packages/numpy/_core/_simd.*' \
        -o -path '*/site-packages/pyarrow/_pyarrow_cpp_tests.*' \)
      ;;
    cython-sources)
      prune_files "$prefix" -path '*/site-packages/*' \( -name '*.pyx' -o -name '*.pxd' -o -name '*.pxi' \)
      ;;
    installer-tools)
      for dir in $(site_packages); do
        for name in pip setuptools wheel pkg_resources _distutils_hack; do
          prune_dir "$dir/$name"
          for info in "$dir/$name"-*.dist-info; do
            prune_dir "$info"
          done
        done
        prune_files "$dir" -name distutils-precedence.pth
      done
      if real_dir "$prefix/bin"; then
        prune_files "$prefix/bin" \( -name 'pip' -o -name 'pip3*' -o -name 'wheel' -o -name 'easy_install*' \)
      fi
      ;;
    type-declarations)
      prune_files "$prefix" -path '*/site-packages/*' \( -name '*.pyi' -o -name '*.d.ts' \)
      ;;
    build-tools)
      for dir in $(site_packages); do
        prune_dir "$dir/numpy/distutils"
        prune_dir "$dir/bokeh/sphinxext"
      done
      ;;
    pyarrow-flight)
      for dir in $(site_packages); do
        real_dir "$dir/pyarrow" || continue
        prune_files "$dir/pyarrow" -name '*flight*'
      done
      ;;
    pillow-avif)
      for dir in $(site_packages); do
        if real_dir "$dir/PIL"; then prune_files "$dir/PIL" -name '_avif.*so'; fi
        if real_dir "$dir/pillow.libs"; then prune_files "$dir/pillow.libs" -name 'libavif*'; fi
      done
      ;;
    library-copies)
      # Longest names first, so every copy points at the fully versioned file, as a normal
      # install's symlinks do; a name already turned into a symlink is skipped.
      find "$prefix" -type f -path '*/site-packages/*' -name '*.so.*' | sort -r >"$list"
      while IFS= read -r file; do
        [ -L "$file" ] && continue
        short=$file
        while :; do
          short=${short%.*}
          case ${short##*/} in
            *.so | *.so.*) ;;
            *) break ;;
          esac
          if [ -f "$short" ] && [ ! -L "$short" ] && cmp -s "$file" "$short"; then
            stat -c %s "$short" >>"$sizes"
            rm -f "$short"
            ln -s "${file##*/}" "$short"
          fi
        done
      done <"$list"
      ;;
    package-cache)
      if real_dir "$prefix/pkgs"; then
        measure "$prefix/pkgs" -type f
        # "pkgs/." lists the children without -mindepth, which POSIX find lacks.
        find "$prefix/pkgs/." ! -name . -prune -exec rm -rf {} +
      fi
      ;;
    duplicate-files)
      # md5sum prints "HASH  PATH" (GNU and BusyBox alike; BusyBox has no cksum); sorted
      # bytewise, equal hashes are adjacent and the first path of a group is kept. cmp
      # confirms; a file that already is a link to the kept copy is not counted again.
      find "$prefix" -type f ! -empty ! -name '*.so' ! -name '*.so.*' -exec md5sum {} + |
        LC_ALL=C sort >"$list"
      group=
      keep=
      while IFS= read -r line; do
        hash=${line%% *}
        file=${line#*  }
        if [ "$hash" = "$group" ] &&
          [ "$(stat -c '%u %g %a' "$file")" = "$(stat -c '%u %g %a' "$keep")" ] &&
          cmp -s "$keep" "$file"; then
          if [ "$(stat -c %i "$file")" != "$(stat -c %i "$keep")" ]; then
            stat -c %s "$file" >>"$sizes"
            ln -f "$keep" "$file"
          fi
        else
          group=$hash
          keep=$file
        fi
      done <"$list"
      ;;
  esac
}

total_files=0
total_bytes=0
for rule in "$@"; do
  : >"$sizes"
  run_rule "$rule"
  # %.0f, not %d: BusyBox awk's %d wraps above 2 GiB.
  files=$(awk 'END { printf "%d\n", NR }' "$sizes")
  bytes=$(awk '{ b += $1 } END { printf "%.0f\n", b }' "$sizes")
  printf '%s: rule=%s files=%s bytes=%s\n' "$me" "$rule" "$files" "$bytes"
  # Shell arithmetic is 64-bit in dash and BusyBox ash.
  total_files=$((total_files + files))
  total_bytes=$((total_bytes + bytes))
done
printf '%s: total files=%s bytes=%s\n' "$me" "$total_files" "$total_bytes"
