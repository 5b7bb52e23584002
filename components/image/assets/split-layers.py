# slim-dask split-layers: sort a finished (pruned, stripped, compiled) tree into layer
# directories that change at different rates, one `COPY --from` each in the runtime stage.
# Run in the build stage by the venv's own Python (stdlib only, Python 3.6+), last.
#
# Usage: python split-layers.py OUT TREE [--at PATH] [--only NAMES] [--closure REQUIREMENTS]
#        [--each REQUIREMENTS]...
# OUT must not exist yet. Each layer directory holds TREE's files at the path TREE has in the
# image (--at, default /: OUT/N/opt/venv/... for `--at /opt/venv`), so it is copied to / with
# its parent directories: a parent the copy did not write would keep the time of the copy.
# Each --only (names of distributions) and --closure (requirements,
# `dask[complete],distributed`: them and everything they require, from the installed
# metadata) makes one layer, in the order given; --each, one such layer per requirement (the
# user's packages: adding one adds its own layer, the others stay as they were). OUT/1
# receives what no installed distribution owns (interpreter, standard library, venv skeleton, shims...); OUT/2... the
# distributions of each option not taken by an earlier one; the last, the other
# distributions (the user's packages). A file belongs to the distribution whose
# *.dist-info/RECORD lists it; bytecode to its source's; another file below site-packages to
# the one distribution owning its directory, or else to the last layer.
#
# Files are hard links to TREE's (nothing is copied); every mtime in OUT is set to EPOCH, so
# a layer whose files are unchanged is byte-identical as a tar however often the install
# reran (bytecode is unchecked-hash: it does not record source mtimes). A hard-link group
# (prune.sh duplicate-files) whose paths fall in two layers becomes one copy per layer: a
# link cannot span layers. Prints each layer's files and bytes, and those extra copies.
import os
import re
import sys

ME = "slim-dask-split-layers"
# Not 0: some tools take a zero mtime for "unset" (Nix uses 1 for the same reason).
EPOCH = 1


def die(message, code=2):
    sys.stderr.write("%s: error: %s\n" % (ME, message))
    sys.exit(code)


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
EXTRA = re.compile(r"""\bextra\s*==\s*['"]([^'"]+)['"]""")


def requirement(text):
    """(name, extras) of `dask[complete]>=1; marker`."""
    match = REQUIREMENT.match(text)
    if not match:
        die("not a requirement: %r" % text)
    extras = {normalize(e) for e in (match.group(2) or "").split(",") if e.strip()}
    return normalize(match.group(1)), extras


class Distribution:
    def __init__(self, site, info):
        self.files = []
        self.requires = []
        with open(os.path.join(site, info, "METADATA"), encoding="utf-8") as f:
            for line in f:
                if line in ("\n", "\r\n"):
                    break  # the headers end; the description follows
                key, _, value = line.partition(":")
                if key == "Name":
                    self.name = normalize(value.strip())
                elif key == "Requires-Dist":
                    spec, _, marker = value.strip().partition(";")
                    name, extras = requirement(spec)
                    # Only the extras gate a requirement here: other markers (python_version,
                    # platform) are judged by pip already, as what is installed.
                    self.requires.append((name, extras, set(EXTRA.findall(marker))))
        record = os.path.join(site, info, "RECORD")
        if os.path.exists(record):
            with open(record, encoding="utf-8") as f:
                for line in f:
                    path = line.rsplit(",", 2)[0].strip('"')
                    if path:
                        self.files.append(os.path.normpath(os.path.join(site, path)))


def site_packages(tree):
    for here, dirs, _ in os.walk(tree):
        if os.path.basename(here) == "site-packages":
            dirs[:] = []
            yield here


def closure(dists, specs):
    """The distributions SPECS require, transitively, with the extras asked for."""
    wanted = {}
    todo = [requirement(spec) for spec in specs]
    while todo:
        name, extras = todo.pop()
        if name not in dists:
            continue
        seen = wanted.get(name)
        if seen is not None and extras <= seen:
            continue
        wanted[name] = (seen or set()) | extras
        for dep, dep_extras, gate in dists[name].requires:
            if not gate or {normalize(e) for e in gate} & wanted[name]:
                todo.append((dep, dep_extras))
    return set(wanted)


def main(argv):
    if len(argv) < 2 or len(argv) % 2:
        die("usage: split-layers.py OUT TREE [--at PATH] [--only|--closure|--each LIST]...")
    out, tree = (os.path.abspath(a) for a in argv[:2])
    if os.path.lexists(out):
        die("OUT %s exists" % out)
    at = "/"
    groups = []
    for option, value in zip(argv[2::2], argv[3::2]):
        if option == "--at":
            at = os.path.abspath(value)
            continue
        if option not in ("--only", "--closure", "--each"):
            die("unknown option %s" % option)
        # Commas inside brackets separate extras (dask[array,dataframe]), not requirements.
        values = re.findall(r"[^,\[]+(?:\[[^\]]*\])?", value)
        if option == "--each":
            groups.extend(("--closure", [v]) for v in values)
        else:
            groups.append((option, values))

    dists = {}
    sites = list(site_packages(tree))
    for site in sites:
        for info in sorted(os.listdir(site)):
            if info.endswith(".dist-info"):
                dist = Distribution(site, info)
                dists[dist.name] = dist
    last = len(groups) + 2
    layer_of_dist = {}
    for number, (option, values) in enumerate(groups, start=2):
        names = closure(dists, values) if option == "--closure" else {normalize(v) for v in values}
        for name in sorted(names):
            if name in dists:
                layer_of_dist.setdefault(name, number)
    owner = {}  # path -> layer
    dir_layers = {}  # directory below a site-packages -> layers of what is below it
    for dist in dists.values():
        layer = layer_of_dist.get(dist.name, last)
        for path in dist.files:
            owner[path] = layer
            parent = os.path.dirname(path)
            while any(parent.startswith(site + os.sep) for site in sites):
                dir_layers.setdefault(parent, set()).add(layer)
                parent = os.path.dirname(parent)

    def layer_of(path):
        if path in owner:
            return owner[path]
        parent, name = os.path.split(path)
        if os.path.basename(parent) == "__pycache__" and name.endswith(".pyc"):
            source = os.path.join(os.path.dirname(parent), name.split(".")[0] + ".py")
            if source in owner:
                return owner[source]
        if not any(path.startswith(site + os.sep) for site in sites):
            return 1
        if os.path.isdir(path) and not os.path.islink(path):
            parent = path  # an empty directory: whoever owned what was below it
        while parent not in sites:
            layers = dir_layers.get(parent)
            if layers and len(layers) == 1:
                return next(iter(layers))
            parent = os.path.dirname(parent)
        return last

    layers = [os.path.join(out, str(n)) for n in range(1, last + 1)]
    os.mkdir(out)
    made = set()
    # AT's parents, with the modes and owners they have here (the build stage's base).
    above = [p for p in at.split("/") if p]
    for layer in layers:
        for depth in range(len(above)):
            target = os.path.join(layer, *above[:depth])
            st = os.lstat(os.path.join("/", *above[:depth]))
            os.mkdir(target)
            os.chmod(target, st.st_mode & 0o7777)
            os.chown(target, st.st_uid, st.st_gid)
    placed = [os.path.join(layer, *above) for layer in layers]

    def make_dirs(layer, path):
        """PATH's directories in LAYER, with their modes and owners."""
        rel = os.path.relpath(path, tree)
        parts = [] if rel == "." else rel.split(os.sep)
        for depth in range(len(parts) + 1):
            source = os.path.join(tree, *parts[:depth])
            target = os.path.join(placed[layer - 1], *parts[:depth])
            if target in made:
                continue
            made.add(target)
            st = os.lstat(source)
            os.mkdir(target)
            os.chmod(target, st.st_mode & 0o7777)
            os.chown(target, st.st_uid, st.st_gid)

    for layer in range(1, last + 1):
        make_dirs(layer, tree)
    counts = [[0, 0] for _ in layers]
    inode_layers = {}
    sizes = {}
    for here, dirs, files in os.walk(tree):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
            path = os.path.join(here, name)
            layer = layer_of(path)
            make_dirs(layer, here)
            target = os.path.join(placed[layer - 1], os.path.relpath(path, tree))
            st = os.lstat(path)
            if os.path.islink(path):
                os.symlink(os.readlink(path), target)
                os.lchown(target, st.st_uid, st.st_gid)
                continue
            os.link(path, target)
            counts[layer - 1][0] += 1
            counts[layer - 1][1] += st.st_size
            key = (st.st_dev, st.st_ino)
            inode_layers.setdefault(key, set()).add(layer)
            sizes[key] = st.st_size
        if not dirs and not files:
            make_dirs(layer_of(here), here)

    for top in layers:
        for here, dirs, files in os.walk(top, topdown=False):
            for name in files + dirs:
                os.utime(os.path.join(here, name), (EPOCH, EPOCH), follow_symlinks=False)
        os.utime(top, (EPOCH, EPOCH))
    for number, (files, size) in enumerate(counts, start=1):
        print("%s: layer=%d files=%d bytes=%d" % (ME, number, files, size))
    copies = [(len(ls) - 1, sizes[k]) for k, ls in inode_layers.items() if len(ls) > 1]
    print(
        "%s: hard-link copies files=%d bytes=%d"
        % (ME, sum(n for n, _ in copies), sum(n * s for n, s in copies))
    )


if __name__ == "__main__":
    main(sys.argv[1:])
