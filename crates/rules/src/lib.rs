//! # payrun-rules
//!
//! Hours, overtime tiers and pay per pay period, from the typed
//! [`PayrollInput`](payrun_ingest::PayrollInput) that `payrun-ingest`
//! produces. [`compute()`] is the whole library call.
//!
//! The model, in the order a payroll is computed:
//!
//! 1. **Configuration** ([`config`]): every key of `payrun.toml` the rules
//!    read, checked when read (unknown keys are errors that name the key and line).
//! 2. **Time** ([`time`], [`calendar`]): punch wall times become instants in
//!    the user's zone, with named DST disambiguation; seconds are assigned to
//!    workdays (24 h from `workday_start`), workweeks and pay periods.
//! 3. **Punches** (`punches`): each user's time cards become worked pieces,
//!    PTO, adjustments and bonuses, with the record-level exceptions.
//! 4. **Allocation** ([`allocate`]): each worked second gets one tier —
//!    regular, overtime or double time — by the rules of [`overtime`], one
//!    module each (daily, seventh day, special days, consecutive hours,
//!    the weekly or biweekly window), per user and workweek, in time
//!    order. *This is where the overtime rules live.*
//! 5. **Ledger** (`ledger`): per user and workweek, worked seconds by tier
//!    and by rate (job and shift), PTO, adjustments and bonuses.
//! 6. **Pricing** ([`price`]): the regular rate of each workweek (29 CFR
//!    778.109–778.115), pay lines, and the summary's pay, each line rounded
//!    once to cents. *This is where pay rules live.*
//! 7. **Output** ([`run`], [`report`]): the typed rows and the output tables.
//!
//! One person's steps 1-6 are `person.rs`; [`compute`](mod@compute) runs
//! them for every user and merges the rows; [`explain`](mod@explain) runs
//! them for one, traced. Jurisdiction rules that price or check a period
//! (flat-sum bonuses, the minimum wage) are `flat_sum.rs` and
//! `minimum_wage.rs`; the kinds of exception the rules raise are [`kinds`]. Nothing is dropped
//! silently: every problem is an [`Exception`](payrun_ingest::Exception) row.
//!
//! ```
//! use payrun_ingest::{PayrollInput, RecordType, decode_records};
//! use payrun_rules::{PayPeriod, RulesConfig, compute};
//! use chrono::NaiveDate;
//!
//! let users = decode_records(br#"[{"userName": "ann", "userFullName": "Ann Lee",
//!     "role": "Employee", "rateType": "Hourly Rate", "payRate": "12.00",
//!     "timeZone": "America/Chicago", "departmentName": "Kitchen"}]"#, RecordType::User)?;
//! // Monday to Friday, 46 hours in all.
//! let cards: Vec<String> = [10, 10, 10, 8, 8].iter().enumerate().map(|(i, h)| format!(
//!     r#"{{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-{:02} 07:00:00",
//!         "outDateTime": "2024-05-{:02} {:02}:00:00"}}"#, 13 + i, 13 + i, 7 + h)).collect();
//! let cards = decode_records(format!("[{}]", cards.join(",")).as_bytes(), RecordType::TimeCard)?;
//!
//! let config = RulesConfig::parse(r#"
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
//! let exceptions = [cards.exceptions, users.exceptions].concat();
//! let input = PayrollInput::from_frames(&cards.frame, &users.frame, exceptions)?;
//! let run = compute(&input, &config, &period)?;
//! let ann = &run.summary[0];
//! assert_eq!(ann.hours.overtime, 6 * 3600);
//! assert_eq!(ann.pay.gross.to_string(), "588.00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod allocate;
pub mod apportion;
pub mod calendar;
pub mod compute;
pub mod config;
mod error;
mod exceptions;
pub mod explain;
mod flat_sum;
pub mod kinds;
mod ledger;
mod meal_periods;
mod minimum_wage;
pub mod overtime;
mod person;
pub mod price;
mod punches;
pub mod report;
pub mod run;
#[cfg(test)]
mod samples;
pub mod time;
mod users;
pub mod words;

pub use calendar::{Calendar, NoPeriodEnded, PayPeriod, PeriodSpec};
pub use compute::{Computation, PeriodFacts, USERS_PER_BLOCK, compute};
pub use config::{ConfigError, RulesConfig, packs};
pub use error::RulesError;
pub use exceptions::sort as sort_exceptions;
pub use explain::{Explanation, explain};
pub use report::{Block, Blocks, Departments, Report, Summaries, TableBlock, detail_blocks};
pub use run::{DayRow, PayKind, PayLine, PayTotals, PayrollRun, PeriodHours, Status, SummaryRow};
pub use users::RateType;

impl PayrollRun {
    /// The period's output frames, with the columns of design §9.
    pub fn report(&self) -> polars::prelude::PolarsResult<Report> {
        Report::build(self)
    }
}
