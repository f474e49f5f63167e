//! From joined time card rows to each user's worked pieces, PTO and
//! adjustments, raising the record-level exceptions of SPEC §6 on the way.
//!
//! Order per record: duplicates are dropped first (`duplicate_record`), then
//! the entry type decides what the record is. A job entry is rounded
//! (`[rounding]`) on its wall times, turned into instants in the user's zone
//! (`dst_adjusted` when a wall time was missing or doubled), checked
//! (`open_punch`, `non_positive_duration`), shortened by `[auto_lunch]`, and
//! flagged when long (`long_shift`). Per user, overlapping shifts are cut so
//! the overlap counts once (`overlapping_shift`), and then split into
//! workday pieces.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use payrun_ingest::schema::col;
use payrun_ingest::{Exception, ExceptionKind, Severity};
use polars::prelude::*;
use rust_decimal::Decimal;

use crate::allocate::{Counted, Piece};
use crate::columns::{datetime_millis, decimals, options};
use crate::config::Config;
use crate::time::{Workdays, punch_instants, round_wall, to_instant};

/// An exception and where it belongs, so a run can report only its period's.
#[derive(Debug, Clone)]
pub(crate) struct Raised {
    pub exception: Exception,
    /// The workday of the record, if it has one.
    pub workday: Option<NaiveDate>,
}

/// The largest PTO or adjustment value (hours or money) one record may carry.
const MAX_ENTRY_VALUE: i64 = 1_000_000;

/// The identity of one time card, for its exceptions.
struct Record<'a> {
    user_name: &'a Option<String>,
    user_full_name: &'a Option<String>,
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
                user_name: self.user_name.clone(),
                user_full_name: self.user_full_name.clone(),
                in_date_time: self.in_ms.and_then(payrun_ingest::decode::format_millis),
                out_date_time: self.out_ms.and_then(payrun_ingest::decode::format_millis),
                message,
            },
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

/// Everything one user has in the fetched data.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserEntries {
    /// Worked pieces in time order, each within one workday.
    pub pieces: Vec<Piece>,
    /// PTO hours.
    pub pto: Vec<Dated>,
    /// Adjustment hours (signed).
    pub adjustment_hours: Vec<Dated>,
    /// Adjustment money (signed).
    pub adjustment_amounts: Vec<Dated>,
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
}

/// The time zone and workday boundaries of each user, by user row.
pub(crate) type UserZones = [Workdays];

/// A shift with its instants, before overlaps are resolved.
struct Shift {
    start: i64,
    end: i64,
    row: usize,
}

fn millis_to_wall(ms: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc())
}

/// Reads the joined frame and builds each user's entries.
pub(crate) fn prepare(
    joined: &DataFrame,
    config: &Config,
    zones: &UserZones,
    user_names: &[Option<String>],
    user_full_names: &[Option<String>],
    raised: &mut Vec<Raised>,
) -> PolarsResult<Vec<UserEntries>> {
    let users = options(joined.column(col::USER_ROW)?.idx()?);
    let ins = datetime_millis(joined, col::IN_DATE_TIME)?;
    let outs = datetime_millis(joined, col::OUT_DATE_TIME)?;
    let entry_types = options(joined.column(col::ENTRY_TYPE)?.i32()?);
    let (hours, hours_scale) = decimals(joined, col::HOURS)?;
    let hours_or_amount = options(joined.column(col::ADJUST_HOURS_AMOUNT)?.i32()?);
    let created = datetime_millis(joined, "createdDateTime")?;
    let updated = datetime_millis(joined, "updateDateTime")?;

    let mut entries = vec![UserEntries::default(); zones.len()];
    let mut shifts: Vec<Vec<Shift>> = (0..zones.len()).map(|_| Vec::new()).collect();
    let mut seen = PlHashSet::with_capacity(joined.height());
    let max_shift = config.punches.max_shift_hours.seconds;

    for row in 0..joined.height() {
        let Some(user) = users[row] else {
            continue; // unknown_user, raised by the join
        };
        let u = user as usize;
        let Some(zone) = zones.get(u).copied() else {
            continue;
        };
        let in_wall = ins[row].and_then(millis_to_wall);
        let workday = in_wall.map(|w| zone.of_wall(w));
        let record = Record {
            user_name: &user_names[u],
            user_full_name: &user_full_names[u],
            in_ms: ins[row],
            out_ms: outs[row],
            workday,
        };
        let mut raise =
            |severity, kind, message: String| raised.push(record.raise(severity, kind, message));
        let key = (
            user,
            ins[row],
            outs[row],
            entry_types[row],
            hours[row],
            hours_or_amount[row],
            created[row],
            updated[row],
        );
        if !seen.insert(key) {
            raise(
                Severity::Warning,
                ExceptionKind::DuplicateRecord,
                "the same time card appears twice; it is counted once".into(),
            );
            continue;
        }
        let Some(in_wall) = in_wall else {
            raise(
                Severity::Error,
                ExceptionKind::InvalidValue,
                "time card has no usable inDateTime; excluded from pay".into(),
            );
            continue;
        };
        let value = hours[row].map(|m| Decimal::from_i128_with_scale(m, hours_scale));
        match entry_types[row] {
            Some(0) => {
                let Some(out_wall) = outs[row].and_then(millis_to_wall) else {
                    raise(
                        Severity::Error,
                        ExceptionKind::OpenPunch,
                        "job entry has no out time (open punch); excluded from pay".into(),
                    );
                    continue;
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
                        ExceptionKind::DstAdjusted,
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
                        ExceptionKind::NonPositiveDuration,
                        format!(
                            "out time is not after in time ({} s); excluded from pay",
                            end - start
                        ),
                    );
                    continue;
                }
                if let Some(lunch) = &config.auto_lunch
                    && end - start >= lunch.after_hours.seconds
                {
                    end -= i64::from(lunch.deduct_minutes) * 60;
                    end = end.max(start);
                }
                if end - start > max_shift {
                    raise(
                        Severity::Warning,
                        ExceptionKind::LongShift,
                        format!(
                            "shift of {} h is longer than punches.max_shift_hours ({}); paid as clocked",
                            (Decimal::from(end - start) / Decimal::from(3600)).round_dp(2),
                            config.punches.max_shift_hours
                        ),
                    );
                }
                shifts[u].push(Shift { start, end, row });
            }
            Some(kind @ (1..=3)) => {
                let Some(value) = value else {
                    raise(
                        Severity::Error,
                        ExceptionKind::InvalidValue,
                        "PTO or adjustment without `hours`; excluded from pay".into(),
                    );
                    continue;
                };
                // No real PTO or adjustment comes near this; larger values are
                // typing errors, and would overflow exact money arithmetic.
                if value.abs() > Decimal::from(MAX_ENTRY_VALUE) {
                    raise(
                        Severity::Error,
                        ExceptionKind::InvalidValue,
                        format!("`hours` {value} is beyond {MAX_ENTRY_VALUE}; excluded from pay"),
                    );
                    continue;
                }
                let at = to_instant(zone.tz, in_wall, false).0;
                let day = zone.of_wall(in_wall);
                let e = &mut entries[u];
                match kind {
                    1 => {
                        if value.is_sign_negative() {
                            raise(
                                Severity::Error,
                                ExceptionKind::InvalidValue,
                                format!("PTO hours {value} are negative; excluded from pay"),
                            );
                            continue;
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
                        match hours_or_amount[row] {
                            Some(1) => e.adjustment_amounts.push(dated),
                            Some(0) | None => e.adjustment_hours.push(dated),
                            Some(other) => raise(
                                Severity::Error,
                                ExceptionKind::InvalidValue,
                                format!(
                                    "adjustHoursAmount {other} is neither 0 (hours) nor 1 (amount); excluded from pay"
                                ),
                            ),
                        }
                    }
                }
            }
            other => raise(
                Severity::Error,
                ExceptionKind::UnknownEntryType,
                match other {
                    Some(t) => format!(
                        "entryType {t} is not 0 (job), 1 (PTO), 2 or 3 (adjustment); excluded from pay"
                    ),
                    None => "time card has no entryType; excluded from pay".into(),
                },
            ),
        }
    }

    for (u, mut user_shifts) in shifts.into_iter().enumerate() {
        user_shifts.sort_by_key(|s| (s.start, s.end, s.row));
        let zone = zones[u];
        let mut covered_until = i64::MIN;
        let mut covered_from = i64::MIN;
        for shift in user_shifts {
            let start = shift.start.max(covered_until);
            if shift.start < covered_until {
                let overlap = covered_until.min(shift.end) - shift.start;
                let record = Record {
                    user_name: &user_names[u],
                    user_full_name: &user_full_names[u],
                    in_ms: ins[shift.row],
                    out_ms: outs[shift.row],
                    workday: ins[shift.row]
                        .and_then(millis_to_wall)
                        .map(|w| zone.of_wall(w)),
                };
                let earlier =
                    crate::time::to_wall(zone.tz, covered_from).format("%Y-%m-%d %H:%M:%S");
                raised.push(record.raise(
                    Severity::Warning,
                    ExceptionKind::OverlappingShift,
                    format!(
                        "overlaps the shift from {earlier} by {} min; the overlap counts once",
                        overlap / 60
                    ),
                ));
            }
            if shift.end <= start {
                continue;
            }
            if config.punches.split_at_workday {
                zone.split(start, shift.end, |workday, start, seconds| {
                    entries[u].pieces.push(Piece {
                        workday,
                        start,
                        seconds,
                    });
                });
            } else {
                entries[u].pieces.push(Piece {
                    workday: zone.of_instant(start),
                    start,
                    seconds: shift.end - start,
                });
            }
            if shift.end > covered_until {
                covered_from = start;
                covered_until = shift.end;
            }
        }
    }
    Ok(entries)
}
