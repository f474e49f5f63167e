//! Reading `payrun.toml`.
//!
//! This module types the tables the fetch needs (`[company]`, `[api]`) and
//! rejects unknown keys everywhere it types. The pay tables (`[pay_period]`,
//! `[punches]`, `[overtime_rules.*]`, …) are accepted here as they are and
//! are validated by the rules when pay is computed.

use std::path::Path;

use anyhow::Context;
use payrun_ingest::client::{ApiConfig, ENV_BASE_URL};
use serde::Deserialize;

/// The `[company]` table.
#[expect(
    dead_code,
    reason = "the zone and calendar keys are checked here and used when pay is computed"
)]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanySection {
    pub id: Option<String>,
    pub token_file: Option<String>,
    pub default_time_zone: Option<String>,
    pub week_start: Option<String>,
    pub workday_start: Option<String>,
}

/// The whole file.
#[expect(
    dead_code,
    reason = "the pay tables are accepted here and used when pay is computed"
)]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub company: CompanySection,
    #[serde(default)]
    pub api: ApiConfig,
    pub pay_period: Option<toml::Table>,
    pub punches: Option<toml::Table>,
    pub rounding: Option<toml::Table>,
    pub auto_lunch: Option<toml::Table>,
    pub salary: Option<toml::Table>,
    pub pto: Option<toml::Table>,
    pub overtime_rules: Option<toml::Table>,
    pub users: Option<toml::Table>,
}

impl FileConfig {
    /// Reads and checks `path`; `OTC_BASE_URL`, then `base_url_flag`, override `api.base_url`.
    pub fn load(path: &Path, base_url_flag: Option<&str>) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        let mut config: FileConfig =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_naming_the_key_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payrun.toml");
        std::fs::write(&path, "[company]\nid = \"1\"\n\n[api]\nmax_record = 10\n").unwrap();
        let err = FileConfig::load(&path, None).unwrap_err().to_string();
        assert!(err.contains("max_record"), "{err}");
        assert!(err.contains("line 5"), "{err}");
    }

    #[test]
    fn api_defaults_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payrun.toml");
        std::fs::write(&path, "[company]\nid = \"1\"\n[api]\nconcurrency = 2\n").unwrap();
        let config = FileConfig::load(&path, Some("http://127.0.0.1:9/Jun-Inside-VPC")).unwrap();
        assert_eq!(config.api.concurrency, 2);
        assert_eq!(config.api.max_records, 5000);
        assert_eq!(config.api.base_url, "http://127.0.0.1:9/Jun-Inside-VPC");
    }
}
