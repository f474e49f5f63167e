//! The configuration model: every key of `payrun.toml` (SPEC §7).
//!
//! Parsing rejects unknown keys and ill-formed values with the key and its
//! line; [`Config::validate`] then checks what involves several keys (a
//! double-time threshold below its overtime threshold, say) and names them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use payrun_ingest::client::ApiConfig;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// A configuration problem, naming the file, key and (when known) line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a bad value; the message has the line.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, with key and position.
        message: String,
    },
    /// Keys that are fine alone but not together.
    #[error("{key}: {message}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// The whole of `payrun.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[company]`.
    #[serde(default)]
    pub company: CompanyConfig,
    /// `[api]`.
    #[serde(default)]
    pub api: ApiConfig,
    /// `[pay_period]`.
    #[serde(default)]
    pub pay_period: PayPeriodConfig,
    /// `[punches]`.
    #[serde(default)]
    pub punches: PunchConfig,
    /// `[rounding]`; absent means punches are used as clocked.
    pub rounding: Option<RoundingConfig>,
    /// `[auto_lunch]`; absent means no deduction.
    pub auto_lunch: Option<AutoLunchConfig>,
    /// `[salary]`.
    #[serde(default)]
    pub salary: SalaryConfig,
    /// `[pto]`.
    #[serde(default)]
    pub pto: PtoConfig,
    /// `[overtime_rules.<name>]`, by name.
    #[serde(default)]
    pub overtime_rules: BTreeMap<String, OvertimeRule>,
    /// `[users."<userName>"]` overrides.
    #[serde(default)]
    pub users: BTreeMap<String, UserOverride>,
}

/// `[company]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyConfig {
    /// Q2 company id (`OTC_COMPANY_ID` overrides it).
    pub id: Option<String>,
    /// File holding the developer token (`OTC_DEVELOPER_TOKEN` overrides it).
    pub token_file: Option<String>,
    /// Zone for users whose `timeZone` is empty or invalid.
    #[serde(default = "default_zone")]
    pub default_time_zone: TimeZone,
    /// First day of the workweek.
    #[serde(default = "default_week_start")]
    pub week_start: WeekdayName,
    /// Local time at which each workday starts.
    #[serde(default)]
    pub workday_start: ClockTime,
}

impl Default for CompanyConfig {
    fn default() -> Self {
        CompanyConfig {
            id: None,
            token_file: None,
            default_time_zone: default_zone(),
            week_start: default_week_start(),
            workday_start: ClockTime::default(),
        }
    }
}

fn default_zone() -> TimeZone {
    TimeZone(Tz::America__New_York)
}

fn default_week_start() -> WeekdayName {
    WeekdayName(Weekday::Sun)
}

/// How often pay periods come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Seven days from the anchor.
    Weekly,
    /// Fourteen days from the anchor.
    Biweekly,
    /// The 1st to the 15th, and the 16th to the month's end.
    Semimonthly,
    /// Calendar months.
    Monthly,
}

/// `[pay_period]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PayPeriodConfig {
    /// How often.
    #[serde(default = "default_frequency")]
    pub frequency: Frequency,
    /// The first day of some weekly or biweekly period (also anchors 14-day overtime windows).
    #[serde(default = "default_anchor")]
    pub anchor: NaiveDate,
}

fn default_frequency() -> Frequency {
    Frequency::Biweekly
}

fn default_anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 7).expect("a valid date")
}

impl Default for PayPeriodConfig {
    fn default() -> Self {
        PayPeriodConfig {
            frequency: default_frequency(),
            anchor: default_anchor(),
        }
    }
}

/// Which zone punch times are wall-clock times in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PunchZone {
    /// Each user's `timeZone`.
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
#[serde(deny_unknown_fields)]
pub struct PunchConfig {
    /// `"user"` or an IANA zone.
    #[serde(default = "default_punch_zone")]
    pub time_zone: PunchZone,
    /// Split a shift's seconds at workday boundaries (true) or give them all
    /// to the workday it starts in (false).
    #[serde(default = "yes")]
    pub split_at_workday: bool,
    /// Longer shifts raise `long_shift` (they are still paid).
    #[serde(default = "default_max_shift")]
    pub max_shift_hours: Hours,
}

fn default_punch_zone() -> PunchZone {
    PunchZone::User
}

fn yes() -> bool {
    true
}

fn default_max_shift() -> Hours {
    Hours::from_hours(24)
}

impl Default for PunchConfig {
    fn default() -> Self {
        PunchConfig {
            time_zone: PunchZone::User,
            split_at_workday: true,
            max_shift_hours: default_max_shift(),
        }
    }
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
    /// Shifts at least this long (after rounding) lose their last `deduct_minutes`.
    pub after_hours: Hours,
    /// Unpaid minutes.
    pub deduct_minutes: u32,
}

/// What `payRate` means for salaried users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SalaryPeriod {
    /// Per year.
    Annual,
    /// Per month.
    Monthly,
    /// Per half month.
    Semimonthly,
    /// Per two weeks.
    Biweekly,
    /// Per week.
    Weekly,
}

/// How a salaried user's time is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SalaryMode {
    /// The salary, whatever the hours.
    Exempt,
    /// 29 CFR 778.113: salary for a fixed week; extra hours at the derived rate.
    NonexemptFixed,
    /// 29 CFR 778.114: salary for all hours; overtime at half the week's rate.
    FluctuatingWorkweek,
}

/// `[salary]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SalaryConfig {
    /// What `payRate` is per.
    #[serde(default = "default_salary_period")]
    pub period: SalaryPeriod,
    /// Default mode (a user override wins).
    #[serde(default = "default_salary_mode")]
    pub mode: SalaryMode,
    /// Hours the salary is for, per week.
    #[serde(default = "default_hours_per_week")]
    pub hours_per_week: Hours,
}

fn default_salary_period() -> SalaryPeriod {
    SalaryPeriod::Annual
}
fn default_salary_mode() -> SalaryMode {
    SalaryMode::NonexemptFixed
}
fn default_hours_per_week() -> Hours {
    Hours::from_hours(40)
}

impl Default for SalaryConfig {
    fn default() -> Self {
        SalaryConfig {
            period: default_salary_period(),
            mode: default_salary_mode(),
            hours_per_week: default_hours_per_week(),
        }
    }
}

/// `[pto]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PtoConfig {
    /// PTO hours count toward the weekly (or biweekly) overtime threshold.
    #[serde(default)]
    pub counts_toward_overtime: bool,
}

/// Which thresholds of step 4 apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Everything is regular.
    Off,
    /// Weekly thresholds over each workweek.
    Weekly,
    /// Biweekly thresholds over 14-day windows from the pay period anchor.
    Biweekly,
    /// Daily, seventh-day and special-day rules only.
    DailyOnly,
}

/// A pay tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Straight time.
    Regular,
    /// Overtime.
    Overtime,
    /// Double time.
    DoubleTime,
}

/// `[overtime_rules.<name>]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OvertimeRule {
    /// Which accumulation applies in step 4.
    #[serde(default = "default_basis")]
    pub basis: Basis,
    /// Seconds beyond this in a workday are overtime.
    pub daily_ot_after: Option<Hours>,
    /// Seconds beyond this in a workday are double time.
    pub daily_dt_after: Option<Hours>,
    /// Regular seconds beyond this in a workweek are overtime (default 40 with `basis = "weekly"`).
    pub weekly_ot_after: Option<Hours>,
    /// Regular seconds beyond this in a workweek are double time.
    pub weekly_dt_after: Option<Hours>,
    /// Regular seconds beyond this in a 14-day window are overtime (default 80 with `basis = "biweekly"`).
    pub biweekly_ot_after: Option<Hours>,
    /// Regular seconds beyond this in a 14-day window are double time.
    pub biweekly_dt_after: Option<Hours>,
    /// The seventh consecutive workday rule.
    #[serde(default)]
    pub seventh_day: bool,
    /// On the seventh day, hours beyond this are double time (the rest overtime).
    #[serde(default = "default_seventh_dt")]
    pub seventh_day_dt_after: Hours,
    /// Overtime pay multiplier.
    #[serde(default = "default_ot_multiplier", deserialize_with = "decimal_number")]
    pub ot_multiplier: Decimal,
    /// Double-time pay multiplier.
    #[serde(default = "default_dt_multiplier", deserialize_with = "decimal_number")]
    pub dt_multiplier: Decimal,
    /// Weekdays whose every second is at least this tier.
    #[serde(default)]
    pub special_weekdays: BTreeMap<WeekdayName, Tier>,
    /// Dates whose every second is at least this tier.
    #[serde(default)]
    pub special_dates: BTreeMap<NaiveDate, Tier>,
}

fn default_basis() -> Basis {
    Basis::Weekly
}
fn default_seventh_dt() -> Hours {
    Hours::from_hours(8)
}
fn default_ot_multiplier() -> Decimal {
    Decimal::new(15, 1)
}
fn default_dt_multiplier() -> Decimal {
    Decimal::new(2, 0)
}

impl Default for OvertimeRule {
    /// Weekly overtime after 40 hours at 1.5, double time at 2.0 (the FLSA rule).
    fn default() -> Self {
        OvertimeRule {
            basis: Basis::Weekly,
            daily_ot_after: None,
            daily_dt_after: None,
            weekly_ot_after: None,
            weekly_dt_after: None,
            biweekly_ot_after: None,
            biweekly_dt_after: None,
            seventh_day: false,
            seventh_day_dt_after: default_seventh_dt(),
            ot_multiplier: default_ot_multiplier(),
            dt_multiplier: default_dt_multiplier(),
            special_weekdays: BTreeMap::new(),
            special_dates: BTreeMap::new(),
        }
    }
}

impl OvertimeRule {
    /// Step 4's thresholds in seconds as (overtime after, double time after),
    /// or `None` when step 4 does not apply.
    pub fn accumulation_thresholds(&self) -> Option<(Option<i64>, Option<i64>)> {
        let secs = |h: Option<Hours>| h.map(|h| h.seconds);
        match self.basis {
            Basis::Weekly => Some((
                Some(
                    self.weekly_ot_after
                        .unwrap_or(Hours::from_hours(40))
                        .seconds,
                ),
                secs(self.weekly_dt_after),
            )),
            Basis::Biweekly => Some((
                Some(
                    self.biweekly_ot_after
                        .unwrap_or(Hours::from_hours(80))
                        .seconds,
                ),
                secs(self.biweekly_dt_after),
            )),
            Basis::Off | Basis::DailyOnly => None,
        }
    }
}

/// `[users."<userName>"]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserOverride {
    /// This user's salary mode.
    pub salary_mode: Option<SalaryMode>,
}

/// A length of time given in hours (`40`, `7.5`), kept as whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hours {
    /// The length in seconds.
    pub seconds: i64,
}

impl Hours {
    /// Whole hours.
    pub const fn from_hours(hours: i64) -> Self {
        Hours {
            seconds: hours * 3600,
        }
    }

    /// Exact hours as a decimal.
    pub fn as_decimal(self) -> Decimal {
        Decimal::from(self.seconds) / Decimal::from(3600)
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.as_decimal().normalize())
    }
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hours = decimal_number(d)?;
        if hours.is_sign_negative() {
            return Err(de::Error::custom(format!("{hours} hours is negative")));
        }
        let seconds = hours * Decimal::from(3600);
        if !seconds.fract().is_zero() {
            return Err(de::Error::custom(format!(
                "{hours} hours is not a whole number of seconds"
            )));
        }
        i64::try_from(seconds)
            .map(|seconds| Hours { seconds })
            .map_err(|_| de::Error::custom(format!("{hours} hours is too large")))
    }
}

impl Serialize for Hours {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// A TOML number (integer or float) as an exact decimal: `1.5` is 1.5, not
/// the nearest binary fraction.
fn decimal_number<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Int(i64),
        Float(f64),
    }
    match Number::deserialize(d)? {
        Number::Int(i) => Ok(Decimal::from(i)),
        Number::Float(f) => Decimal::from_str(&f.to_string())
            .or_else(|_| Decimal::from_scientific(&format!("{f:e}")))
            .map_err(|_| de::Error::custom(format!("{f} is not a usable number"))),
    }
}

/// An IANA time zone name, checked when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub Tz);

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Tz::from_str(&text)
            .map(TimeZone)
            .map_err(|_| de::Error::custom(format!("`{text}` is not an IANA time zone")))
    }
}

impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

/// A weekday written as its English name (`"sunday"`, `"Sun"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekdayName(pub Weekday);

impl PartialOrd for WeekdayName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for WeekdayName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .num_days_from_monday()
            .cmp(&other.0.num_days_from_monday())
    }
}

impl<'de> Deserialize<'de> for WeekdayName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Weekday::from_str(&text).map(WeekdayName).map_err(|_| {
            de::Error::custom(format!("`{text}` is not a weekday (sunday, monday, …)"))
        })
    }
}

impl Serialize for WeekdayName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:?}", self.0).to_lowercase())
    }
}

/// A local clock time written `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClockTime(pub NaiveTime);

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .map(ClockTime)
            .map_err(|_| de::Error::custom(format!("`{text}` is not a time of day (HH:MM)")))
    }
}

impl Serialize for ClockTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%H:%M").to_string())
    }
}

impl Config {
    /// Reads and validates a `payrun.toml`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parses and validates configuration text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "payrun.toml".into(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what single keys cannot: thresholds in order, sensible sizes.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: String, message: String| Err(ConfigError::Invalid { key, message });
        for (name, rule) in &self.overtime_rules {
            let pairs = [
                (
                    "daily_ot_after",
                    rule.daily_ot_after,
                    "daily_dt_after",
                    rule.daily_dt_after,
                ),
                (
                    "weekly_ot_after",
                    rule.weekly_ot_after,
                    "weekly_dt_after",
                    rule.weekly_dt_after,
                ),
                (
                    "biweekly_ot_after",
                    rule.biweekly_ot_after,
                    "biweekly_dt_after",
                    rule.biweekly_dt_after,
                ),
            ];
            for (ot_key, ot, dt_key, dt) in pairs {
                if let (Some(ot), Some(dt)) = (ot, dt)
                    && dt < ot
                {
                    return invalid(
                        format!("overtime_rules.{name}.{dt_key}"),
                        format!(
                            "{dt} is below {ot_key} ({ot}); double time must start after overtime"
                        ),
                    );
                }
            }
            if rule.daily_dt_after.is_some_and(|h| h.seconds > 24 * 3600)
                || rule.daily_ot_after.is_some_and(|h| h.seconds > 24 * 3600)
            {
                return invalid(
                    format!("overtime_rules.{name}.daily_ot_after"),
                    "a daily threshold cannot exceed 24 hours".into(),
                );
            }
            if rule.ot_multiplier < Decimal::ONE || rule.dt_multiplier < Decimal::ONE {
                return invalid(
                    format!("overtime_rules.{name}.ot_multiplier"),
                    format!(
                        "multipliers must be at least 1 (ot_multiplier {}, dt_multiplier {})",
                        rule.ot_multiplier, rule.dt_multiplier
                    ),
                );
            }
        }
        for (key, rule) in [
            (
                "rounding.clock_in",
                self.rounding.as_ref().and_then(|r| r.clock_in),
            ),
            (
                "rounding.clock_out",
                self.rounding.as_ref().and_then(|r| r.clock_out),
            ),
        ] {
            if let Some(rule) = rule
                && !(1..=60).contains(&rule.minutes)
            {
                return invalid(
                    format!("{key}.minutes"),
                    format!("{} is not between 1 and 60", rule.minutes),
                );
            }
        }
        if self.salary.hours_per_week.seconds == 0 {
            return invalid("salary.hours_per_week".into(), "must be more than 0".into());
        }
        if self.punches.max_shift_hours.seconds == 0 {
            return invalid(
                "punches.max_shift_hours".into(),
                "must be more than 0".into(),
            );
        }
        Ok(())
    }

    /// The salary mode for `user_name`: its override, else `salary.mode`.
    pub fn salary_mode(&self, user_name: &str) -> SalaryMode {
        self.users
            .get(user_name)
            .and_then(|u| u.salary_mode)
            .unwrap_or(self.salary.mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_EXAMPLE: &str = r#"
[company]
id = "12345"
token_file = "~/.config/payrun/token"
default_time_zone = "America/New_York"
week_start = "sunday"
workday_start = "00:00"

[api]
base_url = "https://api1.opentimeclock.com/Jun-Inside-VPC"
max_records = 5000
timeout_secs = 60
max_retries = 5
concurrency = 4

[pay_period]
frequency = "biweekly"
anchor = "2024-01-07"

[punches]
time_zone = "user"
split_at_workday = true
max_shift_hours = 24

[rounding]
clock_in = { mode = "nearest", minutes = 15 }
clock_out = { mode = "nearest", minutes = 15 }

[auto_lunch]
after_hours = 6.0
deduct_minutes = 30

[salary]
period = "annual"
mode = "nonexempt_fixed"
hours_per_week = 40

[pto]
counts_toward_overtime = false

[overtime_rules.default]
basis = "weekly"
weekly_ot_after = 40
ot_multiplier = 1.5
dt_multiplier = 2.0

[overtime_rules.ot1]
basis = "weekly"
daily_ot_after = 8
daily_dt_after = 12
weekly_ot_after = 40
seventh_day = true
special_weekdays = { sunday = "overtime" }
special_dates = { "2024-12-25" = "double_time" }

[users."jdoe"]
salary_mode = "exempt"
"#;

    #[test]
    fn the_spec_example_parses_with_every_key() {
        let c = Config::parse(SPEC_EXAMPLE).unwrap();
        assert_eq!(c.company.week_start.0, Weekday::Sun);
        assert_eq!(c.company.default_time_zone.0, Tz::America__New_York);
        assert_eq!(c.pay_period.frequency, Frequency::Biweekly);
        assert_eq!(c.auto_lunch.as_ref().unwrap().after_hours.seconds, 6 * 3600);
        assert_eq!(c.rounding.as_ref().unwrap().clock_in.unwrap().minutes, 15);
        let ot1 = &c.overtime_rules["ot1"];
        assert_eq!(ot1.daily_ot_after, Some(Hours::from_hours(8)));
        assert_eq!(ot1.seventh_day_dt_after, Hours::from_hours(8));
        assert_eq!(ot1.ot_multiplier, Decimal::new(15, 1));
        assert_eq!(
            ot1.special_weekdays[&WeekdayName(Weekday::Sun)],
            Tier::Overtime
        );
        assert_eq!(
            ot1.special_dates[&NaiveDate::from_ymd_opt(2024, 12, 25).unwrap()],
            Tier::DoubleTime
        );
        assert_eq!(c.salary_mode("jdoe"), SalaryMode::Exempt);
        assert_eq!(c.salary_mode("someone"), SalaryMode::NonexemptFixed);
    }

    fn error_of(text: &str) -> String {
        Config::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_line() {
        let e = error_of("[company]\nweek_start = \"sunday\"\nweek_begin = \"monday\"\n");
        assert!(e.contains("week_begin") && e.contains("line 3"), "{e}");
        let e = error_of("[overtime_rules.x]\ndaily_ot_after = 8\nmultiplier = 2\n");
        assert!(e.contains("multiplier") && e.contains("line 3"), "{e}");
        let e = error_of("[company]\ndefault_time_zone = \"America/Gotham\"\n");
        assert!(
            e.contains("America/Gotham")
                && e.contains("not an IANA time zone")
                && e.contains("line 2"),
            "{e}"
        );
        let e = error_of("[pay_period]\nanchor = \"2024-02-30\"\n");
        assert!(e.contains("anchor") || e.contains("line 2"), "{e}");
        let e = error_of("[company]\nworkday_start = \"25:00\"\n");
        assert!(e.contains("25:00") && e.contains("HH:MM"), "{e}");
        let e = error_of("[pay_period]\nfrequency = \"fortnightly\"\n");
        assert!(e.contains("fortnightly"), "{e}");
        let e = error_of("[punches]\nmax_shift_hours = -1\n");
        assert!(e.contains("negative"), "{e}");
    }

    #[test]
    fn thresholds_out_of_order_name_both_keys() {
        let e = error_of("[overtime_rules.ca]\ndaily_ot_after = 12\ndaily_dt_after = 8\n");
        assert_eq!(
            e,
            "overtime_rules.ca.daily_dt_after: 8 is below daily_ot_after (12); double time must start after overtime"
        );
        let e = error_of("[rounding]\nclock_in = { mode = \"up\", minutes = 0 }\n");
        assert_eq!(e, "rounding.clock_in.minutes: 0 is not between 1 and 60");
    }

    #[test]
    fn hours_are_exact_seconds() {
        let c = Config::parse("[auto_lunch]\nafter_hours = 5.75\ndeduct_minutes = 30\n").unwrap();
        assert_eq!(c.auto_lunch.unwrap().after_hours.seconds, 20_700);
        let e = error_of("[auto_lunch]\nafter_hours = 0.00001\ndeduct_minutes = 30\n");
        assert!(e.contains("whole number of seconds"), "{e}");
    }

    #[test]
    fn an_empty_file_is_all_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.pay_period.frequency, Frequency::Biweekly);
        assert!(c.punches.split_at_workday);
        assert_eq!(c.salary.hours_per_week, Hours::from_hours(40));
        assert!(c.overtime_rules.is_empty());
    }
}
