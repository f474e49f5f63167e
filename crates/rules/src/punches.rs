//! From one user's time cards to worked pieces, PTO, adjustments and
//! bonuses, raising the record-level exceptions of design §6 on the way.
//!
//! Order per record: duplicates are dropped first (`duplicate_record`: every
//! field that carries meaning is equal, names and notes included), then
//! the entry type decides what the record is. A job entry is rounded
//! (`[rounding]`) on its wall times, turned into instants in the user's zone
//! (`dst_adjusted` when a wall time was missing or doubled), checked
//! (`open_punch`, `non_positive_duration`), shortened by `[auto_lunch]`, and
//! flagged when long (`long_shift`). Overlapping shifts are cut so the
//! overlap counts once (`overlapping_shift`); cutting never moves a second
//! to another workday. Then shifts are split into workday pieces.
//!
//! It is long because each entry type's checks are here with their
//! exceptions (`prepare` dispatches to one function per type); the tests
//! are last.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use payrun_ingest::{Exception, ExceptionKind, NameId, Severity, TimeCard, User, UserId};
use rust_decimal::Decimal;

use crate::allocate::{Counted, Piece};
use crate::calendar::PayPeriod;
use crate::config::{LongShift, RulesConfig, Unapproved};
use crate::exceptions::Raised;
use crate::time::{Workdays, punch_instants, round_wall, to_instant};

/// The most hours one PTO or adjustment record may carry (a week); more is
/// a typing error no administrator would sign, held from pay.
const MAX_ENTRY_HOURS: i64 = 168;
/// The most money one adjustment record may carry; more is held from pay.
const MAX_ENTRY_AMOUNT: i64 = 100_000;

/// The identity of one time card, for its exceptions.
struct Record<'a> {
    id: UserId,
    user: &'a User,
    in_ms: Option<i64>,
    out_ms: Option<i64>,
    workday: Option<NaiveDate>,
}

impl Record<'_> {
    fn raise(&self, severity: Severity, kind: ExceptionKind, message: String) -> Raised {
        Raised {
            exception: Exception {
                severity,
                kind,
                user_name: self.user.user_name.clone(),
                user_full_name: self.user.full_name.clone(),
                in_date_time: self.in_ms.and_then(crate::words::card_time),
                out_date_time: self.out_ms.and_then(crate::words::card_time),
                message,
                employee_number: self.user.employee_number.clone(),
            },
            user: Some(self.id),
            workday: self.workday,
        }
    }
}

/// PTO or an adjustment, dated by the workday of its `inDateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dated {
    pub workday: NaiveDate,
    pub at: i64,
    pub value: Decimal,
}

/// What a worked piece was worked as: its time card's job and shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct WorkedAs {
    pub job: Option<NameId>,
    pub shift: Option<NameId>,
}

/// Everything one user has in the input.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserEntries {
    /// Worked pieces in time order, each within one workday.
    pub pieces: Vec<Piece>,
    /// The job and shift of each piece.
    pub worked_as: Vec<WorkedAs>,
    /// PTO hours.
    pub pto: Vec<Dated>,
    /// Adjustment hours (signed).
    pub adjustment_hours: Vec<Dated>,
    /// Adjustment money (signed), bonuses excepted.
    pub adjustment_amounts: Vec<Dated>,
    /// Bonuses (`[regular_rate] bonuses`).
    pub bonuses: Vec<Dated>,
    /// Flat-sum bonuses (`[regular_rate] flat_sum_bonuses`), apart until
    /// the user's rule says how they enter overtime.
    pub flat_sums: Vec<Dated>,
    /// Workdays of records held from pay (long shifts, punches later than
    /// the input was read, values beyond sane limits), each with an error.
    pub held: Vec<NaiveDate>,
    /// The job entries that were paid, in time order, and the pieces of each.
    pub shifts: Vec<Shift>,
    /// Job entries without the approval `[approvals] require`s: the workday
    /// of each and its seconds (paid or held as `approvals.unapproved` says).
    pub unapproved: Vec<(NaiveDate, i64)>,
}

impl UserEntries {
    /// PTO as seconds for step 4, when PTO counts toward overtime.
    pub fn counted_pto(&self) -> Vec<Counted> {
        let mut counted: Vec<Counted> = self
            .pto
            .iter()
            .map(|p| Counted {
                workday: p.workday,
                at: p.at,
                seconds: i64::try_from((p.value * Decimal::from(3600)).round()).unwrap_or(0),
            })
            .collect();
        counted.sort_by_key(|c| c.at);
        counted
    }

    /// Whether anything of the user's falls on a workday `in_period` accepts.
    pub fn has_activity(&self, in_period: impl Fn(NaiveDate) -> bool) -> bool {
        self.pieces
            .iter()
            .any(|p| p.seconds > 0 && in_period(p.workday))
            || [
                &self.pto,
                &self.adjustment_hours,
                &self.adjustment_amounts,
                &self.bonuses,
                &self.flat_sums,
            ]
            .iter()
            .any(|dated| dated.iter().any(|d| in_period(d.workday)))
    }

    /// The entries with the flat-sum bonuses made bonuses (a rule that
    /// prices them as any bonus).
    pub fn flat_sums_as_bonuses(&self) -> UserEntries {
        let mut entries = self.clone();
        entries.bonuses.append(&mut entries.flat_sums);
        entries.bonuses.sort_by_key(|b| b.at);
        entries
    }

    /// The earliest workday with anything on it.
    pub fn first_workday(&self) -> Option<NaiveDate> {
        let pieces = self.pieces.iter().map(|p| p.workday);
        let dated = [
            &self.pto,
            &self.adjustment_hours,
            &self.adjustment_amounts,
            &self.bonuses,
            &self.flat_sums,
        ]
        .into_iter()
        .flat_map(|d| d.iter().map(|d| d.workday));
        pieces.chain(dated).min()
    }
}

/// One job entry as it was counted: what `payrun explain` shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shift {
    /// Its card (an index into the user's cards).
    pub card: usize,
    /// The wall times after `[rounding]`.
    pub rounded: (NaiveDateTime, NaiveDateTime),
    /// Whether a wall time fell in a daylight-saving change.
    pub dst_adjusted: bool,
    /// Seconds `[auto_lunch]` deducted.
    pub lunch: i64,
    /// Its first instant.
    pub start: i64,
    /// Its last instant, after the lunch deduction.
    pub end: i64,
    /// Where counting starts: later than `start` when an earlier shift overlaps it.
    pub counted_from: i64,
    /// Its pieces in [`UserEntries::pieces`].
    pub pieces: std::ops::Range<usize>,
}

fn millis_to_wall(ms: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc())
}

/// A job entry's actual instants, as punched (no rounding, no lunch
/// deducted), when it has both and the out is after the in.
pub(crate) fn actual_instants(card: &TimeCard, tz: chrono_tz::Tz) -> Option<(i64, i64)> {
    let in_wall = millis_to_wall(card.in_ms()?)?;
    let out_wall = millis_to_wall(card.out_ms()?)?;
    let (start, end, _) = punch_instants(tz, in_wall, out_wall);
    (end > start).then_some((start, end))
}

/// [`millis_to_wall`] for one user's cards, which come in time order with
/// most in and out times on the same day or the next: the date of the last
/// day seen is kept, so a date is worked out from its day number only when
/// the day changes (and then by one step when it is the next day).
#[derive(Default)]
struct Walls {
    /// The last day (since 1970-01-01) converted, and its date.
    last: Option<(i64, NaiveDate)>,
}

impl Walls {
    fn wall(&mut self, ms: i64) -> Option<NaiveDateTime> {
        const MS_PER_DAY: i64 = 86_400_000;
        let (day, ms_of_day) = (ms.div_euclid(MS_PER_DAY), ms.rem_euclid(MS_PER_DAY));
        let date = match self.last {
            Some((last, date)) if last == day => date,
            Some((last, date)) if last + 1 == day => match date.succ_opt() {
                Some(next) => next,
                None => return millis_to_wall(ms),
            },
            _ => millis_to_wall(ms)?.date(),
        };
        self.last = Some((day, date));
        let (seconds, millis) = (ms_of_day / 1000, ms_of_day % 1000);
        let time = NaiveTime::from_num_seconds_from_midnight_opt(
            seconds as u32,
            (millis * 1_000_000) as u32,
        )?;
        Some(date.and_time(time))
    }
}

/// What reading every user's time cards shares.
pub(crate) struct Reading<'a> {
    pub config: &'a RulesConfig,
    /// `is_bonus[name]`: an `adjustTypeName` listed as a bonus.
    pub is_bonus: &'a [bool],
    /// `is_flat_sum[name]`: an `adjustTypeName` listed as a flat-sum bonus.
    pub is_flat_sum: &'a [bool],
    /// When the input was read (seconds since the epoch): later punches are held.
    pub now: i64,
    /// The period computed (only its job entries need approval).
    pub period: &'a PayPeriod,
}

/// Builds one user's entries from their time cards (sorted by `inDateTime`):
/// each card read by its entry type ([`job_entry`], [`hours_entry`]), then
/// the job entries' overlaps cut and their time split into workdays
/// ([`cut_into_pieces`]). What is left long is the duplicate check and
/// the dispatch, which share the card's record.
pub(crate) fn prepare(
    id: UserId,
    user: &User,
    cards: &[TimeCard],
    zone: Workdays,
    reading: &Reading,
    raised: &mut Vec<Raised>,
) -> UserEntries {
    // Most cards are job entries of one piece: room for them all at once.
    let mut entries = UserEntries {
        pieces: Vec::with_capacity(cards.len() + cards.len() / 8),
        worked_as: Vec::with_capacity(cards.len() + cards.len() / 8),
        ..UserEntries::default()
    };
    let mut shifts: Vec<Shift> = Vec::with_capacity(cards.len());
    let mut group_start = 0;

    let mut walls = Walls::default();
    for (i, card) in cards.iter().enumerate() {
        if i == 0 || cards[i - 1].in_ms() != card.in_ms() {
            group_start = i;
        }
        let in_wall = card.in_ms().and_then(|ms| walls.wall(ms));
        let record = Record {
            id,
            user,
            in_ms: card.in_ms(),
            out_ms: card.out_ms(),
            workday: in_wall.map(|w| zone.of_wall(w)),
        };
        let mut raise =
            |severity, kind, message: String| raised.push(record.raise(severity, kind, message));
        // Duplicates share their inDateTime, so only that run of cards is compared.
        if cards[group_start..i].iter().any(|c| c.same_record(card)) {
            raise(
                Severity::Warning,
                crate::kinds::DUPLICATE_RECORD,
                "the same time card appears twice; it is counted once".into(),
            );
            continue;
        }
        let Some(in_wall) = in_wall else {
            raise(
                Severity::Error,
                crate::kinds::INVALID_VALUE,
                "time card has no usable inDateTime; excluded from pay".into(),
            );
            continue;
        };
        let at = CardAt {
            card,
            index: i,
            in_wall,
            workday: record.workday,
        };
        match card.entry_type() {
            Some(0) => {
                let out_wall = card.out_ms().and_then(|ms| walls.wall(ms));
                shifts.extend(job_entry(
                    &at,
                    out_wall,
                    zone,
                    reading,
                    &mut entries,
                    &mut raise,
                ));
            }
            Some(kind @ (1..=3)) => hours_entry(&at, kind, zone, reading, &mut entries, &mut raise),
            other => raise(
                Severity::Error,
                crate::kinds::UNKNOWN_ENTRY_TYPE,
                match other {
                    Some(t) => format!(
                        "entryType {t} is not 0 (job), 1 (PTO), 2 or 3 (adjustment); excluded from pay"
                    ),
                    None => "time card has no entryType; excluded from pay".into(),
                },
            ),
        }
    }
    cut_into_pieces(
        id,
        user,
        cards,
        zone,
        reading.config,
        &mut shifts,
        &mut entries,
        raised,
    );
    entries.shifts = shifts;
    entries
}

/// A time card being read: the card, its place among the user's cards, its
/// in time as wall clock and its workday.
struct CardAt<'c> {
    card: &'c TimeCard,
    index: usize,
    in_wall: NaiveDateTime,
    workday: Option<NaiveDate>,
}

/// A job entry (entryType 0) as a shift, or `None` when it is excluded or
/// held from pay (an open punch, an out not after the in, a punch later
/// than the run, a shift too long or unapproved and held; each raised
/// with why): rounding and auto lunch applied, its instants in the user's
/// zone. Long because it is the checks of a job entry in the order they
/// apply, each with its own exception; apart, each would take the same
/// half-dozen values.
fn job_entry(
    at: &CardAt,
    out_wall: Option<NaiveDateTime>,
    zone: Workdays,
    reading: &Reading,
    entries: &mut UserEntries,
    raise: &mut impl FnMut(Severity, ExceptionKind, String),
) -> Option<Shift> {
    let Reading {
        config,
        now,
        period,
        ..
    } = *reading;
    let CardAt {
        card,
        index: i,
        in_wall,
        workday,
    } = *at;
    let max_shift = config.punches.max_shift_hours.seconds;
    let Some(out_wall) = out_wall else {
        raise(
            Severity::Error,
            crate::kinds::OPEN_PUNCH,
            "job entry has no out time (open punch); excluded from pay".into(),
        );
        return None;
    };
    let rounding = config.rounding.as_ref();
    let in_wall = rounding
        .and_then(|r| r.clock_in)
        .map_or(in_wall, |r| round_wall(in_wall, r));
    let out_wall = rounding
        .and_then(|r| r.clock_out)
        .map_or(out_wall, |r| round_wall(out_wall, r));
    let (start, mut end, adjusted) = punch_instants(zone.tz, in_wall, out_wall);
    if adjusted {
        raise(
            Severity::Info,
            crate::kinds::DST_ADJUSTED,
            format!(
                "a punch time falls in a daylight-saving change in {}; read as the real elapsed time ({} h)",
                zone.tz.name(),
                Decimal::from(end - start) / Decimal::from(3600)
            ),
        );
    }
    if end <= start {
        raise(
            Severity::Error,
            crate::kinds::NON_POSITIVE_DURATION,
            format!(
                "out time is not after in time ({} s); excluded from pay",
                end - start
            ),
        );
        return None;
    }
    let clocked_end = end;
    if let Some(lunch) = &config.auto_lunch
        && end - start >= lunch.after_hours.seconds
    {
        end -= i64::from(lunch.deduct_minutes) * 60;
        end = end.max(start);
    }
    if end > now {
        raise(
            Severity::Error,
            crate::kinds::INVALID_VALUE,
            format!(
                "the punch ends after this payroll was computed ({}); held from pay",
                crate::time::to_wall(chrono_tz::UTC, now).format("%Y-%m-%d %H:%M:%S UTC")
            ),
        );
        entries.held.extend(workday);
        return None;
    }
    if end - start > max_shift {
        let hours = (Decimal::from(end - start) / Decimal::from(3600)).round_dp(2);
        let limit = config.punches.max_shift_hours;
        let hold = config.punches.long_shift == LongShift::Hold;
        let (severity, outcome) = if hold {
            (
                Severity::Error,
                "held from pay (punches.long_shift = \"pay\" pays it)",
            )
        } else {
            (
                Severity::Warning,
                "paid as clocked (punches.long_shift = \"pay\")",
            )
        };
        raise(
            severity,
            crate::kinds::LONG_SHIFT,
            format!(
                "shift of {hours} h is longer than punches.max_shift_hours ({limit}); {outcome}"
            ),
        );
        if hold {
            entries.held.extend(workday);
            return None;
        }
    }
    // Days outside the period were, or will be, paid in their own.
    if let Some(missing) = config
        .approvals
        .require
        .missing(card.approved_by_employee, card.approved_by_manager)
        .filter(|_| workday.is_some_and(|d| period.contains(d)))
    {
        let require = config.approvals.require.as_str();
        entries.unapproved.extend(workday.map(|d| (d, end - start)));
        let hold = config.approvals.unapproved == Unapproved::Hold;
        let (severity, outcome) = if hold {
            (Severity::Error, "held from pay until it is approved")
        } else {
            (Severity::Warning, "paid (approvals.unapproved = \"pay\")")
        };
        raise(
            severity,
            crate::kinds::UNAPPROVED_TIME_CARD,
            format!("job entry lacks {missing} (approvals.require = \"{require}\"); {outcome}"),
        );
        if hold {
            entries.held.extend(workday);
            return None;
        }
    }
    Some(Shift {
        card: i,
        rounded: (in_wall, out_wall),
        dst_adjusted: adjusted,
        lunch: clocked_end - end,
        start,
        end,
        counted_from: start,
        pieces: 0..0,
    })
}

/// PTO (entryType 1) or an adjustment (2 adds, 3 deducts; hours or, with
/// `adjustHoursAmount` 1, money; a listed bonus), dated by its in time; or
/// raised and left out when its `hours` are missing, beyond sane limits
/// (held) or a negative PTO. Its length is the three entry types' cases
/// side by side.
fn hours_entry(
    at: &CardAt,
    kind: i32,
    zone: Workdays,
    reading: &Reading,
    entries: &mut UserEntries,
    raise: &mut impl FnMut(Severity, ExceptionKind, String),
) {
    let CardAt {
        card,
        in_wall,
        workday,
        ..
    } = *at;
    let (is_bonus, is_flat_sum) = (reading.is_bonus, reading.is_flat_sum);
    let Some(value) = card.hours() else {
        raise(
            Severity::Error,
            crate::kinds::INVALID_VALUE,
            "PTO or adjustment without `hours`; excluded from pay".into(),
        );
        return;
    };
    // No real PTO or adjustment comes near these; larger values
    // are typing errors (and could overflow exact arithmetic).
    let money = kind != 1 && card.adjust_hours_amount() == Some(1);
    let (limit, what) = if money {
        (MAX_ENTRY_AMOUNT, "money adjustment")
    } else {
        (MAX_ENTRY_HOURS, "record of hours")
    };
    if value.abs() > Decimal::from(limit) {
        raise(
            Severity::Error,
            crate::kinds::INVALID_VALUE,
            format!("`hours` {value} is beyond {limit} for a {what}; held from pay"),
        );
        entries.held.extend(workday);
        return;
    }
    let at = to_instant(zone.tz, in_wall, false).0;
    let day = zone.of_wall(in_wall);
    let e = &mut *entries;
    match kind {
        1 => {
            if value.is_sign_negative() {
                raise(
                    Severity::Error,
                    crate::kinds::INVALID_VALUE,
                    format!("PTO hours {value} are negative; excluded from pay"),
                );
                return;
            }
            e.pto.push(Dated {
                workday: day,
                at,
                value,
            });
        }
        _ => {
            let signed = if kind == 2 { value.abs() } else { -value.abs() };
            let dated = Dated {
                workday: day,
                at,
                value: signed,
            };
            match card.adjust_hours_amount() {
                Some(1)
                    if kind == 2 && card.adjust_type.is_some_and(|t| is_flat_sum[t.index()]) =>
                {
                    e.flat_sums.push(dated)
                }
                Some(1) if kind == 2 && card.adjust_type.is_some_and(|t| is_bonus[t.index()]) => {
                    e.bonuses.push(dated)
                }
                Some(1) => e.adjustment_amounts.push(dated),
                Some(0) | None => e.adjustment_hours.push(dated),
                Some(other) => raise(
                    Severity::Error,
                    crate::kinds::INVALID_VALUE,
                    format!(
                        "adjustHoursAmount {other} is neither 0 (hours) nor 1 (amount); excluded from pay"
                    ),
                ),
            }
        }
    }
}

/// The job entries' time as pieces of one workday each, in time order: an
/// overlap with an earlier shift counts once (an `overlapping_shift`
/// warning), and each shift is split at workday boundaries (or kept whole
/// on its first workday without `punches.split_at_workday`).
#[allow(clippy::too_many_arguments)]
fn cut_into_pieces(
    id: UserId,
    user: &User,
    cards: &[TimeCard],
    zone: Workdays,
    config: &RulesConfig,
    shifts: &mut [Shift],
    entries: &mut UserEntries,
    raised: &mut Vec<Raised>,
) {
    shifts.sort_by_key(|s| (s.start, s.end, s.card));
    let mut covered_until = i64::MIN;
    let mut covered_from = i64::MIN;
    for shift in shifts.iter_mut() {
        let card = &cards[shift.card];
        let start = shift.start.max(covered_until);
        shift.counted_from = start;
        let first_piece = entries.pieces.len();
        if shift.start < covered_until {
            let overlap = covered_until.min(shift.end) - shift.start;
            let record = Record {
                id,
                user,
                in_ms: card.in_ms(),
                out_ms: card.out_ms(),
                workday: card
                    .in_ms()
                    .and_then(millis_to_wall)
                    .map(|w| zone.of_wall(w)),
            };
            let earlier = crate::time::to_wall(zone.tz, covered_from).format("%Y-%m-%d %H:%M:%S");
            raised.push(record.raise(
                Severity::Warning,
                crate::kinds::OVERLAPPING_SHIFT,
                format!(
                    "overlaps the shift from {earlier} by {} min; the overlap counts once",
                    overlap / 60
                ),
            ));
        }
        if shift.end <= start {
            shift.pieces = first_piece..first_piece;
            continue;
        }
        let worked_as = WorkedAs {
            job: card.job,
            shift: card.shift,
        };
        if config.punches.split_at_workday {
            zone.split(start, shift.end, |workday, start, seconds| {
                entries.pieces.push(Piece {
                    workday,
                    start,
                    seconds,
                });
                entries.worked_as.push(worked_as);
            });
        } else {
            // What is left after an overlap keeps the workday its shift starts on.
            entries.pieces.push(Piece {
                workday: zone.of_instant(shift.start),
                start,
                seconds: shift.end - start,
            });
            entries.worked_as.push(worked_as);
        }
        shift.pieces = first_piece..entries.pieces.len();
        if shift.end > covered_until {
            covered_from = start;
            covered_until = shift.end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walls_kept_from_day_to_day_are_chronos() {
        const DAY: i64 = 86_400_000;
        let mut times = vec![0, -1, 1, DAY - 1, DAY, -DAY, -DAY - 1, i64::MIN, i64::MAX];
        // A user's punches: in and out on one day, the next day, across a
        // year's end and a leap day, then far away and back, and times
        // that are no date at all.
        let start = 1_703_980_800_000; // 2023-12-31 00:00:00
        for day in 0..70 {
            for minute in [0, 359, 1439] {
                times.push(start + day * DAY + minute * 60_000 + 123);
            }
        }
        times.extend([
            start + 400 * DAY,
            start,
            8_210_298_412_800_000,
            -8_334_632_851_200_001,
        ]);
        let mut walls = Walls::default();
        for &ms in &times {
            assert_eq!(walls.wall(ms), millis_to_wall(ms), "{ms}");
        }
        assert_eq!(
            Walls::default().wall(start + 60 * DAY + 1),
            NaiveDate::from_ymd_opt(2024, 2, 29).and_then(|d| d.and_hms_milli_opt(0, 0, 0, 1))
        );
    }
}
