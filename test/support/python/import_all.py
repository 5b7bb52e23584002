"""Imports every top-level module of every installed distribution; prints one JSON line.

Top-level names come from each distribution's top_level.txt, else from its RECORD (first path
component of package dirs, single-file modules and extension modules). A module that fails to
import is reported with its error. Run in the image after pruning: proves that deleting test
directories, Cython sources and installer tools broke no import.
"""
import importlib
import importlib.metadata as md
import json

names = {}
for dist in md.distributions():
    tops = (dist.read_text("top_level.txt") or "").split()
    if not tops:
        for f in dist.files or []:
            parts = f.parts
            if not parts or parts[0] == ".." or parts[0].endswith((".dist-info", ".data", ".libs")):
                continue
            if len(parts) > 1:
                tops.append(parts[0])
            elif parts[0].endswith((".py", ".so")):
                tops.append(parts[0].split(".")[0])
    for top in tops:
        if top.isidentifier() and top != "__pycache__":
            names.setdefault(top, dist.metadata["Name"])

failed = {}
for name in sorted(names):
    try:
        importlib.import_module(name)
    except BaseException as e:  # noqa: BLE001 - report every kind of failure
        failed[name] = f"{type(e).__name__}: {e}"
print(
    json.dumps(
        {
            "modules": sorted(names),
            "distributions": sorted(set(names.values())),
            "failed": failed,
        }
    )
)
