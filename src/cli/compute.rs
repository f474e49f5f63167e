//! `payrun compute`: payroll from time card and user files, no network.

use std::path::PathBuf;

use payrun::ingest::{RecordType, join};
use payrun::output::{Formats, Staging, stage_report};
use payrun::rules::compute;
use rust_decimal::Decimal;

use super::common::{load_config, read, resolve_period};

/// Arguments of `payrun compute`.
#[derive(Debug, clap::Args)]
pub struct ComputeArgs {
    /// The configuration file (payrun.toml).
    #[arg(long)]
    pub config: PathBuf,
    /// Time cards: .json, .jsonl, .csv, .parquet, or a directory of .json pages.
    #[arg(long)]
    pub timecards: PathBuf,
    /// Users, in any of the same forms.
    #[arg(long)]
    pub users: PathBuf,
    /// The pay period: `YYYY-MM-DD..YYYY-MM-DD`, `current`, `previous` or a date.
    #[arg(long)]
    pub period: String,
    /// Directory for the output files.
    #[arg(long)]
    pub out: PathBuf,
    /// Output formats.
    #[arg(long, default_value = "csv,parquet")]
    pub format: Formats,
}

pub fn run(args: ComputeArgs) -> anyhow::Result<()> {
    let config = load_config(&args.config, None)?;
    let period = resolve_period(&args.period, &config)?;
    let cards = read(&args.timecards, RecordType::TimeCard)?;
    let users = read(&args.users, RecordType::User)?;
    let mut joined = join(&cards.frame, &users.frame)?;
    joined
        .exceptions
        .splice(0..0, cards.exceptions.into_iter().chain(users.exceptions));
    let run = compute(&joined, &users.frame, &config, &period)?;
    let report = run.report()?;
    let mut staging = Staging::new(&args.out)?;
    stage_report(&mut staging, &report, &args.format.0)?;
    staging.commit()?;
    let gross: Decimal = run.summary.iter().map(|r| r.pay.gross).sum();
    println!(
        "pay period {period}: {} people, gross {}, {} exceptions; files in {}",
        run.summary.len(),
        gross,
        run.exceptions.len(),
        args.out.display()
    );
    Ok(())
}
