//! From wall-clock punches to instants, and from instants to workdays.
//!
//! Punch times are wall-clock times in a zone (the user's, or one fixed zone).
//! Turning one into an instant is ambiguous twice a year, and payrun names
//! how it decides (design §3):
//!
//! * **Nonexistent** local times (the spring-forward gap) are read with the
//!   offset in force before the gap, which lands on the *later* wall time:
//!   02:30 on a night when clocks jump from 02:00 to 03:00 is 03:30.
//! * **Ambiguous** local times (the fall-back hour) take the *earlier*
//!   instant; if that puts a punch's out before its in, the out time takes
//!   its later instant instead.
//!
//! Hours worked are the real elapsed seconds between the two instants, so a
//! 22:00→06:00 shift is 9 h across the November change and 7 h across the
//! March change (in the US).

use chrono::{
    Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike,
};
use chrono_tz::Tz;

use crate::config::{RoundingMode, RoundingRule};

/// How a wall time had to be interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disambiguation {
    /// The wall time exists once.
    Unique,
    /// The wall time fell in a gap and was moved later by the gap's length.
    Gap,
    /// The wall time occurs twice; the earlier instant was taken.
    AmbiguousEarlier,
    /// The wall time occurs twice; the later instant was taken.
    AmbiguousLater,
}

/// A cache of whole days on which a zone's UTC offset does not change, so
/// that converting a punch is an addition instead of a search of the
/// zone's transitions. Most days have one offset; the few with a change
/// (and anything the cache does not hold) take the exact path through
/// `chrono-tz`. Each thread keeps its own: the rules run in parallel.
mod offsets {
    use std::cell::RefCell;

    use chrono::{LocalResult, NaiveDate, Offset, TimeZone};
    use chrono_tz::Tz;

    /// Which kind of day a cache entry describes.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Kind {
        /// A local calendar day.
        Local,
        /// A UTC calendar day.
        Utc,
    }

    #[derive(Clone, Copy)]
    struct Entry {
        tz: Tz,
        kind: Kind,
        day: i32,
        /// The offset in force all day, or `None` when it changes that day.
        offset: Option<i32>,
    }

    const SLOTS: usize = 512;

    thread_local! {
        static CACHE: RefCell<Vec<Option<Entry>>> = RefCell::new(vec![None; SLOTS]);
    }

    fn lookup(tz: Tz, kind: Kind, day: i32, compute: impl FnOnce() -> Option<i32>) -> Option<i32> {
        let slot = (day as usize)
            .wrapping_mul(31)
            .wrapping_add(tz as usize * 7 + kind as usize)
            % SLOTS;
        CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            match cache[slot] {
                Some(e) if e.tz == tz && e.kind == kind && e.day == day => e.offset,
                _ => {
                    let offset = compute();
                    cache[slot] = Some(Entry {
                        tz,
                        kind,
                        day,
                        offset,
                    });
                    offset
                }
            }
        })
    }

    /// The offset (local minus UTC, seconds) of every wall time on local
    /// `date` (`day` days from the common era: the cache's key, which the
    /// caller has), if the zone's offset is the same all that day.
    pub fn of_local_day(tz: Tz, day: i32, date: NaiveDate) -> Option<i32> {
        lookup(tz, Kind::Local, day, || {
            let at = |h, m, s| match tz.from_local_datetime(&date.and_hms_opt(h, m, s)?) {
                LocalResult::Single(t) => Some(t.offset().fix().local_minus_utc()),
                _ => None,
            };
            // Zones change offset at most once in a day, so equal offsets
            // at both ends mean none in between.
            let first = at(0, 0, 0)?;
            (at(12, 0, 0)? == first && at(23, 59, 59)? == first).then_some(first)
        })
    }

    /// The offset of every instant of the UTC day `day` days from the
    /// common era, if the same all day (the date is only built on a miss).
    pub fn of_utc_day(tz: Tz, day: i32) -> Option<i32> {
        lookup(tz, Kind::Utc, day, || {
            let date = NaiveDate::from_num_days_from_ce_opt(day)?;
            let at = |h, m, s| {
                let utc = date.and_hms_opt(h, m, s)?;
                Some(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc())
            };
            let first = at(0, 0, 0)?;
            (at(12, 0, 0)? == first && at(23, 59, 59)? == first).then_some(first)
        })
    }
}

/// Days from the common era (0001-01-01 is day 1) to 1970-01-01.
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

/// Seconds since the Unix epoch of `wall` in `tz`, choosing the earlier
/// instant of an ambiguous time unless `later` is set.
pub fn to_instant(tz: Tz, wall: NaiveDateTime, later: bool) -> (i64, Disambiguation) {
    let date = wall.date();
    let day = chrono::Datelike::num_days_from_ce(&date);
    if let Some(offset) = offsets::of_local_day(tz, day, date) {
        // `wall.and_utc().timestamp()`, from the day number already at hand.
        let seconds = i64::from(day - UNIX_EPOCH_FROM_CE) * 86_400
            + i64::from(wall.time().num_seconds_from_midnight());
        return (seconds - i64::from(offset), Disambiguation::Unique);
    }
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(t) => (t.timestamp(), Disambiguation::Unique),
        LocalResult::Ambiguous(early, late) => {
            if later {
                (late.timestamp(), Disambiguation::AmbiguousLater)
            } else {
                (early.timestamp(), Disambiguation::AmbiguousEarlier)
            }
        }
        LocalResult::None => {
            // The offset in force before the gap: probe back an hour at a time.
            let offset = (1..=48)
                .find_map(
                    |h| match tz.from_local_datetime(&(wall - Duration::hours(h))) {
                        LocalResult::Single(t) | LocalResult::Ambiguous(_, t) => {
                            Some(t.offset().fix().local_minus_utc())
                        }
                        LocalResult::None => None,
                    },
                )
                .unwrap_or(0);
            (
                wall.and_utc().timestamp() - i64::from(offset),
                Disambiguation::Gap,
            )
        }
    }
}

/// A punch's in and out instants per the rules above, and whether either
/// needed disambiguation (for a `dst_adjusted` note).
pub fn punch_instants(tz: Tz, in_wall: NaiveDateTime, out_wall: NaiveDateTime) -> (i64, i64, bool) {
    let (start, in_how) = to_instant(tz, in_wall, false);
    let (mut end, mut out_how) = to_instant(tz, out_wall, false);
    if end < start && out_how == Disambiguation::AmbiguousEarlier {
        (end, out_how) = to_instant(tz, out_wall, true);
    }
    let adjusted = in_how != Disambiguation::Unique || out_how != Disambiguation::Unique;
    (start, end, adjusted)
}

/// The wall-clock time of an instant in `tz`.
pub fn to_wall(tz: Tz, instant: i64) -> NaiveDateTime {
    // The offset of the instant's UTC day, then one conversion of the
    // wall time's seconds (not the instant's, then the offset added).
    if let Ok(day) = i32::try_from(instant.div_euclid(86_400) + i64::from(UNIX_EPOCH_FROM_CE))
        && let Some(offset) = offsets::of_utc_day(tz, day)
        && let Some(wall) = chrono::DateTime::from_timestamp(instant + i64::from(offset), 0)
    {
        return wall.naive_utc();
    }
    match tz.timestamp_opt(instant, 0) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.naive_local(),
        LocalResult::None => chrono::DateTime::from_timestamp(instant, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default(),
    }
}

/// Rounds a wall time to a multiple of `rule.minutes` counted from local midnight.
/// `nearest` rounds an exact half up.
pub fn round_wall(wall: NaiveDateTime, rule: RoundingRule) -> NaiveDateTime {
    let step = i64::from(rule.minutes.max(1)) * 60;
    let since_midnight = i64::from(wall.time().num_seconds_from_midnight());
    let rem = since_midnight % step;
    if rem == 0 {
        return wall;
    }
    let down = wall - Duration::seconds(rem);
    let up = down + Duration::seconds(step);
    match rule.mode {
        RoundingMode::Down => down,
        RoundingMode::Up => up,
        RoundingMode::Nearest if rem * 2 >= step => up,
        RoundingMode::Nearest => down,
    }
}

/// Workday boundaries for one zone: the workday of an instant, and the
/// instant a workday starts.
#[derive(Debug, Clone, Copy)]
pub struct Workdays {
    /// The zone of the wall clock.
    pub tz: Tz,
    /// Local time each workday starts.
    pub start: NaiveTime,
}

impl Workdays {
    /// The workday (named by its first date) containing `instant`.
    pub fn of_instant(&self, instant: i64) -> NaiveDate {
        self.of_wall(to_wall(self.tz, instant))
    }

    /// The workday containing a wall-clock time (PTO and adjustments are dated this way).
    pub fn of_wall(&self, wall: NaiveDateTime) -> NaiveDate {
        if self.start == NaiveTime::MIN {
            // Workdays are calendar days (the usual case): no arithmetic.
            return wall.date();
        }
        (wall - Duration::seconds(i64::from(self.start.num_seconds_from_midnight()))).date()
    }

    /// The instant workday `day` starts.
    pub fn start_of(&self, day: NaiveDate) -> i64 {
        to_instant(self.tz, day.and_time(self.start), false).0
    }

    /// Splits `[start, end)` at workday boundaries into `(workday, start, seconds)` pieces.
    pub fn split(&self, start: i64, end: i64, mut emit: impl FnMut(NaiveDate, i64, i64)) {
        let mut day = self.of_instant(start);
        let mut cursor = start;
        while cursor < end {
            let next_day = day.succ_opt().unwrap_or(day);
            let boundary = self.start_of(next_day);
            if boundary <= cursor {
                // A boundary inside a DST gap can fall at or before the cursor; move on.
                if next_day == day {
                    break;
                }
                day = next_day;
                continue;
            }
            let piece_end = boundary.min(end);
            emit(day, cursor, piece_end - cursor);
            cursor = piece_end;
            day = next_day;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn hours(tz: Tz, a: &str, b: &str) -> f64 {
        let (s, e, _) = punch_instants(tz, wall(a), wall(b));
        (e - s) as f64 / 3600.0
    }

    #[test]
    fn overnight_shifts_across_both_us_changes() {
        let la = Tz::America__Los_Angeles;
        assert_eq!(hours(la, "2024-11-02 22:00:00", "2024-11-03 06:00:00"), 9.0);
        assert_eq!(hours(la, "2024-03-09 22:00:00", "2024-03-10 06:00:00"), 7.0);
        assert_eq!(hours(la, "2024-07-09 22:00:00", "2024-07-10 06:00:00"), 8.0);
    }

    #[test]
    fn overnight_shifts_across_both_sydney_changes() {
        let syd = Tz::Australia__Sydney;
        // Clocks go back at 03:00 on 2024-04-07 and forward at 02:00 on 2024-10-06.
        assert_eq!(
            hours(syd, "2024-04-06 22:00:00", "2024-04-07 06:00:00"),
            9.0
        );
        assert_eq!(
            hours(syd, "2024-10-05 22:00:00", "2024-10-06 06:00:00"),
            7.0
        );
    }

    #[test]
    fn gaps_move_later_and_ambiguities_take_the_earlier_instant() {
        let la = Tz::America__Los_Angeles;
        let (gap, how) = to_instant(la, wall("2024-03-10 02:30:00"), false);
        assert_eq!(how, Disambiguation::Gap);
        assert_eq!(to_wall(la, gap), wall("2024-03-10 03:30:00"));
        let (early, how) = to_instant(la, wall("2024-11-03 01:30:00"), false);
        assert_eq!(how, Disambiguation::AmbiguousEarlier);
        let (late, _) = to_instant(la, wall("2024-11-03 01:30:00"), true);
        assert_eq!(late - early, 3600);
        // In at 01:50 (first pass), out at 01:10 (second pass): 20 minutes, not -40.
        let (s, e, adjusted) =
            punch_instants(la, wall("2024-11-03 01:50:00"), wall("2024-11-03 01:10:00"));
        assert_eq!(e - s, 20 * 60);
        assert!(adjusted);
    }

    #[test]
    fn the_day_cache_agrees_with_the_zone_database() {
        // Every quarter hour of two years, in zones with and without DST,
        // both hemispheres, and a half-hour zone: the cached path and the
        // exact path give the same instants and wall times.
        let zones = [
            Tz::America__Los_Angeles,
            Tz::America__New_York,
            Tz::America__Phoenix,
            Tz::Australia__Sydney,
            Tz::Australia__Lord_Howe,
            Tz::Europe__London,
            Tz::UTC,
        ];
        let start = wall("2024-01-01 00:00:00");
        for tz in zones {
            for step in 0..(2 * 366 * 96) {
                let w = start + Duration::minutes(15 * step) + Duration::seconds(step % 60);
                let exact = match tz.from_local_datetime(&w) {
                    LocalResult::Single(t) => Some(t.timestamp()),
                    _ => None,
                };
                let (cached, how) = to_instant(tz, w, false);
                if let Some(exact) = exact {
                    assert_eq!((cached, how), (exact, Disambiguation::Unique), "{tz} {w}");
                    let back = tz.timestamp_opt(exact, 0).unwrap().naive_local();
                    assert_eq!(to_wall(tz, exact), back, "{tz} {exact}");
                } else {
                    assert_ne!(how, Disambiguation::Unique, "{tz} {w}");
                }
            }
        }
    }

    #[test]
    fn rounding_modes() {
        let rule = |mode, minutes| RoundingRule { mode, minutes };
        let t = wall("2024-05-01 08:07:30");
        assert_eq!(
            round_wall(wall("2024-05-01 08:07:29"), rule(RoundingMode::Nearest, 15)),
            wall("2024-05-01 08:00:00")
        );
        assert_eq!(
            round_wall(t, rule(RoundingMode::Nearest, 15)),
            wall("2024-05-01 08:15:00"),
            "half way rounds up"
        );
        assert_eq!(
            round_wall(t, rule(RoundingMode::Up, 15)),
            wall("2024-05-01 08:15:00")
        );
        assert_eq!(
            round_wall(t, rule(RoundingMode::Down, 15)),
            wall("2024-05-01 08:00:00")
        );
        assert_eq!(
            round_wall(wall("2024-05-01 23:55:00"), rule(RoundingMode::Up, 15)),
            wall("2024-05-02 00:00:00")
        );
        assert_eq!(
            round_wall(wall("2024-05-01 08:15:00"), rule(RoundingMode::Up, 15)),
            wall("2024-05-01 08:15:00")
        );
    }

    #[test]
    fn splitting_at_workday_boundaries() {
        let w = Workdays {
            tz: Tz::America__Los_Angeles,
            start: NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
        };
        let (s, e, _) = punch_instants(
            w.tz,
            wall("2024-03-09 22:00:00"),
            wall("2024-03-10 06:00:00"),
        );
        let mut pieces = Vec::new();
        w.split(s, e, |day, _, secs| pieces.push((day.to_string(), secs)));
        assert_eq!(
            pieces,
            vec![
                ("2024-03-09".into(), 2 * 3600),
                ("2024-03-10".into(), 5 * 3600)
            ]
        );
        let six = Workdays {
            start: NaiveTime::from_hms_opt(6, 0, 0).unwrap(),
            ..w
        };
        let mut pieces = Vec::new();
        six.split(s, e, |day, _, secs| pieces.push((day.to_string(), secs)));
        assert_eq!(
            pieces,
            vec![("2024-03-09".into(), 7 * 3600)],
            "a 06:00 workday holds the whole night"
        );
        assert_eq!(
            six.of_wall(wall("2024-03-10 05:59:59")).to_string(),
            "2024-03-09"
        );
    }
}
