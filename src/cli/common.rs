//! What several verbs share: the configuration file and the period argument.

use std::path::Path;

use anyhow::Context;
use chrono::{Duration, NaiveDateTime, Utc};
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

/// The `inDateTime` range to fetch for `period`: from two days before the
/// first workweek (or 14-day window) the period touches, so that workweeks
/// straddling its start are complete and night shifts that began the day
/// before are seen, to two days after its end, for shifts that belong to
/// the last workday but start after midnight. The rules assign every
/// second to its workday precisely, so the margins never add pay.
pub fn fetch_range(config: &Config, period: &PayPeriod) -> (NaiveDateTime, NaiveDateTime) {
    let calendar = Calendar::new(config);
    let from = calendar.lookback_start(*period) - Duration::days(2);
    let to = period.end + Duration::days(2);
    (
        from.and_hms_opt(0, 0, 0).expect("midnight exists"),
        to.and_hms_opt(23, 59, 59).expect("23:59:59 exists"),
    )
}

/// Reads a records file with a message naming it.
pub fn read(
    path: &Path,
    record_type: payrun::ingest::RecordType,
) -> anyhow::Result<payrun::ingest::FileRecords> {
    payrun::ingest::read_records(path, record_type)
        .with_context(|| format!("cannot read {} from {}", record_type.noun(), path.display()))
}
