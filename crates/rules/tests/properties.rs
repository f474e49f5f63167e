//! Properties that hold for any time cards and any overtime rule.

mod common;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use common::*;
use payrun_ingest::UserId;
use payrun_rules::{DayRow, PayLine, SummaryRow};
use proptest::prelude::*;

const RULES: [&str; 5] = [
    "basis = \"weekly\"\nweekly_ot_after = 40",
    "basis = \"weekly\"\ndaily_ot_after = 8\ndaily_dt_after = 12\nweekly_ot_after = 40\nseventh_day = true\nspecial_weekdays = { sunday = \"overtime\" }",
    "basis = \"biweekly\"\ndaily_ot_after = 8\nbiweekly_ot_after = 80",
    "basis = \"daily_only\"\ndaily_ot_after = 10\ndaily_dt_after = 14",
    "basis = \"off\"",
];

fn config(rule: usize, split: bool, pto_counts: bool) -> String {
    format!(
        "[pay_period]\nfrequency = \"biweekly\"\nanchor = \"2024-03-03\"\n[punches]\nsplit_at_workday = {split}\n[pto]\ncounts_toward_overtime = {pto_counts}\n[overtime_rules.default]\n{}\n",
        RULES[rule]
    )
}

/// Shifts of one user as (gap before it in minutes, length in seconds); they never overlap.
fn shifts() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((30i64..2_000, 600i64..50_000), 0..14)
}

fn first_start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 3, 3)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn fmt(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Time cards for users u0, u1, … and each user's exact worked seconds.
fn cards(per_user: &[Vec<(i64, i64)>]) -> (Vec<String>, Vec<i64>) {
    let mut cards = Vec::new();
    let mut worked = Vec::new();
    for (u, shifts) in per_user.iter().enumerate() {
        let mut t = first_start();
        let mut total = 0;
        for (gap, len) in shifts {
            let start = t + Duration::minutes(*gap);
            let end = start + Duration::seconds(*len);
            cards.push(punch(&format!("u{u}"), &fmt(start), &fmt(end)));
            total += len;
            t = end;
        }
        cards.push(pto(&format!("u{u}"), "2024-03-05", "4.000"));
        worked.push(total);
    }
    (cards, worked)
}

fn users(n: usize) -> Vec<String> {
    (0..n)
        .map(|u| user(&format!("u{u}"), "Hourly Rate", "17.35", "UTC", ""))
        .collect()
}

/// Everything generated fits in this period (14 shifts of < 14 h with < 34 h gaps).
fn whole() -> payrun_rules::PayPeriod {
    period("2024-03-03", "2024-04-27")
}

fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut items = items.to_vec();
    let mut state = seed | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
    items
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_worked_second_gets_exactly_one_tier(
        per_user in prop::collection::vec(shifts(), 1..4),
        rule in 0..RULES.len(),
        split in any::<bool>(),
        pto_counts in any::<bool>(),
    ) {
        let (cards, worked) = cards(&per_user);
        let run = run(&users(per_user.len()), &cards, &config(rule, split, pto_counts), whole());
        for (u, total) in worked.iter().enumerate() {
            let r = row(&run, &format!("u{u}"));
            let h = &r.hours;
            prop_assert!(h.regular >= 0 && h.overtime >= 0 && h.double_time >= 0);
            prop_assert_eq!(h.regular + h.overtime + h.double_time, *total);
            for line in pay(r) {
                prop_assert!(line >= rust_decimal::Decimal::ZERO);
            }
            // The pay lines add up to the summary, to the cent.
            let lines: rust_decimal::Decimal =
                run.pay_lines.iter().filter(|l| l.user == r.user).map(|l| l.amount).sum();
            prop_assert_eq!(lines, r.pay.gross);
        }
        for day in &run.days {
            prop_assert!(day.regular >= 0 && day.overtime >= 0 && day.double_time >= 0);
        }
    }

    #[test]
    fn the_order_of_input_rows_changes_nothing(
        per_user in prop::collection::vec(shifts(), 1..4),
        rule in 0..RULES.len(),
        split in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let (cards, _) = cards(&per_user);
        let users = users(per_user.len());
        let config = config(rule, split, false);
        let a = run(&users, &cards, &config, whole());
        let b = run(&shuffled(&users, seed), &shuffled(&cards, seed.rotate_left(7)), &config, whole());
        // Shuffling users renumbers them; everything else must be equal.
        let anonymous = |run: &payrun_rules::PayrollRun| {
            let summary: Vec<_> = run.summary.iter().map(|r| SummaryRow { user: UserId(0), ..r.clone() }).collect();
            let days: Vec<_> = run.days.iter().map(|d| DayRow { user: UserId(0), ..d.clone() }).collect();
            let lines: Vec<_> = run.pay_lines.iter().map(|l| PayLine { user: UserId(0), ..l.clone() }).collect();
            (summary, days, lines)
        };
        prop_assert_eq!(anonymous(&a), anonymous(&b));
        let (ra, rb) = (a.report().unwrap(), b.report().unwrap());
        prop_assert!(ra.payroll_summary.equals_missing(&rb.payroll_summary));
        prop_assert!(ra.daily_hours.equals_missing(&rb.daily_hours));
        prop_assert!(ra.pay_lines.equals_missing(&rb.pay_lines));
    }

    #[test]
    fn more_worked_time_never_lowers_gross_pay(
        shifts in shifts(),
        extra in 60i64..40_000,
        rule in 0..RULES.len(),
        split in any::<bool>(),
        salaried in any::<bool>(),
    ) {
        let (mut cards, _) = cards(std::slice::from_ref(&shifts));
        let config = config(rule, split, false) + "[salary]\nperiod = \"weekly\"\nhours_per_week = 40\n";
        let users = if salaried {
            vec![user("u0", "Salary Rate", "900.00", "UTC", "")]
        } else {
            users(1)
        };
        let before = run(&users, &cards, &config, whole());
        let last_end = shifts.iter().map(|(g, l)| Duration::minutes(*g) + Duration::seconds(*l)).fold(first_start(), |t, d| t + d);
        let start = last_end + Duration::minutes(5);
        cards.push(punch("u0", &fmt(start), &fmt(start + Duration::seconds(extra))));
        let after = run(&users, &cards, &config, whole());
        prop_assert!(row(&after, "u0").pay.gross >= row(&before, "u0").pay.gross);
    }

    /// design §5c: a period boundary inside a workweek moves overtime premium
    /// to the period the week ends in, but never changes the total. Two
    /// half-months pay what the month pays, to the rounding of their lines.
    #[test]
    fn splitting_a_month_in_two_changes_no_total(
        shifts in shifts(),
        jobs in prop::collection::vec(any::<bool>(), 14),
        salaried in any::<bool>(),
        bonus_day in 0u32..28,
    ) {
        let mut t = first_start();
        let mut cards = Vec::new();
        for ((gap, len), welding) in shifts.iter().zip(&jobs) {
            let start = t + Duration::minutes(*gap);
            let end = start + Duration::seconds(*len);
            let job = if *welding { "Welding" } else { "Helping" };
            cards.push(punch_as("u0", &fmt(start), &fmt(end), job, ""));
            t = end;
        }
        cards.push(named_amount("u0", &format!("2024-03-{:02}", 3 + bonus_day), "Bonus", "40.00"));
        let users = if salaried {
            vec![user("u0", "Salary Rate", "900.00", "UTC", "")]
        } else {
            users(1)
        };
        // Monthly and semimonthly salaries agree: annual / 12 = 2 x annual / 24.
        let config = |frequency: &str| format!(
            "[pay_period]\nfrequency = \"{frequency}\"\n[overtime_rules.default]\n\
             [salary]\nperiod = \"weekly\"\nmode = \"fluctuating_workweek\"\n\
             [jobs.\"Welding\"]\nrate = 21.10\n[regular_rate]\nbonuses = [\"Bonus\"]\n"
        );
        let gross = |frequency, p| row(&run(&users, &cards, &config(frequency), p), "u0").pay.gross;
        let month = gross("monthly", period("2024-03-01", "2024-03-31"));
        let halves = gross("semimonthly", period("2024-03-01", "2024-03-15"))
            + gross("semimonthly", period("2024-03-16", "2024-03-31"));
        // Each period rounds each of its five summary lines once.
        prop_assert!((month - halves).abs() <= rust_decimal::Decimal::new(5, 2), "{month} vs {halves}");
    }
}
