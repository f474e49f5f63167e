//! Fuzzing, time-bounded: the record decoder, the response envelope parser
//! and the configuration parser never panic, whatever they are given.
//!
//! Each target draws inputs from proptest strategies (arbitrary bytes,
//! arbitrary JSON shaped like Q2 records and responses, arbitrary and
//! mutated configuration text) for `PAYRUN_FUZZ_SECS` seconds (default 3;
//! CI runs each for 60). Decoded records go on through the join and the
//! rules, so a value the decoder lets through cannot panic the payroll
//! either. A failure prints the input that caused it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use payrun::ingest::{
    PayrollInput, RecordType, TIME_CARD_FIELDS, USER_FIELDS, decode_page, decode_records,
};
use payrun::rules::{PayPeriod, RulesConfig, compute};
use payrun::settings::Settings;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};

/// Runs `check` on values of `strategy` until the time is up.
fn fuzz<S: Strategy>(name: &str, strategy: S, check: impl Fn(&S::Value))
where
    S::Value: std::fmt::Debug,
{
    let seconds: u64 = std::env::var("PAYRUN_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let mut cases = 0u64;
    while Instant::now() < deadline {
        let value = strategy.new_tree(&mut runner).unwrap().current();
        if catch_unwind(AssertUnwindSafe(|| check(&value))).is_err() {
            panic!("{name} panicked on {value:?}");
        }
        cases += 1;
    }
    eprintln!("{name}: {cases} inputs in {seconds} s, no panic");
    assert!(cases > 0);
}

/// Texts a Q2 field may hold, well-formed and not.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("0000-00-00 00:00:00".to_owned()),
        Just("2024-05-13 09:00:00".to_owned()),
        Just("2024-02-30 25:61:00".to_owned()),
        Just("2024-03-10 02:30:00".to_owned()),
        Just("1e400".to_owned()),
        Just("-0".to_owned()),
        Just("NaN".to_owned()),
        Just("America/Los_Angeles".to_owned()),
        Just("Hourly Rate".to_owned()),
        Just("Salary Rate".to_owned()),
        "[0-9]{1,4}(\\.[0-9]{1,6})?",
        "-?[0-9]{1,30}",
        "\\PC{0,24}",
    ]
}

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("\\PC{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A record of `fields`: some of them, each an arbitrary value (mostly text).
fn record(fields: &'static [payrun::ingest::FieldSpec]) -> impl Strategy<Value = Value> {
    let value = prop_oneof![4 => text().prop_map(Value::String), 1 => json()];
    proptest::collection::vec((0..fields.len(), value), 0..fields.len()).prop_map(move |pairs| {
        let mut object = Map::new();
        for (i, v) in pairs {
            object.insert(fields[i].name.to_owned(), v);
        }
        Value::Object(object)
    })
}

fn period() -> PayPeriod {
    PayPeriod {
        start: NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
        end: NaiveDate::from_ymd_opt(2024, 5, 25).unwrap(),
    }
}

#[test]
fn fuzz_the_record_decoder_and_what_follows_it() {
    let rules = RulesConfig::parse(include_str!("../../data/payrun.demo.toml")).unwrap();
    let cards = proptest::collection::vec(record(TIME_CARD_FIELDS), 0..6);
    let users = proptest::collection::vec(record(USER_FIELDS), 0..3);
    let bytes = proptest::collection::vec(any::<u8>(), 0..300);
    fuzz(
        "record decoder",
        (cards, users, bytes),
        |(cards, users, bytes)| {
            // Arbitrary bytes: decoded or refused.
            let _ = decode_records(bytes, RecordType::TimeCard);
            // Arbitrary records: every one decoded, or an exception; then paid.
            let cards = decode_records(
                Value::Array(cards.clone()).to_string().as_bytes(),
                RecordType::TimeCard,
            )
            .expect("an array of objects always decodes");
            let users = decode_records(
                Value::Array(users.clone()).to_string().as_bytes(),
                RecordType::User,
            )
            .expect("an array of objects always decodes");
            let input =
                PayrollInput::from_frames(&cards.frame, &users.frame, cards.exceptions).unwrap();
            let _ = compute(&input, &rules, &period());
        },
    );
}

#[test]
fn fuzz_the_response_envelope() {
    let status = prop_oneof![
        Just(Value::from("SUCCESS")),
        Just(Value::from("ERROR")),
        json()
    ];
    let envelope = (
        proptest::option::of(status),
        proptest::option::of(json()),
        proptest::option::of(json()),
        proptest::option::of(prop_oneof![
            proptest::collection::vec(record(TIME_CARD_FIELDS), 0..4).prop_map(Value::Array),
            json(),
        ]),
    )
        .prop_map(|(status, message, next, data)| {
            let mut object = Map::new();
            for (key, value) in [
                ("statusCode", status),
                ("message", message),
                ("nextRecord", next),
                ("data", data),
            ] {
                if let Some(value) = value {
                    object.insert(key.to_owned(), value);
                }
            }
            Value::Object(object).to_string().into_bytes()
        });
    let bytes = proptest::collection::vec(any::<u8>(), 0..300);
    fuzz("envelope parser", (envelope, bytes), |(envelope, bytes)| {
        for body in [envelope, bytes] {
            if let Ok(page) = decode_page(body, RecordType::TimeCard) {
                let _ = page.header.problem();
            }
        }
    });
}

#[test]
fn fuzz_the_configuration_parser() {
    let demo = include_str!("../../data/payrun.demo.toml");
    let lines: Vec<&'static str> = demo.lines().collect();
    let n = lines.len();
    // The demo configuration with lines dropped, duplicated or given
    // another line's value; and arbitrary text.
    let mutated = proptest::collection::vec((0..n, 0..n, 0..3u8), 0..6).prop_map(move |edits| {
        let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        for (a, b, how) in edits {
            let (a, b) = (a % out.len().max(1), b % out.len().max(1));
            if out.is_empty() {
                break;
            }
            match how {
                0 => {
                    out.remove(a);
                }
                1 => {
                    let line = out[a].clone();
                    out.insert(b, line);
                }
                _ => {
                    let value = out[b].split_once('=').map(|(_, v)| v.to_owned());
                    if let (Some((key, _)), Some(value)) = (out[a].clone().split_once('='), value) {
                        out[a] = format!("{key}={value}");
                    }
                }
            }
        }
        out.join("\n")
    });
    let text = "\\PC{0,200}";
    fuzz(
        "configuration parser",
        (mutated, text),
        |(mutated, text)| {
            for input in [mutated, text] {
                let _ = Settings::parse(input);
                let _ = RulesConfig::parse(input);
            }
        },
    );
}

/// Numeric keys at extreme values, several at once: each is refused with
/// an error, or accepted and then paid without a panic (an accepted
/// multiplier or rate must not overflow the pricing).
#[test]
fn fuzz_numeric_configuration_keys_at_extreme_values() {
    const KEYS: [(&str, &str); 22] = [
        ("overtime_rules.default", "daily_ot_after"),
        ("overtime_rules.default", "daily_dt_after"),
        ("overtime_rules.default", "weekly_ot_after"),
        ("overtime_rules.default", "weekly_dt_after"),
        ("overtime_rules.default", "seventh_day_dt_after"),
        ("overtime_rules.default", "ot_multiplier"),
        ("overtime_rules.default", "dt_multiplier"),
        ("overtime_rules.bi", "biweekly_ot_after"),
        ("overtime_rules.bi", "biweekly_dt_after"),
        ("jobs.\"Welding\"", "rate"),
        ("jobs.\"Welding\"", "premium"),
        ("shifts.\"night\"", "premium"),
        ("shifts.\"night\"", "percent"),
        ("auto_lunch", "after_hours"),
        ("auto_lunch", "deduct_minutes"),
        ("salary", "hours_per_week"),
        ("punches", "max_shift_hours"),
        ("api", "max_records"),
        ("api", "concurrency"),
        ("api", "max_body_bytes"),
        ("api", "max_wait_secs"),
        ("api", "timeout_secs"),
    ];
    const VALUES: [&str; 27] = [
        "0",
        "-1",
        "1",
        "1.5",
        "2",
        "3",
        "3.0001",
        "8",
        "24",
        "25",
        "40",
        "168",
        "169",
        "336",
        "1e15",
        "9999.99",
        "10000",
        "1e20",
        "1e24",
        "3e25",
        "1e308",
        "-1e308",
        "1e-30",
        "0.00001",
        "inf",
        "nan",
        "9223372036854775807",
    ];
    let users = r#"[{"userName": "ann", "rateType": "Hourly Rate", "payRate": "9999.9999", "timeZone": "UTC"},
        {"userName": "sal", "rateType": "Salary Rate", "payRate": "99999999", "timeZone": "UTC", "overTimeRule": "bi"}]"#;
    let mut cards = Vec::new();
    for day in 12..26 {
        for user in ["ann", "sal"] {
            cards.push(format!(
                r#"{{"userName": "{user}", "entryType": 0, "inDateTime": "2024-05-{day} 00:00:00", "outDateTime": "2024-05-{day} 23:00:00", "jobName": "Welding", "shiftName": "night"}}"#
            ));
        }
    }
    let cards = decode_records(
        format!("[{}]", cards.join(",")).as_bytes(),
        RecordType::TimeCard,
    )
    .unwrap();
    let users = decode_records(users.as_bytes(), RecordType::User).unwrap();
    let input = PayrollInput::from_frames(&cards.frame, &users.frame, cards.exceptions).unwrap();
    let settings = proptest::collection::vec((0..KEYS.len(), 0..VALUES.len()), 1..5);
    fuzz("numeric configuration keys", settings, |chosen| {
        let mut tables: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        tables.insert("overtime_rules.bi", vec!["basis = \"biweekly\"".into()]);
        for &(key, value) in chosen {
            let (table, key) = KEYS[key];
            let line = format!("{key} = {}", VALUES[value]);
            let lines = tables.entry(table).or_default();
            if !lines.iter().any(|l| l.starts_with(&format!("{key} ="))) {
                lines.push(line);
            }
        }
        // `[auto_lunch]` needs both keys: the one not chosen is a plain value.
        if let Some(lines) = tables.get_mut("auto_lunch") {
            for (key, plain) in [
                ("after_hours", "after_hours = 6"),
                ("deduct_minutes", "deduct_minutes = 30"),
            ] {
                if !lines.iter().any(|l| l.starts_with(key)) {
                    lines.push(plain.into());
                }
            }
        }
        let mut text =
            String::from("[pay_period]\nfrequency = \"biweekly\"\nanchor = \"2024-05-12\"\n");
        for (table, lines) in &tables {
            text.push_str(&format!("[{table}]\n{}\n", lines.join("\n")));
        }
        if let Ok(settings) = Settings::parse(&text) {
            let _ = compute(&input, &settings.rules, &period());
        }
    });
}
