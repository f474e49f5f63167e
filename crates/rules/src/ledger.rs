//! A user's workweek ledger: what pricing reads.
//!
//! For every workweek that shares a day with the period, the ledger holds
//! its worked seconds by job and shift (with their rate) and by tier, and
//! its bonuses, each split into the days before the period, in it and after
//! it. From these come the week's hours (H of design §5b), its straight-time
//! pay and bonuses (B), and what was known of them when an earlier period,
//! or this one, was run (design §5c). For the days in the period it also
//! holds the regular seconds beyond the salaried week, PTO, and adjustment
//! hours and money.
//!
//! Alongside, the period's workday rows of the `daily_hours` file.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::allocate::Allocation;
use crate::calendar::{Calendar, PayPeriod, PerWorkday};
use crate::punches::{UserEntries, WorkedAs};

/// Where a workday lies relative to the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Part {
    /// Before its first workday (a workweek that straddles its start).
    Before = 0,
    /// In it.
    During = 1,
    /// After its last workday (a workweek that straddles its end).
    After = 2,
}

impl Part {
    fn of(day: NaiveDate, period: &PayPeriod) -> Part {
        if day < period.start {
            Part::Before
        } else if day <= period.end {
            Part::During
        } else {
            Part::After
        }
    }
}

/// Seconds by tier of one job and shift in a workweek, per [`Part`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateTiers {
    pub worked_as: WorkedAs,
    /// The hourly rate of this time.
    pub rate: Decimal,
    /// Seconds by tier before, during and after the period.
    pub parts: [Allocation; 3],
}

impl RateTiers {
    /// Seconds by tier in `part`.
    pub fn in_part(&self, part: Part) -> Allocation {
        self.parts[part as usize]
    }

    fn worked_through(&self, part: Part) -> i64 {
        self.parts[..=part as usize]
            .iter()
            .map(Allocation::total)
            .sum()
    }
}

/// One user's workweek.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Week {
    /// First workday.
    pub start: NaiveDate,
    /// Whether its last workday is in or before the period (it is complete
    /// when the period is run).
    pub ends_in_period: bool,
    /// Worked seconds by job and shift, each by tier and part.
    pub by_rate: Vec<RateTiers>,
    /// Bonuses dated before, during and after the period.
    pub bonus: [Decimal; 3],
    /// In the period: regular seconds beyond `salary.hours_per_week` in the week, in time order.
    pub regular_beyond_salaried: i64,
    /// In the period: PTO hours.
    pub pto: Decimal,
    /// In the period: adjustment hours, signed.
    pub adjustment_hours: Decimal,
    /// In the period: money adjustments, signed.
    pub adjustment_amount: Decimal,
    /// Minimum-wage shortfall (design §5d, `shortfall = "pay"`) the
    /// earlier period paid for the week's days before this one, and the
    /// shortfall this period pays. Both enter the regular rate as a bonus
    /// does ([`bonus_through`](Self::bonus_through)).
    pub minimum_wage: [Decimal; 2],
}

impl Week {
    fn new(start: NaiveDate, period: &PayPeriod) -> Week {
        Week {
            start,
            ends_in_period: start + chrono::Duration::days(6) <= period.end,
            by_rate: Vec::new(),
            bonus: [Decimal::ZERO; 3],
            regular_beyond_salaried: 0,
            pto: Decimal::ZERO,
            adjustment_hours: Decimal::ZERO,
            adjustment_amount: Decimal::ZERO,
            minimum_wage: [Decimal::ZERO; 2],
        }
    }

    /// The week's seconds by tier in `part`.
    pub fn tiers(&self, part: Part) -> Allocation {
        self.by_rate
            .iter()
            .map(|r| r.in_part(part))
            .fold(Allocation::default(), add)
    }

    /// Seconds worked in the whole workweek (H).
    pub fn worked(&self) -> i64 {
        self.by_rate
            .iter()
            .map(|r| r.worked_through(Part::After))
            .sum()
    }

    /// The sum of the rate of every worked second of the whole week.
    pub fn rate_seconds(&self) -> Decimal {
        self.rate_seconds_through(Part::After)
    }

    /// The sum of the rate of every second worked up to the end of `part`.
    pub fn rate_seconds_through(&self, part: Part) -> Decimal {
        self.by_rate
            .iter()
            .map(|r| Decimal::from(r.worked_through(part)) * r.rate)
            .sum()
    }

    /// The one rate of every second worked up to the end of `part`, if
    /// there is exactly one.
    pub fn single_rate(&self, through: Part) -> Option<Decimal> {
        let mut rates = self
            .by_rate
            .iter()
            .filter(|r| r.worked_through(through) > 0)
            .map(|r| r.rate);
        let first = rates.next()?;
        rates.all(|r| r == first).then_some(first)
    }

    /// Whether seconds worked up to the end of `part` have more than one rate.
    pub fn mixed_rates(&self, through: Part) -> bool {
        self.by_rate.iter().any(|r| r.worked_through(through) > 0)
            && self.single_rate(through).is_none()
    }

    /// Bonuses dated up to the end of `part`, and the minimum-wage
    /// shortfall paid by then (it enters the regular rate as a bonus does).
    pub fn bonus_through(&self, part: Part) -> Decimal {
        let shortfall: Decimal = self.minimum_wage[..=(part as usize).min(1)].iter().sum();
        self.bonus[..=part as usize].iter().sum::<Decimal>() + shortfall
    }
}

/// One user's workday in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Day {
    pub date: NaiveDate,
    pub tiers: Allocation,
    pub pto: Decimal,
}

/// A user's ledger for one period.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ledger {
    /// Workweeks touching the period, in order.
    pub weeks: Vec<Week>,
    /// Workdays of the period with hours, in order.
    pub days: Vec<Day>,
}

impl Ledger {
    /// Builds the ledger of `entries`, allocated as `allocations` (one per
    /// piece), with `rate` giving the hourly rate of time worked as a job and shift.
    ///
    /// Long because each piece adds to its week's sums by tier and by rate in
    /// one pass.
    pub fn build(
        entries: &UserEntries,
        allocations: &[Allocation],
        calendar: &Calendar,
        period: &PayPeriod,
        hours_per_week: i64,
        rate: impl Fn(WorkedAs) -> Decimal,
    ) -> Ledger {
        let mut ledger = Ledger::default();
        // Regular seconds counted so far in the current week, for the salaried week.
        let mut regular_so_far = 0i64;
        let mut last_week = None;
        let mut weeks = PerWorkday::default();
        for ((piece, a), worked_as) in entries
            .pieces
            .iter()
            .zip(allocations)
            .zip(&entries.worked_as)
        {
            let week_start = weeks.get(piece.workday, |day| calendar.workweek_start(day));
            if last_week != Some(week_start) {
                last_week = Some(week_start);
                regular_so_far = 0;
            }
            let beyond = (regular_so_far + a.regular - hours_per_week.max(regular_so_far))
                .clamp(0, a.regular);
            regular_so_far += a.regular;
            let part = Part::of(piece.workday, period);
            let week = ledger.week(week_start, period);
            let slot = match week.by_rate.iter().position(|t| t.worked_as == *worked_as) {
                Some(i) => i,
                None => {
                    week.by_rate.push(RateTiers {
                        worked_as: *worked_as,
                        rate: rate(*worked_as),
                        parts: [Allocation::default(); 3],
                    });
                    week.by_rate.len() - 1
                }
            };
            let tiers = &mut week.by_rate[slot].parts[part as usize];
            *tiers = add(*tiers, *a);
            if part != Part::During {
                continue;
            }
            week.regular_beyond_salaried += beyond;
            match ledger.days.last_mut() {
                Some(day) if day.date == piece.workday => day.tiers = add(day.tiers, *a),
                _ => ledger.days.push(Day {
                    date: piece.workday,
                    tiers: *a,
                    pto: Decimal::ZERO,
                }),
            }
        }
        for b in &entries.bonuses {
            let week = ledger.week(calendar.workweek_start(b.workday), period);
            week.bonus[Part::of(b.workday, period) as usize] += b.value;
        }
        for p in entries.pto.iter().filter(|p| period.contains(p.workday)) {
            ledger.week(calendar.workweek_start(p.workday), period).pto += p.value;
            let at = ledger.days.partition_point(|d| d.date < p.workday);
            match ledger.days.get_mut(at) {
                Some(day) if day.date == p.workday => day.pto += p.value,
                _ => ledger.days.insert(
                    at,
                    Day {
                        date: p.workday,
                        tiers: Allocation::default(),
                        pto: p.value,
                    },
                ),
            }
        }
        let adjustments = [
            (&entries.adjustment_hours, true),
            (&entries.adjustment_amounts, false),
        ];
        for (dated, in_hours) in adjustments {
            for a in dated.iter().filter(|a| period.contains(a.workday)) {
                let week = ledger.week(calendar.workweek_start(a.workday), period);
                if in_hours {
                    week.adjustment_hours += a.value;
                } else {
                    week.adjustment_amount += a.value;
                }
            }
        }
        // Only workweeks that share a day with the period pay anything in it.
        ledger.weeks.retain(|w| {
            w.start <= period.end && w.start + chrono::Duration::days(6) >= period.start
        });
        ledger
    }

    /// The week starting `start`, added in order if new.
    fn week(&mut self, start: NaiveDate, period: &PayPeriod) -> &mut Week {
        let at = self.weeks.partition_point(|w| w.start < start);
        if self.weeks.get(at).is_none_or(|w| w.start != start) {
            self.weeks.insert(at, Week::new(start, period));
        }
        &mut self.weeks[at]
    }

    /// Worked seconds in the period by tier.
    pub fn tiers(&self) -> Allocation {
        self.weeks
            .iter()
            .map(|w| w.tiers(Part::During))
            .fold(Allocation::default(), add)
    }
}

fn add(a: Allocation, b: Allocation) -> Allocation {
    Allocation {
        regular: a.regular + b.regular,
        overtime: a.overtime + b.overtime,
        double_time: a.double_time + b.double_time,
    }
}
