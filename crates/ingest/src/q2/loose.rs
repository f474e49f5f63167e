//! Loosely typed API values and their conversion to typed values.
//!
//! The Q2 API sends numbers as text (`"0.000"`) or as JSON numbers (`0`),
//! `""` for an absent value and `"0000-00-00 00:00:00"` for a missing date
//! time. [`Loose`] holds whatever arrived, borrowing text from the response
//! body; its `to_*` methods say what it means as a typed value, or why it
//! cannot mean one. A conversion never panics: bad input is an `Err` carrying
//! a reason, which the decoder turns into an `invalid_value` exception.
//!
//! It is long because each loose form of a value (text, number, empty, a
//! zero date) is read for every field kind; the last third is tests.

use std::borrow::Cow;
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One value as it arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum Loose<'a> {
    /// JSON `null`.
    Null,
    /// JSON `true` / `false`.
    Bool(bool),
    /// A JSON integer that fits `i64`.
    Int(i64),
    /// A JSON integer above `i64::MAX`.
    UInt(u64),
    /// A JSON number with a fraction or exponent.
    Float(f64),
    /// A JSON string, borrowed from the body when it has no escapes.
    Str(Cow<'a, str>),
    /// A JSON array or object, which no Q2 field should hold.
    Composite,
}

/// Why a loose value has no typed meaning.
pub type Reason = String;

/// The text the API uses for "no date time".
pub const ZERO_DATE_TIME: &str = "0000-00-00 00:00:00";

impl Loose<'_> {
    /// The value as the API showed it, for messages.
    pub fn display(&self) -> String {
        match self {
            Loose::Null => "null".into(),
            Loose::Bool(b) => b.to_string(),
            Loose::Int(i) => i.to_string(),
            Loose::UInt(u) => u.to_string(),
            Loose::Float(f) => f.to_string(),
            Loose::Str(s) => format!("\"{s}\""),
            Loose::Composite => "an array or object".into(),
        }
    }

    /// The text, if any: `null` and `""` are absent, numbers become their text.
    pub fn to_text(&self) -> Result<Option<Cow<'_, str>>, Reason> {
        Ok(match self {
            Loose::Null => None,
            Loose::Str(s) if s.is_empty() => None,
            Loose::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            Loose::Int(i) => Some(Cow::Owned(i.to_string())),
            Loose::UInt(u) => Some(Cow::Owned(u.to_string())),
            Loose::Float(f) => Some(Cow::Owned(f.to_string())),
            Loose::Bool(b) => Some(Cow::Owned(b.to_string())),
            Loose::Composite => return Err("expected text, found an array or object".into()),
        })
    }

    /// A decimal with at most `scale` decimal places and at most 18 digits,
    /// as its mantissa at exactly `scale` places (the Polars decimal layout).
    pub fn to_decimal(&self, scale: u32) -> Result<Option<i128>, Reason> {
        let value = match self {
            Loose::Null => return Ok(None),
            Loose::Str(s) if s.trim().is_empty() => return Ok(None),
            Loose::Str(s) if let Some(plain) = plain_decimal(s.as_bytes(), scale) => {
                return plain.map(Some);
            }
            Loose::Str(s) => s
                .trim()
                .parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(s.trim()))
                .map_err(|_| "not a decimal number".to_owned())?,
            Loose::Int(i) => Decimal::from(*i),
            Loose::UInt(u) => Decimal::from(*u),
            // The shortest text that round-trips is what the sender wrote.
            Loose::Float(f) => f
                .to_string()
                .parse::<Decimal>()
                .map_err(|_| "not a decimal number".to_owned())?,
            Loose::Bool(_) | Loose::Composite => return Err("not a decimal number".into()),
        };
        decimal_mantissa(value, scale).map(Some)
    }

    /// A date time in the API's `YYYY-MM-DD HH:MM:SS` form (a `T` separator is
    /// also accepted); `""` and `0000-00-00 00:00:00` are absent.
    pub fn to_date_time(&self) -> Result<Option<NaiveDateTime>, Reason> {
        match self {
            Loose::Null => Ok(None),
            Loose::Str(s) => parse_date_time(s.trim()),
            _ => Err("expected a date time as text".into()),
        }
    }

    /// [`to_date_time`](Self::to_date_time) as milliseconds since
    /// 1970-01-01 00:00:00 (of the same wall clock), the typed column's
    /// value. The API's own form is read without building a date.
    pub fn to_millis(&self) -> Result<Option<i64>, Reason> {
        if let Loose::Str(s) = self
            && let Some(millis) = canonical_millis(s.as_bytes())
        {
            return Ok(Some(millis));
        }
        self.to_date_time()
            .map(|t| t.map(|t| t.and_utc().timestamp_millis()))
    }

    /// A date in `YYYY-MM-DD` form; `""` and `0000-00-00` are absent. A full
    /// date time is accepted and its date kept.
    pub fn to_date(&self) -> Result<Option<NaiveDate>, Reason> {
        match self {
            Loose::Null => Ok(None),
            Loose::Str(s) => {
                let s = s.trim();
                if s.len() > 10 {
                    return Ok(parse_date_time(s)?.map(|t| t.date()));
                }
                if s.is_empty() || s == "0000-00-00" {
                    return Ok(None);
                }
                parse_date(s.as_bytes())
                    .ok_or_else(|| "not a date (YYYY-MM-DD)".to_owned())
                    .map(Some)
            }
            _ => Err("expected a date as text".into()),
        }
    }

    /// A whole number that fits `i32`, from a number or its text.
    pub fn to_int(&self) -> Result<Option<i32>, Reason> {
        let whole: i64 = match self {
            Loose::Null => return Ok(None),
            Loose::Str(s) if s.trim().is_empty() => return Ok(None),
            Loose::Str(s) => {
                let s = s.trim();
                match s.parse::<i64>() {
                    Ok(i) => i,
                    Err(_) => {
                        let d = s
                            .parse::<Decimal>()
                            .map_err(|_| "not a whole number".to_owned())?;
                        if !d.fract().is_zero() {
                            return Err("not a whole number".into());
                        }
                        i64::try_from(d).map_err(|_| "out of range".to_owned())?
                    }
                }
            }
            Loose::Int(i) => *i,
            Loose::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => *f as i64,
            _ => return Err("not a whole number".into()),
        };
        i32::try_from(whole)
            .map(Some)
            .map_err(|_| "out of range".into())
    }

    /// A yes/no flag: `0`/`1`, `"0"`/`"1"`, `true`/`false`, `"yes"`/`"no"`.
    pub fn to_flag(&self) -> Result<Option<bool>, Reason> {
        match self {
            Loose::Null => Ok(None),
            Loose::Bool(b) => Ok(Some(*b)),
            Loose::Int(0) => Ok(Some(false)),
            Loose::Int(1) => Ok(Some(true)),
            Loose::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "0" | "false" | "no" => Ok(Some(false)),
                "1" | "true" | "yes" => Ok(Some(true)),
                _ => Err("not 0 or 1".into()),
            },
            _ => Err("not 0 or 1".into()),
        }
    }

    /// A floating-point measurement (coordinates only; never money or hours).
    pub fn to_float(&self) -> Result<Option<f64>, Reason> {
        match self {
            Loose::Null => Ok(None),
            Loose::Str(s) if s.trim().is_empty() => Ok(None),
            Loose::Str(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| "not a number".into()),
            Loose::Int(i) => Ok(Some(*i as f64)),
            Loose::UInt(u) => Ok(Some(*u as f64)),
            Loose::Float(f) => Ok(Some(*f)),
            _ => Err("not a number".into()),
        }
    }
}

/// The largest mantissa a `Decimal(18, s)` column holds.
const MAX_MANTISSA: i128 = 999_999_999_999_999_999;

fn decimal_mantissa(mut value: Decimal, scale: u32) -> Result<i128, Reason> {
    value = value.normalize();
    if value.scale() > scale {
        return Err(format!("more than {scale} decimal places"));
    }
    value.rescale(scale);
    let mantissa = value.mantissa();
    if mantissa.abs() > MAX_MANTISSA {
        return Err("too large".into());
    }
    Ok(mantissa)
}

/// [`decimal_mantissa`] of text in the plain form `-?D+(.D+)?` with at most
/// 18 digits, read without a `Decimal`: the same mantissa or reason. `None`
/// for any other text (spaces, `+`, exponents, more digits), which the
/// general path reads.
fn plain_decimal(text: &[u8], scale: u32) -> Option<Result<i128, Reason>> {
    let (negative, body) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (whole, fraction) = match body.iter().position(|&b| b == b'.') {
        Some(dot) => (&body[..dot], &body[dot + 1..]),
        None => (body, &body[..0]),
    };
    let all_digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    let has_dot = whole.len() < body.len();
    if whole.is_empty()
        || (has_dot && fraction.is_empty())
        || whole.len() + fraction.len() > 18
        || !all_digits(whole)
        || !all_digits(fraction)
    {
        return None;
    }
    // What `normalize` keeps of the fraction: its trailing zeros go.
    let kept = fraction.len() - fraction.iter().rev().take_while(|&&b| b == b'0').count();
    if kept > scale as usize {
        return Some(Err(format!("more than {scale} decimal places")));
    }
    let mut mantissa: i128 = 0;
    for &b in whole.iter().chain(&fraction[..kept]) {
        mantissa = mantissa * 10 + i128::from(b - b'0');
    }
    // At most 18 digits and a scale of at most 28 places: no overflow.
    mantissa *= 10i128.checked_pow(scale - kept as u32)?;
    if mantissa > MAX_MANTISSA {
        return Some(Err("too large".into()));
    }
    Some(Ok(if negative { -mantissa } else { mantissa }))
}

/// Milliseconds since 1970-01-01 of a valid date time in the API's form,
/// `YYYY-MM-DD HH:MM:SS` (or with `T`); `None` for anything else,
/// `0000-00-00 00:00:00` and impossible dates included, which
/// [`parse_date_time`] reads (or refuses, saying why).
fn canonical_millis(b: &[u8]) -> Option<i64> {
    let [year, month, day, hour, minute, second] = date_time_fields(b)?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => return None,
    };
    if day == 0 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = i64::from(hour * 3600 + minute * 60 + second);
    Some((days * 86_400 + seconds) * 1000)
}

/// Days from 1970-01-01 to a valid proleptic Gregorian date, year 0 to 9999
/// (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn digits<const N: usize>(bytes: &[u8]) -> Option<u32> {
    if bytes.len() != N {
        return None;
    }
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// The year, month and day of `YYYY-MM-DD`, not yet checked as a date.
fn date_fields(b: &[u8]) -> Option<[u32; 3]> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some([
        digits::<4>(&b[0..4])?,
        digits::<2>(&b[5..7])?,
        digits::<2>(&b[8..10])?,
    ])
}

/// The six numbers of `YYYY-MM-DD HH:MM:SS` (or with `T`), not yet checked
/// as a date and a time.
fn date_time_fields(b: &[u8]) -> Option<[u32; 6]> {
    if b.len() != 19 || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let [year, month, day] = date_fields(&b[0..10])?;
    Some([
        year,
        month,
        day,
        digits::<2>(&b[11..13])?,
        digits::<2>(&b[14..16])?,
        digits::<2>(&b[17..19])?,
    ])
}

fn parse_date(b: &[u8]) -> Option<NaiveDate> {
    let [year, month, day] = date_fields(b)?;
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

fn parse_date_time(s: &str) -> Result<Option<NaiveDateTime>, Reason> {
    if s.is_empty() || s == ZERO_DATE_TIME || s == "0000-00-00" {
        return Ok(None);
    }
    let parsed = (|| {
        let [year, month, day, hour, minute, second] = date_time_fields(s.as_bytes())?;
        let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
        let time = NaiveTime::from_hms_opt(hour, minute, second)?;
        Some(NaiveDateTime::new(date, time))
    })();
    parsed
        .map(Some)
        .ok_or_else(|| "not a date time (YYYY-MM-DD HH:MM:SS)".into())
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Loose::UInt(v), Loose::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Loose::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Composite)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Composite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Loose<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_arrive_as_text_or_numbers() {
        assert_eq!(parse(r#""0.000""#).to_decimal(6), Ok(Some(0)));
        assert_eq!(parse("0").to_decimal(6), Ok(Some(0)));
        assert_eq!(parse(r#""7.250""#).to_decimal(3), Ok(Some(7250)));
        assert_eq!(parse("7.1").to_decimal(2), Ok(Some(710)));
        assert_eq!(parse(r#"" 12.5 ""#).to_decimal(2), Ok(Some(1250)));
        assert_eq!(parse(r#""-3""#).to_decimal(2), Ok(Some(-300)));
        assert_eq!(parse(r#""""#).to_decimal(2), Ok(None));
        assert_eq!(parse("null").to_decimal(2), Ok(None));
        assert_eq!(parse("0").to_int(), Ok(Some(0)));
        assert_eq!(parse(r#""3""#).to_int(), Ok(Some(3)));
        assert_eq!(parse(r#""1.0""#).to_int(), Ok(Some(1)));
        assert_eq!(parse("2.0").to_int(), Ok(Some(2)));
    }

    #[test]
    fn bad_numbers_are_reasons_not_panics() {
        assert_eq!(
            parse(r#""abc""#).to_decimal(2),
            Err("not a decimal number".into())
        );
        assert_eq!(
            parse(r#""1.234""#).to_decimal(2),
            Err("more than 2 decimal places".into())
        );
        assert_eq!(parse(r#""1e20""#).to_decimal(2), Err("too large".into()));
        assert_eq!(
            parse("true").to_decimal(2),
            Err("not a decimal number".into())
        );
        assert_eq!(
            parse("[1]").to_decimal(2),
            Err("not a decimal number".into())
        );
        assert_eq!(parse(r#""1.5""#).to_int(), Err("not a whole number".into()));
        assert_eq!(parse("99999999999").to_int(), Err("out of range".into()));
        assert_eq!(parse("2").to_flag(), Err("not 0 or 1".into()));
        assert_eq!(parse(r#""north""#).to_float(), Err("not a number".into()));
    }

    /// The general reading of a decimal, without the plain-text fast path.
    fn general_decimal(text: &str, scale: u32) -> Result<Option<i128>, Reason> {
        let value = text
            .trim()
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(text.trim()))
            .map_err(|_| "not a decimal number".to_owned())?;
        decimal_mantissa(value, scale).map(Some)
    }

    #[test]
    fn plain_decimals_read_fast_are_what_the_general_path_reads() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.000",
            "7",
            "7.",
            ".5",
            "-",
            "+1",
            "1_0",
            "00012.5000",
            "1.2.3",
            "1e3",
            " 1.5",
            "12345678901234567.8",
            "123456789012345678",
            "999999999999999999",
            "1234567890123456789",
            "99999999999.999999",
            "99999999999999.9999",
            "-12.3456",
            "12.34567",
            "12.3456700",
            "0.0000001",
            "1.0000000000000000",
            "١٢",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every way of writing a few values with up to 19 digits.
        for whole in ["0", "1", "40", "123456", "999999999999", "100000000000000"] {
            for fraction in [
                "", "0", "5", "25", "125", "0625", "50000", "123456", "1234567",
            ] {
                for sign in ["", "-"] {
                    texts.push(format!("{sign}{whole}"));
                    texts.push(format!("{sign}{whole}.{fraction}"));
                }
            }
        }
        for text in &texts {
            for scale in [0, 2, 4, 6] {
                let fast = Loose::Str(Cow::Borrowed(text)).to_decimal(scale);
                let general = if text.trim().is_empty() {
                    Ok(None)
                } else {
                    general_decimal(text, scale)
                };
                assert_eq!(fast, general, "{text:?} at scale {scale}");
            }
        }
        assert_eq!(plain_decimal(b"12.50", 4), Some(Ok(125_000)));
        assert_eq!(
            plain_decimal(b"1e3", 4),
            None,
            "the general path reads exponents"
        );
    }

    #[test]
    fn canonical_date_times_read_fast_are_what_chrono_reads() {
        let general =
            |text: &str| parse_date_time(text).map(|t| t.map(|t| t.and_utc().timestamp_millis()));
        let mut checked = 0;
        for year in [
            0, 1, 4, 100, 1582, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 9999,
        ] {
            for month in 0..=13 {
                for day in [0, 1, 15, 28, 29, 30, 31, 32] {
                    for (h, m, s) in [(0, 0, 0), (23, 59, 59), (24, 0, 0), (12, 60, 0), (7, 5, 60)]
                    {
                        for sep in [' ', 'T'] {
                            let text =
                                format!("{year:04}-{month:02}-{day:02}{sep}{h:02}:{m:02}:{s:02}");
                            let fast = Loose::Str(Cow::Borrowed(&text)).to_millis();
                            assert_eq!(fast, general(&text), "{text}");
                            if canonical_millis(text.as_bytes()).is_some() {
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 3000, "the fast path read {checked} date times");
        for text in [
            "0000-00-00 00:00:00",
            "",
            "2024-05-12 08:00",
            "2024-05-12 08:00:00.5",
            "2024/05/12 08:00:00",
        ] {
            let fast = Loose::Str(Cow::Borrowed(text)).to_millis();
            assert_eq!(fast, general(text), "{text:?}");
        }
        assert_eq!(
            canonical_millis(b"2024-05-12 08:30:15"),
            Some(1_715_502_615_000)
        );
    }

    #[test]
    fn trailing_zeros_beyond_the_scale_are_not_lost_precision() {
        assert_eq!(parse(r#""1.50000000""#).to_decimal(2), Ok(Some(150)));
    }

    #[test]
    fn date_times_and_their_absent_forms() {
        let t = parse(r#""2021-05-27 08:49:00""#)
            .to_date_time()
            .unwrap()
            .unwrap();
        assert_eq!(t.to_string(), "2021-05-27 08:49:00");
        let t = parse(r#""2021-05-27T08:49:00""#)
            .to_date_time()
            .unwrap()
            .unwrap();
        assert_eq!(t.to_string(), "2021-05-27 08:49:00");
        assert_eq!(parse(r#""0000-00-00 00:00:00""#).to_date_time(), Ok(None));
        assert_eq!(parse(r#""""#).to_date_time(), Ok(None));
        assert_eq!(parse("null").to_date_time(), Ok(None));
        for bad in [
            r#""2021-02-30 08:00:00""#,
            r#""2021-05-27 24:00:00""#,
            r#""27/05/2021""#,
            "20210527",
        ] {
            assert!(parse(bad).to_date_time().is_err(), "{bad}");
        }
        assert_eq!(
            parse(r#""1997-02-20""#).to_date(),
            Ok(NaiveDate::from_ymd_opt(1997, 2, 20))
        );
        assert_eq!(parse(r#""0000-00-00""#).to_date(), Ok(None));
        assert!(parse(r#""1997-13-01""#).to_date().is_err());
    }

    #[test]
    fn text_absent_forms_and_numbers_as_text() {
        assert_eq!(parse(r#""""#).to_text(), Ok(None));
        assert_eq!(parse("12345").to_text().unwrap().as_deref(), Some("12345"));
        assert_eq!(
            parse(r#""Elon Musk""#).to_text().unwrap().as_deref(),
            Some("Elon Musk")
        );
        assert!(parse(r#"{"a":1}"#).to_text().is_err());
    }

    #[test]
    fn flags() {
        assert_eq!(parse("0").to_flag(), Ok(Some(false)));
        assert_eq!(parse("1").to_flag(), Ok(Some(true)));
        assert_eq!(parse(r#""1""#).to_flag(), Ok(Some(true)));
        assert_eq!(parse(r#""YES""#).to_flag(), Ok(Some(true)));
        assert_eq!(parse(r#""""#).to_flag(), Ok(None));
    }
}
