//! Builders for hand-checkable payroll cases.
#![allow(dead_code)]

use chrono::NaiveDate;
use payrun_ingest::{PayrollInput, RecordType, decode_records};
use payrun_rules::{PayPeriod, PayrollRun, RulesConfig, SummaryRow, compute};
use rust_decimal::Decimal;

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn period(a: &str, b: &str) -> PayPeriod {
    PayPeriod {
        start: d(a),
        end: d(b),
    }
}

/// A user record; `extra` is more JSON fields, e.g. `"overTimeRule": "ot1"`.
pub fn user(name: &str, rate_type: &str, rate: &str, zone: &str, extra: &str) -> String {
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(", {extra}")
    };
    format!(
        r#"{{"userName": "{name}", "userFullName": "{name} Person", "employeeNumber": "{name}-1",
            "role": "Employee", "rateType": "{rate_type}", "payRate": "{rate}", "timeZone": "{zone}",
            "departmentName": "Ops", "hiredDate": "2020-01-01"{extra}}}"#
    )
}

/// A job punch.
pub fn punch(user: &str, from: &str, to: &str) -> String {
    format!(
        r#"{{"userName": "{user}", "entryType": 0, "inDateTime": "{from}", "outDateTime": "{to}", "hours": "0.000"}}"#
    )
}

/// PTO hours on a date.
pub fn pto(user: &str, date: &str, hours: &str) -> String {
    format!(
        r#"{{"userName": "{user}", "entryType": 1, "inDateTime": "{date} 00:00:00", "outDateTime": "0000-00-00 00:00:00", "hours": "{hours}", "ptoName": "Vacation"}}"#
    )
}

/// An adjustment: `entry_type` 2 adds, 3 deducts; `amount` says money rather than hours.
pub fn adjustment(user: &str, date: &str, entry_type: u8, amount: bool, value: &str) -> String {
    format!(
        r#"{{"userName": "{user}", "entryType": {entry_type}, "adjustHoursAmount": "{}", "inDateTime": "{date} 12:00:00", "outDateTime": "", "hours": "{value}"}}"#,
        u8::from(amount)
    )
}

/// Consecutive day shifts starting at 07:00 on `first`, of `hours` each (0 skips the day).
pub fn days(user: &str, first: &str, hours: &[u32]) -> Vec<String> {
    let first = d(first);
    hours
        .iter()
        .enumerate()
        .filter(|(_, h)| **h > 0)
        .map(|(i, h)| {
            let day = first + chrono::Duration::days(i as i64);
            let start = day.and_hms_opt(7, 0, 0).unwrap();
            let end = start + chrono::Duration::hours(i64::from(*h));
            punch(
                user,
                &start.format("%Y-%m-%d %H:%M:%S").to_string(),
                &end.format("%Y-%m-%d %H:%M:%S").to_string(),
            )
        })
        .collect()
}

pub fn run(users: &[String], cards: &[String], config: &str, period: PayPeriod) -> PayrollRun {
    try_run(users, cards, config, period).unwrap()
}

pub fn try_run(
    users: &[String],
    cards: &[String],
    config: &str,
    period: PayPeriod,
) -> Result<PayrollRun, payrun_rules::RulesError> {
    let (input, decode_exceptions) = input(users, cards);
    assert!(decode_exceptions == 0, "{:?}", input.exceptions);
    compute(&input, &RulesConfig::parse(config).unwrap(), &period)
}

/// The typed input of these records, with the exceptions decoding found
/// (and how many there were).
pub fn input(users: &[String], cards: &[String]) -> (PayrollInput, usize) {
    let users = decode_records(
        format!("[{}]", users.join(",")).as_bytes(),
        RecordType::User,
    )
    .unwrap();
    let cards = decode_records(
        format!("[{}]", cards.join(",")).as_bytes(),
        RecordType::TimeCard,
    )
    .unwrap();
    let exceptions = [cards.exceptions, users.exceptions].concat();
    let found = exceptions.len();
    let input = PayrollInput::from_frames(&cards.frame, &users.frame, exceptions).unwrap();
    (input, found)
}

/// A run whose records may hold values that cannot be read.
pub fn run_with_bad_values(
    users: &[String],
    cards: &[String],
    config: &str,
    period: PayPeriod,
) -> PayrollRun {
    let (input, _) = input(users, cards);
    compute(&input, &RulesConfig::parse(config).unwrap(), &period).unwrap()
}

pub fn row<'a>(run: &'a PayrollRun, user: &str) -> &'a SummaryRow {
    run.summary
        .iter()
        .find(|r| r.user_name.as_deref() == Some(user))
        .unwrap()
}

/// (regular, overtime, double time) hours of a row, exact.
pub fn tiers(row: &SummaryRow) -> (Decimal, Decimal, Decimal) {
    let h = |s: i64| Decimal::from(s) / Decimal::from(3600);
    (
        h(row.hours.regular),
        h(row.hours.overtime),
        h(row.hours.double_time),
    )
}

/// (regular, overtime, double time, pto, adjustment, gross) pay.
pub fn pay(row: &SummaryRow) -> [Decimal; 6] {
    let p = &row.pay;
    [
        p.regular,
        p.overtime,
        p.double_time,
        p.pto,
        p.adjustment,
        p.gross,
    ]
}

pub const WEEKLY: &str = r#"
[pay_period]
frequency = "weekly"
anchor = "2024-05-12"

[overtime_rules.default]
basis = "weekly"
weekly_ot_after = 40
"#;

/// A job punch worked as `job` on `shift` (either may be empty).
pub fn punch_as(user: &str, from: &str, to: &str, job: &str, shift: &str) -> String {
    format!(
        r#"{{"userName": "{user}", "entryType": 0, "inDateTime": "{from}", "outDateTime": "{to}", "hours": "0.000", "jobName": "{job}", "shiftName": "{shift}"}}"#
    )
}

/// A money addition named `name` (a bonus when `[regular_rate] bonuses` lists it).
pub fn named_amount(user: &str, date: &str, name: &str, amount: &str) -> String {
    format!(
        r#"{{"userName": "{user}", "entryType": 2, "adjustHoursAmount": 1, "inDateTime": "{date} 12:00:00", "outDateTime": "", "hours": "{amount}", "adjustTypeName": "{name}"}}"#
    )
}

/// (kind, job, shift, hours, rate, amount) of a user's pay lines.
pub type LineFigures = (
    &'static str,
    Option<String>,
    Option<String>,
    Decimal,
    Option<Decimal>,
    Decimal,
);

/// A user's pay lines as figures a clerk reads.
pub fn lines(run: &PayrollRun, user: &str) -> Vec<LineFigures> {
    let id = row(run, user).user;
    run.pay_lines
        .iter()
        .filter(|l| l.user == id)
        .map(|l| {
            (
                l.kind.as_str(),
                l.job_name.as_deref().map(str::to_owned),
                l.shift_name.as_deref().map(str::to_owned),
                l.hours.round_dp(2),
                l.rate.map(|r| r.round_dp(4)),
                l.amount,
            )
        })
        .collect()
}
