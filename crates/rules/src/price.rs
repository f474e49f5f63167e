//! Pricing: from a user's workweek ledger to pay lines and the summary's pay
//! (design §5, §5b).
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
//! and this is rate × multiplier, as in design §5.
//!
//! Worked example (778.115): 45 hours in a week, 40 as a welder at $15 and
//! 5 as a helper at $12, overtime after 40 (the last 5 hours, helper work):
//! P = 40 × 15 + 5 × 12 = $660; RR = 660 / 45 = $14.6667; straight time
//! $660 plus the premium 5 × 14.6667 × 0.5 = $36.67: **$696.67**. Paid
//! "rate in effect" (778.419) instead, the 5 overtime hours pay 12 × 1.5:
//! $690.00.
//!
//! ## Workweeks that straddle the period's end (design §5c)
//!
//! A premium that depends on the whole week's hours (the fluctuating
//! workweek; a bonus; averaging several rates) is not known while the week
//! is unfinished. Then the period pays the straight time of its overtime
//! hours and defers their premium (a `deferred_premium` info exception); the
//! period in which the week ends pays the premium of all its overtime hours,
//! those of the earlier period included (an `overtime` line with no job or
//! shift). What
//! a period pays never depends on days after its end, so the payroll is the
//! same whatever morning it is run. Put generally, the premium a period
//! owes for a week is what is known of it at the period's end minus what
//! was known at the previous period's end; with one rate and no bonus the
//! two agree on every hour and nothing moves.
//!
//! It is long because every pay method (hourly, the three salaried, the
//! regular rate, straddling weeks) prices the same ledger; the last tenth
//! is tests.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use std::cmp::Reverse;

use crate::allocate::Allocation;
use crate::apportion::largest;
use crate::config::{RateMethod, RulesConfig, SalaryMode, Tier};
use crate::ledger::{Ledger, Part, Week};
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
    /// Workweeks (by first day) whose premium is deferred, with the
    /// overtime and double-time seconds of the period it is owed for.
    pub deferred: Vec<(NaiveDate, i64)>,
}

/// Prices `ledger` for a user with `terms`. `covered` is what the period
/// covers of the calendar's periods (days covered, days of the period): a
/// salary is paid for those days (one whole period: the period salary).
pub(crate) fn price(
    ledger: &Ledger,
    terms: &Terms,
    config: &RulesConfig,
    covered: &[(i64, i64)],
) -> Pricing {
    let mut lines = Vec::new();
    let mut deferred = Vec::new();
    match terms.rate_type {
        RateType::Hourly => {
            for week in &ledger.weeks {
                if let Some(seconds) =
                    hourly_week(week, terms, config.regular_rate.method, &mut lines)
                {
                    deferred.push((week.start, seconds));
                }
            }
        }
        RateType::Salary => salaried(ledger, terms, config, covered, &mut lines, &mut deferred),
    }
    Pricing {
        totals: totals(&lines),
        lines,
        deferred,
    }
}

/// How one workweek's regular rate was figured, in words (`payrun explain`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RateStory {
    /// The workweek's first workday.
    pub week: NaiveDate,
    /// The regular rate, where it is known at the period's end.
    pub regular_rate: Option<Decimal>,
    /// The computation, in one sentence.
    pub sentence: String,
}

/// The regular rate of each workweek of `ledger` as [`price`] figures it.
///
/// Long because each week's regular rate is told from its own parts
/// (rates, hours, bonuses) in order.
pub(crate) fn rate_stories(ledger: &Ledger, terms: &Terms, config: &RulesConfig) -> Vec<RateStory> {
    let premium = premium_of(terms, config);
    let money = |d: Decimal| {
        let mut cents = to_cents(d);
        cents.rescale(2);
        format!("${cents}")
    };
    let rate = |d: Decimal| format!("${}", crate::words::rate_text(d));
    ledger
        .weeks
        .iter()
        .map(|week| {
            let Some(premium) = premium else {
                return RateStory {
                    week: week.start,
                    regular_rate: None,
                    sentence: "exempt salary: every hour is straight time, no overtime premium".into(),
                };
            };
            let known = WeekPremium::new(premium, week);
            let h = hours_of(known.worked).round_dp(4).normalize();
            let b = known.bonus;
            let bonuses = if week.minimum_wage.iter().all(Decimal::is_zero) {
                "bonuses"
            } else {
                "bonuses and minimum-wage shortfall"
            };
            let bonus_share = |what: &str| {
                if b.is_zero() {
                    String::new()
                } else {
                    format!(", plus {bonuses} {} / {h} h = {} per hour{what}", money(b), rate(known.bonus_share))
                }
            };
            let mut sentence = match premium {
                Premium::WeightedAverage => match week.single_rate(Part::After) {
                    Some(one) if b.is_zero() => format!(
                        "one rate all week: the regular rate is {} (29 CFR 778.115)",
                        rate(one)
                    ),
                    _ => format!(
                        "weighted average (29 CFR 778.115): (straight-time pay {} + {bonuses} {}) / {h} h worked = {}",
                        money(week.rate_seconds() / Decimal::from(SECONDS_PER_HOUR)),
                        money(b),
                        rate(known.regular_rate)
                    ),
                },
                Premium::RateInEffect => format!(
                    "rate in effect (29 CFR 778.419): each overtime hour's premium is on the rate of the work done{}",
                    bonus_share("")
                ),
                Premium::FixedSalary { r } => format!(
                    "fixed salary for {} h (29 CFR 778.113): weekly salary / {} h = {}{}",
                    config.salary.hours_per_week,
                    config.salary.hours_per_week,
                    rate(r),
                    bonus_share("")
                ),
                Premium::Fluctuating { weekly } => format!(
                    "fluctuating workweek (29 CFR 778.114): (weekly salary {} + {bonuses} {}) / {h} h worked = {}; \
                     overtime hours get half of it on top of the salary",
                    money(weekly),
                    money(b),
                    rate(known.regular_rate)
                ),
            };
            if !known.complete && known.depends_during {
                sentence.push_str(
                    "; the week ends after the period, so the premium that depends on the whole \
                     week is paid in the period it ends in (design §5c)",
                );
            }
            RateStory {
                week: week.start,
                regular_rate: known.shown,
                sentence,
            }
        })
        .collect()
}

/// How `terms` figure an overtime premium; `None` for an exempt salary.
fn premium_of(terms: &Terms, config: &RulesConfig) -> Option<Premium> {
    match (terms.rate_type, terms.salary_mode) {
        (RateType::Hourly, _) => Some(match config.regular_rate.method {
            RateMethod::WeightedAverage => Premium::WeightedAverage,
            RateMethod::RateInEffect => Premium::RateInEffect,
        }),
        (RateType::Salary, SalaryMode::Exempt) => None,
        (RateType::Salary, mode) => {
            let weekly = weekly_salary(terms, config);
            Some(match mode {
                SalaryMode::FluctuatingWorkweek => Premium::Fluctuating { weekly },
                _ => Premium::FixedSalary {
                    r: weekly / config.salary.hours_per_week.as_decimal(),
                },
            })
        }
    }
}

/// The regular rate of `week` as it was known at the end of `through`
/// (`During`: this period's end; `Before`: the previous period's, when the
/// week was unfinished): the complete week's (design §5b) once the week
/// has ended, the one rate it has so far while that cannot change with the
/// rest of the week, and `None` while it can (design §5c) or for an exempt
/// salary. Under `rate_in_effect` a week of several rates is averaged as
/// 778.115 does, so it too waits for the week's end.
pub(crate) fn regular_rate_known(
    week: &Week,
    terms: &Terms,
    config: &RulesConfig,
    through: Part,
) -> Option<Decimal> {
    let premium = premium_of(terms, config)?;
    let known = WeekPremium::new(premium, week);
    let (complete, depends) = match through {
        Part::Before => (false, known.depends_before),
        _ => (known.complete, known.depends_during),
    };
    if complete {
        return Some(known.regular_rate);
    }
    if depends {
        return None;
    }
    match premium {
        Premium::FixedSalary { r } => Some(r),
        _ => week.single_rate(through),
    }
}

/// Each summary column rounded once, and gross.
fn totals(lines: &[Priced]) -> PayTotals {
    // The columns' sums of money × seconds and of money, in one pass.
    let mut sums = [(Decimal::ZERO, Decimal::ZERO); PayKind::SUMMARY_LINES.len()];
    for l in lines {
        let kind = l.kind.summary_line();
        if let Some(c) = PayKind::SUMMARY_LINES.iter().position(|&k| k == kind) {
            sums[c].0 += l.per_second;
            sums[c].1 += l.dollars;
        }
    }
    let [regular, overtime, double_time, pto, adjustment, premium] =
        sums.map(|(per_second, dollars)| {
            // Zero divided is zero (at scale 0): no division to do.
            let worked = if per_second.is_zero() {
                Decimal::ZERO
            } else {
                per_second / Decimal::from(SECONDS_PER_HOUR)
            };
            to_cents(worked + dollars)
        });
    PayTotals {
        regular,
        overtime,
        double_time,
        pto,
        adjustment,
        premium,
        gross: regular + overtime + double_time + pto + adjustment + premium,
    }
}

/// A salaried user's salary per week (W = the annual equivalent / 52).
pub(crate) fn weekly_salary(terms: &Terms, config: &RulesConfig) -> Decimal {
    terms.pay_rate * config.salary.period.per_year() / Decimal::from(52)
}

/// A line of money only, no hours: a bonus, or a premium paid on hours
/// already on their own lines.
pub(crate) fn money_line(week: Option<NaiveDate>, kind: PayKind, dollars: Decimal) -> Priced {
    money(week, kind, Decimal::ZERO, dollars)
}

impl Pricing {
    /// Adds `lines` and rounds the summary's columns again.
    pub(crate) fn add(&mut self, lines: Vec<Priced>) {
        if !lines.is_empty() {
            self.lines.extend(lines);
            self.totals = totals(&self.lines);
        }
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

/// How a user's overtime premium is figured (design §5b).
#[derive(Debug, Clone, Copy)]
enum Premium {
    /// Hourly, 778.115: RR = (straight-time pay + bonuses) / hours.
    WeightedAverage,
    /// Hourly, 778.419: the rate of the work done, plus the bonuses' share.
    RateInEffect,
    /// Salaried, 778.113: r = weekly salary / `hours_per_week`, plus the bonuses' share.
    FixedSalary { r: Decimal },
    /// Salaried, 778.114: RR = (weekly salary + bonuses) / hours.
    Fluctuating { weekly: Decimal },
}

/// Money as rate × seconds (divided by 3600 once per summary line) plus money.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Money {
    per_second: Decimal,
    dollars: Decimal,
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money {
            per_second: self.per_second - other.per_second,
            dollars: self.dollars - other.dollars,
        }
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money {
            per_second: self.per_second + other.per_second,
            dollars: self.dollars + other.dollars,
        }
    }
}

impl Money {
    fn is_zero(self) -> bool {
        self.per_second.is_zero() && self.dollars.is_zero()
    }
}

impl Premium {
    /// Whether the premium of the week's hours depends on hours worked
    /// after the end of `part` (design §5c): the fluctuating workweek always;
    /// otherwise a bonus, or, averaging, a second rate, seen so far.
    fn depends_on_the_whole_week(self, week: &Week, through: Part) -> bool {
        let bonus = !week.bonus_through(through).is_zero();
        match self {
            Premium::WeightedAverage => bonus || week.mixed_rates(through),
            Premium::RateInEffect | Premium::FixedSalary { .. } => bonus,
            Premium::Fluctuating { .. } => true,
        }
    }
}

/// What is known of one week's premium, figured once per week: at the end
/// of this period, and at the end of the previous one (for the hours
/// worked before the period).
struct WeekPremium {
    premium: Premium,
    /// The week ended within the period.
    complete: bool,
    /// The premium depended on the rest of the week at the previous period's end.
    depends_before: bool,
    /// It depends on the rest of the week at this period's end.
    depends_during: bool,
    /// Hours worked in the whole week, in seconds.
    worked: i64,
    /// Bonuses of the whole week.
    bonus: Decimal,
    /// B / H per hour (0 without hours or bonus).
    bonus_share: Decimal,
    /// The complete week's regular rate (meaningful when `complete`).
    regular_rate: Decimal,
    /// The regular rate shown for the week, where it is known at the period's end.
    shown: Option<Decimal>,
}

impl WeekPremium {
    fn new(premium: Premium, week: &Week) -> Self {
        let worked = week.worked();
        let hours = Decimal::from(worked);
        let bonus = week.bonus_through(Part::After);
        let bonus_share = if worked == 0 || bonus.is_zero() {
            Decimal::ZERO
        } else {
            bonus * Decimal::from(SECONDS_PER_HOUR) / hours
        };
        let regular_rate = match premium {
            Premium::WeightedAverage | Premium::RateInEffect => {
                match week.single_rate(Part::After) {
                    // One rate and no bonus: that rate, exactly.
                    Some(rate) if bonus.is_zero() => rate,
                    _ if worked == 0 => Decimal::ZERO,
                    _ => (week.rate_seconds() + bonus * Decimal::from(SECONDS_PER_HOUR)) / hours,
                }
            }
            Premium::FixedSalary { r } => r + bonus_share,
            Premium::Fluctuating { .. } if worked == 0 => Decimal::ZERO,
            Premium::Fluctuating { weekly } => {
                (weekly + bonus) * Decimal::from(SECONDS_PER_HOUR) / hours
            }
        };
        let complete = week.ends_in_period;
        let depends_during = premium.depends_on_the_whole_week(week, Part::During);
        let shown = if complete {
            Some(regular_rate)
        } else if depends_during {
            None
        } else {
            match premium {
                Premium::FixedSalary { r } => Some(r),
                _ => week.single_rate(Part::During),
            }
        };
        WeekPremium {
            premium,
            complete,
            depends_before: premium.depends_on_the_whole_week(week, Part::Before),
            depends_during,
            worked,
            bonus,
            bonus_share,
            regular_rate,
            shown,
        }
    }

    /// The premium, above straight time, of `seconds` worked at `straight`
    /// with `multiplier`, as far as it is known at the end of `through`
    /// (`Before`: the previous period's end, when the week was unfinished).
    /// Unknown, it is zero: it is deferred to the period in which the week ends.
    fn of(&self, seconds: i64, straight: Decimal, multiplier: Decimal, through: Part) -> Money {
        let extra = multiplier - Decimal::ONE;
        let s = Decimal::from(seconds);
        let (complete, depends) = match through {
            Part::Before => (false, self.depends_before),
            _ => (self.complete, self.depends_during),
        };
        if !complete {
            return if depends {
                Money::default()
            } else {
                Money {
                    per_second: s * straight * extra,
                    dollars: Decimal::ZERO,
                }
            };
        }
        match self.premium {
            Premium::WeightedAverage | Premium::FixedSalary { .. } => Money {
                per_second: s * self.regular_rate * extra,
                dollars: Decimal::ZERO,
            },
            Premium::RateInEffect => Money {
                per_second: s * (straight + self.bonus_share) * extra,
                dollars: Decimal::ZERO,
            },
            // Seconds cancel out: seconds × (salary + bonuses) / seconds worked.
            Premium::Fluctuating { weekly } if self.worked > 0 => Money {
                per_second: Decimal::ZERO,
                dollars: s * (weekly + self.bonus) * extra / Decimal::from(self.worked),
            },
            Premium::Fluctuating { .. } => Money::default(),
        }
    }
}

/// The overtime and double-time lines of one week, and the premium of its
/// hours before the period that is owed now (design §5c).
fn premium_lines(
    week: &Week,
    terms: &Terms,
    known: &WeekPremium,
    straight_of: impl Fn(Decimal) -> Decimal,
    lines: &mut Vec<Priced>,
) -> Option<i64> {
    let w = Some(week.start);
    let during = week.tiers(Part::During);
    let before = week.tiers(Part::Before);
    let premium_seconds = during.overtime + during.double_time;
    if premium_seconds + before.overtime + before.double_time == 0 {
        return None;
    }
    let shown_rate = known.shown;
    for (kind, tier_of, multiplier) in premium_tiers(terms) {
        let mut catch_up = Money::default();
        let mut catch_up_seconds = 0;
        for t in &week.by_rate {
            let straight = straight_of(t.rate);
            let seconds = tier_of(t.in_part(Part::During));
            if seconds > 0 {
                let money = Money {
                    per_second: Decimal::from(seconds) * straight,
                    dollars: Decimal::ZERO,
                } + known.of(seconds, straight, multiplier, Part::During);
                lines.push(Priced {
                    week: w,
                    kind,
                    worked_as: t.worked_as,
                    hours: hours_of(seconds),
                    rate: Some(
                        money.per_second / Decimal::from(seconds)
                            + money.dollars * Decimal::from(SECONDS_PER_HOUR)
                                / Decimal::from(seconds),
                    ),
                    per_second: money.per_second,
                    dollars: money.dollars,
                    regular_rate: shown_rate,
                });
            }
            // Hours worked before the period: what is owed now beyond what
            // the earlier period paid, when that period could not know the rate.
            let earlier = tier_of(t.in_part(Part::Before));
            if earlier > 0 {
                let owed = known.of(earlier, straight, multiplier, Part::During)
                    - known.of(earlier, straight, multiplier, Part::Before);
                if !owed.is_zero() {
                    catch_up = catch_up + owed;
                    catch_up_seconds += earlier;
                }
            }
        }
        if catch_up_seconds > 0 {
            let amount = catch_up.per_second / Decimal::from(SECONDS_PER_HOUR) + catch_up.dollars;
            lines.push(Priced {
                week: w,
                kind,
                worked_as: WorkedAs::default(),
                hours: hours_of(catch_up_seconds),
                rate: Some(amount / hours_of(catch_up_seconds)),
                per_second: catch_up.per_second,
                dollars: catch_up.dollars,
                regular_rate: shown_rate,
            });
        }
    }
    (!known.complete && premium_seconds > 0 && known.depends_during).then_some(premium_seconds)
}

/// A premium tier: its kind, its seconds in an allocation, its multiplier.
type PremiumTier = (PayKind, fn(Allocation) -> i64, Decimal);

/// The premium tiers.
fn premium_tiers(terms: &Terms) -> [PremiumTier; 2] {
    [
        (
            PayKind::Overtime,
            |a| a.overtime,
            terms.rule.multiplier(Tier::Overtime),
        ),
        (
            PayKind::DoubleTime,
            |a| a.double_time,
            terms.rule.multiplier(Tier::DoubleTime),
        ),
    ]
}

fn hourly_week(
    week: &Week,
    terms: &Terms,
    method: RateMethod,
    lines: &mut Vec<Priced>,
) -> Option<i64> {
    let w = Some(week.start);
    let premium = match method {
        RateMethod::WeightedAverage => Premium::WeightedAverage,
        RateMethod::RateInEffect => Premium::RateInEffect,
    };
    let known = WeekPremium::new(premium, week);
    let during = week.tiers(Part::During);
    let shown_rate = known
        .shown
        .filter(|_| during.overtime + during.double_time > 0);
    for t in &week.by_rate {
        let regular = t.in_part(Part::During).regular;
        if regular > 0 {
            lines.push(Priced {
                week: w,
                kind: PayKind::Regular,
                worked_as: t.worked_as,
                hours: hours_of(regular),
                rate: Some(t.rate),
                per_second: Decimal::from(regular) * t.rate,
                dollars: Decimal::ZERO,
                regular_rate: shown_rate,
            });
        }
    }
    let deferred = premium_lines(week, terms, &known, |rate| rate, lines);
    let pay_rate = terms.pay_rate;
    if !week.pto.is_zero() {
        lines.push(Priced {
            rate: Some(pay_rate),
            ..money(w, PayKind::Pto, week.pto, week.pto * pay_rate)
        });
    }
    adjustment_and_bonus(week, pay_rate, lines);
    deferred
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
    let bonus = week.bonus[Part::During as usize];
    if !bonus.is_zero() {
        lines.push(money(w, PayKind::Bonus, Decimal::ZERO, bonus));
    }
    let shortfall = week.minimum_wage[Part::During as usize];
    if !shortfall.is_zero() {
        lines.push(money(w, PayKind::MinimumWage, Decimal::ZERO, shortfall));
    }
}

fn salaried(
    ledger: &Ledger,
    terms: &Terms,
    config: &RulesConfig,
    covered: &[(i64, i64)],
    lines: &mut Vec<Priced>,
    deferred: &mut Vec<(NaiveDate, i64)>,
) {
    let one = Decimal::ONE;
    let annual = terms.pay_rate * config.salary.period.per_year();
    let weekly = annual / Decimal::from(52);
    let hourly = weekly / config.salary.hours_per_week.as_decimal();
    let tiers = ledger.tiers();
    let beyond: i64 = ledger.weeks.iter().map(|w| w.regular_beyond_salaried).sum();
    let covered_hours = match terms.salary_mode {
        SalaryMode::NonexemptFixed => tiers.regular - beyond,
        _ => tiers.regular,
    };
    let period_salary = annual / config.pay_period.frequency.per_year();
    let salary = match covered {
        [(days, of)] if days == of => period_salary,
        parts => parts
            .iter()
            .map(|&(days, of)| period_salary * Decimal::from(days) / Decimal::from(of))
            .sum(),
    };
    lines.push(money(
        None,
        PayKind::Salary,
        hours_of(covered_hours),
        salary,
    ));
    let premium = match terms.salary_mode {
        SalaryMode::Exempt => None,
        SalaryMode::NonexemptFixed => Some(Premium::FixedSalary { r: hourly }),
        SalaryMode::FluctuatingWorkweek => Some(Premium::Fluctuating { weekly }),
    };
    // Straight time of an overtime hour: r under a fixed salary; the salary
    // itself covers it in a fluctuating workweek.
    let straight = match premium {
        Some(Premium::FixedSalary { r }) => r,
        _ => Decimal::ZERO,
    };
    for week in &ledger.weeks {
        let w = Some(week.start);
        let known = premium.map(|p| WeekPremium::new(p, week));
        if terms.salary_mode == SalaryMode::NonexemptFixed && week.regular_beyond_salaried > 0 {
            let seconds = week.regular_beyond_salaried;
            let during = week.tiers(Part::During);
            lines.push(Priced {
                week: w,
                kind: PayKind::Regular,
                worked_as: WorkedAs::default(),
                hours: hours_of(seconds),
                rate: Some(hourly),
                per_second: Decimal::from(seconds) * hourly * one,
                dollars: Decimal::ZERO,
                regular_rate: known
                    .as_ref()
                    .and_then(|k| k.shown)
                    .filter(|_| during.overtime + during.double_time > 0),
            });
        }
        if let Some(known) = &known
            && let Some(seconds) = premium_lines(week, terms, known, |_| straight, lines)
        {
            deferred.push((week.start, seconds));
        }
        adjustment_and_bonus(week, hourly, lines);
    }
}

/// One exact amount being apportioned to cents (see [`apportion`]).
pub(crate) struct Share {
    /// Whose amount it is (the caller's index).
    index: usize,
    /// The amount in cents, rounded down.
    floor: Decimal,
    /// The cents' fraction the floor left out.
    remainder: Decimal,
}

impl Share {
    /// The share of `amount`, known as `index`.
    pub fn new(index: usize, amount: Decimal) -> Share {
        // In cents the amount is its mantissa over 10^(scale - 2): the floor
        // and the fraction are an integer division and its remainder, the
        // same figures as multiplying by 100 and flooring in decimals
        // (tested), which took 2% of a run.
        let (mantissa, scale) = (amount.mantissa(), amount.scale());
        let (floor, remainder) = if scale <= 2 {
            (mantissa * 10i128.pow(2 - scale), Decimal::ZERO)
        } else {
            let unit = 10i128.pow(scale - 2);
            let fraction = Decimal::from_i128_with_scale(mantissa.rem_euclid(unit), scale - 2);
            (mantissa.div_euclid(unit), fraction)
        };
        match Decimal::try_from_i128_with_scale(floor, 0) {
            Ok(floor) => Share {
                index,
                floor,
                remainder,
            },
            // Beyond 28 digits of cents: as decimals, which say so.
            Err(_) => {
                let exact = amount * Decimal::ONE_HUNDRED;
                let floor = exact.floor();
                Share {
                    index,
                    floor,
                    remainder: exact - floor,
                }
            }
        }
    }
}

/// Apportions the exact amounts of `shares` (in the order their amounts
/// came) to cents that add up to `total` (largest remainder): each
/// amount's floor in cents, then one more cent for the largest remainders
/// (the earlier amount first on a tie) until the total is reached. One
/// amount is the total. Gives each share's index and amount in dollars;
/// `shares` is a buffer the caller keeps, so apportioning allocates nothing.
pub(crate) fn apportion(
    shares: &mut [Share],
    total: Decimal,
) -> impl Iterator<Item = (usize, Decimal)> + '_ {
    let hundred = Decimal::ONE_HUNDRED;
    let only = match shares {
        [one] => Some((one.index, total)),
        _ => None,
    };
    if only.is_none() {
        let missing = total * hundred - shares.iter().map(|s| s.floor).sum::<Decimal>();
        let missing = usize::try_from(missing.max(Decimal::ZERO).trunc().mantissa()).unwrap_or(0);
        // Largest remainder first, the earlier amount on a tie.
        for share in largest(shares, missing, |s| (Reverse(s.remainder), s.index)) {
            share.floor += Decimal::ONE;
        }
    }
    let each = shares
        .iter()
        .filter(move |_| only.is_none())
        .map(move |s| (s.index, s.floor / hundred));
    only.into_iter().chain(each)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// Apportions the exact `amounts` to cents that add up to `total` (largest
    /// remainder): each amount's floor in cents, then one more cent for the
    /// largest remainders until the total is reached.
    fn apportion_cents(amounts: &[Decimal], total: Decimal) -> Vec<Decimal> {
        let mut shares: Vec<Share> = amounts
            .iter()
            .enumerate()
            .map(|(i, a)| Share::new(i, *a))
            .collect();
        let mut cents = amounts.to_vec();
        for (i, c) in apportion(&mut shares, total) {
            cents[i] = c;
        }
        cents
    }

    #[test]
    fn each_line_is_rounded_once_half_away_from_zero() {
        assert_eq!(to_cents(dec("0.005")), dec("0.01"));
        assert_eq!(to_cents(dec("-0.005")), dec("-0.01"));
        assert_eq!(to_cents(dec("0.0049999")), dec("0.00"));
    }

    #[test]
    fn zero_divided_is_zero_at_scale_zero() {
        // `totals` skips dividing a zero: what dividing gives must be the same.
        for zero in [Decimal::ZERO, dec("0.0000"), dec("-0.00")] {
            let divided = zero / Decimal::from(SECONDS_PER_HOUR);
            assert_eq!(
                (divided, divided.scale(), divided.is_sign_negative()),
                (Decimal::ZERO, 0, false)
            );
        }
    }

    /// A share's floor and remainder are those of the amount times 100,
    /// floored, in decimals: the same value and scale, over signs, scales
    /// 0 to 28, integers, and mantissas up to 96 bits.
    #[test]
    fn a_share_is_the_amount_in_cents_floored() {
        let mut amounts: Vec<Decimal> = [
            "0",
            "0.001",
            "-0.001",
            "0.005",
            "-0.005",
            "12.34",
            "-12.34",
            "12.345",
            "7",
            "-7",
            "0.1",
            "33.3333333333333333333333333333",
            "-33.3333333333333333333333333333",
            "7.9228162514264337593543950335",
            "-7.9228162514264337593543950335",
            "792281625142643375935439503.35",
        ]
        .iter()
        .map(|t| dec(t))
        .collect();
        amounts.push(dec("100") / dec("3"));
        amounts.push(dec("-2") / dec("7"));
        amounts.extend(crate::samples::random_decimals(
            0x2545_F491_4F6C_DD1D,
            20_000,
        ));
        let mut compared = 0;
        for amount in amounts {
            // Cents beyond 28 digits overflow either way (no amount is near).
            let Some(exact) = amount.checked_mul(Decimal::ONE_HUNDRED) else {
                continue;
            };
            compared += 1;
            let floor = exact.floor();
            let share = Share::new(3, amount);
            assert_eq!(share.index, 3);
            assert_eq!(share.floor, floor, "{amount}");
            assert_eq!(share.floor.scale(), floor.scale(), "{amount}");
            assert_eq!(share.remainder, exact - floor, "{amount}");
        }
        assert!(compared > 19_000, "{compared}");
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
