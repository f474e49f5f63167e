//! Pricing a user's hours for one pay period (SPEC §5).
//!
//! Arithmetic is exact: hours are whole seconds, money is `rust_decimal`, and
//! every product divides by 3600 last. Each line item is rounded once, half
//! away from zero, to cents; gross pay is the sum of the rounded items.
//!
//! ## Worked examples (weekly period, weekly basis, 40 h)
//!
//! * Hourly $12, 46 h: 40 × 12 + 6 × 12 × 1.5 = $480.00 + $108.00 = **$588.00**.
//! * Salary $220.80 per week for 40 h (`nonexempt_fixed`), 44 h: the rate is
//!   220.80 / 40 = $5.52; 4 OT hours × 5.52 × 1.5 = $33.12; **$253.92**.
//! * Fluctuating workweek, $600 per week, 50 h: the week's rate is 600 / 50 =
//!   $12; 10 OT hours × 12 × 0.5 = $60; **$660.00**.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::config::{Frequency, SalaryConfig, SalaryMode, SalaryPeriod};

/// How a user is paid (`rateType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateType {
    /// `Hourly Rate`: `payRate` per hour.
    Hourly,
    /// `Salary Rate`: `payRate` per `salary.period`.
    Salary,
}

/// One workweek's hours, for the fluctuating workweek rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeekHours {
    /// Seconds worked in the whole workweek (inside the period or not).
    pub worked: i64,
    /// Overtime seconds of the workweek that fall in the period.
    pub overtime: i64,
    /// Double-time seconds of the workweek that fall in the period.
    pub double_time: i64,
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
    /// Adjustment money, signed.
    pub adjustment_amount: Decimal,
    /// Regular seconds beyond `salary.hours_per_week` in their workweek
    /// (paid at straight time on top of a `nonexempt_fixed` salary).
    pub regular_beyond_salaried_week: i64,
    /// Each workweek touching the period.
    pub weeks: Vec<WeekHours>,
}

/// The pay lines of one user and period, each rounded to cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PayLines {
    /// Regular pay (the period salary for salaried users).
    pub regular: Decimal,
    /// Overtime pay.
    pub overtime: Decimal,
    /// Double-time pay.
    pub double_time: Decimal,
    /// PTO pay (zero for salaried users: PTO is inside the salary).
    pub pto: Decimal,
    /// Adjustment pay: adjustment hours at the hourly rate plus adjustment money.
    pub adjustment: Decimal,
    /// The sum of the rounded lines.
    pub gross: Decimal,
}

/// Rounds money to cents, half away from zero.
pub fn to_cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Everything pricing needs besides the hours.
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    /// Hourly or salaried.
    pub rate_type: RateType,
    /// `payRate`.
    pub pay_rate: Decimal,
    /// The user's salary mode (ignored for hourly users).
    pub salary_mode: SalaryMode,
    /// `[salary]`.
    pub salary: &'a SalaryConfig,
    /// The pay period frequency (how many periods a salary is split into).
    pub frequency: Frequency,
    /// The overtime rule's multipliers.
    pub ot_multiplier: Decimal,
    /// The double-time multiplier.
    pub dt_multiplier: Decimal,
}

const SECONDS_PER_HOUR: i64 = 3600;

fn per_year(period: SalaryPeriod) -> Decimal {
    Decimal::from(match period {
        SalaryPeriod::Annual => 1,
        SalaryPeriod::Monthly => 12,
        SalaryPeriod::Semimonthly => 24,
        SalaryPeriod::Biweekly => 26,
        SalaryPeriod::Weekly => 52,
    })
}

fn periods_per_year(frequency: Frequency) -> Decimal {
    Decimal::from(match frequency {
        Frequency::Weekly => 52,
        Frequency::Biweekly => 26,
        Frequency::Semimonthly => 24,
        Frequency::Monthly => 12,
    })
}

/// `seconds × rate × multiplier`, with the division by 3600 last.
fn seconds_at(seconds: i64, rate: Decimal, multiplier: Decimal) -> Decimal {
    Decimal::from(seconds) * rate * multiplier / Decimal::from(SECONDS_PER_HOUR)
}

/// Prices `hours` under `terms`.
pub fn price(hours: &PeriodHours, terms: &Terms) -> PayLines {
    let one = Decimal::ONE;
    let lines = match terms.rate_type {
        RateType::Hourly => {
            let r = terms.pay_rate;
            PayLines {
                regular: to_cents(seconds_at(hours.regular, r, one)),
                overtime: to_cents(seconds_at(hours.overtime, r, terms.ot_multiplier)),
                double_time: to_cents(seconds_at(hours.double_time, r, terms.dt_multiplier)),
                pto: to_cents(hours.pto_hours * r),
                adjustment: to_cents(hours.adjustment_hours * r + hours.adjustment_amount),
                gross: Decimal::ZERO,
            }
        }
        RateType::Salary => {
            let annual = terms.pay_rate * per_year(terms.salary.period);
            let weekly = annual / Decimal::from(52);
            let period_salary = to_cents(annual / periods_per_year(terms.frequency));
            let hourly = weekly / terms.salary.hours_per_week.as_decimal();
            let adjustment = to_cents(hours.adjustment_hours * hourly + hours.adjustment_amount);
            match terms.salary_mode {
                SalaryMode::Exempt => PayLines {
                    regular: period_salary,
                    adjustment,
                    ..PayLines::default()
                },
                SalaryMode::NonexemptFixed => PayLines {
                    regular: to_cents(
                        annual / periods_per_year(terms.frequency)
                            + seconds_at(hours.regular_beyond_salaried_week, hourly, one),
                    ),
                    overtime: to_cents(seconds_at(hours.overtime, hourly, terms.ot_multiplier)),
                    double_time: to_cents(seconds_at(
                        hours.double_time,
                        hourly,
                        terms.dt_multiplier,
                    )),
                    adjustment,
                    ..PayLines::default()
                },
                SalaryMode::FluctuatingWorkweek => {
                    // Per workweek: rate = weekly salary / hours worked that week;
                    // overtime adds (multiplier − 1) of it. Seconds cancel out.
                    let premium = |seconds: fn(&WeekHours) -> i64, multiplier: Decimal| {
                        hours
                            .weeks
                            .iter()
                            .filter(|w| w.worked > 0)
                            .map(|w| {
                                Decimal::from(seconds(w)) * weekly * (multiplier - one)
                                    / Decimal::from(w.worked)
                            })
                            .sum::<Decimal>()
                    };
                    PayLines {
                        regular: period_salary,
                        overtime: to_cents(premium(|w| w.overtime, terms.ot_multiplier)),
                        double_time: to_cents(premium(|w| w.double_time, terms.dt_multiplier)),
                        adjustment,
                        ..PayLines::default()
                    }
                }
            }
        }
    };
    PayLines {
        gross: lines.regular + lines.overtime + lines.double_time + lines.pto + lines.adjustment,
        ..lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Hours;
    use std::str::FromStr;

    const H: i64 = 3600;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn terms<'a>(
        rate_type: RateType,
        rate: &str,
        mode: SalaryMode,
        salary: &'a SalaryConfig,
    ) -> Terms<'a> {
        Terms {
            rate_type,
            pay_rate: dec(rate),
            salary_mode: mode,
            salary,
            frequency: Frequency::Weekly,
            ot_multiplier: dec("1.5"),
            dt_multiplier: dec("2"),
        }
    }

    #[test]
    fn hourly_twelve_dollars_forty_six_hours() {
        let salary = SalaryConfig::default();
        let hours = PeriodHours {
            regular: 40 * H,
            overtime: 6 * H,
            ..PeriodHours::default()
        };
        let p = price(
            &hours,
            &terms(RateType::Hourly, "12", SalaryMode::Exempt, &salary),
        );
        assert_eq!(
            (p.regular, p.overtime, p.double_time),
            (dec("480.00"), dec("108.00"), dec("0"))
        );
        assert_eq!(p.gross, dec("588.00"));
    }

    #[test]
    fn nonexempt_fixed_salary() {
        let salary = SalaryConfig {
            period: SalaryPeriod::Weekly,
            ..SalaryConfig::default()
        };
        let hours = PeriodHours {
            regular: 40 * H,
            overtime: 4 * H,
            ..PeriodHours::default()
        };
        let p = price(
            &hours,
            &terms(
                RateType::Salary,
                "220.80",
                SalaryMode::NonexemptFixed,
                &salary,
            ),
        );
        assert_eq!((p.regular, p.overtime), (dec("220.80"), dec("33.12")));
        assert_eq!(p.gross, dec("253.92"));
    }

    #[test]
    fn nonexempt_fixed_for_thirty_five_hours_pays_35_to_40_straight() {
        let salary = SalaryConfig {
            period: SalaryPeriod::Weekly,
            hours_per_week: Hours::from_hours(35),
            ..SalaryConfig::default()
        };
        // 42 h: 40 regular (5 of them beyond 35) + 2 OT. Rate 700 / 35 = $20.
        let hours = PeriodHours {
            regular: 40 * H,
            overtime: 2 * H,
            regular_beyond_salaried_week: 5 * H,
            ..PeriodHours::default()
        };
        let p = price(
            &hours,
            &terms(RateType::Salary, "700", SalaryMode::NonexemptFixed, &salary),
        );
        assert_eq!((p.regular, p.overtime), (dec("800.00"), dec("60.00")));
        assert_eq!(p.gross, dec("860.00"));
    }

    #[test]
    fn fluctuating_workweek() {
        let salary = SalaryConfig {
            period: SalaryPeriod::Weekly,
            ..SalaryConfig::default()
        };
        let hours = PeriodHours {
            regular: 40 * H,
            overtime: 10 * H,
            weeks: vec![WeekHours {
                worked: 50 * H,
                overtime: 10 * H,
                double_time: 0,
            }],
            ..PeriodHours::default()
        };
        let p = price(
            &hours,
            &terms(
                RateType::Salary,
                "600",
                SalaryMode::FluctuatingWorkweek,
                &salary,
            ),
        );
        assert_eq!((p.regular, p.overtime), (dec("600.00"), dec("60.00")));
        assert_eq!(p.gross, dec("660.00"));
    }

    #[test]
    fn exempt_is_the_salary_whatever_the_hours() {
        let salary = SalaryConfig::default();
        let hours = PeriodHours {
            regular: 60 * H,
            pto_hours: dec("8"),
            ..PeriodHours::default()
        };
        let mut t = terms(RateType::Salary, "52000", SalaryMode::Exempt, &salary);
        t.frequency = Frequency::Biweekly;
        let p = price(&hours, &t);
        assert_eq!(p.regular, dec("2000.00"));
        assert_eq!(
            p.pto,
            dec("0"),
            "PTO is reported, not paid on top of a salary"
        );
        assert_eq!(p.gross, dec("2000.00"));
    }

    #[test]
    fn pto_and_adjustments_for_hourly_users() {
        let salary = SalaryConfig::default();
        let hours = PeriodHours {
            pto_hours: dec("8"),
            adjustment_hours: dec("1.5") - dec("0.25"),
            adjustment_amount: dec("25") - dec("10"),
            ..PeriodHours::default()
        };
        let p = price(
            &hours,
            &terms(RateType::Hourly, "18.50", SalaryMode::Exempt, &salary),
        );
        assert_eq!(p.pto, dec("148.00"));
        assert_eq!(
            p.adjustment,
            dec("38.13"),
            "1.25 h x 18.50 = 23.125 -> +15 = 38.125, half away"
        );
        assert_eq!(p.gross, dec("186.13"));
    }

    #[test]
    fn each_line_is_rounded_once_half_away_from_zero() {
        assert_eq!(to_cents(dec("0.005")), dec("0.01"));
        assert_eq!(to_cents(dec("-0.005")), dec("-0.01"));
        assert_eq!(to_cents(dec("0.0049999")), dec("0.00"));
        // 1 second at $36/h is exactly one cent; 1 second at $17/h is 0.4722… cents.
        let salary = SalaryConfig::default();
        let t = terms(RateType::Hourly, "17", SalaryMode::Exempt, &salary);
        let hours = PeriodHours {
            regular: 3601,
            ..PeriodHours::default()
        };
        assert_eq!(price(&hours, &t).regular, dec("17.00"));
    }
}
