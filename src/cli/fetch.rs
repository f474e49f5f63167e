//! `payrun fetch`: the raw, typed time cards and users of a period.

use std::path::PathBuf;

use payrun::ingest::client::{ClientOptions, Credentials, Q2Client};
use payrun::ingest::exceptions_frame;
use payrun::job::{fetch_period_to, fetch_range};
use payrun::output::{Scratch, SourceFile, Staging};

use super::common::{PeriodArgs, load_config, resolve_period};
use super::progress;

/// Arguments of `payrun fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The pay period to fetch for; the fetch includes the days before it
    /// that its first workweek needs.
    #[command(flatten)]
    pub target: PeriodArgs,
    /// Directory for timecards.parquet, users.parquet and fetch_exceptions.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// The API endpoint, overriding the config and OTC_BASE_URL.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Allow a plain http:// endpoint that is not on this machine (the
    /// developer token then crosses the network in cleartext).
    #[arg(long)]
    pub allow_insecure_http: bool,
}

pub async fn run(args: FetchArgs) -> anyhow::Result<()> {
    let config = load_config(&args.target.config, args.base_url.as_deref())?;
    // Fetching pays nothing: any range is fine.
    let Some(period) = resolve_period(&args.target.period, &config, true)? else {
        return Ok(());
    };
    let claim = payrun::output::OutputLock::take(&args.out)?;
    let (from, to) = fetch_range(&config.rules, &period);
    let credentials =
        Credentials::resolve(config.company_id.as_deref(), config.token_file.as_deref())?;
    let (bar, observer) = progress::fetching();
    let options = ClientOptions {
        allow_insecure_http: args.allow_insecure_http,
        ..ClientOptions::new(config.api.clone())
    };
    let client = Q2Client::new(options, credentials)?.with_observer(observer);
    // Written as they come, then copied into the set.
    let scratch = Scratch::create(payrun::output::fetch_dir(&args.out))?;
    let fetched = fetch_period_to(
        &client,
        &config.rules,
        &period,
        scratch.path(),
        payrun::output::RECORDS_CODEC,
    )
    .await;
    bar.finish_and_clear();
    let fetched = fetched?;
    let exceptions = fetched.exceptions();
    let staging = Staging::claimed(claim)?;
    staging.copy(
        "timecards.parquet",
        &SourceFile::stamp(&fetched.time_cards)?,
    )?;
    staging.copy("users.parquet", &SourceFile::stamp(&fetched.users)?)?;
    staging.csv("fetch_exceptions.csv", &exceptions_frame(&exceptions)?)?;
    let owned = payrun::output::FETCH_FILES.map(String::from);
    staging.commit_owning(&owned)?;

    println!(
        "fetched {} time cards ({} pages) and {} users ({} pages) for pay period {period} \
         (inDateTime {from} to {to}) into {}",
        fetched.time_card_fetch.rows,
        fetched.time_card_fetch.pages,
        fetched.user_fetch.rows,
        fetched.user_fetch.pages,
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
