-- The work payrun's default run does for the flsa mix, in DuckDB: the
-- weekly FLSA computation, then per user a summary row, per user and
-- workday a row of hours, per user, workweek, job and shift a pay line
-- for regular and for overtime pay. duckdb_same_work.py writes each as CSV
-- and as Snappy Parquet, copies the two input files beside them and
-- hashes every file into a manifest, as payrun does.
--
-- Per hourly user: every complete job entry (entryType 0 with an out time
-- after its in) read as wall time in the user's zone, split at each local
-- midnight it crosses (workdays at midnight, as payrun's default), each
-- piece's real (UTC) seconds counted in its workday and its workweek
-- (from Sunday). In each workweek, the seconds past 40 h in time order
-- are overtime, paid at 1.5x. Hours are hundredths of an hour and pay is
-- cents, each summary line rounded once, half away from zero.
--
-- Placeholders (filled in by duckdb_same_work.py): {cards} {users} {start}.
-- Works on both file shapes: typed (as `payrun fetch` writes) and every
-- column text (as the API sends it, `payrun sim --dump --raw`).
SET TimeZone = 'UTC';

CREATE TEMP TABLE users AS
SELECT userName AS user_name,
       employeeNumber AS employee_number,
       userFullName AS user_full_name,
       departmentName AS department_name,
       rateType AS rate_type,
       TRY_CAST(payRate AS DECIMAL(18, 4)) AS pay_rate,
       CAST(TRY_CAST(payRate AS DECIMAL(18, 4)) * 10000 AS BIGINT) AS rate_e4,
       timeZone AS tz
FROM read_parquet('{users}');

CREATE TEMP TABLE pieces AS
WITH shifts AS (
  SELECT c.userName AS user_name, u.tz, u.rate_e4,
         c.jobName AS job_name, c.shiftName AS shift_name,
         TRY_CAST(c.inDateTime AS TIMESTAMP) AS t_in,
         TRY_CAST(c.outDateTime AS TIMESTAMP) AS t_out
  FROM read_parquet('{cards}') c
  JOIN users u ON u.user_name = c.userName
  WHERE TRY_CAST(c.entryType AS INTEGER) = 0
),
split AS (
  SELECT user_name, tz, rate_e4, job_name, shift_name, t_in AS a,
         least(t_out, date_trunc('day', t_in) + INTERVAL 1 DAY) AS b
  FROM shifts WHERE t_out > t_in
  UNION ALL
  SELECT user_name, tz, rate_e4, job_name, shift_name,
         date_trunc('day', t_in) + INTERVAL 1 DAY AS a, t_out AS b
  FROM shifts WHERE t_out > date_trunc('day', t_in) + INTERVAL 1 DAY
),
timed AS (
  SELECT user_name, rate_e4, job_name, shift_name, a,
         CAST(a AS DATE) AS work_date,
         CAST(date_trunc('week', a + INTERVAL 1 DAY) - INTERVAL 1 DAY AS DATE) AS wk,
         (epoch_ms(timezone(tz, b)) - epoch_ms(timezone(tz, a))) // 1000 AS s
  FROM split
),
counted AS (
  SELECT *, sum(s) OVER (PARTITION BY user_name, wk ORDER BY a
                         ROWS UNBOUNDED PRECEDING) AS through
  FROM timed
  WHERE wk >= DATE '{start}' AND wk < DATE '{start}' + INTERVAL 14 DAY
)
SELECT user_name, rate_e4, job_name, shift_name, work_date, wk,
       greatest(least(s, through - 144000), 0) AS ot,
       s - greatest(least(s, through - 144000), 0) AS reg
FROM counted;

CREATE TEMP TABLE payroll_summary AS
WITH per_user AS (
  SELECT user_name, sum(reg)::BIGINT AS reg, sum(ot)::BIGINT AS ot
  FROM pieces GROUP BY ALL
),
figures AS (
  SELECT u.*, coalesce(p.reg, 0) AS reg, coalesce(p.ot, 0) AS ot
  FROM users u LEFT JOIN per_user p USING (user_name)
)
SELECT DATE '{start}' AS period_start,
       CAST(DATE '{start}' + INTERVAL 13 DAY AS DATE) AS period_end,
       user_name, employee_number, user_full_name, department_name, rate_type,
       pay_rate, 'default' AS overtime_rule, tz AS time_zone,
       CAST(((reg * 2 + 36) // 72 + (ot * 2 + 36) // 72) / 100 AS DECIMAL(18, 2)) AS worked_hours,
       CAST(((reg * 2 + 36) // 72) / 100 AS DECIMAL(18, 2)) AS regular_hours,
       CAST(((ot * 2 + 36) // 72) / 100 AS DECIMAL(18, 2)) AS overtime_hours,
       CAST(((rate_e4 * reg * 2 + 360000) // 720000) / 100 AS DECIMAL(18, 2)) AS regular_pay,
       CAST(((rate_e4 * ot * 3 * 2 + 720000) // 1440000) / 100 AS DECIMAL(18, 2)) AS overtime_pay,
       CAST(((rate_e4 * reg * 2 + 360000) // 720000
             + (rate_e4 * ot * 3 * 2 + 720000) // 1440000) / 100 AS DECIMAL(18, 2)) AS gross_pay
FROM figures
ORDER BY user_name, employee_number;

CREATE TEMP TABLE daily_hours AS
SELECT p.user_name, work_date,
       CAST(((sum(reg) + sum(ot)) * 2 + 36) // 72 / 100 AS DECIMAL(18, 2)) AS worked_hours,
       CAST((sum(reg) * 2 + 36) // 72 / 100 AS DECIMAL(18, 2)) AS regular_hours,
       CAST((sum(ot) * 2 + 36) // 72 / 100 AS DECIMAL(18, 2)) AS overtime_hours,
       u.employee_number
FROM pieces p JOIN users u USING (user_name)
WHERE work_date >= DATE '{start}' AND work_date < DATE '{start}' + INTERVAL 14 DAY
GROUP BY p.user_name, work_date, u.employee_number
ORDER BY p.user_name, work_date;

CREATE TEMP TABLE pay_lines AS
WITH lines AS (
  SELECT user_name, wk, job_name, shift_name, rate_e4,
         sum(reg)::BIGINT AS reg, sum(ot)::BIGINT AS ot
  FROM pieces GROUP BY ALL
)
SELECT l.user_name, u.employee_number, wk AS week_start, kind, l.job_name, l.shift_name,
       CAST((seconds * 2 + 36) // 72 / 100 AS DECIMAL(18, 2)) AS hours,
       CAST(l.rate_e4 * multiplier / 20000 AS DECIMAL(18, 4)) AS rate,
       CAST((l.rate_e4 * seconds * multiplier * 2 + 720000) // 1440000 / 100
            AS DECIMAL(18, 2)) AS amount
FROM lines l JOIN users u USING (user_name),
     LATERAL (VALUES ('regular', reg, 2), ('overtime', ot, 3)) AS k(kind, seconds, multiplier)
WHERE seconds > 0
ORDER BY l.user_name, wk, kind, l.job_name, l.shift_name;
