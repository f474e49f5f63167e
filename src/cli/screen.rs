//! The one-screen summary printed after a run, readable in 80 columns.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use payrun::overview::Overview;
use payrun::review::grouped;
use payrun::rules::config::Frequency;

fn frequency(f: Frequency) -> &'static str {
    match f {
        Frequency::Weekly => "weekly",
        Frequency::Biweekly => "biweekly",
        Frequency::Semimonthly => "semimonthly",
        Frequency::Monthly => "monthly",
    }
}

/// The summary screen.
///
/// Long because it is the summary screen line by line, in the order it is
/// read.
pub fn render(
    run: &Overview,
    exports: &[(String, payrun::export::Exported)],
    frequency_of: Frequency,
    out: &Path,
    formats: &str,
) -> String {
    let total = |column: &str| run.total(column);
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
    line(&mut text, "People", run.people.to_string());
    if run.held > 0 {
        line(&mut text, "Pay held (status)", run.held.to_string());
    }
    line(&mut text, "Regular hours", grouped(total("regular_hours")));
    line(
        &mut text,
        "Overtime hours",
        grouped(total("overtime_hours")),
    );
    line(
        &mut text,
        "Double-time hours",
        grouped(total("double_time_hours")),
    );
    line(&mut text, "PTO hours", grouped(total("pto_hours")));
    let unapproved = total("unapproved_hours");
    if unapproved != 0 {
        line(&mut text, "Unapproved hours", grouped(unapproved));
    }
    line(
        &mut text,
        "Gross pay",
        format!("${}", grouped(total("gross_pay"))),
    );
    line(
        &mut text,
        "Overtime cost",
        format!(
            "${}",
            grouped(total("overtime_pay") + total("double_time_pay"))
        ),
    );
    line(&mut text, "Bonuses", format!("${}", grouped(run.bonuses)));
    line(
        &mut text,
        "Blended-rate weeks",
        run.blended_weeks.to_string(),
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
    for (name, exported) in exports {
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
        use rust_decimal::Decimal;
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
        let overview = Overview::of(&run).unwrap();
        assert_eq!(overview.blended_weeks, 2, "ann's week and dee's");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0), "0.00");
        assert_eq!(grouped(58800), "588.00");
        assert_eq!(grouped(13864891), "138,648.91");
        assert_eq!(grouped(-123456789), "-1,234,567.89");
    }
}
