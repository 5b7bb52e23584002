"""A computation long enough to kill a worker in the middle of it.

argv: scheduler address, task count, seconds per task. Prints "STARTED" once tasks are
running on the workers, then one JSON line with the result.
"""
import json
import sys
import time

from connect import connect, wait_for_workers

address, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
client = connect(address)
wait_for_workers(client, 2, 60)


def slow_square(i):
    time.sleep(seconds)
    return i * i


futures = client.map(slow_square, range(count), pure=False)
# Wait until both workers hold tasks, so killing one loses in-flight work.
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    processing = client.processing()
    if sum(1 for tasks in processing.values() if tasks) >= 2:
        break
    time.sleep(0.1)
print("STARTED", flush=True)
total = client.submit(sum, futures).result(timeout=300)
print(json.dumps({"sum": int(total), "workers": sorted(client.scheduler_info()["workers"])}), flush=True)
