//! `payrun compute`: payroll from time card and user files, no network.

use std::path::{Path, PathBuf};

use payrun::ingest::{Exception, exceptions_from_frame};
use polars::prelude::{CsvReadOptions, SerReader};

use payrun::ingest::RecordType;
use payrun::job::{Provenance, compute_period};
use payrun::output::from_spreadsheet_safe;

use super::common::{PeriodArgs, WriteArgs, finish, load_config, read, resolve_period};
use super::{Outcome, progress};

/// Arguments of `payrun compute`.
#[derive(Debug, clap::Args)]
pub struct ComputeArgs {
    #[command(flatten)]
    pub target: PeriodArgs,
    /// Time cards: .json, .jsonl, .csv, .parquet, or a directory of .json pages.
    /// A `fetch_exceptions.csv` beside them (as `payrun fetch` writes) is carried
    /// into the run, so values that could not be read are still reported.
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
    let Some(period) = resolve_period(&args.target.period, &config, args.target.any_range)? else {
        return Ok(Outcome::NothingToDo);
    };
    let clock = std::time::Instant::now();
    let cards = read(&args.timecards, RecordType::TimeCard)?;
    let users = read(&args.users, RecordType::User)?;
    tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = payrun::job::resident_mib(), "files read");
    let spinner = progress::working("computing");
    let mut exceptions: Vec<_> = cards
        .exceptions
        .iter()
        .chain(&users.exceptions)
        .cloned()
        .collect();
    exceptions.extend(fetch_exceptions(&args.timecards)?);
    let provenance = Provenance {
        time_cards: cards.frame.height(),
        users: users.frame.height(),
        pages: 0,
    };
    let computed = compute_period(cards.frame, users.frame, exceptions, &config.rules, &period);
    spinner.finish_and_clear();
    finish(&computed?, &config, &provenance, &args.write)
}

/// The exceptions `payrun fetch` wrote beside the time cards, if any.
fn fetch_exceptions(time_cards: &Path) -> anyhow::Result<Vec<Exception>> {
    let dir = if time_cards.is_dir() {
        Some(time_cards)
    } else {
        time_cards.parent()
    };
    let Some(path) = dir
        .map(|d| d.join("fetch_exceptions.csv"))
        .filter(|p| p.is_file())
    else {
        return Ok(Vec::new());
    };
    let frame = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.clone()))
        .and_then(|r| r.finish())
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut exceptions =
        exceptions_from_frame(&frame).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    // The CSV holds text as a spreadsheet may open it; these are the values.
    let restore = |v: &mut Option<String>| {
        if let Some(text) = v {
            *text = from_spreadsheet_safe(text).to_owned();
        }
    };
    for e in &mut exceptions {
        restore(&mut e.user_name);
        restore(&mut e.user_full_name);
        restore(&mut e.in_date_time);
        restore(&mut e.out_date_time);
        e.message = from_spreadsheet_safe(&e.message).to_owned();
    }
    Ok(exceptions)
}
