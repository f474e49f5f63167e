//! [`Overview`]: what the review page, the summary screen, the manifest
//! and `--strict` read of a run beyond its tables: its totals, the few
//! people they list, and its exceptions. It is added up a block of rows
//! at a time as the tables are written ([`crate::sink::RunWriter`]), so a
//! run computed a part of its users at a time has the same overview as
//! the run computed whole.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use payrun_ingest::{Exception, Severity};
use payrun_rules::{Block, PayKind, PayPeriod, PayrollRun, Status, SummaryRow};
use polars::prelude::*;
use rust_decimal::Decimal;

/// People listed by overtime (the review page's "Most overtime").
pub const TOP_PEOPLE: usize = 10;
/// Held people listed on the review page before "and N more".
pub const HELD_LISTED: usize = 1_000;
/// People in the review page's register. A page of a million rows would
/// be hundreds of megabytes; past this many, `payroll_summary` is the
/// register.
pub const REGISTER_LISTED: usize = 20_000;

/// The `payroll_summary` columns whose totals the page and the screen show.
pub const TOTALLED: [&str; 10] = [
    "regular_hours",
    "overtime_hours",
    "double_time_hours",
    "pto_hours",
    "unapproved_hours",
    "overtime_pay",
    "double_time_pay",
    "adjustment_pay",
    "premium_pay",
    "gross_pay",
];

/// A run's totals and lists; see the module docs.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The period.
    pub period: PayPeriod,
    /// Whether the period had not ended when its time cards were read.
    pub unfinished: bool,
    /// People in the payroll (`payroll_summary` rows).
    pub people: usize,
    /// People not held whose gross is above $0.
    pub paid: usize,
    /// People whose pay is held.
    pub held: usize,
    /// The first [`HELD_LISTED`] of them, in summary order.
    pub held_listed: Vec<SummaryRow>,
    /// Each [`TOTALLED`] column's total, in hundredths.
    totals: [i128; TOTALLED.len()],
    /// Overtime and double-time hours by workweek.
    pub overtime_by_week: BTreeMap<NaiveDate, Decimal>,
    /// The [`TOP_PEOPLE`] people with the most overtime, most first.
    pub most_overtime: Vec<SummaryRow>,
    /// Candidates for `most_overtime`, with their place in the summary.
    top: Vec<(usize, SummaryRow)>,
    /// The first [`REGISTER_LISTED`] people.
    pub register: Vec<SummaryRow>,
    /// Everyone with unapproved time.
    pub unapproved: Vec<SummaryRow>,
    /// Everyone who shares a `userName` with someone else, by name.
    pub shared_names: Vec<SummaryRow>,
    /// The last rows seen, all with the same `userName`: shared when more
    /// than one (a name's rows are consecutive in summary order).
    same_name: Vec<SummaryRow>,
    /// Bonus pay, in hundredths.
    pub bonuses: i128,
    /// User-weeks with overtime whose regular rate is not the hourly
    /// `payRate` (several rates, or a bonus, blended into it).
    pub blended_weeks: usize,
    /// `daily_hours` rows.
    pub days: usize,
    /// `pay_lines` rows.
    pub pay_lines: usize,
    /// The period's exceptions, sorted.
    pub exceptions: Vec<Exception>,
    /// `department_summary`.
    pub departments: DataFrame,
}

impl Overview {
    /// An overview of `period` with no rows yet.
    pub fn new(period: PayPeriod) -> Overview {
        Overview {
            period,
            unfinished: false,
            people: 0,
            paid: 0,
            held: 0,
            held_listed: Vec::new(),
            totals: [0; TOTALLED.len()],
            overtime_by_week: BTreeMap::new(),
            most_overtime: Vec::new(),
            top: Vec::new(),
            register: Vec::new(),
            unapproved: Vec::new(),
            shared_names: Vec::new(),
            same_name: Vec::new(),
            bonuses: 0,
            blended_weeks: 0,
            days: 0,
            pay_lines: 0,
            exceptions: Vec::new(),
            departments: DataFrame::empty(),
        }
    }

    /// The overview of a whole run.
    pub fn of(run: &PayrollRun) -> PolarsResult<Overview> {
        let summaries = payrun_rules::Summaries::build(run)?;
        let mut overview = Overview::new(run.period);
        overview.add(
            &Block {
                rows: &run.summary,
                days: &run.days,
                lines: &run.pay_lines,
            },
            &summaries.payroll_summary,
        );
        overview.finish(
            run.exceptions.clone(),
            run.unfinished,
            summaries.department_summary,
        );
        Ok(overview)
    }

    /// The total of `column` (one of [`TOTALLED`]) in hundredths.
    pub fn total(&self, column: &str) -> i128 {
        TOTALLED
            .iter()
            .position(|c| *c == column)
            .map_or(0, |i| self.totals[i])
    }

    /// Adds the next block of rows, whose `payroll_summary` rows are `summary`.
    pub fn add(&mut self, block: &Block<'_>, summary: &DataFrame) {
        let first = self.people;
        let rows = block.rows;
        self.people += rows.len();
        self.days += block.days.len();
        self.pay_lines += block.lines.len();
        for (total, column) in self.totals.iter_mut().zip(TOTALLED) {
            *total += crate::review::column_total(summary, column);
        }
        self.paid += rows
            .iter()
            .filter(|r| r.status != Status::Held && r.pay.gross > Decimal::ZERO)
            .count();
        for r in rows.iter().filter(|r| r.status == Status::Held) {
            self.held += 1;
            if self.held_listed.len() < HELD_LISTED {
                self.held_listed.push(r.clone());
            }
        }
        let room = REGISTER_LISTED.saturating_sub(self.register.len());
        self.register.extend(rows.iter().take(room).cloned());
        self.unapproved
            .extend(rows.iter().filter(|r| r.hours.unapproved > 0).cloned());
        self.keep_most_overtime(first, rows);
        for r in rows {
            self.see_name(r);
        }
        for line in block.lines {
            if let (Some(week), PayKind::Overtime | PayKind::DoubleTime) =
                (line.week_start, line.kind)
            {
                *self.overtime_by_week.entry(week).or_default() += line.hours;
            }
            if line.kind == PayKind::Bonus {
                self.bonuses += (line.amount * Decimal::ONE_HUNDRED).trunc().mantissa();
            }
        }
        self.blended_weeks += blended_weeks(block);
    }

    /// The people with the most overtime among those kept and `rows`
    /// (the summary's rows from `first` on): most overtime first, then by
    /// userName, then in summary order.
    fn keep_most_overtime(&mut self, first: usize, rows: &[SummaryRow]) {
        let overtime = |r: &SummaryRow| r.hours.overtime + r.hours.double_time;
        let mut people: Vec<(usize, &SummaryRow)> = self
            .top
            .iter()
            .map(|(i, r)| (*i, r))
            .chain(
                rows.iter()
                    .enumerate()
                    .filter(|(_, r)| overtime(r) > 0)
                    .map(|(i, r)| (first + i, r)),
            )
            .collect();
        let most = |(i, a): &(usize, &SummaryRow), (j, b): &(usize, &SummaryRow)| {
            overtime(b)
                .cmp(&overtime(a))
                .then(a.user_name.cmp(&b.user_name))
                .then(i.cmp(j))
        };
        // Only the first TOP_PEOPLE are sorted (a full sort of every person
        // is a noticeable part of a large run).
        if people.len() > TOP_PEOPLE {
            people.select_nth_unstable_by(TOP_PEOPLE, most);
            people.truncate(TOP_PEOPLE);
        }
        people.sort_unstable_by(most);
        self.top = people.into_iter().map(|(i, r)| (i, r.clone())).collect();
    }

    /// Follows the run of rows with the same `userName` that `r` ends or begins.
    fn see_name(&mut self, r: &SummaryRow) {
        let Some(name) = r.user_name.as_deref() else {
            self.end_name();
            return;
        };
        if self
            .same_name
            .first()
            .is_some_and(|s| s.user_name.as_deref() != Some(name))
        {
            self.end_name();
        }
        self.same_name.push(r.clone());
    }

    /// Ends the run of rows with one `userName`: kept when shared.
    fn end_name(&mut self) {
        let rows = std::mem::take(&mut self.same_name);
        if rows.len() > 1 {
            self.shared_names.extend(rows);
        }
    }

    /// Ends the overview once every block is in: the period's `exceptions`
    /// (sorted), whether it had not ended, and `department_summary`.
    pub fn finish(&mut self, exceptions: Vec<Exception>, unfinished: bool, departments: DataFrame) {
        self.end_name();
        self.most_overtime = std::mem::take(&mut self.top)
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        self.exceptions = exceptions;
        self.unfinished = unfinished;
        self.departments = departments;
    }

    /// Whether `--strict` at `worst` finds the payroll unclean: an
    /// exception that bad, or a held row.
    pub fn unclean(&self, worst: Severity) -> bool {
        self.held > 0 || self.exceptions.iter().any(|e| e.severity <= worst)
    }
}

/// User-weeks of `block` with overtime whose regular rate is not the
/// hourly `payRate`: several job or shift rates, or a bonus, were blended
/// into it (design §5b). A user's pay lines are in their row's block.
fn blended_weeks(block: &Block<'_>) -> usize {
    let hourly_rate: std::collections::HashMap<payrun_ingest::UserId, Decimal> = block
        .rows
        .iter()
        .filter(|r| r.rate_type.as_deref() == Some("Hourly Rate"))
        .map(|r| (r.user, r.pay_rate.unwrap_or_default()))
        .collect();
    let weeks: BTreeSet<_> = block
        .lines
        .iter()
        .filter(|l| {
            l.regular_rate
                .zip(hourly_rate.get(&l.user).copied())
                .is_some_and(|(rr, rate)| rr != rate)
        })
        .map(|l| (l.user, l.week_start))
        .collect();
    weeks.len()
}
