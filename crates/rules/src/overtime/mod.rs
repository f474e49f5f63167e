//! The overtime rules, one module each (design §4).
//!
//! Allocation ([`allocate`](crate::allocate)) runs the rules of a user's
//! `[overtime_rules.<name>]` in design §4's order. Steps 1–3 are rules of
//! the workday: each lowers the day's overtime or double-time threshold
//! (seconds into the workday), and a second's tier is the highest any of
//! them gives. Step 4 counts the still-regular seconds over a workweek or a
//! 14-day window.
//!
//! | step | module | keys |
//! |---|---|---|
//! | 1 | [`daily`] | `daily_ot_after`, `daily_dt_after` |
//! | 2 | [`seventh_day`] | `seventh_day`, `seventh_day_dt_after` |
//! | 3 | [`special_days`] | `special_weekdays`, `special_dates` |
//! | 3b | [`consecutive`] | `consecutive_ot_after`, `consecutive_break_minutes` |
//! | 4 | [`window`] | `basis`, `weekly_*_after`, `biweekly_*_after` |
//!
//! Each module holds what its rule is: its keys (read from
//! [`OvertimeRule`]), what it does to a workday ([`DayUnit::apply`]), how
//! `payrun explain` words it (its `describe` and `reason`), its worked
//! example and its tests.
//!
//! ## Adding a rule of the workday
//!
//! 1. Its keys: fields of [`OvertimeRule`] (`config/overtime.rs`), with
//!    their bounds where the configuration is read (`config/located.rs`).
//! 2. A module here: the rule as a struct made from the [`OvertimeRule`]
//!    (`from_rule`, `None` when the rule is off), its `apply` to a
//!    [`DayThresholds`], `describe` and `reason`, docs and tests.
//! 3. A variant of [`DayUnit`] and of [`DayRule`] (the reason a threshold
//!    names), and a line in [`DayUnit::of`], [`DayUnit::apply`],
//!    [`describe`] and [`reason`].
//! 4. Its worked example in `docs/design.md` §4.
//!
//! Nothing in ingest, the exports or the command line changes.

pub mod consecutive;
pub mod daily;
pub mod seventh_day;
pub mod special_days;
pub mod window;

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::config::{OvertimeRule, Tier};

/// Worked seconds inside one workday, in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// The workday the seconds belong to.
    pub workday: NaiveDate,
    /// When they start (seconds since the Unix epoch).
    pub start: i64,
    /// How many.
    pub seconds: i64,
}

/// Which rule set a threshold of the day (steps 1–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayRule {
    /// `daily_ot_after` / `daily_dt_after`.
    Daily,
    /// `seventh_day`: the seventh workday of a workweek worked every day.
    SeventhDay,
    /// `special_dates`.
    SpecialDate,
    /// `special_weekdays`.
    SpecialWeekday,
}

/// A workday's thresholds, in seconds into the workday, each with the rule
/// that set it: seconds past `ot` are overtime, past `dt` double time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayThresholds {
    /// The overtime threshold.
    pub ot: Option<(i64, DayRule)>,
    /// The double-time threshold.
    pub dt: Option<(i64, DayRule)>,
}

/// One rule of the workday, ready for one user's time.
#[derive(Debug, Clone)]
pub enum DayUnit<'r> {
    /// Step 1.
    Daily(daily::Daily),
    /// Step 2.
    SeventhDay(seventh_day::SeventhDay),
    /// Step 3.
    SpecialDays(special_days::SpecialDays<'r>),
}

impl<'r> DayUnit<'r> {
    /// The rules of the workday `rule` turns on, in design §4's order,
    /// each prepared for `pieces` (one user's worked time, in time order).
    pub fn of(rule: &'r OvertimeRule, calendar: &Calendar, pieces: &[Piece]) -> Vec<DayUnit<'r>> {
        let mut units = Vec::with_capacity(3);
        units.extend(daily::Daily::from_rule(rule).map(DayUnit::Daily));
        units.extend(
            seventh_day::SeventhDay::from_rule(rule, calendar, pieces).map(DayUnit::SeventhDay),
        );
        units.extend(special_days::SpecialDays::from_rule(rule).map(DayUnit::SpecialDays));
        units
    }

    /// Lowers `day`'s thresholds where this rule applies to `workday`.
    pub fn apply(&self, workday: NaiveDate, calendar: &Calendar, day: &mut DayThresholds) {
        match self {
            DayUnit::Daily(rule) => rule.apply(day),
            DayUnit::SeventhDay(rule) => rule.apply(workday, calendar, day),
            DayUnit::SpecialDays(rule) => rule.apply(workday, day),
        }
    }
}

/// `rule` in words, a sentence per threshold, as `payrun explain` prints
/// it: the rules of the workday, then the window's.
pub fn describe(rule: &OvertimeRule) -> Vec<String> {
    let mut words = daily::describe(rule);
    words.extend(seventh_day::describe(rule));
    words.extend(special_days::describe(rule));
    words.extend(consecutive::describe(rule));
    words.extend(window::describe(rule));
    words
}

/// Why seconds of `workday` past threshold `t` (seconds) are of `tier`,
/// as the rule `by` that set the threshold words it.
pub fn reason(by: DayRule, t: i64, tier: Tier, workday: NaiveDate) -> String {
    match by {
        DayRule::Daily => daily::reason(t, workday),
        DayRule::SeventhDay => seventh_day::reason(t, tier),
        DayRule::SpecialDate | DayRule::SpecialWeekday => special_days::reason(by, workday),
    }
}

/// A tier's name in words.
pub fn tier_name(tier: Tier) -> &'static str {
    match tier {
        Tier::Regular => "regular",
        Tier::Overtime => "overtime",
        Tier::DoubleTime => "double time",
    }
}
