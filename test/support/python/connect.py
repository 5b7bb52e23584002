"""Shared client prelude: connect with version mismatches turned into errors.

Run inside a container from the image under test, on the cluster's docker network.
"""
import time
import warnings

from distributed import Client
from distributed.versions import VersionMismatchWarning

# A mismatch between client, scheduler and workers must fail the test, not warn.
warnings.simplefilter("error", VersionMismatchWarning)


def connect(address, deadline_seconds=60.0):
    """Connects, retrying until the scheduler answers or the deadline passes."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            client = Client(address, timeout="10s")
            client.get_versions(check=True)
            return client
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def wait_for_workers(client, count, deadline_seconds):
    """Polls scheduler_info() until `count` workers are registered; returns the seconds waited."""
    started = time.monotonic()
    while True:
        workers = client.scheduler_info()["workers"]
        if len(workers) >= count:
            return time.monotonic() - started, sorted(workers)
        if time.monotonic() - started > deadline_seconds:
            raise TimeoutError(f"{len(workers)} of {count} workers after {deadline_seconds}s")
        time.sleep(0.2)
