//! `payrun compute`: payroll from time card and user files, no network.

use std::path::PathBuf;

use payrun::ingest::RecordType;
use payrun::job::{Provenance, compute_period};

use super::common::{PeriodArgs, WriteArgs, finish, load_config, read, resolve_period};
use super::{Outcome, progress};

/// Arguments of `payrun compute`.
#[derive(Debug, clap::Args)]
pub struct ComputeArgs {
    #[command(flatten)]
    pub target: PeriodArgs,
    /// Time cards: .json, .jsonl, .csv, .parquet, or a directory of .json pages.
    #[arg(long)]
    pub timecards: PathBuf,
    /// Users, in any of the same forms.
    #[arg(long)]
    pub users: PathBuf,
    #[command(flatten)]
    pub write: WriteArgs,
}

pub fn run(args: ComputeArgs) -> anyhow::Result<Outcome> {
    let config = load_config(&args.target.config, None)?;
    let period = resolve_period(&args.target.period, &config)?;
    let cards = read(&args.timecards, RecordType::TimeCard)?;
    let users = read(&args.users, RecordType::User)?;
    let spinner = progress::working("computing");
    let exceptions = cards
        .exceptions
        .iter()
        .chain(&users.exceptions)
        .cloned()
        .collect();
    let computed = compute_period(&cards.frame, &users.frame, exceptions, &config, &period);
    spinner.finish_and_clear();
    let provenance = Provenance {
        time_cards: cards.frame.height(),
        users: users.frame.height(),
        pages: 0,
    };
    finish(&computed?, &config, &provenance, &args.write)
}
