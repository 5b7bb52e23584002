"""A short array computation that needs only `min_workers` workers (for use during a rollout).

argv: scheduler address, min workers. Prints one JSON line.
"""
import json
import sys

import dask.array as da

from connect import connect, wait_for_workers

address, min_workers = sys.argv[1], int(sys.argv[2])
client = connect(address, 120)
wait_for_workers(client, min_workers, 120)
total = int(da.arange(1_000_000, chunks=125_000).sum().compute())
print(json.dumps({"sum": total, "workers": len(client.scheduler_info()["workers"])}))
