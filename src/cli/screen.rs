//! The one-screen summary printed after a run, readable in 80 columns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use payrun::job::Computed;
use payrun::review::{column_total as total, grouped};
use payrun::rules::PayKind;
use payrun::rules::config::Frequency;
use rust_decimal::Decimal;

fn frequency(f: Frequency) -> &'static str {
    match f {
        Frequency::Weekly => "weekly",
        Frequency::Biweekly => "biweekly",
        Frequency::Semimonthly => "semimonthly",
        Frequency::Monthly => "monthly",
    }
}

/// Bonus pay, in hundredths.
fn bonuses(run: &payrun::rules::PayrollRun) -> i128 {
    run.pay_lines
        .iter()
        .filter(|l| l.kind == PayKind::Bonus)
        .map(|l| (l.amount * Decimal::ONE_HUNDRED).trunc().mantissa())
        .sum()
}

/// User-weeks with overtime whose regular rate is not the hourly payRate:
/// several job or shift rates, or a bonus, were blended into it (design §5b).
fn blended_weeks(run: &payrun::rules::PayrollRun) -> usize {
    // Each hourly user's payRate, by user id (a vector: a map of every
    // user is slow to build at hundreds of thousands).
    let users = run
        .summary
        .iter()
        .map(|r| r.user.index() + 1)
        .max()
        .unwrap_or(0);
    let mut hourly_rate: Vec<Option<Decimal>> = vec![None; users];
    for r in &run.summary {
        if r.rate_type.as_deref() == Some("Hourly Rate") {
            hourly_rate[r.user.index()] = Some(r.pay_rate.unwrap_or_default());
        }
    }
    let weeks: BTreeSet<_> = run
        .pay_lines
        .iter()
        .filter(|l| {
            l.regular_rate
                .zip(hourly_rate.get(l.user.index()).copied().flatten())
                .is_some_and(|(rr, rate)| rr != rate)
        })
        .map(|l| (l.user, l.week_start))
        .collect();
    weeks.len()
}

/// The summary screen.
///
/// Long because it is the summary screen line by line, in the order it is
/// read.
pub fn render(computed: &Computed, frequency_of: Frequency, out: &Path, formats: &str) -> String {
    let run = &computed.run;
    let s = &computed.summaries.payroll_summary;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Pay period {} to {} ({})",
        run.period.start,
        run.period.end,
        frequency(frequency_of)
    );
    let _ = writeln!(text);
    let line = |text: &mut String, label: &str, value: String| {
        let _ = writeln!(text, "  {label:<20}{value:>16}");
    };
    line(&mut text, "People", s.height().to_string());
    let held = run
        .summary
        .iter()
        .filter(|r| r.status == payrun::rules::Status::Held)
        .count();
    if held > 0 {
        line(&mut text, "Pay held (status)", held.to_string());
    }
    line(
        &mut text,
        "Regular hours",
        grouped(total(s, "regular_hours")),
    );
    line(
        &mut text,
        "Overtime hours",
        grouped(total(s, "overtime_hours")),
    );
    line(
        &mut text,
        "Double-time hours",
        grouped(total(s, "double_time_hours")),
    );
    line(&mut text, "PTO hours", grouped(total(s, "pto_hours")));
    let unapproved = total(s, "unapproved_hours");
    if unapproved != 0 {
        line(&mut text, "Unapproved hours", grouped(unapproved));
    }
    line(
        &mut text,
        "Gross pay",
        format!("${}", grouped(total(s, "gross_pay"))),
    );
    line(
        &mut text,
        "Overtime cost",
        format!(
            "${}",
            grouped(total(s, "overtime_pay") + total(s, "double_time_pay"))
        ),
    );
    line(&mut text, "Bonuses", format!("${}", grouped(bonuses(run))));
    line(
        &mut text,
        "Blended-rate weeks",
        blended_weeks(run).to_string(),
    );
    let _ = writeln!(text);
    let mut kinds: BTreeMap<(payrun::ingest::Severity, &str), usize> = BTreeMap::new();
    for e in &run.exceptions {
        *kinds.entry((e.severity, e.kind.as_str())).or_default() += 1;
    }
    let errors = run
        .exceptions
        .iter()
        .filter(|e| e.severity == payrun::ingest::Severity::Error)
        .count();
    if kinds.is_empty() {
        let _ = writeln!(text, "Exceptions: none");
    } else {
        let _ = writeln!(
            text,
            "Exceptions: {} ({errors} errors)",
            run.exceptions.len()
        );
        for ((severity, kind), n) in kinds {
            let _ = writeln!(text, "  {:<8}{kind:<28}{n:>8}", severity.as_str());
        }
    }
    let _ = writeln!(text);
    let _ = writeln!(text, "Files in {}:", out.display());
    let _ = writeln!(
        text,
        "  payroll_summary, daily_hours, department_summary, exceptions, pay_lines ({formats})"
    );
    for (name, exported) in &computed.exports {
        let r = &exported.reconciled;
        let _ = writeln!(
            text,
            "  {} (the {name} export), {} ({} written, {} left out: see it)",
            exported.file_name, exported.reconcile_file_name, r.written, r.left_out
        );
    }
    let _ = writeln!(text, "  manifest.json");
    let page = out.join(payrun::output::REVIEW_PAGE);
    if page.is_file() {
        let _ = writeln!(
            text,
            "  report.html (the review page: totals, overtime charts, exceptions)"
        );
    }
    if out.join(payrun::output::INPUTS).is_dir() {
        let _ = writeln!(
            text,
            "  inputs/ (what this payroll was computed from; `payrun compute --replay {}` checks it)",
            out.display()
        );
    }
    if page.is_file() {
        let _ = writeln!(
            text,
            "\nReview the period before paying it: {}",
            page.display()
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 46 h at a job rate of $15 against a payRate of $12 is a blended
    /// week (two people here); 46 h at the payRate, or a job rate with no
    /// overtime, is not.
    #[test]
    fn blended_weeks_are_overtime_weeks_off_the_pay_rate() {
        use payrun::ingest::{PayrollInput, RecordType, decode_records};
        let users = r#"[{"userName": "ann", "rateType": "Hourly Rate", "payRate": "12.00"},
                        {"userName": "bob", "rateType": "Hourly Rate", "payRate": "12.00"},
                        {"userName": "cy", "rateType": "Hourly Rate", "payRate": "12.00"},
                        {"userName": "dee", "rateType": "Hourly Rate", "payRate": "12.00"}]"#;
        let mut cards = Vec::new();
        for (user, job, hours) in [
            ("ann", "Welding", 10),
            ("bob", "", 10),
            ("cy", "Welding", 8),
            ("dee", "Welding", 10),
        ] {
            for day in 13..17 {
                cards.push(format!(
                    r#"{{"userName": "{user}", "entryType": 0, "jobName": "{job}", "inDateTime": "2024-05-{day} 06:00:00", "outDateTime": "2024-05-{day} {:02}:00:00"}}"#,
                    6 + hours
                ));
            }
            cards.push(format!(
                r#"{{"userName": "{user}", "entryType": 0, "jobName": "{job}", "inDateTime": "2024-05-17 06:00:00", "outDateTime": "2024-05-17 12:00:00"}}"#
            ));
        }
        let users = decode_records(users.as_bytes(), RecordType::User).unwrap();
        let cards = decode_records(
            format!("[{}]", cards.join(",")).as_bytes(),
            RecordType::TimeCard,
        )
        .unwrap();
        let config = payrun::rules::RulesConfig::parse(
            "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n\
             [overtime_rules.default]\n[jobs.\"Welding\"]\nrate = 15.00\n",
        )
        .unwrap();
        let period = payrun::rules::PayPeriod {
            start: chrono::NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
            end: chrono::NaiveDate::from_ymd_opt(2024, 5, 18).unwrap(),
        };
        let input = PayrollInput::from_frames(&cards.frame, &users.frame, Vec::new()).unwrap();
        let run = payrun::rules::compute(&input, &config, &period).unwrap();
        let gross: Vec<Decimal> = run.summary.iter().map(|r| r.pay.gross).collect();
        // ann, dee: 46 h at $15 + 6 h x $7.50; bob: 40 x 12 + 6 x 18; cy: 38 h at $15.
        let expected =
            ["735.00", "588.00", "570.00", "735.00"].map(|a| a.parse::<Decimal>().unwrap());
        assert_eq!(gross, expected);
        assert_eq!(blended_weeks(&run), 2, "ann's week and dee's");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0), "0.00");
        assert_eq!(grouped(58800), "588.00");
        assert_eq!(grouped(13864891), "138,648.91");
        assert_eq!(grouped(-123456789), "-1,234,567.89");
    }
}
