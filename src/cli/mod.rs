//! The command line: argument parsing and one module per verb.

pub mod common;
pub mod compute;
pub mod fetch;
pub mod sim;

/// Payroll and overtime from OpenTimeClock Q2 time cards.
#[derive(Debug, clap::Parser)]
#[command(name = "payrun", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Fetch the typed time cards and users a pay period needs into Parquet files.
    Fetch(fetch::FetchArgs),
    /// Compute a pay period's payroll from time card and user files.
    Compute(compute::ComputeArgs),
    /// Serve a simulated Q2 API on loopback (no credentials, no network).
    Sim(sim::SimArgs),
}
