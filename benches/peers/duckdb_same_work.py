"""DuckDB doing what payrun's default run does: duckdb_same_work.py CARDS USERS PERIOD_START OUT

Runs same_work.sql (the weekly FLSA computation and payrun's three large
tables, computed by DuckDB itself), writes `payroll_summary`, `daily_hours`
and `pay_lines` into OUT as CSV and as Snappy Parquet, copies the two input
files into OUT/inputs, and writes OUT/manifest.json with every file's
SHA-256, as payrun's run does. Also writes OUT/peer.csv in compare.py's
columns (user_name, worked_hundredths, overtime_hundredths, gross_cents),
outside what is timed by nothing more than the run itself.
"""
import hashlib
import json
import pathlib
import shutil
import sys

import duckdb

cards, users, start, out = sys.argv[1:5]
out = pathlib.Path(out)
(out / "inputs").mkdir(parents=True, exist_ok=True)
sql = (pathlib.Path(__file__).with_name("same_work.sql").read_text()
       .replace("{cards}", cards).replace("{users}", users).replace("{start}", start))
con = duckdb.connect()
con.execute(sql)
for table in ["payroll_summary", "daily_hours", "pay_lines"]:
    con.execute(f"COPY {table} TO '{out / table}.csv' (HEADER)")
    con.execute(f"COPY {table} TO '{out / table}.parquet' (FORMAT parquet, COMPRESSION snappy)")
for source in (cards, users):
    shutil.copyfile(source, out / "inputs" / pathlib.Path(source).name)
files = {}
for path in sorted(p for p in out.rglob("*") if p.is_file()):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    files[str(path.relative_to(out))] = digest.hexdigest()
(out / "manifest.json").write_text(json.dumps({"files_sha256": files}, indent=2))
con.execute(f"""
    COPY (SELECT user_name,
                 CAST(worked_hours * 100 AS BIGINT) AS worked_hundredths,
                 CAST(overtime_hours * 100 AS BIGINT) AS overtime_hundredths,
                 CAST(gross_pay * 100 AS BIGINT) AS gross_cents
          FROM payroll_summary)
    TO '{out / "peer.csv"}' (HEADER)""")
