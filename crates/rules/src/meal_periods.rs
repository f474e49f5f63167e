//! Meal periods, California's way (design §5d): under a rule with
//! `meal_periods = true`, each workday of a nonexempt user is judged on
//! the actual punch times of its paid job entries (never rounded, and an
//! `[auto_lunch]` deduction is no meal). W is the workday's worked time; a
//! *meal period* is a gap of at least 30 minutes between two of its
//! entries, and it begins when the worked time before it has been worked.
//!
//! * The first meal is required when W > 5 h (unless W is at most
//!   `meal_waiver_up_to_hours`) and met by a first meal period that begins
//!   when at most 5 h have been worked.
//! * The second meal is required when W > 10 h (unless W is at most
//!   `second_meal_waiver_up_to_hours`) and met by a second meal period that
//!   begins when at most 10 h have been worked. A late first meal is still
//!   the first meal when the second is judged.
//!
//! A workday with a requirement not met (missing, late, or every gap
//! shorter than 30 minutes) earns one hour of pay at the regular rate of
//! its workweek, at most one a workday: a `meal_premium` pay line, counted
//! in the summary's `premium_pay`, and a `meal_premium` warning naming the
//! workday and the reason. The premium is not hours worked and does not
//! enter the regular rate; a flat-sum bonus's F / N (see `flat_sum.rs`)
//! is part of the rate it is paid at. While the workweek's regular rate
//! depends on the rest of the week (design §5c), the premium is deferred
//! to the period the week ends in, as the overtime premium is; the
//! earlier period's flat sums are then not in it. With
//! `meal_premium = "flag"` the warning is written and nothing is paid.
//!
//! An entry belongs to the workday its piece falls in: with
//! `punches.split_at_workday` an entry across the workday's boundary is
//! judged in two parts, one in each workday; without it, whole, in the
//! workday it starts in.
//!
//! Why: California Labor Code 512(a) and 226.7(c); IWC wage orders,
//! section 11; Brinker Restaurant Corp. v. Superior Court, 53 Cal.4th 1004
//! (2012) (the first meal by the end of the fifth hour); Ferra v. Loews
//! Hollywood Hotel, 11 Cal.5th 858 (2021) (the premium at the regular rate
//! of compensation); Donohue v. AMN Services, 11 Cal.5th 58 (2021) (no
//! rounding of meal periods).
//!
//! Example: $20 an hour, 08:00 to 13:30 and 14:00 to 18:00, daily overtime
//! after 8 h. The meal began after 5:30 h worked: 8 h × 20 + 1.5 h × 30 +
//! one hour × 20 = **$225.00**.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use payrun_ingest::TimeCard;
use rust_decimal::Decimal;

use crate::calendar::PayPeriod;
use crate::config::{MealPremium, OvertimeRule, RulesConfig};
use crate::ledger::{Ledger, Part};
use crate::price::{Priced, regular_rate_known};
use crate::punches::{Shift, WorkedAs, actual_instants};
use crate::run::PayKind;
use crate::time::Workdays;
use crate::users::Terms;
use crate::words::rate_text;

const HOUR: i64 = 3600;
/// The shortest gap that is a meal period.
const MEAL: i64 = 30 * 60;

/// A workday that missed a required meal, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missed {
    pub workday: NaiveDate,
    /// `first meal late: began after 5:30 h`, `second meal missing`, ….
    pub reason: String,
}

/// The workdays of the user's paid entries (`shifts`, with their `cards`)
/// that missed a required meal, in order; none unless `rule` has
/// `meal_periods` and the user is nonexempt.
pub(crate) fn missed(
    shifts: &[Shift],
    cards: &[TimeCard],
    zone: Workdays,
    rule: &OvertimeRule,
    split_at_workday: bool,
    exempt: bool,
) -> Vec<Missed> {
    if !rule.meal_periods || exempt {
        return Vec::new();
    }
    // Each workday's actual worked intervals.
    let mut days: BTreeMap<NaiveDate, Vec<(i64, i64)>> = BTreeMap::new();
    for shift in shifts {
        let Some((start, end)) = actual_instants(&cards[shift.card], zone.tz) else {
            continue;
        };
        if split_at_workday {
            zone.split(start, end, |workday, from, seconds| {
                days.entry(workday)
                    .or_default()
                    .push((from, from + seconds));
            });
        } else {
            // The workday its shift (as paid) starts in.
            let workday = zone.of_instant(shift.start);
            days.entry(workday).or_default().push((start, end));
        }
    }
    days.into_iter()
        .filter_map(|(workday, intervals)| {
            judge(intervals, rule).map(|reason| Missed { workday, reason })
        })
        .collect()
}

/// A gap between two entries: the worked seconds before it began, and its length.
#[derive(Debug, Clone, Copy)]
struct Gap {
    worked_before: i64,
    seconds: i64,
}

/// Why a workday of `intervals` (its actual worked times) owes a premium,
/// or `None` when its meals were on time.
fn judge(mut intervals: Vec<(i64, i64)>, rule: &OvertimeRule) -> Option<String> {
    intervals.sort_unstable();
    // Worked time counts once where entries overlap; gaps lie between.
    let mut worked = 0i64;
    let mut gaps = Vec::new();
    let mut until: Option<i64> = None;
    for (start, end) in intervals {
        match until {
            Some(u) if start > u => {
                gaps.push(Gap {
                    worked_before: worked,
                    seconds: start - u,
                });
                worked += end - start;
                until = Some(end);
            }
            Some(u) => {
                worked += (end - u).max(0);
                until = Some(u.max(end));
            }
            None => {
                worked += end - start;
                until = Some(end);
            }
        }
    }
    let waived = |limit: i64| limit > 0 && worked <= limit;
    let first_required = worked > 5 * HOUR && !waived(rule.meal_waiver_up_to_hours.seconds);
    let second_required =
        worked > 10 * HOUR && !waived(rule.second_meal_waiver_up_to_hours.seconds);
    let meals: Vec<&Gap> = gaps.iter().filter(|g| g.seconds >= MEAL).collect();
    let mut reasons = Vec::new();
    if first_required {
        // Before any meal period, every gap is shorter than one.
        reasons.extend(unmet("first", meals.first().copied(), &gaps, 5 * HOUR));
    }
    if second_required {
        let after_first: Vec<Gap> = match meals.first() {
            Some(first) => gaps
                .iter()
                .filter(|g| g.worked_before > first.worked_before)
                .copied()
                .collect(),
            None => Vec::new(),
        };
        reasons.extend(unmet(
            "second",
            meals.get(1).copied(),
            &after_first,
            10 * HOUR,
        ));
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// Why a required meal (`which`, due by `due` worked seconds) was not
/// met by `meal`, the meal period that would be it, with `gaps` the gaps
/// that could have been it; `None` when it was met.
fn unmet(which: &str, meal: Option<&Gap>, gaps: &[Gap], due: i64) -> Option<String> {
    match meal {
        Some(m) if m.worked_before <= due => None,
        Some(m) => Some(format!(
            "{which} meal late: began after {} h",
            clock(m.worked_before)
        )),
        None => Some(match gaps.iter().map(|g| g.seconds).max() {
            Some(longest) => format!("{which} meal short: {} min", longest / 60),
            None => format!("{which} meal missing"),
        }),
    }
}

/// Worked seconds as `5:30`.
fn clock(seconds: i64) -> String {
    format!("{}:{:02}", seconds / HOUR, seconds % HOUR / 60)
}

/// What became of a missed meal's premium.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Outcome {
    /// Paid now, one hour at this rate.
    Paid(Decimal),
    /// Its workweek's regular rate is not known yet: paid in the period
    /// the week ends in (design §5c).
    Deferred,
    /// `meal_premium = "flag"`.
    Flagged,
    /// The user's pay is held (a `payRate` no one would sign): nothing is
    /// paid now; the hour is paid when the period is run with it fixed.
    Held,
}

impl Outcome {
    /// The outcome in words, for the warning.
    pub fn words(self) -> String {
        match self {
            Outcome::Paid(rate) => format!(
                "one hour at the workweek's regular rate is paid: ${}",
                rate_text(rate)
            ),
            Outcome::Deferred => "its workweek ends after the period, so the hour at the week's \
                                  regular rate is paid in the period the week ends in (design §5c)"
                .into(),
            Outcome::Flagged => "flagged, nothing paid (meal_premium = \"flag\")".into(),
            Outcome::Held => "the pay is held (see its error): the hour is paid when the period \
                              is run again with the pay rate fixed"
                .into(),
        }
    }
}

/// The premium lines the period pays for `missed` workdays, and each
/// missed workday of the period with its outcome. A workday before the
/// period whose premium waited for its week's rate is paid now;
/// `flat_per_hour` (a flat sum's F / N, see `flat_sum.rs`) is added to the
/// rate of the period's own workdays.
pub(crate) fn lines<'m>(
    missed: &'m [Missed],
    ledger: &Ledger,
    terms: &Terms,
    config: &RulesConfig,
    period: &PayPeriod,
    flat_per_hour: Decimal,
) -> (Vec<Priced>, Vec<(&'m Missed, Outcome)>) {
    let mut lines = Vec::new();
    let mut outcomes = Vec::new();
    let flagged = terms.rule.meal_premium == MealPremium::Flag;
    for m in missed {
        let Some(week) = ledger
            .weeks
            .iter()
            .find(|w| w.start <= m.workday && m.workday < w.start + Duration::days(7))
        else {
            continue;
        };
        if m.workday > period.end {
            continue;
        }
        let before = m.workday < period.start;
        let now = regular_rate_known(week, terms, config, Part::During);
        let rate = if before {
            // Paid by the earlier period when it knew the rate then.
            match (now, regular_rate_known(week, terms, config, Part::Before)) {
                (Some(rate), None) if !flagged => rate,
                _ => continue,
            }
        } else {
            let outcome = match now {
                _ if flagged => Outcome::Flagged,
                _ if terms.held => Outcome::Held,
                None => Outcome::Deferred,
                Some(rate) => Outcome::Paid(rate + flat_per_hour),
            };
            outcomes.push((m, outcome));
            match outcome {
                Outcome::Paid(rate) => rate,
                _ => continue,
            }
        };
        lines.push(Priced {
            week: Some(week.start),
            kind: PayKind::MealPremium,
            worked_as: WorkedAs::default(),
            hours: Decimal::ONE,
            rate: Some(rate),
            per_second: Decimal::ZERO,
            dollars: rate,
            regular_rate: Some(rate),
        });
    }
    (lines, outcomes)
}

/// The rule's meal periods in words, when it has them.
pub fn describe(rule: &OvertimeRule) -> Vec<String> {
    if !rule.meal_periods {
        return Vec::new();
    }
    let waiver = |hours: crate::config::Hours, which: &str| {
        if hours.seconds == 0 {
            String::new()
        } else {
            format!(", the {which} waived up to {hours} h")
        }
    };
    vec![format!(
        "meal periods: a first meal of 30 minutes by the end of the 5th hour worked on a workday \
         of more than 5 h, a second by the end of the 10th on one of more than 10 h{}{}; a \
         workday that misses one {}",
        waiver(rule.meal_waiver_up_to_hours, "first"),
        waiver(rule.second_meal_waiver_up_to_hours, "second"),
        match rule.meal_premium {
            MealPremium::Pay => "earns one hour at its workweek's regular rate",
            MealPremium::Flag => "is flagged (meal_premium = \"flag\")",
        }
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(h: f64) -> i64 {
        (h * 3600.0) as i64
    }

    /// Intervals from (start, end) in hours of one day.
    fn day(spans: &[(f64, f64)]) -> Vec<(i64, i64)> {
        spans.iter().map(|&(a, b)| (hours(a), hours(b))).collect()
    }

    #[test]
    fn overlapping_entries_count_once_and_a_meal_lies_between_them() {
        let rule = OvertimeRule {
            meal_periods: true,
            ..OvertimeRule::default()
        };
        // 08:00-12:00 and 11:00-13:00 overlap: 5 h worked, then a 30-minute
        // meal at 5:00 h, then 1 h: on time.
        assert_eq!(
            judge(day(&[(8.0, 12.0), (11.0, 13.0), (13.5, 14.5)]), &rule),
            None
        );
        // One entry inside another adds nothing: 08:00-14:00 (6 h) straight.
        assert_eq!(
            judge(day(&[(8.0, 14.0), (9.0, 10.0)]), &rule).as_deref(),
            Some("first meal missing")
        );
    }

    #[test]
    fn worked_time_reads_as_hours_and_minutes() {
        assert_eq!(clock(5 * HOUR + 30 * 60), "5:30");
        assert_eq!(clock(10 * HOUR + 5 * 60 + 59), "10:05");
    }
}
