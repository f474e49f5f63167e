"""Times DuckDB writing the tables payrun writes: duckdb_write.py PAYRUN_OUT WORK

Loads payrun's `payroll_summary`, `daily_hours` and `pay_lines` (from its
Parquet files, untimed) into DuckDB tables in memory, then times writing
each as CSV and as Snappy Parquet into WORK and hashing every file written
with SHA-256, as payrun's manifest does. Prints the seconds taken.

This is not a peer of the whole run (the query that makes those tables is
not timed); it is what the files alone cost a second engine, for scale:
the peers' query writes one small CSV.
"""
import hashlib
import pathlib
import sys
import time

import duckdb

source, work = (pathlib.Path(p) for p in sys.argv[1:3])
work.mkdir(parents=True, exist_ok=True)
tables = ["payroll_summary", "daily_hours", "pay_lines"]
con = duckdb.connect()
for table in tables:
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{source / table}.parquet')")
start = time.perf_counter()
for table in tables:
    con.execute(f"COPY {table} TO '{work / table}.csv' (HEADER)")
    con.execute(f"COPY {table} TO '{work / table}.parquet' (FORMAT parquet, COMPRESSION snappy)")
for path in sorted(work.iterdir()):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    digest.hexdigest()
print(f"{time.perf_counter() - start:.3f}")
