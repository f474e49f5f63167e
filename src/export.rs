//! Payroll-provider exports: a period's pay in the layout a provider's
//! import expects (`--export NAME` writes `export_NAME.csv`).
//!
//! An export is a [`Profile`]: one row per employee (`layout = "wide"`) or
//! per employee and earning code (`"long"`); which columns, in which order,
//! each column's value; the provider's earning code of each pay line kind;
//! how employees are identified; the date format. The built-in profiles
//! ([`BUILT_IN`]) are written in the same model as the `[exports.<name>]`
//! tables of `payrun.toml`, so a bureau adds a provider without code.
//!
//! Figures come from the pay lines, summed per employee and kind: hours
//! exact until rounded once to the profile's decimals, amounts in cents as
//! the lines carry them (so they add up to gross pay). Nothing is dropped
//! silently: an employee with no identifier, or pay of a kind the profile
//! has no place for, is an error exception (`export_unidentified`,
//! `export_unmapped`) and never a blank or partial row.
//!
//! Every export is reconciled with payrun's pay, person by person (see
//! [`reconcile`]): the regular-rate premium a provider that prices hours
//! would miss travels in the file as an amount, or the person is left out
//! (`export_unreconciled`); `export_NAME.reconcile.csv` shows each person's
//! figures.
//!
//! It is long because the built-in profiles, the column values they share
//! and the one writer of every layout belong together (the reconciliation
//! is `export/reconcile.rs`); the last quarter is tests.

pub mod reconcile;

use std::collections::{BTreeMap, HashMap};

use payrun_ingest::{Exception, ExceptionKind, Severity, UserId};
use payrun_rules::apportion::share;
use payrun_rules::{PayKind, PayrollRun, RulesConfig, Status};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// `[payroll_provider]`: values the provider assigns to the company.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    /// The provider's code for the company (ADP's `Co Code`).
    pub company_code: Option<String>,
    /// The batch the rows belong to (ADP's `Batch ID`).
    pub batch_id: Option<String>,
}

/// One row per employee, or per employee and earning code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One row per employee.
    #[default]
    Wide,
    /// One row per employee and pay line kind with hours or money.
    Long,
}

/// The kinds of exception the exports raise (design §6).
pub mod kinds {
    use payrun_ingest::ExceptionKind;

    /// An employee a payroll-provider export cannot identify; left out of it.
    pub const EXPORT_UNIDENTIFIED: ExceptionKind = ExceptionKind::new(12, "export_unidentified");

    /// Pay of a kind a payroll-provider export has no place for.
    pub const EXPORT_UNMAPPED: ExceptionKind = ExceptionKind::new(13, "export_unmapped");

    /// An employee whose pay the provider would price differently from
    /// payrun (a regular-rate premium the layout cannot carry), or whose
    /// pay is held; left out of the export.
    pub const EXPORT_UNRECONCILED: ExceptionKind = ExceptionKind::new(14, "export_unreconciled");

    /// Every kind the exports raise.
    pub const ALL: [ExceptionKind; 3] = [EXPORT_UNIDENTIFIED, EXPORT_UNMAPPED, EXPORT_UNRECONCILED];
}

/// How the provider knows an employee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identify {
    /// Q2's `employeeNumber`.
    #[default]
    EmployeeNumber,
    /// `[users."<userName>"] provider_id`.
    ProviderId,
    /// Q2's `userName`.
    UserName,
    /// The full name (providers that match by name).
    FullName,
    /// `[users."<userName>"] provider_id` where one is configured, else the
    /// first and last name (`first_name`, `last_name`): providers that
    /// take either, as Gusto's CSV upload does.
    ProviderIdOrName,
}

/// One column: its header and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileColumn {
    /// The header, exactly as the provider's import expects it.
    pub header: String,
    /// What the column holds; see [`Value`].
    pub value: String,
}

/// `[exports.<name>]`: one export layout.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Wide or long.
    #[serde(default)]
    pub layout: Layout,
    /// How employees are identified (the `employee_id` value).
    #[serde(default)]
    pub identify: Identify,
    /// How dates are written (`chrono` format), default `%Y-%m-%d`.
    #[serde(default = "default_date_format")]
    pub date_format: String,
    /// Decimals of hours and money, default 2.
    #[serde(default = "default_decimals")]
    pub decimals: u32,
    /// The columns, in order.
    pub columns: Vec<ProfileColumn>,
    /// The provider's earning code of each pay line kind
    /// (`salary`, `regular`, `overtime`, `double_time`, `pto`, `adjustment`, `bonus`).
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
    /// Kinds the provider computes itself and that are deliberately not
    /// exported (a salary the provider pays from its own records).
    #[serde(default)]
    pub omit: Vec<String>,
    /// Write employees with nothing to pay (every figure zero), default false.
    #[serde(default)]
    pub include_zero: bool,
    /// Write a zero figure as `0.00` rather than leave the cell empty
    /// (default false: several providers read a zero as "replace what was
    /// entered by hand", an empty cell as "nothing to import").
    #[serde(default)]
    pub write_zeros: bool,
    /// The identifier must be 1 to this many digits (ADP's `File #`: 6);
    /// any other is refused, the employee left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id_digits: Option<u32>,
    /// Long layouts: one row per workday and earning code, dated by the
    /// `work_date` value, rather than one per period (QuickBooks time
    /// activities are each one day's time). Each kind's hours as written
    /// for the period are shared across its workdays (largest remainder),
    /// so the rows add up to the period's figure exactly.
    #[serde(default)]
    pub per_workday: bool,
}

fn default_date_format() -> String {
    "%Y-%m-%d".to_owned()
}

fn default_decimals() -> u32 {
    2
}

/// The built-in profiles: name, the provider document each follows, and
/// the profile in `payrun.toml` form.
///
/// * `adp_wfn` follows ADP Workforce Now, *Importing Paydata* (version 7.1,
///   ADP, LLC), chapter 3 "Understanding Paydata Import Files", and the field
///   list of ADP's Automated Paydata Integration: `Co Code`, `Batch ID` and
///   `File #` first, then `Reg Hours`, `O/T Hours`, `Hours 3/4 Code` and
///   `Amount`, `Earnings 3/4 Code` and `Amount`. ADP names upload files
///   `EPI<co code><batch>.csv`; rename `export_adp_wfn.csv` when uploading.
/// * `gusto` follows the Gusto Help Center's "Run payroll with CSV upload",
///   which matches employees by name or by Gusto employee ID
///   (column titles `first_name`, `last_name`, `gusto_employee_id`,
///   `regular_hours`, `overtime_hours`, `bonus`, `correction_payment`);
///   `double_overtime_hours` is Gusto's double-overtime earning, which that
///   article's list of optional fields does not name.
/// * `quickbooks` follows the QuickBooks Online time activity fields as the
///   QuickBooks Online import tools list them (Zed Systems, "How to import
///   timesheets into QuickBooks Online using Axis Online"; iClassPro, "How
///   do I use Time Clock with QuickBooks Payroll Services"): `Txn Date`
///   ("the date of the time activity": one row per workday, see
///   [`Profile::per_workday`]), `Name Of`, `Employee Vendor Ref Name`
///   (First Last), `Payroll Item Ref` (which must name the company's
///   QuickBooks payroll items), `Duration` as hh:mm.
/// * `long` is provider-neutral.
pub const BUILT_IN: [(&str, &str, &str); 4] = [
    (
        "adp_wfn",
        "ADP Workforce Now, \"Importing Paydata\" (version 7.1, ADP, LLC), chapter 3 \
         \"Understanding Paydata Import Files\"; field list of ADP's Automated Paydata \
         Integration (apps.adp.com, app 372723)",
        r#"
layout = "wide"
identify = "employee_number"
employee_id_digits = 6
omit = ["salary"]
columns = [
  { header = "Co Code", value = "company_code" },
  { header = "Batch ID", value = "batch_id" },
  { header = "File #", value = "employee_id" },
  { header = "Reg Hours", value = "hours:regular" },
  { header = "O/T Hours", value = "hours:overtime" },
  { header = "Hours 3 Code", value = "code:double_time" },
  { header = "Hours 3 Amount", value = "hours:double_time" },
  { header = "Hours 4 Code", value = "code:pto" },
  { header = "Hours 4 Amount", value = "hours:pto" },
  { header = "Earnings 3 Code", value = "code:bonus" },
  { header = "Earnings 3 Amount", value = "amount:bonus" },
  { header = "Earnings 4 Code", value = "code:adjustment" },
  { header = "Earnings 4 Amount", value = "amount:adjustment" },
  { header = "Earnings 5 Code", value = "code:premium" },
  { header = "Earnings 5 Amount", value = "amount:premium" },
]
[codes]
double_time = "D"
pto = "V"
bonus = "B"
adjustment = "A"
premium = "P"
"#,
    ),
    (
        "gusto",
        "Gusto Help Center, \"Run payroll with CSV upload\" (support.gusto.com, article \
         999914471000000): column titles and formatting guidelines for regular payrolls",
        r#"
layout = "wide"
identify = "provider_id_or_name"
omit = ["salary"]
columns = [
  { header = "first_name", value = "first_name" },
  { header = "last_name", value = "last_name" },
  { header = "gusto_employee_id", value = "provider_id" },
  { header = "regular_hours", value = "hours:regular" },
  { header = "overtime_hours", value = "hours:overtime" },
  { header = "double_overtime_hours", value = "hours:double_time" },
  { header = "bonus", value = "amount:bonus" },
  { header = "correction_payment", value = "amount:adjustment+meal_premium+minimum_wage+premium" },
]
"#,
    ),
    (
        "quickbooks",
        "QuickBooks Online time activities as imported by the QuickBooks Online import \
         tools (field list in Zed Systems, \"How to import timesheets into QuickBooks Online \
         using Axis Online\", support.zed-systems.com kb a375): Txn Date, Name Of, Employee \
         Vendor Ref Name (First Last), Payroll Item Ref, Duration (hh:mm), Description",
        r#"
layout = "long"
per_workday = true
identify = "full_name"
date_format = "%m/%d/%Y"
omit = ["salary"]
columns = [
  { header = "Txn Date", value = "work_date" },
  { header = "Name Of", value = "text:Employee" },
  { header = "Employee Vendor Ref Name", value = "employee_id" },
  { header = "Payroll Item Ref", value = "code" },
  { header = "Duration", value = "hours_hhmm" },
  { header = "Description", value = "text:payrun pay period" },
]
[codes]
regular = "Regular Pay"
overtime = "Overtime Pay"
double_time = "Double Overtime Pay"
pto = "Paid Time Off"
"#,
    ),
    (
        "long",
        "provider-neutral: one row per employee and earning code, every figure payrun \
         computed, for any provider's mapping tool",
        r#"
layout = "long"
identify = "employee_number"
columns = [
  { header = "employee_id", value = "employee_id" },
  { header = "user_name", value = "user_name" },
  { header = "full_name", value = "full_name" },
  { header = "department", value = "department" },
  { header = "period_start", value = "period_start" },
  { header = "period_end", value = "period_end" },
  { header = "earning_code", value = "code" },
  { header = "kind", value = "kind" },
  { header = "hours", value = "hours" },
  { header = "amount", value = "amount" },
]
[codes]
salary = "SALARY"
regular = "REG"
overtime = "OT"
double_time = "DT"
pto = "PTO"
adjustment = "ADJ"
bonus = "BONUS"
meal_premium = "MEAL"
minimum_wage = "MINWAGE"
"#,
    ),
];

/// The kinds a pay line can have, by name.
const KINDS: [PayKind; 9] = PayKind::ALL;

fn kind_named(name: &str) -> Option<PayKind> {
    KINDS.into_iter().find(|k| k.as_str() == name)
}

/// The name of the regular-rate premium in `amount:` and `code:` values
/// and `codes` (see [`reconcile`]).
const PREMIUM: &str = "premium";

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `company_code`, `batch_id` (`[payroll_provider]`).
    CompanyCode,
    /// `batch_id`.
    BatchId,
    /// `employee_id`: as the profile's `identify` says.
    EmployeeId,
    /// `user_name`, `employee_number`, `full_name`, `first_name` and
    /// `last_name` (the time cards' `firstName` and `lastName`; where a
    /// person's cards have neither, all but the last word of the full name,
    /// and its last word), `provider_id` (`[users."<userName>"]
    /// provider_id`, or empty), `department`.
    Field(&'static str),
    /// `period_start`, `period_end`.
    PeriodStart,
    /// The period's last day.
    PeriodEnd,
    /// `work_date`: the row's workday in a `per_workday` layout, the
    /// period's last day otherwise.
    WorkDate,
    /// `text:<literal>`.
    Text(String),
    /// `hours:<kind>[+<kind>...]`.
    Hours(Vec<PayKind>),
    /// `amount:<kind>[+<kind>...]`, or `amount:gross`; `true` when the list
    /// names `premium` (the regular-rate premium the export carries).
    Amount(Vec<PayKind>, bool),
    /// `code:<kind>`: the kind's earning code when the employee has any of it.
    CodeOf(PayKind),
    /// `code:premium`: the premium's code when the employee has one.
    PremiumCode,
    /// Long layout: `code`, `kind`, `hours`, `hours_hhmm`, `amount`.
    Line(&'static str),
}

impl Value {
    /// Parses a column's `value`.
    pub fn parse(text: &str, layout: Layout) -> Result<Value, String> {
        let kinds = |list: &str| -> Result<Vec<PayKind>, String> {
            list.split('+')
                .map(|k| {
                    kind_named(k.trim()).ok_or_else(|| {
                        format!(
                            "`{k}` is not a pay line kind (salary, regular, overtime, double_time, pto, adjustment, bonus, meal_premium, minimum_wage)"
                        )
                    })
                })
                .collect()
        };
        let value = match text.split_once(':') {
            Some(("text", literal)) => Value::Text(literal.to_owned()),
            Some(("hours", list)) => Value::Hours(kinds(list)?),
            Some(("amount", "gross")) => Value::Amount(KINDS.to_vec(), false),
            Some(("amount", list)) => {
                let premium = list.split('+').any(|k| k.trim() == PREMIUM);
                let rest: Vec<&str> = list.split('+').filter(|k| k.trim() != PREMIUM).collect();
                let kinds = if rest.is_empty() {
                    Vec::new()
                } else {
                    kinds(&rest.join("+"))?
                };
                Value::Amount(kinds, premium)
            }
            Some(("code", PREMIUM)) => Value::PremiumCode,
            Some(("code", kind)) => Value::CodeOf(kinds(kind)?[0]),
            _ => match text {
                "company_code" => Value::CompanyCode,
                "batch_id" => Value::BatchId,
                "employee_id" => Value::EmployeeId,
                "period_start" => Value::PeriodStart,
                "period_end" => Value::PeriodEnd,
                "work_date" => Value::WorkDate,
                "user_name" => Value::Field("user_name"),
                "employee_number" => Value::Field("employee_number"),
                "full_name" => Value::Field("full_name"),
                "first_name" => Value::Field("first_name"),
                "last_name" => Value::Field("last_name"),
                "provider_id" => Value::Field("provider_id"),
                "department" => Value::Field("department"),
                "code" | "kind" | "hours" | "hours_hhmm" | "amount" if layout == Layout::Long => {
                    Value::Line(match text {
                        "code" => "code",
                        "kind" => "kind",
                        "hours" => "hours",
                        "hours_hhmm" => "hours_hhmm",
                        _ => "amount",
                    })
                }
                "code" | "kind" | "hours" | "hours_hhmm" | "amount" => {
                    return Err(format!(
                        "`{text}` is a value of long layouts (layout = \"long\")"
                    ));
                }
                _ => {
                    return Err(format!(
                        "`{text}` is not a column value: company_code, batch_id, employee_id, \
                         user_name, employee_number, full_name, first_name, last_name, provider_id, department, \
                         period_start, period_end, work_date, text:<literal>, hours:<kind>, amount:<kind>, \
                         amount:gross, code:<kind>; in long layouts also code, kind, hours, \
                         hours_hhmm, amount"
                    ));
                }
            },
        };
        Ok(value)
    }
}

impl Profile {
    /// Checks every column value and kind name, and that every kind the
    /// profile places has a code where a column needs one.
    pub fn check(&self, name: &str) -> Result<(), ExportError> {
        let fail = |message: String| ExportError::Profile {
            profile: name.to_owned(),
            message,
        };
        self.values(name)?;
        for kind in self
            .codes
            .keys()
            .filter(|k| *k != PREMIUM)
            .chain(&self.omit)
        {
            kind_named(kind).ok_or_else(|| fail(format!("`{kind}` is not a pay line kind")))?;
        }
        if self.columns.is_empty() {
            return Err(fail("has no columns".into()));
        }
        if self.per_workday && self.layout != Layout::Long {
            return Err(fail(
                "per_workday = true needs layout = \"long\" (one row per workday and earning code)"
                    .into(),
            ));
        }
        if self.employee_id_digits == Some(0) {
            return Err(fail(
                "employee_id_digits = 0 would refuse every employee".into(),
            ));
        }
        if self.decimals > 6 {
            return Err(fail(format!(
                "decimals = {} is more than 6 (hours and money are exact to the second and the cent)",
                self.decimals
            )));
        }
        Ok(())
    }

    /// What each column holds, in order.
    pub fn values(&self, name: &str) -> Result<Vec<Value>, ExportError> {
        self.columns
            .iter()
            .map(|column| {
                Value::parse(&column.value, self.layout).map_err(|m| ExportError::Profile {
                    profile: name.to_owned(),
                    message: format!("column \"{}\": {m}", column.header),
                })
            })
            .collect()
    }

    /// The kinds this profile has a place for, given its column `values`.
    fn placed(&self, values: &[Value]) -> Vec<PayKind> {
        let mut placed = Vec::new();
        for value in values {
            match value {
                Value::Hours(kinds) | Value::Amount(kinds, _) => placed.extend(kinds),
                Value::Line(_) => placed.extend(
                    KINDS
                        .into_iter()
                        .filter(|k| self.codes.contains_key(k.as_str())),
                ),
                _ => {}
            }
        }
        placed
    }
}

/// The profile called `name`: from `[exports.<name>]`, else built in.
pub fn profile(name: &str, configured: &BTreeMap<String, Profile>) -> Result<Profile, ExportError> {
    if let Some(p) = configured.get(name) {
        p.check(name)?;
        return Ok(p.clone());
    }
    let Some((_, _, text)) = BUILT_IN.iter().find(|(n, _, _)| *n == name) else {
        let mut names: Vec<&str> = BUILT_IN.iter().map(|(n, _, _)| *n).collect();
        names.extend(configured.keys().map(String::as_str));
        return Err(ExportError::UnknownProfile {
            name: name.to_owned(),
            known: names.join(", "),
        });
    };
    let p: Profile = toml::from_str(text).map_err(|e| ExportError::Profile {
        profile: name.to_owned(),
        message: format!("built in: {e}"),
    })?;
    p.check(name)?;
    Ok(p)
}

/// Why an export could not be written at all (a person it cannot write
/// is an exception of the run, not an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// No profile has the name.
    #[error("no export profile is called `{name}`; there are: {known}")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The names there are, comma-separated.
        known: String,
    },
    /// A profile is not well formed: a column's value, a kind, a key.
    #[error("[exports.{profile}]: {message}")]
    Profile {
        /// The profile.
        profile: String,
        /// What is wrong with it.
        message: String,
    },
    /// A column needs a `[payroll_provider]` value that is not configured.
    #[error(
        "export {export} fills its \"{column}\" column from [payroll_provider] {key}, which is not configured"
    )]
    MissingProviderValue {
        /// The export.
        export: String,
        /// The column's header.
        column: String,
        /// The `[payroll_provider]` key.
        key: &'static str,
    },
}

/// One export's file and the exceptions it raised.
#[derive(Debug, Clone)]
pub struct Exported {
    /// `export_<name>.csv`.
    pub file_name: String,
    /// The file's text.
    pub csv: String,
    /// `export_<name>.reconcile.csv`.
    pub reconcile_file_name: String,
    /// Each person's pay reconciled with what the provider will pay
    /// ([`reconcile`]): `employee_id`, `user_name`, `full_name`,
    /// `payrun_pays`, `provider_prices`, `premium_carried`, `difference`
    /// (0.00 for everyone written) and `outcome`.
    pub reconcile_csv: String,
    /// The reconciliation's totals, for the manifest.
    pub reconciled: Reconciliation,
    /// Employees left out, and pay the layout has no place for.
    pub exceptions: Vec<(usize, Exception)>,
}

/// An export's reconciliation in totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// People written.
    pub written: usize,
    /// People left out (not identified, held, or a premium not carried).
    pub left_out: usize,
    /// What payrun pays the people written, of the kinds the file sends.
    pub payrun_pays: Decimal,
    /// The premiums carried, summed (can be negative).
    pub premium_carried: Decimal,
}

/// What a long layout's row is of: a pay line kind, or the premium.
#[derive(Debug, Clone, Copy)]
enum Earning {
    Kind(PayKind),
    Premium,
}

/// Per employee: hours and cents by kind.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    hours: [Decimal; KINDS.len()],
    amount: [Decimal; KINDS.len()],
}

fn slot(kind: PayKind) -> usize {
    kind.index()
}

/// Money as text with two decimals, rounded half away from zero (`0.00`).
pub fn cents(d: Decimal) -> String {
    rounded(d, 2)
}

fn rounded(d: Decimal, decimals: u32) -> String {
    let mut r = d.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(decimals);
    r.to_string()
}

/// Hours as `h:mm`, rounded to the minute.
fn hhmm(hours: Decimal) -> String {
    let minutes = (hours * Decimal::from(60))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_string()
        .parse::<i64>()
        .unwrap_or(0);
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// Minutes as `h:mm`.
fn minutes_hhmm(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.abs();
    format!("{sign}{}:{:02}", m / 60, m % 60)
}

/// One workday's part of a kind's figures, in a per-workday row.
#[derive(Debug, Clone, Copy, PartialEq)]
struct DayShare {
    date: chrono::NaiveDate,
    /// Hours at the profile's decimals.
    hours: Decimal,
    /// Whole minutes (for `hours_hhmm`).
    minutes: i64,
    /// Money at the profile's decimals.
    amount: Decimal,
}

/// A kind's period figures as written, shared across the person's
/// workdays in proportion to the day's hours of that tier (regular,
/// overtime, double time, PTO), each part in the unit the file writes (a
/// minute, or `10^-decimals` of an hour or a dollar) by largest remainder, so
/// that the rows add up to the period's figure exactly and reconcile as
/// the one row would. A kind with no hours by day (adjustments, bonuses),
/// or a tier none of whose hours fall on a workday of the period (a
/// straddling week's premium), is one row on the period's last day.
fn day_shares(
    kind: PayKind,
    f: &Figures,
    days: &[&payrun_rules::DayRow],
    decimals: u32,
    period_end: chrono::NaiveDate,
) -> Vec<DayShare> {
    let weight = |d: &payrun_rules::DayRow| -> i128 {
        match kind {
            PayKind::Regular => i128::from(d.regular),
            PayKind::Overtime => i128::from(d.overtime),
            PayKind::DoubleTime => i128::from(d.double_time),
            PayKind::Pto => (d.pto * Decimal::from(3600)).trunc().mantissa(),
            _ => 0,
        }
    };
    let weighted: Vec<(chrono::NaiveDate, i128)> = days
        .iter()
        .map(|d| (d.work_date, weight(d).max(0)))
        .filter(|(_, w)| *w > 0)
        .collect();
    let (hours, amount) = (f.hours[slot(kind)], f.amount[slot(kind)]);
    let units = |d: Decimal, scale: u32| -> i128 {
        let mut r = d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
        r.rescale(scale);
        r.mantissa()
    };
    let minutes = (hours * Decimal::from(60))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .mantissa();
    if weighted.is_empty() {
        return vec![DayShare {
            date: period_end,
            hours: hours.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero),
            minutes: i64::try_from(minutes).unwrap_or(0),
            amount: amount.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero),
        }];
    }
    let weights: Vec<i128> = weighted.iter().map(|(_, w)| *w).collect();
    let hour_parts = share(units(hours, decimals), &weights);
    let minute_parts = share(minutes, &weights);
    let amount_parts = share(units(amount, decimals), &weights);
    weighted
        .iter()
        .enumerate()
        .map(|(i, (date, _))| DayShare {
            date: *date,
            hours: Decimal::from_i128_with_scale(hour_parts[i], decimals),
            minutes: i64::try_from(minute_parts[i]).unwrap_or(0),
            amount: Decimal::from_i128_with_scale(amount_parts[i], decimals),
        })
        .collect()
}

/// A CSV field, quoted when it must be.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

impl Identify {
    /// What the identifier is, in a message.
    fn what(self) -> &'static str {
        match self {
            Identify::EmployeeNumber => "employeeNumber",
            Identify::ProviderId => "provider_id",
            Identify::UserName => "userName",
            Identify::FullName => "full name",
            Identify::ProviderIdOrName => "first and last name",
        }
    }
}

/// A person's first and last name: the time cards' `firstName` and
/// `lastName`, or, where their cards have neither, the full name split
/// before its last word.
fn given_names(row: &payrun_rules::SummaryRow) -> (String, String) {
    if row.first_name.is_some() || row.last_name.is_some() {
        let trimmed = |n: &Option<String>| n.as_deref().unwrap_or("").trim().to_owned();
        return (trimmed(&row.first_name), trimmed(&row.last_name));
    }
    let full = row.user_full_name.as_deref().unwrap_or("").trim();
    match full.rsplit_once(' ') {
        Some((first, last)) => (first.trim().to_owned(), last.to_owned()),
        None => (String::new(), full.to_owned()),
    }
}

/// The `[users."<userName>"] provider_id` of `row`'s person, if any.
fn provider_id(row: &payrun_rules::SummaryRow, rules: &RulesConfig) -> Option<String> {
    row.user_name
        .as_ref()
        .and_then(|n| rules.users.get(n))
        .and_then(|u| u.provider_id.as_deref())
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// How `row`'s person is identified in the profile, or why they cannot be:
/// the identifier is empty, or not the digits the profile requires.
fn employee_id(
    profile: &Profile,
    row: &payrun_rules::SummaryRow,
    rules: &RulesConfig,
) -> Result<Identity, String> {
    let id = match profile.identify {
        Identify::EmployeeNumber => row.employee_number.clone(),
        Identify::UserName => row.user_name.clone(),
        Identify::FullName => row.user_full_name.clone(),
        Identify::ProviderId => provider_id(row, rules),
        Identify::ProviderIdOrName => {
            if let Some(id) = provider_id(row, rules) {
                return Ok(Identity {
                    key: format!("id {id}"),
                    shown: id,
                });
            }
            let (first, last) = given_names(row);
            if first.is_empty() || last.is_empty() {
                return Err(format!(
                    "it has no [users.\"{}\"] provider_id, and its first or last name is empty",
                    row.user_name.as_deref().unwrap_or("")
                ));
            }
            let shown = format!("{first} {last}");
            return Ok(Identity {
                key: format!("name {}", name_key(&shown)),
                shown,
            });
        }
    }
    .map(|id| id.trim().to_owned())
    .filter(|id| !id.is_empty());
    let Some(id) = id else {
        return Err(match profile.identify {
            Identify::EmployeeNumber => "employeeNumber is empty".to_owned(),
            Identify::UserName => "userName is empty".to_owned(),
            Identify::FullName | Identify::ProviderIdOrName => "userFullName is empty".to_owned(),
            Identify::ProviderId => format!(
                "no [users.\"{}\"] provider_id is configured",
                row.user_name.as_deref().unwrap_or("")
            ),
        });
    };
    if let Some(most) = profile.employee_id_digits
        && !(id.len() <= most as usize && id.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "its {} \"{id}\" is not 1 to {most} digits, as the provider's employee number is",
            profile.identify.what()
        ));
    }
    Ok(Identity {
        key: match profile.identify {
            Identify::FullName => name_key(&id),
            _ => id.clone(),
        },
        shown: id,
    })
}

/// How a person is known to a provider.
#[derive(Debug, Clone)]
struct Identity {
    /// The identifier as written.
    shown: String,
    /// The form in which two identifiers name the same person at the
    /// provider (names compare without regard to case or spacing).
    key: String,
}

/// A name as a provider compares it: case and spacing ignored.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// One person's row or rows of an export: what each column's value
/// writes for them.
struct PersonCells<'a> {
    profile: &'a Profile,
    provider: &'a ProviderConfig,
    rules: &'a RulesConfig,
    run: &'a PayrollRun,
    row: &'a payrun_rules::SummaryRow,
    figures: &'a Figures,
    employee_id: &'a str,
    /// Full, first and last name.
    names: (&'a str, &'a str, &'a str),
    /// The regular-rate premium the file carries for them.
    premium: Decimal,
}

impl PersonCells<'_> {
    /// A figure at the profile's decimals; a zero is an empty cell unless
    /// the profile writes zeros.
    fn figure(&self, d: Decimal) -> String {
        let text = rounded(d, self.profile.decimals);
        if self.profile.write_zeros || !text.trim_start_matches(['-', '0', '.']).is_empty() {
            text
        } else {
            String::new()
        }
    }

    fn has(&self, kind: PayKind) -> bool {
        !self.figures.hours[slot(kind)].is_zero() || !self.figures.amount[slot(kind)].is_zero()
    }

    fn code(&self, name: &str) -> String {
        self.profile.codes.get(name).cloned().unwrap_or_default()
    }

    /// The text of `value` in the row of `line` (a long layout's earning)
    /// on `day` (a per-workday row).
    fn cell(&self, value: &Value, line: Option<Earning>, day: Option<&DayShare>) -> String {
        let (f, row, run, premium) = (self.figures, self.row, self.run, self.premium);
        let decimals = self.profile.decimals;
        let date = |d: chrono::NaiveDate| d.format(&self.profile.date_format).to_string();
        let sum = |kinds: &[PayKind], of: &[Decimal; KINDS.len()]| -> Decimal {
            kinds.iter().map(|k| of[slot(*k)]).sum()
        };
        let (full, first, last) = self.names;
        match value {
            Value::CompanyCode => self.provider.company_code.clone().unwrap_or_default(),
            Value::BatchId => self.provider.batch_id.clone().unwrap_or_default(),
            Value::EmployeeId => self.employee_id.to_owned(),
            Value::Field("user_name") => row.user_name.clone().unwrap_or_default(),
            Value::Field("employee_number") => row.employee_number.clone().unwrap_or_default(),
            Value::Field("full_name") => full.to_owned(),
            Value::Field("first_name") => first.to_owned(),
            Value::Field("last_name") => last.to_owned(),
            Value::Field("provider_id") => provider_id(row, self.rules).unwrap_or_default(),
            Value::Field(_) => row.department_name.clone().unwrap_or_default(),
            Value::PeriodStart => date(run.period.start),
            Value::PeriodEnd => date(run.period.end),
            Value::WorkDate => date(day.map_or(run.period.end, |d| d.date)),
            Value::Text(t) => t.clone(),
            Value::Hours(kinds) => self.figure(sum(kinds, &f.hours)),
            Value::Amount(kinds, with_premium) => {
                let premium = if *with_premium {
                    premium
                } else {
                    Decimal::ZERO
                };
                self.figure(sum(kinds, &f.amount) + premium)
            }
            Value::CodeOf(kind) if self.has(*kind) => self.code(kind.as_str()),
            Value::CodeOf(_) => String::new(),
            Value::PremiumCode if !premium.is_zero() => self.code(PREMIUM),
            Value::PremiumCode => String::new(),
            Value::Line(what) => match line {
                None => String::new(),
                Some(Earning::Premium) => match *what {
                    "code" => self.code(PREMIUM),
                    "kind" => PREMIUM.to_owned(),
                    "hours" => rounded(Decimal::ZERO, decimals),
                    "hours_hhmm" => hhmm(Decimal::ZERO),
                    _ => rounded(premium, decimals),
                },
                Some(Earning::Kind(kind)) => match (*what, day) {
                    ("code", _) => self.code(kind.as_str()),
                    ("kind", _) => kind.as_str().to_owned(),
                    ("hours", Some(d)) => rounded(d.hours, decimals),
                    ("hours", None) => rounded(f.hours[slot(kind)], decimals),
                    ("hours_hhmm", Some(d)) => minutes_hhmm(d.minutes),
                    ("hours_hhmm", None) => hhmm(f.hours[slot(kind)]),
                    (_, Some(d)) => rounded(d.amount, decimals),
                    (_, None) => rounded(f.amount[slot(kind)], decimals),
                },
            },
        }
    }
}

/// Every `[payroll_provider]` value the profile's columns need is set.
fn check_provider_values(
    name: &str,
    profile: &Profile,
    values: &[Value],
    provider: &ProviderConfig,
) -> Result<(), ExportError> {
    for (value, column) in values.iter().zip(&profile.columns) {
        let (setting, key) = match value {
            Value::CompanyCode => (&provider.company_code, "company_code"),
            Value::BatchId => (&provider.batch_id, "batch_id"),
            _ => continue,
        };
        if setting.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Err(ExportError::MissingProviderValue {
                export: name.to_owned(),
                column: column.header.clone(),
                key,
            });
        }
    }
    Ok(())
}

/// Each summary row's hours and amounts by kind, from the pay lines.
fn figures_by_person(run: &PayrollRun) -> Vec<Figures> {
    let mut figures = vec![Figures::default(); run.summary.len()];
    let index: BTreeMap<_, usize> = run
        .summary
        .iter()
        .enumerate()
        .map(|(i, r)| (r.user, i))
        .collect();
    for line in &run.pay_lines {
        if let Some(&i) = index.get(&line.user) {
            let k = slot(line.kind);
            figures[i].hours[k] += line.hours;
            figures[i].amount[k] += line.amount;
        }
    }
    figures
}

/// Writes the `name` export of `run` (rows in summary order). `rules`
/// holds the `[users."<userName>"] provider_id`s. A profile whose columns
/// need a `[payroll_provider]` value that is not configured is an error.
///
/// ```
/// # use payrun::ingest::{PayrollInput, RecordType, decode_records};
/// # use payrun::rules::{PayPeriod, RulesConfig, compute};
/// # let users = decode_records(br#"[{"userName": "ann", "employeeNumber": "7",
/// #     "userFullName": "Ann Adams", "rateType": "Hourly Rate", "payRate": "12.00",
/// #     "timeZone": "UTC"}]"#, RecordType::User)?;
/// # let cards = decode_records(br#"[{"userName": "ann", "entryType": 0,
/// #     "inDateTime": "2024-05-13 08:00:00", "outDateTime": "2024-05-13 18:00:00"}]"#,
/// #     RecordType::TimeCard)?;
/// # let input = PayrollInput::from_frames(&cards.frame, &users.frame, Vec::new())?;
/// # let config = RulesConfig::parse(
/// #     "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n[overtime_rules.default]")?;
/// # let day = |d| chrono::NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
/// # let period = PayPeriod { start: day(12), end: day(18) };
/// // Ann: 10 h on 2024-05-13 at $12.
/// let run = compute(&input, &config, &period)?;
/// let long = payrun::export::profile("long", &Default::default())?;
/// let out = payrun::export::export("long", &long, &run, &config, &Default::default())?;
/// assert_eq!(
///     out.csv.lines().nth(1),
///     Some("7,ann,Ann Adams,,2024-05-12,2024-05-18,REG,regular,10.00,120.00")
/// );
/// // Reconciled with payrun's pay, person by person.
/// assert_eq!(out.reconciled.written, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Long because each person goes through the same steps in order
/// (identify, hold, reconcile, place every kind, write the row or rows),
/// each step using what the earlier ones found for that person.
pub fn export(
    name: &str,
    profile: &Profile,
    run: &PayrollRun,
    rules: &RulesConfig,
    provider: &ProviderConfig,
) -> Result<Exported, ExportError> {
    let values = profile.values(name)?;
    check_provider_values(name, profile, &values, provider)?;
    let figures = figures_by_person(run);
    let ids: Vec<Result<Identity, String>> = run
        .summary
        .iter()
        .map(|row| employee_id(profile, row, rules))
        .collect();
    // An identifier two people share would merge them at the provider.
    let mut sharing: BTreeMap<&str, usize> = BTreeMap::new();
    for id in ids.iter().flatten() {
        *sharing.entry(&id.key).or_default() += 1;
    }
    let placed = profile.placed(&values);
    let omitted: Vec<PayKind> = profile.omit.iter().filter_map(|k| kind_named(k)).collect();
    // The kinds the file sends, each once.
    let sent: Vec<PayKind> = KINDS
        .into_iter()
        .filter(|k| placed.contains(k) && !omitted.contains(k))
        .collect();
    let handover = reconcile::Handover::of(profile, &values);
    let mut reconciliation = String::from(reconcile::HEADER);
    let mut totals = Reconciliation::default();
    let mut reconciled_row = |employee_id: &str,
                              row: &payrun_rules::SummaryRow,
                              figures: Option<reconcile::Reconciled>,
                              carried: Decimal,
                              outcome: &str| {
        if outcome.starts_with("written") {
            totals.written += 1;
            totals.payrun_pays += figures.map_or(Decimal::ZERO, |r| r.payrun);
            totals.premium_carried += carried;
        } else {
            totals.left_out += 1;
        }
        let money = |d: Option<Decimal>| d.map(|d| rounded(d, 2)).unwrap_or_default();
        let cells = [
            employee_id.to_owned(),
            row.user_name.clone().unwrap_or_default(),
            row.user_full_name.clone().unwrap_or_default(),
            money(figures.map(|r| r.payrun)),
            money(figures.map(|r| r.provider)),
            rounded(carried, 2),
            money(figures.map(|r| r.premium() - carried)),
            outcome.to_owned(),
        ];
        let cells: Vec<String> = cells.iter().map(|c| field(c)).collect();
        reconciliation.push_str(&cells.join(","));
        reconciliation.push_str("\r\n");
    };
    let decimals = profile.decimals;
    let mut out = String::new();
    let headers: Vec<String> = profile.columns.iter().map(|c| field(&c.header)).collect();
    out.push_str(&headers.join(","));
    out.push_str("\r\n");
    let mut exceptions = Vec::new();
    // Each person's workdays, for per-workday rows.
    let mut workdays: HashMap<UserId, Vec<&payrun_rules::DayRow>> = HashMap::new();
    if profile.per_workday {
        for day in &run.days {
            workdays.entry(day.user).or_default().push(day);
        }
    }
    for (i, row) in run.summary.iter().enumerate() {
        let f = &figures[i];
        let has = |k: PayKind| !f.hours[slot(k)].is_zero() || !f.amount[slot(k)].is_zero();
        let raise = |kind: ExceptionKind, message: String| Exception {
            severity: Severity::Error,
            kind,
            user_name: row.user_name.clone(),
            user_full_name: row.user_full_name.clone(),
            in_date_time: None,
            out_date_time: None,
            message,
            employee_number: row.employee_number.clone(),
        };
        if !profile.include_zero && !KINDS.into_iter().any(has) {
            continue;
        }
        let full = row.user_full_name.clone().unwrap_or_default();
        let (first, last) = given_names(row);
        let employee_id = match &ids[i] {
            Ok(id) => match sharing.get(id.key.as_str()) {
                Some(&n) if n > 1 => Err(format!(
                    "its {} \"{}\" is {n} people's in this run, and the provider would \
                     merge them",
                    if id.key.starts_with("id ") && profile.identify == Identify::ProviderIdOrName {
                        "provider_id"
                    } else {
                        profile.identify.what()
                    },
                    id.shown
                )),
                _ => Ok(id.shown.clone()),
            },
            Err(why) => Err(why.clone()),
        };
        let employee_id = match employee_id {
            Ok(id) => id,
            Err(how) => {
                reconciled_row("", row, None, Decimal::ZERO, "left out: not identified");
                exceptions.push((
                    i,
                    raise(
                        crate::export::kinds::EXPORT_UNIDENTIFIED,
                        format!(
                            "export {name}: {how}, so this employee's pay ({}) is not in export_{name}.csv; enter it by hand or fix the identifier and run again",
                            row.pay.gross
                        ),
                    ),
                ));
                continue;
            }
        };
        // Held pay is paid by nobody until it is released: a provider
        // sent the hours would price them.
        if row.status == Status::Held {
            exceptions.push((
                i,
                raise(
                    crate::export::kinds::EXPORT_UNRECONCILED,
                    format!(
                        "export {name}: this employee's pay is held (see their other errors), \
                         so their hours are not in export_{name}.csv, where the provider would \
                         price them; they go in once the record is fixed and the period run again"
                    ),
                ),
            ));
            reconciled_row(&employee_id, row, None, Decimal::ZERO, "left out: pay held");
            continue;
        }
        // What the provider will pay for what the file sends, against
        // payrun's figure: the difference travels as the premium, or the
        // person is left out.
        let figures = reconcile::provider_rate(row, rules)
            .map(|rate| reconcile::reconcile(&handover, f, &sent, row, rules, rate));
        let premium = figures.map_or(Decimal::ZERO, |r| r.premium());
        if !premium.is_zero() && !handover.carries_premium {
            let r = figures.expect("a premium comes from a reconciliation");
            exceptions.push((
                i,
                raise(
                    crate::export::kinds::EXPORT_UNRECONCILED,
                    format!(
                        "export {name}: the provider would pay {} for these hours at its rate, \
                         payrun computed {} (regular-rate premium {premium}), and the layout has \
                         no place for the difference; this employee is not in export_{name}.csv: \
                         enter their pay by hand, or use a profile with an amount:premium column",
                        rounded(r.provider, 2),
                        rounded(r.payrun, 2),
                    ),
                ),
            ));
            reconciled_row(
                &employee_id,
                row,
                figures,
                Decimal::ZERO,
                "left out: premium not carried",
            );
            continue;
        }
        // Pay of a kind this layout has no place for is never dropped silently.
        let unplaced: Vec<String> = KINDS
            .into_iter()
            .filter(|k| has(*k) && !placed.contains(k) && !omitted.contains(k))
            .map(|k| {
                format!(
                    "{} ({} h, {})",
                    k.as_str(),
                    rounded(f.hours[slot(k)], 2),
                    rounded(f.amount[slot(k)], 2)
                )
            })
            .collect();
        if !unplaced.is_empty() {
            exceptions.push((
                i,
                raise(
                    crate::export::kinds::EXPORT_UNMAPPED,
                    format!(
                        "export {name} has no place for {}: enter it by hand, or add a column or code to the profile",
                        unplaced.join(", ")
                    ),
                ),
            ));
        }
        let outcome = match (figures.is_some(), unplaced.is_empty()) {
            (true, true) => "written",
            (true, false) => "written; pay it has no place for is entered by hand",
            (false, _) => "written: salaried, priced by the provider",
        };
        reconciled_row(&employee_id, row, figures, premium, outcome);
        let person = PersonCells {
            profile,
            provider,
            rules,
            run,
            row,
            figures: f,
            employee_id: &employee_id,
            names: (&full, &first, &last),
            premium,
        };
        let mut write_row = |line: Option<Earning>, day: Option<&DayShare>| {
            let cells: Vec<String> = values
                .iter()
                .map(|v| field(&person.cell(v, line, day)))
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        };
        match profile.layout {
            Layout::Wide => write_row(None, None),
            Layout::Long => {
                for kind in KINDS {
                    if !(has(kind) && profile.codes.contains_key(kind.as_str())) {
                        continue;
                    }
                    if profile.per_workday {
                        let days = workdays.get(&row.user).map_or(&[][..], Vec::as_slice);
                        for share in day_shares(kind, f, days, decimals, run.period.end) {
                            write_row(Some(Earning::Kind(kind)), Some(&share));
                        }
                    } else {
                        write_row(Some(Earning::Kind(kind)), None);
                    }
                }
                if !premium.is_zero() {
                    write_row(Some(Earning::Premium), None);
                }
            }
        }
    }
    // A preview of a period not yet ended says so in its name.
    let partial = if run.unfinished {
        "_PARTIAL-not-for-payment"
    } else {
        ""
    };
    Ok(Exported {
        file_name: format!("export_{name}{partial}.csv"),
        csv: out,
        reconcile_file_name: format!("export_{name}{partial}.reconcile.csv"),
        reconcile_csv: reconciliation,
        reconciled: totals,
        exceptions,
    })
}

/// Runs every export of `names` on `run`, adding their exceptions to the
/// run (counted on each employee's summary row, whose status becomes
/// `warning` if it was `ok`).
pub fn export_all(
    names: &[String],
    profiles: &BTreeMap<String, Profile>,
    run: &mut PayrollRun,
    rules: &RulesConfig,
    provider: &ProviderConfig,
) -> Result<Vec<Exported>, ExportError> {
    let mut files = Vec::new();
    for name in names {
        let profile = profile(name, profiles)?;
        let exported = export(name, &profile, run, rules, provider)?;
        for (i, exception) in &exported.exceptions {
            let row = &mut run.summary[*i];
            row.exceptions += 1;
            if row.status == Status::Ok {
                row.status = Status::Warning;
            }
            run.exceptions.push(exception.clone());
        }
        files.push(exported);
    }
    payrun_rules::sort_exceptions(&mut run.exceptions);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ann, $20/h: 44 h worked, 8 h of PTO and a $50 money adjustment.
    fn ann() -> (PayrollRun, RulesConfig) {
        let users = r#"[{"userName": "ann", "userFullName": "Ann Marie Adams", "employeeNumber": "7",
                "role": "Employee", "rateType": "Hourly Rate", "payRate": "20.00",
                "timeZone": "America/Chicago", "departmentName": "Kitchen, North"}]"#;
        let mut cards: Vec<String> = (13..=16)
            .map(|d| {
                format!(
                    r#"{{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-{d} 07:00:00", "outDateTime": "2024-05-{d} 18:00:00"}}"#
                )
            })
            .collect();
        cards.push(r#"{"userName": "ann", "entryType": 1, "inDateTime": "2024-05-17 00:00:00", "hours": "8"}"#.into());
        cards.push(r#"{"userName": "ann", "entryType": 2, "adjustHoursAmount": "1", "inDateTime": "2024-05-17 12:00:00", "hours": "50"}"#.into());
        crate::test_support::weekly_run(users, &cards)
    }

    /// ADP's company code and batch, for the tests.
    fn provider() -> ProviderConfig {
        ProviderConfig {
            company_code: Some("CO".into()),
            batch_id: Some("B1".into()),
        }
    }

    fn built_in(name: &str) -> Profile {
        profile(name, &BTreeMap::new()).unwrap()
    }

    #[test]
    fn pay_a_layout_has_no_place_for_is_an_error_not_a_silent_drop() {
        let (run, config) = ann();
        // 40 R + 4 OT at $20 = 800 + 120, PTO 160, adjustment 50: 1130.
        assert_eq!(run.summary[0].pay.gross.to_string(), "1130.00");
        // No provider_id: Gusto matches her by first and last name.
        let out = export(
            "gusto",
            &built_in("gusto"),
            &run,
            &config,
            &ProviderConfig::default(),
        )
        .unwrap();
        assert_eq!(
            out.csv,
            "first_name,last_name,gusto_employee_id,regular_hours,overtime_hours,\
             double_overtime_hours,bonus,correction_payment\r\n\
             Ann Marie,Adams,,40.00,4.00,,,50.00\r\n"
        );
        let messages: Vec<&str> = out
            .exceptions
            .iter()
            .map(|(_, e)| e.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "export gusto has no place for pto (8.00 h, 160.00): enter it by hand, or add a column or code to the profile"
            ]
        );
        // QuickBooks takes the PTO hours, not the money adjustment.
        let out = export(
            "quickbooks",
            &built_in("quickbooks"),
            &run,
            &config,
            &ProviderConfig::default(),
        )
        .unwrap();
        assert!(
            out.csv.contains("Ann Marie Adams,Paid Time Off,8:00,"),
            "{}",
            out.csv
        );
        assert!(
            out.exceptions[0]
                .1
                .message
                .contains("adjustment (0.00 h, 50.00)")
        );
        // The long layout has a code for everything; a comma is quoted.
        let out = export(
            "long",
            &built_in("long"),
            &run,
            &config,
            &ProviderConfig::default(),
        )
        .unwrap();
        assert!(out.exceptions.is_empty());
        assert!(out.csv.contains("7,ann,Ann Marie Adams,\"Kitchen, North\",2024-05-12,2024-05-18,ADJ,adjustment,0.00,50.00\r\n"), "{}", out.csv);
        let total: Decimal = out
            .csv
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().parse::<Decimal>().unwrap())
            .sum();
        assert_eq!(
            total.to_string(),
            "1130.00",
            "the long rows add up to gross"
        );
    }

    #[test]
    fn a_profile_with_a_wrong_value_or_kind_is_refused_naming_it() {
        let bad: Profile =
            toml::from_str("columns = [{ header = \"H\", value = \"hours:overtme\" }]").unwrap();
        let e = bad.check("mine").unwrap_err().to_string();
        assert!(
            e.starts_with("[exports.mine]: column \"H\": `overtme` is not a pay line kind"),
            "{e}"
        );
        let wide_code: Profile =
            toml::from_str("columns = [{ header = \"C\", value = \"code\" }]").unwrap();
        assert!(
            wide_code
                .check("w")
                .unwrap_err()
                .to_string()
                .contains("long layouts")
        );
        let many: Profile = toml::from_str(
            "decimals = 4294967295\ncolumns = [{ header = \"H\", value = \"hours:regular\" }]",
        )
        .unwrap();
        assert_eq!(
            many.check("d").unwrap_err().to_string(),
            "[exports.d]: decimals = 4294967295 is more than 6 (hours and money are exact to the \
             second and the cent)"
        );
        assert_eq!(hhmm(Decimal::new(7_9900, 4)), "7:59");
        assert_eq!(hhmm(Decimal::new(7_9917, 4)), "8:00");
        assert_eq!(hhmm(Decimal::new(8_0000, 4)), "8:00");
        assert_eq!(field("a\"b"), "\"a\"\"b\"");
    }

    /// People the provider would take for one: two users with the same
    /// full name (QuickBooks identifies by name), whatever the case and
    /// spacing; two with one employeeNumber. Both are left out with an
    /// `export_unidentified` error, never merged.
    #[test]
    fn an_identifier_two_people_share_leaves_both_out() {
        let users = r#"[
            {"userName": "rosa1", "userFullName": "Rosa Hughes", "employeeNumber": "11", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"},
            {"userName": "rosa2", "userFullName": "rosa  HUGHES", "employeeNumber": "12", "rateType": "Hourly Rate", "payRate": "25.00", "timeZone": "UTC"},
            {"userName": "tom", "userFullName": "Tom Lee", "employeeNumber": "12", "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC"}]"#;
        let cards = crate::test_support::a_day_each(&["rosa1", "rosa2", "tom"]);
        let (run, config) = crate::test_support::weekly_run(users, &cards);
        let provider = provider();
        let left_out = |out: &Exported| -> Vec<(String, String)> {
            out.exceptions
                .iter()
                .map(|(_, e)| {
                    assert_eq!(e.kind, crate::export::kinds::EXPORT_UNIDENTIFIED);
                    (e.user_name.clone().unwrap(), e.message.clone())
                })
                .collect()
        };
        let qb = export(
            "quickbooks",
            &built_in("quickbooks"),
            &run,
            &config,
            &provider,
        )
        .unwrap();
        assert_eq!(
            qb.csv,
            "Txn Date,Name Of,Employee Vendor Ref Name,Payroll Item Ref,Duration,Description\r\n\
             05/13/2024,Employee,Tom Lee,Regular Pay,8:00,payrun pay period\r\n"
        );
        let out = left_out(&qb);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0],
            (
                "rosa1".to_owned(),
                "export quickbooks: its full name \"Rosa Hughes\" is 2 people's in this run, and \
                 the provider would merge them, so this employee's pay (160.00) is not in \
                 export_quickbooks.csv; enter it by hand or fix the identifier and run again"
                    .to_owned()
            )
        );
        assert_eq!(out[1].0, "rosa2");
        // By employeeNumber, the two who share "12" are out and Rosa One is in.
        let adp = export("adp_wfn", &built_in("adp_wfn"), &run, &config, &provider).unwrap();
        assert_eq!(
            adp.csv.lines().skip(1).collect::<Vec<_>>(),
            ["CO,B1,11,8.00,,,,,,,,,,,"]
        );
        let out = left_out(&adp);
        assert_eq!(
            out.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(),
            ["rosa2", "tom"]
        );
        assert!(
            out[0].1.contains("employeeNumber \"12\" is 2 people's"),
            "{}",
            out[0].1
        );
    }

    /// Gusto matches by first and last name where no provider_id is set:
    /// the time cards' `firstName`/`lastName` ("Mary Ann" / "Van Dyke"),
    /// not the full name split on its last word; the full name only for
    /// a person whose cards have neither. Two people with one name (any
    /// case or spacing) are both left out; a provider_id keeps its person
    /// apart (and is written as gusto_employee_id).
    #[test]
    fn gusto_identifies_by_the_cards_first_and_last_names() {
        let users = r#"[
            {"userName": "mary", "userFullName": "Mary Ann Van Dyke", "employeeNumber": "1", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"},
            {"userName": "jo1", "userFullName": "Jo Park", "employeeNumber": "2", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"},
            {"userName": "jo2", "userFullName": "jo  park", "employeeNumber": "3", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"},
            {"userName": "jo3", "userFullName": "Jo Park", "employeeNumber": "4", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"},
            {"userName": "lee", "userFullName": "Lee Kim Ho", "employeeNumber": "5", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"}]"#;
        let card = |user: &str, names: &str| {
            format!(
                r#"{{"userName": "{user}", {names} "entryType": 0, "inDateTime": "2024-05-13 08:00:00", "outDateTime": "2024-05-13 16:00:00"}}"#
            )
        };
        let cards = [
            card(
                "mary",
                r#""firstName": "Mary Ann", "lastName": "Van Dyke","#,
            ),
            card("jo1", r#""firstName": "Jo", "lastName": "Park","#),
            card("jo2", r#""firstName": "JO", "lastName": "park","#),
            card("jo3", r#""firstName": "Jo", "lastName": "Park","#),
            card("lee", ""),
        ];
        let (run, config) = crate::test_support::weekly_run_with(
            users,
            &cards,
            "[users.\"jo3\"]\nprovider_id = \"g-77\"\n",
        );
        let gusto = export("gusto", &built_in("gusto"), &run, &config, &provider()).unwrap();
        assert_eq!(
            gusto.csv.lines().skip(1).collect::<Vec<_>>(),
            [
                "Jo,Park,g-77,8.00,,,,",
                "Lee Kim,Ho,,8.00,,,,",
                "Mary Ann,Van Dyke,,8.00,,,,"
            ]
        );
        let left_out: Vec<(&str, &str)> = gusto
            .exceptions
            .iter()
            .map(|(_, e)| (e.user_name.as_deref().unwrap(), e.message.as_str()))
            .collect();
        assert_eq!(
            left_out.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
            ["jo1", "jo2"]
        );
        assert!(
            left_out[0]
                .1
                .starts_with("export gusto: its first and last name \"Jo Park\" is 2 people's"),
            "{}",
            left_out[0].1
        );
        assert!(
            gusto.reconcile_csv.contains(
                "\r\nMary Ann Van Dyke,mary,Mary Ann Van Dyke,160.00,160.00,0.00,0.00,written\r\n"
            ),
            "{}",
            gusto.reconcile_csv
        );
    }

    /// QuickBooks time activities are each one day's: a row per workday
    /// and payroll item, dated on the day. Three days of 7:20:20 are 22:01
    /// for the period (22 h 1 min exactly); the days' minutes, apportioned
    /// by largest remainder (a tie to the earlier day), are 7:21, 7:20,
    /// 7:20 and add up to it, so the file prices as the period's one row
    /// would.
    #[test]
    fn quickbooks_dates_each_row_on_its_workday_and_the_rows_add_up() {
        let users = r#"[{"userName": "ivy", "userFullName": "Ivy Stone", "employeeNumber": "9", "rateType": "Hourly Rate", "payRate": "30.00", "timeZone": "UTC"}]"#;
        let cards: Vec<String> = (13..=15)
            .map(|d| {
                format!(
                    r#"{{"userName": "ivy", "entryType": 0, "inDateTime": "2024-05-{d} 08:00:00", "outDateTime": "2024-05-{d} 15:20:20"}}"#
                )
            })
            .collect();
        let (run, config) = crate::test_support::weekly_run(users, &cards);
        let qb = export(
            "quickbooks",
            &built_in("quickbooks"),
            &run,
            &config,
            &provider(),
        )
        .unwrap();
        assert_eq!(
            qb.csv.lines().skip(1).collect::<Vec<_>>(),
            [
                "05/13/2024,Employee,Ivy Stone,Regular Pay,7:21,payrun pay period",
                "05/14/2024,Employee,Ivy Stone,Regular Pay,7:20,payrun pay period",
                "05/15/2024,Employee,Ivy Stone,Regular Pay,7:20,payrun pay period",
            ]
        );
        // 22:01 at $30 is 660.50; payrun pays 22.0167 h at $30, 660.50.
        assert!(
            qb.reconcile_csv
                .ends_with("Ivy Stone,ivy,Ivy Stone,660.50,660.50,0.00,0.00,written\r\n"),
            "{}",
            qb.reconcile_csv
        );
    }

    /// Each layer owns its kinds; together they have one name and one
    /// rank each, and list in design §6's order.
    #[test]
    fn every_kind_of_every_layer_has_its_own_name_and_rank() {
        let mut all: Vec<ExceptionKind> = payrun_rules::kinds::ALL.to_vec();
        all.extend(kinds::ALL);
        let names: std::collections::BTreeSet<&str> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), all.len());
        all.sort();
        let ranks: Vec<&str> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(ranks.len(), 24);
        assert_eq!(
            &ranks[..3],
            ["open_punch", "non_positive_duration", "long_shift"]
        );
        assert_eq!(
            &ranks[12..15],
            [
                "export_unidentified",
                "export_unmapped",
                "export_unreconciled"
            ]
        );
        assert_eq!(ranks[20], "unused_setting");
        assert_eq!(ranks.last(), Some(&"meal_premium"));
        assert!(
            payrun_ingest::kinds::ALL
                .iter()
                .all(|k| payrun_rules::kinds::ALL.contains(k))
        );
    }

    /// ADP's File # is 1 to 6 digits: any other employeeNumber is refused.
    #[test]
    fn an_adp_file_number_is_one_to_six_digits() {
        let users = r#"[
            {"userName": "a", "userFullName": "A A", "employeeNumber": "EMP-0001234", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"},
            {"userName": "b", "userFullName": "B B", "employeeNumber": "1234567", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"},
            {"userName": "c", "userFullName": "C C", "employeeNumber": "000042", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"}]"#;
        let cards = crate::test_support::a_day_each(&["a", "b", "c"]);
        let (run, config) = crate::test_support::weekly_run(users, &cards);
        let provider = provider();
        let adp = export("adp_wfn", &built_in("adp_wfn"), &run, &config, &provider).unwrap();
        assert_eq!(
            adp.csv.lines().skip(1).collect::<Vec<_>>(),
            ["CO,B1,000042,8.00,,,,,,,,,,,"]
        );
        let messages: Vec<&str> = adp
            .exceptions
            .iter()
            .map(|(_, e)| e.message.as_str())
            .collect();
        assert_eq!(messages.len(), 2);
        assert!(
            messages[0].starts_with(
                "export adp_wfn: its employeeNumber \"EMP-0001234\" is not 1 to 6 digits"
            ),
            "{}",
            messages[0]
        );
        assert!(messages[1].contains("\"1234567\" is not 1 to 6 digits"));
    }

    /// The 778.115 example: 40 h welding at $15 (`[jobs."Welding"]`), 5 h
    /// helping at the $12 `payRate`; payrun pays 696.67. A provider sent
    /// hours prices them at $12: 40 x 12 + 5 x 18 = 570.00, so the export
    /// carries the 126.67 difference (ADP `Earnings 5` code `P`, Gusto's
    /// `correction_payment`), or leaves the person out (QuickBooks time
    /// activities carry hours only); the long layout sends amounts and
    /// needs none. Every reconcile file says so, to the cent.
    #[test]
    fn every_export_pays_payruns_gross_or_leaves_the_person_out() {
        let users = r#"[{"userName": "ann", "userFullName": "Ann Adams", "employeeNumber": "7",
                "rateType": "Hourly Rate", "payRate": "12.00", "timeZone": "UTC"}]"#;
        let mut cards: Vec<String> = (13..=17)
            .map(|d| {
                format!(
                    r#"{{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-{d} 08:00:00", "outDateTime": "2024-05-{d} 16:00:00", "jobName": "Welding"}}"#
                )
            })
            .collect();
        cards.push(r#"{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-18 08:00:00", "outDateTime": "2024-05-18 13:00:00", "jobName": "Helping"}"#.into());
        let (run, config) =
            crate::test_support::weekly_run_with(users, &cards, "[jobs.\"Welding\"]\nrate = 15\n");
        assert_eq!(run.summary[0].pay.gross.to_string(), "696.67");
        let provider = provider();
        let adp = export("adp_wfn", &built_in("adp_wfn"), &run, &config, &provider).unwrap();
        assert_eq!(
            adp.csv.lines().nth(1).unwrap(),
            "CO,B1,7,40.00,5.00,,,,,,,,,P,126.67"
        );
        assert_eq!(
            adp.reconcile_csv,
            "employee_id,user_name,full_name,payrun_pays,provider_prices,premium_carried,difference,outcome\r\n\
             7,ann,Ann Adams,696.67,570.00,126.67,0.00,written\r\n"
        );
        assert_eq!(
            adp.reconciled,
            Reconciliation {
                written: 1,
                left_out: 0,
                payrun_pays: Decimal::new(69667, 2),
                premium_carried: Decimal::new(12667, 2),
            }
        );
        let out = export("gusto", &built_in("gusto"), &run, &config, &provider).unwrap();
        assert_eq!(
            out.csv.lines().nth(1).unwrap(),
            "Ann,Adams,,40.00,5.00,,,126.67"
        );
        let qb = export(
            "quickbooks",
            &built_in("quickbooks"),
            &run,
            &config,
            &provider,
        )
        .unwrap();
        assert_eq!(qb.csv.lines().count(), 1, "header only: Ann is left out");
        assert_eq!((qb.reconciled.written, qb.reconciled.left_out), (0, 1));
        assert_eq!(
            qb.exceptions[0].1.kind,
            crate::export::kinds::EXPORT_UNRECONCILED
        );
        assert!(
            qb.exceptions[0].1.message.starts_with(
                "export quickbooks: the provider would pay 570.00 for these hours at its rate, \
                 payrun computed 696.67 (regular-rate premium 126.67)"
            ),
            "{}",
            qb.exceptions[0].1.message
        );
        assert!(
            qb.reconcile_csv
                .ends_with("Ann Adams,696.67,570.00,0.00,126.67,left out: premium not carried\r\n")
        );
        let long = export("long", &built_in("long"), &run, &config, &provider).unwrap();
        assert!(
            long.reconcile_csv
                .ends_with("696.67,696.67,0.00,0.00,written\r\n")
        );
        // A provider_rate other than payRate is the rate priced.
        let mut at_15 = config.clone();
        at_15.users.insert(
            "ann".into(),
            payrun_rules::config::UserOverride {
                provider_rate: Some(Decimal::new(15, 0)),
                ..Default::default()
            },
        );
        let adp = export("adp_wfn", &built_in("adp_wfn"), &run, &at_15, &provider).unwrap();
        // 40 x 15 + 5 x 22.50 = 712.50: the provider pays 15.83 too much.
        assert_eq!(
            adp.csv.lines().nth(1).unwrap(),
            "CO,B1,7,40.00,5.00,,,,,,,,,P,-15.83"
        );
    }
}
