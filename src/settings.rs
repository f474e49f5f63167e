//! `payrun.toml` as the application reads it: the rules' settings
//! ([`RulesConfig`]) plus what fetching needs (`[api]`, `company.id`,
//! `company.token_file`), which the rules crate does not keep.

use std::collections::BTreeMap;
use std::path::Path;

use crate::export::{Profile, ProviderConfig};

use payrun_ingest::client::ApiConfig;
use payrun_rules::{ConfigError, RulesConfig};
use serde::{Deserialize, Serialize};

/// The whole of `payrun.toml`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Everything the rules read.
    pub rules: RulesConfig,
    /// `[api]`.
    pub api: ApiConfig,
    /// `company.id` (`OTC_COMPANY_ID` overrides it).
    pub company_id: Option<String>,
    /// `company.token_file` (`OTC_DEVELOPER_TOKEN` overrides it).
    pub token_file: Option<String>,
    /// `[exports.<name>]`: payroll-provider export profiles (see [`crate::export`]).
    pub exports: BTreeMap<String, Profile>,
    /// `[payroll_provider]`.
    pub payroll_provider: ProviderConfig,
}

/// The application's keys; the rules check every other key.
#[derive(Debug, Default, Deserialize, Serialize)]
struct FetchKeys {
    #[serde(default)]
    api: ApiConfig,
    #[serde(default)]
    company: CompanyKeys,
    #[serde(default)]
    exports: BTreeMap<String, Profile>,
    #[serde(default)]
    payroll_provider: ProviderConfig,
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct CompanyKeys {
    id: Option<String>,
    token_file: Option<String>,
}

impl Settings {
    /// Reads and validates a `payrun.toml`.
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        payrun_rules::config::from_file(path, Self::parse)
    }

    /// Parses and validates configuration text.
    pub fn parse(text: &str) -> Result<Settings, ConfigError> {
        let rules = RulesConfig::parse(text)?;
        let keys: FetchKeys = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "payrun.toml".into(),
            message: payrun_rules::config::toml_error(text, &e),
        })?;
        keys.api.check().map_err(|(key, message)| {
            ConfigError::Invalid {
                key: format!("api.{key}"),
                message,
            }
            .located(text)
        })?;
        for (name, profile) in &keys.exports {
            profile.check(name).map_err(|e| ConfigError::Parse {
                path: "payrun.toml".into(),
                message: e.to_string(),
            })?;
        }
        Ok(Settings {
            rules,
            api: keys.api,
            company_id: keys.company.id,
            token_file: keys.company.token_file,
            exports: keys.exports,
            payroll_provider: keys.payroll_provider,
        })
    }

    /// The effective configuration as one `payrun.toml` (every key, defaults
    /// filled in), without `company.id` or `company.token_file`: what a run
    /// keeps beside its outputs so that it can be replayed. It parses back
    /// into the same settings (less those two keys).
    pub fn effective_text(&self) -> String {
        let mut table: toml::Table = toml::from_str(&self.pay_text()).unwrap_or_default();
        if let Ok(api) = toml::Value::try_from(&self.api) {
            table.insert("api".into(), api);
        }
        toml::to_string(&table).unwrap_or_default()
    }

    /// The settings that decide pay and the files a run writes (the rules,
    /// the export profiles, `[payroll_provider]`), as TOML: two runs whose
    /// texts are equal computed under the same terms, wherever they fetched
    /// from (`[api]` is left out).
    pub fn pay_text(&self) -> String {
        let mut table = toml::Table::try_from(&self.rules).unwrap_or_default();
        if let Ok(exports) = toml::Value::try_from(&self.exports) {
            table.insert("exports".into(), exports);
        }
        if let Ok(provider) = toml::Value::try_from(&self.payroll_provider) {
            table.insert("payroll_provider".into(), provider);
        }
        toml::to_string(&table).unwrap_or_default()
    }

    /// The settings as TOML, for the manifest's digest: every key as
    /// understood, including where the token file is (never the token).
    pub fn canonical_text(&self) -> String {
        let keys = FetchKeys {
            api: self.api.clone(),
            company: CompanyKeys {
                id: self.company_id.clone(),
                token_file: self.token_file.clone(),
            },
            exports: self.exports.clone(),
            payroll_provider: self.payroll_provider.clone(),
        };
        format!(
            "{}\n{}",
            toml::to_string(&self.rules).unwrap_or_default(),
            toml::to_string(&keys).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_effective_configuration_parses_back_to_itself() {
        for text in [
            include_str!("../data/payrun.demo.toml"),
            include_str!("../data/payrun.example.toml"),
        ] {
            let settings = Settings::parse(text).unwrap();
            let effective = settings.effective_text();
            assert!(!effective.contains("token"), "{effective}");
            let again = Settings::parse(&effective).unwrap();
            assert_eq!(again.effective_text(), effective);
            assert_eq!(again.api, settings.api);
        }
    }

    #[test]
    fn one_file_configures_fetching_and_the_rules() {
        let s = Settings::parse(
            "[company]\nid = \"12345\"\ntoken_file = \"~/t\"\nweek_start = \"monday\"\n[api]\nmax_records = 100\n",
        )
        .unwrap();
        assert_eq!(s.company_id.as_deref(), Some("12345"));
        assert_eq!(s.token_file.as_deref(), Some("~/t"));
        assert_eq!(s.api.max_records, 100);
        assert_eq!(s.rules.company.week_start.0, chrono::Weekday::Mon);
        let e = Settings::parse("[api]\nmax_record = 100\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_record") && e.contains("line 2"), "{e}");
        let e = Settings::parse("[company]\nidd = \"1\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("idd") && e.contains("line 2"), "{e}");
    }

    /// `[api]` values are checked with their line; a token pasted into the
    /// file is named by key and line, never shown.
    #[test]
    fn api_values_and_secrets_are_errors_on_one_line() {
        let e = Settings::parse("[api]\nconcurrency = 2\nmax_records = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("payrun.toml: line 3, key api.max_records: 1 is too few"),
            "{e}"
        );
        for text in [
            "[company]\ntoken_file = 5 # s3cr3t-t0ken-abcdef\n",
            "[company]\ntoken_file = [\"s3cr3t-t0ken-abcdef\"]\n",
            "[company]\nid = \"1\"\ntoken = \"s3cr3t-t0ken-abcdef\"\n",
        ] {
            let e = Settings::parse(text).unwrap_err().to_string();
            assert!(
                !e.contains("s3cr3t")
                    && e.contains("(the value is not shown)")
                    && !e.contains('\n'),
                "{e}"
            );
        }
    }

    #[test]
    fn the_shipped_configurations_parse() {
        let example = Settings::parse(include_str!("../data/payrun.example.toml")).unwrap();
        assert_eq!(example.company_id.as_deref(), Some("12345"));
        // The example changes no pay unless the administrator opts in.
        let rules = &example.rules;
        assert!(rules.jobs.is_empty() && rules.shifts.is_empty() && rules.users.is_empty());
        assert!(rules.rounding.is_none() && rules.auto_lunch.is_none());
        assert!(
            rules
                .overtime_rules
                .values()
                .all(|r| r.special_dates.is_empty() && r.special_weekdays.is_empty())
        );
        let demo = Settings::parse(include_str!("../data/payrun.demo.toml")).unwrap();
        assert_eq!(
            demo.rules.jobs["Delivery"].rate,
            Some("22.50".parse().unwrap())
        );
        assert_eq!(demo.rules.regular_rate.bonuses, vec!["Production Bonus"]);
    }
}
