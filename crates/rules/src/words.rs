//! How payrun words what it computed: hours, rates, money and times as
//! text, for explanations, exceptions and the terminal. One place, so
//! that every output says a figure the same way.

use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::time::to_wall;

/// Seconds as hours: `8`, `8.5`, `7.25`; to the second as `h:mm:ss` when
/// not a whole number of hundredths of an hour.
pub fn hours(seconds: i64) -> String {
    if seconds % 36 == 0 {
        (Decimal::from(seconds) / Decimal::from(3600))
            .normalize()
            .to_string()
    } else {
        let sign = if seconds < 0 { "-" } else { "" };
        let s = seconds.abs();
        format!("{sign}{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// A rate per hour to at most four decimals, at least two: `25.00`, `41.7341`.
pub fn rate_text(rate: Decimal) -> String {
    let mut r = rate.round_dp(4).normalize();
    if r.scale() < 2 {
        r.rescale(2);
    }
    r.to_string()
}

/// Money to the cent: `1275.00`.
pub fn money_text(amount: Decimal) -> String {
    let mut m = amount.round_dp(2);
    m.rescale(2);
    m.to_string()
}

/// An instant as local wall time: `Fri 05-17 14:12` (seconds when not zero).
pub fn local(tz: Tz, instant: i64) -> String {
    short(to_wall(tz, instant))
}

/// A wall time as `Fri 05-17 14:12` (seconds when not zero).
pub fn short(wall: NaiveDateTime) -> String {
    if wall.and_utc().timestamp() % 60 == 0 {
        wall.format("%a %m-%d %H:%M").to_string()
    } else {
        wall.format("%a %m-%d %H:%M:%S").to_string()
    }
}

/// Wall-clock milliseconds as a time card writes them: `2024-05-17
/// 15:00:00` (the `in_date_time` and `out_date_time` of an exception).
pub fn card_time(millis: i64) -> Option<String> {
    DateTime::from_timestamp_millis(millis)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
}
