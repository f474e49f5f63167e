"""The weekly FLSA summary of one biweekly pay period in Polars (Python):
polars_peer.py CARDS USERS PERIOD_START OUT.csv

The same computation as flsa.sql (see there), written as a data engineer
would with Polars' lazy API. Polars converts wall time to UTC with one zone
per expression, so each zone is converted on its own and the parts joined.
"""
import sys
from datetime import date, timedelta

import polars as pl

cards_path, users_path, start_text, out = sys.argv[1:5]
start = date.fromisoformat(start_text)
end = start + timedelta(days=14)
WALL = "%Y-%m-%d %H:%M:%S"


def timestamp(name):
    column = pl.col(name)
    return (
        pl.when(column.cast(pl.String).str.len_chars() == 19)
        .then(column.cast(pl.String).str.to_datetime(WALL, strict=False, time_unit="ms"))
        .otherwise(None)
        if pl.read_parquet_schema(cards_path)[name] == pl.String
        else column.cast(pl.Datetime("ms"))
    )


users = pl.scan_parquet(users_path).select(
    pl.col("userName").cast(pl.String).alias("user_name"),
    pl.col("timeZone").cast(pl.String).alias("tz"),
    (pl.col("payRate").cast(pl.String).cast(pl.Decimal(18, 4), strict=False) * 10000)
    .cast(pl.Int64)
    .alias("rate_e4"),
)
shifts = (
    pl.scan_parquet(cards_path)
    .filter(pl.col("entryType").cast(pl.String) == "0")
    .select(
        pl.col("userName").cast(pl.String).alias("user_name"),
        timestamp("inDateTime").alias("t_in"),
        timestamp("outDateTime").alias("t_out"),
    )
    .join(users, on="user_name")
    .filter(pl.col("t_out") > pl.col("t_in"))
    # Sunday-start workweeks.
    .with_columns(wk=(pl.col("t_in") + pl.duration(days=1)).dt.truncate("1w") - pl.duration(days=1))
)
boundary = pl.col("wk") + pl.duration(days=7)
pieces = pl.concat([
    shifts.select("user_name", "tz", "rate_e4", "wk", a="t_in", b=pl.min_horizontal("t_out", boundary)),
    shifts.filter(pl.col("t_out") > boundary).select(
        "user_name", "tz", "rate_e4", wk=boundary, a=boundary, b="t_out"
    ),
]).filter((pl.col("wk") >= pl.lit(start)) & (pl.col("wk") < pl.lit(end)))

zones = users.select(pl.col("tz").unique().drop_nulls()).collect()["tz"].to_list()
seconds = pl.concat([
    pieces.filter(pl.col("tz") == zone).select(
        "user_name", "rate_e4", "wk",
        s=(
            pl.col("b").dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null").dt.epoch("ms")
            - pl.col("a").dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null").dt.epoch("ms")
        ) // 1000,
    )
    for zone in zones
])
ot = (pl.col("s") - 144000).clip(lower_bound=0)
weeks = seconds.group_by("user_name", "rate_e4", "wk").agg(pl.col("s").sum())
per_user = weeks.group_by("user_name", "rate_e4").agg(
    reg=(pl.col("s") - ot).sum(), ot=ot.sum()
)
reg_h = (pl.col("reg") * 2 + 36) // 72
ot_h = (pl.col("ot") * 2 + 36) // 72
result = per_user.select(
    "user_name",
    worked_hundredths=reg_h + ot_h,
    overtime_hundredths=ot_h,
    gross_cents=(pl.col("rate_e4") * pl.col("reg") * 2 + 360000) // 720000
    + (pl.col("rate_e4") * pl.col("ot") * 6 + 720000) // 1440000,
).sort("user_name")
result.collect().write_csv(out)
