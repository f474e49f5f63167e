//! The output tables of design §9 as typed rows and as Polars DataFrames.
//!
//! Hours are exact seconds until here. Displayed with two decimals, they are
//! rounded so that the files agree with themselves: each summary tier is the
//! exact total rounded half away from zero; the daily values of that tier
//! are apportioned (largest remainder) so they add up to it, each within
//! 0.01 h of its own exact value; and every `worked_hours` is the sum of
//! its row's regular, overtime and double-time hours. A clerk adding up the
//! daily file gets the summary, to the cent of an hour.
//!
//! It is long because the tables' columns and their rounding (each tier
//! rounded once, days apportioned) are built here together; the last fifth
//! is tests.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use payrun_ingest::exceptions_frame;
use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::apportion::{floor_rem, largest, round_div};
use crate::run::{DayRow, PayLine, PayTotals, PayrollRun, SummaryRow};

/// The output tables.
#[derive(Debug, Clone)]
pub struct Report {
    /// `payroll_summary`: one row per user.
    pub payroll_summary: DataFrame,
    /// `daily_hours`: one row per user and workday.
    pub daily_hours: DataFrame,
    /// `department_summary`: one row per department.
    pub department_summary: DataFrame,
    /// `exceptions`.
    pub exceptions: DataFrame,
    /// `pay_lines`: one row per user, workweek, kind, job and shift.
    pub pay_lines: DataFrame,
}

/// The small output tables: everything but `daily_hours` and `pay_lines`,
/// which grow with the days worked and are best built and written a block
/// of users at a time ([`detail_blocks`]).
#[derive(Debug, Clone)]
pub struct Summaries {
    /// `payroll_summary`: one row per user.
    pub payroll_summary: DataFrame,
    /// `department_summary`: one row per department.
    pub department_summary: DataFrame,
    /// `exceptions`.
    pub exceptions: DataFrame,
}

impl Summaries {
    /// The small tables of `run`.
    pub fn build(run: &PayrollRun) -> PolarsResult<Summaries> {
        let rounded = RoundedOf::totals(&run.summary, &run.days);
        let (summary, (departments, exceptions)) = rayon::join(
            || summary_frame(&run.summary, &rounded),
            || {
                rayon::join(
                    || department_frame(run, &rounded),
                    || exceptions_frame(&run.exceptions),
                )
            },
        );
        Ok(Summaries {
            payroll_summary: summary?,
            department_summary: departments?,
            exceptions: exceptions?,
        })
    }
}

/// `daily_hours` and `pay_lines` of `run`, `users` summary rows at a time:
/// each item is one block's two frames, and the blocks, one after the
/// other, are [`Report::build`]'s frames row for row. Only one block's rows
/// are in frames at once, so a writer that appends them holds a block, not
/// the table. A day or pay line of no summary row is an error, not dropped.
pub fn detail_blocks(
    run: &PayrollRun,
    users: usize,
) -> impl Iterator<Item = PolarsResult<(DataFrame, DataFrame)>> + '_ {
    let (mut days, mut lines) = (&run.days[..], &run.pay_lines[..]);
    let blocks = run.summary.len().div_ceil(users.max(1)).max(1);
    let mut rows = run.summary.chunks(users.max(1));
    (0..blocks).map(move |block| {
        let rows = rows.next().unwrap_or(&[]);
        let (mut d, mut l) = (0, 0);
        for row in rows {
            d += days[d..].iter().take_while(|x| x.user == row.user).count();
            l += lines[l..].iter().take_while(|x| x.user == row.user).count();
        }
        let (block_days, rest_days) = days.split_at(d);
        let (block_lines, rest_lines) = lines.split_at(l);
        (days, lines) = (rest_days, rest_lines);
        if block + 1 == blocks && !(days.is_empty() && lines.is_empty()) {
            polars_bail!(ComputeError: "a day or pay line of user {:?} belongs to no summary row", days.first().map(|d| d.user).or(lines.first().map(|l| l.user)));
        }
        let rounded = RoundedOf::new(rows, block_days);
        let (daily, pay_lines) = rayon::join(
            || daily_frame(rows, &rounded),
            || pay_lines_frame(rows, block_lines),
        );
        Ok((daily?, pay_lines?))
    })
}

/// The days and pay lines of `rows` at the start of `days` and `lines`
/// (which come grouped by user in the rows' order): how many of each.
fn rows_extent(rows: &[SummaryRow], days: &[DayRow], lines: &[PayLine]) -> (usize, usize) {
    let (mut d, mut l) = (0, 0);
    for row in rows {
        d += days[d..].iter().take_while(|x| x.user == row.user).count();
        l += lines[l..].iter().take_while(|x| x.user == row.user).count();
    }
    (d, l)
}

/// Some users' rows: summary rows, and their days and pay lines.
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    /// Summary rows.
    pub rows: &'a [SummaryRow],
    /// Their days, grouped by user in the rows' order.
    pub days: &'a [DayRow],
    /// Their pay lines, grouped the same way.
    pub lines: &'a [PayLine],
}

impl Block<'_> {
    /// The block's rows of the tables ([`TableBlock::build`]).
    pub fn tables(&self) -> PolarsResult<TableBlock> {
        TableBlock::build(self.rows, self.days, self.lines)
    }
}

/// Cuts a run given a part at a time (parts of any size, in order) into
/// blocks of the same number of summary rows, the last fewer: the blocks
/// [`detail_blocks`] cuts the whole run into, whatever the parts. The
/// rows of a block split between two parts are copied; the others are
/// read where they are.
#[derive(Debug, Default)]
pub struct Blocks {
    rows: usize,
    carry: (Vec<SummaryRow>, Vec<DayRow>, Vec<PayLine>),
    cut: usize,
}

impl Blocks {
    /// Blocks of `rows` summary rows.
    pub fn new(rows: usize) -> Self {
        Blocks {
            rows: rows.max(1),
            ..Blocks::default()
        }
    }

    /// Hands `each` every block `part` completes, in order. A day or pay
    /// line of no summary row is an error, not dropped.
    pub fn cut<E: From<PolarsError>>(
        &mut self,
        part: &PayrollRun,
        mut each: impl FnMut(Block<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let (mut rows, mut days, mut lines) =
            (&part.summary[..], &part.days[..], &part.pay_lines[..]);
        if !self.carry.0.is_empty() {
            let take = (self.rows - self.carry.0.len()).min(rows.len());
            let (d, l) = rows_extent(&rows[..take], days, lines);
            self.carry.0.extend_from_slice(&rows[..take]);
            self.carry.1.extend_from_slice(&days[..d]);
            self.carry.2.extend_from_slice(&lines[..l]);
            (rows, days, lines) = (&rows[take..], &days[d..], &lines[l..]);
            if self.carry.0.len() == self.rows {
                let (r, d, l) = std::mem::take(&mut self.carry);
                self.cut += 1;
                each(Block {
                    rows: &r,
                    days: &d,
                    lines: &l,
                })?;
            }
        }
        while rows.len() >= self.rows {
            let (block, rest) = rows.split_at(self.rows);
            let (d, l) = rows_extent(block, days, lines);
            self.cut += 1;
            each(Block {
                rows: block,
                days: &days[..d],
                lines: &lines[..l],
            })?;
            (rows, days, lines) = (rest, &days[d..], &lines[l..]);
        }
        let (d, l) = rows_extent(rows, days, lines);
        if d != days.len() || l != lines.len() {
            let user = days.get(d).map(|x| x.user).or(lines.get(l).map(|x| x.user));
            return Err(polars_err!(ComputeError: "a day or pay line of user {user:?} belongs to no summary row").into());
        }
        self.carry.0.extend_from_slice(rows);
        self.carry.1.extend_from_slice(days);
        self.carry.2.extend_from_slice(lines);
        Ok(())
    }

    /// Hands `each` the last block: the rows left, or no rows at all when
    /// no block was cut (so that every table has its header and schema).
    pub fn finish<E>(self, mut each: impl FnMut(Block<'_>) -> Result<(), E>) -> Result<(), E> {
        let (r, d, l) = self.carry;
        if r.is_empty() && self.cut > 0 {
            return Ok(());
        }
        each(Block {
            rows: &r,
            days: &d,
            lines: &l,
        })
    }
}

/// Hundredths of an hour in a second.
const SECONDS_PER_HUNDREDTH: i128 = 36;
/// Hundredths of an hour in a PTO mantissa at scale 6.
const MICRO_HOURS_PER_HUNDREDTH: i128 = 10_000;

/// `d`'s mantissa at scale `dp`, rounded half away from zero: what
/// `round_dp_with_strategy(dp, MidpointAwayFromZero)` then `rescale(dp)`
/// give, in integer arithmetic (a quarter of the cost for the exact
/// 28-digit hours and rates of pay lines). `dp` is at most 6, so neither
/// step can overflow: a mantissa is below 2^96 and its scale at most 28.
fn at_scale(d: Decimal, dp: u32) -> i128 {
    let (mantissa, scale) = (d.mantissa(), d.scale());
    if scale <= dp {
        return mantissa * 10i128.pow(dp - scale);
    }
    let unit = 10i128.pow(scale - dp);
    // One division (i64 when it fits): the remainder from the quotient.
    let q = match (i64::try_from(mantissa), i64::try_from(unit)) {
        (Ok(m), Ok(u)) => i128::from(m / u),
        _ => mantissa / unit,
    };
    let r = mantissa - q * unit;
    if 2 * r.abs() >= unit {
        q + mantissa.signum()
    } else {
        q
    }
}

fn micro_hours(d: Decimal) -> i128 {
    at_scale(d, 6)
}

fn cents(d: Decimal) -> i128 {
    at_scale(d, 2)
}

fn decimal_column(name: &str, values: Vec<i128>, scale: usize) -> PolarsResult<Column> {
    Ok(Int128Chunked::from_vec(name.into(), values)
        .into_decimal(18, scale)?
        .into_series()
        .into_column())
}

fn optional_decimal_column(
    name: &str,
    values: Vec<Option<i128>>,
    scale: usize,
) -> PolarsResult<Column> {
    Ok(
        Int128Chunked::from_iter_options(name.into(), values.into_iter())
            .into_decimal(18, scale)?
            .into_series()
            .into_column(),
    )
}

/// A text column of `values` (borrowed: no string is copied but into the column).
fn text_column<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> Column {
    let values: StringChunked = values.collect();
    values.with_name(name.into()).into_column()
}

/// The five hour columns of `payroll_summary` and `daily_hours`, in
/// hundredths: `worked_hours` (the sum of the three worked tiers, so that
/// every row adds up), then regular, overtime, double-time and PTO hours.
fn hour_columns(hours: &[Hundredths]) -> PolarsResult<[Column; 5]> {
    let tier = |name: &str, i: usize| decimal_column(name, hours.iter().map(|h| h[i]).collect(), 2);
    Ok([
        decimal_column(
            "worked_hours",
            hours.iter().map(|h| h[0] + h[1] + h[2]).collect(),
            2,
        )?,
        tier("regular_hours", 0)?,
        tier("overtime_hours", 1)?,
        tier("double_time_hours", 2)?,
        tier("pto_hours", 3)?,
    ])
}

fn date_column(name: &str, values: Vec<NaiveDate>) -> Column {
    Column::new(name.into(), values)
}

/// A user's hours in hundredths: regular, overtime, double time, PTO.
type Hundredths = [i128; 4];

/// Day `d`'s value of `tier` in the tier's unit ([`UNITS`]).
fn tier_value(tier: usize, d: &DayRow) -> i128 {
    match tier {
        0 => d.regular.into(),
        1 => d.overtime.into(),
        2 => d.double_time.into(),
        _ => micro_hours(d.pto),
    }
}

/// Each tier's unit per hundredth of an hour: seconds, and micro-hours for PTO.
const UNITS: [i128; 4] = [
    SECONDS_PER_HUNDREDTH,
    SECONDS_PER_HUNDREDTH,
    SECONDS_PER_HUNDREDTH,
    MICRO_HOURS_PER_HUNDREDTH,
];

/// A user's rounded totals only: each tier's exact sum rounded once, what
/// [`round_user`] gives them without apportioning the days.
fn round_totals(days: &[DayRow]) -> Hundredths {
    std::array::from_fn(|tier| {
        round_div(days.iter().map(|d| tier_value(tier, d)).sum(), UNITS[tier])
    })
}

/// A user's rounded totals, and in `parts` (one per day) each day's share
/// of them: per tier, what [`apportion`](crate::apportion::apportion) gives the days' values, computed
/// in place (`order` is a buffer the caller keeps).
fn round_user(
    days: &[DayRow],
    parts: &mut [Hundredths],
    order: &mut Vec<(std::cmp::Reverse<i128>, usize)>,
) -> Hundredths {
    std::array::from_fn(|tier| match tier {
        3 => round_tier::<MICRO_HOURS_PER_HUNDREDTH>(tier, days, parts, order),
        _ => round_tier::<SECONDS_PER_HUNDREDTH>(tier, days, parts, order),
    })
}

/// [`round_user`] of one tier, whose unit is `UNIT` (a constant, so that
/// dividing by it is a multiplication): the rounded total; each day's
/// floor, then one more hundredth for the largest remainders (the earlier
/// day first on a tie), found without sorting every day.
fn round_tier<const UNIT: i128>(
    tier: usize,
    days: &[DayRow],
    parts: &mut [Hundredths],
    order: &mut Vec<(std::cmp::Reverse<i128>, usize)>,
) -> i128 {
    let (mut sum, mut floors) = (0i128, 0i128);
    order.clear();
    for (i, (d, part)) in days.iter().zip(parts.iter_mut()).enumerate() {
        let v = tier_value(tier, d);
        let (floor, remainder) = if v == 0 { (0, 0) } else { floor_rem(v, UNIT) };
        sum += v;
        part[tier] = floor;
        floors += floor;
        order.push((std::cmp::Reverse(remainder), i));
    }
    let total = round_div(sum, UNIT);
    let missing = usize::try_from(total - floors).unwrap_or(0);
    for &mut (_, i) in largest(order, missing, |o| *o) {
        parts[i][tier] += 1;
    }
    total
}

/// Users rounded per task: enough to amortise the task.
const USERS_PER_ROUNDING_TASK: usize = 512;

/// Each summary row's days (a run of `days`, which arrive grouped by
/// user in summary order) and their rounded hours, by summary row.
struct RoundedOf<'a> {
    days: Vec<&'a [DayRow]>,
    /// Each row's rounded totals.
    totals: Vec<Hundredths>,
    /// Each day's share of its row's totals, the rows' days one after the
    /// other (empty when only the totals were asked for).
    per_day: Vec<Hundredths>,
}

impl<'a> RoundedOf<'a> {
    /// The rounded hours of `summary`'s users, per day too.
    fn new(summary: &[SummaryRow], days: &'a [DayRow]) -> Self {
        Self::with(summary, days, true)
    }

    /// The rounded totals of `summary`'s users (no per-day values).
    fn totals(summary: &[SummaryRow], days: &'a [DayRow]) -> Self {
        Self::with(summary, days, false)
    }

    fn with(summary: &[SummaryRow], all_days: &'a [DayRow], per_day: bool) -> Self {
        let mut days = Vec::with_capacity(summary.len());
        let mut rest = all_days;
        for row in summary {
            let n = rest.iter().take_while(|d| d.user == row.user).count();
            let (mine, after) = rest.split_at(n);
            days.push(mine);
            rest = after;
        }
        if !per_day {
            let totals = days.par_iter().map(|d| round_totals(d)).collect();
            return RoundedOf {
                days,
                totals,
                per_day: Vec::new(),
            };
        }
        // Each task's users and the run of `parts` their days fill.
        let height = all_days.len() - rest.len();
        let mut parts = vec![[0i128; 4]; height];
        let mut tasks = Vec::with_capacity(days.len().div_ceil(USERS_PER_ROUNDING_TASK));
        let mut free = &mut parts[..];
        for users in days.chunks(USERS_PER_ROUNDING_TASK) {
            let (theirs, after) = free.split_at_mut(users.iter().map(|d| d.len()).sum());
            tasks.push((users, theirs));
            free = after;
        }
        let totals = tasks
            .into_par_iter()
            .flat_map_iter(|(users, mut parts)| {
                let mut order = Vec::new();
                users
                    .iter()
                    .map(|d| {
                        let (mine, after) = std::mem::take(&mut parts).split_at_mut(d.len());
                        parts = after;
                        round_user(d, mine, &mut order)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        RoundedOf {
            days,
            totals,
            per_day: parts,
        }
    }

    /// Summary row `i`'s hours: regular, overtime, double time, PTO.
    fn of(&self, i: usize) -> Hundredths {
        self.totals[i]
    }
}

impl Report {
    /// The output frames of `run`.
    pub fn build(run: &PayrollRun) -> PolarsResult<Report> {
        // The small tables and the two long ones (one block of every user)
        // are independent: build them at the same time.
        let (summaries, details) = rayon::join(
            || Summaries::build(run),
            || detail_blocks(run, run.summary.len()).next(),
        );
        let Summaries {
            payroll_summary,
            department_summary,
            exceptions,
        } = summaries?;
        let (daily_hours, pay_lines) = details.unwrap_or_else(
            || polars_bail!(ComputeError: "no block of daily hours and pay lines"),
        )?;
        Ok(Report {
            payroll_summary,
            daily_hours,
            department_summary,
            exceptions,
            pay_lines,
        })
    }
}

/// Long because the summary has twenty-five columns, built in three
/// groups.
fn summary_frame(rows: &[SummaryRow], rounded: &RoundedOf) -> PolarsResult<DataFrame> {
    let text = |f: fn(&SummaryRow) -> Option<&str>| rows.iter().map(f);
    let money = |name: &str, f: fn(&PayTotals) -> Decimal| {
        decimal_column(name, rows.iter().map(|r| cents(f(&r.pay))).collect(), 2)
    };
    // Three groups of columns, built at the same time, then put in their
    // order (faster than one column after the other at hundreds of
    // thousands of users).
    let identity = || -> PolarsResult<Vec<Column>> {
        Ok(vec![
            date_column(
                "period_start",
                rows.iter().map(|r| r.period_start).collect(),
            ),
            date_column("period_end", rows.iter().map(|r| r.period_end).collect()),
            text_column("user_name", text(|r| r.user_name.as_deref())),
            text_column("employee_number", text(|r| r.employee_number.as_deref())),
            text_column("user_full_name", text(|r| r.user_full_name.as_deref())),
            text_column("department_name", text(|r| r.department_name.as_deref())),
            text_column("rate_type", text(|r| r.rate_type.as_deref())),
            optional_decimal_column(
                "pay_rate",
                rows.iter()
                    .map(|r| {
                        r.pay_rate.map(|mut d| {
                            d.rescale(4);
                            d.mantissa()
                        })
                    })
                    .collect(),
                4,
            )?,
            text_column("overtime_rule", text(|r| Some(r.overtime_rule.as_str()))),
            text_column("time_zone", text(|r| Some(r.time_zone.as_str()))),
        ])
    };
    let hours_columns = || -> PolarsResult<Vec<Column>> {
        let mut columns = Vec::from(hour_columns(&rounded.totals)?);
        columns.extend([
            decimal_column(
                "adjustment_hours",
                rows.iter()
                    .map(|r| cents(r.hours.adjustment_hours))
                    .collect(),
                2,
            )?,
            decimal_column(
                "adjustment_amount",
                rows.iter()
                    .map(|r| cents(r.hours.adjustment_amount))
                    .collect(),
                2,
            )?,
        ]);
        Ok(columns)
    };
    let pay_columns = || -> PolarsResult<Vec<Column>> {
        Ok(vec![
            money("regular_pay", |p| p.regular)?,
            money("overtime_pay", |p| p.overtime)?,
            money("double_time_pay", |p| p.double_time)?,
            money("pto_pay", |p| p.pto)?,
            money("adjustment_pay", |p| p.adjustment)?,
            money("gross_pay", |p| p.gross)?,
            Column::new(
                "exceptions".into(),
                rows.iter().map(|r| r.exceptions).collect::<Vec<u32>>(),
            ),
            Column::new(
                "status".into(),
                rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
            ),
            // Last, so that importers reading columns by position are undisturbed.
            decimal_column(
                "unapproved_hours",
                rows.iter()
                    .map(|r| cents(Decimal::from(r.hours.unapproved) / Decimal::from(3600)))
                    .collect(),
                2,
            )?,
            // Added after unapproved_hours for the same reason (design §5d).
            money("premium_pay", |p| p.premium)?,
        ])
    };
    let (identity, (hours_columns, pay_columns)) =
        rayon::join(identity, || rayon::join(hours_columns, pay_columns));
    let mut columns = identity?;
    columns.extend(hours_columns?);
    columns.extend(pay_columns?);
    DataFrame::new(rows.len(), columns)
}

fn daily_frame(summary: &[SummaryRow], rounded: &RoundedOf) -> PolarsResult<DataFrame> {
    let height = rounded.per_day.len();
    // Each day's summary row, to take the user's name from.
    let mut rows = Vec::with_capacity(height);
    let mut dates = Vec::with_capacity(height);
    for (i, days) in rounded.days.iter().enumerate() {
        rows.extend(std::iter::repeat_n(i as IdxSize, days.len()));
        dates.extend(days.iter().map(|d| d.work_date));
    }
    let rows = IdxCa::from_vec("".into(), rows);
    let names: StringChunked = summary.iter().map(|r| r.user_name.as_deref()).collect();
    let users = names.take(&rows)?.with_name("user_name".into());
    let numbers: StringChunked = summary
        .iter()
        .map(|r| r.employee_number.as_deref())
        .collect();
    let numbers = numbers.take(&rows)?.with_name("employee_number".into());
    let mut columns = vec![
        users.into_series().into_column(),
        date_column("work_date", dates),
    ];
    columns.extend(hour_columns(&rounded.per_day)?);
    // Last, so that importers reading columns by position are undisturbed;
    // two users who share a userName are told apart by it.
    columns.push(numbers.into_series().into_column());
    DataFrame::new(height, columns)
}

fn department_frame(run: &PayrollRun, rounded: &RoundedOf) -> PolarsResult<DataFrame> {
    let mut departments = Departments::default();
    departments.add(&run.summary, rounded);
    departments.frame()
}

/// `department_summary`'s totals, added up a block of users at a time.
#[derive(Debug, Clone, Default)]
pub struct Departments {
    by_department: BTreeMap<Option<String>, DepartmentTotals>,
}

#[derive(Debug, Clone, Default)]
struct DepartmentTotals {
    headcount: u32,
    worked: i128,
    overtime: i128,
    double_time: i128,
    gross: i128,
    overtime_cost: i128,
}

impl Departments {
    fn add(&mut self, rows: &[SummaryRow], rounded: &RoundedOf) {
        for (i, row) in rows.iter().enumerate() {
            let h = rounded.of(i);
            let t = match self.by_department.get_mut(&row.department_name) {
                Some(t) => t,
                None => self
                    .by_department
                    .entry(row.department_name.clone())
                    .or_default(),
            };
            t.headcount += 1;
            t.worked += h[0] + h[1] + h[2];
            t.overtime += h[1];
            t.double_time += h[2];
            t.gross += cents(row.pay.gross);
            t.overtime_cost += cents(row.pay.overtime) + cents(row.pay.double_time);
        }
    }

    /// Adds the totals of another block of users.
    pub fn merge(&mut self, other: Departments) {
        for (name, o) in other.by_department {
            let t = self.by_department.entry(name).or_default();
            t.headcount += o.headcount;
            t.worked += o.worked;
            t.overtime += o.overtime;
            t.double_time += o.double_time;
            t.gross += o.gross;
            t.overtime_cost += o.overtime_cost;
        }
    }

    /// The `department_summary` frame: one row per department, by name.
    pub fn frame(&self) -> PolarsResult<DataFrame> {
        let by_department = &self.by_department;
        let height = by_department.len();
        let column = |name: &str, f: fn(&DepartmentTotals) -> i128| {
            decimal_column(name, by_department.values().map(f).collect(), 2)
        };
        DataFrame::new(
            height,
            vec![
                text_column(
                    "department_name",
                    by_department.keys().map(Option::as_deref),
                ),
                Column::new(
                    "headcount".into(),
                    by_department
                        .values()
                        .map(|t| t.headcount)
                        .collect::<Vec<u32>>(),
                ),
                column("worked_hours", |t| t.worked)?,
                column("overtime_hours", |t| t.overtime)?,
                column("double_time_hours", |t| t.double_time)?,
                column("gross_pay", |t| t.gross)?,
                column("overtime_cost", |t| t.overtime_cost)?,
            ],
        )
    }
}

/// The rows of some users in the three tables that grow with the run
/// (`payroll_summary`, `daily_hours`, `pay_lines`), and their
/// departments' totals: a run's tables written a block of users at a
/// time are these blocks one after the other, and its
/// `department_summary` their totals added up.
#[derive(Debug, Clone)]
pub struct TableBlock {
    /// `payroll_summary`'s rows of the block's users.
    pub payroll_summary: DataFrame,
    /// `daily_hours`'s rows.
    pub daily_hours: DataFrame,
    /// `pay_lines`'s rows.
    pub pay_lines: DataFrame,
    /// Their departments' totals.
    pub departments: Departments,
}

impl TableBlock {
    /// The block of the summary rows `rows`, whose days and pay lines are
    /// `days` and `lines` (grouped by user in the rows' order). A day or
    /// pay line of no summary row is an error, not dropped.
    pub fn build(rows: &[SummaryRow], days: &[DayRow], lines: &[PayLine]) -> PolarsResult<Self> {
        let rounded = RoundedOf::new(rows, days);
        if rounded.per_day.len() != days.len() {
            polars_bail!(ComputeError: "{} days of users with no summary row", days.len() - rounded.per_day.len());
        }
        let (summary, (daily, pay_lines)) = rayon::join(
            || summary_frame(rows, &rounded),
            || {
                rayon::join(
                    || daily_frame(rows, &rounded),
                    || pay_lines_frame(rows, lines),
                )
            },
        );
        let mut departments = Departments::default();
        departments.add(rows, &rounded);
        Ok(TableBlock {
            payroll_summary: summary?,
            daily_hours: daily?,
            pay_lines: pay_lines?,
            departments,
        })
    }
}

fn pay_lines_frame(summary: &[SummaryRow], lines: &[PayLine]) -> PolarsResult<DataFrame> {
    // Each user's summary row, by user id from the block's lowest.
    let ids = || summary.iter().map(|r| r.user.index());
    let lowest = ids().min().unwrap_or(0);
    let users = ids().max().map_or(0, |highest| highest + 1 - lowest);
    let mut identity: Vec<Option<IdxSize>> = vec![None; users];
    for (i, row) in summary.iter().enumerate() {
        identity[row.user.index() - lowest] = Some(i as IdxSize);
    }
    // Each line's summary row: a name column is the block's names taken
    // line by line, which shares their text rather than copying it.
    let rows: IdxCa = lines
        .iter()
        .map(|l| {
            let slot = l.user.index().checked_sub(lowest)?;
            identity.get(slot).copied().flatten()
        })
        .collect();
    let of = |name: &str, f: fn(&SummaryRow) -> Option<&str>| -> PolarsResult<Column> {
        let values: StringChunked = summary.iter().map(f).collect();
        Ok(values
            .take(&rows)?
            .with_name(name.into())
            .into_series()
            .into_column())
    };
    let texts = |name: &str, f: fn(&PayLine) -> Option<&str>| -> Column {
        Column::new(name.into(), lines.iter().map(f).collect::<Vec<_>>())
    };
    let four = |d: Decimal| at_scale(d, 4);
    // Columns are independent: built at the same time.
    let columns = (0..10)
        .into_par_iter()
        .map(|i| {
            Ok(match i {
                0 => of("user_name", |r| r.user_name.as_deref())?,
                1 => of("employee_number", |r| r.employee_number.as_deref())?,
                2 => Column::new(
                    "week_start".into(),
                    lines.iter().map(|l| l.week_start).collect::<Vec<_>>(),
                ),
                3 => texts("kind", |l| Some(l.kind.as_str())),
                4 => texts("job_name", |l| l.job_name.as_deref()),
                5 => texts("shift_name", |l| l.shift_name.as_deref()),
                6 => decimal_column("hours", lines.iter().map(|l| cents(l.hours)).collect(), 2)?,
                7 => optional_decimal_column(
                    "rate",
                    lines.iter().map(|l| l.rate.map(four)).collect(),
                    4,
                )?,
                8 => decimal_column("amount", lines.iter().map(|l| cents(l.amount)).collect(), 2)?,
                _ => optional_decimal_column(
                    "regular_rate",
                    lines.iter().map(|l| l.regular_rate.map(four)).collect(),
                    4,
                )?,
            })
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(lines.len(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apportion::apportion;
    use rust_decimal::RoundingStrategy;

    /// `round_user` gives each tier exactly what `apportion` gives it, on
    /// days whose remainders tie, differ, and need several extra hundredths.
    #[test]
    fn a_users_rounding_is_each_tiers_apportioning() {
        let day = |regular: i64, overtime: i64, pto: &str| DayRow {
            user: payrun_ingest::UserId(0),
            work_date: NaiveDate::from_ymd_opt(2024, 5, 13).unwrap(),
            regular,
            overtime,
            double_time: 0,
            pto: pto.parse().unwrap(),
        };
        let sets = [
            vec![],
            vec![day(28_820, 0, "0")],
            vec![
                day(28_820, 17, "0"),
                day(28_820, 17, "0"),
                day(28_820, 17, "0"),
            ],
            vec![
                day(18, 35, "0.004"),
                day(0, 1, "0.0049"),
                day(35, 18, "1.333333"),
            ],
            (0..9)
                .map(|i| {
                    day(
                        28_800 + 7 * i,
                        11 * i,
                        if i % 2 == 0 { "0.005" } else { "0" },
                    )
                })
                .collect(),
        ];
        let round = |days: &[DayRow]| {
            let mut parts = vec![[0; 4]; days.len()];
            let totals = round_user(days, &mut parts, &mut Vec::new());
            assert_eq!(totals, round_totals(days), "{days:?}");
            (totals, parts)
        };
        for days in &sets {
            let (totals, days_parts) = round(days);
            type Tier = (fn(&DayRow) -> i128, i128);
            let tiers: [Tier; 4] = [
                (|d| d.regular.into(), SECONDS_PER_HUNDREDTH),
                (|d| d.overtime.into(), SECONDS_PER_HUNDREDTH),
                (|d| d.double_time.into(), SECONDS_PER_HUNDREDTH),
                (|d| micro_hours(d.pto), MICRO_HOURS_PER_HUNDREDTH),
            ];
            for (tier, (value, unit)) in tiers.into_iter().enumerate() {
                let values: Vec<i128> = days.iter().map(value).collect();
                let (total, parts) = apportion(&values, unit);
                assert_eq!(totals[tier], total, "{days:?}");
                let mine: Vec<i128> = days_parts.iter().map(|d| d[tier]).collect();
                assert_eq!(mine, parts, "tier {tier} of {days:?}");
            }
        }
        let (nine, _) = round(&sets[4]);
        assert_eq!(nine[0], 7207, "9 x 8 h and 252 s: 72.07 h");
    }

    #[test]
    fn apportioned_days_add_up_to_the_rounded_total() {
        // Three days of 8 h 0 m 20 s: each is 8.0055… h; the total 24.0166… h rounds to 24.02.
        let (total, days) = apportion(&[28_820, 28_820, 28_820], SECONDS_PER_HUNDREDTH);
        assert_eq!(total, 2402);
        assert_eq!(days, vec![801, 801, 800]);
        let (total, days) = apportion(&[18, 0, 35], SECONDS_PER_HUNDREDTH);
        assert_eq!((total, days.iter().sum::<i128>()), (1, 1));
        assert_eq!(
            days,
            vec![0, 0, 1],
            "the largest remainder gets the hundredth"
        );
        assert_eq!(apportion(&[], 36), (0, vec![]));
    }

    /// `at_scale` is rust_decimal's rounding (half away from zero) and
    /// rescaling, on midpoints, signs, every scale and 28-digit values;
    /// where rescaling cannot reach the scale (a mantissa near 2^96 has no
    /// room for more digits) it is still the exact value, not one a
    /// hundred times smaller.
    #[test]
    fn at_scale_is_decimal_rounding() {
        let reference = |d: Decimal, dp: u32| {
            let mut r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
            r.rescale(dp);
            if r.scale() == dp {
                r.mantissa()
            } else {
                r.mantissa() * 10i128.pow(dp - r.scale())
            }
        };
        let mut values: Vec<Decimal> = [
            "0",
            "0.005",
            "-0.005",
            "0.004999",
            "1.125",
            "-1.125",
            "2.5",
            "-2.5",
            "0.00005",
            "39.25",
            "12.3456789",
            "-0.0001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        values.push(Decimal::from(14_399) / Decimal::from(3600));
        values.push(Decimal::from(-1) / Decimal::from(3));
        values.push(Decimal::from(2) / Decimal::from(3));
        values.extend(crate::samples::random_decimals(
            0x9E37_79B9_7F4A_7C15,
            20_000,
        ));
        for d in values {
            for dp in [2, 4, 6] {
                assert_eq!(at_scale(d, dp), reference(d, dp), "{d} at {dp}");
            }
        }
        assert_eq!(cents("0.005".parse().unwrap()), 1);
        assert_eq!(cents("-2.345".parse().unwrap()), -235);
        assert_eq!(micro_hours(Decimal::from(1) / Decimal::from(3)), 333_333);
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_div(18, 36), 1);
        assert_eq!(round_div(17, 36), 0);
        assert_eq!(round_div(-18, 36), -1);
    }
}
