//! `payrun fetch`: the raw, typed time cards and users of a period.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use payrun::ingest::client::{
    ClientOptions, Credentials, FetchEvent, Q2Client, TimeCardQuery, UserQuery,
};
use payrun::ingest::{RecordType, exceptions_frame};
use payrun::output::Staging;
use polars::prelude::*;

use super::common::{fetch_range, load_config, resolve_period};

/// Arguments of `payrun fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The configuration file (payrun.toml).
    #[arg(long)]
    pub config: PathBuf,
    /// The pay period to fetch for: `YYYY-MM-DD..YYYY-MM-DD`, `current`,
    /// `previous` or a date. The fetch includes the days before it that its
    /// first workweek needs.
    #[arg(long)]
    pub period: String,
    /// Directory for timecards.parquet, users.parquet and fetch_exceptions.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// The API endpoint, overriding the config and OTC_BASE_URL.
    #[arg(long)]
    pub base_url: Option<String>,
}

pub async fn run(args: FetchArgs) -> anyhow::Result<()> {
    let config = load_config(&args.config, args.base_url.as_deref())?;
    let period = resolve_period(&args.period, &config)?;
    let (from, to) = fetch_range(&config, &period);
    let credentials = Credentials::resolve(
        config.company.id.as_deref(),
        config.company.token_file.as_deref(),
    )?;
    let progress = progress_bar();
    let records = Arc::new(AtomicUsize::new(0));
    let observer = {
        let progress = progress.clone();
        let records = Arc::clone(&records);
        move |event: FetchEvent| match event {
            FetchEvent::WindowDone { done, total } => {
                progress.set_length(total as u64);
                progress.set_position(done as u64);
            }
            FetchEvent::Page {
                record_type: RecordType::TimeCard,
                records: n,
            } => {
                let total = records.fetch_add(n, Ordering::Relaxed) + n;
                progress.set_message(format!("{total} time cards"));
            }
            FetchEvent::Page { .. } => {}
        }
    };
    let client =
        Q2Client::new(ClientOptions::new(config.api.clone()), credentials)?.with_observer(observer);
    let query = TimeCardQuery::between(from, to);
    let everyone = UserQuery::all();
    let fetched = tokio::try_join!(client.time_cards(&query), client.users(&everyone));
    progress.finish_and_clear();
    let (cards, users) = fetched?;

    let mut exceptions = cards.exceptions.clone();
    exceptions.extend(users.exceptions.iter().cloned());
    let mut staging = Staging::new(&args.out)?;
    staging.parquet("timecards.parquet", &cards.frame)?;
    staging.parquet("users.parquet", &users.frame)?;
    let mut table = exceptions_frame(&exceptions)?;
    staging.stage("fetch_exceptions.csv", |w| {
        CsvWriter::new(w)
            .finish(&mut table)
            .map_err(|e| e.to_string())
    })?;
    staging.commit()?;

    println!(
        "fetched {} time cards ({} pages) and {} users ({} pages) for pay period {period} \
         (inDateTime {from} to {to}) into {}",
        cards.frame.height(),
        cards.pages,
        users.frame.height(),
        users.pages,
        args.out.display()
    );
    if !exceptions.is_empty() {
        println!(
            "{} values could not be read; they are null in the files and listed in fetch_exceptions.csv",
            exceptions.len()
        );
    }
    Ok(())
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("fetching {bar:30} {pos}/{len} windows, {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
