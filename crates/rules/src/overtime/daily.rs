//! Step 1, daily overtime: seconds past `daily_ot_after` hours in a
//! workday are overtime, past `daily_dt_after` double time (design §4).
//!
//! Why: several states count overtime by the day, California's Labor Code
//! 510 among them (over 8 hours in a workday at 1.5×, over 12 at 2×).
//!
//! Example: `daily_ot_after = 8`, `daily_dt_after = 12`; a 13-hour
//! workday is 8 h regular, 4 h overtime, 1 h double time.

use chrono::NaiveDate;

use super::{DayRule, DayThresholds};
use crate::config::OvertimeRule;
use crate::words::hours;

/// The daily thresholds, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily {
    ot: Option<i64>,
    dt: Option<i64>,
}

impl Daily {
    /// The rule's daily thresholds; `None` when it has neither.
    pub fn from_rule(rule: &OvertimeRule) -> Option<Daily> {
        let daily = Daily {
            ot: rule.daily_ot_after.map(|h| h.seconds),
            dt: rule.daily_dt_after.map(|h| h.seconds),
        };
        (daily.ot.is_some() || daily.dt.is_some()).then_some(daily)
    }

    /// Sets the day's thresholds (the first rule of the day: nothing is set before it).
    pub fn apply(&self, day: &mut DayThresholds) {
        day.ot = self.ot.map(|t| (t, DayRule::Daily));
        day.dt = self.dt.map(|t| (t, DayRule::Daily));
    }
}

/// The daily thresholds of `rule` in words.
pub fn describe(rule: &OvertimeRule) -> Vec<String> {
    let (ot, dt) = (rule.ot_multiplier, rule.dt_multiplier);
    let mut words = Vec::new();
    if let Some(h) = rule.daily_ot_after {
        words.push(format!(
            "daily: hours past {h} in a workday are overtime ({ot}×)"
        ));
    }
    if let Some(h) = rule.daily_dt_after {
        words.push(format!(
            "daily: hours past {h} in a workday are double time ({dt}×)"
        ));
    }
    words
}

/// Why seconds past `t` on `workday` are overtime or double time
/// (`daily: past 8 h on Wed`).
pub fn reason(t: i64, workday: NaiveDate) -> String {
    format!("daily: past {} h on {}", hours(t), workday.format("%a"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daily_thresholds_are_the_days_first() {
        let rule: OvertimeRule = toml::from_str("daily_ot_after = 8\ndaily_dt_after = 12").unwrap();
        let mut day = DayThresholds::default();
        Daily::from_rule(&rule).unwrap().apply(&mut day);
        assert_eq!(day.ot, Some((8 * 3600, DayRule::Daily)));
        assert_eq!(day.dt, Some((12 * 3600, DayRule::Daily)));
        assert!(Daily::from_rule(&OvertimeRule::default()).is_none());
        let day = NaiveDate::from_ymd_opt(2024, 5, 15).unwrap();
        assert_eq!(reason(8 * 3600, day), "daily: past 8 h on Wed");
    }
}
