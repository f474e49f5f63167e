//! What several verbs share: the configuration file and the period argument.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use payrun::ingest::client::ENV_BASE_URL;
use payrun::rules::{Calendar, PayPeriod, PeriodSpec};
use payrun::settings::Settings;

/// Reads `payrun.toml`; `OTC_BASE_URL`, then `--base-url`, override `api.base_url`.
pub fn load_config(path: &Path, base_url_flag: Option<&str>) -> anyhow::Result<Settings> {
    let mut config = Settings::load(path)?;
    if let Ok(url) = std::env::var(ENV_BASE_URL)
        && !url.trim().is_empty()
    {
        config.api.base_url = url.trim().to_owned();
    }
    if let Some(url) = base_url_flag {
        config.api.base_url = url.to_owned();
    }
    Ok(config)
}

/// The pay period `text` names (`A..B`, `current`, `previous`,
/// `just-ended` or a date), with "today" taken in the company's default
/// time zone. `None` (after saying so on standard output) when
/// `just-ended` finds that no period ended yesterday: nothing to do.
pub fn resolve_period(text: &str, settings: &Settings) -> anyhow::Result<Option<PayPeriod>> {
    let spec: PeriodSpec = text.parse()?;
    let config = &settings.rules;
    let today = Utc::now()
        .with_timezone(&config.company.default_time_zone.0)
        .date_naive();
    let period = spec.resolve(&Calendar::new(config), today);
    if period.is_none() {
        println!(
            "no pay period ended yesterday ({}); nothing to do",
            today - chrono::Duration::days(1)
        );
    }
    Ok(period)
}

/// Reads a records file with a message naming it.
pub fn read(
    path: &Path,
    record_type: payrun::ingest::RecordType,
) -> anyhow::Result<payrun::ingest::FileRecords> {
    payrun::ingest::read_records(path, record_type)
        .with_context(|| format!("cannot read {}s", record_type.noun()))
}

/// The configuration file and the pay period, which every payroll verb takes.
#[derive(Debug, clap::Args)]
pub struct PeriodArgs {
    /// The configuration file (payrun.toml).
    #[arg(long)]
    pub config: std::path::PathBuf,
    /// The pay period: `YYYY-MM-DD..YYYY-MM-DD`, `just-ended`, `current`, `previous` or a date.
    #[arg(long)]
    pub period: String,
}

/// Where and how a payroll is written.
#[derive(Debug, clap::Args)]
pub struct WriteArgs {
    /// Directory for the output files.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Output formats.
    #[arg(long, default_value = "csv,parquet")]
    pub format: payrun::output::Formats,
    /// Exit with status 3 unless the payroll is clean: `--strict` (or
    /// `--strict=errors`) fails on any error exception or held row,
    /// `--strict=warnings` on warnings too. Files are written either way.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "errors", value_name = "LEVEL")]
    pub strict: Option<super::Strictness>,
}

/// Writes a computed period, prints the summary screen, and says how it ended.
pub fn finish(
    computed: &payrun::job::Computed,
    config: &Settings,
    provenance: &payrun::job::Provenance,
    write: &WriteArgs,
) -> anyhow::Result<super::Outcome> {
    payrun::job::write_outputs(&write.out, computed, &write.format.0, config, provenance)?;
    print!(
        "{}",
        super::screen::render(
            computed,
            config.rules.pay_period.frequency,
            &write.out,
            &write.format.to_string()
        )
    );
    Ok(super::Outcome::written(computed, write.strict))
}
