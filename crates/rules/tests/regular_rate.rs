//! The regular rate (design §5b; 29 CFR 778.109, 778.115, 778.207(b),
//! 778.209, 778.419): job rates, shift differentials and bonuses, with
//! figures a clerk can check by hand. Every week below is Sunday 2024-05-12
//! to Saturday 05-18, weekly overtime after 40 hours.

mod common;

use common::*;

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// Consecutive days from Monday 05-13 at 07:00, each `(hours, job, shift)`.
fn week(user: &str, days: &[(u32, &str, &str)]) -> Vec<String> {
    days.iter()
        .enumerate()
        .map(|(i, (h, job, shift))| {
            let day = 13 + i;
            punch_as(
                user,
                &format!("2024-05-{day} 07:00:00"),
                &format!("2024-05-{day} {:02}:00:00", 7 + h),
                job,
                shift,
            )
        })
        .collect()
}

fn hourly(rate: &str) -> Vec<String> {
    vec![user("pat", "Hourly Rate", rate, "America/Chicago", "")]
}

fn the_week() -> payrun_rules::PayPeriod {
    period("2024-05-12", "2024-05-18")
}

/// 778.115: two rates in one week. 40 h welding at $15 and 5 h helping at
/// the $12 payRate, the last 5 h being overtime.
///   straight time 40 x 15 + 5 x 12 = $660.00; RR = 660 / 45 = $14.6667
///   overtime 5 x 12 + 5 x 14.6667 x 0.5 = 60 + 36.6667 = $96.67
///   gross 600.00 + 96.67 = $696.67
#[test]
fn two_job_rates_in_one_week_778_115() {
    let config = format!("{WEEKLY}\n[jobs.\"Welding\"]\nrate = 15.00\n");
    let cards = week(
        "pat",
        &[
            (10, "Welding", ""),
            (10, "Welding", ""),
            (10, "Welding", ""),
            (10, "Welding", ""),
            (5, "Helping", ""),
        ],
    );
    let run = run(&hourly("12.00"), &cards, &config, the_week());
    let pat = row(&run, "pat");
    assert_eq!(tiers(pat), (dec("40"), dec("5"), zero()));
    assert_eq!(
        pay(pat),
        [
            dec("600.00"),
            dec("96.67"),
            zero(),
            zero(),
            zero(),
            dec("696.67")
        ]
    );
    assert_eq!(
        lines(&run, "pat"),
        vec![
            (
                "regular",
                some("Welding"),
                None,
                dec("40"),
                Some(dec("15")),
                dec("600.00")
            ),
            (
                "overtime",
                some("Helping"),
                None,
                dec("5"),
                Some(dec("19.3333")),
                dec("96.67")
            ),
        ]
    );
    let rr = run.pay_lines[1].regular_rate.unwrap().round_dp(4);
    assert_eq!(rr, dec("14.6667"));

    // 778.419, "rate in effect": the overtime hours were helper work, 5 x 12 x 1.5 = $90.00.
    let in_effect = format!("{config}\n[regular_rate]\nmethod = \"rate_in_effect\"\n");
    let run = common::run(&hourly("12.00"), &cards, &in_effect, the_week());
    assert_eq!(
        pay(row(&run, "pat")),
        [
            dec("600.00"),
            dec("90.00"),
            zero(),
            zero(),
            zero(),
            dec("690.00")
        ]
    );
}

/// A night-shift differential with overtime: $20/h, $2/h more on the
/// night shift, 9 h a day Monday to Friday, Thursday and Friday at night.
///   straight time 27 x 20 + 18 x 22 = 540 + 396 = $936.00; RR = 936 / 45 = $20.80
///   regular 27 x 20 + 13 x 22 = $826.00 (the last 5 h, Friday night, are overtime)
///   overtime 5 x (22 + 20.80 x 0.5) = 5 x 32.40 = $162.00; gross $988.00
#[test]
fn a_night_differential_raises_the_overtime_rate() {
    let days = [
        (9, "", "day shift"),
        (9, "", "day shift"),
        (9, "", "day shift"),
        (9, "", "night shift"),
        (9, "", "night shift"),
    ];
    for table in ["premium = 2.00", "percent = 10"] {
        let config = format!("{WEEKLY}\n[shifts.\"night shift\"]\n{table}\n");
        let run = run(&hourly("20.00"), &week("pat", &days), &config, the_week());
        let pat = row(&run, "pat");
        assert_eq!(
            pay(pat),
            [
                dec("826.00"),
                dec("162.00"),
                zero(),
                zero(),
                zero(),
                dec("988.00")
            ],
            "{table}"
        );
        assert_eq!(
            lines(&run, "pat"),
            vec![
                (
                    "regular",
                    None,
                    some("day shift"),
                    dec("27"),
                    Some(dec("20")),
                    dec("540.00")
                ),
                (
                    "regular",
                    None,
                    some("night shift"),
                    dec("13"),
                    Some(dec("22")),
                    dec("286.00")
                ),
                (
                    "overtime",
                    None,
                    some("night shift"),
                    dec("5"),
                    Some(dec("32.4")),
                    dec("162.00")
                ),
            ]
        );
    }
}

/// A weekly production bonus raises the overtime rate: $12/h, 46 h, a $46
/// bonus on Wednesday. RR = (46 x 12 + 46) / 46 = $13.00; overtime
/// 6 x (12 + 13 x 0.5) = $111.00; gross 480 + 111 + 46 = $637.00. Not
/// listed as a bonus, the same $46 is a plain adjustment: 480 + 108 + 46 = $634.00.
#[test]
fn a_weekly_bonus_raises_the_overtime_rate() {
    let mut cards = days("pat", "2024-05-13", &[10, 10, 10, 8, 8]);
    cards.push(named_amount(
        "pat",
        "2024-05-15",
        "Production Bonus",
        "46.00",
    ));
    let config = format!("{WEEKLY}\n[regular_rate]\nbonuses = [\"Production Bonus\"]\n");
    let run = run(&hourly("12.00"), &cards, &config, the_week());
    let pat = row(&run, "pat");
    assert_eq!(
        pay(pat),
        [
            dec("480.00"),
            dec("111.00"),
            zero(),
            zero(),
            dec("46.00"),
            dec("637.00")
        ]
    );
    assert_eq!(pat.hours.adjustment_amount, dec("46"));
    assert_eq!(
        lines(&run, "pat"),
        vec![
            (
                "regular",
                None,
                None,
                dec("40"),
                Some(dec("12")),
                dec("480.00")
            ),
            (
                "overtime",
                None,
                None,
                dec("6"),
                Some(dec("18.5")),
                dec("111.00")
            ),
            ("bonus", None, None, zero(), None, dec("46.00")),
        ]
    );

    let run = common::run(&hourly("12.00"), &cards, WEEKLY, the_week());
    assert_eq!(
        pay(row(&run, "pat")),
        [
            dec("480.00"),
            dec("108.00"),
            zero(),
            zero(),
            dec("46.00"),
            dec("634.00")
        ]
    );
}

/// A bonus dated in the days before the period still belongs to its
/// workweek: a semimonthly period from Thursday 05-16 sees Monday's bonus
/// in the rate of the week it straddles, but does not pay it again.
#[test]
fn a_bonus_before_the_period_raises_its_straddling_week() {
    let mut cards = days("pat", "2024-05-13", &[10, 10, 10, 8, 8]);
    cards.push(named_amount(
        "pat",
        "2024-05-13",
        "Production Bonus",
        "46.00",
    ));
    let config = "[pay_period]\nfrequency = \"semimonthly\"\n[overtime_rules.default]\n[regular_rate]\nbonuses = [\"Production Bonus\"]\n";
    let run = run(
        &hourly("12.00"),
        &cards,
        config,
        period("2024-05-16", "2024-05-31"),
    );
    // Thu 8 + Fri 8 in the period: 8 + 2 regular (reaching 40) = $120.00,
    // and 6 overtime at 12 + 13 x 0.5 = $111.00.
    assert_eq!(
        pay(row(&run, "pat")),
        [
            dec("120.00"),
            dec("111.00"),
            zero(),
            zero(),
            zero(),
            dec("231.00")
        ]
    );
}

fn salaried(mode: &str) -> (Vec<String>, String) {
    let users = vec![user("sal", "Salary Rate", "0", "America/Chicago", "")];
    let config = format!(
        "{WEEKLY}\n[salary]\nperiod = \"weekly\"\nmode = \"{mode}\"\n[regular_rate]\nbonuses = [\"Bonus\"]\n"
    );
    (users, config)
}

/// Salaried non-exempt (778.113) with a bonus: $220.80 for 40 h, 44 h
/// worked, a $44 bonus. r = 5.52; each overtime hour pays
/// 5.52 x 1.5 + 0.5 x 44 / 44 = $8.78; 4 h = $35.12; gross 220.80 + 35.12 + 44 = $299.92.
#[test]
fn nonexempt_salary_with_a_bonus() {
    let (users, config) = salaried("nonexempt_fixed");
    let users = [users[0].replace("\"payRate\": \"0\"", "\"payRate\": \"220.80\"")];
    let mut cards = days("sal", "2024-05-13", &[9, 9, 9, 9, 8]);
    cards.push(named_amount("sal", "2024-05-14", "Bonus", "44.00"));
    let run = run(&users, &cards, &config, the_week());
    assert_eq!(
        pay(row(&run, "sal")),
        [
            dec("220.80"),
            dec("35.12"),
            zero(),
            zero(),
            dec("44.00"),
            dec("299.92")
        ]
    );
}

/// Fluctuating workweek (778.114) with a bonus: $600 a week, 50 h, a $100
/// bonus. RR = (600 + 100) / 50 = $14; overtime 10 x 14 x 0.5 = $70;
/// gross 600 + 70 + 100 = $770.00.
#[test]
fn fluctuating_workweek_with_a_bonus() {
    let (users, config) = salaried("fluctuating_workweek");
    let users = [users[0].replace("\"payRate\": \"0\"", "\"payRate\": \"600.00\"")];
    let mut cards = days("sal", "2024-05-13", &[10; 5]);
    cards.push(named_amount("sal", "2024-05-17", "Bonus", "100.00"));
    let run = run(&users, &cards, &config, the_week());
    assert_eq!(
        pay(row(&run, "sal")),
        [
            dec("600.00"),
            dec("70.00"),
            zero(),
            zero(),
            dec("100.00"),
            dec("770.00")
        ]
    );
    assert_eq!(
        lines(&run, "sal")[1],
        (
            "overtime",
            None,
            None,
            dec("10"),
            Some(dec("7")),
            dec("70.00")
        )
    );
}

/// Exempt: the bonus is paid, nothing else changes ($52,000 a year is
/// $1,000.00 a week).
#[test]
fn exempt_salary_with_a_bonus() {
    let (users, config) = salaried("exempt");
    let users = [users[0].replace("\"payRate\": \"0\"", "\"payRate\": \"1000.00\"")];
    let mut cards = days("sal", "2024-05-13", &[12; 5]);
    cards.push(named_amount("sal", "2024-05-17", "Bonus", "100.00"));
    let run = run(&users, &cards, &config, the_week());
    let sal = row(&run, "sal");
    assert_eq!(tiers(sal), (dec("60"), zero(), zero()));
    assert_eq!(
        pay(sal),
        [
            dec("1000.00"),
            zero(),
            zero(),
            zero(),
            dec("100.00"),
            dec("1100.00")
        ]
    );
}

/// Job and shift tables are for hourly users: a salaried user's job
/// changes nothing (the 253.92 example of design §5).
#[test]
fn job_rates_do_not_apply_to_salaried_users() {
    let (users, config) = salaried("nonexempt_fixed");
    let users = [users[0].replace("\"payRate\": \"0\"", "\"payRate\": \"220.80\"")];
    let config = format!("{config}\n[jobs.\"Welding\"]\nrate = 99\n");
    let cards = week(
        "sal",
        &[
            (9, "Welding", ""),
            (9, "Welding", ""),
            (9, "Welding", ""),
            (9, "Welding", ""),
            (8, "Welding", ""),
        ],
    );
    let run = run(&users, &cards, &config, the_week());
    assert_eq!(row(&run, "sal").pay.gross, dec("253.92"));
}

fn zero() -> rust_decimal::Decimal {
    rust_decimal::Decimal::ZERO
}

// ---- Workweeks that straddle the period's end (design §5c) -------------------

/// The cards as a run on the morning of `as_of` sees them: those that
/// began before that day.
fn known_on(cards: &[String], as_of: &str) -> Vec<String> {
    cards
        .iter()
        .filter(|c| {
            let at = c.find("\"inDateTime\": \"").unwrap() + 15;
            &c[at..at + 10] < as_of
        })
        .cloned()
        .collect()
}

fn kinds_of(run: &payrun_rules::PayrollRun) -> Vec<&'static str> {
    run.exceptions.iter().map(|e| e.kind.as_str()).collect()
}

/// A shift in the workweek before 05-01 (so the input is complete from
/// the start of the period's first workweek); it is not paid in the period.
fn before_the_period(user: &str) -> String {
    punch(user, "2024-04-29 09:00:00", "2024-04-29 13:00:00")
}

const SEMIMONTHLY: &str =
    "[pay_period]\nfrequency = \"semimonthly\"\n[overtime_rules.default]\nweekly_ot_after = 40\n";

/// Fluctuating workweek, $600 a week, 12 h every day Sunday 05-12 to
/// Saturday 05-18 (84 h), paid semimonthly (the salary is 600 x 52 / 24 =
/// $1,300.00 a period).
///
/// 05-01..05-15 holds Sun-Wed, 48 h: 40 regular and 8 overtime (Wednesday's
/// last 8). The week's rate, 600 / H, needs H, which is only known on 05-18,
/// so the premium waits: $1,300.00, whether the run sees the cards up to
/// 05-15 (as of 05-16), 05-16 (as of 05-17) or the whole week (05-20).
///
/// 05-16..05-31 holds Thu-Sat, 36 h, all overtime. The week is complete:
/// RR = 600 / 84 = $7.142857; the premium of all 44 overtime hours is
/// 44 x 7.142857 x 0.5 = $157.14 (36 h here: 128.57; the 8 h of the
/// previous period: 28.57), paid once; gross $1,457.14.
#[test]
fn a_fluctuating_workweek_straddling_the_period_end_pays_its_premium_when_it_ends() {
    let users = [user("fww", "Salary Rate", "600.00", "America/Chicago", "")];
    let config =
        format!("{SEMIMONTHLY}[salary]\nperiod = \"weekly\"\nmode = \"fluctuating_workweek\"\n");
    let cards: Vec<String> = (12..=18)
        .map(|d| {
            punch(
                "fww",
                &format!("2024-05-{d} 07:00:00"),
                &format!("2024-05-{d} 19:00:00"),
            )
        })
        .chain([before_the_period("fww")])
        .collect();
    let first = period("2024-05-01", "2024-05-15");
    for as_of in ["2024-05-16", "2024-05-17", "2024-05-20"] {
        let run = run(&users, &known_on(&cards, as_of), &config, first);
        let fww = row(&run, "fww");
        assert_eq!(tiers(fww), (dec("40"), dec("8"), zero()), "as of {as_of}");
        assert_eq!(
            pay(fww),
            [
                dec("1300.00"),
                zero(),
                zero(),
                zero(),
                zero(),
                dec("1300.00")
            ],
            "as of {as_of}"
        );
        assert_eq!(kinds_of(&run), vec!["deferred_premium"], "as of {as_of}");
        assert!(
            run.exceptions[0]
                .message
                .starts_with("the workweek 2024-05-12 to 2024-05-18 ends after the period: the premium of its 8 overtime"),
            "{}",
            run.exceptions[0].message
        );
    }

    let run = run(&users, &cards, &config, period("2024-05-16", "2024-05-31"));
    let fww = row(&run, "fww");
    assert_eq!(tiers(fww), (zero(), dec("36"), zero()));
    assert_eq!(
        pay(fww),
        [
            dec("1300.00"),
            dec("157.14"),
            zero(),
            zero(),
            zero(),
            dec("1457.14")
        ]
    );
    assert_eq!(
        lines(&run, "fww"),
        vec![
            ("salary", None, None, zero(), None, dec("1300.00")),
            // This period's 36 overtime hours and the previous period's 8,
            // whose premium waited for the week to end: one row.
            (
                "overtime",
                None,
                None,
                dec("44"),
                Some(dec("3.5714")),
                dec("157.14")
            ),
        ]
    );
    // $600 for 84 h is $7.14 an hour: the week, complete in this period,
    // is below the federal minimum ($7.25 x 84 h = $609.00), flagged.
    assert_eq!(kinds_of(&run), vec!["below_minimum_wage"]);
    assert!(
        run.exceptions[0]
            .message
            .contains("(minimum wage: $7.25 x 84 h - $600.00 = $9.00)"),
        "{}",
        run.exceptions[0].message
    );
}

/// Two rates in a week that straddles a semimonthly end: $12/h payRate,
/// welding at $15. Sun-Tue 05-12..05-14 10 h welding, Wed 05-15 12 h
/// helping ($12), Thu 05-16 8 h welding: 50 h, straight time
/// 30 x 15 + 12 x 12 + 8 x 15 = $714, RR = 714 / 50 = $14.28.
///
/// 05-01..05-15 (42 h): regular 30 x 15 + 10 x 12 = $570.00; the last 2 h
/// are overtime, paid their straight time now (2 x 12 = $24.00), their
/// premium deferred (the rate blends two rates): gross $594.00, at any run date.
///
/// 05-16..05-31: Thursday's 8 h of overtime, 8 x (15 + 14.28 x 0.5) =
/// $177.12, plus the deferred premium 2 x 14.28 x 0.5 = $14.28: $191.40.
/// Over both periods overtime costs 24 + 191.40 = $215.40, which is
/// 2 x 12 + 8 x 15 + 10 x 7.14, as if no period ended mid-week.
#[test]
fn a_two_rate_week_straddling_a_semimonthly_end() {
    let config = format!("{SEMIMONTHLY}[jobs.\"Welding\"]\nrate = 15.00\n");
    let welding = |d: u32, h: u32| {
        punch_as(
            "pat",
            &format!("2024-05-{d} 07:00:00"),
            &format!("2024-05-{d} {:02}:00:00", 7 + h),
            "Welding",
            "",
        )
    };
    let mut cards = vec![welding(12, 10), welding(13, 10), welding(14, 10)];
    cards.push(punch_as(
        "pat",
        "2024-05-15 07:00:00",
        "2024-05-15 19:00:00",
        "Helping",
        "",
    ));
    cards.push(welding(16, 8));
    cards.push(before_the_period("pat"));
    let first = period("2024-05-01", "2024-05-15");
    for as_of in ["2024-05-16", "2024-05-17", "2024-05-20"] {
        let run = run(&hourly("12.00"), &known_on(&cards, as_of), &config, first);
        assert_eq!(
            pay(row(&run, "pat")),
            [
                dec("570.00"),
                dec("24.00"),
                zero(),
                zero(),
                zero(),
                dec("594.00")
            ],
            "as of {as_of}"
        );
        assert_eq!(kinds_of(&run), vec!["deferred_premium"], "as of {as_of}");
    }
    let run = run(
        &hourly("12.00"),
        &cards,
        &config,
        period("2024-05-16", "2024-05-31"),
    );
    assert_eq!(
        pay(row(&run, "pat")),
        [zero(), dec("191.40"), zero(), zero(), zero(), dec("191.40")]
    );
    assert_eq!(
        lines(&run, "pat"),
        vec![
            (
                "overtime",
                None,
                None,
                dec("2"),
                Some(dec("7.14")),
                dec("14.28")
            ),
            (
                "overtime",
                some("Welding"),
                None,
                dec("8"),
                Some(dec("22.14")),
                dec("177.12")
            ),
        ]
    );

    // One rate so far (all welding up to 05-15): nothing depends on the
    // rest of the week, so nothing is deferred and design §5 holds: 2 h of
    // overtime at 15 x 1.5.
    let mut one_rate = cards.clone();
    one_rate[3] = welding(15, 12);
    let run = common::run(&hourly("12.00"), &one_rate, &config, first);
    assert_eq!(row(&run, "pat").pay.overtime, dec("45.00"));
    assert_eq!(kinds_of(&run), Vec::<&str>::new());
}
