//! What several verbs share: the configuration file and the period argument.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use payrun::ingest::client::ENV_BASE_URL;
use payrun::rules::{Calendar, Config, PayPeriod, PeriodSpec};

/// Reads `payrun.toml`; `OTC_BASE_URL`, then `--base-url`, override `api.base_url`.
pub fn load_config(path: &Path, base_url_flag: Option<&str>) -> anyhow::Result<Config> {
    let mut config = Config::load(path)?;
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

/// The pay period `text` names (`A..B`, `current`, `previous` or a date),
/// with "today" taken in the company's default time zone.
pub fn resolve_period(text: &str, config: &Config) -> anyhow::Result<PayPeriod> {
    let spec: PeriodSpec = text.parse()?;
    let today = Utc::now()
        .with_timezone(&config.company.default_time_zone.0)
        .date_naive();
    Ok(spec.resolve(&Calendar::new(config), today))
}

/// Reads a records file with a message naming it.
pub fn read(
    path: &Path,
    record_type: payrun::ingest::RecordType,
) -> anyhow::Result<payrun::ingest::FileRecords> {
    payrun::ingest::read_records(path, record_type)
        .with_context(|| format!("cannot read {} from {}", record_type.noun(), path.display()))
}
