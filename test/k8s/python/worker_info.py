"""Threads and memory limit of every worker, as the scheduler sees them (scheduler_info).

argv: scheduler address, expected worker count. Prints one JSON line.
"""
import json
import sys

from connect import connect, wait_for_workers

address, count = sys.argv[1], int(sys.argv[2])
client = connect(address)
wait_for_workers(client, count, 120)
workers = client.scheduler_info()["workers"]
print(
    json.dumps(
        {
            "workers": [
                {"address": a, "nthreads": w["nthreads"], "memory_limit": w["memory_limit"], "name": str(w["name"])}
                for a, w in sorted(workers.items())
            ]
        }
    )
)
