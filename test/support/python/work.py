"""Real work on the cluster: an array reduction and (unless the set has no pyarrow) a
dataframe groupby.

argv: scheduler address, array length, groupby modulus[, "array" to skip the dataframe and
report why dask.dataframe cannot import instead]. Prints one JSON line.
"""
import json
import sys

import dask.array as da

from connect import connect, wait_for_workers

address, length, modulus = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
array_only = sys.argv[4:] == ["array"]
client = connect(address)
waited, workers = wait_for_workers(client, 2, 60)

x = da.arange(length, chunks=length // 8)
array_sum = int(x.sum().compute())
array_square_sum = int((x.astype("int64") ** 2).sum().compute())

group_sums = None
dataframe_error = None
try:
    import dask.dataframe as dd
except ImportError as e:
    if not array_only:
        raise
    dataframe_error = str(e)
if not array_only:
    # Built on the cluster from a dask array, so no large graph is shipped from the client.
    values = da.arange(length, chunks=length // 8)
    frame = dd.from_dask_array(
        da.stack([values % modulus, values], axis=1), columns=["key", "value"]
    )
    grouped = frame.groupby("key")["value"].sum().compute()
    group_sums = {str(int(k)): int(v) for k, v in grouped.sort_index().items()}

versions = client.get_versions(check=True)
print(
    json.dumps(
        {
            "workers": workers,
            "arraySum": array_sum,
            "arraySquareSum": array_square_sum,
            "groupSums": group_sums,
            "dataframeError": dataframe_error,
            "python": versions["client"]["host"]["python"],
            "dask": versions["client"]["packages"]["dask"],
            "distributed": versions["client"]["packages"]["distributed"],
        }
    )
)
