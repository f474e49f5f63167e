//! The command line: argument parsing and one module per verb.

pub mod common;
pub mod compute;
pub mod demo;
pub mod fetch;
pub mod periods;
pub mod progress;
pub mod run;
pub mod screen;
pub mod sim;

use payrun::ingest::Severity;
use payrun::job::Computed;

/// Payroll and overtime from OpenTimeClock Q2 time cards.
#[derive(Debug, clap::Parser)]
#[command(name = "payrun", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Fetch, compute and write one pay period's payroll.
    Run(run::RunArgs),
    /// Fetch the typed time cards and users a pay period needs into Parquet files.
    Fetch(fetch::FetchArgs),
    /// Compute a pay period's payroll from time card and user files.
    Compute(compute::ComputeArgs),
    /// A payroll for a simulated company: no credentials, no network.
    Demo(demo::DemoArgs),
    /// Serve a simulated Q2 API on loopback.
    Sim(sim::SimArgs),
    /// List the pay periods around a date.
    Periods(periods::PeriodsArgs),
}

/// How a verb that writes payroll ended (SPEC §8 exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Written (exit 0).
    Written,
    /// Written, but error-severity exceptions exist and `--strict` was given (exit 3).
    WrittenWithErrors,
}

impl Outcome {
    pub fn written(computed: &Computed, strict: bool) -> Outcome {
        let errors = computed
            .run
            .exceptions
            .iter()
            .any(|e| e.severity == Severity::Error);
        if strict && errors {
            Outcome::WrittenWithErrors
        } else {
            Outcome::Written
        }
    }
}
