"""Runs flsa.sql in DuckDB: duckdb_peer.py CARDS USERS PERIOD_START OUT.csv"""
import pathlib
import sys

import duckdb

cards, users, start, out = sys.argv[1:5]
sql = (pathlib.Path(__file__).with_name("flsa.sql").read_text()
       .replace("{cards}", cards).replace("{users}", users)
       .replace("{start}", start).replace("{out}", out))
duckdb.connect().execute(sql)
