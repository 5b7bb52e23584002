# slim-dask minimal-root: assemble the root filesystem of a `FROM scratch` runtime stage.
# Run in the build stage by the venv's own Python (stdlib only, Python 3.6+), after the
# install and its prune, strip and compile.
#
# Usage: python minimal-root.py ROOT PREFIX UID GID NAME [--tini PATH] [--shell PATH]
# ROOT must not exist yet. It receives, at their own paths (scripts and the loader hard-code
# them), exactly:
#   - PREFIX (the venv) and the interpreter it points at, with every symlink on the way;
#   - the interpreter's standard library (as compiled in the build stage), not its
#     site-packages or dist-packages;
#   - the shared libraries these load: the `ldd` closure of every ELF file above, plus
#     libgcc_s, which glibc loads with dlopen when a thread exits or is cancelled;
#   - /etc/ld.so.cache for that tree only (`ldconfig -r`), so the loader finds nothing else;
#   - the CA bundle (/etc/ssl/certs/ca-certificates.crt) and, when nothing in PREFIX ships
#     `tzdata`, the system's /usr/share/zoneinfo;
#   - /etc/passwd, /etc/group and /etc/nsswitch.conf with root and the run-as account, its
#     home, /tmp (sticky), tini and, with --shell, a static BusyBox as /bin/sh with its applets.
# It prints what it added and the bytes, and fails (exit 2) on a usage error or when a library
# some ELF file needs is not found: the image would fail at start instead.
import os
import shutil
import subprocess
import sys
import sysconfig

ME = "slim-dask-minimal-root"


def die(message, code=2):
    sys.stderr.write("%s: error: %s\n" % (ME, message))
    sys.exit(code)


class Root:
    """A destination tree that mirrors source paths, symlinks included."""

    def __init__(self, root):
        self.root = root
        self.done = set()
        self.inodes = {}

    def dest(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def add(self, path):
        """Copy PATH (absolute) with every symlink on its way, as symlinks."""
        path = os.path.normpath(path)
        if path in self.done or path == "/":
            return
        self.done.add(path)
        parent = os.path.dirname(path)
        self.add_dir(parent)
        real_parent = os.path.realpath(parent)
        source = os.path.join(real_parent, os.path.basename(path))
        target = self.dest(os.path.join(real_parent, os.path.basename(path)))
        if os.path.islink(source):
            link = os.readlink(source)
            if not os.path.lexists(target):
                os.symlink(link, target)
            self.add(os.path.join(real_parent, link))
        elif os.path.isdir(source):
            self.add_dir(path)
        else:
            self.copy_file(source, target)

    def add_dir(self, path):
        """Create directory PATH (absolute) in the tree, symlinked parts as symlinks."""
        path = os.path.normpath(path)
        current = "/"
        for part in [p for p in path.split("/") if p]:
            candidate = os.path.join(current, part)
            target = self.dest(candidate)
            if os.path.islink(candidate):
                if not os.path.lexists(target):
                    os.symlink(os.readlink(candidate), target)
                current = os.path.realpath(candidate)
                self.add_dir(current)
            else:
                if not os.path.isdir(target):
                    os.mkdir(target)
                    shutil.copystat(candidate, target)
                current = candidate

    def copy_file(self, source, target):
        """Copy one file; files that were hard links stay hard links (duplicate-files)."""
        st = os.lstat(source)
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in self.inodes:
            os.link(self.inodes[key], target)
            return
        shutil.copy2(source, target)
        os.chown(target, st.st_uid, st.st_gid)
        self.inodes[key] = target

    def add_tree(self, top, skip=()):
        """Copy a directory tree (symlinks as symlinks), leaving out the names in SKIP."""
        self.add_dir(top)
        for here, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if os.path.join(here, d) not in skip)
            for name in sorted(dirs):
                full = os.path.join(here, name)
                if os.path.islink(full):
                    self.add(full)
                else:
                    self.add_dir(full)
            for name in sorted(files):
                self.add(os.path.join(here, name))


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def needed_libraries(path):
    """The absolute paths `ldd` resolves for PATH, the loader included; missing ones fail."""
    result = subprocess.run(
        ["ldd", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True
    )
    if result.returncode != 0:
        return []  # not a dynamic ELF file (static, or another architecture)
    found = []
    for line in result.stdout.splitlines():
        words = line.split()
        if "=>" in words:
            target = words[words.index("=>") + 1]
            if target == "not":
                die("%s needs %s, which is not installed" % (path, words[0]))
            if target.startswith("/"):
                found.append(target)
        elif words and words[0].startswith("/"):
            found.append(words[0])
    return found


def elf_closure(root):
    """Adds every library the tree's ELF files load, until nothing new is needed. `ldd` runs
    on the build stage's own files (their $ORIGIN run paths resolve there), not the copies."""
    seen = set()
    todo = [p[len(root.root) :] for p in walk_files(root.root) if is_elf(p)]
    while todo:
        path = todo.pop()
        for lib in needed_libraries(path):
            if lib not in seen:
                seen.add(lib)
                root.add(lib)
                todo.append(os.path.realpath(lib))
    return seen


def walk_files(top):
    for here, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(here, name)
            if not os.path.islink(full):
                yield full


def libgcc_s(libraries):
    """glibc dlopens libgcc_s.so.1 when a thread exits or is cancelled: take the one next
    to the C library the closure holds (same architecture), if the build stage has it."""
    for lib in sorted(libraries):
        if os.path.basename(lib) == "libc.so.6":
            candidate = os.path.join(os.path.dirname(lib), "libgcc_s.so.1")
            if os.path.exists(candidate):
                return candidate
    return None


def write(root, path, text, mode):
    target = root.dest(path)
    root.add_dir(os.path.dirname(path))
    with open(target, "w") as f:
        f.write(text)
    os.chmod(target, mode)


def accounts(root, uid, gid, name, shell):
    login = "/bin/sh" if shell else "/nonexistent"
    write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:%s\n%s:x:%d:%d::/home/%s:%s\n" % (login, name, uid, gid, name, login),
        0o644,
    )
    write(root, "/etc/group", "root:x:0:\n%s:x:%d:\n" % (name, gid), 0o644)
    write(root, "/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n", 0o644)
    home = root.dest("/home/%s" % name)
    os.makedirs(home, mode=0o755)
    os.chown(home, uid, gid)
    for tmp in ("/tmp", "/var/tmp"):
        os.makedirs(root.dest(tmp), exist_ok=True)
        os.chmod(root.dest(tmp), 0o1777)


def busybox(root, shell):
    """The static BusyBox as /bin/busybox, sh and each applet the tree lacks, as symlinks."""
    root.add_dir("/bin")
    real_bindir = root.dest(os.path.realpath("/bin"))  # /bin -> usr/bin on merged-/usr Debian
    shutil.copy2(shell, os.path.join(real_bindir, "busybox"))
    listed = subprocess.run([shell, "--list"], stdout=subprocess.PIPE, universal_newlines=True)
    applets = sorted(set(listed.stdout.split()) | {"sh"})
    for applet in applets:
        link = os.path.join(real_bindir, applet)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    return len(applets)


def tree_bytes(top):
    seen, total = set(), 0
    for path in walk_files(top):
        st = os.lstat(path)
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total


def main(argv):
    options = {"--tini": None, "--shell": None}
    args = []
    i = 0
    while i < len(argv):
        if argv[i] in options and i + 1 < len(argv):
            options[argv[i]] = argv[i + 1]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 5:
        die("usage: minimal-root.py ROOT PREFIX UID GID NAME [--tini PATH] [--shell PATH]")
    root_dir, prefix, uid, gid, name = args
    if not root_dir.startswith("/") or os.path.lexists(root_dir):
        die("ROOT must be an absolute path that does not exist yet, got %r" % root_dir)
    if not os.path.isfile(os.path.join(prefix, "bin", "python")):
        die("%s/bin/python is missing: PREFIX must be the venv" % prefix)
    if not (uid.isdigit() and gid.isdigit()):
        die("UID and GID must be numbers, got %r and %r" % (uid, gid))
    shell = options["--shell"]
    if shell is not None and not (is_elf(shell) and not needed_libraries(shell)):
        die("--shell %s is not a static binary: use busybox-static" % shell)
    tini = options["--tini"]
    if tini is not None and not os.path.isfile(tini):
        die("--tini %s is missing: install tini in the build stage" % tini)
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    if not os.path.isfile(bundle):
        die("%s is missing: install ca-certificates in the build stage" % bundle)
    os.makedirs(root_dir, mode=0o755)
    root = Root(root_dir)

    root.add(os.path.join(prefix, "bin", "python"))  # the interpreter, via its symlinks
    root.add_tree(prefix)
    paths = sysconfig.get_paths()
    stdlib, platstdlib = paths["stdlib"], paths["platstdlib"]
    skip = {os.path.join(stdlib, d) for d in ("site-packages", "dist-packages")}
    for lib in sorted({stdlib, platstdlib}):
        root.add_tree(lib, skip)
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    ldlibrary = sysconfig.get_config_var("INSTSONAME") or ""
    if sysconfig.get_config_var("Py_ENABLE_SHARED") and os.path.exists(
        os.path.join(libdir, ldlibrary)
    ):
        root.add(os.path.join(libdir, ldlibrary))
    if tini:
        root.add(tini)
    libraries = elf_closure(root)
    gcc = libgcc_s(libraries)
    if gcc:
        root.add(gcc)
        libraries.add(gcc)
    if os.path.exists("/etc/ld.so.conf"):
        root.add("/etc/ld.so.conf")
    if os.path.isdir("/etc/ld.so.conf.d"):
        root.add_tree("/etc/ld.so.conf.d")
    # -X: no soname links are made, the tree stays what was copied.
    subprocess.run(["ldconfig", "-X", "-r", root_dir], check=True)

    root.add(bundle)
    if os.path.isdir(os.path.join(paths["purelib"], "tzdata")):
        zones = "tzdata from PyPI (in the venv)"
    elif os.path.isdir("/usr/share/zoneinfo"):
        root.add_tree("/usr/share/zoneinfo")
        zones = "/usr/share/zoneinfo"
    else:
        zones = "none (no tzdata in the venv or the build stage)"
    accounts(root, int(uid), int(gid), name, shell is not None)
    applets = busybox(root, shell) if shell else 0
    print("%s: %d shared libraries, time zones: %s" % (ME, len(libraries), zones))
    if applets:
        print("%s: BusyBox shell with %d applets" % (ME, applets))
    print("%s: %s holds %d bytes" % (ME, root_dir, tree_bytes(root_dir)))


if __name__ == "__main__":
    main(sys.argv[1:])
