//! # payrun-rules
//!
//! Hours, overtime tiers and pay per pay period, from the typed time cards
//! and users that `payrun-ingest` produces.
//!
//! The model, in the order a payroll is computed:
//!
//! 1. **Configuration** ([`config`]): every key of `payrun.toml`, checked
//!    when read (unknown keys are errors that name the key and line).
//! 2. **Time** ([`time`], [`calendar`]): punch wall times become instants in
//!    the user's zone, with named DST disambiguation; seconds are assigned to
//!    workdays (24 h from `workday_start`), workweeks and pay periods.
//! 3. **Allocation** ([`allocate`]): each worked second gets one tier —
//!    regular, overtime or double time — by the daily, seventh-day,
//!    special-day and weekly (or biweekly) rules, per user and workweek,
//!    in time order. *This is where the overtime rules live.*
//! 4. **Pay** ([`pay`]): exact hours times rates with `rust_decimal`, each
//!    line rounded once to cents, for hourly and salaried users.
//! 5. **Report** ([`report`]): the output tables, typed and as DataFrames.
//!
//! Nothing is dropped silently: every problem is an
//! [`Exception`](payrun_ingest::Exception) row.
//!
//! ```
//! use payrun_ingest::{RecordType, decode_records, join};
//! use payrun_rules::{Config, PayPeriod, compute};
//! use chrono::NaiveDate;
//!
//! let users = decode_records(br#"[{"userName": "ann", "userFullName": "Ann Lee",
//!     "role": "Employee", "rateType": "Hourly Rate", "payRate": "12.00",
//!     "timeZone": "America/Chicago", "departmentName": "Kitchen"}]"#, RecordType::User)?.frame;
//! // Monday to Friday, 46 hours in all.
//! let cards: Vec<String> = [10, 10, 10, 8, 8].iter().enumerate().map(|(i, h)| format!(
//!     r#"{{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-{:02} 07:00:00",
//!         "outDateTime": "2024-05-{:02} {:02}:00:00"}}"#, 13 + i, 13 + i, 7 + h)).collect();
//! let cards = decode_records(format!("[{}]", cards.join(",")).as_bytes(), RecordType::TimeCard)?.frame;
//!
//! let config = Config::parse(r#"
//!     [pay_period]
//!     frequency = "weekly"
//!     anchor = "2024-05-12"
//!     [overtime_rules.default]
//!     weekly_ot_after = 40
//! "#)?;
//! let period = PayPeriod {
//!     start: NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
//!     end: NaiveDate::from_ymd_opt(2024, 5, 18).unwrap(),
//! };
//! let run = compute(&join(&cards, &users)?, &users, &config, &period)?;
//! let ann = &run.summary[0];
//! assert_eq!(ann.hours.overtime, 6 * 3600);
//! assert_eq!(ann.pay.gross.to_string(), "588.00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod allocate;
pub mod calendar;
mod columns;
pub mod compute;
pub mod config;
pub mod pay;
mod prepare;
pub mod report;
pub mod time;

pub use calendar::{Calendar, PayPeriod, PeriodSpec};
pub use compute::{PayrollRun, RulesError, compute};
pub use config::{Config, ConfigError};
pub use report::{Report, SummaryRow};
