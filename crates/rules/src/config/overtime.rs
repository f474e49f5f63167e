//! `[overtime_rules.<name>]`: the thresholds and multipliers of one rule.
//! How they combine is [`crate::allocate`]'s business.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::values::{
    Hours, WeekdayName, break_minutes, day_hours, multiplier, threshold, two_week_threshold,
};

/// Which thresholds of step 4 apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Everything is regular.
    Off,
    /// Weekly thresholds over each workweek.
    #[default]
    Weekly,
    /// Biweekly thresholds over 14-day windows from the pay period anchor.
    Biweekly,
    /// Daily, seventh-day and special-day rules only.
    DailyOnly,
}

/// A pay tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Straight time.
    Regular,
    /// Overtime.
    Overtime,
    /// Double time.
    DoubleTime,
}

/// `[overtime_rules.<name>]`. The default is the FLSA rule: weekly overtime
/// after 40 hours at 1.5, double time (if any threshold gives it) at 2.0.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OvertimeRule {
    /// Which accumulation applies in step 4.
    pub basis: Basis,
    /// Seconds beyond this in a workday are overtime.
    #[serde(deserialize_with = "threshold")]
    pub daily_ot_after: Option<Hours>,
    /// Seconds beyond this in a workday are double time.
    #[serde(deserialize_with = "threshold")]
    pub daily_dt_after: Option<Hours>,
    /// Regular seconds beyond this in a workweek are overtime (default 40 with `basis = "weekly"`).
    #[serde(deserialize_with = "threshold")]
    pub weekly_ot_after: Option<Hours>,
    /// Regular seconds beyond this in a workweek are double time.
    #[serde(deserialize_with = "threshold")]
    pub weekly_dt_after: Option<Hours>,
    /// Regular seconds beyond this in a 14-day window are overtime (default 80 with `basis = "biweekly"`).
    #[serde(deserialize_with = "two_week_threshold")]
    pub biweekly_ot_after: Option<Hours>,
    /// Regular seconds beyond this in a 14-day window are double time.
    #[serde(deserialize_with = "two_week_threshold")]
    pub biweekly_dt_after: Option<Hours>,
    /// The seventh consecutive workday rule.
    pub seventh_day: bool,
    /// On the seventh day, hours beyond this are double time (the rest
    /// overtime); at most 24.
    #[serde(deserialize_with = "day_hours")]
    pub seventh_day_dt_after: Hours,
    /// Overtime pay multiplier, in `[1, 3]`.
    #[serde(deserialize_with = "multiplier")]
    pub ot_multiplier: Decimal,
    /// Double-time pay multiplier, in `[1, 3]` and at least `ot_multiplier`.
    #[serde(deserialize_with = "multiplier")]
    pub dt_multiplier: Decimal,
    /// Weekdays whose every second is at least this tier.
    pub special_weekdays: BTreeMap<WeekdayName, Tier>,
    /// Dates whose every second is at least this tier.
    pub special_dates: BTreeMap<NaiveDate, Tier>,
    /// Worked seconds of a run of work past this many hours are
    /// overtime, whatever workdays they fall in (Colorado; see
    /// [`crate::overtime::consecutive`]).
    #[serde(
        deserialize_with = "threshold",
        skip_serializing_if = "Option::is_none"
    )]
    pub consecutive_ot_after: Option<Hours>,
    /// The longest gap between two job entries, in minutes, that does not
    /// end a run (60): the gap is not worked and not counted.
    #[serde(
        deserialize_with = "break_minutes",
        skip_serializing_if = "is_default_break"
    )]
    pub consecutive_break_minutes: u32,
    /// How a flat-sum bonus (`[regular_rate] flat_sum_bonuses`) enters
    /// overtime: as any bonus (`all_hours`, the default) or California's
    /// way (`non_overtime_hours`; see design §5d and `flat_sum.rs`).
    #[serde(skip_serializing_if = "FlatSumDivisor::is_default")]
    pub flat_sum_bonus_divisor: FlatSumDivisor,
    /// The jurisdiction's own minimum wage, with the days each rate takes
    /// effect; on each workday the higher of it and `[minimum_wage] rates`
    /// applies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub minimum_wage: Vec<super::minimum::RateFrom>,
    /// The jurisdiction's exempt salary threshold per week, replacing
    /// `[minimum_wage] exempt_weekly_salary`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exempt_weekly_salary: Vec<super::minimum::AmountFrom>,
    /// California's meal periods: a workday worked past 5 hours (10 for the
    /// second) without a timely meal of 30 minutes earns a premium hour
    /// (design §5d; `meal_periods.rs`).
    #[serde(skip_serializing_if = "is_false")]
    pub meal_periods: bool,
    /// The first meal is waived on workdays of at most this many hours
    /// worked (0, the default: no waiver assumed); at most 10.
    #[serde(deserialize_with = "day_hours", skip_serializing_if = "is_zero")]
    pub meal_waiver_up_to_hours: Hours,
    /// The second meal is waived on workdays of at most this many hours
    /// worked (0: no waiver assumed).
    #[serde(deserialize_with = "day_hours", skip_serializing_if = "is_zero")]
    pub second_meal_waiver_up_to_hours: Hours,
    /// Whether a missed meal is paid its premium hour or only flagged.
    #[serde(skip_serializing_if = "MealPremium::is_default")]
    pub meal_premium: MealPremium,
}

/// What a workday that misses a required meal period gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MealPremium {
    /// One hour at the workweek's regular rate (a `meal_premium` line) and
    /// a `meal_premium` warning.
    #[default]
    Pay,
    /// The warning only.
    Flag,
}

impl MealPremium {
    fn is_default(&self) -> bool {
        *self == MealPremium::Pay
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(hours: &Hours) -> bool {
    hours.seconds == 0
}

/// How a flat-sum bonus enters the overtime of the hours it is paid for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlatSumDivisor {
    /// As any bonus: into its workweek's regular rate (29 CFR 778.209).
    #[default]
    AllHours,
    /// Paid in full, and F / N × the multiplier on each overtime and
    /// double-time hour of the pay period, N its non-overtime hours
    /// (Alvarado v. Dart Container, 4 Cal.5th 542 (2018)).
    NonOvertimeHours,
}

impl FlatSumDivisor {
    fn is_default(&self) -> bool {
        *self == FlatSumDivisor::AllHours
    }
}

/// The default `consecutive_break_minutes`: an hour, a duty-free meal.
pub const DEFAULT_BREAK_MINUTES: u32 = 60;

fn is_default_break(minutes: &u32) -> bool {
    *minutes == DEFAULT_BREAK_MINUTES
}

impl Default for OvertimeRule {
    fn default() -> Self {
        OvertimeRule {
            basis: Basis::Weekly,
            daily_ot_after: None,
            daily_dt_after: None,
            weekly_ot_after: None,
            weekly_dt_after: None,
            biweekly_ot_after: None,
            biweekly_dt_after: None,
            seventh_day: false,
            seventh_day_dt_after: Hours::from_hours(8),
            ot_multiplier: Decimal::new(15, 1),
            dt_multiplier: Decimal::new(2, 0),
            special_weekdays: BTreeMap::new(),
            special_dates: BTreeMap::new(),
            consecutive_ot_after: None,
            consecutive_break_minutes: DEFAULT_BREAK_MINUTES,
            flat_sum_bonus_divisor: FlatSumDivisor::AllHours,
            minimum_wage: Vec::new(),
            exempt_weekly_salary: Vec::new(),
            meal_periods: false,
            meal_waiver_up_to_hours: Hours::from_hours(0),
            second_meal_waiver_up_to_hours: Hours::from_hours(0),
            meal_premium: MealPremium::Pay,
        }
    }
}

impl OvertimeRule {
    /// Step 4's thresholds in seconds as (overtime after, double time after),
    /// or `None` when step 4 does not apply.
    pub fn accumulation_thresholds(&self) -> Option<(Option<i64>, Option<i64>)> {
        let secs = |h: Option<Hours>| h.map(|h| h.seconds);
        match self.basis {
            Basis::Weekly => Some((
                Some(
                    self.weekly_ot_after
                        .unwrap_or(Hours::from_hours(40))
                        .seconds,
                ),
                secs(self.weekly_dt_after),
            )),
            Basis::Biweekly => Some((
                Some(
                    self.biweekly_ot_after
                        .unwrap_or(Hours::from_hours(80))
                        .seconds,
                ),
                secs(self.biweekly_dt_after),
            )),
            Basis::Off | Basis::DailyOnly => None,
        }
    }

    /// The multiplier of a premium tier (1 for regular).
    pub fn multiplier(&self, tier: Tier) -> Decimal {
        match tier {
            Tier::Regular => Decimal::ONE,
            Tier::Overtime => self.ot_multiplier,
            Tier::DoubleTime => self.dt_multiplier,
        }
    }
}
