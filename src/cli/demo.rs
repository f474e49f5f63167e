//! `payrun demo`: a believable payroll in one command, with no credentials
//! and no network. A seeded company of 200 users is served by the Q2
//! simulator on loopback and fetched through the real HTTP client.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use payrun::ingest::client::{Credentials, DeveloperToken};
use payrun::output::{Format, Formats};
use payrun::q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN, GeneratorConfig};
use payrun::q2sim::{Company, Faults, Simulator};
use payrun::rules::Calendar;
use payrun::settings::Settings;

use super::Outcome;
use super::common::WriteArgs;

/// The demo company's configuration (also a readable example).
pub const DEMO_CONFIG: &str = include_str!("../../data/payrun.demo.toml");

/// Arguments of `payrun demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory for the output files.
    #[arg(long, default_value = "payrun-demo")]
    pub out: PathBuf,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<Outcome> {
    let mut config = Settings::parse(DEMO_CONFIG)?;
    let today = Utc::now()
        .with_timezone(&config.rules.company.default_time_zone.0)
        .date_naive();
    let calendar = Calendar::new(&config.rules);
    let period = calendar.previous(calendar.period_containing(today));
    let company = Company::generate(&GeneratorConfig {
        seed: 2024,
        users: 200,
        from: calendar.lookback_start(period) - Duration::days(35),
        to: today,
        company_id: DEFAULT_COMPANY_ID.into(),
        token: DEFAULT_TOKEN.into(),
        ..GeneratorConfig::default()
    });
    let sim = Simulator::start(company, Faults::none()).await?;
    config.api.base_url = sim.url();
    println!(
        "Demo: a simulated company of 200 users, served at {}",
        sim.url()
    );
    println!("(no credentials, no network); the most recent complete pay period:\n");
    let credentials = Credentials {
        company_id: DEFAULT_COMPANY_ID.into(),
        token: DeveloperToken::new(DEFAULT_TOKEN),
    };
    let write = WriteArgs {
        out: args.out,
        format: Formats(vec![Format::Csv, Format::Parquet]),
        strict: None,
        no_inputs: false,
        // What a payroll provider imports: one provider-neutral, one ADP.
        export: vec!["long".into(), "adp_wfn".into()],
        previous: None,
    };
    let claim = write.claim()?;
    let outcome = super::run::execute(&config, &period, credentials, claim, &write, false).await;
    sim.stop().await;
    outcome
}
