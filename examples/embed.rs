//! An accounting tool embedding payrun: it has its own time cards and users
//! (here built in memory; in practice from its database), asks payrun for
//! the payroll of one week, and reads the figures back, typed and as
//! DataFrames. No HTTP, no files.
//!
//! Run it with `cargo run --example embed`.

use payrun::ingest::{PayrollInput, RecordType, conform};
use payrun::rules::{PayPeriod, RulesConfig, compute};
use polars::prelude::*;

/// Long because an example reads top to bottom.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The tool's own tables, with the Q2 API's column names. Text columns are
    // read exactly as API values would be; bad values become exceptions.
    let users = df!(
        "userName" => ["ann", "cal"],
        "userFullName" => ["Ann Adams", "Cal Reyes"],
        "employeeNumber" => ["1001", "1004"],
        "role" => ["Employee", "Employee"],
        "rateType" => ["Hourly Rate", "Hourly Rate"],
        "payRate" => ["12.00", "25.00"],
        "timeZone" => ["America/Chicago", "America/Los_Angeles"],
        "overTimeRule" => ["", "ot1"],
        "departmentName" => ["Warehouse", "Field Service"],
    )?;
    let mut user_names = Vec::new();
    let mut ins = Vec::new();
    let mut outs = Vec::new();
    for (user, hours) in [("ann", [10, 10, 10, 8, 8]), ("cal", [10, 8, 13, 8, 8])] {
        for (day, h) in (13..18).zip(hours) {
            user_names.push(user);
            ins.push(format!("2024-05-{day} 07:00:00"));
            outs.push(format!("2024-05-{day} {:02}:00:00", 7 + h));
        }
    }
    let entry_types = vec![0i32; user_names.len()];
    let time_cards = df!(
        "userName" => user_names,
        "inDateTime" => ins,
        "outDateTime" => outs,
        "entryType" => entry_types,
    )?;

    let users = conform(&users, RecordType::User)?;
    let time_cards = conform(&time_cards, RecordType::TimeCard)?;
    let config = RulesConfig::parse(
        r#"
        [pay_period]
        frequency = "weekly"
        anchor = "2024-05-12"

        [overtime_rules.default]
        weekly_ot_after = 40

        [overtime_rules.ot1]
        daily_ot_after = 8
        daily_dt_after = 12
        weekly_ot_after = 40
        seventh_day = true
        "#,
    )?;
    let period = "2024-05-12..2024-05-18".parse::<payrun::rules::PeriodSpec>()?;
    let period: PayPeriod = period.resolve(
        &payrun::rules::Calendar::new(&config),
        chrono::Utc::now().date_naive(),
    )?;

    // One typed input: users by row, each user's time cards sorted, and
    // every exception found reading either table.
    let exceptions = [time_cards.exceptions, users.exceptions].concat();
    let input = PayrollInput::from_frames(&time_cards.frame, &users.frame, exceptions)?;
    let run = compute(&input, &config, &period)?;

    // Typed figures, exact: seconds, and decimal hours from them.
    for row in &run.summary {
        println!(
            "{:<4} regular {:>6} s  overtime {:>6} s ({:.2} h)  double time {:>5} s  gross ${}",
            row.user_name.as_deref().unwrap_or("?"),
            row.hours.regular,
            row.hours.overtime,
            row.hours.overtime_hours(),
            row.hours.double_time,
            row.pay.gross
        );
    }
    // The same as the tables payrun writes, ready for the tool's own export.
    let report = run.report()?;
    let mut columns = report.payroll_summary.select([
        "user_name",
        "worked_hours",
        "overtime_hours",
        "double_time_hours",
        "gross_pay",
    ])?;
    CsvWriter::new(std::io::stdout()).finish(&mut columns)?;
    println!("{} exceptions", run.exceptions.len());
    Ok(())
}
