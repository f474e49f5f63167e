//! # payrun
//!
//! Payroll and overtime from OpenTimeClock Q2 time cards.
//!
//! This crate is the `payrun` command-line tool and a thin facade over the
//! crates that do the work, so an accounting tool can depend on one crate:
//!
//! * [`ingest`] (`payrun-ingest`): the Q2 client, pagination, decoding of the
//!   API's loosely typed values into typed Polars DataFrames, and the time
//!   card to user join.
//! * [`q2sim`] (`payrun-q2sim`): a local implementation of the Q2 API for
//!   tests, demos and benchmarks.
//! * [`rules`] (`payrun-rules`): the configuration model, time and
//!   workday semantics, overtime allocation, pay, and the output tables.
//! * [`settings`]: `payrun.toml` as the application reads it (the rules'
//!   settings and the API's).
//! * [`job`]: one pay period end to end, as `payrun run` does it.
//! * [`audit`]: a run read back from its folder, one person's pay
//!   explained, two runs of a period compared.
//! * [`export`]: the period's pay in a payroll provider's import layout.
//! * [`dump`]: generated companies as Parquet files at any size.
//! * [`review`]: `report.html`, the page an administrator reads before submitting.
//! * [`output`]: writing a set of files so that either all of them replace
//!   the previous ones or none do.

pub mod audit;
pub mod csv_table;
pub mod dump;
pub mod export;
pub mod job;
pub mod output;
mod parquet_table;
pub mod review;
pub mod settings;
#[cfg(test)]
mod test_support;

pub use payrun_ingest as ingest;
pub use payrun_q2sim as q2sim;
pub use payrun_rules as rules;
