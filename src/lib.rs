//! # payrun
//!
//! Payroll and overtime from OpenTimeClock Q2 time cards.
//!
//! This crate is the `payrun` command-line tool and a thin facade over the
//! crates that do the work, so an accounting tool can depend on one crate.
//! Its default feature `cli` builds the command line; a library embedding
//! payrun turns default features off (`default-features = false`) and
//! pulls no argument parser, progress bar, allocator or HTTP server. The
//! feature `sim` (part of `cli`) adds the simulator and [`dump`].
//!
//!
//! * [`ingest`] (`payrun-ingest`): the Q2 client, pagination, decoding of the
//!   API's loosely typed values into typed Polars DataFrames, and the time
//!   card to user join.
//! * `q2sim` (`payrun-q2sim`, feature `sim`): a local implementation of the
//!   Q2 API for tests, demos and benchmarks.
//! * [`rules`] (`payrun-rules`): the configuration model, time and
//!   workday semantics, overtime allocation, pay, and the output tables.
//! * [`settings`]: `payrun.toml` as the application reads it (the rules'
//!   settings and the API's).
//! * [`job`]: one pay period end to end, as `payrun run` does it.
//! * [`audit`]: a run read back from its folder, one person's pay
//!   explained, two runs of a period compared.
//! * [`export`]: the period's pay in a payroll provider's import layout.
//! * `dump` (feature `sim`): generated companies as Parquet files at any size.
//! * [`review`]: `report.html`, the page an administrator reads before submitting.
//! * [`sink`]: what a finished run is written to (tables, review page,
//!   exports), each reading the whole run.
//! * [`output`]: writing a set of files so that either all of them replace
//!   the previous ones or none do.

pub mod audit;
pub mod csv_table;
#[cfg(feature = "sim")]
pub mod dump;
pub mod export;
pub mod job;
pub mod output;
pub mod overview;
mod parquet_table;
pub mod review;
pub mod settings;
pub mod sink;
#[cfg(test)]
mod test_support;

pub use payrun_ingest as ingest;
#[cfg(feature = "sim")]
pub use payrun_q2sim as q2sim;
pub use payrun_rules as rules;
