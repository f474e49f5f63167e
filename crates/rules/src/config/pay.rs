//! `[salary]`, `[pto]`, `[jobs]`, `[shifts]`, `[regular_rate]` and
//! `[users]`: how hours become money. How they are applied is
//! [`crate::price`]'s business.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::values::{Hours, hourly_amount, percent, week_hours};

/// What `payRate` means for salaried users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SalaryPeriod {
    /// Per year.
    #[default]
    Annual,
    /// Per month.
    Monthly,
    /// Per half month.
    Semimonthly,
    /// Per two weeks.
    Biweekly,
    /// Per week.
    Weekly,
}

impl SalaryPeriod {
    /// How many of these make a year.
    pub fn per_year(self) -> Decimal {
        Decimal::from(match self {
            SalaryPeriod::Annual => 1,
            SalaryPeriod::Monthly => 12,
            SalaryPeriod::Semimonthly => 24,
            SalaryPeriod::Biweekly => 26,
            SalaryPeriod::Weekly => 52,
        })
    }
}

/// How a salaried user's time is paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SalaryMode {
    /// The salary, whatever the hours.
    Exempt,
    /// 29 CFR 778.113: salary for a fixed week; extra hours at the derived rate.
    #[default]
    NonexemptFixed,
    /// 29 CFR 778.114: salary for all hours; overtime at half the week's rate.
    FluctuatingWorkweek,
}

/// `[salary]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SalaryConfig {
    /// What `payRate` is per.
    pub period: SalaryPeriod,
    /// Default mode (a user override wins).
    pub mode: SalaryMode,
    /// Hours the salary is for, per week (more than 0, at most 168).
    #[serde(deserialize_with = "week_hours")]
    pub hours_per_week: Hours,
}

impl Default for SalaryConfig {
    fn default() -> Self {
        SalaryConfig {
            period: SalaryPeriod::default(),
            mode: SalaryMode::default(),
            hours_per_week: Hours::from_hours(40),
        }
    }
}

/// `[pto]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PtoConfig {
    /// PTO hours count toward the weekly (or biweekly) overtime threshold.
    pub counts_toward_overtime: bool,
}

/// `[jobs."<jobName>"]`: the hourly rate of time worked on a job. Exactly
/// one of the two keys is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobPay {
    /// An hourly rate that replaces `payRate` on this job.
    #[serde(
        deserialize_with = "hourly_amount",
        skip_serializing_if = "Option::is_none"
    )]
    pub rate: Option<Decimal>,
    /// Added per hour to `payRate` on this job.
    #[serde(
        deserialize_with = "hourly_amount",
        skip_serializing_if = "Option::is_none"
    )]
    pub premium: Option<Decimal>,
}

/// `[shifts."<shiftName>"]`: a shift differential. Exactly one of the two
/// keys is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShiftPay {
    /// Added per hour.
    #[serde(
        deserialize_with = "hourly_amount",
        skip_serializing_if = "Option::is_none"
    )]
    pub premium: Option<Decimal>,
    /// Added per hour, as a percentage of the base rate (`payRate`, or
    /// the job's `rate`), more than 0 and at most 100.
    #[serde(deserialize_with = "percent", skip_serializing_if = "Option::is_none")]
    pub percent: Option<Decimal>,
}

/// How the overtime premium of a workweek with several rates is figured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateMethod {
    /// 29 CFR 778.115: the week's straight-time pay plus bonuses, divided by
    /// its hours, is the regular rate of every overtime hour.
    #[default]
    WeightedAverage,
    /// 29 CFR 778.419: an overtime hour is paid at the multiplier times the
    /// rate of the work done in it (bonuses still add their share).
    RateInEffect,
}

/// `[regular_rate]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegularRateConfig {
    /// How a week with several rates is figured.
    pub method: RateMethod,
    /// `adjustTypeName`s of money additions that are nondiscretionary
    /// bonuses: paid in full, and part of their workweek's regular rate.
    pub bonuses: Vec<String>,
    /// `adjustTypeName`s of flat-sum bonuses (paid whatever the hours, an
    /// attendance bonus say): a bonus as `bonuses` are, except under a
    /// rule with `flat_sum_bonus_divisor = "non_overtime_hours"` (see
    /// design §5d and `flat_sum.rs`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flat_sum_bonuses: Vec<String>,
}

/// `[users."<userName>"]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserOverride {
    /// This user's salary mode.
    pub salary_mode: Option<SalaryMode>,
    /// How the payroll provider identifies this user (payroll-provider
    /// exports with `identify = "provider_id"`); the rules do not read it.
    pub provider_id: Option<String>,
    /// The hourly rate the payroll provider holds for this hourly user,
    /// when it is not `payRate` (exports price hours with it to reconcile
    /// with payrun's gross); the rules do not read it.
    #[serde(
        deserialize_with = "hourly_amount",
        skip_serializing_if = "Option::is_none"
    )]
    pub provider_rate: Option<Decimal>,
}
