//! The minimum wage, checked per workweek (design §5d): for each nonexempt
//! user and each workweek that ends in the period (so each week is checked
//! once, whole, in the period it ends in), S, the straight-time pay of the
//! week's worked hours, against R, each worked hour at the minimum in
//! effect on its workday (the higher of `[minimum_wage] rates` and the
//! rule's own `minimum_wage`). S below R is a `below_minimum_wage` warning
//! naming the week and the shortfall R − S (`shortfall = "flag"`, the
//! default; pay is unchanged). An exempt user whose salary per week is
//! below the threshold in effect on the period's last day is an
//! `exempt_below_salary_threshold` warning; pay is unchanged.
//!
//! With `shortfall = "pay"` ([`pay_shortfalls`]) the shortfall is paid as
//! a `minimum_wage` line in regular pay and enters its week's regular rate
//! as a bonus does (design §5b). An hourly user's week that ends after the
//! period is paid the shortfall of its days so far (an employee is owed
//! the minimum on the payday of the hours), and the period it ends in pays
//! the week's shortfall less that, never below 0. A salary's week is
//! judged whole, in the period it ends in.
//!
//! S is, for an hourly user, every worked second at its own rate; for a
//! fixed salary (29 CFR 778.113), the week's salary plus its hourly rate
//! for each hour beyond `salary.hours_per_week`; for a fluctuating
//! workweek, the week's salary.
//!
//! Why: the FLSA's minimum wage is owed per workweek (29 USC 206(a)(1)(C),
//! $7.25 an hour since 2009-07-24), and a salary for a nonexempt employee
//! must reach it over the hours of each week.
//!
//! Examples: $7.00 an hour, 45 h: S = 315.00, R = 45 × 7.25 = 326.25,
//! $11.25 short. A salary of $220.80 for 40 h, 44 h worked: S = 220.80 + 4
//! × 5.52 = 242.88, R = 44 × 7.25 = 319.00, $76.12 short.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::calendar::PayPeriod;
use crate::config::RulesConfig;
use crate::config::minimum::{amount_on, rate_on};
use crate::ledger::{Ledger, Part};
use crate::overtime::Piece;
use crate::users::{RateType, Terms};
use crate::words::{hours, money_text, rate_text};

/// A workweek paid below the minimum wage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Short {
    /// The week's first workday.
    pub week: NaiveDate,
    /// Worked seconds.
    pub seconds: i64,
    /// Straight-time pay (S).
    pub paid: Decimal,
    /// What the minimum makes of the hours (R).
    pub owed: Decimal,
    /// The minimum per hour, when one rate covers the week.
    pub rate: Option<Decimal>,
}

impl Short {
    /// The warning's words: `minimum wage: $7.25 x 45 h - $315.00 = $11.25`.
    pub fn words(&self) -> String {
        let owed = match self.rate {
            Some(rate) => format!("${} x {} h", rate_text(rate), hours(self.seconds)),
            None => format!("${}", money_text(self.owed)),
        };
        format!(
            "minimum wage: {owed} - ${} = ${}",
            money_text(self.paid),
            money_text(self.owed - self.paid)
        )
    }
}

/// The weeks of `ledger` that end in the period and are paid below the
/// minimum wage.
pub(crate) fn short_weeks(
    ledger: &Ledger,
    pieces: &[Piece],
    terms: &Terms,
    config: &RulesConfig,
) -> Vec<Short> {
    if terms.exempt() {
        return Vec::new();
    }
    ledger
        .weeks
        .iter()
        .filter(|w| w.ends_in_period)
        .filter_map(|week| {
            let end = week.start + Duration::days(6);
            shortfall(week, pieces, terms, config, (end, Part::After))
        })
        .filter(|short| short.paid.round_dp(2) < short.owed.round_dp(2))
        .map(|short| Short {
            paid: short.paid.round_dp(2),
            owed: short.owed.round_dp(2),
            ..short
        })
        .collect()
}

/// A shortfall a period pays (`shortfall = "pay"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Payment {
    /// The week's shortfall as far as the period sees it (exact).
    pub short: Short,
    /// What the earlier period paid of it (exact; 0 unless the week
    /// straddles the period's start).
    pub paid_before: Decimal,
    /// Whether the week ends after the period: the shortfall so far.
    pub so_far: bool,
}

impl Payment {
    /// What this period pays: the shortfall less what the earlier period
    /// paid, never below 0 (pay once paid is not taken back).
    pub fn now(&self) -> Decimal {
        (self.short.owed - self.short.paid - self.paid_before).max(Decimal::ZERO)
    }
}

/// The shortfalls the period pays with `shortfall = "pay"`, each written
/// into its week of `ledger` (where it enters the regular rate as a bonus
/// does): for a week that ends in the period, its whole shortfall; for an
/// hourly user's week that ends after it, the shortfall of its days so
/// far (a salary's week is judged whole, in the period it ends in). A week
/// that straddles the period's start pays its shortfall less what the
/// earlier period paid of it (its days so far then).
pub(crate) fn pay_shortfalls(
    ledger: &mut Ledger,
    pieces: &[Piece],
    terms: &Terms,
    config: &RulesConfig,
    period: &PayPeriod,
) -> Vec<Payment> {
    if terms.exempt() {
        return Vec::new();
    }
    let hourly = terms.rate_type == RateType::Hourly;
    let mut payments = Vec::new();
    for week in &mut ledger.weeks {
        let end = week.start + Duration::days(6);
        let (through, so_far) = if week.ends_in_period {
            ((end, Part::After), false)
        } else if hourly {
            ((period.end, Part::During), true)
        } else {
            continue;
        };
        let paid_before = if hourly && week.start < period.start {
            let before = (period.start - Duration::days(1), Part::Before);
            shortfall(week, pieces, terms, config, before)
                .map_or(Decimal::ZERO, |s| (s.owed - s.paid).max(Decimal::ZERO))
        } else {
            Decimal::ZERO
        };
        let Some(short) = shortfall(week, pieces, terms, config, through) else {
            continue;
        };
        // Short by less than a cent is not short, as when it is flagged.
        if short.owed.round_dp(2) <= short.paid.round_dp(2) && paid_before.is_zero() {
            continue;
        }
        let payment = Payment {
            short,
            paid_before,
            so_far,
        };
        week.minimum_wage = [paid_before, payment.now()];
        if payment.now() > Decimal::ZERO {
            payments.push(payment);
        }
    }
    payments
}

/// S and R of `week` over its days up to `through` (the last workday, and
/// the ledger's part it ends), exact; `None` without worked time.
fn shortfall(
    week: &crate::ledger::Week,
    pieces: &[Piece],
    terms: &Terms,
    config: &RulesConfig,
    (last_day, part): (NaiveDate, Part),
) -> Option<Short> {
    let minimum = |day: NaiveDate| {
        let general = rate_on(&config.minimum_wage.rates, day);
        let own = rate_on(&terms.rule.minimum_wage, day);
        general.max(own).unwrap_or(Decimal::ZERO)
    };
    let per_hour = Decimal::from(3600);
    // One pass over the week's pieces: seconds, what the minimum makes
    // of them, and the one minimum rate if a single one covers them.
    let mut seconds = 0i64;
    let mut owed_seconds = Decimal::ZERO;
    let mut rate: Option<Option<Decimal>> = None;
    for p in pieces
        .iter()
        .filter(|p| p.workday >= week.start && p.workday <= last_day && p.seconds > 0)
    {
        let minimum = minimum(p.workday);
        seconds += p.seconds;
        owed_seconds += Decimal::from(p.seconds) * minimum;
        rate = match rate {
            None => Some(Some(minimum)),
            Some(Some(r)) if r == minimum => Some(Some(r)),
            _ => Some(None),
        };
    }
    if seconds == 0 {
        return None;
    }
    let paid = match (terms.rate_type, terms.salary_mode) {
        (RateType::Hourly, _) => week.rate_seconds_through(part) / per_hour,
        (RateType::Salary, mode) => {
            let weekly = crate::price::weekly_salary(terms, config);
            match mode {
                crate::config::SalaryMode::FluctuatingWorkweek => weekly,
                _ => {
                    let per_week = config.salary.hours_per_week.seconds;
                    let beyond = (seconds - per_week).max(0);
                    weekly + weekly * Decimal::from(beyond) / Decimal::from(per_week)
                }
            }
        }
    };
    Some(Short {
        week: week.start,
        seconds,
        paid,
        owed: owed_seconds / per_hour,
        rate: rate.flatten(),
    })
}

/// The exempt threshold per week a salary is below, if it is: (salary
/// per week, threshold).
pub(crate) fn exempt_below(
    terms: &Terms,
    config: &RulesConfig,
    last_day: NaiveDate,
) -> Option<(Decimal, Decimal)> {
    if !terms.exempt() {
        return None;
    }
    let thresholds = if terms.rule.exempt_weekly_salary.is_empty() {
        &config.minimum_wage.exempt_weekly_salary
    } else {
        &terms.rule.exempt_weekly_salary
    };
    let threshold = amount_on(thresholds, last_day)?;
    let weekly = crate::price::weekly_salary(terms, config).round_dp(2);
    (weekly < threshold).then_some((weekly, threshold))
}
