//! Pricing: from a user's workweek ledger to pay lines and the summary's pay
//! (SPEC §5, §5b).
//!
//! Arithmetic is exact: hours are whole seconds, money is `rust_decimal`,
//! and worked time is priced as rate × seconds with the division by 3600
//! done once per summary line. Each summary line is rounded once, half away
//! from zero, to cents; gross pay is the sum of the rounded lines. The pay
//! lines' amounts are then apportioned (largest remainder) so that the
//! lines of each summary column add up to it exactly.
//!
//! ## The regular rate
//!
//! Overtime is paid on the regular rate of its workweek. For an hourly user
//! with `method = "weighted_average"` (29 CFR 778.115), per workweek with H
//! hours worked, straight-time pay P (every worked hour at its own rate) and
//! bonuses B: RR = (P + B) / H, and an overtime hour worked at rate s pays
//! s + RR × (ot_multiplier − 1). With one rate and no bonus, RR is that rate
//! and this is rate × multiplier, as in SPEC §5.
//!
//! Worked example (778.115): 45 hours in a week, 40 as a welder at $15 and
//! 5 as a helper at $12, overtime after 40 (the last 5 hours, helper work):
//! P = 40 × 15 + 5 × 12 = $660; RR = 660 / 45 = $14.6667; straight time
//! $660 plus the premium 5 × 14.6667 × 0.5 = $36.67: **$696.67**. Paid
//! "rate in effect" (778.419) instead, the 5 overtime hours pay 12 × 1.5:
//! $690.00.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::config::{RateMethod, RulesConfig, SalaryMode, Tier};
use crate::ledger::{Ledger, Week};
use crate::punches::WorkedAs;
use crate::run::{PayKind, PayTotals};
use crate::users::{RateType, Terms};

/// Rounds money to cents, half away from zero.
pub fn to_cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

const SECONDS_PER_HOUR: i64 = 3600;

fn hours_of(seconds: i64) -> Decimal {
    Decimal::from(seconds) / Decimal::from(SECONDS_PER_HOUR)
}

/// One priced line, exact.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Priced {
    pub week: Option<NaiveDate>,
    pub kind: PayKind,
    pub worked_as: WorkedAs,
    pub hours: Decimal,
    pub rate: Option<Decimal>,
    /// Money × seconds (divided by 3600 once per summary line).
    pub per_second: Decimal,
    /// Money.
    pub dollars: Decimal,
    pub regular_rate: Option<Decimal>,
}

impl Priced {
    /// The exact amount.
    pub fn amount(&self) -> Decimal {
        self.per_second / Decimal::from(SECONDS_PER_HOUR) + self.dollars
    }
}

/// A user's priced period.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pricing {
    /// The summary's pay, each column rounded once.
    pub totals: PayTotals,
    /// The lines, in week order; their `amount` is exact.
    pub lines: Vec<Priced>,
}

/// Prices `ledger` for a user with `terms`.
pub(crate) fn price(ledger: &Ledger, terms: &Terms, config: &RulesConfig) -> Pricing {
    let mut lines = Vec::new();
    match terms.rate_type {
        RateType::Hourly => {
            for week in &ledger.weeks {
                hourly_week(week, terms, config.regular_rate.method, &mut lines);
            }
        }
        RateType::Salary => salaried(ledger, terms, config, &mut lines),
    }
    Pricing {
        totals: totals(&lines),
        lines,
    }
}

/// Each summary column rounded once, and gross.
fn totals(lines: &[Priced]) -> PayTotals {
    let column = |kind: PayKind| {
        let (per_second, dollars) = lines
            .iter()
            .filter(|l| l.kind.summary_line() == kind)
            .fold((Decimal::ZERO, Decimal::ZERO), |(p, d), l| {
                (p + l.per_second, d + l.dollars)
            });
        to_cents(per_second / Decimal::from(SECONDS_PER_HOUR) + dollars)
    };
    let t = PayTotals {
        regular: column(PayKind::Regular),
        overtime: column(PayKind::Overtime),
        double_time: column(PayKind::DoubleTime),
        pto: column(PayKind::Pto),
        adjustment: column(PayKind::Adjustment),
        gross: Decimal::ZERO,
    };
    PayTotals {
        gross: t.regular + t.overtime + t.double_time + t.pto + t.adjustment,
        ..t
    }
}

/// A line of money only (salary, bonus).
fn money(week: Option<NaiveDate>, kind: PayKind, hours: Decimal, dollars: Decimal) -> Priced {
    Priced {
        week,
        kind,
        worked_as: WorkedAs::default(),
        hours,
        rate: None,
        per_second: Decimal::ZERO,
        dollars,
        regular_rate: None,
    }
}

/// The premium tiers with their seconds and multipliers.
fn premium_tiers(
    tiers: crate::allocate::Allocation,
    terms: &Terms,
) -> [(PayKind, i64, Decimal); 2] {
    [
        (
            PayKind::Overtime,
            tiers.overtime,
            terms.rule.multiplier(Tier::Overtime),
        ),
        (
            PayKind::DoubleTime,
            tiers.double_time,
            terms.rule.multiplier(Tier::DoubleTime),
        ),
    ]
}

/// The bonus share of each hour of the week, B / H (0 without hours).
fn bonus_per_hour(week: &Week) -> Decimal {
    if week.worked == 0 || week.bonus.is_zero() {
        return Decimal::ZERO;
    }
    week.bonus * Decimal::from(SECONDS_PER_HOUR) / Decimal::from(week.worked)
}

fn hourly_week(week: &Week, terms: &Terms, method: RateMethod, lines: &mut Vec<Priced>) {
    let one = Decimal::ONE;
    let tiers = week.tiers();
    // RR = (straight-time pay + bonuses) / hours, over the whole workweek;
    // with one rate and no bonus it is that rate, exactly.
    let regular_rate = match week.single_rate {
        Some(rate) if week.bonus.is_zero() => rate,
        _ if week.worked == 0 => Decimal::ZERO,
        _ => {
            (week.rate_seconds + week.bonus * Decimal::from(SECONDS_PER_HOUR))
                / Decimal::from(week.worked)
        }
    };
    let shown_rate = (tiers.overtime + tiers.double_time > 0).then_some(regular_rate);
    let bonus_share = bonus_per_hour(week);
    let w = Some(week.start);
    for t in &week.by_rate {
        let line = |kind, seconds: i64, rate: Decimal| Priced {
            week: w,
            kind,
            worked_as: t.worked_as,
            hours: hours_of(seconds),
            rate: Some(rate),
            per_second: Decimal::from(seconds) * rate,
            dollars: Decimal::ZERO,
            regular_rate: shown_rate,
        };
        if t.tiers.regular > 0 {
            lines.push(line(PayKind::Regular, t.tiers.regular, t.rate));
        }
        for (kind, seconds, multiplier) in premium_tiers(t.tiers, terms) {
            if seconds == 0 {
                continue;
            }
            let rate = match method {
                RateMethod::WeightedAverage => t.rate + regular_rate * (multiplier - one),
                RateMethod::RateInEffect => t.rate * multiplier + bonus_share * (multiplier - one),
            };
            lines.push(line(kind, seconds, rate));
        }
    }
    let pay_rate = terms.pay_rate;
    if !week.pto.is_zero() {
        lines.push(Priced {
            rate: Some(pay_rate),
            ..money(w, PayKind::Pto, week.pto, week.pto * pay_rate)
        });
    }
    adjustment_and_bonus(week, pay_rate, lines);
}

fn adjustment_and_bonus(week: &Week, hourly: Decimal, lines: &mut Vec<Priced>) {
    let w = Some(week.start);
    if !week.adjustment_hours.is_zero() || !week.adjustment_amount.is_zero() {
        lines.push(Priced {
            rate: Some(hourly),
            ..money(
                w,
                PayKind::Adjustment,
                week.adjustment_hours,
                week.adjustment_hours * hourly + week.adjustment_amount,
            )
        });
    }
    if !week.bonus_paid.is_zero() {
        lines.push(money(w, PayKind::Bonus, Decimal::ZERO, week.bonus_paid));
    }
}

fn salaried(ledger: &Ledger, terms: &Terms, config: &RulesConfig, lines: &mut Vec<Priced>) {
    let one = Decimal::ONE;
    let annual = terms.pay_rate * config.salary.period.per_year();
    let weekly = annual / Decimal::from(52);
    let hourly = weekly / config.salary.hours_per_week.as_decimal();
    let tiers = ledger.tiers();
    let beyond: i64 = ledger.weeks.iter().map(|w| w.regular_beyond_salaried).sum();
    let covered = match terms.salary_mode {
        SalaryMode::NonexemptFixed => tiers.regular - beyond,
        _ => tiers.regular,
    };
    lines.push(money(
        None,
        PayKind::Salary,
        hours_of(covered),
        annual / config.pay_period.frequency.per_year(),
    ));
    for week in &ledger.weeks {
        let w = Some(week.start);
        let tiers = week.tiers();
        let bonus_share = bonus_per_hour(week);
        let has_premium = tiers.overtime + tiers.double_time > 0;
        match terms.salary_mode {
            SalaryMode::Exempt => {}
            SalaryMode::NonexemptFixed => {
                let shown_rate = has_premium.then_some(hourly + bonus_share);
                if week.regular_beyond_salaried > 0 {
                    let seconds = week.regular_beyond_salaried;
                    lines.push(Priced {
                        week: w,
                        kind: PayKind::Regular,
                        worked_as: WorkedAs::default(),
                        hours: hours_of(seconds),
                        rate: Some(hourly),
                        per_second: Decimal::from(seconds) * hourly * one,
                        dollars: Decimal::ZERO,
                        regular_rate: shown_rate,
                    });
                }
                for (kind, seconds, multiplier) in premium_tiers(tiers, terms) {
                    if seconds == 0 {
                        continue;
                    }
                    // r × m per hour, plus the bonus's share of the premium.
                    let premium = Decimal::from(seconds) * hourly * multiplier
                        + Decimal::from(seconds) * bonus_share * (multiplier - one);
                    lines.push(Priced {
                        week: w,
                        kind,
                        worked_as: WorkedAs::default(),
                        hours: hours_of(seconds),
                        rate: Some(hourly * multiplier + bonus_share * (multiplier - one)),
                        per_second: premium,
                        dollars: Decimal::ZERO,
                        regular_rate: shown_rate,
                    });
                }
            }
            SalaryMode::FluctuatingWorkweek => {
                if week.worked > 0 {
                    // RR = (weekly salary + bonuses) / hours worked that week;
                    // overtime adds (multiplier − 1) of it. Seconds cancel out.
                    let pay = weekly + week.bonus;
                    let regular_rate =
                        pay * Decimal::from(SECONDS_PER_HOUR) / Decimal::from(week.worked);
                    for (kind, seconds, multiplier) in premium_tiers(tiers, terms) {
                        if seconds == 0 {
                            continue;
                        }
                        lines.push(Priced {
                            week: w,
                            kind,
                            worked_as: WorkedAs::default(),
                            hours: hours_of(seconds),
                            rate: Some(regular_rate * (multiplier - one)),
                            per_second: Decimal::ZERO,
                            dollars: Decimal::from(seconds) * pay * (multiplier - one)
                                / Decimal::from(week.worked),
                            regular_rate: Some(regular_rate),
                        });
                    }
                }
            }
        }
        adjustment_and_bonus(week, hourly, lines);
    }
}

/// Apportions the exact `amounts` to cents that add up to `total` (largest
/// remainder): each amount's floor in cents, then one more cent for the
/// largest remainders until the total is reached.
pub(crate) fn apportion_cents(amounts: &[Decimal], total: Decimal) -> Vec<Decimal> {
    let hundred = Decimal::ONE_HUNDRED;
    let floors: Vec<Decimal> = amounts.iter().map(|a| (a * hundred).floor()).collect();
    let mut missing = total * hundred - floors.iter().sum::<Decimal>();
    let mut order: Vec<usize> = (0..amounts.len()).collect();
    order.sort_by(|&a, &b| {
        let rem = |i: usize| amounts[i] * hundred - floors[i];
        rem(b).cmp(&rem(a)).then(a.cmp(&b))
    });
    let mut cents = floors;
    for i in order {
        if missing < Decimal::ONE {
            break;
        }
        cents[i] += Decimal::ONE;
        missing -= Decimal::ONE;
    }
    cents.into_iter().map(|c| c / hundred).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn each_line_is_rounded_once_half_away_from_zero() {
        assert_eq!(to_cents(dec("0.005")), dec("0.01"));
        assert_eq!(to_cents(dec("-0.005")), dec("-0.01"));
        assert_eq!(to_cents(dec("0.0049999")), dec("0.00"));
    }

    #[test]
    fn apportioned_cents_add_up_to_the_rounded_total() {
        // Three thirds of $100.00: 33.333… each.
        let third = dec("100") / dec("3");
        let parts = apportion_cents(&[third, third, third], dec("100.00"));
        assert_eq!(parts, vec![dec("33.34"), dec("33.33"), dec("33.33")]);
        // A deduction among them: -10.005 and 20.004 (total 9.999 → 10.00).
        let parts = apportion_cents(&[dec("-10.005"), dec("20.004")], dec("10.00"));
        assert_eq!(parts.iter().sum::<Decimal>(), dec("10.00"));
        assert_eq!(parts, vec![dec("-10.00"), dec("20.00")]);
    }
}
