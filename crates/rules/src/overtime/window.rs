//! Step 4, the window: the seconds still regular after the rules of the
//! workday accumulate in time order over the workweek (`basis =
//! "weekly"`, the default) or a 14-day window anchored at
//! `pay_period.anchor` (`basis = "biweekly"`); past `weekly_ot_after`
//! (`biweekly_ot_after`) they are overtime, past `weekly_dt_after`
//! (`biweekly_dt_after`) double time. Seconds already overtime or double
//! time never count (no pyramiding). `basis = "daily_only"` has no window;
//! `basis = "off"` makes every second regular (design §4).
//!
//! Why: the FLSA (29 USC 207(a)) pays overtime past 40 hours in a
//! workweek; the 8/80 system of 29 USC 207(j) lets hospitals count 80
//! hours over 14 days.
//!
//! Example: five 10-hour days with `daily_ot_after = 8`,
//! `weekly_ot_after = 40`: the days give 40 h regular and 10 h overtime,
//! and the 40 regular hours reach but do not pass 40: nothing is counted
//! twice.

use crate::config::{Basis, OvertimeRule};
use crate::words::hours;

/// The window's thresholds in words, or that there is none.
pub fn describe(rule: &OvertimeRule) -> Vec<String> {
    let (ot, dt) = (rule.ot_multiplier, rule.dt_multiplier);
    let what = match rule.basis {
        Basis::Biweekly => "biweekly: still-regular hours past {} in a 14-day window",
        _ => "weekly: still-regular hours past {} in a workweek",
    };
    let mut words = Vec::new();
    if let Some((ot_after, dt_after)) = rule.accumulation_thresholds() {
        if let Some(t) = ot_after {
            words.push(format!(
                "{} are overtime ({ot}×)",
                what.replace("{}", &hours(t))
            ));
        }
        if let Some(t) = dt_after {
            words.push(format!(
                "{} are double time ({dt}×)",
                what.replace("{}", &hours(t))
            ));
        }
    } else {
        words.push("basis = \"daily_only\": no weekly threshold".to_owned());
    }
    words
}

/// The window's name in a reason: `weekly` or `biweekly`.
pub fn scope(rule: &OvertimeRule) -> &'static str {
    match rule.basis {
        Basis::Biweekly => "biweekly",
        _ => "weekly",
    }
}

/// Why seconds past `t` of the window are overtime or double time;
/// `passed` is when the count passed it, in words, when a shift passed it
/// (PTO counted toward overtime can pass it between shifts).
pub fn reason(scope: &str, t: i64, passed: Option<String>) -> String {
    let t = hours(t);
    match passed {
        Some(at) => format!("{scope}: past {t} h at {at}"),
        None => format!("{scope}: past {t} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_in_words() {
        let weekly: OvertimeRule = toml::from_str("weekly_ot_after = 40").unwrap();
        assert_eq!(
            describe(&weekly),
            ["weekly: still-regular hours past 40 in a workweek are overtime (1.5×)"]
        );
        let eighty: OvertimeRule =
            toml::from_str("basis = \"biweekly\"\nbiweekly_ot_after = 80").unwrap();
        assert_eq!(scope(&eighty), "biweekly");
        assert_eq!(
            reason("weekly", 40 * 3600, Some("Fri 05-17 14:00".into())),
            "weekly: past 40 h at Fri 05-17 14:00"
        );
    }
}
