//! Consecutive hours: worked seconds of a run of work past
//! `consecutive_ot_after` hours of that run are overtime, whatever
//! workdays they fall in (design §5d).
//!
//! A run is a user's job entries in time order (after rounding, auto
//! lunch and overlaps: the pieces allocation sees) in which each gap from
//! one entry's end to the next one's start is at most
//! `consecutive_break_minutes` (60). The gap is not worked and not
//! counted, and does not end the run. A second is overtime once: one the
//! day's rules already made overtime or double time is not made anything
//! else, and step 4's window counts only what is still regular. A run is
//! seen whole: its seconds before the period or the workweek count toward
//! the threshold (the input reaches back two days before the first
//! workweek).
//!
//! Why: Colorado's COMPS Order (#38 and the orders after it), Rule
//! 4.1.1, as the Division of Labor Standards and Statistics states it on
//! its Overtime page (cdle.colorado.gov): overtime is time worked over 12
//! consecutive hours, "without regard to the starting and ending
//! time of the workday (excluding duty free meal periods)"; a day of 12 h
//! counted midnight to midnight misses a shift that crosses midnight.
//!
//! Example: 14:00 Monday to 03:00 Tuesday, workdays at midnight,
//! `consecutive_ot_after = 12`, $20 an hour. Monday's 10 h and Tuesday's
//! 3 h are each under 12 h a day, but the run is 13 h: 12 h regular, 1 h
//! overtime, 12 × 20 + 1 × 30 = **$270.00**.

use chrono_tz::Tz;

use super::Piece;
use crate::config::OvertimeRule;
use crate::words::{hours, local};

/// The rule: its threshold and the longest gap inside a run, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consecutive {
    after: i64,
    longest_gap: i64,
}

/// Where a piece stands in its run: when the run began, and the seconds
/// worked in it before the piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InRun {
    /// The run's first instant (seconds since the epoch).
    pub began: i64,
    /// Seconds of the run worked before the piece.
    pub before: i64,
    /// The rule's threshold, in seconds.
    pub after: i64,
}

impl InRun {
    /// How many of the piece's last seconds are past the threshold.
    pub fn past(&self, seconds: i64) -> i64 {
        (self.before + seconds - self.after).clamp(0, seconds)
    }
}

impl Consecutive {
    /// The rule; `None` when it has no `consecutive_ot_after`.
    pub fn from_rule(rule: &OvertimeRule) -> Option<Consecutive> {
        rule.consecutive_ot_after.map(|h| Consecutive {
            after: h.seconds,
            longest_gap: i64::from(rule.consecutive_break_minutes) * 60,
        })
    }

    /// The runs of `pieces` (one user's, in time order): each piece's
    /// place in its run.
    pub fn runs(&self, pieces: &[Piece]) -> Vec<InRun> {
        let mut out = Vec::with_capacity(pieces.len());
        let mut run: Option<(i64, i64, i64)> = None; // (began, worked, last end)
        for piece in pieces {
            let (began, before) = match run {
                Some((began, worked, end)) if piece.start - end <= self.longest_gap => {
                    (began, worked)
                }
                _ => (piece.start, 0),
            };
            out.push(InRun {
                began,
                before,
                after: self.after,
            });
            let end = piece.start + piece.seconds;
            let last_end = run.map_or(end, |(_, _, e)| e.max(end));
            run = Some((began, before + piece.seconds, last_end.max(end)));
        }
        out
    }
}

/// The rule in words.
pub fn describe(rule: &OvertimeRule) -> Vec<String> {
    let Some(after) = rule.consecutive_ot_after else {
        return Vec::new();
    };
    vec![format!(
        "consecutive: hours past {after} of a run of work are overtime ({}×), whatever \
         workdays they fall in; a gap of at most {} min does not end a run",
        rule.ot_multiplier, rule.consecutive_break_minutes
    )]
}

/// Why seconds are overtime: the run passed its threshold.
pub fn reason(run: &InRun, tz: Tz) -> String {
    format!(
        "consecutive: past {} h of a run that began {}",
        hours(run.after),
        local(tz, run.began)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn piece(start_hour: i64, hours: i64) -> Piece {
        Piece {
            workday: NaiveDate::from_ymd_opt(2024, 5, 13).unwrap(),
            start: start_hour * 3600,
            seconds: hours * 3600,
        }
    }

    /// Gaps of exactly the break keep the run; a minute more ends it; the
    /// gap is not counted.
    #[test]
    fn a_gap_up_to_the_break_keeps_the_run_and_is_not_counted() {
        let rule: OvertimeRule = toml::from_str("consecutive_ot_after = 12").unwrap();
        let c = Consecutive::from_rule(&rule).unwrap();
        // 6 h, a 60-minute gap, 6 h, a 61-minute gap, 2 h.
        let pieces = [
            piece(0, 6),
            piece(7, 6),
            Piece {
                start: 13 * 3600 + 61 * 60,
                ..piece(0, 2)
            },
        ];
        let runs = c.runs(&pieces);
        assert_eq!(runs[1].began, 0);
        assert_eq!(runs[1].before, 6 * 3600, "the gap is not counted");
        assert_eq!(runs[1].past(6 * 3600), 0, "exactly 12 h: none past");
        assert_eq!(runs[2].began, 13 * 3600 + 61 * 60, "a new run");
        assert_eq!(runs[2].before, 0);
        assert!(Consecutive::from_rule(&OvertimeRule::default()).is_none());
    }
}
