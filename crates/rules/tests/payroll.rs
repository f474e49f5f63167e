//! Payroll figures a clerk can check by hand, through the public API.
//!
//! One file because each test is a figure a clerk can check by hand, in a
//! few lines, and they share the helpers that build a week of cards.

mod common;

use common::*;
use payrun_ingest::ExceptionKind;
use payrun_rules::Status;
use rust_decimal::Decimal;

fn zero() -> Decimal {
    Decimal::ZERO
}

// ---- The four worked examples of design §5 --------------------------------

#[test]
fn hourly_twelve_dollars_forty_six_hours_is_588() {
    let users = [user("ann", "Hourly Rate", "12.00", "America/Chicago", "")];
    let run = run(
        &users,
        &days("ann", "2024-05-13", &[10, 10, 10, 8, 8]),
        WEEKLY,
        period("2024-05-12", "2024-05-18"),
    );
    let ann = row(&run, "ann");
    assert_eq!(tiers(ann), (dec("40"), dec("6"), zero()));
    assert_eq!(
        pay(ann),
        [
            dec("480.00"),
            dec("108.00"),
            zero(),
            zero(),
            zero(),
            dec("588.00")
        ]
    );
}

#[test]
fn salary_220_80_a_week_for_40_hours_with_44_worked_is_253_92() {
    let config = format!(
        "{WEEKLY}\n[salary]\nperiod = \"weekly\"\nmode = \"nonexempt_fixed\"\nhours_per_week = 40\n"
    );
    let users = [user("sal", "Salary Rate", "220.80", "America/Chicago", "")];
    let run = run(
        &users,
        &days("sal", "2024-05-13", &[9, 9, 9, 9, 8]),
        &config,
        period("2024-05-12", "2024-05-18"),
    );
    let sal = row(&run, "sal");
    assert_eq!(tiers(sal), (dec("40"), dec("4"), zero()));
    assert_eq!(
        pay(sal),
        [
            dec("220.80"),
            dec("33.12"),
            zero(),
            zero(),
            zero(),
            dec("253.92")
        ]
    );
}

#[test]
fn fluctuating_workweek_600_for_50_hours_is_660() {
    let config =
        format!("{WEEKLY}\n[salary]\nperiod = \"weekly\"\nmode = \"fluctuating_workweek\"\n");
    let users = [user("fww", "Salary Rate", "600.00", "America/Chicago", "")];
    let run = run(
        &users,
        &days("fww", "2024-05-13", &[10; 5]),
        &config,
        period("2024-05-12", "2024-05-18"),
    );
    let fww = row(&run, "fww");
    assert_eq!(tiers(fww), (dec("40"), dec("10"), zero()));
    assert_eq!(
        pay(fww),
        [
            dec("600.00"),
            dec("60.00"),
            zero(),
            zero(),
            zero(),
            dec("660.00")
        ]
    );
}

const CALIFORNIA: &str = r#"
[pay_period]
frequency = "weekly"
anchor = "2024-05-12"

[overtime_rules.default]
weekly_ot_after = 40

[overtime_rules.ot1]
basis = "weekly"
daily_ot_after = 8
daily_dt_after = 12
weekly_ot_after = 40
seventh_day = true
"#;

#[test]
fn california_rule_25_an_hour_is_1275() {
    let users = [user(
        "cal",
        "Hourly Rate",
        "25.00",
        "America/Los_Angeles",
        r#""overTimeRule": "ot1""#,
    )];
    let run = run(
        &users,
        &days("cal", "2024-05-13", &[10, 8, 13, 8, 8]),
        CALIFORNIA,
        period("2024-05-12", "2024-05-18"),
    );
    let cal = row(&run, "cal");
    assert_eq!(cal.overtime_rule, "ot1");
    assert_eq!(tiers(cal), (dec("40"), dec("6"), dec("1")));
    assert_eq!(
        pay(cal),
        [
            dec("1000.00"),
            dec("225.00"),
            dec("50.00"),
            zero(),
            zero(),
            dec("1275.00")
        ]
    );
}

// ---- Overnight shifts and workday / workweek boundaries ----------------

#[test]
fn an_overnight_shift_splits_across_the_workweek_boundary() {
    // 38 h Monday to Thursday, then Saturday 20:00 to Sunday 04:00 (weeks start on Sunday).
    let mut cards = days("ann", "2024-05-13", &[10, 10, 10, 8]);
    cards.push(punch("ann", "2024-05-18 20:00:00", "2024-05-19 04:00:00"));
    let users = [user("ann", "Hourly Rate", "20.00", "America/Chicago", "")];
    let config = WEEKLY.replace("frequency = \"weekly\"", "frequency = \"biweekly\"");
    let run = run(&users, &cards, &config, period("2024-05-12", "2024-05-25"));
    let ann = row(&run, "ann");
    // Saturday's 4 h: 2 reach 40, 2 are overtime; Sunday's 4 h start a new week.
    assert_eq!(tiers(ann), (dec("44"), dec("2"), zero()));
    let sat = run
        .days
        .iter()
        .find(|d| d.work_date == d_("2024-05-18"))
        .unwrap();
    let sun = run
        .days
        .iter()
        .find(|d| d.work_date == d_("2024-05-19"))
        .unwrap();
    assert_eq!((sat.regular, sat.overtime), (2 * 3600, 2 * 3600));
    assert_eq!((sun.regular, sun.overtime), (4 * 3600, 0));

    // Without splitting, the whole shift belongs to Saturday, in the first week.
    let unsplit = format!("{config}\n[punches]\nsplit_at_workday = false\n");
    let run = common::run(&users, &cards, &unsplit, period("2024-05-12", "2024-05-25"));
    assert_eq!(tiers(row(&run, "ann")), (dec("40"), dec("6"), zero()));
    assert!(run.days.iter().all(|d| d.work_date != d_("2024-05-19")));
}

fn d_(s: &str) -> chrono::NaiveDate {
    d(s)
}

#[test]
fn a_workday_that_starts_at_six_keeps_a_night_shift_together() {
    let config = format!("{WEEKLY}\n[company]\nworkday_start = \"06:00\"\n");
    let users = [user("ann", "Hourly Rate", "20.00", "America/Chicago", "")];
    let cards = [punch("ann", "2024-05-14 22:00:00", "2024-05-15 05:30:00")];
    let run = run(&users, &cards, &config, period("2024-05-12", "2024-05-18"));
    assert_eq!(run.days.len(), 1);
    assert_eq!(run.days[0].work_date, d("2024-05-14"));
    assert_eq!(run.days[0].regular, 7 * 3600 + 1800);
}

// ---- Daylight saving time ---------------------------------------------

fn night(zone: &str, from: &str, to: &str, first_day: &str) -> (i64, Vec<(String, i64)>) {
    let config = r#"
[pay_period]
frequency = "monthly"
[overtime_rules.default]
"#;
    let users = [user("nite", "Hourly Rate", "20.00", zone, "")];
    let start = d(first_day);
    let run = run(
        &users,
        &[punch("nite", from, to)],
        config,
        period(first_day, &(start + chrono::Duration::days(1)).to_string()),
    );
    let r = row(&run, "nite");
    let days = run
        .days
        .iter()
        .map(|d| (d.work_date.to_string(), d.regular))
        .collect();
    (
        r.hours.regular + r.hours.overtime + r.hours.double_time,
        days,
    )
}

#[test]
fn dst_in_los_angeles() {
    let (worked, days) = night(
        "America/Los_Angeles",
        "2024-11-02 22:00:00",
        "2024-11-03 06:00:00",
        "2024-11-02",
    );
    assert_eq!(worked, 9 * 3600, "fall back: 9 h");
    assert_eq!(
        days,
        vec![
            ("2024-11-02".into(), 2 * 3600),
            ("2024-11-03".into(), 7 * 3600)
        ]
    );
    let (worked, days) = night(
        "America/Los_Angeles",
        "2024-03-09 22:00:00",
        "2024-03-10 06:00:00",
        "2024-03-09",
    );
    assert_eq!(worked, 7 * 3600, "spring forward: 7 h");
    assert_eq!(
        days,
        vec![
            ("2024-03-09".into(), 2 * 3600),
            ("2024-03-10".into(), 5 * 3600)
        ]
    );
}

#[test]
fn dst_in_sydney() {
    let (worked, days) = night(
        "Australia/Sydney",
        "2024-04-06 22:00:00",
        "2024-04-07 06:00:00",
        "2024-04-06",
    );
    assert_eq!(worked, 9 * 3600, "clocks go back on 7 April");
    assert_eq!(
        days,
        vec![
            ("2024-04-06".into(), 2 * 3600),
            ("2024-04-07".into(), 7 * 3600)
        ]
    );
    let (worked, days) = night(
        "Australia/Sydney",
        "2024-10-05 22:00:00",
        "2024-10-06 06:00:00",
        "2024-10-05",
    );
    assert_eq!(worked, 7 * 3600, "clocks go forward on 6 October");
    assert_eq!(
        days,
        vec![
            ("2024-10-05".into(), 2 * 3600),
            ("2024-10-06".into(), 5 * 3600)
        ]
    );
}

// ---- Periods that start mid-week ---------------------------------------

#[test]
fn a_semimonthly_period_sees_the_hours_worked_before_it_in_the_same_week() {
    let config = r#"
[pay_period]
frequency = "semimonthly"
[overtime_rules.default]
weekly_ot_after = 40
"#;
    // Sunday 12 May to Saturday 18 May is one workweek; the period starts Thursday 16 May.
    let users = [user("ann", "Hourly Rate", "20.00", "America/Chicago", "")];
    let cards = days("ann", "2024-05-13", &[10, 10, 10, 10, 10]);
    let run = run(&users, &cards, config, period("2024-05-16", "2024-05-31"));
    let ann = row(&run, "ann");
    // Thursday's 10 h reach 40 for the week; Friday's 10 h are all overtime.
    assert_eq!(tiers(ann), (dec("10"), dec("10"), zero()));
    assert_eq!(
        pay(ann),
        [
            dec("200.00"),
            dec("300.00"),
            zero(),
            zero(),
            zero(),
            dec("500.00")
        ]
    );
    assert!(run.days.iter().all(|d| d.work_date >= d_("2024-05-16")));
    assert!(run.exceptions.is_empty(), "{:?}", run.exceptions);

    // The same period from input that starts with the period: OT is under-counted, and said so.
    let partial = days("ann", "2024-05-16", &[10, 10]);
    let run = common::run(&users, &partial, config, period("2024-05-16", "2024-05-31"));
    assert_eq!(tiers(row(&run, "ann")), (dec("20"), zero(), zero()));
    assert_eq!(kinds(&run), vec![payrun_rules::kinds::INCOMPLETE_INPUT]);
    assert_eq!(
        run.exceptions[0].message,
        "no time card is dated before 2024-05-16, but the period's first workweek starts 2024-05-12: \
         hours worked from 2024-05-12 are missing from the overtime thresholds \
         (payrun run and payrun fetch include them)"
    );
}

// ---- Biweekly 8/80, special days, rounding, auto lunch -----------------

#[test]
fn biweekly_eight_eighty() {
    let config = r#"
[pay_period]
frequency = "biweekly"
anchor = "2024-05-12"
[overtime_rules.default]
[overtime_rules.hospital]
basis = "biweekly"
daily_ot_after = 8
biweekly_ot_after = 80
"#;
    let users = [user(
        "rn",
        "Hourly Rate",
        "30.00",
        "America/New_York",
        r#""overTimeRule": "hospital""#,
    )];
    // 6 x 8 h in week one, then 4 x 8 h and a 12 h day in week two.
    let cards = days("rn", "2024-05-13", &[8, 8, 8, 8, 8, 8, 0, 8, 8, 8, 8, 12]);
    let run = run(&users, &cards, config, period("2024-05-12", "2024-05-25"));
    let rn = row(&run, "rn");
    // Daily: the 12 h day has 4 OT. Regular: 48 + 32 + 8 = 88, of which 8 pass 80.
    assert_eq!(tiers(rn), (dec("80"), dec("12"), zero()));
    assert_eq!(
        pay(rn),
        [
            dec("2400.00"),
            dec("540.00"),
            zero(),
            zero(),
            zero(),
            dec("2940.00")
        ]
    );
}

#[test]
fn special_weekdays_and_dates() {
    let config = r#"
[pay_period]
frequency = "weekly"
anchor = "2024-12-22"
[overtime_rules.default]
weekly_ot_after = 40
special_weekdays = { sunday = "overtime" }
special_dates = { "2024-12-25" = "double_time" }
"#;
    let users = [user("ann", "Hourly Rate", "20.00", "America/Chicago", "")];
    // Sunday 22 Dec 5 h (overtime), Tuesday 24 8 h, Wednesday 25 6 h (double time).
    let cards = days("ann", "2024-12-22", &[5, 0, 8, 6]);
    let run = run(&users, &cards, config, period("2024-12-22", "2024-12-28"));
    let ann = row(&run, "ann");
    assert_eq!(tiers(ann), (dec("8"), dec("5"), dec("6")));
    assert_eq!(
        pay(ann),
        [
            dec("160.00"),
            dec("150.00"),
            dec("240.00"),
            zero(),
            zero(),
            dec("550.00")
        ]
    );
}

fn rounded(mode_in: &str, mode_out: &str, lunch: bool) -> i64 {
    let mut config = format!(
        "{WEEKLY}\n[rounding]\nclock_in = {{ mode = \"{mode_in}\", minutes = 15 }}\nclock_out = {{ mode = \"{mode_out}\", minutes = 15 }}\n"
    );
    if lunch {
        config.push_str("[auto_lunch]\nafter_hours = 6.0\ndeduct_minutes = 30\n");
    }
    let users = [user("ann", "Hourly Rate", "20.00", "America/Chicago", "")];
    let run = run(
        &users,
        &[punch("ann", "2024-05-13 08:07:00", "2024-05-13 16:53:00")],
        &config,
        period("2024-05-12", "2024-05-18"),
    );
    row(&run, "ann").hours.regular
}

#[test]
fn every_rounding_mode_and_auto_lunch() {
    const M: i64 = 60;
    // 08:07 -> 16:53 as clocked is 8 h 46 min.
    assert_eq!(
        rounded("nearest", "nearest", false),
        9 * 60 * M,
        "08:00 -> 17:00"
    );
    assert_eq!(
        rounded("up", "down", false),
        (8 * 60 + 30) * M,
        "08:15 -> 16:45"
    );
    assert_eq!(rounded("down", "up", false), 9 * 60 * M, "08:00 -> 17:00");
    assert_eq!(
        rounded("up", "up", false),
        (8 * 60 + 45) * M,
        "08:15 -> 17:00"
    );
    assert_eq!(
        rounded("nearest", "nearest", true),
        (8 * 60 + 30) * M,
        "9 h less a 30-minute lunch"
    );
    // A 5-hour shift is under after_hours: no deduction.
    let config = format!("{WEEKLY}\n[auto_lunch]\nafter_hours = 6\ndeduct_minutes = 30\n");
    let users = [user("ann", "Hourly Rate", "20.00", "America/Chicago", "")];
    let run = run(
        &users,
        &[punch("ann", "2024-05-13 08:00:00", "2024-05-13 13:00:00")],
        &config,
        period("2024-05-12", "2024-05-18"),
    );
    assert_eq!(row(&run, "ann").hours.regular, 5 * 3600);
}

#[test]
fn nonexempt_fixed_for_35_hours_pays_hours_35_to_40_at_straight_time() {
    let config = format!("{WEEKLY}\n[salary]\nperiod = \"weekly\"\nhours_per_week = 35\n");
    let users = [user("sal", "Salary Rate", "700.00", "America/Chicago", "")];
    // 42 h: 35 covered by the salary, 5 more regular at $20, 2 overtime at $30.
    let run = run(
        &users,
        &days("sal", "2024-05-13", &[9, 9, 8, 8, 8]),
        &config,
        period("2024-05-12", "2024-05-18"),
    );
    let sal = row(&run, "sal");
    assert_eq!(tiers(sal), (dec("40"), dec("2"), zero()));
    // The pay lines: the salary for 35 h, 5 h beyond it at $20, 2 OT hours at $30.
    let lines: Vec<_> = run
        .pay_lines
        .iter()
        .map(|l| (l.kind.as_str(), l.hours, l.rate, l.amount))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("salary", dec("35"), None, dec("700.00")),
            ("regular", dec("5"), Some(dec("20")), dec("100.00")),
            ("overtime", dec("2"), Some(dec("30")), dec("60.00")),
        ]
    );
    assert_eq!(
        pay(sal),
        [
            dec("800.00"),
            dec("60.00"),
            zero(),
            zero(),
            zero(),
            dec("860.00")
        ]
    );
}

#[test]
fn exempt_override_reports_all_hours_as_regular() {
    let config = format!(
        "{WEEKLY}\n[salary]\nperiod = \"weekly\"\n[users.\"boss\"]\nsalary_mode = \"exempt\"\n"
    );
    let users = [user(
        "boss",
        "Salary Rate",
        "1500.00",
        "America/Chicago",
        "",
    )];
    let run = run(
        &users,
        &days("boss", "2024-05-13", &[12; 5]),
        &config,
        period("2024-05-12", "2024-05-18"),
    );
    let boss = row(&run, "boss");
    assert_eq!(tiers(boss), (dec("60"), zero(), zero()));
    assert_eq!(
        pay(boss),
        [
            dec("1500.00"),
            zero(),
            zero(),
            zero(),
            zero(),
            dec("1500.00")
        ]
    );
}

#[test]
fn pto_and_adjustments() {
    let users = [user("ann", "Hourly Rate", "18.50", "America/Chicago", "")];
    let mut cards = days("ann", "2024-05-13", &[8, 8, 8, 8]);
    cards.push(pto("ann", "2024-05-17", "8.000"));
    cards.push(adjustment("ann", "2024-05-15", 2, false, "1.500"));
    cards.push(adjustment("ann", "2024-05-16", 3, false, "0.250"));
    cards.push(adjustment("ann", "2024-05-16", 2, true, "25.00"));
    cards.push(adjustment("ann", "2024-05-16", 3, true, "10.00"));
    let run = run(&users, &cards, WEEKLY, period("2024-05-12", "2024-05-18"));
    let ann = row(&run, "ann");
    assert_eq!(
        tiers(ann),
        (dec("32"), zero(), zero()),
        "PTO does not count toward overtime by default"
    );
    assert_eq!(ann.hours.pto_hours, dec("8"));
    assert_eq!(ann.hours.adjustment_hours, dec("1.25"));
    assert_eq!(ann.hours.adjustment_amount, dec("15"));
    // 32 x 18.50 = 592; PTO 8 x 18.50 = 148; 1.25 x 18.50 + 15 = 38.125 -> 38.13.
    assert_eq!(
        pay(ann),
        [
            dec("592.00"),
            zero(),
            zero(),
            dec("148.00"),
            dec("38.13"),
            dec("778.13")
        ]
    );
}

#[test]
fn pto_counts_toward_overtime_when_configured_but_is_paid_as_pto() {
    let config = format!("{WEEKLY}\n[pto]\ncounts_toward_overtime = true\n");
    let users = [user("ann", "Hourly Rate", "20.00", "America/Chicago", "")];
    let mut cards = vec![pto("ann", "2024-05-13", "8.000")];
    cards.extend(days("ann", "2024-05-14", &[9, 9, 9, 9]));
    let run = run(&users, &cards, &config, period("2024-05-12", "2024-05-18"));
    let ann = row(&run, "ann");
    assert_eq!(tiers(ann), (dec("32"), dec("4"), zero()));
    assert_eq!(
        pay(ann),
        [
            dec("640.00"),
            dec("120.00"),
            zero(),
            dec("160.00"),
            zero(),
            dec("920.00")
        ]
    );
}

// ---- Exceptions ---------------------------------------------------------

fn kinds(run: &payrun_rules::PayrollRun) -> Vec<ExceptionKind> {
    run.exceptions.iter().map(|e| e.kind).collect()
}

#[test]
fn every_exception_kind_is_raised_where_it_arises() {
    // Long shifts paid, to see every kind on one payroll (held: see below).
    let config = format!("{WEEKLY}\n[punches]\nmax_shift_hours = 12\nlong_shift = \"pay\"\n");
    let users = [
        user(
            "ann",
            "Hourly Rate",
            "20.00",
            "America/Los_Angeles",
            r#""overTimeRule": "nightshift""#,
        ),
        user("bob", "Hourly Rate", "", "", ""),
        user("cy", "Hourly Rate", "20.00", "Mars/Olympus", ""),
    ];
    let cards = [
        punch("ann", "2024-05-13 08:00:00", "0000-00-00 00:00:00"), // open punch
        punch("ann", "2024-05-14 17:00:00", "2024-05-14 09:00:00"), // out before in
        punch("ann", "2024-05-15 06:00:00", "2024-05-15 20:00:00"), // 14 h: long
        punch("ann", "2024-05-16 08:00:00", "2024-05-16 12:00:00"),
        punch("ann", "2024-05-16 11:00:00", "2024-05-16 15:00:00"), // overlaps 1 h
        punch("ann", "2024-05-17 08:00:00", "2024-05-17 12:00:00"),
        punch("ann", "2024-05-17 08:00:00", "2024-05-17 12:00:00"), // duplicate
        punch("ghost", "2024-05-17 08:00:00", "2024-05-17 12:00:00"), // unknown user
        r#"{"userName": "ann", "entryType": 7, "inDateTime": "2024-05-17 13:00:00", "hours": "1.000"}"#.to_owned(),
        punch("bob", "2024-05-13 09:00:00", "2024-05-13 17:00:00"), // no rate, no zone
        punch("cy", "2024-05-13 09:00:00", "2024-05-13 17:00:00"),  // invalid zone
    ];
    let run = run(&users, &cards, &config, period("2024-05-12", "2024-05-18"));
    let mut found = kinds(&run);
    found.sort();
    found.dedup();
    let mut want = vec![
        payrun_rules::kinds::OPEN_PUNCH,
        payrun_rules::kinds::NON_POSITIVE_DURATION,
        payrun_rules::kinds::LONG_SHIFT,
        payrun_rules::kinds::OVERLAPPING_SHIFT,
        payrun_rules::kinds::DUPLICATE_RECORD,
        payrun_rules::kinds::UNKNOWN_USER,
        payrun_rules::kinds::UNKNOWN_OVERTIME_RULE,
        payrun_rules::kinds::INVALID_TIME_ZONE,
        payrun_rules::kinds::MISSING_PAY_RATE,
        payrun_rules::kinds::UNKNOWN_ENTRY_TYPE,
    ];
    want.sort();
    assert_eq!(found, want);
    let ann = row(&run, "ann");
    // 14 + (4 + 4 - 1 overlap) + 4 = 25 h worked and paid.
    assert_eq!(tiers(ann), (dec("25"), zero(), zero()));
    assert_eq!(
        ann.overtime_rule, "default",
        "an unknown rule falls back to default"
    );
    let message = |k: ExceptionKind| {
        run.exceptions
            .iter()
            .find(|e| e.kind == k)
            .unwrap()
            .message
            .clone()
    };
    assert_eq!(
        message(payrun_rules::kinds::UNKNOWN_OVERTIME_RULE),
        "overTimeRule \"nightshift\" is not configured under [overtime_rules]; `default` is used"
    );
    assert_eq!(
        message(payrun_rules::kinds::OVERLAPPING_SHIFT),
        "overlaps the shift from 2024-05-16 08:00:00 by 60 min; the overlap counts once"
    );
    assert_eq!(
        message(payrun_rules::kinds::MISSING_PAY_RATE),
        "payRate is empty; pay is computed at 0.00"
    );
    assert_eq!(
        run.exceptions
            .iter()
            .filter(|e| e.kind == payrun_rules::kinds::INVALID_TIME_ZONE)
            .count(),
        2,
        "an empty zone and an invalid one"
    );
    assert_eq!(row(&run, "cy").time_zone, "America/New_York");
    assert_eq!(row(&run, "bob").pay.gross, zero());
    assert_eq!(ann.exceptions, 7);
    let open = run
        .exceptions
        .iter()
        .find(|e| e.kind == payrun_rules::kinds::OPEN_PUNCH)
        .unwrap();
    assert_eq!(open.user_name.as_deref(), Some("ann"));
    assert_eq!(open.in_date_time.as_deref(), Some("2024-05-13 08:00:00"));
    assert_eq!(open.out_date_time, None);
}

#[test]
fn dst_adjusted_and_invalid_value_exceptions() {
    let users = [user(
        "ann",
        "Hourly Rate",
        "20.00",
        "America/Los_Angeles",
        "",
    )];
    let cards = [
        punch("ann", "2024-11-03 01:30:00", "2024-11-03 05:00:00"), // 01:30 happens twice
        r#"{"userName": "ann", "entryType": 1, "inDateTime": "2024-11-04 00:00:00"}"#.to_owned(), // PTO without hours
        adjustment("ann", "2024-11-05", 2, true, "99999999999.00"), // a typing error, not a bonus
    ];
    let config =
        "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-11-03\"\n[overtime_rules.default]\n";
    let run = run(&users, &cards, config, period("2024-11-03", "2024-11-09"));
    assert_eq!(
        kinds(&run),
        vec![
            payrun_rules::kinds::INVALID_VALUE,
            payrun_rules::kinds::INVALID_VALUE,
            payrun_rules::kinds::DST_ADJUSTED
        ]
    );
    let messages: Vec<_> = run.exceptions.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages[..2],
        [
            "PTO or adjustment without `hours`; excluded from pay",
            "`hours` 99999999999.000000 is beyond 100000 for a money adjustment; held from pay",
        ]
    );
    assert_eq!(row(&run, "ann").pay.adjustment, zero());
    // The earlier 01:30 (PDT) to 05:00 PST is 4.5 h of real time.
    assert_eq!(row(&run, "ann").hours.regular, 4 * 3600 + 1800);
}

#[test]
fn no_default_rule_fails_the_run_listing_the_configured_rules() {
    let config =
        "[overtime_rules.ot1]\ndaily_ot_after = 8\n[overtime_rules.ot2]\nbasis = \"off\"\n";
    let users = [user(
        "ann",
        "Hourly Rate",
        "20.00",
        "America/Chicago",
        r#""overTimeRule": "ot9""#,
    )];
    let err = try_run(
        &users,
        &days("ann", "2024-05-13", &[8]),
        config,
        period("2024-05-12", "2024-05-18"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "user ann needs overtime rule `ot9`, which is not configured, and there is no `default` rule to fall back to; configured rules: ot1, ot2"
    );
}

#[test]
fn every_active_user_appears_and_inactive_ones_only_with_activity() {
    let users = [
        user("idle", "Hourly Rate", "20.00", "America/Chicago", ""),
        user(
            "gone",
            "Hourly Rate",
            "20.00",
            "America/Chicago",
            r#""role": "Inactive""#,
        )
        .replace(r#""role": "Employee", "#, ""),
        user(
            "late",
            "Hourly Rate",
            "20.00",
            "America/Chicago",
            r#""hiredDate": "2024-06-01""#,
        )
        .replace(r#", "hiredDate": "2020-01-01""#, ""),
        user(
            "left",
            "Hourly Rate",
            "20.00",
            "America/Chicago",
            r#""role": "Inactive""#,
        )
        .replace(r#""role": "Employee", "#, ""),
    ];
    let run = run(
        &users,
        &days("left", "2024-05-13", &[4]),
        WEEKLY,
        period("2024-05-12", "2024-05-18"),
    );
    let names: Vec<_> = run
        .summary
        .iter()
        .map(|r| r.user_name.clone().unwrap())
        .collect();
    assert_eq!(names, vec!["idle", "left"]);
    assert_eq!(row(&run, "idle").pay.gross, zero());
}

#[test]
fn report_frames_have_the_spec_columns_and_agree_with_each_other() {
    let users = [
        user("ann", "Hourly Rate", "12.00", "America/Chicago", ""),
        user(
            "bob",
            "Hourly Rate",
            "15.00",
            "America/Chicago",
            r#""departmentName": "Kitchen""#,
        )
        .replace(r#""departmentName": "Ops", "#, ""),
    ];
    let mut cards = days("ann", "2024-05-13", &[10, 10, 10, 8, 8]);
    // Odd seconds, so rounding to hundredths matters.
    cards.push(punch("bob", "2024-05-13 08:00:20", "2024-05-13 16:00:00"));
    cards.push(punch("bob", "2024-05-14 08:00:20", "2024-05-14 16:00:00"));
    cards.push(punch("bob", "2024-05-15 08:00:20", "2024-05-15 16:00:00"));
    let run = run(&users, &cards, WEEKLY, period("2024-05-12", "2024-05-18"));
    let report = run.report().unwrap();
    let names = |f: &polars::prelude::DataFrame| {
        f.get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&report.payroll_summary),
        [
            "period_start",
            "period_end",
            "user_name",
            "employee_number",
            "user_full_name",
            "department_name",
            "rate_type",
            "pay_rate",
            "overtime_rule",
            "time_zone",
            "worked_hours",
            "regular_hours",
            "overtime_hours",
            "double_time_hours",
            "pto_hours",
            "adjustment_hours",
            "adjustment_amount",
            "regular_pay",
            "overtime_pay",
            "double_time_pay",
            "pto_pay",
            "adjustment_pay",
            "gross_pay",
            "exceptions",
            "status",
            // Beyond design §9, appended so that columns read by position stay put.
            "unapproved_hours",
            // design §5d: meal-period premiums, last.
            "premium_pay",
        ]
    );
    assert_eq!(
        names(&report.daily_hours),
        [
            "user_name",
            "work_date",
            "worked_hours",
            "regular_hours",
            "overtime_hours",
            "double_time_hours",
            "pto_hours",
            // Appended to the contract's columns: two users sharing a userName differ by it.
            "employee_number"
        ]
    );
    assert_eq!(
        names(&report.department_summary),
        [
            "department_name",
            "headcount",
            "worked_hours",
            "overtime_hours",
            "double_time_hours",
            "gross_pay",
            "overtime_cost"
        ]
    );
    let text = |f: &polars::prelude::DataFrame, c: &str| {
        let s = f
            .column(c)
            .unwrap()
            .cast(&polars::prelude::DataType::String)
            .unwrap();
        s.str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    };
    // Bob: three days of 7 h 59 min 40 s = 7.9944… h each; 23.983… h rounds to 23.98.
    assert_eq!(
        text(&report.payroll_summary, "regular_hours"),
        vec!["40.00", "23.98"]
    );
    assert_eq!(
        text(&report.payroll_summary, "worked_hours"),
        vec!["46.00", "23.98"]
    );
    let bob_days: Vec<_> = text(&report.daily_hours, "regular_hours")
        .into_iter()
        .skip(5)
        .collect();
    assert_eq!(
        bob_days,
        vec!["8.00", "7.99", "7.99"],
        "the days add up to the summary"
    );
    assert_eq!(
        text(&report.payroll_summary, "gross_pay"),
        vec!["588.00", "359.75"]
    );
    assert_eq!(
        text(&report.department_summary, "department_name"),
        vec!["Kitchen", "Ops"]
    );
    assert_eq!(
        text(&report.department_summary, "overtime_cost"),
        vec!["0.00", "108.00"]
    );
    assert_eq!(
        text(&report.department_summary, "headcount"),
        vec!["1", "1"]
    );
}

// ---- Users are people, not names ------------------------------------------

/// Two users who share a userName, their cards matched by employeeNumber:
/// each keeps their own hours and pay, each has their own daily rows, and
/// the department counts each once. A card that names only the shared
/// userName is paid to neither: its `unknown_user` error counts on both
/// users' rows, which are `warning`, not `ok`.
#[test]
fn two_users_who_share_a_user_name_keep_their_own_figures() {
    let users = [
        r#"{"userName": "pat", "userFullName": "Pat One", "employeeNumber": "1", "role": "Employee",
            "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC", "departmentName": "Ops"}"#
            .to_owned(),
        r#"{"userName": "pat", "userFullName": "Pat Two", "employeeNumber": "2", "role": "Employee",
            "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC", "departmentName": "Ops"}"#
            .to_owned(),
    ];
    let card = |number: &str, from: &str, to: &str| {
        format!(
            r#"{{"userName": "", "employeeNumber": "{number}", "entryType": 0, "inDateTime": "{from}", "outDateTime": "{to}"}}"#
        )
    };
    let cards = [
        card("1", "2024-05-13 08:00:00", "2024-05-13 16:00:00"),
        card("2", "2024-05-13 09:00:00", "2024-05-13 12:00:00"),
        // A card naming the shared userName matches neither: unknown_user.
        punch("pat", "2024-05-14 09:00:00", "2024-05-14 10:00:00"),
    ];
    let run = run(&users, &cards, WEEKLY, period("2024-05-12", "2024-05-18"));
    let figures: Vec<_> = run
        .summary
        .iter()
        .map(|r| {
            (
                r.user_full_name.clone().unwrap(),
                tiers(r).0,
                r.pay.gross,
                r.exceptions,
                r.status,
            )
        })
        .collect();
    assert_eq!(
        figures,
        vec![
            (
                "Pat One".to_owned(),
                dec("8"),
                dec("80.00"),
                1,
                Status::Warning
            ),
            (
                "Pat Two".to_owned(),
                dec("3"),
                dec("60.00"),
                1,
                Status::Warning
            ),
        ]
    );
    assert_eq!(kinds(&run), vec![payrun_rules::kinds::UNKNOWN_USER]);
    let report = run.report().unwrap();
    let daily = report
        .daily_hours
        .column("worked_hours")
        .unwrap()
        .cast(&polars::prelude::DataType::String)
        .unwrap();
    let daily: Vec<_> = daily
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_owned())
        .collect();
    assert_eq!(daily, vec!["8.00", "3.00"]);
    let department = &report.department_summary;
    let number = |name: &str| {
        let c = department
            .column(name)
            .unwrap()
            .cast(&polars::prelude::DataType::String)
            .unwrap();
        c.str().unwrap().get(0).unwrap().to_owned()
    };
    assert_eq!(
        (
            number("headcount"),
            number("worked_hours"),
            number("gross_pay")
        ),
        ("2".to_owned(), "11.00".to_owned(), "140.00".to_owned())
    );
}

// ---- Overlaps and duplicates that must not lose pay -----------------------

/// Two overlapping night shifts with `split_at_workday = false`: the union
/// 20:00 → 04:00 is 8 h, all of it Saturday 02-10's (both shifts start that
/// day): 8.00 h, $80.00, and `overlapping_shift`.
#[test]
fn an_overlap_remainder_keeps_its_shifts_workday() {
    let users = [user("ann", "Hourly Rate", "10.00", "UTC", "")];
    let cards = [
        punch("ann", "2024-02-10 20:00:00", "2024-02-11 02:00:00"),
        punch("ann", "2024-02-10 23:00:00", "2024-02-11 04:00:00"),
    ];
    let config =
        "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-02-04\"\n[overtime_rules.default]\n";
    let unsplit = format!("{config}[punches]\nsplit_at_workday = false\n");
    let run = common::run(&users, &cards, &unsplit, period("2024-02-04", "2024-02-10"));
    let ann = row(&run, "ann");
    assert_eq!((tiers(ann).0, ann.pay.gross), (dec("8"), dec("80.00")));
    assert_eq!(kinds(&run), vec![payrun_rules::kinds::OVERLAPPING_SHIFT]);
    let next = common::run(&users, &cards, &unsplit, period("2024-02-11", "2024-02-17"));
    assert!(next.summary.iter().all(|r| r.hours.regular == 0));

    // Split at the workday: 20:00-24:00 is Saturday's, 00:00-04:00 Sunday's.
    let run = common::run(&users, &cards, config, period("2024-02-04", "2024-02-10"));
    assert_eq!(row(&run, "ann").pay.gross, dec("40.00"));
    let next = common::run(&users, &cards, config, period("2024-02-11", "2024-02-17"));
    assert_eq!(row(&next, "ann").pay.gross, dec("40.00"));
    assert_eq!(
        next.days
            .iter()
            .map(|d| (d.work_date, d.regular))
            .collect::<Vec<_>>(),
        vec![(d("2024-02-11"), 4 * 3600)]
    );
}

/// Records that differ only in their names are different records: 4 h
/// vacation and 4 h sick on one day are 8 PTO hours; +$50 "bonus" and +$50
/// "tips" at the same instant are $100.00.
#[test]
fn records_that_differ_in_a_name_are_not_duplicates() {
    let users = [user("ann", "Hourly Rate", "10.00", "UTC", "")];
    let pto = |name: &str| {
        format!(
            r#"{{"userName": "ann", "entryType": 1, "inDateTime": "2024-05-14 00:00:00", "hours": "4.000", "ptoName": "{name}",
                "createdDateTime": "2024-05-20 10:00:00", "updateDateTime": "2024-05-20 10:00:00"}}"#
        )
    };
    let money = |name: &str| {
        format!(
            r#"{{"userName": "ann", "entryType": 2, "adjustHoursAmount": 1, "inDateTime": "2024-05-14 12:00:00", "hours": "50.000",
                "adjustTypeName": "{name}", "createdDateTime": "2024-05-20 10:00:00", "updateDateTime": "2024-05-20 10:00:00"}}"#
        )
    };
    let cards = [
        pto("vacation"),
        pto("sick"),
        money("bonus"),
        money("tips"),
        money("tips"),
    ];
    let run = run(&users, &cards, WEEKLY, period("2024-05-12", "2024-05-18"));
    let ann = row(&run, "ann");
    assert_eq!(ann.hours.pto_hours, dec("8"));
    assert_eq!(ann.hours.adjustment_amount, dec("100"));
    assert_eq!(
        (ann.pay.pto, ann.pay.adjustment),
        (dec("80.00"), dec("100.00"))
    );
    // The second "tips" record is the same record twice.
    assert_eq!(kinds(&run), vec![payrun_rules::kinds::DUPLICATE_RECORD]);
}

/// Weekly periods computed from files warn about missing earlier days only
/// when some rule counts 14-day windows.
#[test]
fn the_lookback_reaches_a_14_day_window_only_for_biweekly_rules() {
    let users = [user("ann", "Hourly Rate", "10.00", "UTC", "")];
    let cards = days("ann", "2024-05-20", &[8]);
    // 2024-05-19 is the second week of a 14-day window anchored 2024-01-07.
    let run = common::run(&users, &cards, WEEKLY, period("2024-05-19", "2024-05-25"));
    assert_eq!(kinds(&run), vec![]);
    let eight_eighty = format!("{WEEKLY}\n[overtime_rules.ot2]\nbasis = \"biweekly\"\n");
    let run = common::run(
        &users,
        &cards,
        &eight_eighty,
        period("2024-05-19", "2024-05-25"),
    );
    assert_eq!(kinds(&run), vec![payrun_rules::kinds::INCOMPLETE_INPUT]);
    assert!(run.exceptions[0].message.contains("starts 2024-05-12"));
}

// ---- Payroll safety: values no administrator would sign are held ----------

fn statuses(run: &payrun_rules::PayrollRun) -> Vec<(String, &'static str)> {
    run.summary
        .iter()
        .map(|r| (r.user_name.clone().unwrap(), r.status.as_str()))
        .collect()
}

/// A negative payRate and one with more than 4 decimals: one error each,
/// quoting the value; the user's pay is held at 0. The others are paid:
/// `ok`, or `warning` when an exception concerns them.
#[test]
fn a_negative_or_unreadable_pay_rate_holds_the_users_pay() {
    let users = [
        user("neg", "Hourly Rate", "-5", "UTC", ""),
        user("odd", "Hourly Rate", "12.345678", "UTC", ""),
        user("ok", "Hourly Rate", "10.00", "UTC", ""),
        user("open", "Hourly Rate", "10.00", "UTC", ""),
    ];
    let mut cards = Vec::new();
    for u in ["neg", "odd", "ok", "open"] {
        cards.extend(days(u, "2024-05-13", &[8, 8]));
    }
    cards.push(punch("open", "2024-05-16 08:00:00", ""));
    let run = run_with_bad_values(&users, &cards, WEEKLY, period("2024-05-12", "2024-05-18"));
    assert_eq!(
        statuses(&run),
        [
            ("neg", "held"),
            ("odd", "held"),
            ("ok", "ok"),
            ("open", "warning")
        ]
        .map(|(u, s)| (u.to_owned(), s))
    );
    let gross: Vec<_> = run.summary.iter().map(|r| r.pay.gross).collect();
    assert_eq!(gross, [zero(), zero(), dec("160.00"), dec("160.00")]);
    assert_eq!(
        tiers(row(&run, "neg")).0,
        dec("16"),
        "hours are still reported"
    );
    assert!(
        run.pay_lines
            .iter()
            .all(|l| l.user != row(&run, "neg").user)
    );
    let messages: Vec<_> = run
        .exceptions
        .iter()
        .filter(|e| matches!(e.user_name.as_deref(), Some("neg" | "odd")))
        .map(|e| (e.kind, e.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                payrun_rules::kinds::INVALID_VALUE,
                "user field `payRate` has invalid value \"-5.0000\": negative; pay held at 0"
            ),
            (
                payrun_rules::kinds::INVALID_VALUE,
                "user field `payRate` has invalid value \"12.345678\": more than 4 decimal places"
            ),
        ]
    );
}

/// A year typo on the out time (2099) is a shift that ends after the
/// payroll was computed: an error, held. A forgotten clock-out makes a
/// 30-hour shift: an error, held, unless `punches.long_shift = "pay"`.
#[test]
fn long_shifts_and_punches_in_the_future_are_held() {
    let users = [user("ann", "Hourly Rate", "10.00", "UTC", "")];
    let mut cards = days("ann", "2024-05-13", &[8, 8]);
    cards.push(punch("ann", "2024-05-15 08:00:00", "2099-05-15 16:00:00"));
    cards.push(punch("ann", "2024-05-16 08:00:00", "2024-05-17 14:00:00"));
    let run = run(&users, &cards, WEEKLY, period("2024-05-12", "2024-05-18"));
    let ann = row(&run, "ann");
    assert_eq!(
        (ann.status.as_str(), ann.pay.gross),
        ("held", dec("160.00"))
    );
    let found: Vec<_> = run
        .exceptions
        .iter()
        .map(|e| {
            (
                e.severity.as_str(),
                e.kind,
                e.message.split(" (").next().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "error",
                payrun_rules::kinds::LONG_SHIFT,
                "shift of 30 h is longer than punches.max_shift_hours"
            ),
            (
                "error",
                payrun_rules::kinds::INVALID_VALUE,
                "the punch ends after this payroll was computed"
            ),
        ]
    );
    let paid = format!("{WEEKLY}\n[punches]\nlong_shift = \"pay\"\n");
    let run = common::run(&users, &cards, &paid, period("2024-05-12", "2024-05-18"));
    let ann = row(&run, "ann");
    // 16 + 30 = 46 h: 40 at $10 and 6 at $15 = $490.00; the 2099 shift stays held.
    assert_eq!(
        (ann.status.as_str(), ann.pay.gross),
        ("held", dec("490.00"))
    );
    let severity = |k| {
        run.exceptions
            .iter()
            .find(|e| e.kind == k)
            .unwrap()
            .severity
    };
    assert_eq!(
        severity(payrun_rules::kinds::LONG_SHIFT).as_str(),
        "warning"
    );
}

/// 500 PTO hours in one record, or a $250,000 adjustment, are typing
/// errors: held, with an error quoting the value.
#[test]
fn values_beyond_sane_limits_are_held() {
    let users = [user("ann", "Hourly Rate", "10.00", "UTC", "")];
    let cards = [
        pto("ann", "2024-05-13", "500.000"),
        adjustment("ann", "2024-05-14", 2, true, "250000.00"),
        pto("ann", "2024-05-15", "8.000"),
    ];
    let run = run(&users, &cards, WEEKLY, period("2024-05-12", "2024-05-18"));
    let ann = row(&run, "ann");
    assert_eq!((ann.status.as_str(), ann.pay.gross), ("held", dec("80.00")));
    let messages: Vec<_> = run.exceptions.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`hours` 500.000000 is beyond 168 for a record of hours; held from pay",
            "`hours` 250000.000000 is beyond 100000 for a money adjustment; held from pay",
        ]
    );
}

/// A range that is not one period of the calendar pays salaries for the
/// days it covers: $1,500 a half-month, exempt, over 05-10..05-20 is
/// 6/15 x 1500 + 5/16 x 1500 = 600.00 + 468.75 = $1,068.75; four weeks of
/// a biweekly calendar are two salaries; one day is 1/14 of one.
#[test]
fn a_range_that_is_not_a_calendar_period_pays_salaries_by_the_day() {
    let users = [user("sal", "Salary Rate", "1500.00", "UTC", "")];
    // Worked before every range, so the input is neither empty nor short.
    let cards = [punch("sal", "2024-05-05 09:00:00", "2024-05-05 11:00:00")];
    let semimonthly = "[pay_period]\nfrequency = \"semimonthly\"\n[overtime_rules.default]\n\
        [salary]\nperiod = \"semimonthly\"\nmode = \"exempt\"\n";
    let run = common::run(
        &users,
        &cards,
        semimonthly,
        period("2024-05-10", "2024-05-20"),
    );
    assert_eq!(row(&run, "sal").pay.gross, dec("1068.75"));
    assert_eq!(
        run.exceptions
            .iter()
            .map(|e| (e.severity.as_str(), e.kind, e.message.as_str()))
            .collect::<Vec<_>>(),
        [(
            "info",
            payrun_rules::kinds::PARTIAL_PERIOD,
            "2024-05-10..2024-05-20 is not one pay period of the calendar: salaries are paid for the days it covers (6/15 of 2024-05-01..2024-05-15, 5/16 of 2024-05-16..2024-05-31)"
        )]
    );
    let biweekly = semimonthly
        .replace(
            "\"semimonthly\"\n[overtime",
            "\"biweekly\"\nanchor = \"2024-01-07\"\n[overtime",
        )
        .replace("period = \"semimonthly\"", "period = \"biweekly\"");
    let four_weeks = common::run(
        &users,
        &cards,
        &biweekly,
        period("2024-05-12", "2024-06-08"),
    );
    assert_eq!(row(&four_weeks, "sal").pay.gross, dec("3000.00"));
    let one_day = common::run(
        &users,
        &cards,
        &biweekly,
        period("2024-05-13", "2024-05-13"),
    );
    assert_eq!(row(&one_day, "sal").pay.gross, dec("107.14"), "1500 / 14");
    let calendar = common::run(
        &users,
        &cards,
        &biweekly,
        period("2024-05-12", "2024-05-25"),
    );
    assert_eq!(row(&calendar, "sal").pay.gross, dec("1500.00"));
    assert!(calendar.exceptions.is_empty());
}

/// A job punch with its approvals.
fn approved_punch(user: &str, from: &str, to: &str, employee: u8, manager: &str) -> String {
    format!(
        r#"{{"userName": "{user}", "entryType": 0, "inDateTime": "{from}", "outDateTime": "{to}", "hours": "0.000",
            "approvedByEmployee": {employee}, "approvedManagerFullName": "{manager}"}}"#
    )
}

#[test]
fn unapproved_time_cards_are_paid_with_a_warning_or_held_as_configured() {
    let users = [user("ann", "Hourly Rate", "12.00", "America/Chicago", "")];
    // Mon-Fri 10 h at $12: 50 h, of which Tuesday lacks the manager's
    // approval and Wednesday the employee's. The Friday before the
    // period lacks both, but is not this period's to approve.
    let mut cards = vec![approved_punch(
        "ann",
        "2024-05-10 07:00:00",
        "2024-05-10 15:00:00",
        0,
        "",
    )];
    for (day, employee, manager) in [
        (13, 1, "Mo Manager"),
        (14, 1, ""),
        (15, 0, "Mo Manager"),
        (16, 1, "Mo Manager"),
        (17, 1, "Mo Manager"),
    ] {
        cards.push(approved_punch(
            "ann",
            &format!("2024-05-{day} 07:00:00"),
            &format!("2024-05-{day} 17:00:00"),
            employee,
            manager,
        ));
    }
    let week = period("2024-05-12", "2024-05-18");
    let with = |approvals: &str| run(&users, &cards, &format!("{WEEKLY}\n{approvals}"), week);
    let unapproved = |run: &payrun_rules::PayrollRun| {
        run.exceptions
            .iter()
            .filter(|e| e.kind == payrun_rules::kinds::UNAPPROVED_TIME_CARD)
            .map(|e| (e.severity, e.in_date_time.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
    };

    // Not required: nothing checked, 40 R + 10 OT = 480 + 180.
    let none = with("");
    let ann = row(&none, "ann");
    assert_eq!(pay(ann)[5], dec("660.00"));
    assert_eq!(ann.hours.unapproved, 0);
    assert!(unapproved(&none).is_empty());

    // The manager's, paid: the same pay, a warning for Tuesday, 10 h listed.
    let manager = with("[approvals]\nrequire = \"manager\"");
    let ann = row(&manager, "ann");
    assert_eq!(pay(ann)[5], dec("660.00"));
    assert_eq!(ann.hours.unapproved, 10 * 3600);
    assert_eq!(ann.status, payrun_rules::Status::Warning);
    assert_eq!(
        unapproved(&manager),
        [(
            payrun_ingest::Severity::Warning,
            "2024-05-14 07:00:00".to_owned()
        )]
    );

    // Both, held: Tuesday and Wednesday are not paid (30 h: 360.00), each an
    // error, the row held, 20 h listed.
    let both = with("[approvals]\nrequire = \"both\"\nunapproved = \"hold\"");
    let ann = row(&both, "ann");
    assert_eq!(tiers(ann), (dec("30"), zero(), zero()));
    assert_eq!(pay(ann)[5], dec("360.00"));
    assert_eq!(ann.hours.unapproved, 20 * 3600);
    assert_eq!(ann.status, payrun_rules::Status::Held);
    assert_eq!(
        unapproved(&both),
        [
            (
                payrun_ingest::Severity::Error,
                "2024-05-14 07:00:00".to_owned()
            ),
            (
                payrun_ingest::Severity::Error,
                "2024-05-15 07:00:00".to_owned()
            ),
        ]
    );
    let message = &both
        .exceptions
        .iter()
        .find(|e| e.kind == payrun_rules::kinds::UNAPPROVED_TIME_CARD)
        .unwrap()
        .message;
    assert!(
        message.contains("approvedManagerFullName is empty"),
        "{message}"
    );
    assert!(message.contains("held from pay"), "{message}");

    // The employee's: Wednesday only.
    let employee = with("[approvals]\nrequire = \"employee\"");
    assert_eq!(
        unapproved(&employee),
        [(
            payrun_ingest::Severity::Warning,
            "2024-05-15 07:00:00".to_owned()
        )]
    );
}

/// A configured name that matches nothing in the input is a warning each,
/// never silent: a misspelt job would otherwise pay its base rate.
#[test]
fn settings_that_match_nothing_in_the_input_are_warnings() {
    let users = [user("ann", "Hourly Rate", "20.00", "UTC", "")];
    let cards = [
        punch_as(
            "ann",
            "2024-05-13 08:00:00",
            "2024-05-13 16:00:00",
            "Welding",
            "night",
        ),
        named_amount("ann", "2024-05-14", "Production Bonus", "50.00"),
    ];
    let config = format!(
        "{WEEKLY}\n[users.\"ann\"]\nsalary_mode = \"exempt\"\n[users.\"nobody-here\"]\nsalary_mode = \"exempt\"\n\
         [jobs.\"Welding\"]\nrate = 25\n[jobs.\"Nonexistent Job\"]\nrate = 30\n\
         [shifts.\"night\"]\npremium = 1\n[shifts.\"Night\"]\npremium = 2\n\
         [regular_rate]\nbonuses = [\"Production Bonus\", \"Productoin Bonus\"]\n"
    );
    let run = run(&users, &cards, &config, period("2024-05-12", "2024-05-18"));
    let unused: Vec<&str> = run
        .exceptions
        .iter()
        .filter(|e| e.kind == payrun_rules::kinds::UNUSED_SETTING)
        .map(|e| {
            assert_eq!(e.severity, payrun_ingest::Severity::Warning);
            e.message.as_str()
        })
        .collect();
    let check = "check the name (names match exactly, case included)";
    assert_eq!(
        unused,
        vec![
            format!(
                "[jobs.\"Nonexistent Job\"] matches no time card's jobName in the input; {check}"
            ),
            format!("[shifts.\"Night\"] matches no time card's shiftName in the input; {check}"),
            format!("[users.\"nobody-here\"] matches no user's userName in the input; {check}"),
            format!(
                "the [regular_rate] bonuses entry \"Productoin Bonus\" matches no time card's adjustTypeName in the input; {check}"
            ),
        ]
    );
    // Ann's pay is what the used settings make it: 8 h at 25 + 1 night premium, and the bonus.
    assert_eq!(run.summary[0].pay.gross, dec("258.00"));
}

/// A period whose time cards were read before it ended is a preview: the
/// run says so (`unfinished`, and a `partial_period` info exception);
/// read the day after it ended, it is not.
#[test]
fn a_period_read_before_it_ended_is_marked_partial() {
    let users = [user("ann", "Hourly Rate", "20.00", "UTC", "")];
    let cards = [punch("ann", "2024-05-13 08:00:00", "2024-05-13 16:00:00")];
    let config = payrun_rules::RulesConfig::parse(WEEKLY).unwrap();
    let week = period("2024-05-12", "2024-05-18");
    let (mut input, _) = common::input(&users, &cards);
    let at = |day: &str| {
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
    };
    input.as_of = at("2024-05-18");
    let run = payrun_rules::compute(&input, &config, &week).unwrap();
    assert!(run.unfinished);
    let partial: Vec<&str> = run
        .exceptions
        .iter()
        .filter(|e| e.kind == payrun_rules::kinds::PARTIAL_PERIOD)
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        partial,
        [
            "PARTIAL, not for payment: 2024-05-12..2024-05-18 had not ended when its time cards \
          were read (2024-05-18); salaries are for the whole period and later days are missing"
        ]
    );
    assert_eq!(run.summary[0].pay.gross, dec("160.00"), "paid as computed");
    input.as_of = at("2024-05-19");
    let run = payrun_rules::compute(&input, &config, &week).unwrap();
    assert!(!run.unfinished);
    assert!(
        run.exceptions
            .iter()
            .all(|e| e.kind != payrun_rules::kinds::PARTIAL_PERIOD)
    );
}
