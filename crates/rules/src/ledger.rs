//! A user's workweek ledger: what pricing reads.
//!
//! For every workweek that touches the period, the ledger holds:
//!
//! * over the **whole** workweek (days before and after the period
//!   included): the seconds worked (H of SPEC §5b), the sum of each worked
//!   second's rate, whether a single rate was worked, and the bonuses dated
//!   in it (B);
//! * over the week's days **in the period**: worked seconds by tier and by
//!   job and shift (with their rate), regular seconds beyond the salaried
//!   week, PTO, adjustment hours and money, and the bonuses paid.
//!
//! Alongside, the period's workday rows of the `daily_hours` file.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::allocate::Allocation;
use crate::calendar::{Calendar, PayPeriod};
use crate::punches::{UserEntries, WorkedAs};

/// Seconds by tier of one job and shift in a workweek.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateTiers {
    pub worked_as: WorkedAs,
    /// The hourly rate of this time.
    pub rate: Decimal,
    pub tiers: Allocation,
}

/// One user's workweek.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Week {
    /// First workday.
    pub start: NaiveDate,
    /// Seconds worked in the whole workweek.
    pub worked: i64,
    /// Sum of the rate of every worked second of the whole workweek (rate × seconds).
    pub rate_seconds: Decimal,
    /// The rate of every worked second of the week, if they all share one.
    pub single_rate: Option<Decimal>,
    /// Whether the week's seconds have more than one rate.
    pub mixed_rates: bool,
    /// Bonuses dated in the whole workweek.
    pub bonus: Decimal,
    /// In the period: seconds by job and shift, each by tier.
    pub by_rate: Vec<RateTiers>,
    /// In the period: regular seconds beyond `salary.hours_per_week` in the week, in time order.
    pub regular_beyond_salaried: i64,
    /// In the period: PTO hours.
    pub pto: Decimal,
    /// In the period: adjustment hours, signed.
    pub adjustment_hours: Decimal,
    /// In the period: money adjustments, signed.
    pub adjustment_amount: Decimal,
    /// In the period: bonuses paid.
    pub bonus_paid: Decimal,
}

impl Week {
    fn new(start: NaiveDate) -> Week {
        Week {
            start,
            worked: 0,
            rate_seconds: Decimal::ZERO,
            single_rate: None,
            mixed_rates: false,
            bonus: Decimal::ZERO,
            by_rate: Vec::new(),
            regular_beyond_salaried: 0,
            pto: Decimal::ZERO,
            adjustment_hours: Decimal::ZERO,
            adjustment_amount: Decimal::ZERO,
            bonus_paid: Decimal::ZERO,
        }
    }

    /// The week's seconds by tier in the period.
    pub fn tiers(&self) -> Allocation {
        self.by_rate
            .iter()
            .fold(Allocation::default(), |a, r| Allocation {
                regular: a.regular + r.tiers.regular,
                overtime: a.overtime + r.tiers.overtime,
                double_time: a.double_time + r.tiers.double_time,
            })
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
        for ((piece, a), worked_as) in entries
            .pieces
            .iter()
            .zip(allocations)
            .zip(&entries.worked_as)
        {
            let week_start = calendar.workweek_start(piece.workday);
            if last_week != Some(week_start) {
                last_week = Some(week_start);
                regular_so_far = 0;
            }
            let beyond = (regular_so_far + a.regular - hours_per_week.max(regular_so_far))
                .clamp(0, a.regular);
            regular_so_far += a.regular;
            let r = rate(*worked_as);
            let week = ledger.week(week_start);
            week.worked += piece.seconds;
            week.rate_seconds += Decimal::from(piece.seconds) * r;
            match week.single_rate {
                None if !week.mixed_rates => week.single_rate = Some(r),
                Some(s) if s != r => {
                    week.single_rate = None;
                    week.mixed_rates = true;
                }
                _ => {}
            }
            if !period.contains(piece.workday) {
                continue;
            }
            week.regular_beyond_salaried += beyond;
            match week.by_rate.iter_mut().find(|t| t.worked_as == *worked_as) {
                Some(t) => t.tiers = add(t.tiers, *a),
                None => week.by_rate.push(RateTiers {
                    worked_as: *worked_as,
                    rate: r,
                    tiers: *a,
                }),
            }
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
            let week = ledger.week(calendar.workweek_start(b.workday));
            week.bonus += b.value;
            if period.contains(b.workday) {
                week.bonus_paid += b.value;
            }
        }
        for p in entries.pto.iter().filter(|p| period.contains(p.workday)) {
            ledger.week(calendar.workweek_start(p.workday)).pto += p.value;
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
        for a in entries
            .adjustment_hours
            .iter()
            .filter(|a| period.contains(a.workday))
        {
            ledger
                .week(calendar.workweek_start(a.workday))
                .adjustment_hours += a.value;
        }
        for a in entries
            .adjustment_amounts
            .iter()
            .filter(|a| period.contains(a.workday))
        {
            ledger
                .week(calendar.workweek_start(a.workday))
                .adjustment_amount += a.value;
        }
        // Weeks only seen outside the period (a lookback week's bonus, say) pay nothing here.
        ledger.weeks.retain(|w| {
            !w.by_rate.is_empty()
                || !w.bonus_paid.is_zero()
                || !w.pto.is_zero()
                || !w.adjustment_hours.is_zero()
                || !w.adjustment_amount.is_zero()
        });
        ledger
    }

    /// The week starting `start`, added in order if new.
    fn week(&mut self, start: NaiveDate) -> &mut Week {
        let at = self.weeks.partition_point(|w| w.start < start);
        if self.weeks.get(at).is_none_or(|w| w.start != start) {
            self.weeks.insert(at, Week::new(start));
        }
        &mut self.weeks[at]
    }

    /// Worked seconds in the period by tier.
    pub fn tiers(&self) -> Allocation {
        self.weeks
            .iter()
            .map(Week::tiers)
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
