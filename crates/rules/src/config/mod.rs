//! The configuration model: every key of `payrun.toml` that the rules read
//! (design §7), one module per group of sections.
//!
//! Parsing rejects unknown keys and ill-formed values with the key and its
//! line; [`RulesConfig::validate`] then checks what involves several keys (a
//! double-time threshold below its overtime threshold, say) and names them.
//! Defaults are written once, in each section's `Default`.
//!
//! The `[api]` table and `company.id` / `company.token_file` configure the
//! application that fetches from Q2 (the `payrun` binary reads them). They
//! are accepted here, so one file configures both, and not kept.
//!
//! It is long because its tests are half of it: one per rule of reading the
//! configuration.

mod company;
mod located;
pub mod minimum;
mod overtime;
pub mod packs;
mod pay;
mod values;

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

pub use company::{
    Approval, ApprovalConfig, AutoLunchConfig, CompanyConfig, Frequency, LongShift,
    PayPeriodConfig, PunchConfig, PunchZone, RoundingConfig, RoundingMode, RoundingRule,
    Unapproved,
};
pub use located::{SECRET_KEYS, line_of, toml_error};
pub use minimum::{AmountFrom, MinimumWageConfig, RateFrom, Shortfall};
pub use overtime::{Basis, FlatSumDivisor, MealPremium, OvertimeRule, Tier};
pub use pay::{
    JobPay, PtoConfig, RateMethod, RegularRateConfig, SalaryConfig, SalaryMode, SalaryPeriod,
    ShiftPay, UserOverride,
};
pub use values::{ClockTime, Hours, TimeZone, WeekdayName, bounds};

/// A configuration problem, naming the file, key and (when known) line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a bad value; the message has the line.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, with key and position.
        message: String,
    },
    /// Keys that are fine alone but not together.
    #[error("{key}: {message}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// An [`ConfigError::Invalid`] of `text`, as a [`ConfigError::Parse`]
    /// naming the line that sets its key (or the table holding it).
    pub fn located(self, text: &str) -> ConfigError {
        match self {
            ConfigError::Invalid { key, message } => match line_of(text, &key) {
                Some(line) => ConfigError::Parse {
                    path: "payrun.toml".into(),
                    message: format!("line {line}, key {key}: {message}"),
                },
                None => ConfigError::Invalid { key, message },
            },
            other => other,
        }
    }
}

/// The rules' settings in `payrun.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// `[company]`.
    pub company: CompanyConfig,
    /// `[pay_period]`.
    pub pay_period: PayPeriodConfig,
    /// `[punches]`.
    pub punches: PunchConfig,
    /// `[rounding]`; absent means punches are used as clocked.
    pub rounding: Option<RoundingConfig>,
    /// `[auto_lunch]`; absent means no deduction.
    pub auto_lunch: Option<AutoLunchConfig>,
    /// `[approvals]`.
    pub approvals: ApprovalConfig,
    /// `[salary]`.
    pub salary: SalaryConfig,
    /// `[pto]`.
    pub pto: PtoConfig,
    /// `[overtime_rules.<name>]`, by name.
    pub overtime_rules: BTreeMap<String, OvertimeRule>,
    /// `[jobs."<jobName>"]`: rates of time worked on a job (hourly users).
    pub jobs: BTreeMap<String, JobPay>,
    /// `[shifts."<shiftName>"]`: shift differentials (hourly users).
    pub shifts: BTreeMap<String, ShiftPay>,
    /// `[regular_rate]`: bonuses and the method of design §5b.
    pub regular_rate: RegularRateConfig,
    /// `[users."<userName>"]` overrides.
    pub users: BTreeMap<String, UserOverride>,
    /// `[minimum_wage]`: the federal minimum and exempt threshold unless set.
    #[serde(skip_serializing_if = "MinimumWageConfig::is_default")]
    pub minimum_wage: MinimumWageConfig,
    #[serde(rename = "api", skip_serializing)]
    _api: Option<IgnoredAny>,
    #[serde(rename = "exports", skip_serializing)]
    _exports: Option<IgnoredAny>,
    #[serde(rename = "payroll_provider", skip_serializing)]
    _payroll_provider: Option<IgnoredAny>,
}

/// Reads the file at `path` and `parse`s it; errors name the file.
pub fn from_file<T>(
    path: &Path,
    parse: impl FnOnce(&str) -> Result<T, ConfigError>,
) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text).map_err(|e| match e {
        ConfigError::Parse { message, .. } => ConfigError::Parse {
            path: path.display().to_string(),
            message,
        },
        other => other,
    })
}

impl RulesConfig {
    /// Reads and validates a `payrun.toml`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        from_file(path, Self::parse)
    }

    /// Parses and validates configuration text. Errors are one line
    /// naming the line and key ([`toml_error`], [`ConfigError::located`]).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        // Rules that name a pack take its keys first (packs.rs).
        let expanded = packs::expand(text)?;
        let text = expanded.as_deref().unwrap_or(text);
        let config: RulesConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "payrun.toml".into(),
            message: toml_error(text, &e),
        })?;
        config.validate().map_err(|e| e.located(text))?;
        Ok(config)
    }

    /// Checks what single keys cannot: thresholds in order, sensible sizes.
    ///
    /// Long because it is every check across keys, one after another, each
    /// with the message naming its keys.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: String, message: String| Err(ConfigError::Invalid { key, message });
        for (name, rule) in &self.overtime_rules {
            let pairs = [
                (
                    "daily_ot_after",
                    rule.daily_ot_after,
                    "daily_dt_after",
                    rule.daily_dt_after,
                ),
                (
                    "weekly_ot_after",
                    rule.weekly_ot_after,
                    "weekly_dt_after",
                    rule.weekly_dt_after,
                ),
                (
                    "biweekly_ot_after",
                    rule.biweekly_ot_after,
                    "biweekly_dt_after",
                    rule.biweekly_dt_after,
                ),
            ];
            for (ot_key, ot, dt_key, dt) in pairs {
                if let (Some(ot), Some(dt)) = (ot, dt)
                    && dt < ot
                {
                    return invalid(
                        format!("overtime_rules.{name}.{dt_key}"),
                        format!(
                            "{dt} is below {ot_key} ({ot}); double time must start after overtime"
                        ),
                    );
                }
            }
            if rule.daily_dt_after.is_some_and(|h| h.seconds > 24 * 3600)
                || rule.daily_ot_after.is_some_and(|h| h.seconds > 24 * 3600)
            {
                return invalid(
                    format!("overtime_rules.{name}.daily_ot_after"),
                    "a daily threshold cannot exceed 24 hours".into(),
                );
            }
            if rule.meal_waiver_up_to_hours.seconds > 10 * 3600 {
                return invalid(
                    format!("overtime_rules.{name}.meal_waiver_up_to_hours"),
                    format!(
                        "{} is above 10: a first meal cannot be waived on a workday of more \
                         than 10 hours (California Labor Code 512(a))",
                        rule.meal_waiver_up_to_hours
                    ),
                );
            }
            if rule.dt_multiplier < rule.ot_multiplier {
                return invalid(
                    format!("overtime_rules.{name}.dt_multiplier"),
                    format!(
                        "{} is below ot_multiplier ({}); double time pays at least overtime's rate",
                        rule.dt_multiplier, rule.ot_multiplier
                    ),
                );
            }
        }
        let tables = self
            .jobs
            .iter()
            .map(|(name, j)| {
                (
                    format!("jobs.\"{name}\""),
                    ["rate", "premium"],
                    [j.rate, j.premium],
                )
            })
            .chain(self.shifts.iter().map(|(name, s)| {
                (
                    format!("shifts.\"{name}\""),
                    ["premium", "percent"],
                    [s.premium, s.percent],
                )
            }));
        for (key, [a, b], values) in tables {
            match values {
                [Some(_), Some(_)] | [None, None] => {
                    return invalid(key, format!("set exactly one of `{a}` and `{b}`"));
                }
                _ => {}
            }
        }
        if let Some(name) = self
            .regular_rate
            .bonuses
            .iter()
            .find(|b| b.trim().is_empty())
        {
            return invalid(
                "regular_rate.bonuses".into(),
                format!("\"{name}\" is not an adjustTypeName"),
            );
        }
        for (key, rule) in [
            (
                "rounding.clock_in",
                self.rounding.as_ref().and_then(|r| r.clock_in),
            ),
            (
                "rounding.clock_out",
                self.rounding.as_ref().and_then(|r| r.clock_out),
            ),
        ] {
            if let Some(rule) = rule
                && !(1..=60).contains(&rule.minutes)
            {
                return invalid(
                    format!("{key}.minutes"),
                    format!("{} is not between 1 and 60", rule.minutes),
                );
            }
        }
        if let Some(lunch) = &self.auto_lunch
            && i64::from(lunch.deduct_minutes) * 60 >= lunch.after_hours.seconds
        {
            return invalid(
                "auto_lunch.deduct_minutes".into(),
                format!(
                    "{} minutes is not less than after_hours ({} hours): a shift would be \
                     deducted to nothing",
                    lunch.deduct_minutes, lunch.after_hours
                ),
            );
        }
        Ok(())
    }

    /// The salary mode for `user_name`: its override, else `salary.mode`.
    pub fn salary_mode(&self, user_name: &str) -> SalaryMode {
        self.users
            .get(user_name)
            .and_then(|u| u.salary_mode)
            .unwrap_or(self.salary.mode)
    }

    /// Whether some rule counts hours over 14-day windows (so a period needs
    /// the whole window that straddles its start).
    pub fn uses_biweekly_windows(&self) -> bool {
        self.overtime_rules
            .values()
            .any(|r| r.basis == Basis::Biweekly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Weekday};
    use chrono_tz::Tz;
    use rust_decimal::Decimal;

    /// A configuration with every section of design §7.
    const EVERY_SECTION: &str = r#"
[company]
id = "12345"
token_file = "~/.config/payrun/token"
default_time_zone = "America/New_York"
week_start = "sunday"
workday_start = "00:00"

[api]
base_url = "https://api1.opentimeclock.com/Jun-Inside-VPC"
max_records = 5000
timeout_secs = 60
max_retries = 5
concurrency = 4

[pay_period]
frequency = "biweekly"
anchor = "2024-01-07"

[punches]
time_zone = "user"
split_at_workday = true
max_shift_hours = 24

[rounding]
clock_in = { mode = "nearest", minutes = 15 }
clock_out = { mode = "nearest", minutes = 15 }

[auto_lunch]
after_hours = 6.0
deduct_minutes = 30

[salary]
period = "annual"
mode = "nonexempt_fixed"
hours_per_week = 40

[pto]
counts_toward_overtime = false

[overtime_rules.default]
basis = "weekly"
weekly_ot_after = 40
ot_multiplier = 1.5
dt_multiplier = 2.0

[overtime_rules.ot1]
basis = "weekly"
daily_ot_after = 8
daily_dt_after = 12
weekly_ot_after = 40
seventh_day = true
special_weekdays = { sunday = "overtime" }
special_dates = { "2024-12-25" = "double_time" }

[users."jdoe"]
salary_mode = "exempt"
"#;

    #[test]
    fn the_spec_example_parses_with_every_key() {
        let c = RulesConfig::parse(EVERY_SECTION).unwrap();
        assert_eq!(c.company.week_start.0, Weekday::Sun);
        assert_eq!(c.company.default_time_zone.0, Tz::America__New_York);
        assert_eq!(c.pay_period.frequency, Frequency::Biweekly);
        assert_eq!(c.auto_lunch.as_ref().unwrap().after_hours.seconds, 6 * 3600);
        assert_eq!(c.rounding.as_ref().unwrap().clock_in.unwrap().minutes, 15);
        let ot1 = &c.overtime_rules["ot1"];
        assert_eq!(ot1.daily_ot_after, Some(Hours::from_hours(8)));
        assert_eq!(ot1.seventh_day_dt_after, Hours::from_hours(8));
        assert_eq!(ot1.ot_multiplier, Decimal::new(15, 1));
        assert_eq!(
            ot1.special_weekdays[&WeekdayName(Weekday::Sun)],
            Tier::Overtime
        );
        assert_eq!(
            ot1.special_dates[&NaiveDate::from_ymd_opt(2024, 12, 25).unwrap()],
            Tier::DoubleTime
        );
        assert_eq!(c.salary_mode("jdoe"), SalaryMode::Exempt);
        assert_eq!(c.salary_mode("someone"), SalaryMode::NonexemptFixed);
    }

    fn error_of(text: &str) -> String {
        RulesConfig::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_line() {
        let e = error_of("[company]\nweek_start = \"sunday\"\nweek_begin = \"monday\"\n");
        assert!(e.contains("week_begin") && e.contains("line 3"), "{e}");
        let e = error_of("[overtime_rules.x]\ndaily_ot_after = 8\nmultiplier = 2\n");
        assert!(e.contains("multiplier") && e.contains("line 3"), "{e}");
        let e = error_of("[company]\ndefault_time_zone = \"America/Gotham\"\n");
        assert!(
            e.contains("America/Gotham")
                && e.contains("not an IANA time zone")
                && e.contains("line 2"),
            "{e}"
        );
        let e = error_of("[pay_period]\nanchor = \"2024-02-30\"\n");
        assert!(e.contains("anchor") || e.contains("line 2"), "{e}");
        let e = error_of("[company]\nworkday_start = \"25:00\"\n");
        assert!(e.contains("25:00") && e.contains("HH:MM"), "{e}");
        let e = error_of("[pay_period]\nfrequency = \"fortnightly\"\n");
        assert!(e.contains("fortnightly"), "{e}");
        let e = error_of("[punches]\nmax_shift_hours = -1\n");
        assert!(e.contains("negative"), "{e}");
    }

    #[test]
    fn thresholds_out_of_order_name_both_keys() {
        let e = error_of("[overtime_rules.ca]\ndaily_ot_after = 12\ndaily_dt_after = 8\n");
        assert_eq!(
            e,
            "payrun.toml: line 3, key overtime_rules.ca.daily_dt_after: 8 is below daily_ot_after (12); \
             double time must start after overtime"
        );
        let e = error_of("[rounding]\nclock_in = { mode = \"up\", minutes = 0 }\n");
        assert_eq!(
            e,
            "payrun.toml: line 2, key rounding.clock_in.minutes: 0 is not between 1 and 60"
        );
    }

    #[test]
    fn hours_are_exact_seconds() {
        let c =
            RulesConfig::parse("[auto_lunch]\nafter_hours = 5.75\ndeduct_minutes = 30\n").unwrap();
        assert_eq!(c.auto_lunch.unwrap().after_hours.seconds, 20_700);
        let e = error_of("[auto_lunch]\nafter_hours = 0.00001\ndeduct_minutes = 30\n");
        assert!(e.contains("whole number of seconds"), "{e}");
    }

    #[test]
    fn job_and_shift_tables_take_exactly_one_key() {
        let c = RulesConfig::parse(
            "[jobs.\"Welding\"]\nrate = 15.00\n[shifts.\"night shift\"]\npremium = 2\n[regular_rate]\nbonuses = [\"Production Bonus\"]\n",
        )
        .unwrap();
        assert_eq!(c.jobs["Welding"].rate, Some(Decimal::new(15, 0)));
        assert_eq!(c.shifts["night shift"].premium, Some(Decimal::new(2, 0)));
        assert_eq!(c.regular_rate.method, RateMethod::WeightedAverage);
        let e = error_of("[jobs.\"Welding\"]\nrate = 15\npremium = 1\n");
        assert_eq!(
            e,
            "payrun.toml: line 1, key jobs.\"Welding\": set exactly one of `rate` and `premium`"
        );
        let e = error_of("[shifts.night]\npercent = -10\n");
        assert_eq!(
            e,
            "payrun.toml: line 2, key shifts.night.percent: -10 is not a percentage above 0 and at most 100"
        );
        let e = error_of("[regular_rate]\nmethod = \"average\"\n");
        assert!(e.contains("average") && e.contains("line 2"), "{e}");
    }

    /// Every number is checked when read, with its key and line in one
    /// line: extreme values never panic, and implausible ones (pay ten
    /// times over, a shift deducted to nothing) are refused.
    #[test]
    fn numbers_out_of_their_plausible_range_are_refused_naming_key_and_line() {
        let cases = [
            (
                "[overtime_rules.default]\nweekly_ot_after = 3e25\n",
                2,
                "overtime_rules.default.weekly_ot_after",
                "too large",
            ),
            (
                "[overtime_rules.default]\nweekly_ot_after = 0\n",
                2,
                "overtime_rules.default.weekly_ot_after",
                "out of range: more than 0 and at most 168",
            ),
            (
                "[overtime_rules.default]\nweekly_ot_after = 169\n",
                2,
                "overtime_rules.default.weekly_ot_after",
                "at most 168",
            ),
            (
                "[overtime_rules.x]\nbasis = \"biweekly\"\nbiweekly_ot_after = 337\n",
                3,
                "overtime_rules.x.biweekly_ot_after",
                "at most 336",
            ),
            (
                "[overtime_rules.default]\not_multiplier = 1e24\n",
                2,
                "overtime_rules.default.ot_multiplier",
                "not a multiplier between 1 and 3",
            ),
            (
                "[overtime_rules.default]\not_multiplier = 1e20\n",
                2,
                "overtime_rules.default.ot_multiplier",
                "between 1 and 3",
            ),
            (
                "[overtime_rules.default]\not_multiplier = 100\n",
                2,
                "overtime_rules.default.ot_multiplier",
                "between 1 and 3",
            ),
            (
                "[overtime_rules.default]\not_multiplier = 0.5\n",
                2,
                "overtime_rules.default.ot_multiplier",
                "between 1 and 3",
            ),
            (
                "[overtime_rules.default]\not_multiplier = 2\ndt_multiplier = 1.5\n",
                3,
                "overtime_rules.default.dt_multiplier",
                "below ot_multiplier (2)",
            ),
            (
                "[jobs.\"X\"]\nrate = 1e24\n",
                2,
                "jobs.X.rate",
                "not plausible",
            ),
            (
                "[jobs.\"X\"]\npremium = 10000\n",
                2,
                "jobs.X.premium",
                "not plausible",
            ),
            (
                "[shifts.\"X\"]\npercent = 1e24\n",
                2,
                "shifts.X.percent",
                "at most 100",
            ),
            (
                "[shifts.\"X\"]\npercent = 100000\n",
                2,
                "shifts.X.percent",
                "at most 100",
            ),
            (
                "[shifts.\"X\"]\npercent = 0\n",
                2,
                "shifts.X.percent",
                "above 0",
            ),
            (
                "[shifts.\"X\"]\npremium = -1\n",
                2,
                "shifts.X.premium",
                "negative",
            ),
            (
                "[auto_lunch]\nafter_hours = 0\ndeduct_minutes = 100000\n",
                3,
                "auto_lunch.deduct_minutes",
                "not less than after_hours",
            ),
            (
                "[auto_lunch]\nafter_hours = 6\ndeduct_minutes = 360\n",
                3,
                "auto_lunch.deduct_minutes",
                "not less than after_hours",
            ),
            (
                "[overtime_rules.default]\nseventh_day_dt_after = 1e15\n",
                2,
                "overtime_rules.default.seventh_day_dt_after",
                "at most 24",
            ),
            (
                "[auto_lunch]\nafter_hours = 25\ndeduct_minutes = 30\n",
                2,
                "auto_lunch.after_hours",
                "at most 24",
            ),
            (
                "[salary]\nhours_per_week = 0\n",
                2,
                "salary.hours_per_week",
                "out of range",
            ),
            (
                "[punches]\nmax_shift_hours = 1e30\n",
                2,
                "punches.max_shift_hours",
                "not a usable number",
            ),
            (
                "[punches]\nmax_shift_hours = 1e20\n",
                2,
                "punches.max_shift_hours",
                "too large",
            ),
        ];
        for (text, line, key, what) in cases {
            let e = error_of(text);
            assert!(
                e.starts_with(&format!("payrun.toml: line {line}, key {key}: "))
                    && e.contains(what),
                "{text:?}: {e}"
            );
            assert!(!e.contains('\n'), "{e}");
        }
        // At the bounds, accepted.
        let c = RulesConfig::parse(
            "[overtime_rules.default]\nweekly_ot_after = 168\not_multiplier = 3\ndt_multiplier = 3\n\
             [shifts.n]\npercent = 100\n[jobs.j]\nrate = 9999.99\n",
        )
        .unwrap();
        assert_eq!(
            c.overtime_rules["default"].ot_multiplier,
            Decimal::new(3, 0)
        );
    }

    /// A secret pasted into the file is named by its key and line, never shown.
    #[test]
    fn a_secret_on_a_bad_line_is_never_shown() {
        for text in [
            "[company]\nid = \"1\"\ntoken = \"s3cr3t-t0ken-abcdef\"\n",
            "[company]\ndeveloperToken = \"s3cr3t-t0ken-abcdef\"\n",
            "token = s3cr3t-t0ken-abcdef\n",
        ] {
            let e = error_of(text);
            assert!(!e.contains("s3cr3t"), "{e}");
            assert!(
                e.contains("line ") && e.contains("(the value is not shown)"),
                "{e}"
            );
            assert!(!e.contains('\n'), "{e}");
        }
        let e = error_of("[company]\nid = \"1\"\ntoken = \"s3cr3t-t0ken-abcdef\"\n");
        assert_eq!(
            e,
            "payrun.toml: line 3, key company.token: `token` is not a key payrun reads; the \
             developer token belongs in OTC_DEVELOPER_TOKEN or in the file company.token_file \
             names (the value is not shown)"
        );
    }

    #[test]
    fn an_empty_file_is_all_defaults() {
        let c = RulesConfig::parse("").unwrap();
        assert_eq!(c.pay_period.frequency, Frequency::Biweekly);
        assert!(c.punches.split_at_workday);
        assert_eq!(c.salary.hours_per_week, Hours::from_hours(40));
        assert!(c.overtime_rules.is_empty());
    }
}
