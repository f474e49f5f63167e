//! `payrun demo`: a believable payroll in one command, with no credentials
//! and no network. A seeded company of 200 users is served by the Q2
//! simulator on loopback and fetched through the real HTTP client.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use payrun::ingest::client::{Credentials, DeveloperToken};
use payrun::output::{Format, Formats};
use payrun::q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN, GeneratorConfig, Mix};
use payrun::q2sim::{Company, Faults, Simulator};
use payrun::rules::Calendar;
use payrun::settings::Settings;

use super::Outcome;
use super::common::WriteArgs;

/// The demo company's configuration (also a readable example).
pub const DEMO_CONFIG: &str = include_str!("../../data/payrun.demo.toml");

/// What `--jurisdictions` adds to [`DEMO_CONFIG`].
pub const JURISDICTIONS_CONFIG: &str = include_str!("../../data/payrun.demo-jurisdictions.toml");

/// Arguments of `payrun demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory for the output files.
    #[arg(long, default_value = "payrun-demo")]
    pub out: PathBuf,
    /// Colorado and California users too: consecutive hours, meal periods
    /// (late and short meals earn premiums) and a flat-sum attendance
    /// bonus (design §5d).
    #[arg(long)]
    pub jurisdictions: bool,
}

/// The demo's configuration: [`DEMO_CONFIG`], with [`JURISDICTIONS_CONFIG`]'s
/// tables and keys added when `jurisdictions`.
pub fn demo_config(jurisdictions: bool) -> anyhow::Result<String> {
    if !jurisdictions {
        return Ok(DEMO_CONFIG.to_owned());
    }
    let mut base: toml::Table = DEMO_CONFIG.parse()?;
    let more: toml::Table = JURISDICTIONS_CONFIG.parse()?;
    merge(&mut base, more);
    Ok(toml::to_string(&base)?)
}

/// Adds `more`'s keys to `base`, table by table.
fn merge(base: &mut toml::Table, more: toml::Table) {
    for (key, value) in more {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(added)) => merge(inner, added),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

pub async fn run(args: DemoArgs) -> anyhow::Result<Outcome> {
    let mut config = Settings::parse(&demo_config(args.jurisdictions)?)?;
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
        mix: if args.jurisdictions {
            Mix::Jurisdictions
        } else {
            Mix::Full
        },
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
        memory_limit: None,
    };
    let claim = write.claim()?;
    let outcome = super::run::execute(&config, &period, credentials, claim, &write, false).await;
    sim.stop().await;
    outcome
}
