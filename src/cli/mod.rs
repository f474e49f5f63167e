//! The command line: argument parsing and one module per verb.

pub mod config;
pub mod fetch;
pub mod period;
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
    /// Fetch the raw typed time cards and users of a period into Parquet files.
    Fetch(fetch::FetchArgs),
    /// Serve a simulated Q2 API on loopback (no credentials, no network).
    Sim(sim::SimArgs),
}
