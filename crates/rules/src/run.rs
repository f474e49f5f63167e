//! [`PayrollRun`]: a computed pay period as typed rows, which
//! [`report`](crate::report) turns into the output tables.

use std::sync::Arc;

use chrono::NaiveDate;
use payrun_ingest::{Exception, UserId};
use rust_decimal::Decimal;

use crate::calendar::PayPeriod;

/// A computed payroll for one period.
#[derive(Debug, Clone)]
pub struct PayrollRun {
    /// The period computed.
    pub period: PayPeriod,
    /// One row per user, typed (the same figures as the `payroll_summary` frame).
    pub summary: Vec<SummaryRow>,
    /// One row per user and workday with hours, grouped by user in summary order.
    pub days: Vec<DayRow>,
    /// The pay lines behind each summary row, grouped by user in summary order.
    pub pay_lines: Vec<PayLine>,
    /// Every exception concerning the period, sorted.
    pub exceptions: Vec<Exception>,
    /// Whether the period had not ended when its time cards were read
    /// (`as_of`, in the company's zone): a preview, not for payment.
    pub unfinished: bool,
}

/// A user's hours in one pay period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodHours {
    /// Regular seconds.
    pub regular: i64,
    /// Overtime seconds.
    pub overtime: i64,
    /// Double-time seconds.
    pub double_time: i64,
    /// PTO hours (exact, as the API gave them).
    pub pto_hours: Decimal,
    /// Adjustment hours, signed (deductions negative).
    pub adjustment_hours: Decimal,
    /// Adjustment money, signed, bonuses included.
    pub adjustment_amount: Decimal,
    /// Seconds of job entries in the period without the approval
    /// `[approvals] require`s (paid or held, as `approvals.unapproved` says).
    pub unapproved: i64,
}

impl PeriodHours {
    /// Seconds as decimal hours, as exact as a decimal can hold (28
    /// significant digits: `seconds / 3600`); the output files show them
    /// rounded to two places (design §9).
    pub fn in_hours(seconds: i64) -> Decimal {
        Decimal::from(seconds) / Decimal::from(3600)
    }

    /// Regular hours.
    pub fn regular_hours(&self) -> Decimal {
        Self::in_hours(self.regular)
    }

    /// Overtime hours.
    pub fn overtime_hours(&self) -> Decimal {
        Self::in_hours(self.overtime)
    }

    /// Double-time hours.
    pub fn double_time_hours(&self) -> Decimal {
        Self::in_hours(self.double_time)
    }

    /// Hours worked: regular, overtime and double time.
    ///
    /// ```
    /// use payrun_rules::PeriodHours;
    /// let hours = PeriodHours { regular: 40 * 3600, overtime: 6 * 3600 + 60, ..Default::default() };
    /// assert_eq!(hours.worked_hours().round_dp(4).to_string(), "46.0167");
    /// assert_eq!(hours.overtime_hours().round_dp(2).to_string(), "6.02");
    /// ```
    pub fn worked_hours(&self) -> Decimal {
        Self::in_hours(self.regular + self.overtime + self.double_time)
    }
}

/// A user's pay in one period, each line rounded once to cents (design §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PayTotals {
    /// Regular pay (the period salary, for salaried users, included).
    pub regular: Decimal,
    /// Overtime pay.
    pub overtime: Decimal,
    /// Double-time pay.
    pub double_time: Decimal,
    /// PTO pay (zero for salaried users: PTO is inside the salary).
    pub pto: Decimal,
    /// Adjustment pay: adjustment hours at the hourly rate, money adjustments and bonuses.
    pub adjustment: Decimal,
    /// Premium pay: meal-period premiums (design §5d), not hours worked.
    pub premium: Decimal,
    /// The sum of the rounded lines.
    pub gross: Decimal,
}

impl PayTotals {
    /// The summary column `kind` adds up into (see [`PayKind::summary_line`]).
    pub fn of(&self, kind: PayKind) -> Decimal {
        match kind.summary_line() {
            PayKind::Overtime => self.overtime,
            PayKind::DoubleTime => self.double_time,
            PayKind::Pto => self.pto,
            PayKind::Adjustment => self.adjustment,
            PayKind::MealPremium => self.premium,
            _ => self.regular,
        }
    }
}

/// One user's period: identity, exact hours and pay.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// The user (a row of the input's users).
    pub user: UserId,
    /// First workday of the period.
    pub period_start: NaiveDate,
    /// Last workday of the period.
    pub period_end: NaiveDate,
    /// `userName`.
    pub user_name: Option<String>,
    /// `employeeNumber`.
    pub employee_number: Option<String>,
    /// `userFullName`.
    pub user_full_name: Option<String>,
    /// `firstName`, from the user's time cards (for exports that identify
    /// people by name).
    pub first_name: Option<String>,
    /// `lastName`, from the same card.
    pub last_name: Option<String>,
    /// `departmentName`.
    pub department_name: Option<String>,
    /// `rateType` as the API gave it.
    pub rate_type: Option<String>,
    /// `payRate`.
    pub pay_rate: Option<Decimal>,
    /// The overtime rule applied (after any fallback to `default`).
    pub overtime_rule: String,
    /// The time zone applied.
    pub time_zone: String,
    /// Exact hours.
    pub hours: PeriodHours,
    /// Pay, each line rounded to cents.
    pub pay: PayTotals,
    /// Exceptions concerning this user in the period.
    pub exceptions: u32,
    /// Whether the row can be paid as it is.
    pub status: Status,
}

/// A summary row's standing (the `status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// No error or warning concerns the user.
    Ok,
    /// Paid as computed, but an error or a warning concerns the user: read it.
    Warning,
    /// Pay held: a value no administrator would sign (a negative or
    /// unreadable `payRate`: all of it, at 0; a long shift, a punch later
    /// than the run, a value beyond sane limits: that record). The exception
    /// says which; fix the data in Q2 and run again.
    Held,
}

impl Status {
    /// The name in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Held => "held",
        }
    }
}

/// One user's workday, in exact units.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    /// The user (whose name and number are in their [`SummaryRow`]).
    pub user: UserId,
    /// The workday.
    pub work_date: NaiveDate,
    /// Regular seconds.
    pub regular: i64,
    /// Overtime seconds.
    pub overtime: i64,
    /// Double-time seconds.
    pub double_time: i64,
    /// PTO hours.
    pub pto: Decimal,
}

/// What a pay line pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PayKind {
    /// A salaried user's period salary.
    Salary,
    /// Straight time of regular hours.
    Regular,
    /// Overtime hours: straight time plus the overtime premium.
    Overtime,
    /// Double-time hours: straight time plus the double-time premium.
    DoubleTime,
    /// Paid time off.
    Pto,
    /// Adjustment hours at the hourly rate, and money adjustments.
    Adjustment,
    /// A nondiscretionary bonus (`[regular_rate] bonuses`).
    Bonus,
    /// A meal-period premium: one hour at the workweek's regular rate for
    /// a workday that missed a required meal (design §5d).
    MealPremium,
    /// A workweek's minimum-wage shortfall, paid (`[minimum_wage]
    /// shortfall = "pay"`, design §5d); part of regular pay.
    MinimumWage,
}

impl PayKind {
    /// The name in the `pay_lines` file.
    pub fn as_str(self) -> &'static str {
        match self {
            PayKind::Salary => "salary",
            PayKind::Regular => "regular",
            PayKind::Overtime => "overtime",
            PayKind::DoubleTime => "double_time",
            PayKind::Pto => "pto",
            PayKind::Adjustment => "adjustment",
            PayKind::Bonus => "bonus",
            PayKind::MealPremium => "meal_premium",
            PayKind::MinimumWage => "minimum_wage",
        }
    }

    /// The kind's place in [`ALL`](Self::ALL) (a match, so that a new
    /// kind has a place before it compiles).
    pub fn index(self) -> usize {
        match self {
            PayKind::Salary => 0,
            PayKind::Regular => 1,
            PayKind::Overtime => 2,
            PayKind::DoubleTime => 3,
            PayKind::Pto => 4,
            PayKind::Adjustment => 5,
            PayKind::Bonus => 6,
            PayKind::MealPremium => 7,
            PayKind::MinimumWage => 8,
        }
    }

    /// Every kind, in the order of the `pay_lines` file.
    pub const ALL: [PayKind; 9] = [
        PayKind::Salary,
        PayKind::Regular,
        PayKind::Overtime,
        PayKind::DoubleTime,
        PayKind::Pto,
        PayKind::Adjustment,
        PayKind::Bonus,
        PayKind::MealPremium,
        PayKind::MinimumWage,
    ];

    /// The summary's pay columns, in their order: the kinds
    /// [`summary_line`](Self::summary_line) gives.
    pub const SUMMARY_LINES: [PayKind; 6] = [
        PayKind::Regular,
        PayKind::Overtime,
        PayKind::DoubleTime,
        PayKind::Pto,
        PayKind::Adjustment,
        PayKind::MealPremium,
    ];

    /// The summary column this kind adds up into: salary into regular pay,
    /// bonuses into adjustment pay, every other kind into its own.
    pub fn summary_line(self) -> PayKind {
        match self {
            PayKind::Salary | PayKind::MinimumWage => PayKind::Regular,
            PayKind::Bonus => PayKind::Adjustment,
            other => other,
        }
    }
}

/// One line of a user's pay: per workweek, kind, job and shift.
#[derive(Debug, Clone, PartialEq)]
pub struct PayLine {
    /// The user.
    pub user: UserId,
    /// The workweek, by its first workday (`None` for the period's salary).
    pub week_start: Option<NaiveDate>,
    /// What it pays for.
    pub kind: PayKind,
    /// `jobName` of the time worked (worked-time kinds of hourly users);
    /// each distinct name is stored once and shared by its lines.
    pub job_name: Option<Arc<str>>,
    /// `shiftName` of the time worked.
    pub shift_name: Option<Arc<str>>,
    /// Hours, exact where they are (worked seconds / 3600 to 28 digits).
    pub hours: Decimal,
    /// The rate per hour, where the line is hours at a rate.
    pub rate: Option<Decimal>,
    /// The exact amount.
    pub exact_amount: Decimal,
    /// The amount in cents: `exact_amount` apportioned so that the lines
    /// of each summary column add up to its rounded figure.
    pub amount: Decimal,
    /// The regular rate of the user's workweek, where it has overtime or double time.
    pub regular_rate: Option<Decimal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ALL` lists every kind once, at its `index` (which, being a match,
    /// names every kind), each with its own name.
    #[test]
    fn every_pay_kind_is_listed_once_at_its_index() {
        for (i, kind) in PayKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind:?}");
        }
        let names: std::collections::BTreeSet<&str> =
            PayKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), PayKind::ALL.len());
    }
}
