//! `[minimum_wage]`: the minimum wage and the exempt salary threshold,
//! each a list of amounts with the day each takes effect (design §5d).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::values::decimal_number;

/// An hourly rate in effect from a day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateFrom {
    /// The first day it applies.
    pub from: NaiveDate,
    /// Per hour.
    #[serde(deserialize_with = "decimal_number")]
    pub rate: Decimal,
}

/// A weekly amount in effect from a day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AmountFrom {
    /// The first day it applies.
    pub from: NaiveDate,
    /// Per week.
    #[serde(deserialize_with = "decimal_number")]
    pub amount: Decimal,
}

/// What to do with a workweek paid below the minimum wage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    /// A `below_minimum_wage` warning names the week and the shortfall.
    #[default]
    Flag,
    /// Pay the shortfall too: a `minimum_wage` line in regular pay, in
    /// the regular rate (see `minimum_wage.rs`).
    Pay,
}

/// `[minimum_wage]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MinimumWageConfig {
    /// The minimum wage: the federal one (29 USC 206(a)(1)(C), $7.25 from
    /// 2009-07-24) unless set.
    pub rates: Vec<RateFrom>,
    /// What a shortfall does (`flag`).
    pub shortfall: Shortfall,
    /// The salary per week below which an exempt user is warned about:
    /// the federal one (29 CFR 541.600, $684.00 from 2020-01-01) unless set.
    pub exempt_weekly_salary: Vec<AmountFrom>,
}

impl Default for MinimumWageConfig {
    fn default() -> Self {
        MinimumWageConfig {
            rates: vec![RateFrom {
                from: NaiveDate::from_ymd_opt(2009, 7, 24).expect("a date"),
                rate: Decimal::new(725, 2),
            }],
            shortfall: Shortfall::Flag,
            exempt_weekly_salary: vec![AmountFrom {
                from: NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date"),
                amount: Decimal::new(68400, 2),
            }],
        }
    }
}

impl MinimumWageConfig {
    /// Whether it is the default (and so not written back).
    pub fn is_default(&self) -> bool {
        *self == MinimumWageConfig::default()
    }
}

/// The rate of `rates` in effect on `day` (the latest `from` on or before it).
pub fn rate_on(rates: &[RateFrom], day: NaiveDate) -> Option<Decimal> {
    rates
        .iter()
        .filter(|r| r.from <= day)
        .max_by_key(|r| r.from)
        .map(|r| r.rate)
}

/// The amount of `amounts` in effect on `day`.
pub fn amount_on(amounts: &[AmountFrom], day: NaiveDate) -> Option<Decimal> {
    amounts
        .iter()
        .filter(|a| a.from <= day)
        .max_by_key(|a| a.from)
        .map(|a| a.amount)
}
