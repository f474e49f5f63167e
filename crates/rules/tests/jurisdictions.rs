//! Jurisdiction rules (design §5d), each example worked by hand in its
//! comment and pinned here.

mod common;

use common::*;
use rust_decimal::Decimal;

/// A Colorado rule: overtime past 12 consecutive hours (COMPS Order #38
/// and after, Rule 4.1.1), and past 12 in a workday and 40 in a
/// workweek; workdays at midnight, weeks from Sunday.
const COLORADO: &str = r#"
[company]
default_time_zone = "America/Denver"
[pay_period]
frequency = "weekly"
anchor = "2024-05-12"
[overtime_rules.default]
daily_ot_after = 12
weekly_ot_after = 40
consecutive_ot_after = 12
"#;

/// The explanation of the one user of `users` for the week of 2024-05-12
/// under the configuration `config`.
fn explained(users: &[String], cards: &[String], config: &str) -> payrun_rules::Explanation {
    let (input, _) = input(users, cards);
    let config = payrun_rules::RulesConfig::parse(config).unwrap();
    let id = input.user_ids().next().unwrap();
    payrun_rules::explain(
        &input,
        &config,
        &period("2024-05-12", "2024-05-18"),
        id,
        None,
    )
    .unwrap()
    .unwrap()
}

/// Cole, $20 an hour in Denver.
fn cole_user() -> Vec<String> {
    vec![user("cole", "Hourly Rate", "20.00", "America/Denver", "")]
}

fn colorado(cards: &[String]) -> payrun_rules::PayrollRun {
    run(
        &cole_user(),
        cards,
        COLORADO,
        period("2024-05-12", "2024-05-18"),
    )
}

/// design §5d: 14:00 Monday to 03:00 Tuesday. Monday's workday has 10 h
/// and Tuesday's 3 h, under the daily 12; the run is 13 h: 12 h regular,
/// 1 h overtime, 12 × 20 + 1 × 30 = $270.00.
#[test]
fn a_night_shift_past_twelve_consecutive_hours_is_overtime() {
    let night = colorado(&[punch("cole", "2024-05-13 14:00:00", "2024-05-14 03:00:00")]);
    let cole = row(&night, "cole");
    assert_eq!(tiers(cole), (dec("12"), dec("1"), Decimal::ZERO));
    assert_eq!(cole.pay.gross.to_string(), "270.00");
    // Without the rule, the same shift is all regular: $260.00.
    let plain = run(
        &cole_user(),
        &[punch("cole", "2024-05-13 14:00:00", "2024-05-14 03:00:00")],
        &COLORADO.replace("consecutive_ot_after = 12\n", ""),
        period("2024-05-12", "2024-05-18"),
    );
    assert_eq!(row(&plain, "cole").pay.gross.to_string(), "260.00");
}

/// A 60-minute meal does not end the run and is not counted: 06:00-12:00,
/// 13:00-20:00 is 13 h worked in one run, 1 h past 12 ($270.00). A gap of
/// 61 minutes ends it: 06:00-12:00, 13:01-20:01 has no consecutive
/// overtime, and the workday's 13 h are 1 h past the daily 12 anyway
/// ($270.00 too, named by the daily rule). Split over midnight with a
/// 61-minute gap: 18:00-23:00, 00:01-08:01 is two runs of 5 and 8 h: all
/// regular ($260.00).
#[test]
fn a_gap_of_the_break_keeps_the_run_and_a_longer_one_ends_it() {
    let one_run = colorado(&[
        punch("cole", "2024-05-13 06:00:00", "2024-05-13 12:00:00"),
        punch("cole", "2024-05-13 13:00:00", "2024-05-13 20:00:00"),
    ]);
    assert_eq!(
        tiers(row(&one_run, "cole")),
        (dec("12"), dec("1"), Decimal::ZERO)
    );
    let two_runs = colorado(&[
        punch("cole", "2024-05-13 06:00:00", "2024-05-13 12:00:00"),
        punch("cole", "2024-05-13 13:01:00", "2024-05-13 20:01:00"),
    ]);
    assert_eq!(
        tiers(row(&two_runs, "cole")),
        (dec("12"), dec("1"), Decimal::ZERO)
    );
    assert_eq!(row(&two_runs, "cole").pay.gross.to_string(), "270.00");
    let over_midnight = colorado(&[
        punch("cole", "2024-05-13 18:00:00", "2024-05-13 23:00:00"),
        punch("cole", "2024-05-14 00:01:00", "2024-05-14 08:01:00"),
    ]);
    assert_eq!(
        tiers(row(&over_midnight, "cole")),
        (dec("13"), Decimal::ZERO, Decimal::ZERO)
    );
    assert_eq!(row(&over_midnight, "cole").pay.gross.to_string(), "260.00");
    // The same with a 60-minute gap is one run of 13 h: 1 h overtime.
    let joined = colorado(&[
        punch("cole", "2024-05-13 18:00:00", "2024-05-13 23:00:00"),
        punch("cole", "2024-05-14 00:00:00", "2024-05-14 08:00:00"),
    ]);
    assert_eq!(
        tiers(row(&joined, "cole")),
        (dec("12"), dec("1"), Decimal::ZERO)
    );
}

/// No pyramiding: a 14-hour day (06:00-20:00) is 2 h past the daily 12
/// and 2 h past 12 consecutive hours; they are the same 2 h, overtime
/// once: 12 R + 2 OT = 240 + 60 = $300.00. Exactly 12 h is all regular.
#[test]
fn a_second_is_overtime_once_and_twelve_hours_exactly_is_regular() {
    let long_day = colorado(&[punch("cole", "2024-05-13 06:00:00", "2024-05-13 20:00:00")]);
    assert_eq!(
        tiers(row(&long_day, "cole")),
        (dec("12"), dec("2"), Decimal::ZERO)
    );
    assert_eq!(row(&long_day, "cole").pay.gross.to_string(), "300.00");
    let twelve = colorado(&[punch("cole", "2024-05-13 20:00:00", "2024-05-14 08:00:00")]);
    assert_eq!(
        tiers(row(&twelve, "cole")),
        (dec("12"), Decimal::ZERO, Decimal::ZERO)
    );
}

/// The weekly threshold counts only what is still regular: Saturday
/// 12:00 to Sunday 02:00 runs across the workweek's end (weeks from
/// Sunday). After four 10-hour days (40 h) the Saturday run's first 12 h
/// (12:00-24:00) are past 40 in the week: weekly overtime; its last 2 h
/// (Sunday 00:00-02:00) are past 12 consecutive hours: overtime, in the
/// next week, where they count toward nothing. The next period's week
/// begins with 0 regular hours.
#[test]
fn a_run_across_the_workweeks_end_is_seen_whole() {
    let mut cards: Vec<String> = ["13", "14", "15", "16"]
        .iter()
        .map(|d| {
            punch(
                "cole",
                &format!("2024-05-{d} 07:00:00"),
                &format!("2024-05-{d} 17:00:00"),
            )
        })
        .collect();
    cards.push(punch("cole", "2024-05-18 12:00:00", "2024-05-19 02:00:00"));
    let this_week = colorado(&cards);
    // 40 R; Saturday's 12 h OT (weekly).
    assert_eq!(
        tiers(row(&this_week, "cole")),
        (dec("40"), dec("12"), Decimal::ZERO)
    );
    let next = run(
        &cole_user(),
        &cards,
        COLORADO,
        period("2024-05-19", "2024-05-25"),
    );
    // Sunday's 2 h: past 12 consecutive hours of the run begun Saturday.
    assert_eq!(
        tiers(row(&next, "cole")),
        (Decimal::ZERO, dec("2"), Decimal::ZERO)
    );
    assert_eq!(row(&next, "cole").pay.gross.to_string(), "60.00");
}

/// `basis = "off"` turns consecutive overtime off too (design §5d,
/// settled details): the 13-hour night is all regular.
#[test]
fn basis_off_turns_consecutive_hours_off() {
    let off = run(
        &cole_user(),
        &[punch("cole", "2024-05-13 14:00:00", "2024-05-14 03:00:00")],
        &COLORADO.replace("weekly_ot_after = 40", "basis = \"off\""),
        period("2024-05-12", "2024-05-18"),
    );
    assert_eq!(
        tiers(row(&off, "cole")),
        (dec("13"), Decimal::ZERO, Decimal::ZERO)
    );
}

/// `explain` names the run: `consecutive: past 12 h of a run that began
/// Mon 05-13 14:00`.
#[test]
fn explain_names_the_run_that_passed_twelve_hours() {
    let e = explained(
        &cole_user(),
        &[punch("cole", "2024-05-13 14:00:00", "2024-05-14 03:00:00")],
        COLORADO,
    );
    let reasons: Vec<String> = e
        .shifts
        .iter()
        .flat_map(|s| &s.pieces)
        .flat_map(|p| &p.parts)
        .filter_map(|p| p.reason.clone())
        .collect();
    assert_eq!(
        reasons,
        ["consecutive: past 12 h of a run that began Mon 05-13 14:00"]
    );
    assert!(
        e.rule
            .iter()
            .any(|w| w
                .starts_with("consecutive: hours past 12 of a run of work are overtime (1.5×)")),
        "{:?}",
        e.rule
    );
}

/// The keys are read with their bounds: a break longer than a day is
/// refused, naming the key.
#[test]
fn a_break_longer_than_a_day_is_refused() {
    let e = payrun_rules::RulesConfig::parse(&COLORADO.replace(
        "consecutive_ot_after = 12",
        "consecutive_ot_after = 12\nconsecutive_break_minutes = 1441",
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("consecutive_break_minutes"), "{e}");
    assert!(e.contains("at most 1440"), "{e}");
}

/// A California-style rule with daily overtime after 8, and an attendance
/// bonus listed as a flat sum.
/// A California-style configuration: daily overtime after 8, an
/// attendance bonus listed as a flat sum, and `more` keys of the rule.
fn california_config(more: &str) -> String {
    format!(
        "[company]\ndefault_time_zone = \"America/Los_Angeles\"\n[pay_period]\n\
         frequency = \"weekly\"\nanchor = \"2024-05-12\"\n[regular_rate]\n\
         flat_sum_bonuses = [\"Attendance\"]\n[overtime_rules.default]\n\
         daily_ot_after = 8\nweekly_ot_after = 40\n{more}"
    )
}

/// Cali, $20 an hour in Los Angeles.
fn cali() -> Vec<String> {
    vec![user(
        "cali",
        "Hourly Rate",
        "20.00",
        "America/Los_Angeles",
        "",
    )]
}

fn california(more: &str, cards: &[String]) -> payrun_rules::PayrollRun {
    run(
        &cali(),
        cards,
        &california_config(more),
        period("2024-05-12", "2024-05-18"),
    )
}

fn nine_hour_week_and_a_bonus() -> Vec<String> {
    let mut cards = days("cali", "2024-05-13", &[9, 9, 9, 9, 9]);
    cards.push(named_amount("cali", "2024-05-17", "Attendance", "100"));
    cards
}

/// design §5d (Alvarado): $20, Monday to Friday 9 h, daily overtime after
/// 8, a $100 attendance bonus. Over the non-overtime hours: 40 R × 20 =
/// 800, 5 OT × 30 = 150, the bonus 100, and 5 × 1.5 × 100 / 40 = 18.75:
/// $1,068.75. The federal way (all_hours, the default): the week's regular
/// rate (900 + 100) / 45 = 22.2222, overtime 5 × 20 + 5 × 0.5 × 22.2222 =
/// 155.56: $1,055.56.
#[test]
fn a_flat_sum_bonus_over_the_non_overtime_hours() {
    let cards = nine_hour_week_and_a_bonus();
    let alvarado = california("flat_sum_bonus_divisor = \"non_overtime_hours\"", &cards);
    let cali = row(&alvarado, "cali");
    assert_eq!(tiers(cali), (dec("40"), dec("5"), Decimal::ZERO));
    assert_eq!(cali.pay.gross.to_string(), "1068.75");
    assert_eq!(cali.pay.overtime.to_string(), "168.75");
    assert_eq!(cali.hours.adjustment_amount.normalize().to_string(), "100");
    let federal = california("", &cards);
    assert_eq!(row(&federal, "cali").pay.gross.to_string(), "1055.56");
}

/// With no non-overtime hours (N = 0) the bonus is paid with no premium
/// (design §5d, settled details): one 9-hour day of overtime only is not
/// possible under a daily 8, so take a rule whose every hour is overtime
/// (special weekday): 9 h × 30 = 270 + 100 = $370.00.
#[test]
fn a_flat_sum_with_no_non_overtime_hours_is_paid_with_no_premium() {
    let mut cards = days("cali", "2024-05-13", &[9]);
    cards.push(named_amount("cali", "2024-05-13", "Attendance", "100"));
    let every_hour = california(
        "flat_sum_bonus_divisor = \"non_overtime_hours\"\nspecial_weekdays = { monday = \"overtime\" }",
        &cards,
    );
    let cali = row(&every_hour, "cali");
    assert_eq!(tiers(cali), (Decimal::ZERO, dec("9"), Decimal::ZERO));
    assert_eq!(cali.pay.gross.to_string(), "370.00");
}

/// `explain` says what the flat sum added.
#[test]
fn explain_tells_the_flat_sum_premium() {
    let e = explained(
        &cali(),
        &nine_hour_week_and_a_bonus(),
        &california_config("flat_sum_bonus_divisor = \"non_overtime_hours\""),
    );
    assert_eq!(
        e.notes,
        ["flat-sum bonus: $100.00 / 40 non-overtime hours x 1.5"]
    );
    assert_eq!(e.gross_pay.to_string(), "1068.75");
}

/// Held entries form no runs (design §5d, settled details): an 11-hour
/// shift held as longer than `punches.max_shift_hours = 10`, then 3 h
/// after a 30-minute gap. Were the held shift counted, the 3 h would be
/// past 12 consecutive hours (11 + 3); it is not, so they are regular.
#[test]
fn a_held_shift_is_not_part_of_a_run() {
    let held = run(
        &cole_user(),
        &[
            punch("cole", "2024-05-13 06:00:00", "2024-05-13 17:00:00"),
            punch("cole", "2024-05-13 17:30:00", "2024-05-13 20:30:00"),
        ],
        &COLORADO.replace(
            "[overtime_rules.default]",
            "[punches]\nmax_shift_hours = 10\n[overtime_rules.default]",
        ),
        period("2024-05-12", "2024-05-18"),
    );
    let cole = row(&held, "cole");
    assert_eq!(tiers(cole), (dec("3"), Decimal::ZERO, Decimal::ZERO));
    assert_eq!(cole.pay.gross.to_string(), "60.00");
}

/// A weekly federal rule: the default minimum wage ($7.25 from 2009-07-24)
/// and exempt threshold ($684.00 a week from 2020-01-01) apply unless set.
const FEDERAL: &str = "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n\
                       [salary]\nperiod = \"weekly\"\nhours_per_week = 40\n\
                       [overtime_rules.default]\n";

fn below_minimum(run: &payrun_rules::PayrollRun) -> Vec<String> {
    run.exceptions
        .iter()
        .filter(|e| e.kind == payrun_rules::kinds::BELOW_MINIMUM_WAGE)
        .map(|e| e.message.clone())
        .collect()
}

/// design §5d: $7.00 an hour, 45 h in the week: S = 315.00, R = 45 × 7.25
/// = 326.25: $11.25 short, a warning; pay unchanged (280 + 5 × 10.50 =
/// $332.50) with `shortfall = "flag"`, the default.
#[test]
fn a_week_below_the_minimum_wage_is_flagged_and_paid_as_computed() {
    let low = run(
        &[user("lou", "Hourly Rate", "7.00", "UTC", "")],
        &days("lou", "2024-05-13", &[9, 9, 9, 9, 9]),
        FEDERAL,
        period("2024-05-12", "2024-05-18"),
    );
    assert_eq!(
        below_minimum(&low),
        [
            "workweek 2024-05-12 to 2024-05-18: straight-time pay is below the minimum wage \
          (minimum wage: $7.25 x 45 h - $315.00 = $11.25); flagged, pay unchanged \
          ([minimum_wage] shortfall = \"flag\")"
        ]
    );
    assert_eq!(row(&low, "lou").pay.gross.to_string(), "332.50");
    assert_eq!(row(&low, "lou").status.as_str(), "warning");
    // At $7.25 exactly, nothing is flagged.
    let at = run(
        &[user("lou", "Hourly Rate", "7.25", "UTC", "")],
        &days("lou", "2024-05-13", &[9, 9, 9, 9, 9]),
        FEDERAL,
        period("2024-05-12", "2024-05-18"),
    );
    assert!(below_minimum(&at).is_empty());
}

/// design §5d, 778.113: $220.80 for 40 h, 44 h worked: S = 220.80 + 4 ×
/// 5.52 = 242.88, R = 44 × 7.25 = 319.00: $76.12 short; pay unchanged
/// ($253.92, design §5's example).
#[test]
fn a_fixed_salary_short_of_the_minimum_over_its_hours_is_flagged() {
    let sal = run(
        &[user("sal", "Salary Rate", "220.80", "UTC", "")],
        &days("sal", "2024-05-13", &[9, 9, 9, 9, 8]),
        FEDERAL,
        period("2024-05-12", "2024-05-18"),
    );
    let flagged = below_minimum(&sal);
    assert_eq!(flagged.len(), 1);
    assert!(
        flagged[0].contains("(minimum wage: $7.25 x 44 h - $242.88 = $76.12)"),
        "{flagged:?}"
    );
    assert_eq!(row(&sal, "sal").pay.gross.to_string(), "253.92");
}

/// A rule's own minimum raised mid-week (from Wednesday 2024-05-15 to
/// $10.00): R = 2 days × 9 h × 7.25 + 3 × 9 × 10.00 = 130.50 + 270.00 =
/// 400.50 against S = 45 × 8.00 = 360.00: $40.50 short, worded in dollars
/// as two rates cover the week. A workweek that does not end in the period
/// is checked in the period it ends in.
#[test]
fn a_minimum_raised_mid_week_counts_each_day_at_its_own_rate() {
    let config =
        format!("{FEDERAL}minimum_wage = [{{ from = \"2024-05-15\", rate = \"10.00\" }}]\n");
    let mid = run(
        &[user("lou", "Hourly Rate", "8.00", "UTC", "")],
        &days("lou", "2024-05-13", &[9, 9, 9, 9, 9]),
        &config,
        period("2024-05-12", "2024-05-18"),
    );
    assert_eq!(
        below_minimum(&mid),
        [
            "workweek 2024-05-12 to 2024-05-18: straight-time pay is below the minimum wage \
          (minimum wage: $400.50 - $360.00 = $40.50); flagged, pay unchanged \
          ([minimum_wage] shortfall = \"flag\")"
        ]
    );
    // The period 05-12..05-15 does not hold the week's end: nothing yet.
    let part = run(
        &[user("lou", "Hourly Rate", "8.00", "UTC", "")],
        &days("lou", "2024-05-13", &[9, 9, 9, 9, 9]),
        &config,
        period("2024-05-12", "2024-05-15"),
    );
    assert!(below_minimum(&part).is_empty());
}

/// An exempt salary of $600 a week is below the $684.00 threshold: a
/// warning, pay unchanged; $700 is not.
#[test]
fn an_exempt_salary_below_the_threshold_is_flagged() {
    let exempt = |rate: &str| {
        run(
            &[user("ex", "Salary Rate", rate, "UTC", "")],
            &days("ex", "2024-05-13", &[8, 8, 8, 8, 8]),
            &format!(
                "[salary]\nmode = \"exempt\"\nperiod = \"weekly\"\n{}",
                &FEDERAL.replace("[salary]\nperiod = \"weekly\"\nhours_per_week = 40\n", "")
            ),
            period("2024-05-12", "2024-05-18"),
        )
    };
    let low = exempt("600.00");
    let flagged: Vec<&str> = low
        .exceptions
        .iter()
        .filter(|e| e.kind == payrun_rules::kinds::EXEMPT_BELOW_SALARY_THRESHOLD)
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        flagged,
        [
            "exempt, but the salary is $600.00 a week, below the $684.00 a week an exempt \
          salary must reach on 2024-05-18; pay unchanged"
        ]
    );
    assert_eq!(row(&low, "ex").pay.gross.to_string(), "600.00");
    assert!(
        exempt("700.00")
            .exceptions
            .iter()
            .all(|e| e.kind != payrun_rules::kinds::EXEMPT_BELOW_SALARY_THRESHOLD)
    );
}

/// `FEDERAL` paying the minimum-wage shortfall.
fn paying() -> String {
    format!("{FEDERAL}[minimum_wage]\nshortfall = \"pay\"\n")
}

/// design §5d, `pay`: $7.00 an hour, 45 h (9 h × 5): the shortfall
/// 326.25 − 315.00 = 11.25 is paid as a `minimum_wage` line in regular pay
/// and enters the regular rate: (315 + 11.25) / 45 = 7.25. Regular 40 ×
/// 7 + 11.25 = 291.25; overtime 5 × 7.00 + 5 × 0.5 × 7.25 = 53.125 →
/// 53.13: **$344.38**.
#[test]
fn a_shortfall_paid_enters_the_regular_rate() {
    let low = run(
        &[user("lou", "Hourly Rate", "7.00", "UTC", "")],
        &days("lou", "2024-05-13", &[9, 9, 9, 9, 9]),
        &paying(),
        period("2024-05-12", "2024-05-18"),
    );
    let lou = row(&low, "lou");
    assert_eq!(lou.pay.regular.to_string(), "291.25");
    assert_eq!(lou.pay.overtime.to_string(), "53.13");
    assert_eq!(lou.pay.gross.to_string(), "344.38");
    assert!(lines(&low, "lou").contains(&(
        "minimum_wage",
        None,
        None,
        Decimal::ZERO,
        None,
        dec("11.25")
    )));
    assert_eq!(
        below_minimum(&low),
        [
            "workweek 2024-05-12 to 2024-05-18: straight-time pay is below the minimum wage \
             (minimum wage: $7.25 x 45 h - $315.00 = $11.25); paid $11.25 as a minimum_wage \
             line ([minimum_wage] shortfall = \"pay\")"
        ]
    );
}

/// design §5d, `pay`, 778.113: $220.80 for 40 h, 44 h worked: S =
/// 220.80 plus 4 × 5.52 = 242.88, R = 319.00, shortfall 76.12, so the regular rate
/// is 5.52 + 76.12 / 44 = 7.25; overtime 4 × 5.52 + 4 × 0.5 × 7.25 =
/// 36.58; gross 220.80 + 76.12 + 36.58 = **$333.50**.
#[test]
fn a_fixed_salary_is_paid_its_shortfall() {
    let sal = run(
        &[user("sal", "Salary Rate", "220.80", "UTC", "")],
        &days("sal", "2024-05-13", &[9, 9, 9, 9, 8]),
        &paying(),
        period("2024-05-12", "2024-05-18"),
    );
    let sal = row(&sal, "sal");
    assert_eq!(sal.pay.regular.to_string(), "296.92");
    assert_eq!(sal.pay.overtime.to_string(), "36.58");
    assert_eq!(sal.pay.gross.to_string(), "333.50");
}

/// A workweek that straddles the period's start (semimonthly periods,
/// weeks from Sunday: 2024-05-12 to 05-18 spans 05-15 | 05-16), $7.00 an
/// hour. First half: Monday and Tuesday 10 h, 20 h so far: 145.00 −
/// 140.00 = 5.00 paid now ($145.00). Second half: Thursday 10 h, Friday
/// 15 h: the week's 45 h are short 326.25 − 315.00 = 11.25, less the 5.00
/// paid: 6.25. The week's regular rate, (315 + 5 + 6.25) / 45 = 7.25:
/// regular 20 × 7 + 6.25 = 146.25, overtime 5 × 7 + 5 × 0.5 × 7.25 =
/// 53.13: $199.38. Together $344.38, the week paid in one period.
#[test]
fn a_straddling_week_pays_its_shortfall_less_what_was_paid() {
    let config = paying().replace(
        "frequency = \"weekly\"\nanchor = \"2024-05-12\"",
        "frequency = \"semimonthly\"",
    );
    let cards = [
        punch("lou", "2024-05-13 07:00:00", "2024-05-13 17:00:00"),
        punch("lou", "2024-05-14 07:00:00", "2024-05-14 17:00:00"),
        punch("lou", "2024-05-16 07:00:00", "2024-05-16 17:00:00"),
        punch("lou", "2024-05-17 07:00:00", "2024-05-17 22:00:00"),
    ];
    let users = [user("lou", "Hourly Rate", "7.00", "UTC", "")];
    let first = run(&users, &cards, &config, period("2024-05-01", "2024-05-15"));
    assert_eq!(row(&first, "lou").pay.gross.to_string(), "145.00");
    assert!(
        below_minimum(&first)[0].starts_with(
            "workweek 2024-05-12 to 2024-05-18, its days to 2024-05-15: straight-time pay is \
             below the minimum wage (minimum wage: $7.25 x 20 h - $140.00 = $5.00); paid $5.00"
        ),
        "{:?}",
        below_minimum(&first)
    );
    let second = run(&users, &cards, &config, period("2024-05-16", "2024-05-31"));
    let lou = row(&second, "lou");
    assert_eq!(lou.pay.regular.to_string(), "146.25");
    assert_eq!(lou.pay.overtime.to_string(), "53.13");
    assert_eq!(lou.pay.gross.to_string(), "199.38");
    assert!(below_minimum(&second)[0].contains("less $5.00 the earlier period paid; paid $6.25"));
}

/// `explain` tells the week below the minimum wage.
#[test]
fn explain_tells_the_week_below_the_minimum_wage() {
    let e = explained(
        &[user("lou", "Hourly Rate", "7.00", "UTC", "")],
        &days("lou", "2024-05-13", &[9, 9, 9, 9, 9]),
        FEDERAL,
    );
    assert_eq!(
        e.notes,
        ["week of 2024-05-12: minimum wage: $7.25 x 45 h - $315.00 = $11.25"]
    );
}

/// `pack = "us-co"` sets Colorado's keys; a key the rule sets itself wins:
/// with the pack the 13-hour night pays $270.00 as above; a rule that
/// names the pack but sets `consecutive_ot_after = 14` pays it all
/// regular ($260.00). An unknown pack is refused, naming the packs there
/// are and the line.
#[test]
fn a_pack_sets_its_keys_and_the_rules_own_keys_win() {
    let with_pack = |more: &str| {
        run(
            &cole_user(),
            &[punch("cole", "2024-05-13 14:00:00", "2024-05-14 03:00:00")],
            &format!(
                "[company]\ndefault_time_zone = \"America/Denver\"\n[pay_period]\n\
                 frequency = \"weekly\"\nanchor = \"2024-05-12\"\n\
                 [overtime_rules.default]\npack = \"us-co\"\n{more}"
            ),
            period("2024-05-12", "2024-05-18"),
        )
    };
    assert_eq!(row(&with_pack(""), "cole").pay.gross.to_string(), "270.00");
    assert_eq!(
        row(&with_pack("consecutive_ot_after = 14\n"), "cole")
            .pay
            .gross
            .to_string(),
        "260.00"
    );
    let e = payrun_rules::RulesConfig::parse(
        "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n\
         [overtime_rules.default]\npack = \"us-xx\"\n",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "payrun.toml: line 5, key overtime_rules.default.pack: no pack is called \"us-xx\"; \
         there are: us-ak, us-ca, us-co, us-flsa, us-ky"
    );
}

/// Cole's week of 2024-05-12 (weeks from Sunday) under `pack`, hours per
/// day from Sunday: (regular, overtime, double time) and gross.
fn under_pack(pack: &str, hours: &[u32]) -> ((Decimal, Decimal, Decimal), String) {
    let run = run(
        &cole_user(),
        &days("cole", "2024-05-12", hours),
        &format!(
            "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n\
             [overtime_rules.default]\npack = \"{pack}\"\n"
        ),
        period("2024-05-12", "2024-05-18"),
    );
    let cole = row(&run, "cole");
    (tiers(cole), cole.pay.gross.to_string())
}

/// us-ak (AS 23.10.060(b)): Monday to Friday 10 h at $20: 2 h a day past
/// 8 is overtime, and the weekly count leaves those hours out, so the 40
/// regular hours are not past 40: 40 × 20 + 10 × 30 = $1,100.00 (federal:
/// 40 R + 10 OT too). Four days of 11 h (44 h): Alaska 32 R + 12 OT =
/// $1,000.00; federal 40 R + 4 OT = $920.00.
#[test]
fn the_alaska_pack_pays_past_eight_a_day_and_forty_a_week() {
    assert_eq!(
        under_pack("us-ak", &[0, 10, 10, 10, 10, 10]),
        ((dec("40"), dec("10"), Decimal::ZERO), "1100.00".into())
    );
    assert_eq!(
        under_pack("us-ak", &[0, 11, 11, 11, 11]),
        ((dec("32"), dec("12"), Decimal::ZERO), "1000.00".into())
    );
    assert_eq!(
        under_pack("us-flsa", &[0, 11, 11, 11, 11]),
        ((dec("40"), dec("4"), Decimal::ZERO), "920.00".into())
    );
}

/// us-ky (KRS 337.050(1), 337.285): seven days of 6 h (42 h) at $20: the
/// seventh day's 6 h at time and a half, the other 36 h not past 40: 36 ×
/// 20 + 6 × 30 = $900.00 (federal: 40 R + 2 OT = $860.00). Seven days of
/// 8 h (56 h): the seventh day's 8 h are overtime once, credited against
/// the weekly 40, so 40 R + 16 OT = $1,280.00, as federal.
#[test]
fn the_kentucky_pack_pays_the_seventh_day_at_time_and_a_half() {
    assert_eq!(
        under_pack("us-ky", &[6, 6, 6, 6, 6, 6, 6]),
        ((dec("36"), dec("6"), Decimal::ZERO), "900.00".into())
    );
    assert_eq!(
        under_pack("us-flsa", &[6, 6, 6, 6, 6, 6, 6]),
        ((dec("40"), dec("2"), Decimal::ZERO), "860.00".into())
    );
    assert_eq!(
        under_pack("us-ky", &[8, 8, 8, 8, 8, 8, 8]),
        ((dec("40"), dec("16"), Decimal::ZERO), "1280.00".into())
    );
}

// ---- Meal periods (design §5d) -----------------------------------------

/// Cali's pay under the California rule with meal periods and `more` keys.
fn meals(more: &str, cards: &[String]) -> payrun_rules::PayrollRun {
    california(&format!("meal_periods = true\n{more}"), cards)
}

/// The `meal_premium` warnings' messages.
fn meal_warnings(run: &payrun_rules::PayrollRun) -> Vec<String> {
    run.exceptions
        .iter()
        .filter(|e| e.kind == payrun_rules::kinds::MEAL_PREMIUM)
        .map(|e| e.message.clone())
        .collect()
}

/// The `meal_premium` warnings without their outcome: `workday D: reason`
/// (two reasons are joined by `; `, the outcome is the last part).
fn meal_reasons(run: &payrun_rules::PayrollRun) -> Vec<String> {
    meal_warnings(run)
        .iter()
        .map(|m| {
            m.rsplit_once("; ")
                .map_or(m.as_str(), |(reasons, _)| reasons)
                .to_owned()
        })
        .collect()
}

/// design §5d: $20, 08:00 to 13:30 and 14:00 to 18:00, daily overtime
/// after 8. 9.5 h worked; the meal began after 5:30 h worked, past the
/// fifth hour: 8 h × 20 + 1.5 h × 30 + one hour × 20 = 160 + 45 + 20 =
/// $225.00, the hour in `premium_pay` and on a `meal_premium` line.
#[test]
fn a_late_first_meal_earns_an_hour_at_the_regular_rate() {
    let late = meals(
        "",
        &[
            punch("cali", "2024-05-13 08:00:00", "2024-05-13 13:30:00"),
            punch("cali", "2024-05-13 14:00:00", "2024-05-13 18:00:00"),
        ],
    );
    let cali = row(&late, "cali");
    assert_eq!(tiers(cali), (dec("8"), dec("1.5"), Decimal::ZERO));
    assert_eq!(cali.pay.premium.to_string(), "20.00");
    assert_eq!(cali.pay.gross.to_string(), "225.00");
    assert!(
        lines(&late, "cali").contains(&(
            "meal_premium",
            None,
            None,
            dec("1"),
            Some(dec("20")),
            dec("20.00")
        )),
        "{:?}",
        lines(&late, "cali")
    );
    assert_eq!(
        meal_warnings(&late),
        [
            "workday 2024-05-13: first meal late: began after 5:30 h; one hour at the workweek's \
          regular rate is paid: $20.00"
        ]
    );
    // Flagged only: the warning, and 160 + 45 = $205.00.
    let flagged = meals(
        "meal_premium = \"flag\"",
        &[
            punch("cali", "2024-05-13 08:00:00", "2024-05-13 13:30:00"),
            punch("cali", "2024-05-13 14:00:00", "2024-05-13 18:00:00"),
        ],
    );
    assert_eq!(row(&flagged, "cali").pay.gross.to_string(), "205.00");
    assert_eq!(row(&flagged, "cali").pay.premium, Decimal::ZERO);
    assert!(
        meal_warnings(&flagged)[0].ends_with("flagged, nothing paid (meal_premium = \"flag\")")
    );
}

/// The boundaries, each a day of its own: a meal beginning at exactly 5:00 h worked is on time; a day of exactly
/// 5 h needs none; 5 h and 1 minute without a gap misses it; a gap of
/// exactly 30 minutes is a meal, one of 29 is short. Premiums: the 5:01
/// day and the 29-minute day, 2 × $20.
#[test]
fn meal_boundaries_at_five_hours_and_thirty_minutes() {
    let cards = [
        // Mon: 5 h, meal 30 min at 5:00 h, 3.5 h: on time.
        punch("cali", "2024-05-13 08:00:00", "2024-05-13 13:00:00"),
        punch("cali", "2024-05-13 13:30:00", "2024-05-13 17:00:00"),
        // Tue: exactly 5 h: no meal required.
        punch("cali", "2024-05-14 08:00:00", "2024-05-14 13:00:00"),
        // Wed: 5:01 h straight: missing.
        punch("cali", "2024-05-15 08:00:00", "2024-05-15 13:01:00"),
        // Thu: 4 h, a 29-minute gap, 4 h: short.
        punch("cali", "2024-05-16 08:00:00", "2024-05-16 12:00:00"),
        punch("cali", "2024-05-16 12:29:00", "2024-05-16 16:29:00"),
        // Fri: 4 h, a 30-minute gap, 4 h: a meal.
        punch("cali", "2024-05-17 08:00:00", "2024-05-17 12:00:00"),
        punch("cali", "2024-05-17 12:30:00", "2024-05-17 16:30:00"),
    ];
    let run = meals("", &cards);
    assert_eq!(
        meal_reasons(&run),
        [
            "workday 2024-05-15: first meal missing",
            "workday 2024-05-16: first meal short: 29 min"
        ]
    );
    // 8.5 + 5 + 5:01 + 8 + 8 = 34:31 h at $20 = 690.33, Monday's 0.5 h
    // past the daily 8 at half again (+5.00), and 2 × 20: $735.33.
    let cali = row(&run, "cali");
    assert_eq!(cali.pay.premium.to_string(), "40.00");
    assert_eq!(cali.pay.gross.to_string(), "735.33");
}

/// The second meal: 06:00-10:00, 10:30-17:00 is 10.5 h with one meal (at
/// 4:00 h): the second is missing. With 06:00-10:00, 10:30-16:00,
/// 16:30-17:30 the second meal began at 9:30 h: on time. A late first
/// meal is still the first when the second is judged: 06:00-12:00,
/// 12:30-17:00 (10.5 h) has its first meal late and no second; one
/// premium for both, both named. A 12-hour day with no meal at all:
/// one premium.
#[test]
fn the_second_meal_and_two_violations_in_one_day() {
    let run = meals(
        "",
        &[
            punch("cali", "2024-05-13 06:00:00", "2024-05-13 10:00:00"),
            punch("cali", "2024-05-13 10:30:00", "2024-05-13 17:00:00"),
            punch("cali", "2024-05-14 06:00:00", "2024-05-14 10:00:00"),
            punch("cali", "2024-05-14 10:30:00", "2024-05-14 16:00:00"),
            punch("cali", "2024-05-14 16:30:00", "2024-05-14 17:30:00"),
            punch("cali", "2024-05-15 06:00:00", "2024-05-15 12:00:00"),
            punch("cali", "2024-05-15 12:30:00", "2024-05-15 17:00:00"),
            punch("cali", "2024-05-16 07:00:00", "2024-05-16 19:00:00"),
        ],
    );
    assert_eq!(
        meal_reasons(&run),
        [
            "workday 2024-05-13: second meal missing",
            "workday 2024-05-15: first meal late: began after 6:00 h; second meal missing",
            "workday 2024-05-16: first meal missing; second meal missing",
        ]
    );
    // 10.5 + 10.5 + 10.5 + 12 = 43.5 h: 32 R, 11.5 OT (daily over 8;
    // the weekly 40 finds no regular hour past 40): 640 + 345 = 985, and
    // three premiums: $1,045.00.
    let cali = row(&run, "cali");
    assert_eq!(tiers(cali), (dec("32"), dec("11.5"), Decimal::ZERO));
    assert_eq!(cali.pay.premium.to_string(), "60.00");
    assert_eq!(cali.pay.gross.to_string(), "1045.00");
}

/// `meal_waiver_up_to_hours = 6`: 6 h without a meal is waived; 6 h and
/// 1 minute is not. The second meal's waiver (12): 11 h with one timely
/// meal needs no second.
#[test]
fn waivers_up_to_their_hours() {
    let run = meals(
        "meal_waiver_up_to_hours = 6\nsecond_meal_waiver_up_to_hours = 12",
        &[
            punch("cali", "2024-05-13 08:00:00", "2024-05-13 14:00:00"),
            punch("cali", "2024-05-14 08:00:00", "2024-05-14 14:01:00"),
            punch("cali", "2024-05-15 06:00:00", "2024-05-15 10:00:00"),
            punch("cali", "2024-05-15 10:30:00", "2024-05-15 17:30:00"),
        ],
    );
    assert_eq!(
        meal_reasons(&run),
        ["workday 2024-05-14: first meal missing"]
    );
}

/// Actual punches, not rounded ones (Donohue): 08:00-12:00, 12:29-17:00
/// with punches rounded to the nearest 15 minutes is paid as 08:00-12:00,
/// 12:30-17:00, but the meal was 29 minutes: short. An auto-lunch
/// deduction is no meal either: 08:00-17:00 with 30 minutes deducted
/// after 6 h still misses its meal.
#[test]
fn meals_are_judged_on_actual_punches() {
    let rounded = meals(
        "[rounding]\nclock_in = { mode = \"nearest\", minutes = 15 }\n\
         clock_out = { mode = \"nearest\", minutes = 15 }",
        &[
            punch("cali", "2024-05-13 08:00:00", "2024-05-13 12:00:00"),
            punch("cali", "2024-05-13 12:29:00", "2024-05-13 17:00:00"),
        ],
    );
    assert_eq!(
        tiers(row(&rounded, "cali")),
        (dec("8"), dec("0.5"), Decimal::ZERO)
    );
    assert!(meal_warnings(&rounded)[0].starts_with("workday 2024-05-13: first meal short: 29 min"));
    let lunch = meals(
        "[auto_lunch]\nafter_hours = 6.0\ndeduct_minutes = 30",
        &[punch("cali", "2024-05-13 08:00:00", "2024-05-13 17:00:00")],
    );
    assert_eq!(tiers(row(&lunch, "cali")).0, dec("8"));
    assert!(meal_warnings(&lunch)[0].starts_with("workday 2024-05-13: first meal missing"));
}

/// Ferra: the premium is paid at the workweek's regular rate. Monday to
/// Friday 9 h with no meal (five premiums) and a $100 attendance bonus.
/// Federal (the bonus in the week's average): RR = (900 + 100) / 45 =
/// 22.2222, premiums 5 × 22.2222 = $111.11, gross 1,055.56 + 111.11 =
/// $1,166.67. Alvarado (the flat sum over the 40 non-overtime hours):
/// RR = 20 + 100 / 40 = 22.50, premiums $112.50, gross 1,068.75 + 112.50
/// = $1,181.25.
#[test]
fn the_premium_is_at_the_regular_rate_with_the_bonus_in_it() {
    let federal = meals("", &nine_hour_week_and_a_bonus());
    let cali = row(&federal, "cali");
    assert_eq!(cali.pay.premium.to_string(), "111.11");
    assert_eq!(cali.pay.gross.to_string(), "1166.67");
    let alvarado = meals(
        "flat_sum_bonus_divisor = \"non_overtime_hours\"",
        &nine_hour_week_and_a_bonus(),
    );
    let cali = row(&alvarado, "cali");
    assert_eq!(cali.pay.premium.to_string(), "112.50");
    assert_eq!(cali.pay.gross.to_string(), "1181.25");
}

/// Exempt users are never checked; a rule without `meal_periods` checks
/// nobody.
#[test]
fn exempt_users_and_other_rules_are_not_checked() {
    let no_meal = [punch("cali", "2024-05-13 07:00:00", "2024-05-13 19:00:00")];
    let exempt = run(
        &[user(
            "cali",
            "Salary Rate",
            "1000.00",
            "America/Los_Angeles",
            "",
        )],
        &no_meal,
        &format!(
            "{}\n[salary]\nperiod = \"weekly\"\nmode = \"exempt\"\n",
            california_config("meal_periods = true")
        ),
        period("2024-05-12", "2024-05-18"),
    );
    assert!(meal_warnings(&exempt).is_empty());
    assert_eq!(row(&exempt, "cali").pay.premium, Decimal::ZERO);
    let off = california("", &no_meal);
    assert!(meal_warnings(&off).is_empty());
}

/// A user whose pay is held (a negative `payRate`) is paid no premium
/// either, and the warning says why rather than that the hour is paid.
#[test]
fn a_held_users_meal_premium_waits_with_the_pay() {
    let run = run_with_bad_values(
        &[user(
            "cali",
            "Hourly Rate",
            "-20",
            "America/Los_Angeles",
            "",
        )],
        &[punch("cali", "2024-05-13 08:00:00", "2024-05-13 17:00:00")],
        &california_config("meal_periods = true"),
        period("2024-05-12", "2024-05-18"),
    );
    let cali = row(&run, "cali");
    assert_eq!(cali.status.as_str(), "held");
    assert_eq!(cali.pay.gross, Decimal::ZERO);
    assert_eq!(
        meal_warnings(&run),
        [
            "workday 2024-05-13: first meal missing; the pay is held (see its error): the hour \
          is paid when the period is run again with the pay rate fixed"
        ]
    );
}

/// Only paid entries count (design §5d, settled details): 08:00-13:30,
/// then an open punch at 14:00 (excluded). The workday worked 5.5 h and
/// the excluded entry ends no gap: the meal is missing, not late.
#[test]
fn an_excluded_entry_ends_no_meal_gap() {
    let run = meals(
        "",
        &[
            punch("cali", "2024-05-13 08:00:00", "2024-05-13 13:30:00"),
            punch("cali", "2024-05-13 14:00:00", ""),
        ],
    );
    assert!(meal_warnings(&run)[0].starts_with("workday 2024-05-13: first meal missing"));
}

/// An entry across the workday's boundary (midnight): split at it (the
/// default), 20:00-01:30 and 02:00-04:00 are 4 h on Monday and 1.5 + 2 h
/// on Tuesday, neither past 5 h; with `split_at_workday = false` the
/// first entry belongs whole to Monday: 5.5 h straight, the meal missing.
/// A Saturday night into Sunday (the next workweek) is Saturday's, priced
/// in Saturday's week.
#[test]
fn an_entry_belongs_to_its_workday_for_meals() {
    let night = [
        punch("cali", "2024-05-13 20:00:00", "2024-05-14 01:30:00"),
        punch("cali", "2024-05-14 02:00:00", "2024-05-14 04:00:00"),
        punch("cali", "2024-05-18 20:00:00", "2024-05-19 02:00:00"),
    ];
    let split = meals("", &night);
    assert!(
        meal_warnings(&split).is_empty(),
        "{:?}",
        meal_warnings(&split)
    );
    let whole = run(
        &cali(),
        &night,
        &california_config("meal_periods = true").replace(
            "[overtime_rules.default]",
            "[punches]\nsplit_at_workday = false\n[overtime_rules.default]",
        ),
        period("2024-05-12", "2024-05-18"),
    );
    assert_eq!(
        meal_reasons(&whole),
        [
            "workday 2024-05-13: first meal missing",
            "workday 2024-05-18: first meal missing"
        ]
    );
    // Both in the week of 2024-05-12: one line of the week, 2 hours.
    let premiums: Vec<_> = whole
        .pay_lines
        .iter()
        .filter(|l| l.kind == payrun_rules::PayKind::MealPremium)
        .map(|l| {
            (
                l.week_start.unwrap().to_string(),
                l.hours,
                l.amount.to_string(),
            )
        })
        .collect();
    assert_eq!(
        premiums,
        [("2024-05-12".to_owned(), dec("2"), "40.00".to_owned())]
    );
}

/// A deferred straddling week (design §5c): semimonthly periods, weeks
/// from Sunday; the week of 2024-05-12 straddles the first half's end
/// (05-15). Monday 05-13: 9 h with no meal, and a $90 bonus that day, so
/// the week's regular rate waits for its end. First half: no premium, the
/// warning says it is deferred. Second half (05-16 to 05-31), Thursday
/// 05-16 9 h too: the week is complete, 18 h, RR = (360 + 90) / 18 = 25;
/// both workdays' premiums are paid now, 2 × 25 = $50.00.
#[test]
fn a_meal_premium_waits_with_its_weeks_deferred_premium() {
    let config = california_config("meal_periods = true").replace(
        "frequency = \"weekly\"\nanchor = \"2024-05-12\"",
        "frequency = \"semimonthly\"",
    );
    let config = config.replace("[\"Attendance\"]", "[]\nbonuses = [\"Attendance\"]");
    let cards = [
        punch("cali", "2024-05-13 08:00:00", "2024-05-13 17:00:00"),
        named_amount("cali", "2024-05-13", "Attendance", "90"),
        punch("cali", "2024-05-16 08:00:00", "2024-05-16 17:00:00"),
    ];
    let first = run(&cali(), &cards, &config, period("2024-05-01", "2024-05-15"));
    assert_eq!(row(&first, "cali").pay.premium, Decimal::ZERO);
    assert!(
        meal_warnings(&first)[0].starts_with(
            "workday 2024-05-13: first meal missing; its workweek ends after the period"
        ),
        "{:?}",
        meal_warnings(&first)
    );
    let second = run(&cali(), &cards, &config, period("2024-05-16", "2024-05-31"));
    assert_eq!(row(&second, "cali").pay.premium.to_string(), "50.00");
    assert_eq!(
        meal_reasons(&second),
        ["workday 2024-05-16: first meal missing"]
    );
}

/// `explain` names the missed meal and the rule in words.
#[test]
fn explain_tells_the_meal_premium() {
    let e = explained(
        &cali(),
        &[
            punch("cali", "2024-05-13 08:00:00", "2024-05-13 13:30:00"),
            punch("cali", "2024-05-13 14:00:00", "2024-05-13 18:00:00"),
        ],
        &california_config("meal_periods = true"),
    );
    assert_eq!(
        e.notes,
        ["meal premium on 2024-05-13: first meal late: began after 5:30 h"]
    );
    assert!(e.rule.iter().any(|r| r.starts_with(
        "meal periods: a first meal of 30 minutes by the end of the 5th hour worked"
    )));
    assert_eq!(e.gross_pay.to_string(), "225.00");
}

// ---- The sources' own examples, ported ----------------------------------

/// Brinker (53 Cal.4th 1004, as explained by Sabarwal Law, "When to give a
/// meal break", sabarwallaw.com, read 2026-12-07): for a shift from 8:00,
/// the fifth hour of work is 12:00 to 1:00 p.m., and the meal must begin
/// by its end. The article's "prudent" advice is to begin by 12:59; payrun
/// applies the rule itself: a meal beginning at 1:00 p.m. (5:00 h worked)
/// is on time, one beginning at 1:01 is late. Its other examples: the
/// second meal is due by the end of the tenth hour worked, which after a
/// half-hour first meal is 10.5 hours into the shift (08:00-12:00, 12:30-
/// 18:30 is 10 h worked at 18:30: a second meal beginning then is on
/// time); and no rolling five hours: a meal at 10:00 followed by 7 hours
/// of work (9 h in all) needs no second meal.
#[test]
fn brinkers_examples_of_when_a_meal_must_begin() {
    let run = meals(
        "",
        &[
            // Mon: meal at 1:00 p.m. exactly: on time.
            punch("cali", "2024-05-13 08:00:00", "2024-05-13 13:00:00"),
            punch("cali", "2024-05-13 13:30:00", "2024-05-13 16:30:00"),
            // Tue: meal at 1:01 p.m.: late.
            punch("cali", "2024-05-14 08:00:00", "2024-05-14 13:01:00"),
            punch("cali", "2024-05-14 13:31:00", "2024-05-14 16:30:00"),
            // Wed: second meal at 10 h worked, 10.5 h into the shift: on time.
            punch("cali", "2024-05-15 08:00:00", "2024-05-15 12:00:00"),
            punch("cali", "2024-05-15 12:30:00", "2024-05-15 18:30:00"),
            punch("cali", "2024-05-15 19:00:00", "2024-05-15 20:00:00"),
            // Thu: an early meal, then 7 h: 9 h worked, no second meal due.
            punch("cali", "2024-05-16 08:00:00", "2024-05-16 10:00:00"),
            punch("cali", "2024-05-16 10:30:00", "2024-05-16 17:30:00"),
        ],
    );
    assert_eq!(
        meal_reasons(&run),
        ["workday 2024-05-14: first meal late: began after 5:01 h"]
    );
}

/// The Colorado Division of Labor Standards and Statistics' Overtime page
/// (cdle.colorado.gov, read 2026-12-07): overtime past 40 hours a
/// workweek, 12 a workday or 12 consecutive hours, "whichever calculation
/// results in the greater payment of wages", and "hours worked in two or
/// more workweeks shall not be averaged". Ported: a biweekly period of 45
/// hours then 35 (Monday to Friday 9 h, then 7 h) pays 75 regular and 5
/// overtime hours, not 80 regular; at $20, 75 × 20 + 5 × 30 = $1,650.00.
/// And a 13-hour day is 1 hour of overtime once, though both the workday
/// and the consecutive rule find it (the greater payment, not both).
#[test]
fn the_colorado_divisions_rules_as_examples() {
    let biweekly = run(
        &cole_user(),
        &[
            days("cole", "2024-05-13", &[9, 9, 9, 9, 9]),
            days("cole", "2024-05-20", &[7, 7, 7, 7, 7]),
        ]
        .concat(),
        &COLORADO.replace("frequency = \"weekly\"", "frequency = \"biweekly\""),
        period("2024-05-12", "2024-05-25"),
    );
    let cole = row(&biweekly, "cole");
    assert_eq!(tiers(cole), (dec("75"), dec("5"), Decimal::ZERO));
    assert_eq!(cole.pay.gross.to_string(), "1650.00");
    let long_day = colorado(&[punch("cole", "2024-05-13 06:00:00", "2024-05-13 19:00:00")]);
    assert_eq!(
        tiers(row(&long_day, "cole")),
        (dec("12"), dec("1"), Decimal::ZERO)
    );
}
