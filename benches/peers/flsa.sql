-- The weekly FLSA summary of one biweekly pay period, as one DuckDB query:
-- what a data engineer would write instead of running payrun.
--
-- Per hourly user: every complete job entry (entryType 0 with an out time)
-- read as wall time in the user's zone, split at the local Sunday midnight
-- it crosses, each piece's real (UTC) seconds counted in its workweek;
-- overtime is the seconds past 40 h in each workweek, paid at 1.5x.
-- Hours are hundredths of an hour and pay is cents, each summary line
-- rounded once, half away from zero; worked = regular + overtime, rounded.
--
-- Placeholders (filled in by duckdb_peer.py): {cards} {users} {start} {out}.
-- Works on both file shapes: typed (as `payrun fetch` writes) and every
-- column text (as the API sends it, `payrun sim --dump --raw`).
SET TimeZone = 'UTC';
COPY (
  WITH users AS (
    SELECT userName AS user_name,
           timeZone AS tz,
           CAST(TRY_CAST(payRate AS DECIMAL(18, 4)) * 10000 AS BIGINT) AS rate_e4
    FROM read_parquet('{users}')
  ),
  shifts AS (
    SELECT c.userName AS user_name, u.tz, u.rate_e4,
           TRY_CAST(c.inDateTime AS TIMESTAMP) AS t_in,
           TRY_CAST(c.outDateTime AS TIMESTAMP) AS t_out,
           date_trunc('week', TRY_CAST(c.inDateTime AS TIMESTAMP) + INTERVAL 1 DAY)
             - INTERVAL 1 DAY AS wk
    FROM read_parquet('{cards}') c
    JOIN users u ON u.user_name = c.userName
    WHERE TRY_CAST(c.entryType AS INTEGER) = 0
  ),
  pieces AS (
    SELECT user_name, tz, rate_e4, wk, t_in AS a, least(t_out, wk + INTERVAL 7 DAY) AS b
    FROM shifts WHERE t_out > t_in
    UNION ALL
    SELECT user_name, tz, rate_e4, wk + INTERVAL 7 DAY, wk + INTERVAL 7 DAY, t_out
    FROM shifts WHERE t_out > wk + INTERVAL 7 DAY
  ),
  weeks AS (
    SELECT user_name, rate_e4, wk,
           sum(epoch_ms(timezone(tz, b)) - epoch_ms(timezone(tz, a))) // 1000 AS s
    FROM pieces
    WHERE wk >= TIMESTAMP '{start}' AND wk < TIMESTAMP '{start}' + INTERVAL 14 DAY
    GROUP BY ALL
  ),
  per_user AS (
    SELECT user_name, rate_e4,
           sum(s - greatest(s - 144000, 0))::BIGINT AS reg,
           sum(greatest(s - 144000, 0))::BIGINT AS ot
    FROM weeks GROUP BY ALL
  )
  SELECT user_name,
         (reg * 2 + 36) // 72 + (ot * 2 + 36) // 72 AS worked_hundredths,
         (ot * 2 + 36) // 72 AS overtime_hundredths,
         (rate_e4 * reg * 2 + 360000) // 720000
           + (rate_e4 * ot * 3 * 2 + 720000) // 1440000 AS gross_cents
  FROM per_user
  ORDER BY user_name
) TO '{out}' (HEADER, DELIMITER ',');
