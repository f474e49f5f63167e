//! Why one person's payroll is what it is, step by step (`payrun explain`).
//!
//! [`explain()`] runs the same steps as [`compute()`](crate::compute()) for
//! one user, keeping what each step decided: every shift as punched and as
//! counted (rounding, daylight-saving changes, automatic lunch, overlaps),
//! its pieces per workday, which of their seconds became overtime or double
//! time and by which rule, each workweek's regular rate, each pay line, and
//! the exceptions that concern the person. Nothing here decides pay: it
//! reads what [`allocate`](crate::allocate) and [`price`](crate::price)
//! decided, so an explanation always matches the payroll it explains.
//!
//! It is long because the explanation has many parts, each worded from the
//! same traced computation; the last quarter is tests.

use chrono::{DateTime, Duration, NaiveDate};
use chrono_tz::Tz;
use payrun_ingest::{Exception, PayrollInput, UserId};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::allocate::{DayRule, Piece, Why};
use crate::calendar::PayPeriod;
use crate::config::{Basis, OvertimeRule, RulesConfig, Tier};
use crate::error::RulesError;
use crate::exceptions::concerning;
use crate::person::{Context, Rows};
use crate::price::rate_stories;
use crate::run::Status;
use crate::time::Workdays;
use crate::words::local;

/// One person's payroll for one period, in words and figures.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// `userName`.
    pub user_name: Option<String>,
    /// `userFullName`.
    pub user_full_name: Option<String>,
    /// `employeeNumber`.
    pub employee_number: Option<String>,
    /// `departmentName`.
    pub department_name: Option<String>,
    /// The period's first workday.
    pub period_start: NaiveDate,
    /// The period's last workday.
    pub period_end: NaiveDate,
    /// The zone punches were read in.
    pub time_zone: String,
    /// The overtime rule applied (after any fallback), and the rule in words.
    pub overtime_rule: String,
    /// The rule's thresholds, one sentence each.
    pub rule: Vec<String>,
    /// `rateType` as the API gave it.
    pub rate_type: Option<String>,
    /// `payRate`.
    pub pay_rate: Option<Decimal>,
    /// The job entries of the workweeks explained, in time order.
    pub shifts: Vec<ShiftStory>,
    /// PTO, adjustments and bonuses of the workweeks explained.
    pub entries: Vec<EntryStory>,
    /// Each workweek: its hours and its regular rate.
    pub weeks: Vec<WeekStory>,
    /// The pay lines, as in `pay_lines.csv`.
    pub pay_lines: Vec<LineStory>,
    /// What the period's jurisdiction rules added or found, in words (a
    /// flat-sum bonus's premium, a workweek below the minimum wage).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Seconds in the period by tier: regular, overtime, double time.
    pub regular_seconds: i64,
    /// Overtime seconds in the period.
    pub overtime_seconds: i64,
    /// Double-time seconds in the period.
    pub double_time_seconds: i64,
    /// Gross pay, as in `payroll_summary.csv`.
    pub gross_pay: Decimal,
    /// The summary row's status.
    pub status: &'static str,
    /// The exceptions of the period that concern the person.
    pub exceptions: Vec<ExceptionStory>,
}

/// One job entry.
#[derive(Debug, Clone, Serialize)]
pub struct ShiftStory {
    /// `inDateTime` as punched.
    pub punched_in: String,
    /// `outDateTime` as punched.
    pub punched_out: String,
    /// `jobName`.
    pub job: Option<String>,
    /// `shiftName`.
    pub shift: Option<String>,
    /// What happened to the punches before they were counted.
    pub notes: Vec<String>,
    /// Its pieces, one per workday.
    pub pieces: Vec<PieceStory>,
}

/// The seconds of a shift that fall in one workday.
#[derive(Debug, Clone, Serialize)]
pub struct PieceStory {
    /// The workday.
    pub workday: NaiveDate,
    /// Whether the workday is in the period (earlier days of a workweek
    /// count toward its overtime but are paid in their own period).
    pub in_period: bool,
    /// First second, local time.
    pub from: String,
    /// End, local time.
    pub to: String,
    /// Seconds.
    pub seconds: i64,
    /// The piece split by tier, in time order.
    pub parts: Vec<TierPart>,
}

/// Consecutive seconds of one tier, and the rule that gave it.
#[derive(Debug, Clone, Serialize)]
pub struct TierPart {
    /// `regular`, `overtime` or `double_time`.
    pub tier: Tier,
    /// Seconds.
    pub seconds: i64,
    /// First second, local time.
    pub from: String,
    /// End, local time.
    pub to: String,
    /// Which rule made them overtime or double time (none for regular).
    pub reason: Option<String>,
}

/// A PTO, adjustment or bonus record.
#[derive(Debug, Clone, Serialize)]
pub struct EntryStory {
    /// Its workday.
    pub workday: NaiveDate,
    /// Whether it is paid in this period.
    pub in_period: bool,
    /// `pto`, `adjustment_hours`, `adjustment_amount` or `bonus`.
    pub kind: &'static str,
    /// Hours or money, signed.
    pub value: Decimal,
}

/// One workweek touching the period.
#[derive(Debug, Clone, Serialize)]
pub struct WeekStory {
    /// First workday.
    pub start: NaiveDate,
    /// Last workday.
    pub end: NaiveDate,
    /// Seconds worked in the whole week (its days outside the period included).
    pub worked_seconds: i64,
    /// The regular rate, where it is known at the period's end.
    pub regular_rate: Option<Decimal>,
    /// How the regular rate is figured.
    pub regular_rate_basis: String,
}

/// One pay line.
#[derive(Debug, Clone, Serialize)]
pub struct LineStory {
    /// The workweek (none for the period's salary).
    pub week_start: Option<NaiveDate>,
    /// What it pays for.
    pub kind: &'static str,
    /// `jobName`.
    pub job: Option<String>,
    /// `shiftName`.
    pub shift: Option<String>,
    /// Hours.
    pub hours: Decimal,
    /// Rate per hour, where the line is hours at a rate.
    pub rate: Option<Decimal>,
    /// Amount in cents (as apportioned to the summary's rounded columns).
    pub amount: Decimal,
}

/// An exception, as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ExceptionStory {
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// The record's `inDateTime`.
    pub in_date_time: Option<String>,
    /// What it says.
    pub message: String,
}

impl From<Exception> for ExceptionStory {
    fn from(e: Exception) -> Self {
        ExceptionStory {
            severity: e.severity.as_str(),
            kind: e.kind.as_str(),
            in_date_time: e.in_date_time,
            message: e.message,
        }
    }
}

/// Explains `user`'s payroll of `period`, computed from `input` exactly as
/// [`compute()`](crate::compute()) does. `week` (any day of it) narrows the
/// shifts, weeks and pay lines to one workweek. `Ok(None)`: the user is not
/// in the period's summary (neither active nor worked in it).
///
/// Long because it builds the explanation's parts (shifts, pieces, weeks,
/// pay lines, exceptions) in the order they are shown, from one traced
/// computation whose values they share.
pub fn explain(
    input: &PayrollInput,
    config: &RulesConfig,
    period: &PayPeriod,
    id: UserId,
    week: Option<NaiveDate>,
) -> Result<Option<Explanation>, RulesError> {
    let context = Context::new(input, config, period);
    let worked = context.work(input, id, true)?;
    let Some(paid) = worked.paid else {
        return Ok(None);
    };
    let calendar = &context.calendar;
    let zone = worked.zone;
    let entries = &worked.entries;
    let user = input.user(id);
    let name = |n: Option<payrun_ingest::NameId>| n.map(|n| input.names.get(n).to_owned());
    let rule = paid.terms.rule;
    let week = week.map(|d| calendar.workweek_start(d));
    // The workweeks explained: those of the ledger (touching the period), or the one asked for.
    let weeks: Vec<NaiveDate> = paid
        .ledger
        .weeks
        .iter()
        .map(|w| w.start)
        .filter(|w| week.is_none_or(|asked| asked == *w))
        .collect();
    let shown = |day: NaiveDate| weeks.contains(&calendar.workweek_start(day));

    // Tiers by piece, with their reasons.
    let mut reasons = Reasons::new(rule, zone.tz);
    let pieces: Vec<PieceStory> = entries
        .pieces
        .iter()
        .zip(&paid.why)
        .map(|(piece, why)| reasons.piece(piece, why, period))
        .collect();

    let cards = input.cards_of(id);
    let shifts = entries
        .shifts
        .iter()
        .filter(|s| match s.pieces.is_empty() {
            true => shown(zone.of_instant(s.start)),
            false => entries.pieces[s.pieces.clone()]
                .iter()
                .any(|p| shown(p.workday)),
        })
        .map(|s| {
            let card = &cards[s.card];
            let punched = |ms: Option<i64>| {
                ms.and_then(crate::words::card_time)
                    .unwrap_or_default()
            };
            let mut notes = Vec::new();
            let as_punched = (
                card.in_ms().and_then(DateTime::from_timestamp_millis),
                card.out_ms().and_then(DateTime::from_timestamp_millis),
            );
            if let (Some(i), Some(o)) = as_punched
                && (i.naive_utc(), o.naive_utc()) != s.rounded
            {
                notes.push(format!(
                    "rounded ([rounding]) to {} → {}",
                    s.rounded.0.format("%H:%M:%S"),
                    s.rounded.1.format("%H:%M:%S")
                ));
            }
            if s.dst_adjusted {
                notes.push(format!(
                    "a punch falls in a daylight-saving change in {}: counted as the real elapsed time, {} to {}",
                    zone.tz.name(),
                    local(zone.tz, s.start),
                    local(zone.tz, s.end + s.lunch)
                ));
            }
            if s.lunch > 0 {
                notes.push(format!(
                    "automatic lunch ([auto_lunch]): {} min deducted, counted to {}",
                    s.lunch / 60,
                    local(zone.tz, s.end)
                ));
            }
            if s.pieces.is_empty() {
                notes.push("wholly inside an earlier shift: not counted again".into());
            } else if s.counted_from > s.start {
                notes.push(format!(
                    "overlaps an earlier shift: counted from {}, so the overlap counts once",
                    local(zone.tz, s.counted_from)
                ));
            }
            ShiftStory {
                punched_in: punched(card.in_ms()),
                punched_out: punched(card.out_ms()),
                job: name(card.job),
                shift: name(card.shift),
                notes,
                pieces: pieces[s.pieces.clone()]
                    .iter()
                    .filter(|p| shown(p.workday))
                    .cloned()
                    .collect(),
            }
        })
        .collect();

    let mut dated: Vec<EntryStory> = [
        ("pto", &entries.pto),
        ("adjustment_hours", &entries.adjustment_hours),
        ("adjustment_amount", &entries.adjustment_amounts),
        ("bonus", &entries.bonuses),
    ]
    .into_iter()
    .flat_map(|(kind, list)| {
        list.iter()
            .filter(|d| shown(d.workday))
            .map(move |d| EntryStory {
                workday: d.workday,
                in_period: period.contains(d.workday),
                kind,
                value: d.value,
            })
    })
    .collect();
    dated.sort_by_key(|e| e.workday);

    let week_stories = rate_stories(&paid.ledger, &paid.terms, config)
        .into_iter()
        .zip(&paid.ledger.weeks)
        .filter(|(r, _)| weeks.contains(&r.week))
        .map(|(r, w)| WeekStory {
            start: r.week,
            end: r.week + Duration::days(6),
            worked_seconds: w.worked(),
            regular_rate: r.regular_rate,
            regular_rate_basis: r.sentence,
        })
        .collect();

    let tiers = paid.ledger.tiers();
    let mut notes: Vec<String> = if paid.flat.is_zero() || tiers.regular == 0 || paid.terms.exempt()
    {
        Vec::new()
    } else {
        [
            (tiers.overtime, rule.ot_multiplier),
            (tiers.double_time, rule.dt_multiplier),
        ]
        .into_iter()
        .filter(|(seconds, _)| *seconds > 0)
        .map(|(_, multiplier)| crate::flat_sum::reason(paid.flat, tiers.regular, multiplier))
        .collect()
    };
    if !paid.terms.held && !paid.terms.pay_rate.is_zero() {
        notes.extend(
            crate::minimum_wage::short_weeks(
                &paid.ledger,
                &worked.entries.pieces,
                &paid.terms,
                config,
            )
            .iter()
            .map(|short| format!("week of {}: {}", short.week, short.words())),
        );
    }
    notes.extend(
        paid.missed_meals
            .iter()
            .filter(|m| period.contains(m.workday) && shown(m.workday))
            .map(|m| format!("meal premium on {}: {}", m.workday, m.reason)),
    );
    let rule_name = paid.terms.rule_name.clone();
    let held = paid.held;
    let mut rows = Rows::default();
    context.rows(input, id, zone, paid, &mut rows);
    let Some(summary) = rows.summary.pop() else {
        return Ok(None);
    };
    let exceptions = concerning(
        input,
        id,
        worked.raised,
        period,
        Workdays {
            tz: config.company.default_time_zone.0,
            start: config.company.workday_start.0,
        },
        true,
    );
    let status = if held {
        Status::Held
    } else if exceptions
        .iter()
        .any(|e| e.severity != payrun_ingest::Severity::Info)
    {
        Status::Warning
    } else {
        Status::Ok
    };
    let pay_lines = rows
        .pay_lines
        .into_iter()
        .filter(|l| week.is_none() || l.week_start.is_some_and(|w| weeks.contains(&w)))
        .map(|l| LineStory {
            week_start: l.week_start,
            kind: l.kind.as_str(),
            job: l.job_name.as_deref().map(str::to_owned),
            shift: l.shift_name.as_deref().map(str::to_owned),
            hours: l.hours,
            rate: l.rate,
            amount: l.amount,
        })
        .collect();
    Ok(Some(Explanation {
        user_name: user.user_name.clone(),
        user_full_name: user.full_name.clone(),
        employee_number: user.employee_number.clone(),
        department_name: user.department.clone(),
        period_start: period.start,
        period_end: period.end,
        time_zone: zone.tz.name().to_owned(),
        overtime_rule: rule_name,
        rule: rule_in_words(rule, config),
        rate_type: user.rate_type.clone(),
        pay_rate: user.pay_rate,
        shifts,
        entries: dated,
        weeks: week_stories,
        pay_lines,
        notes,
        regular_seconds: summary.hours.regular,
        overtime_seconds: summary.hours.overtime,
        double_time_seconds: summary.hours.double_time,
        gross_pay: summary.pay.gross,
        status: status.as_str(),
        exceptions: exceptions.into_iter().map(ExceptionStory::from).collect(),
    }))
}

impl Explanation {
    /// The sum of the pay lines shown (all of them: gross pay).
    pub fn lines_total(&self) -> Decimal {
        self.pay_lines.iter().map(|l| l.amount).sum()
    }
}

/// A rule's thresholds in words.
fn rule_in_words(rule: &OvertimeRule, config: &RulesConfig) -> Vec<String> {
    if rule.basis == Basis::Off {
        return vec!["basis = \"off\": every hour is regular".to_owned()];
    }
    let mut words = crate::overtime::describe(rule);
    words.extend(crate::flat_sum::describe(rule));
    words.extend(crate::meal_periods::describe(rule));
    words.push(format!(
        "workweeks start on {:?}; workdays at {} in the user's zone",
        config.company.week_start.0,
        config.company.workday_start.0.format("%H:%M")
    ));
    words
}

/// Turns each piece's [`Why`] into tiers with reasons, remembering when
/// each workweek (or 14-day window) passed its thresholds.
struct Reasons<'a> {
    rule: &'a OvertimeRule,
    tz: Tz,
    /// The window, and when it passed its overtime and double-time thresholds.
    window: Option<NaiveDate>,
    passed: [Option<i64>; 2],
}

impl<'a> Reasons<'a> {
    fn new(rule: &'a OvertimeRule, tz: Tz) -> Self {
        Reasons {
            rule,
            tz,
            window: None,
            passed: [None; 2],
        }
    }

    fn piece(&mut self, piece: &Piece, why: &Why, period: &PayPeriod) -> PieceStory {
        if self.window != why.window_start {
            self.window = why.window_start;
            self.passed = [None; 2];
        }
        let r = why.result;
        let d = why.daily;
        // In time order: regular, weekly OT, weekly DT (step 4 splits the
        // piece's first seconds), then daily OT, daily DT (steps 1-3).
        let weekly_ot = r.overtime - d.overtime;
        let weekly_dt = r.double_time - d.double_time;
        let (ot_t, dt_t) = why.window.unwrap_or((None, None));
        let mut at = piece.start;
        let mut parts = Vec::new();
        let scope = crate::overtime::window::scope(self.rule);
        let mut push = |tier: Tier, seconds: i64, reason: Option<String>| {
            if seconds > 0 {
                parts.push(TierPart {
                    tier,
                    seconds,
                    from: local(self.tz, at),
                    to: local(self.tz, at + seconds),
                    reason,
                });
            }
            at += seconds;
        };
        push(Tier::Regular, r.regular, None);
        // Where the count reached each threshold, if in this piece.
        for (slot, threshold) in [(0, ot_t), (1, dt_t)] {
            if let Some(t) = threshold
                && why.window_before < t
                && why.window_before + d.regular >= t
            {
                self.passed[slot] = Some(piece.start + (t - why.window_before));
            }
        }
        let weekly_reason = |threshold: Option<i64>, passed: Option<i64>| {
            // Not passed by a shift: by PTO counted toward overtime.
            Some(crate::overtime::window::reason(
                scope,
                threshold.unwrap_or(0),
                passed.map(|at| local(self.tz, at)),
            ))
        };
        push(
            Tier::Overtime,
            weekly_ot,
            weekly_reason(ot_t, self.passed[0]),
        );
        push(
            Tier::DoubleTime,
            weekly_dt,
            weekly_reason(dt_t, self.passed[1]),
        );
        let daily_reason = |rule: Option<(i64, DayRule)>, tier: Tier| {
            let (t, by) = rule?;
            Some(crate::overtime::reason(by, t, tier, piece.workday))
        };
        push(
            Tier::Overtime,
            why.consecutive,
            why.run
                .map(|run| crate::overtime::consecutive::reason(&run, self.tz)),
        );
        push(
            Tier::Overtime,
            d.overtime - why.consecutive,
            daily_reason(why.day_ot, Tier::Overtime),
        );
        push(
            Tier::DoubleTime,
            d.double_time,
            daily_reason(why.day_dt, Tier::DoubleTime),
        );
        PieceStory {
            workday: piece.workday,
            in_period: period.contains(piece.workday),
            from: local(self.tz, piece.start),
            to: local(self.tz, piece.start + piece.seconds),
            seconds: piece.seconds,
            parts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use payrun_ingest::{RecordType, decode_records};

    /// One user at $25/h under `rule`, with job entries of `hours` from
    /// Monday 2024-05-13, 07:00 Los Angeles time.
    fn explained(rule: &str, hours: &[i64]) -> Explanation {
        explained_from(NaiveDate::from_ymd_opt(2024, 5, 13).unwrap(), rule, hours)
    }

    /// The same from `first`.
    fn explained_from(first: NaiveDate, rule: &str, hours: &[i64]) -> Explanation {
        let users = decode_records(
            br#"[{"userName": "cal", "userFullName": "Cal Reyes", "role": "Employee",
                "rateType": "Hourly Rate", "payRate": "25.00", "overTimeRule": "ot1",
                "timeZone": "America/Los_Angeles", "departmentName": "Field"}]"#,
            RecordType::User,
        )
        .unwrap();
        let cards: Vec<String> = hours
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let day = first + Duration::days(i as i64);
                let start = day.and_hms_opt(7, 0, 0).unwrap();
                let end = start + Duration::hours(*h);
                format!(
                    r#"{{"userName": "cal", "entryType": 0, "inDateTime": "{}", "outDateTime": "{}"}}"#,
                    start.format("%Y-%m-%d %H:%M:%S"),
                    end.format("%Y-%m-%d %H:%M:%S")
                )
            })
            .collect();
        let cards = decode_records(
            format!("[{}]", cards.join(",")).as_bytes(),
            RecordType::TimeCard,
        )
        .unwrap();
        let config = RulesConfig::parse(&format!(
            "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n\
             [overtime_rules.default]\n[overtime_rules.ot1]\n{rule}"
        ))
        .unwrap();
        let period = PayPeriod {
            start: NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
            end: NaiveDate::from_ymd_opt(2024, 5, 18).unwrap(),
        };
        let input = PayrollInput::from_frames(&cards.frame, &users.frame, Vec::new()).unwrap();
        let explanation = explain(&input, &config, &period, UserId(0), None)
            .unwrap()
            .unwrap();
        // The explanation is the payroll's: its lines are what compute() pays.
        let run = crate::compute(&input, &config, &period).unwrap();
        assert_eq!(explanation.gross_pay, run.summary[0].pay.gross);
        assert_eq!(explanation.lines_total(), explanation.gross_pay);
        explanation
    }

    /// Every overtime and double-time part, as (tier, seconds, reason).
    fn premium_parts(e: &Explanation) -> Vec<(Tier, i64, String)> {
        e.shifts
            .iter()
            .flat_map(|s| &s.pieces)
            .flat_map(|p| &p.parts)
            .filter(|p| p.tier != Tier::Regular)
            .map(|p| (p.tier, p.seconds, p.reason.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn the_california_example_names_the_daily_rule_of_each_premium_hour() {
        let e = explained(
            "daily_ot_after = 8\ndaily_dt_after = 12\nweekly_ot_after = 40\nseventh_day = true",
            &[10, 8, 13, 8, 8],
        );
        assert_eq!(e.gross_pay.to_string(), "1275.00");
        assert_eq!(
            premium_parts(&e),
            vec![
                (
                    Tier::Overtime,
                    2 * 3600,
                    "daily: past 8 h on Mon".to_owned()
                ),
                (
                    Tier::Overtime,
                    4 * 3600,
                    "daily: past 8 h on Wed".to_owned()
                ),
                (Tier::DoubleTime, 3600, "daily: past 12 h on Wed".to_owned()),
            ]
        );
        // Wednesday's pieces in time order: 07:00-15:00 regular, then OT, then DT.
        let wed = &e.shifts[2].pieces[0];
        let spans: Vec<(&str, &str)> = wed
            .parts
            .iter()
            .map(|p| (p.from.as_str(), p.to.as_str()))
            .collect();
        assert_eq!(
            spans,
            [
                ("Wed 05-15 07:00", "Wed 05-15 15:00"),
                ("Wed 05-15 15:00", "Wed 05-15 19:00"),
                ("Wed 05-15 19:00", "Wed 05-15 20:00"),
            ]
        );
        let lines: Vec<(&str, String, String)> = e
            .pay_lines
            .iter()
            .map(|l| {
                (
                    l.kind,
                    l.hours.normalize().to_string(),
                    l.amount.to_string(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("regular", "40".into(), "1000.00".into()),
                ("overtime", "6".into(), "225.00".into()),
                ("double_time", "1".into(), "50.00".into()),
            ]
        );
        assert!(e.weeks[0].regular_rate_basis.contains("one rate all week"));
    }

    #[test]
    fn weekly_overtime_names_when_the_week_passed_forty_hours() {
        // 10 h a day: Thursday 07:00-17:00 ends at 40 h; Friday is all overtime,
        // then Saturday too, and the seventh-day rule is off.
        let e = explained(
            "weekly_ot_after = 40\ndaily_ot_after = 11",
            &[12, 9, 9, 9, 6],
        );
        // Daily: Monday's 12th hour. Weekly: regular count 11 + 9 + 9 + 9 = 38,
        // then Friday passes 40 at 09:00.
        assert_eq!(
            premium_parts(&e),
            vec![
                (Tier::Overtime, 3600, "daily: past 11 h on Mon".to_owned()),
                (
                    Tier::Overtime,
                    4 * 3600,
                    "weekly: past 40 h at Fri 05-17 09:00".to_owned()
                ),
            ]
        );
        assert_eq!(e.overtime_seconds, 5 * 3600);
    }

    #[test]
    fn seventh_day_and_special_dates_are_named() {
        // Sunday 12 to Saturday 18: every day of the workweek, 9 h each.
        let e = explained_from(
            NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
            "weekly_ot_after = 40\nseventh_day = true\nspecial_dates = { 2024-05-14 = \"double_time\" }",
            &[9; 7],
        );
        let parts = premium_parts(&e);
        // Tuesday the 14th: every second double time.
        assert!(parts.contains(&(Tier::DoubleTime, 9 * 3600, "special date 2024-05-14".into())));
        // Saturday, the seventh day: 8 h overtime, 1 h double time.
        assert!(parts.contains(&(Tier::Overtime, 8 * 3600, "seventh consecutive day".into())));
        assert!(parts.contains(&(
            Tier::DoubleTime,
            3600,
            "seventh consecutive day: past 8 h".into()
        )));
        // Still regular: Sun, Mon, Wed, Thu, Fri = 45 h; 5 past 40, from Friday 10:00.
        let weekly: Vec<_> = parts.iter().filter(|p| p.2.starts_with("weekly")).collect();
        assert_eq!(
            weekly,
            [&(
                Tier::Overtime,
                5 * 3600,
                "weekly: past 40 h at Fri 05-17 11:00".to_owned()
            )]
        );
    }
}
