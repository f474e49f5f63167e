//! `[company]`, `[pay_period]`, `[punches]`, `[rounding]` and `[auto_lunch]`:
//! the calendar, and how clocked punches become worked time.

use std::str::FromStr;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::de::{self, Deserializer, IgnoredAny};
use serde::{Deserialize, Serialize};

use super::values::{ClockTime, Hours, TimeZone, WeekdayName};

/// `[company]`: the keys the rules read. `id` and `token_file` belong to
/// the application that fetches from Q2; they are accepted here (one file
/// configures both) and not kept.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompanyConfig {
    /// Zone for users whose `timeZone` is empty or invalid.
    pub default_time_zone: TimeZone,
    /// First day of the workweek.
    pub week_start: WeekdayName,
    /// Local time at which each workday starts.
    pub workday_start: ClockTime,
    #[serde(rename = "id", skip_serializing)]
    _id: Option<IgnoredAny>,
    #[serde(rename = "token_file", skip_serializing)]
    _token_file: Option<IgnoredAny>,
}

impl Default for CompanyConfig {
    fn default() -> Self {
        CompanyConfig {
            default_time_zone: TimeZone(Tz::America__New_York),
            week_start: WeekdayName(Weekday::Sun),
            workday_start: ClockTime::default(),
            _id: None,
            _token_file: None,
        }
    }
}

/// How often pay periods come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Seven days from the anchor.
    Weekly,
    /// Fourteen days from the anchor.
    #[default]
    Biweekly,
    /// The 1st to the 15th, and the 16th to the month's end.
    Semimonthly,
    /// Calendar months.
    Monthly,
}

impl Frequency {
    /// How many pay periods make a year.
    pub fn per_year(self) -> rust_decimal::Decimal {
        rust_decimal::Decimal::from(match self {
            Frequency::Weekly => 52,
            Frequency::Biweekly => 26,
            Frequency::Semimonthly => 24,
            Frequency::Monthly => 12,
        })
    }
}

/// `[pay_period]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PayPeriodConfig {
    /// How often.
    pub frequency: Frequency,
    /// The first day of some weekly or biweekly period (also anchors 14-day overtime windows).
    pub anchor: NaiveDate,
}

impl Default for PayPeriodConfig {
    fn default() -> Self {
        PayPeriodConfig {
            frequency: Frequency::default(),
            anchor: NaiveDate::from_ymd_opt(2024, 1, 7).expect("a valid date"),
        }
    }
}

/// Which zone punch times are wall-clock times in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PunchZone {
    /// Each user's `timeZone`.
    #[default]
    User,
    /// One zone for everybody.
    Fixed(Tz),
}

impl Serialize for PunchZone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PunchZone::User => s.serialize_str("user"),
            PunchZone::Fixed(tz) => s.serialize_str(tz.name()),
        }
    }
}

impl<'de> Deserialize<'de> for PunchZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text == "user" {
            return Ok(PunchZone::User);
        }
        Tz::from_str(&text).map(PunchZone::Fixed).map_err(|_| {
            de::Error::custom(format!(
                "`{text}` is neither \"user\" nor an IANA time zone"
            ))
        })
    }
}

/// `[punches]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PunchConfig {
    /// `"user"` or an IANA zone.
    pub time_zone: PunchZone,
    /// Split a shift's seconds at workday boundaries (true) or give them all
    /// to the workday it starts in (false).
    pub split_at_workday: bool,
    /// Longer shifts raise `long_shift`.
    #[serde(deserialize_with = "super::values::week_hours")]
    pub max_shift_hours: Hours,
    /// What a `long_shift` does to pay.
    pub long_shift: LongShift,
}

/// `punches.long_shift`: whether a shift longer than `max_shift_hours` is paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LongShift {
    /// Held from pay, an error (a forgotten clock-out or a mistyped date is
    /// far likelier than a real 30-hour shift).
    #[default]
    Hold,
    /// Paid as clocked, a warning.
    Pay,
}

impl Default for PunchConfig {
    fn default() -> Self {
        PunchConfig {
            time_zone: PunchZone::User,
            split_at_workday: true,
            max_shift_hours: Hours::from_hours(24),
            long_shift: LongShift::Hold,
        }
    }
}

/// `[approvals]`: which approvals a job entry needs before it is paid
/// without question.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApprovalConfig {
    /// Whose approval a job entry needs.
    pub require: Approval,
    /// What an unapproved job entry in the period does to pay.
    pub unapproved: Unapproved,
}

/// `approvals.require`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// Nobody's: approvals are not checked.
    #[default]
    None,
    /// The employee's (`approvedByEmployee` = 1).
    Employee,
    /// A manager's (`approvedManagerFullName` names one).
    Manager,
    /// Both.
    Both,
}

impl Approval {
    /// What a card approved so lacks, in words, or `None` when nothing.
    pub fn missing(self, by_employee: Option<bool>, by_manager: bool) -> Option<&'static str> {
        let employee = by_employee == Some(true);
        match self {
            Approval::None => None,
            Approval::Employee if !employee => {
                Some("the employee's approval (approvedByEmployee is not 1)")
            }
            Approval::Manager if !by_manager => {
                Some("a manager's approval (approvedManagerFullName is empty)")
            }
            Approval::Both if !employee && !by_manager => {
                Some("the employee's and a manager's approval")
            }
            Approval::Both if !employee => {
                Some("the employee's approval (approvedByEmployee is not 1)")
            }
            Approval::Both if !by_manager => {
                Some("a manager's approval (approvedManagerFullName is empty)")
            }
            _ => None,
        }
    }

    /// The value as written in `payrun.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Approval::None => "none",
            Approval::Employee => "employee",
            Approval::Manager => "manager",
            Approval::Both => "both",
        }
    }
}

/// `approvals.unapproved`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unapproved {
    /// Paid as clocked, with a warning.
    #[default]
    Pay,
    /// Left out of pay, with an error, until it is approved and the period run again.
    Hold,
}

/// Which way a punch is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// To the nearest multiple; exactly half way rounds up.
    Nearest,
    /// To the next multiple (later).
    Up,
    /// To the previous multiple (earlier).
    Down,
}

/// One rounding rule: `{ mode = "nearest", minutes = 15 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoundingRule {
    /// Direction.
    pub mode: RoundingMode,
    /// Multiple of minutes, counted from local midnight.
    pub minutes: u32,
}

/// `[rounding]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoundingConfig {
    /// Rule for clock-in times.
    pub clock_in: Option<RoundingRule>,
    /// Rule for clock-out times.
    pub clock_out: Option<RoundingRule>,
}

/// `[auto_lunch]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AutoLunchConfig {
    /// Shifts at least this long (after rounding) lose their last
    /// `deduct_minutes`; at most 24.
    #[serde(deserialize_with = "super::values::day_hours")]
    pub after_hours: Hours,
    /// Unpaid minutes.
    pub deduct_minutes: u32,
}
