//! Step 3, special days: `special_weekdays` and `special_dates` raise every
//! second of that workday to at least the named tier (design §4).
//!
//! Why: a company's own policy (Sundays at time and a half, a holiday at
//! double time) or a collective agreement's; no federal rule requires it.
//!
//! Example: `special_dates = { "2024-12-25" = "double_time" }`; 6 h worked
//! on that day are 6 h double time.

use chrono::{Datelike, NaiveDate};

use super::{DayRule, DayThresholds, tier_name};
use crate::config::{OvertimeRule, Tier};

/// The rule's special weekdays and dates.
#[derive(Debug, Clone)]
pub struct SpecialDays<'r> {
    rule: &'r OvertimeRule,
}

impl<'r> SpecialDays<'r> {
    /// The rule's special days; `None` when it has none.
    pub fn from_rule(rule: &'r OvertimeRule) -> Option<SpecialDays<'r>> {
        (!rule.special_dates.is_empty() || !rule.special_weekdays.is_empty())
            .then_some(SpecialDays { rule })
    }

    /// On a special day, the named tier from the day's first second (the
    /// higher tier when both a date and a weekday name the day; the
    /// weekday's on a tie).
    pub fn apply(&self, workday: NaiveDate, day: &mut DayThresholds) {
        let special = self
            .rule
            .special_dates
            .get(&workday)
            .map(|t| (*t, DayRule::SpecialDate))
            .into_iter()
            .chain(
                self.rule
                    .special_weekdays
                    .iter()
                    .find(|(d, _)| d.0 == workday.weekday())
                    .map(|(_, t)| (*t, DayRule::SpecialWeekday)),
            )
            .max_by_key(|(t, _)| *t);
        match special {
            Some((Tier::DoubleTime, by)) => day.dt = Some((0, by)),
            Some((Tier::Overtime, by)) => day.ot = Some((0, by)),
            Some((Tier::Regular, _)) | None => {}
        }
    }
}

/// The rule's special days in words.
pub fn describe(rule: &OvertimeRule) -> Vec<String> {
    let mut words = Vec::new();
    for (day, tier) in &rule.special_weekdays {
        words.push(format!(
            "special weekday: every {:?} is at least {}",
            day.0,
            tier_name(*tier)
        ));
    }
    for (date, tier) in &rule.special_dates {
        words.push(format!(
            "special date {date}: at least {}",
            tier_name(*tier)
        ));
    }
    words
}

/// Why `workday`'s seconds are of a higher tier.
pub fn reason(by: DayRule, workday: NaiveDate) -> String {
    match by {
        DayRule::SpecialDate => format!("special date {workday}"),
        _ => format!("special weekday: every {:?}", workday.weekday()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Christmas 2024 (a Wednesday) is a special date at double time and
    /// Wednesdays are overtime: the higher tier wins, the date names it.
    #[test]
    fn the_higher_tier_of_a_special_date_and_weekday() {
        let rule: OvertimeRule = toml::from_str(
            "special_dates = { \"2024-12-25\" = \"double_time\" }\n\
             special_weekdays = { wednesday = \"overtime\" }",
        )
        .unwrap();
        let unit = SpecialDays::from_rule(&rule).unwrap();
        let christmas = NaiveDate::from_ymd_opt(2024, 12, 25).unwrap();
        let mut day = DayThresholds::default();
        unit.apply(christmas, &mut day);
        assert_eq!(day.dt, Some((0, DayRule::SpecialDate)));
        assert_eq!(day.ot, None);
        let mut wednesday = DayThresholds::default();
        unit.apply(christmas + chrono::Duration::days(7), &mut wednesday);
        assert_eq!(wednesday.ot, Some((0, DayRule::SpecialWeekday)));
        assert_eq!(
            reason(DayRule::SpecialWeekday, christmas),
            "special weekday: every Wed"
        );
        assert!(SpecialDays::from_rule(&OvertimeRule::default()).is_none());
    }
}
