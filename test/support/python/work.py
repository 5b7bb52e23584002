"""Real work on the cluster: an array reduction and a dataframe groupby.

argv: scheduler address, array length, groupby modulus. Prints one JSON line.
"""
import json
import sys

import dask.array as da
import dask.dataframe as dd

from connect import connect, wait_for_workers

address, length, modulus = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = connect(address)
waited, workers = wait_for_workers(client, 2, 60)

x = da.arange(length, chunks=length // 8)
array_sum = int(x.sum().compute())
array_square_sum = int((x.astype("int64") ** 2).sum().compute())

# Built on the cluster from a dask array, so no large graph is shipped from the client.
values = da.arange(length, chunks=length // 8)
frame = dd.from_dask_array(da.stack([values % modulus, values], axis=1), columns=["key", "value"])
grouped = frame.groupby("key")["value"].sum().compute()

versions = client.get_versions(check=True)
print(
    json.dumps(
        {
            "workers": workers,
            "arraySum": array_sum,
            "arraySquareSum": array_square_sum,
            "groupSums": {str(int(k)): int(v) for k, v in grouped.sort_index().items()},
            "python": versions["client"]["host"]["python"],
            "dask": versions["client"]["packages"]["dask"],
            "distributed": versions["client"]["packages"]["distributed"],
        }
    )
)
