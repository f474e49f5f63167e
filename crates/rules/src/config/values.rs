//! Value types of configuration keys: hours, zones, weekdays, clock times
//! and exact decimal numbers, each checked when read.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

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
        let Some(seconds) = hours.checked_mul(Decimal::from(3600)) else {
            return Err(de::Error::custom(format!("{hours} hours is too large")));
        };
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
/// the nearest binary fraction. Decimal text (`"1.25"`) is read too: it is
/// how payrun writes a configuration back (a run's `inputs/payrun.toml`).
pub(crate) fn decimal_number<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Int(i64),
        Float(f64),
        Text(String),
    }
    match Number::deserialize(d)? {
        Number::Text(t) => Decimal::from_str(t.trim())
            .map_err(|_| de::Error::custom(format!("\"{t}\" is not a number"))),
        Number::Int(i) => Ok(Decimal::from(i)),
        Number::Float(f) => Decimal::from_str(&f.to_string())
            .or_else(|_| Decimal::from_scientific(&format!("{f:e}")))
            .map_err(|_| de::Error::custom(format!("{f} is not a usable number"))),
    }
}

/// The plausibility bounds of configuration numbers: values no payroll
/// needs to pass, refused when read with the key named (a typo such as
/// `ot_multiplier = 15` would otherwise pay ten times the overtime).
pub mod bounds {
    use rust_decimal::Decimal;

    /// The longest overtime threshold of a workday or workweek, in hours.
    pub const WEEK_HOURS: i64 = 168;
    /// The longest threshold of a 14-day window, in hours.
    pub const TWO_WEEK_HOURS: i64 = 336;
    /// The largest overtime or double-time multiplier.
    pub const MAX_MULTIPLIER: Decimal = Decimal::from_parts(3, 0, 0, false, 0);
    /// Job and shift rates and premiums are below this, per hour.
    pub const MAX_HOURLY: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);
    /// The largest shift `percent`.
    pub const MAX_PERCENT: Decimal = Decimal::from_parts(100, 0, 0, false, 0);
}

/// A pay multiplier, in `[1, 3]`.
pub(crate) fn multiplier<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let m = decimal_number(d)?;
    if m < Decimal::ONE || m > bounds::MAX_MULTIPLIER {
        return Err(de::Error::custom(format!(
            "{m} is not a multiplier between 1 and {}",
            bounds::MAX_MULTIPLIER
        )));
    }
    Ok(m)
}

/// An hourly amount (a job's rate, a job's or shift's premium): at least 0
/// and below [`bounds::MAX_HOURLY`].
pub(crate) fn hourly_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let amount = decimal_number(d)?;
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(de::Error::custom(format!("{amount} is negative")));
    }
    if amount >= bounds::MAX_HOURLY {
        return Err(de::Error::custom(format!(
            "{amount} an hour is not plausible (payrun refuses {} or more)",
            bounds::MAX_HOURLY
        )));
    }
    Ok(Some(amount))
}

/// A shift differential's percentage, in `(0, 100]`.
pub(crate) fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let p = decimal_number(d)?;
    if p <= Decimal::ZERO || p > bounds::MAX_PERCENT {
        return Err(de::Error::custom(format!(
            "{p} is not a percentage above 0 and at most 100"
        )));
    }
    Ok(Some(p))
}

/// Hours more than 0 and at most `most`.
fn bounded_hours<'de, D: Deserializer<'de>>(d: D, most: i64) -> Result<Hours, D::Error> {
    let hours = Hours::deserialize(d)?;
    if hours.seconds == 0 || hours.seconds > most * 3600 {
        return Err(de::Error::custom(format!(
            "{hours} hours is out of range: more than 0 and at most {most} are accepted"
        )));
    }
    Ok(hours)
}

/// A threshold of a workday or workweek: more than 0 and at most 168 hours.
pub(crate) fn threshold<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Hours>, D::Error> {
    bounded_hours(d, bounds::WEEK_HOURS).map(Some)
}

/// A threshold of a workday or workweek that is always set (see [`threshold`]).
pub(crate) fn week_hours<'de, D: Deserializer<'de>>(d: D) -> Result<Hours, D::Error> {
    bounded_hours(d, bounds::WEEK_HOURS)
}

/// Hours within one day: at least 0 and at most 24.
pub(crate) fn day_hours<'de, D: Deserializer<'de>>(d: D) -> Result<Hours, D::Error> {
    let hours = Hours::deserialize(d)?;
    if hours.seconds > 24 * 3600 {
        return Err(de::Error::custom(format!(
            "{hours} hours is out of range: at most 24 (one workday) are accepted"
        )));
    }
    Ok(hours)
}

/// A break in minutes: at most a day (1440).
pub(crate) fn break_minutes<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let minutes = u32::deserialize(d)?;
    if minutes > 24 * 60 {
        return Err(de::Error::custom(format!(
            "{minutes} minutes is out of range: at most 1440 (a day) are accepted"
        )));
    }
    Ok(minutes)
}

/// A threshold of a 14-day window: more than 0 and at most 336 hours.
pub(crate) fn two_week_threshold<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Hours>, D::Error> {
    bounded_hours(d, bounds::TWO_WEEK_HOURS).map(Some)
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
