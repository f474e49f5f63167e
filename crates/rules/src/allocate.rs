//! Overtime allocation: which tier each worked second gets.
//!
//! The rules themselves are [`overtime`](crate::overtime), one module
//! each; this runs them. Input: one user's worked
//! time as chronological *pieces*, each inside one workday. Output: for each
//! piece, how many of its seconds are regular, overtime (OT) and double time
//! (DT). Every second gets exactly one tier, so `regular + OT + DT = worked`
//! for every piece.
//!
//! The steps of design §4, in order, per user and per workweek:
//!
//! 1. **Daily.** Seconds beyond `daily_dt_after` hours in a workday are DT,
//!    beyond `daily_ot_after` OT.
//! 2. **Seventh day.** With `seventh_day = true`, if the user worked on all
//!    seven workdays of the workweek, the seventh day's first
//!    `seventh_day_dt_after` hours (default 8) are OT and the rest DT.
//! 3. **Special days.** `special_weekdays` and `special_dates` raise every
//!    second of that workday to at least the named tier.
//! 4. **Weekly** (or biweekly). The seconds still regular after steps 1–3
//!    accumulate in time order; beyond `weekly_ot_after` they become OT,
//!    beyond `weekly_dt_after` DT. Seconds already OT or DT never count
//!    (no pyramiding). `basis = "biweekly"` does the same over 14-day windows
//!    anchored at `pay_period.anchor`; `"daily_only"` skips this step and
//!    `"off"` makes everything regular.
//!
//! Steps 1–3 are each "seconds of the workday past a threshold get a tier",
//! so together a second's tier is the highest any of them gives, which is
//! the same as one split of the day with the lowest OT threshold and the
//! lowest DT threshold of the rules that apply that day. Within a piece the
//! earliest seconds are the least promoted, so the regular seconds of a
//! piece are its first ones, which is what step 4 counts in time order.
//!
//! ## Worked example (California-style rule)
//!
//! `daily_ot_after = 8`, `daily_dt_after = 12`, `weekly_ot_after = 40`,
//! `seventh_day = true`; Monday 10 h, Tuesday 8, Wednesday 13, Thursday 8,
//! Friday 8 (47 h):
//!
//! | day | daily split | regular running total |
//! |---|---|---|
//! | Mon 10 h | 8 R + 2 OT | 8 |
//! | Tue 8 h | 8 R | 16 |
//! | Wed 13 h | 8 R + 4 OT + 1 DT | 24 |
//! | Thu 8 h | 8 R | 32 |
//! | Fri 8 h | 8 R | 40 |
//!
//! Step 4 finds no regular second beyond 40 h: 40 R + 6 OT + 1 DT. At
//! $25/h with multipliers 1.5 and 2: $1,000 + $225 + $50 = $1,275.00.
//!
//! ## Worked example (weekly rule, no pyramiding)
//!
//! `weekly_ot_after = 40`, `daily_ot_after = 8`; five 10-hour days. Daily:
//! 8 R + 2 OT each day = 40 R + 10 OT. The 40 regular hours reach but do not
//! pass 40, so step 4 adds nothing: the 10 daily OT hours are not counted
//! twice.
//!
//! ## After allocation: the ledger and the regular rate
//!
//! Tiers say *which* seconds are overtime, not what they cost. Each piece
//! also carries the job and shift it was worked as, so the
//! ledger (`ledger.rs`) sums, per user and workweek, the seconds of
//! each tier *at each rate* (a job's `rate` or `premium`, a shift's
//! `premium` or `percent`), the hours and straight-time pay of the whole
//! week, and its bonuses. [`price`](crate::price) then pays overtime on the
//! week's regular rate (29 CFR 778.115): straight-time pay plus bonuses,
//! divided by hours worked.
//!
//! Worked example: $20/h, the night shift $2/h more; Monday to Friday 9 h
//! a day, Thursday and Friday at night (45 h). Step 4 makes Friday's last
//! 5 h overtime, so the ledger holds 27 h regular at $20, 13 h regular at
//! $22 and 5 h overtime at $22. Straight time is 27 × 20 + 18 × 22 = $936,
//! the regular rate 936 / 45 = $20.80, and the 5 overtime hours pay
//! 22 + 20.80 × 0.5 = $32.40 each: $540 + $286 + $162 = **$988.00**. Paid
//! on the night rate alone (22 × 1.5 = $33) they would cost $3 more; on
//! payRate alone (20 × 1.5 = $30), $12 less, which is the underpayment the
//! regular rate exists to prevent.

use chrono::NaiveDate;

use crate::calendar::{Calendar, PerWorkday};
use crate::config::{Basis, OvertimeRule};
use crate::overtime::consecutive::{Consecutive, InRun};
pub use crate::overtime::{DayRule, Piece};
use crate::overtime::{DayThresholds, DayUnit};

/// Seconds that count toward step 4 without being worked (PTO when
/// `pto.counts_toward_overtime = true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// The workday they are dated.
    pub workday: NaiveDate,
    /// Their place in time order.
    pub at: i64,
    /// How many.
    pub seconds: i64,
}

/// One piece's seconds by tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allocation {
    /// Regular seconds.
    pub regular: i64,
    /// Overtime seconds.
    pub overtime: i64,
    /// Double-time seconds.
    pub double_time: i64,
}

impl Allocation {
    /// All seconds.
    pub fn total(&self) -> i64 {
        self.regular + self.overtime + self.double_time
    }
}

/// Splits the seconds `[done, done + seconds)` of a running count into
/// regular, OT (from `ot_after`) and DT (from `dt_after`).
fn split(done: i64, seconds: i64, ot_after: Option<i64>, dt_after: Option<i64>) -> Allocation {
    let dt_from = dt_after.unwrap_or(i64::MAX);
    let ot_from = ot_after.unwrap_or(i64::MAX).min(dt_from);
    let end = done.saturating_add(seconds);
    let overlap = |lo: i64, hi: i64| (end.min(hi) - done.max(lo)).max(0);
    Allocation {
        regular: overlap(i64::MIN, ot_from),
        overtime: overlap(ot_from, dt_from),
        double_time: overlap(dt_from, i64::MAX),
    }
}

/// Why one piece was allocated as it was: the thresholds that applied and
/// the running counts they were compared with. [`allocate_traced`] gives
/// one per piece; `payrun explain` turns them into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Why {
    /// Seconds worked earlier the same workday (steps 1-3 count from here).
    pub day_before: i64,
    /// The day's overtime threshold (seconds into the workday) and its rule.
    pub day_ot: Option<(i64, DayRule)>,
    /// The day's double-time threshold and its rule.
    pub day_dt: Option<(i64, DayRule)>,
    /// The piece after steps 1-3.
    pub daily: Allocation,
    /// Step 4's count before the piece: still-regular seconds (and counted
    /// PTO) earlier in the workweek or 14-day window.
    pub window_before: i64,
    /// Step 4's thresholds, when step 4 applies: (overtime, double time).
    pub window: Option<(Option<i64>, Option<i64>)>,
    /// The first day of the workweek (or 14-day window) step 4 counts in.
    pub window_start: Option<NaiveDate>,
    /// Seconds step 3b (consecutive hours) made overtime beyond what the
    /// day's rules did.
    pub consecutive: i64,
    /// The piece's place in its run of work, when the rule counts runs.
    pub run: Option<InRun>,
    /// The piece's final allocation.
    pub result: Allocation,
}

/// Allocates one user's pieces (sorted by `start`) under `rule`.
///
/// `counted` (sorted by `at`) joins step 4's running count at its place in
/// time. The result has one [`Allocation`] per piece, in the same order.
pub fn allocate(
    rule: &OvertimeRule,
    calendar: &Calendar,
    pieces: &[Piece],
    counted: &[Counted],
) -> Vec<Allocation> {
    allocate_traced(rule, calendar, pieces, counted, |_| {})
}

/// [`allocate`], telling `trace` why each piece got its tiers, in order.
///
/// Long because steps 1-4 of design §4 run piece by piece sharing the
/// running counts of the day and the window.
pub fn allocate_traced(
    rule: &OvertimeRule,
    calendar: &Calendar,
    pieces: &[Piece],
    counted: &[Counted],
    mut trace: impl FnMut(&Why),
) -> Vec<Allocation> {
    if rule.basis == Basis::Off {
        return pieces
            .iter()
            .map(|p| {
                let all_regular = Allocation {
                    regular: p.seconds,
                    ..Allocation::default()
                };
                trace(&Why {
                    day_before: 0,
                    day_ot: None,
                    day_dt: None,
                    daily: all_regular,
                    window_before: 0,
                    window: None,
                    window_start: None,
                    consecutive: 0,
                    run: None,
                    result: all_regular,
                });
                all_regular
            })
            .collect();
    }
    // The rules of the workday (steps 1-3), each prepared for these pieces,
    // and the runs of work when the rule counts them (step 3b).
    let day_units = DayUnit::of(rule, calendar, pieces);
    let runs = Consecutive::from_rule(rule).map(|c| c.runs(pieces));
    let thresholds = rule.accumulation_thresholds();
    let window_of = |day: NaiveDate| match rule.basis {
        Basis::Biweekly => calendar.biweekly_window_start(day),
        _ => calendar.workweek_start(day),
    };

    let mut out = Vec::with_capacity(pieces.len());
    let mut day: Option<NaiveDate> = None;
    let mut day_done = 0i64;
    let mut window: Option<NaiveDate> = None;
    let mut window_done = 0i64;
    let mut next_counted = 0;
    let mut windows = PerWorkday::default();
    let enter_window = |w: NaiveDate, window: &mut Option<NaiveDate>, done: &mut i64| {
        if *window != Some(w) {
            *window = Some(w);
            *done = 0;
        }
    };
    for (n, piece) in pieces.iter().enumerate() {
        // PTO counted toward step 4 that comes before this piece.
        while let Some(c) = counted.get(next_counted).filter(|c| c.at <= piece.start) {
            enter_window(window_of(c.workday), &mut window, &mut window_done);
            window_done += c.seconds;
            next_counted += 1;
        }
        if day != Some(piece.workday) {
            day = Some(piece.workday);
            day_done = 0;
        }
        // Steps 1–3: each rule of the workday lowers today's thresholds.
        let mut today = DayThresholds::default();
        for unit in &day_units {
            unit.apply(piece.workday, calendar, &mut today);
        }
        let DayThresholds {
            ot: ot_after,
            dt: dt_after,
        } = today;
        let threshold = |t: Option<(i64, DayRule)>| t.map(|(seconds, _)| seconds);
        let mut daily = split(
            day_done,
            piece.seconds,
            threshold(ot_after),
            threshold(dt_after),
        );
        // Step 3b: the run's seconds past its threshold are overtime, unless
        // the day's rules already made them overtime or double time.
        let run = runs.as_ref().map(|runs| runs[n]);
        let mut consecutive = 0;
        if let Some(run) = run {
            let past = run.past(piece.seconds);
            let premium = daily.overtime + daily.double_time;
            if past > premium {
                consecutive = past - premium;
                daily.regular -= consecutive;
                daily.overtime += consecutive;
            }
        }
        let day_before = day_done;
        day_done += piece.seconds;

        // Step 4: the still-regular seconds (the piece's first ones) in time order.
        let mut allocation = daily;
        let mut window_before = 0;
        if let Some((weekly_ot, weekly_dt)) = thresholds {
            enter_window(
                windows.get(piece.workday, window_of),
                &mut window,
                &mut window_done,
            );
            window_before = window_done;
            let weekly = split(window_done, daily.regular, weekly_ot, weekly_dt);
            window_done += daily.regular;
            allocation = Allocation {
                regular: weekly.regular,
                overtime: daily.overtime + weekly.overtime,
                double_time: daily.double_time + weekly.double_time,
            };
        }
        trace(&Why {
            day_before,
            day_ot: ot_after,
            day_dt: dt_after,
            daily,
            window_before,
            window: thresholds,
            window_start: thresholds.and(window),
            consecutive,
            run,
            result: allocation,
        });
        out.push(allocation);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Frequency, Hours, Tier, WeekdayName};
    use chrono::{Datelike, Duration, Weekday};

    const H: i64 = 3600;

    fn calendar() -> Calendar {
        Calendar {
            week_start: Weekday::Sun,
            frequency: Frequency::Weekly,
            anchor: NaiveDate::from_ymd_opt(2024, 1, 7).unwrap(),
            biweekly_windows: false,
        }
    }

    /// Pieces of `hours` each on consecutive days from `first`, 09:00 UTC.
    fn days(first: NaiveDate, hours: &[f64]) -> Vec<Piece> {
        hours
            .iter()
            .enumerate()
            .filter(|(_, h)| **h > 0.0)
            .map(|(i, h)| {
                let day = first + Duration::days(i as i64);
                Piece {
                    workday: day,
                    start: day.and_hms_opt(9, 0, 0).unwrap().and_utc().timestamp(),
                    seconds: (h * 3600.0) as i64,
                }
            })
            .collect()
    }

    fn totals(a: &[Allocation]) -> (f64, f64, f64) {
        let sum = |f: fn(&Allocation) -> i64| a.iter().map(f).sum::<i64>() as f64 / 3600.0;
        (
            sum(|a| a.regular),
            sum(|a| a.overtime),
            sum(|a| a.double_time),
        )
    }

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 5, 13).unwrap()
    }

    fn california() -> OvertimeRule {
        OvertimeRule {
            daily_ot_after: Some(Hours::from_hours(8)),
            daily_dt_after: Some(Hours::from_hours(12)),
            weekly_ot_after: Some(Hours::from_hours(40)),
            seventh_day: true,
            ..OvertimeRule::default()
        }
    }

    #[test]
    fn weekly_forty() {
        let a = allocate(
            &OvertimeRule::default(),
            &calendar(),
            &days(monday(), &[10.0, 10.0, 10.0, 8.0, 8.0]),
            &[],
        );
        assert_eq!(totals(&a), (40.0, 6.0, 0.0));
        // The sixth hour of overtime is Friday's last.
        assert_eq!(
            a[4],
            Allocation {
                regular: 2 * H,
                overtime: 6 * H,
                double_time: 0
            }
        );
    }

    #[test]
    fn the_california_example() {
        let a = allocate(
            &california(),
            &calendar(),
            &days(monday(), &[10.0, 8.0, 13.0, 8.0, 8.0]),
            &[],
        );
        assert_eq!(totals(&a), (40.0, 6.0, 1.0));
        assert_eq!(
            a[2],
            Allocation {
                regular: 8 * H,
                overtime: 4 * H,
                double_time: H
            }
        );
    }

    #[test]
    fn no_pyramiding() {
        let rule = OvertimeRule {
            daily_ot_after: Some(Hours::from_hours(8)),
            ..OvertimeRule::default()
        };
        let a = allocate(&rule, &calendar(), &days(monday(), &[10.0; 5]), &[]);
        assert_eq!(totals(&a), (40.0, 10.0, 0.0));
        let a = allocate(&rule, &calendar(), &days(monday(), &[10.0; 6]), &[]);
        assert_eq!(
            totals(&a),
            (40.0, 20.0, 0.0),
            "Saturday's 8 regular hours pass 40"
        );
    }

    #[test]
    fn seventh_consecutive_day() {
        let sunday = NaiveDate::from_ymd_opt(2024, 5, 12).unwrap();
        // Seven days of 9 h: days 1-6 daily 8 R + 1 OT; day 7: 8 OT + 1 DT.
        let a = allocate(&california(), &calendar(), &days(sunday, &[9.0; 7]), &[]);
        assert_eq!(
            a[6],
            Allocation {
                regular: 0,
                overtime: 8 * H,
                double_time: H
            }
        );
        // Regular: 6 x 8 = 48, of which 8 pass 40 -> 40 R; OT 6 + 8 + 8 = 22; DT 1.
        assert_eq!(totals(&a), (40.0, 22.0, 1.0));
        // Six days only: no seventh-day rule.
        let a = allocate(
            &california(),
            &calendar(),
            &days(sunday, &[9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 0.0]),
            &[],
        );
        assert_eq!(totals(&a), (40.0, 14.0, 0.0));
    }

    #[test]
    fn special_weekdays_and_dates() {
        let mut rule = OvertimeRule::default();
        rule.special_weekdays
            .insert(WeekdayName(Weekday::Sun), Tier::Overtime);
        rule.special_dates.insert(monday(), Tier::DoubleTime);
        let sunday = monday() - Duration::days(1);
        let a = allocate(&rule, &calendar(), &days(sunday, &[5.0, 4.0, 8.0]), &[]);
        assert_eq!(
            a[0],
            Allocation {
                regular: 0,
                overtime: 5 * H,
                double_time: 0
            }
        );
        assert_eq!(
            a[1],
            Allocation {
                regular: 0,
                overtime: 0,
                double_time: 4 * H
            }
        );
        assert_eq!(
            a[2],
            Allocation {
                regular: 8 * H,
                overtime: 0,
                double_time: 0
            }
        );
    }

    #[test]
    fn biweekly_eight_eighty() {
        let rule = OvertimeRule {
            basis: Basis::Biweekly,
            daily_ot_after: Some(Hours::from_hours(8)),
            biweekly_ot_after: Some(Hours::from_hours(80)),
            ..OvertimeRule::default()
        };
        // A 14-day window from the anchor (a Sunday): six 8-hour days, then four.
        let anchor = calendar().anchor + Duration::days(14 * 19);
        let hours = [0.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 0.0, 8.0, 8.0, 8.0, 8.0];
        let a = allocate(&rule, &calendar(), &days(anchor, &hours), &[]);
        assert_eq!(
            totals(&a),
            (80.0, 0.0, 0.0),
            "80 hours in 14 days: no overtime under 8/80"
        );
        let weekly = allocate(
            &OvertimeRule::default(),
            &calendar(),
            &days(anchor, &hours),
            &[],
        );
        assert_eq!(
            totals(&weekly),
            (72.0, 8.0, 0.0),
            "48 hours in week one under weekly 40"
        );
        // A 12-hour Friday: 4 daily OT, and its 8 regular hours pass 80.
        let mut longer = hours.to_vec();
        longer.push(12.0);
        let a = allocate(&rule, &calendar(), &days(anchor, &longer), &[]);
        assert_eq!(totals(&a), (80.0, 12.0, 0.0));
    }

    #[test]
    fn daily_only_and_off() {
        let daily_only = OvertimeRule {
            basis: Basis::DailyOnly,
            daily_ot_after: Some(Hours::from_hours(8)),
            ..OvertimeRule::default()
        };
        let a = allocate(&daily_only, &calendar(), &days(monday(), &[9.0; 6]), &[]);
        assert_eq!(totals(&a), (48.0, 6.0, 0.0));
        let off = OvertimeRule {
            basis: Basis::Off,
            ..california()
        };
        let a = allocate(&off, &calendar(), &days(monday(), &[13.0; 7]), &[]);
        assert_eq!(totals(&a), (91.0, 0.0, 0.0));
    }

    #[test]
    fn weekly_double_time_threshold() {
        let rule = OvertimeRule {
            weekly_ot_after: Some(Hours::from_hours(40)),
            weekly_dt_after: Some(Hours::from_hours(50)),
            ..OvertimeRule::default()
        };
        let a = allocate(&rule, &calendar(), &days(monday(), &[11.0; 5]), &[]);
        assert_eq!(totals(&a), (40.0, 10.0, 5.0));
    }

    #[test]
    fn counted_pto_fills_the_weekly_threshold_first() {
        let pto = Counted {
            workday: monday(),
            at: monday().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp(),
            seconds: 8 * H,
        };
        let a = allocate(
            &OvertimeRule::default(),
            &calendar(),
            &days(monday() + Duration::days(1), &[9.0; 4]),
            &[pto],
        );
        assert_eq!(totals(&a), (32.0, 4.0, 0.0));
    }

    #[test]
    fn a_new_workweek_starts_from_zero() {
        let saturday = monday() + Duration::days(5);
        let week = days(monday(), &[10.0, 10.0, 10.0, 10.0, 0.0, 5.0, 6.0]);
        let a = allocate(&OvertimeRule::default(), &calendar(), &week, &[]);
        assert_eq!(
            a.last().unwrap().regular,
            6 * H,
            "Sunday starts the next week"
        );
        assert_eq!(
            a[a.len() - 2],
            Allocation {
                regular: 0,
                overtime: 5 * H,
                double_time: 0
            }
        );
        assert_eq!(saturday.weekday(), Weekday::Sat);
    }
}
