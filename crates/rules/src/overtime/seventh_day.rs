//! Step 2, the seventh consecutive day: with `seventh_day = true`, when a
//! user worked on all seven workdays of a workweek, the seventh day's first
//! `seventh_day_dt_after` hours (8) are overtime and the rest double time
//! (design §4).
//!
//! Why: California Labor Code 510(a): the first 8 hours on the seventh
//! consecutive day of work in a workweek at 1.5×, past 8 at 2×.
//!
//! Example: seven days of 9 h; the seventh is 8 h overtime and 1 h double
//! time, whatever the first six were.

use chrono::NaiveDate;

use super::{DayRule, DayThresholds, Piece};
use crate::calendar::Calendar;
use crate::config::{OvertimeRule, Tier};
use crate::words::hours;

/// The rule, with the user's workweeks worked every day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeventhDay {
    /// Seconds of the seventh day before double time.
    dt_after: i64,
    /// Workweeks (by first day, sorted) in which every workday has worked time.
    full_weeks: Vec<NaiveDate>,
}

impl SeventhDay {
    /// The rule for `pieces` (one user's, in time order); `None` when the
    /// rule has `seventh_day = false`.
    pub fn from_rule(
        rule: &OvertimeRule,
        calendar: &Calendar,
        pieces: &[Piece],
    ) -> Option<SeventhDay> {
        rule.seventh_day.then(|| SeventhDay {
            dt_after: rule.seventh_day_dt_after.seconds,
            full_weeks: seven_day_weeks(calendar, pieces),
        })
    }

    /// On the seventh workday of a week worked every day: overtime from
    /// the day's first second, double time past `seventh_day_dt_after`
    /// unless the day's threshold is already lower.
    pub fn apply(&self, workday: NaiveDate, calendar: &Calendar, day: &mut DayThresholds) {
        let week = calendar.workweek_start(workday);
        if (workday - week).num_days() == 6 && self.full_weeks.binary_search(&week).is_ok() {
            day.ot = Some((0, DayRule::SeventhDay));
            if day.dt.is_none_or(|(t, _)| self.dt_after < t) {
                day.dt = Some((self.dt_after, DayRule::SeventhDay));
            }
        }
    }
}

/// Workweeks (by first day, sorted) in which every one of the seven
/// workdays has worked time.
fn seven_day_weeks(calendar: &Calendar, pieces: &[Piece]) -> Vec<NaiveDate> {
    let mut weeks: Vec<(NaiveDate, u8)> = Vec::new();
    for piece in pieces.iter().filter(|p| p.seconds > 0) {
        let week = calendar.workweek_start(piece.workday);
        let bit = 1u8 << (piece.workday - week).num_days();
        match weeks.last_mut() {
            Some((w, mask)) if *w == week => *mask |= bit,
            _ => weeks.push((week, bit)),
        }
    }
    let mut full: Vec<NaiveDate> = weeks
        .into_iter()
        .filter(|(_, m)| *m == 0x7f)
        .map(|(w, _)| w)
        .collect();
    full.sort();
    full.dedup();
    full
}

/// The rule in words.
pub fn describe(rule: &OvertimeRule) -> Vec<String> {
    if !rule.seventh_day {
        return Vec::new();
    }
    vec![format!(
        "seventh consecutive day: on the seventh workday of a workweek worked every day, the first {} h are overtime, the rest double time",
        rule.seventh_day_dt_after
    )]
}

/// Why seconds of the seventh day are of `tier` (double time past `t`).
pub fn reason(t: i64, tier: Tier) -> String {
    if tier == Tier::DoubleTime {
        format!("seventh consecutive day: past {} h", hours(t))
    } else {
        "seventh consecutive day".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seven days of 9 h from Sunday 2024-05-12 (weeks start on Sunday):
    /// the seventh day is overtime from its first second and double time
    /// past 8 h; a week with a day off is not touched.
    #[test]
    fn only_the_seventh_day_of_a_week_worked_every_day() {
        let config = crate::RulesConfig::parse(
            "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n\
             [overtime_rules.default]\nseventh_day = true",
        )
        .unwrap();
        let calendar = Calendar::new(&config);
        let day = |d: u32| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
        let pieces: Vec<Piece> = (12..=18)
            .map(|d| Piece {
                workday: day(d),
                start: i64::from(d) * 86_400,
                seconds: 9 * 3600,
            })
            .collect();
        let rule = &config.overtime_rules["default"];
        let unit = SeventhDay::from_rule(rule, &calendar, &pieces).unwrap();
        let mut seventh = DayThresholds::default();
        unit.apply(day(18), &calendar, &mut seventh);
        assert_eq!(seventh.ot, Some((0, DayRule::SeventhDay)));
        assert_eq!(seventh.dt, Some((8 * 3600, DayRule::SeventhDay)));
        let mut sixth = DayThresholds::default();
        unit.apply(day(17), &calendar, &mut sixth);
        assert_eq!(sixth, DayThresholds::default());
        let short = SeventhDay::from_rule(rule, &calendar, &pieces[1..]).unwrap();
        let mut seventh = DayThresholds::default();
        short.apply(day(18), &calendar, &mut seventh);
        assert_eq!(seventh, DayThresholds::default(), "Sunday was not worked");
        assert_eq!(
            reason(8 * 3600, Tier::DoubleTime),
            "seventh consecutive day: past 8 h"
        );
    }
}
