//! `payrun run`: fetch, compute and write one pay period.

use payrun::ingest::client::{ClientOptions, Credentials, Q2Client};
use payrun::job::fetch_period_to;
use payrun::output::Scratch;
use payrun::rules::PayPeriod;
use payrun::settings::Settings;
use polars::prelude::ParquetCompression;

use super::common::{PeriodArgs, WriteArgs, load_config, refuse_unfinished, resolve_period};
use super::compute::{Files, compute_files};
use super::{Outcome, progress};

/// Arguments of `payrun run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: PeriodArgs,
    #[command(flatten)]
    pub write: WriteArgs,
    /// The API endpoint, overriding the config and OTC_BASE_URL.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Allow a plain http:// endpoint that is not on this machine (the
    /// developer token then crosses the network in cleartext).
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Compute a period that has not ended yet, as a preview: marked
    /// PARTIAL, not for payment, in the exceptions, the review page and
    /// the exports' file names.
    #[arg(long)]
    pub partial: bool,
}

pub async fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    let config = load_config(&args.target.config, args.base_url.as_deref())?;
    let Some(period) = resolve_period(&args.target.period, &config, args.target.any_range)? else {
        return Ok(Outcome::NothingToDo);
    };
    refuse_unfinished(&period, &config, args.partial)?;
    let claim = args.write.claim()?;
    let credentials =
        Credentials::resolve(config.company_id.as_deref(), config.token_file.as_deref())?;
    execute(
        &config,
        &period,
        credentials,
        claim,
        &args.write,
        args.allow_insecure_http,
    )
    .await
}

/// Fetch, compute, write and print the summary: what `run` and `demo` share.
pub async fn execute(
    config: &Settings,
    period: &PayPeriod,
    credentials: Credentials,
    claim: payrun::output::OutputLock,
    write: &WriteArgs,
    allow_insecure_http: bool,
) -> anyhow::Result<Outcome> {
    let (bar, observer) = progress::fetching();
    let options = ClientOptions {
        allow_insecure_http,
        ..ClientOptions::new(config.api.clone())
    };
    let company_id = credentials.company_id.clone();
    let client = Q2Client::new(options, credentials)?.with_observer(observer);
    // The records go to files as they come, and the run is computed from
    // them as `payrun compute` computes from `payrun fetch`'s files: read
    // in parts when they do not fit under --memory-limit, and kept in
    // `inputs/` as they are. The copies fetched are LZ4, as a run's
    // inputs are.
    let scratch = Scratch::create(payrun::output::fetch_dir(&write.out))?;
    let fetched = fetch_period_to(
        &client,
        &config.rules,
        period,
        scratch.path(),
        ParquetCompression::Lz4Raw,
    )
    .await;
    bar.finish_and_clear();
    let fetched = fetched?;
    let files = Files {
        time_cards: &fetched.time_cards,
        users: &fetched.users,
        given: fetched.exceptions(),
        pages: fetched.pages(),
    };
    compute_files(write, claim, files, config, period, Some(company_id))
}
