//! The command line: argument parsing and one module per verb.

pub mod common;
pub mod compute;
pub mod demo;
pub mod diff;
pub mod explain;
pub mod fetch;
pub mod packs;
pub mod periods;
pub mod progress;
pub mod run;
pub mod screen;
pub mod sim;

use payrun::ingest::Severity;
use payrun::overview::Overview;

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
    /// List the rule packs (a jurisdiction's overtime keys, with sources), or print one.
    Packs(packs::PacksArgs),
    /// Why one person's pay in a run is what it is: shifts, overtime rules, regular rate, pay lines.
    Explain(explain::ExplainArgs),
    /// Compare two runs of one period: time cards edited since, and the retro pay (exit 4 if any change).
    Diff(diff::DiffArgs),
}

/// What `--strict` calls unclean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Strictness {
    /// An error exception, or a summary row whose pay is held.
    Errors,
    /// That, or a warning exception.
    Warnings,
}

/// How a verb that writes payroll ended (design §8 exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Written (exit 0).
    Written,
    /// Written, but `--strict` was given and the payroll is not clean (exit 3).
    WrittenWithErrors,
    /// `--period just-ended` and no period ended yesterday (exit 0).
    NothingToDo,
    /// `payrun diff` found a change (exit 4).
    Changed,
}

impl Outcome {
    pub fn written(overview: &Overview, strict: Option<Strictness>) -> Outcome {
        let Some(strict) = strict else {
            return Outcome::Written;
        };
        let worst = match strict {
            Strictness::Errors => Severity::Error,
            Strictness::Warnings => Severity::Warning,
        };
        if overview.unclean(worst) {
            Outcome::WrittenWithErrors
        } else {
            Outcome::Written
        }
    }
}
