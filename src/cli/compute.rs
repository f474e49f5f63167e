//! `payrun compute`: payroll from time card and user files, no network.

use std::path::PathBuf;

use payrun::ingest::RecordType;
use payrun::job::{Provenance, compute_period, write_outputs};
use payrun::output::Formats;

use super::common::{load_config, read, resolve_period};
use super::{Outcome, progress, screen};

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
    /// Exit with status 3 when error-severity exceptions exist (files are still written).
    #[arg(long)]
    pub strict: bool,
}

pub fn run(args: ComputeArgs) -> anyhow::Result<Outcome> {
    let config = load_config(&args.config, None)?;
    let period = resolve_period(&args.period, &config)?;
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
    let computed = computed?;
    let provenance = Provenance {
        time_cards: cards.frame.height(),
        users: users.frame.height(),
        pages: 0,
    };
    write_outputs(&args.out, &computed, &args.format.0, &config, &provenance)?;
    print!(
        "{}",
        screen::render(
            &computed,
            config.pay_period.frequency,
            &args.out,
            &args.format.to_string()
        )
    );
    Ok(Outcome::written(&computed, args.strict))
}
