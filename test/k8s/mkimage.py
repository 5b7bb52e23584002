#!/usr/bin/env python3
"""mkimage.py REF ROOTFS_DIR OUT.tar ENTRYPOINT...

Writes a docker-save style archive (what `ctr images import` reads) with one layer made from
ROOTFS_DIR. Used for the pause and CoreDNS images, which are single static binaries.
Deterministic: sorted entries, fixed mtimes and owners, so the same binary gives the same digest.
"""
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile


def reset(info):
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def main():
    ref, rootfs, out, *entrypoint = sys.argv[1:]
    with tempfile.TemporaryDirectory() as td:
        layer = os.path.join(td, "layer.tar")
        with tarfile.open(layer, "w", format=tarfile.PAX_FORMAT) as t:
            for name in sorted(os.listdir(rootfs)):
                t.add(os.path.join(rootfs, name), arcname=name, recursive=True, filter=reset)
        h = hashlib.sha256()
        with open(layer, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Entrypoint": entrypoint or None, "WorkingDir": "/"},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h.hexdigest()]},
        }
        cfg = json.dumps(config, sort_keys=True).encode()
        cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
        layer_name = h.hexdigest() + "/layer.tar"
        manifest = json.dumps([{"Config": cfg_name, "RepoTags": [ref], "Layers": [layer_name]}])
        with tarfile.open(out, "w") as t:
            def add_bytes(name, data):
                info = reset(tarfile.TarInfo(name))
                info.size = len(data)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(data))

            add_bytes(cfg_name, cfg)
            t.add(layer, arcname=layer_name, filter=reset)
            add_bytes("manifest.json", manifest.encode())


if __name__ == "__main__":
    main()
