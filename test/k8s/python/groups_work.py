"""Where tasks run on a cluster with a worker group offering the Dask resource GPU.

Tasks that ask for GPU=1 (through `dask.annotate` and through `submit(resources=...)`) must
run only on workers that offer it; tasks that ask for nothing may run anywhere.

argv: scheduler address, expected worker count. Prints one JSON line: each worker's pod name
(hostname) with its resources, and the pods each kind of task ran on.
"""
import json
import socket
import sys
import time

import dask

from connect import connect, wait_for_workers

address, count = sys.argv[1], int(sys.argv[2])
client = connect(address, 120)
wait_for_workers(client, count, 240)


def where(i, seconds=0.0):
    time.sleep(seconds)
    return socket.gethostname()


hostnames = client.run(socket.gethostname)
workers = {
    hostnames[a]: w.get("resources", {}) for a, w in client.scheduler_info()["workers"].items()
}

with dask.annotate(resources={"GPU": 1}):
    annotated = [dask.delayed(where)(i, 0.05, dask_key_name=f"gpu-{i}") for i in range(20)]
annotated_hosts = dask.compute(*annotated, optimize_graph=False)

submitted = client.gather(
    [client.submit(where, i, 0.05, resources={"GPU": 1}, pure=False) for i in range(20)]
)
# Enough short tasks that the scheduler hands some to every worker.
anywhere = client.gather([client.submit(where, i, 0.3, pure=False) for i in range(60)])

print(
    json.dumps(
        {
            "workers": workers,
            "annotated": sorted(set(annotated_hosts)),
            "submitted": sorted(set(submitted)),
            "anywhere": sorted(set(anywhere)),
        }
    )
)
