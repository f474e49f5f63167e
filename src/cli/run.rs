//! `payrun run`: fetch, compute and write one pay period.

use std::path::{Path, PathBuf};

use payrun::ingest::client::{ClientOptions, Credentials, Q2Client};
use payrun::job::{Provenance, compute_period, fetch_period, write_outputs};
use payrun::output::Formats;
use payrun::rules::{Config, PayPeriod};

use super::common::{load_config, resolve_period};
use super::{Outcome, progress, screen};

/// Arguments of `payrun run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The configuration file (payrun.toml).
    #[arg(long)]
    pub config: PathBuf,
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
    /// The API endpoint, overriding the config and OTC_BASE_URL.
    #[arg(long)]
    pub base_url: Option<String>,
}

pub async fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    let config = load_config(&args.config, args.base_url.as_deref())?;
    let period = resolve_period(&args.period, &config)?;
    let credentials = Credentials::resolve(
        config.company.id.as_deref(),
        config.company.token_file.as_deref(),
    )?;
    execute(
        &config,
        &period,
        credentials,
        &args.out,
        &args.format,
        args.strict,
    )
    .await
}

/// Fetch, compute, write and print the summary: what `run` and `demo` share.
pub async fn execute(
    config: &Config,
    period: &PayPeriod,
    credentials: Credentials,
    out: &Path,
    formats: &Formats,
    strict: bool,
) -> anyhow::Result<Outcome> {
    let (bar, observer) = progress::fetching();
    let client =
        Q2Client::new(ClientOptions::new(config.api.clone()), credentials)?.with_observer(observer);
    let fetched = fetch_period(&client, config, period).await;
    bar.finish_and_clear();
    let inputs = fetched?;
    let spinner = progress::working("computing");
    let exceptions = inputs
        .time_cards
        .exceptions
        .iter()
        .chain(&inputs.users.exceptions)
        .cloned()
        .collect();
    let computed = compute_period(
        &inputs.time_cards.frame,
        &inputs.users.frame,
        exceptions,
        config,
        period,
    );
    spinner.finish_and_clear();
    let computed = computed?;
    let provenance = Provenance {
        time_cards: inputs.time_cards.frame.height(),
        users: inputs.users.frame.height(),
        pages: inputs.time_cards.pages + inputs.users.pages,
    };
    write_outputs(out, &computed, &formats.0, config, &provenance)?;
    print!(
        "{}",
        screen::render(
            &computed,
            config.pay_period.frequency,
            out,
            &formats.to_string()
        )
    );
    Ok(Outcome::written(&computed, strict))
}
