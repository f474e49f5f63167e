//! One pay period's payroll, from joined time cards and users.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;
use payrun_ingest::schema::col;
use payrun_ingest::{Exception, ExceptionKind, Joined, Severity};
use polars::prelude::*;
use rust_decimal::Decimal;

use crate::allocate::{Allocation, allocate};
use crate::calendar::{Calendar, PayPeriod};
use crate::columns::{dates, decimals, texts};
use crate::config::{Config, OvertimeRule, PunchZone, SalaryMode};
use crate::pay::{PayLines, PeriodHours, RateType, Terms, WeekHours, price};
use crate::prepare::{Raised, prepare};
use crate::report::{DayRow, Report, SummaryRow};
use crate::time::Workdays;

/// Why a payroll could not be computed at all.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A user needs the `default` overtime rule and there is none.
    #[error(
        "user {user} needs overtime rule `{wanted}`, which is not configured, and there is no `default` rule to fall back to; configured rules: {configured}"
    )]
    NoDefaultRule {
        /// The user.
        user: String,
        /// The rule name the user has.
        wanted: String,
        /// The configured names, comma-separated (or "none").
        configured: String,
    },
    /// The input frames do not have the columns ingest produces.
    #[error("the input data is not what payrun-ingest produces: {0}")]
    Frame(#[from] PolarsError),
}

/// A computed payroll for one period.
#[derive(Debug, Clone)]
pub struct PayrollRun {
    /// The period computed.
    pub period: PayPeriod,
    /// One row per user, typed (the same figures as the `payroll_summary` frame).
    pub summary: Vec<SummaryRow>,
    /// One row per user and workday with hours.
    pub days: Vec<DayRow>,
    /// Every exception concerning the period, sorted.
    pub exceptions: Vec<Exception>,
}

/// Facts about one user, by user row.
struct UserFacts {
    user_name: Vec<Option<String>>,
    full_name: Vec<Option<String>>,
    employee_number: Vec<Option<String>>,
    department: Vec<Option<String>>,
    role: Vec<Option<String>>,
    rate_type: Vec<Option<String>>,
    pay_rate: Vec<Option<Decimal>>,
    time_zone: Vec<Option<String>>,
    rule: Vec<Option<String>>,
    hired: Vec<Option<NaiveDate>>,
}

impl UserFacts {
    fn read(users: &DataFrame) -> PolarsResult<Self> {
        let (rates, scale) = decimals(users, col::PAY_RATE)?;
        Ok(UserFacts {
            user_name: texts(users, col::USER_NAME)?,
            full_name: texts(users, col::USER_FULL_NAME)?,
            employee_number: texts(users, col::EMPLOYEE_NUMBER)?,
            department: texts(users, col::DEPARTMENT_NAME)?,
            role: texts(users, col::ROLE)?,
            rate_type: texts(users, col::RATE_TYPE)?,
            pay_rate: rates
                .into_iter()
                .map(|m| m.map(|m| Decimal::from_i128_with_scale(m, scale)))
                .collect(),
            time_zone: texts(users, col::TIME_ZONE)?,
            rule: texts(users, col::OVERTIME_RULE)?,
            hired: dates(users, col::HIRED_DATE)?,
        })
    }

    fn len(&self) -> usize {
        self.user_name.len()
    }

    fn raise(&self, u: usize, severity: Severity, kind: ExceptionKind, message: String) -> Raised {
        Raised {
            exception: Exception {
                severity,
                kind,
                user_name: self.user_name[u].clone(),
                user_full_name: self.full_name[u].clone(),
                in_date_time: None,
                out_date_time: None,
                message,
            },
            workday: None,
        }
    }
}

/// Computes the payroll of `period`.
///
/// `joined` is the output of [`payrun_ingest::join()`] over every time card
/// from at least [`Calendar::lookback_start`] of the period (so straddling
/// workweeks are complete) to a day past its end; its `exceptions` (decode
/// and join problems) are carried into the run. `users` is the users frame
/// the join used.
pub fn compute(
    joined: &Joined,
    users: &DataFrame,
    config: &Config,
    period: &PayPeriod,
) -> Result<PayrollRun, RulesError> {
    let calendar = Calendar::new(config);
    let facts = UserFacts::read(users)?;
    let mut raised: Vec<Raised> = Vec::new();

    // Each user's zone and rule, with their exceptions.
    let default_zone = config.company.default_time_zone.0;
    let zones: Vec<Workdays> = (0..facts.len())
        .map(|u| {
            let tz = match config.punches.time_zone {
                PunchZone::Fixed(tz) => tz,
                PunchZone::User => match facts.time_zone[u].as_deref().map(str::trim) {
                    Some(name) if Tz::from_str(name).is_ok() => Tz::from_str(name).unwrap_or(default_zone),
                    other => {
                        raised.push(facts.raise(
                            u,
                            Severity::Error,
                            ExceptionKind::InvalidTimeZone,
                            match other {
                                Some(name) if !name.is_empty() => format!(
                                    "timeZone \"{name}\" is not an IANA time zone; {} (company.default_time_zone) is used",
                                    default_zone.name()
                                ),
                                _ => format!(
                                    "timeZone is empty; {} (company.default_time_zone) is used",
                                    default_zone.name()
                                ),
                            },
                        ));
                        default_zone
                    }
                },
            };
            Workdays {
                tz,
                start: config.company.workday_start.0,
            }
        })
        .collect();

    let entries = prepare(
        &joined.frame,
        config,
        &zones,
        &facts.user_name,
        &facts.full_name,
        &mut raised,
    )?;

    // A period whose first workweek (or 14-day window) began earlier needs
    // those days' hours. Input with no time card before the period cannot
    // have them: say so rather than under-count overtime silently.
    let lookback = calendar.lookback_start(*period);
    let earliest = entries
        .iter()
        .flat_map(|e| {
            e.pieces
                .iter()
                .map(|p| p.workday)
                .chain(e.pto.iter().map(|p| p.workday))
        })
        .min();
    if lookback < period.start && earliest.is_some_and(|d| d >= period.start) {
        raised.push(Raised {
            exception: Exception {
                severity: Severity::Warning,
                kind: ExceptionKind::IncompleteInput,
                user_name: None,
                user_full_name: None,
                in_date_time: None,
                out_date_time: None,
                message: format!(
                    "no time card is dated before {}, but the period's first workweek starts {lookback}: \
                     hours worked from {lookback} are missing from the overtime thresholds \
                     (payrun run and payrun fetch include them)",
                    period.start
                ),
            },
            workday: Some(period.start),
        });
    }

    // Users in name order, so rows come out sorted without sorting them.
    let mut by_name: Vec<usize> = (0..facts.len()).collect();
    by_name.sort_by(|&a, &b| facts.user_name[a].cmp(&facts.user_name[b]).then(a.cmp(&b)));
    let mut summary = Vec::new();
    let mut days = Vec::new();
    for u in by_name {
        let user = &entries[u];
        let active = facts.role[u].as_deref() != Some("Inactive")
            && facts.hired[u].is_none_or(|h| h <= period.end);
        let in_period = |d: &NaiveDate| period.contains(*d);
        let has_activity = user
            .pieces
            .iter()
            .any(|p| in_period(&p.workday) && p.seconds > 0)
            || user.pto.iter().any(|p| in_period(&p.workday))
            || user.adjustment_hours.iter().any(|p| in_period(&p.workday))
            || user
                .adjustment_amounts
                .iter()
                .any(|p| in_period(&p.workday));
        if !active && !has_activity {
            continue;
        }
        let user_label = facts.user_name[u]
            .clone()
            .unwrap_or_else(|| format!("row {u}"));
        let (rule_name, rule) = resolve_rule(
            config,
            facts.rule[u].as_deref(),
            &user_label,
            &mut raised,
            &facts,
            u,
        )?;
        let salary_mode = config.salary_mode(facts.user_name[u].as_deref().unwrap_or(""));
        let rate_type = match facts.rate_type[u].as_deref().map(str::trim) {
            Some("Hourly Rate") => RateType::Hourly,
            Some("Salary Rate") => RateType::Salary,
            other => {
                raised.push(facts.raise(
                    u,
                    Severity::Error,
                    ExceptionKind::InvalidValue,
                    format!(
                        "user field `rateType` has invalid value {}; paid as \"Hourly Rate\"",
                        other.map_or("null".to_owned(), |t| format!("\"{t}\""))
                    ),
                ));
                RateType::Hourly
            }
        };
        let exempt = rate_type == RateType::Salary && salary_mode == SalaryMode::Exempt;

        // Allocation over everything fetched, so straddling weeks see their earlier days.
        let counted = if config.pto.counts_toward_overtime {
            user.counted_pto()
        } else {
            Vec::new()
        };
        let allocations: Vec<Allocation> = if exempt {
            user.pieces
                .iter()
                .map(|p| Allocation {
                    regular: p.seconds,
                    ..Allocation::default()
                })
                .collect()
        } else {
            allocate(rule, &calendar, &user.pieces, &counted)
        };

        let mut hours = PeriodHours::default();
        let mut by_day: BTreeMap<NaiveDate, DayRow> = BTreeMap::new();
        let mut weeks: BTreeMap<NaiveDate, WeekHours> = BTreeMap::new();
        let mut salaried_week: Option<(NaiveDate, i64)> = None;
        let hours_per_week = config.salary.hours_per_week.seconds;
        for (piece, a) in user.pieces.iter().zip(&allocations) {
            let week = calendar.workweek_start(piece.workday);
            let w = weeks.entry(week).or_default();
            w.worked += piece.seconds;
            // Regular seconds past the salaried week, in time order per workweek.
            let done = match salaried_week {
                Some((wk, done)) if wk == week => done,
                _ => 0,
            };
            let beyond = (done + a.regular - hours_per_week.max(done)).clamp(0, a.regular);
            salaried_week = Some((week, done + a.regular));
            if !period.contains(piece.workday) {
                continue;
            }
            w.overtime += a.overtime;
            w.double_time += a.double_time;
            hours.regular += a.regular;
            hours.overtime += a.overtime;
            hours.double_time += a.double_time;
            hours.regular_beyond_salaried_week += beyond;
            let day = by_day
                .entry(piece.workday)
                .or_insert_with(|| DayRow::new(&facts.user_name[u], piece.workday));
            day.regular += a.regular;
            day.overtime += a.overtime;
            day.double_time += a.double_time;
        }
        hours.weeks = weeks
            .into_iter()
            .filter(|(_, w)| w.overtime > 0 || w.double_time > 0)
            .map(|(_, w)| w)
            .collect();
        for p in user.pto.iter().filter(|p| in_period(&p.workday)) {
            hours.pto_hours += p.value;
            by_day
                .entry(p.workday)
                .or_insert_with(|| DayRow::new(&facts.user_name[u], p.workday))
                .pto += p.value;
        }
        hours.adjustment_hours = user
            .adjustment_hours
            .iter()
            .filter(|p| in_period(&p.workday))
            .map(|p| p.value)
            .sum();
        hours.adjustment_amount = user
            .adjustment_amounts
            .iter()
            .filter(|p| in_period(&p.workday))
            .map(|p| p.value)
            .sum();

        let pay_rate = facts.pay_rate[u].unwrap_or(Decimal::ZERO);
        let needs_rate = rate_type == RateType::Salary
            || hours.regular + hours.overtime + hours.double_time > 0
            || !hours.pto_hours.is_zero()
            || !hours.adjustment_hours.is_zero();
        if pay_rate.is_zero() && needs_rate {
            raised.push(facts.raise(
                u,
                Severity::Error,
                ExceptionKind::MissingPayRate,
                format!(
                    "payRate is {}; pay is computed at 0.00",
                    facts.pay_rate[u].map_or("empty".to_owned(), |r| r.to_string())
                ),
            ));
        }
        let pay: PayLines = price(
            &hours,
            &Terms {
                rate_type,
                pay_rate,
                salary_mode,
                salary: &config.salary,
                frequency: config.pay_period.frequency,
                ot_multiplier: rule.ot_multiplier,
                dt_multiplier: rule.dt_multiplier,
            },
        );
        summary.push(SummaryRow {
            period_start: period.start,
            period_end: period.end,
            user_name: facts.user_name[u].clone(),
            employee_number: facts.employee_number[u].clone(),
            user_full_name: facts.full_name[u].clone(),
            department_name: facts.department[u].clone(),
            rate_type: facts.rate_type[u].clone(),
            pay_rate: facts.pay_rate[u],
            overtime_rule: rule_name,
            time_zone: zones[u].tz.name().to_owned(),
            hours,
            pay,
            exceptions: 0,
        });
        days.extend(by_day.into_values());
    }

    // Exceptions: ingest's, then the rules'; only those of this period.
    let calendar_zone = Workdays {
        tz: default_zone,
        start: config.company.workday_start.0,
    };
    let mut exceptions: Vec<Exception> = joined
        .exceptions
        .iter()
        .filter(|e| {
            e.in_date_time
                .as_deref()
                .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
                .is_none_or(|t| period.contains(calendar_zone.of_wall(t)))
        })
        .cloned()
        .collect();
    let listed: std::collections::HashSet<Option<&str>> =
        summary.iter().map(|s| s.user_name.as_deref()).collect();
    exceptions.extend(
        raised
            .into_iter()
            .filter(|r| r.workday.is_none_or(|d| period.contains(d)))
            .filter(|r| r.workday.is_some() || listed.contains(&r.exception.user_name.as_deref()))
            .map(|r| r.exception),
    );
    exceptions.sort_by(|a, b| {
        (
            a.severity,
            a.kind,
            &a.user_name,
            &a.in_date_time,
            &a.message,
        )
            .cmp(&(
                b.severity,
                b.kind,
                &b.user_name,
                &b.in_date_time,
                &b.message,
            ))
    });
    let mut per_user: HashMap<&str, u32> = HashMap::new();
    for e in &exceptions {
        if let Some(name) = e.user_name.as_deref() {
            *per_user.entry(name).or_default() += 1;
        }
    }
    for row in &mut summary {
        row.exceptions = row
            .user_name
            .as_deref()
            .and_then(|n| per_user.get(n))
            .copied()
            .unwrap_or(0);
    }
    Ok(PayrollRun {
        period: *period,
        summary,
        days,
        exceptions,
    })
}

fn resolve_rule<'c>(
    config: &'c Config,
    name: Option<&str>,
    user: &str,
    raised: &mut Vec<Raised>,
    facts: &UserFacts,
    u: usize,
) -> Result<(String, &'c OvertimeRule), RulesError> {
    let wanted = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("default");
    if let Some(rule) = config.overtime_rules.get(wanted) {
        return Ok((wanted.to_owned(), rule));
    }
    let Some(default) = config.overtime_rules.get("default") else {
        let configured: Vec<&str> = config.overtime_rules.keys().map(String::as_str).collect();
        return Err(RulesError::NoDefaultRule {
            user: user.to_owned(),
            wanted: wanted.to_owned(),
            configured: if configured.is_empty() {
                "none".into()
            } else {
                configured.join(", ")
            },
        });
    };
    raised.push(facts.raise(
        u,
        Severity::Error,
        ExceptionKind::UnknownOvertimeRule,
        format!(
            "overTimeRule \"{wanted}\" is not configured under [overtime_rules]; `default` is used"
        ),
    ));
    Ok(("default".to_owned(), default))
}

impl PayrollRun {
    /// The period's four output frames, with the columns of SPEC §9.
    pub fn report(&self) -> PolarsResult<Report> {
        Report::build(self)
    }
}
