//! What the library's unit tests share.

use chrono::NaiveDate;
use payrun_ingest::{PayrollInput, RecordType, decode_records};
use payrun_rules::{PayPeriod, PayrollRun, RulesConfig};

/// The payroll of the week 2024-05-12..2024-05-18 (weekly periods, the
/// default 40 h rule) of `users` (a JSON array of Q2 user records) and
/// `cards` (Q2 time card records, one JSON object each).
pub fn weekly_run(users: &str, cards: &[String]) -> (PayrollRun, RulesConfig) {
    weekly_run_with(users, cards, "")
}

/// [`weekly_run`] with `more` configuration (tables after the rule).
pub fn weekly_run_with(users: &str, cards: &[String], more: &str) -> (PayrollRun, RulesConfig) {
    let users = decode_records(users.as_bytes(), RecordType::User).unwrap();
    let cards = decode_records(
        format!("[{}]", cards.join(",")).as_bytes(),
        RecordType::TimeCard,
    )
    .unwrap();
    let config = RulesConfig::parse(&format!(
        "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n[overtime_rules.default]\n{more}"
    ))
    .unwrap();
    let period = PayPeriod {
        start: NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
        end: NaiveDate::from_ymd_opt(2024, 5, 18).unwrap(),
    };
    let input = PayrollInput::from_frames(&cards.frame, &users.frame, Vec::new()).unwrap();
    (
        payrun_rules::compute(&input, &config, &period).unwrap(),
        config,
    )
}

/// One 8-hour job entry on Monday 2024-05-13 for each of `users`.
pub fn a_day_each(users: &[&str]) -> Vec<String> {
    users
        .iter()
        .map(|u| {
            format!(
                r#"{{"userName": "{u}", "entryType": 0, "inDateTime": "2024-05-13 08:00:00", "outDateTime": "2024-05-13 16:00:00"}}"#
            )
        })
        .collect()
}
