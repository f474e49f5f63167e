//! Resolving a user's terms: the zone their punches are read in, the
//! overtime rule, how they are paid, and the rate of each hour they work.

use std::str::FromStr;

use chrono_tz::Tz;
use payrun_ingest::{Names, Severity, User, UserId};
use rust_decimal::Decimal;

use crate::config::{JobPay, OvertimeRule, PunchZone, RulesConfig, SalaryMode, ShiftPay};
use crate::error::RulesError;
use crate::exceptions::Raised;
use crate::punches::WorkedAs;
use crate::time::Workdays;

/// How a user is paid (`rateType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateType {
    /// `Hourly Rate`: `payRate` per hour.
    Hourly,
    /// `Salary Rate`: `payRate` per `salary.period`.
    Salary,
}

/// The zone and workday boundaries of a user's punches; an empty or unknown
/// `timeZone` is an `invalid_time_zone` error and the company zone is used.
pub(crate) fn zone_of(
    id: UserId,
    user: &User,
    config: &RulesConfig,
    raised: &mut Vec<Raised>,
) -> Workdays {
    let default_zone = config.company.default_time_zone.0;
    let tz = match config.punches.time_zone {
        PunchZone::Fixed(tz) => tz,
        PunchZone::User => {
            let name = user.time_zone.as_deref().map(str::trim).unwrap_or("");
            match Tz::from_str(name) {
                Ok(tz) => tz,
                Err(_) => {
                    let message = if name.is_empty() {
                        format!(
                            "timeZone is empty; {} (company.default_time_zone) is used",
                            default_zone.name()
                        )
                    } else {
                        format!(
                            "timeZone \"{name}\" is not an IANA time zone; {} (company.default_time_zone) is used",
                            default_zone.name()
                        )
                    };
                    raised.push(Raised::about_user(
                        id,
                        user,
                        Severity::Error,
                        crate::kinds::INVALID_TIME_ZONE,
                        message,
                    ));
                    default_zone
                }
            }
        }
    };
    Workdays {
        tz,
        start: config.company.workday_start.0,
    }
}

/// A user's overtime rule and pay, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Terms<'c> {
    /// The rule's name as applied (after any fallback to `default`).
    pub rule_name: String,
    /// The rule.
    pub rule: &'c OvertimeRule,
    /// Hourly or salaried.
    pub rate_type: RateType,
    /// The salary mode (meaningful for salaried users).
    pub salary_mode: SalaryMode,
    /// `payRate`, 0 when absent.
    pub pay_rate: Decimal,
    /// Whether the user's whole pay is held at 0: their `payRate` is
    /// negative or could not be read (each an error exception quoting it).
    pub held: bool,
}

impl Terms<'_> {
    /// Whether every worked second is simply regular (exempt salary).
    pub fn exempt(&self) -> bool {
        self.rate_type == RateType::Salary && self.salary_mode == SalaryMode::Exempt
    }
}

/// Resolves the rule and pay of a user in the summary.
/// `pay_rate_unreadable`: the input had a `payRate` it could not read
/// (already an `invalid_value` exception quoting it).
///
/// Long because a user's pay terms are each checked and resolved in order
/// (rate type, rate, rule, salary mode), each check with its exception.
pub(crate) fn terms_of<'c>(
    id: UserId,
    user: &User,
    config: &'c RulesConfig,
    pay_rate_unreadable: bool,
    raised: &mut Vec<Raised>,
) -> Result<Terms<'c>, RulesError> {
    let wanted = user
        .overtime_rule
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("default");
    let (rule_name, rule) = match config.overtime_rules.get(wanted) {
        Some(rule) => (wanted.to_owned(), rule),
        None => {
            let Some(default) = config.overtime_rules.get("default") else {
                let configured: Vec<&str> =
                    config.overtime_rules.keys().map(String::as_str).collect();
                return Err(RulesError::NoDefaultRule {
                    user: user
                        .user_name
                        .clone()
                        .unwrap_or_else(|| format!("row {}", id.0)),
                    wanted: wanted.to_owned(),
                    configured: if configured.is_empty() {
                        "none".into()
                    } else {
                        configured.join(", ")
                    },
                });
            };
            raised.push(Raised::about_user(
                id,
                user,
                Severity::Error,
                crate::kinds::UNKNOWN_OVERTIME_RULE,
                format!(
                    "overTimeRule \"{wanted}\" is not configured under [overtime_rules]; `default` is used"
                ),
            ));
            ("default".to_owned(), default)
        }
    };
    let rate_type = match user.rate_type.as_deref().map(str::trim) {
        Some("Hourly Rate") => RateType::Hourly,
        Some("Salary Rate") => RateType::Salary,
        other => {
            raised.push(Raised::about_user(
                id,
                user,
                Severity::Error,
                crate::kinds::INVALID_VALUE,
                format!(
                    "user field `rateType` has invalid value {}; paid as \"Hourly Rate\"",
                    other.map_or("null".to_owned(), |t| format!("\"{t}\""))
                ),
            ));
            RateType::Hourly
        }
    };
    let negative = user
        .pay_rate
        .filter(|r| r.is_sign_negative() && !r.is_zero());
    if let Some(rate) = negative {
        raised.push(Raised::about_user(
            id,
            user,
            Severity::Error,
            crate::kinds::INVALID_VALUE,
            format!("user field `payRate` has invalid value \"{rate}\": negative; pay held at 0"),
        ));
    }
    Ok(Terms {
        rule_name,
        rule,
        rate_type,
        salary_mode: config.salary_mode(user.user_name.as_deref().unwrap_or("")),
        pay_rate: user.pay_rate.unwrap_or(Decimal::ZERO),
        held: negative.is_some() || pay_rate_unreadable,
    })
}

/// The `[jobs]` and `[shifts]` tables, looked up by interned name once per run.
pub(crate) struct RateTables<'c> {
    jobs: Vec<Option<&'c JobPay>>,
    shifts: Vec<Option<&'c ShiftPay>>,
    /// `is_bonus[name]`: the name is listed in `[regular_rate] bonuses`.
    pub is_bonus: Vec<bool>,
    /// `is_flat_sum[name]`: listed in `[regular_rate] flat_sum_bonuses`.
    pub is_flat_sum: Vec<bool>,
}

impl<'c> RateTables<'c> {
    /// The tables of `config`, indexed by the ids of `names`.
    pub fn new(config: &'c RulesConfig, names: &Names) -> Self {
        let mut jobs = vec![None; names.len()];
        let mut shifts = vec![None; names.len()];
        let mut is_bonus = vec![false; names.len()];
        for (name, job) in &config.jobs {
            if let Some(id) = names.find(name) {
                jobs[id.index()] = Some(job);
            }
        }
        for (name, shift) in &config.shifts {
            if let Some(id) = names.find(name) {
                shifts[id.index()] = Some(shift);
            }
        }
        for name in &config.regular_rate.bonuses {
            if let Some(id) = names.find(name) {
                is_bonus[id.index()] = true;
            }
        }
        let mut is_flat_sum = vec![false; names.len()];
        for name in &config.regular_rate.flat_sum_bonuses {
            if let Some(id) = names.find(name) {
                is_flat_sum[id.index()] = true;
            }
        }
        RateTables {
            jobs,
            shifts,
            is_bonus,
            is_flat_sum,
        }
    }

    /// The hourly rate of time worked as `worked_as` by a user paid
    /// `pay_rate` an hour (design §5b): the job's `rate` replaces it or its
    /// `premium` is added; then the shift's `premium`, or its `percent` of
    /// the base rate (`payRate` or the job's `rate`), is added.
    pub fn rate(&self, pay_rate: Decimal, worked_as: WorkedAs) -> Decimal {
        let job = worked_as.job.and_then(|j| self.jobs[j.index()]);
        let base = job.and_then(|j| j.rate).unwrap_or(pay_rate);
        let mut rate = base + job.and_then(|j| j.premium).unwrap_or_default();
        if let Some(shift) = worked_as.shift.and_then(|s| self.shifts[s.index()]) {
            rate += shift.premium.unwrap_or_default()
                + shift
                    .percent
                    .map_or(Decimal::ZERO, |p| base * p / Decimal::ONE_HUNDRED);
        }
        rate
    }
}
