"""A computation that runs across a rollout of the workers.

argv: scheduler address, task count, seconds per task. Each task sleeps, then returns its
square and the name of the pod it ran on (the pod's hostname). Prints "STARTED" once tasks are
running, with the pods that run them (`STARTED {"pods": [...]}`), then one JSON line: the sum
and the sorted pod names whose results were kept (a leaving worker's results are recomputed
elsewhere, so these are the pods that were there at the end).
"""
import json
import socket
import sys
import time

from connect import connect, wait_for_workers

address, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
client = connect(address)
wait_for_workers(client, 2, 60)


def slow_square(i):
    time.sleep(seconds)
    return i * i, socket.gethostname()


futures = client.map(slow_square, range(count), pure=False)
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not any(client.processing().values()):
    time.sleep(0.1)
hosts = client.run(socket.gethostname)
busy = sorted({hosts[addr] for addr, tasks in client.processing().items() if tasks and addr in hosts})
print("STARTED " + json.dumps({"pods": busy}), flush=True)
results = client.gather(futures)
print(
    json.dumps({"sum": sum(r[0] for r in results), "pods": sorted({r[1] for r in results})}),
    flush=True,
)
