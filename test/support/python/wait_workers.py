"""Waits until N workers are registered. argv: scheduler address, N, deadline seconds."""
import json
import sys

from connect import connect, wait_for_workers

address, count, deadline = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
client = connect(address, deadline)
waited, workers = wait_for_workers(client, count, deadline)
print(json.dumps({"seconds": waited, "workers": workers}))
