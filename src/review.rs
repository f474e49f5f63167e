//! The review page: `report.html`, one self-contained file a payroll
//! administrator reads before submitting the period, on screen or printed.
//!
//! It opens with what is not paid: the people whose pay is held and the
//! time cards excluded or held from pay, each with why. Then the period's
//! totals, the comparison with the last period (when its folder is known),
//! overtime by department and by workweek as inline SVG bar charts, the
//! people with the most overtime, the register of every person (sortable
//! and filterable by a few lines of inline script; a plain table without
//! it), unapproved time, and the exceptions grouped by kind. It loads
//! nothing: no font, image, script or style sheet from anywhere, so it
//! reads the same from a disk, a mail attachment or a printer, and at
//! 400 px (wide tables scroll inside their box). Figures are the
//! summary's: each total is the sum of the `payroll_summary` column it
//! names.
//!
//! It is long because the page is one document (its sections, style and
//! script, each section a function); the last quarter is tests.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::NaiveDate;
use payrun_ingest::{ExceptionKind, Severity};
use payrun_rules::{PayrollRun, Status, SummaryRow};

use crate::overview::Overview;
use polars::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::audit::{AuditError, RunFolder};

/// The sum of a `Decimal(18, 2)` column of `frame`, in hundredths.
pub fn column_total(frame: &DataFrame, column: &str) -> i128 {
    frame
        .column(column)
        .ok()
        .and_then(|c| c.decimal().ok().map(|d| d.physical().sum().unwrap_or(0)))
        .unwrap_or(0)
}

/// `123456789` hundredths as `1,234,567.89`.
pub fn grouped(hundredths: i128) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{:02}", abs % 100)
}

/// Text made safe inside HTML elements and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the page must never contain: anything that would load or send
/// something from elsewhere (its one script is inline and reads nothing).
pub const NOTHING_REMOTE: [&str; 9] = [
    "http:",
    "https:",
    "<link",
    "src=",
    "@import",
    "url(",
    "fetch(",
    "XMLHttpRequest",
    "import(",
];

/// Exceptions listed per kind before "and N more".
const LISTED_PER_KIND: usize = 10;
pub use crate::overview::{HELD_LISTED, REGISTER_LISTED, TOP_PEOPLE};
/// People listed whose gross changed by more than a quarter.
const CHANGES_LISTED: usize = 50;

/// What the review page shows beyond the run itself. A manifest records
/// it, so a replay writes the same page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageContext {
    /// The Q2 `companyId` the time cards were read from, when known.
    pub company_id: Option<String>,
    /// The last period's figures, when its run folder is known.
    pub compared_with: Option<Comparison>,
}

/// This period against the last one: totals, and the people whose gross
/// changed by more than 25%.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The last period's run folder, as given or found.
    pub folder: String,
    /// The last period.
    pub period_start: NaiveDate,
    /// Its last day.
    pub period_end: NaiveDate,
    /// People in each payroll: last period, this one.
    pub people: (usize, usize),
    /// Gross pay: last period, this one.
    pub gross: (Decimal, Decimal),
    /// Overtime cost (overtime and double-time pay): last period, this one.
    pub overtime_cost: (Decimal, Decimal),
    /// How many people in both payrolls had their gross change by more
    /// than 25% (from $0 to anything counts).
    pub changed: usize,
    /// The largest of those changes, largest first (at most 50).
    pub largest: Vec<GrossChange>,
}

/// One person's gross in two periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrossChange {
    /// `userName`.
    pub user_name: Option<String>,
    /// `employeeNumber`.
    pub employee_number: Option<String>,
    /// `userFullName`.
    pub user_full_name: Option<String>,
    /// Gross pay last period.
    pub was: Decimal,
    /// Gross pay this period.
    pub now: Decimal,
}

type PersonKey = (Option<String>, Option<String>);

impl Comparison {
    /// `run` against the run in `previous` ([`Comparing`] with every row).
    pub fn between(previous: &RunFolder, run: &PayrollRun) -> Result<Comparison, AuditError> {
        let mut comparing = Comparing::open(previous)?;
        comparing.add(&run.summary);
        Ok(comparing.finish())
    }
}

/// A [`Comparison`] being made: the last period's summary read, this
/// period's rows added a block at a time.
#[derive(Debug, Clone)]
pub struct Comparing {
    folder: String,
    period: payrun_rules::PayPeriod,
    /// The last period's people, rows, gross and overtime cost.
    was_people: usize,
    was_gross: Decimal,
    was_cost: Decimal,
    /// Each person's gross last period (`None`: two rows had their key).
    was: HashMap<PersonKey, Option<Decimal>>,
    /// How many of this period's rows have each key of `was`.
    now_people: HashMap<PersonKey, usize>,
    /// Those in both whose gross moved by more than a quarter.
    moved: Vec<GrossChange>,
    people: usize,
    gross: Decimal,
    overtime_cost: Decimal,
}

impl Comparing {
    /// Reads the `payroll_summary` of the run in `previous` (checked
    /// against its manifest). A person is matched by userName and employee
    /// number; two rows with the same pair are matched to nobody.
    pub fn open(previous: &RunFolder) -> Result<Comparing, AuditError> {
        let table = previous.table("payroll_summary")?;
        let at = |name: &str| {
            table.column(name).ok_or_else(|| AuditError {
                path: previous.dir.join("payroll_summary"),
                message: format!("has no {name} column"),
            })
        };
        let (user, number, gross, ot, dt) = (
            at("user_name")?,
            at("employee_number")?,
            at("gross_pay")?,
            at("overtime_pay")?,
            at("double_time_pay")?,
        );
        let money = |row: &[Option<String>], i: usize, name: &str| -> Result<Decimal, AuditError> {
            let text = row[i].as_deref().unwrap_or("0");
            text.parse::<Decimal>().map_err(|e| AuditError {
                path: previous.dir.join("payroll_summary"),
                message: format!(
                    "row of {}: {name} {text:?}: {e}",
                    row[user].as_deref().unwrap_or("")
                ),
            })
        };
        let mut was_gross = Decimal::ZERO;
        let mut was_cost = Decimal::ZERO;
        let mut was: HashMap<PersonKey, Option<Decimal>> = HashMap::new();
        for row in &table.rows {
            let g = money(row, gross, "gross_pay")?;
            was_gross += g;
            was_cost += money(row, ot, "overtime_pay")? + money(row, dt, "double_time_pay")?;
            was.entry((row[user].clone(), row[number].clone()))
                .and_modify(|v| *v = None)
                .or_insert(Some(g));
        }
        Ok(Comparing {
            folder: previous.dir.display().to_string(),
            period: previous.period,
            was_people: table.rows.len(),
            was_gross,
            was_cost,
            was,
            now_people: HashMap::new(),
            moved: Vec::new(),
            people: 0,
            gross: Decimal::ZERO,
            overtime_cost: Decimal::ZERO,
        })
    }

    /// Adds this period's next summary rows.
    pub fn add(&mut self, rows: &[SummaryRow]) {
        self.people += rows.len();
        for r in rows {
            self.gross += r.pay.gross;
            self.overtime_cost += r.pay.overtime + r.pay.double_time;
            let key = (r.user_name.clone(), r.employee_number.clone());
            let Some(before) = self.was.get(&key) else {
                continue;
            };
            let before = *before;
            *self.now_people.entry(key).or_default() += 1;
            let Some(before) = before else {
                continue;
            };
            let moved = (r.pay.gross - before).abs() * Decimal::from(4) > before.abs()
                || (before.is_zero() && !r.pay.gross.is_zero());
            if moved {
                self.moved.push(GrossChange {
                    user_name: r.user_name.clone(),
                    employee_number: r.employee_number.clone(),
                    user_full_name: r.user_full_name.clone(),
                    was: before,
                    now: r.pay.gross,
                });
            }
        }
    }

    /// The comparison, once every row is added.
    pub fn finish(self) -> Comparison {
        let now_people = &self.now_people;
        let mut changes: Vec<GrossChange> = self
            .moved
            .into_iter()
            .filter(|c| {
                now_people.get(&(c.user_name.clone(), c.employee_number.clone())) == Some(&1)
            })
            .collect();
        let changed = changes.len();
        changes.sort_by(|a, b| {
            (b.now - b.was)
                .abs()
                .cmp(&(a.now - a.was).abs())
                .then(a.user_name.cmp(&b.user_name))
                .then(a.employee_number.cmp(&b.employee_number))
        });
        changes.truncate(CHANGES_LISTED);
        Comparison {
            folder: self.folder,
            period_start: self.period.start,
            period_end: self.period.end,
            people: (self.was_people, self.people),
            gross: (self.was_gross, self.gross),
            overtime_cost: (self.was_cost, self.overtime_cost),
            changed,
            largest: changes,
        }
    }
}

/// The run folder of the period just before `period` among the siblings
/// of `out` (folders beside it holding a `manifest.json` whose period ends
/// the day before `period` starts); the latest computed when several do.
pub fn find_previous(out: &std::path::Path, period: &payrun_rules::PayPeriod) -> Option<RunFolder> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let this = std::fs::canonicalize(out).ok();
    let day_before = period.start.pred_opt()?;
    std::fs::read_dir(parent)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|dir| dir.join("manifest.json").is_file())
        .filter(|dir| this.is_none() || std::fs::canonicalize(dir).ok() != this)
        .filter_map(|dir| RunFolder::open(&dir).ok())
        .filter(|run| run.period.end == day_before)
        .max_by_key(|run| (run.as_of, run.dir.clone()))
}

/// Seconds as hours with two decimals, grouped: `1,234.50`.
fn hours(seconds: i64) -> String {
    money((Decimal::from(seconds) / Decimal::from(3600)).round_dp(2))
}

/// A two-decimal figure, grouped: `4,488.62`.
fn money(d: Decimal) -> String {
    grouped((d.round_dp(2) * Decimal::ONE_HUNDRED).trunc().mantissa())
}

/// A horizontal bar chart as inline SVG: one labelled bar per item.
fn bar_chart(title: &str, items: &[(String, Decimal)], unit: &str) -> String {
    if items.is_empty() {
        return format!("<p class=\"none\">{}: none.</p>", escape(title));
    }
    let (label_w, bar_w, row_h) = (190.0, 330.0, 22.0);
    let height = row_h * items.len() as f64 + 8.0;
    let max = items
        .iter()
        .map(|(_, v)| v.to_string().parse::<f64>().unwrap_or(0.0))
        .fold(0.0_f64, f64::max);
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 640 {height}\" width=\"100%\">",
        escape(title),
        escape(title)
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let v = value.to_string().parse::<f64>().unwrap_or(0.0);
        let w = if max > 0.0 {
            (v / max * bar_w).max(1.0)
        } else {
            1.0
        };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{}</text>\
             <rect x=\"{}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" class=\"bar\"><title>{}: {} {unit}</title></rect>\
             <text x=\"{}\" y=\"{}\" class=\"value\">{} {unit}</text>",
            label_w - 6.0,
            y + 15.0,
            escape(label),
            label_w,
            row_h - 6.0,
            escape(label),
            value,
            label_w + w + 6.0,
            y + 15.0,
            value,
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

const STYLE: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;\
color:#1b1f24;max-width:180mm;margin:1.5em auto;padding:0 1em}\
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em;\
border-bottom:1px solid #d0d7de;padding-bottom:.2em}\
table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:.92em}\
th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid #eaeef2;vertical-align:top}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
.totals td.n{font-weight:600}.sub{color:#57606a}\
.error{color:#b42318;font-weight:600}.warning{color:#9a6700;font-weight:600}.info{color:#57606a}\
figure{margin:.5em 0}figcaption{font-weight:600;margin-bottom:.3em}\
svg .bar{fill:#2f6fb3}svg .label,svg .value{font-size:12px;fill:#1b1f24}\
.none{color:#57606a}details{margin:.3em 0}summary{cursor:pointer}\
.scroll{overflow-x:auto;max-width:100%}td{overflow-wrap:break-word}\
#register th{cursor:pointer;white-space:nowrap}#register th[aria-sort=ascending]::after{content:' ▲'}\
#register th[aria-sort=descending]::after{content:' ▼'}.ok{color:#1a7f37}\
#register-filter{width:100%;max-width:24em;box-sizing:border-box;font:inherit;padding:.3em .5em;margin:.3em 0}\
@page{size:auto;margin:12mm}\
@media print{body{margin:0;max-width:none;font-size:11px}details{display:block}\
details>summary{list-style:none}h2{break-after:avoid}tr,figure{break-inside:avoid}\
.scroll{overflow:visible}#register-filter{display:none}}";

/// The review page of a computed period. `as_of` is when its input was
/// read; `context` what the page shows beyond the run.
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
/// let overview = payrun::overview::Overview::of(&run)?;
/// let page = payrun::review::review_page(&overview, chrono::Utc::now(), &Default::default());
/// assert!(page.contains(r#"<td class="n" id="gross-pay">$120.00</td>"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn review_page(
    run: &Overview,
    as_of: chrono::DateTime<chrono::Utc>,
    context: &PageContext,
) -> String {
    let mut html = String::new();
    let h = &mut html;
    let period = format!("{} to {}", run.period.start, run.period.end);
    // A period not yet ended when its cards were read is a preview.
    let partial = if run.unfinished {
        "PARTIAL — not for payment: "
    } else {
        ""
    };
    let company = context
        .company_id
        .as_deref()
        .map(|id| format!("company {} · ", escape(id)))
        .unwrap_or_default();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{partial}Payroll review {company}{period}</title><style>{STYLE}</style></head><body>\
         <h1>{partial}Payroll review</h1><p class=\"sub\">{company}pay period {period} · time cards as of {} · \
         payrun {}</p>",
        as_of.format("%Y-%m-%d %H:%M UTC"),
        env!("CARGO_PKG_VERSION")
    );

    // Held pay and time cards kept out of pay first: who, and why, before
    // any total is trusted.
    // An error on a time card means the card was excluded from pay, or
    // held, or changed: each is listed with its hours and why.
    let kept_out: Vec<&payrun_ingest::Exception> = run
        .exceptions
        .iter()
        .filter(|e| e.severity == Severity::Error && e.in_date_time.is_some())
        .collect();
    held_section(h, run, &kept_out);

    totals_section(h, run, kept_out.len());
    if let Some(comparison) = &context.compared_with {
        comparison_section(h, comparison);
    }
    overtime_section(h, run);
    most_overtime_section(h, run);
    register_section(h, run);
    unapproved_section(h, run);
    shared_names_section(h, run);
    exceptions_section(h, run);
    // Wide tables scroll inside their box, never the page.
    let mut html = html
        .replace("<table", "<div class=\"scroll\"><table")
        .replace("</table>", "</table></div>");
    html.push_str(REGISTER_SCRIPT);
    html.push_str("<p class=\"sub\">Every figure is in payroll_summary, department_summary, pay_lines and exceptions (CSV and Parquet) beside this page; `payrun explain` tells why a person's pay is what it is.</p></body></html>\n");
    html
}

/// The period's totals, each the sum of its `payroll_summary` column.
fn totals_section(h: &mut String, run: &Overview, kept_out: usize) {
    // Totals.
    let total = |column: &str| run.total(column);
    let cost = total("overtime_pay") + total("double_time_pay");
    let rows: [(&str, &str, String); 13] = [
        ("people", "People in the payroll", run.people.to_string()),
        ("paid", "People paid (gross above $0)", run.paid.to_string()),
        ("held", "People with pay held", run.held.to_string()),
        (
            "kept-out",
            "Time cards excluded or held from pay",
            kept_out.to_string(),
        ),
        (
            "regular-hours",
            "Regular hours",
            grouped(total("regular_hours")),
        ),
        (
            "overtime-hours",
            "Overtime hours",
            grouped(total("overtime_hours")),
        ),
        (
            "double-time-hours",
            "Double-time hours",
            grouped(total("double_time_hours")),
        ),
        ("pto-hours", "PTO hours", grouped(total("pto_hours"))),
        (
            "unapproved-hours",
            "Unapproved hours",
            grouped(total("unapproved_hours")),
        ),
        (
            "overtime-cost",
            "Overtime cost (OT + DT pay)",
            format!("${}", grouped(cost)),
        ),
        (
            "adjustment-pay",
            "Adjustments and bonuses",
            format!("${}", grouped(total("adjustment_pay"))),
        ),
        (
            "premium-pay",
            "Meal-period premiums",
            format!("${}", grouped(total("premium_pay"))),
        ),
        (
            "gross-pay",
            "Gross pay",
            format!("${}", grouped(total("gross_pay"))),
        ),
    ];
    h.push_str("<h2>Totals</h2><table class=\"totals\"><tbody>");
    for (id, label, value) in rows {
        let _ = write!(
            h,
            "<tr><th>{label}</th><td class=\"n\" id=\"{id}\">{value}</td></tr>"
        );
    }
    h.push_str("</tbody></table>");
}

/// Overtime and double-time hours by department and by workweek, as bar charts.
fn overtime_section(h: &mut String, run: &Overview) {
    // Overtime by department and by week.
    let departments = &run.departments;
    let mut by_department: Vec<(String, Decimal)> = Vec::new();
    if let (Ok(names), Ok(ot), Ok(dt)) = (
        departments
            .column("department_name")
            .and_then(|c| c.str().cloned()),
        departments
            .column("overtime_hours")
            .and_then(|c| c.decimal().cloned()),
        departments
            .column("double_time_hours")
            .and_then(|c| c.decimal().cloned()),
    ) {
        for i in 0..departments.height() {
            let hundredths = ot.physical().get(i).unwrap_or(0) + dt.physical().get(i).unwrap_or(0);
            if hundredths != 0 {
                let name = names.get(i).filter(|n| !n.is_empty()).unwrap_or("(none)");
                by_department.push((
                    name.to_owned(),
                    Decimal::from_i128_with_scale(hundredths, 2),
                ));
            }
        }
    }
    by_department.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let by_week: Vec<(String, Decimal)> = run
        .overtime_by_week
        .iter()
        .map(|(w, v)| (*w, *v))
        .filter(|(_, v)| !v.is_zero())
        .map(|(w, v)| (format!("week of {w}"), v.round_dp(2)))
        .collect();
    h.push_str("<h2>Overtime</h2>");
    h.push_str(&bar_chart(
        "Overtime and double-time hours by department",
        &by_department,
        "h",
    ));
    h.push_str(&bar_chart(
        "Overtime and double-time hours by workweek",
        &by_week,
        "h",
    ));
}

/// The people with the most overtime.
fn most_overtime_section(h: &mut String, run: &Overview) {
    let people = &run.most_overtime;
    let _ = write!(h, "<h2>Most overtime</h2>");
    if people.is_empty() {
        h.push_str("<p class=\"none\">Nobody worked overtime.</p>");
    } else {
        h.push_str(
            "<table><thead><tr><th>Person</th><th>Department</th><th>Rule</th>\
             <th class=\"n\">Overtime h</th><th class=\"n\">Double time h</th>\
             <th class=\"n\">Overtime cost</th><th class=\"n\">Gross pay</th></tr></thead><tbody>",
        );
        for r in people.iter().take(TOP_PEOPLE) {
            let _ = write!(
                h,
                "<tr><td>{} <span class=\"sub\">{}</span></td><td>{}</td><td>{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">${}</td><td class=\"n\">${}</td></tr>",
                escape(r.user_full_name.as_deref().unwrap_or("")),
                escape(r.user_name.as_deref().unwrap_or("")),
                escape(r.department_name.as_deref().unwrap_or("")),
                escape(&r.overtime_rule),
                hours(r.hours.overtime),
                hours(r.hours.double_time),
                money(r.pay.overtime + r.pay.double_time),
                money(r.pay.gross),
            );
        }
        h.push_str("</tbody></table>");
    }
}

/// Unapproved time per person.
fn unapproved_section(h: &mut String, run: &Overview) {
    // Unapproved time.
    let unapproved = &run.unapproved;
    h.push_str("<h2>Unapproved time</h2>");
    if unapproved.is_empty() {
        h.push_str("<p class=\"none\">No unapproved time card in the period (or approvals are not required: see [approvals]).</p>");
    } else {
        h.push_str(
            "<table><thead><tr><th>Person</th><th class=\"n\">Unapproved h</th><th>Status</th></tr></thead><tbody>",
        );
        for r in unapproved {
            let _ = write!(
                h,
                "<tr><td>{} <span class=\"sub\">{}</span></td><td class=\"n\">{}</td><td>{}</td></tr>",
                escape(r.user_full_name.as_deref().unwrap_or("")),
                escape(r.user_name.as_deref().unwrap_or("")),
                hours(r.hours.unapproved),
                r.status.as_str(),
            );
        }
        h.push_str("</tbody></table>");
    }
}

/// People who share a userName.
fn shared_names_section(h: &mut String, run: &Overview) {
    // People who share a userName: a time card naming only that name is
    // paid to neither of them (an unknown_user error on each one's row).
    let mut by_name: BTreeMap<&str, Vec<&SummaryRow>> = BTreeMap::new();
    for r in &run.shared_names {
        if let Some(name) = r.user_name.as_deref() {
            by_name.entry(name).or_default().push(r);
        }
    }
    by_name.retain(|_, rows| rows.len() > 1);
    if !by_name.is_empty() {
        h.push_str(
            "<h2>People who share a userName</h2><p class=\"sub\">A time card that names only \
             the userName (no employeeNumber) cannot be paid to either: it is an unknown_user \
             error below. Give each person a userName of their own in Q2.</p>\
             <table><thead><tr><th>userName</th><th>Person</th><th>Employee number</th>\
             <th class=\"n\">Exceptions</th><th>Status</th></tr></thead><tbody>",
        );
        for (name, rows) in &by_name {
            for r in rows {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    escape(name),
                    escape(r.user_full_name.as_deref().unwrap_or("")),
                    escape(r.employee_number.as_deref().unwrap_or("")),
                    r.exceptions,
                    r.status.as_str(),
                );
            }
        }
        h.push_str("</tbody></table>");
    }
}

/// The exceptions grouped by kind, the first few of each.
fn exceptions_section(h: &mut String, run: &Overview) {
    // Exceptions, grouped by kind: the first few of each; the rest are in
    // exceptions.csv.
    let mut kinds: BTreeMap<(Severity, ExceptionKind), Vec<&payrun_ingest::Exception>> =
        BTreeMap::new();
    for e in &run.exceptions {
        kinds.entry((e.severity, e.kind)).or_default().push(e);
    }
    let _ = write!(h, "<h2>Exceptions ({})</h2>", run.exceptions.len());
    if kinds.is_empty() {
        h.push_str("<p class=\"none\">None.</p>");
    }
    for ((severity, kind), list) in &kinds {
        let _ = write!(
            h,
            "<details open><summary><span class=\"{sev}\">{sev}</span> {kind} ({n})</summary>\
             <table><thead><tr><th>Person</th><th>Time card</th><th>What</th></tr></thead><tbody>",
            sev = severity.as_str(),
            kind = kind.as_str(),
            n = list.len()
        );
        for e in list.iter().take(LISTED_PER_KIND) {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                person(e),
                escape(&card_times(e)),
                escape(&e.message)
            );
        }
        more_rows(h, list.len(), LISTED_PER_KIND, 3, "exceptions.csv");
        h.push_str("</tbody></table></details>");
    }
}

/// Held people and the time cards kept out of pay, each with why.
///
/// Long because it is the Held section's two tables, which share the
/// errors that say why.
fn held_section(h: &mut String, run: &Overview, kept_out: &[&payrun_ingest::Exception]) {
    let held = run.held;
    if held == 0 && kept_out.is_empty() {
        return;
    }
    h.push_str("<h2 id=\"held-pay\">Held</h2>");
    if held > 0 {
        let mut why: HashMap<(Option<&str>, Option<&str>), Vec<&str>> = HashMap::new();
        for e in run
            .exceptions
            .iter()
            .filter(|e| e.severity == Severity::Error)
        {
            let reasons = why
                .entry((e.user_name.as_deref(), e.employee_number.as_deref()))
                .or_default();
            if reasons.len() < 3 && !reasons.contains(&e.message.as_str()) {
                reasons.push(&e.message);
            }
        }
        let _ = write!(
            h,
            "<p class=\"sub\">{} {} pay held: at $0, or the records named kept out, until \
             the record is fixed in Q2 and the period run again.</p>\
             <table id=\"held-people\"><thead><tr><th>Person</th><th>User name</th>\
             <th>Employee number</th><th class=\"n\">Hours paid</th><th class=\"n\">Gross paid</th>\
             <th>Why</th></tr></thead><tbody>",
            held,
            if held == 1 {
                "person has"
            } else {
                "people have"
            }
        );
        for r in &run.held_listed {
            let reasons = why
                .get(&(r.user_name.as_deref(), r.employee_number.as_deref()))
                .map(|m| m.iter().map(|m| escape(m)).collect::<Vec<_>>().join("<br>"))
                .unwrap_or_default();
            let worked = r.hours.regular + r.hours.overtime + r.hours.double_time;
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">${}</td><td>{}</td></tr>",
                escape(r.user_full_name.as_deref().unwrap_or("")),
                escape(r.user_name.as_deref().unwrap_or("")),
                escape(r.employee_number.as_deref().unwrap_or("")),
                hours(worked),
                money(r.pay.gross),
                reasons,
            );
        }
        more_rows(
            h,
            held,
            HELD_LISTED,
            6,
            "the held rows of payroll_summary.csv",
        );
        h.push_str("</tbody></table>");
    }
    if !kept_out.is_empty() {
        let seconds: i64 = kept_out.iter().filter_map(|e| card_seconds(e)).sum();
        let _ = write!(
            h,
            "<p class=\"sub\">{} time {} excluded or held from pay{}. Their people are paid \
             the rest, with status warning (or held).</p><table id=\"kept-out-cards\"><thead><tr>\
             <th>Person</th><th>Time card</th><th class=\"n\">Hours</th><th>Kind</th><th>Why</th>\
             </tr></thead><tbody>",
            kept_out.len(),
            if kept_out.len() == 1 {
                "card is"
            } else {
                "cards are"
            },
            if seconds > 0 {
                format!(
                    ", {} h of them where both punches are known",
                    hours(seconds)
                )
            } else {
                String::new()
            },
        );
        for e in kept_out.iter().take(HELD_LISTED) {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                person(e),
                escape(&card_times(e)),
                card_seconds(e).map(hours).unwrap_or_else(|| "open".into()),
                e.kind.as_str(),
                escape(&e.message),
            );
        }
        more_rows(
            h,
            kept_out.len(),
            HELD_LISTED,
            5,
            "exceptions.csv (severity error)",
        );
        h.push_str("</tbody></table>");
    }
}

/// "… and N more: see WHERE" as the last row of a table of `columns`.
fn more_rows(h: &mut String, total: usize, listed: usize, columns: usize, place: &str) {
    if total > listed {
        let _ = write!(
            h,
            "<tr><td colspan=\"{columns}\" class=\"sub\">… and {} more: see {place}</td></tr>",
            total - listed
        );
    }
}

/// An exception's person: name, then user name and employee number
/// (several people can share a name).
fn person(e: &payrun_ingest::Exception) -> String {
    let Some(user_name) = e.user_name.as_deref() else {
        return escape(e.user_full_name.as_deref().unwrap_or(""));
    };
    let number = e.employee_number.as_deref().unwrap_or("");
    format!(
        "{} <span class=\"sub\">{}{}{}</span>",
        escape(e.user_full_name.as_deref().unwrap_or("")),
        escape(user_name),
        if number.is_empty() { "" } else { " · #" },
        escape(number)
    )
}

/// An exception's time card as `in → out`.
fn card_times(e: &payrun_ingest::Exception) -> String {
    match (&e.in_date_time, &e.out_date_time) {
        (Some(i), Some(o)) => format!("{i} → {o}"),
        (Some(i), None) => i.clone(),
        _ => String::new(),
    }
}

/// Seconds between an exception's punches, when both are times and the
/// out is after the in.
fn card_seconds(e: &payrun_ingest::Exception) -> Option<i64> {
    let at = |t: &Option<String>| {
        chrono::NaiveDateTime::parse_from_str(t.as_deref()?, "%Y-%m-%d %H:%M:%S").ok()
    };
    let seconds = (at(&e.out_date_time)? - at(&e.in_date_time)?).num_seconds();
    (seconds > 0).then_some(seconds)
}

/// A change as a percentage of `was`, one decimal: `+31.5%`; `new` from $0.
fn percent(was: Decimal, now: Decimal) -> String {
    if was.is_zero() {
        return "from $0".into();
    }
    let p = ((now - was) / was.abs() * Decimal::ONE_HUNDRED).round_dp(1);
    format!("{}{p:.1}%", if p > Decimal::ZERO { "+" } else { "" })
}

/// This period beside the last one.
fn comparison_section(h: &mut String, c: &Comparison) {
    let _ = write!(
        h,
        "<h2 id=\"compared\">Compared with the last period</h2><p class=\"sub\">Pay period \
         {} to {}, from {}.</p><table id=\"comparison\"><thead><tr><th></th>\
         <th class=\"n\">Last period</th><th class=\"n\">This period</th><th class=\"n\">Change</th>\
         </tr></thead><tbody>",
        c.period_start,
        c.period_end,
        escape(&c.folder)
    );
    for (label, (was, now), dollars) in [
        ("Gross pay", c.gross, true),
        ("Overtime cost (OT + DT pay)", c.overtime_cost, true),
        (
            "People in the payroll",
            (Decimal::from(c.people.0), Decimal::from(c.people.1)),
            false,
        ),
    ] {
        let show = |d: Decimal| {
            if dollars {
                format!("${}", money(d))
            } else {
                d.to_string()
            }
        };
        let _ = write!(
            h,
            "<tr><th>{label}</th><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            show(was),
            show(now),
            percent(was, now)
        );
    }
    h.push_str("</tbody></table>");
    if c.changed == 0 {
        h.push_str(
            "<p class=\"none\">Nobody in both payrolls had their gross change by more than 25%.</p>",
        );
        return;
    }
    let _ = write!(
        h,
        "<p class=\"sub\">{} {} in both payrolls had their gross change by more than 25%{}:</p>\
         <table id=\"gross-changes\"><thead><tr><th>Person</th><th class=\"n\">Last period</th>\
         <th class=\"n\">This period</th><th class=\"n\">Change</th></tr></thead><tbody>",
        c.changed,
        if c.changed == 1 { "person" } else { "people" },
        if c.changed > c.largest.len() {
            format!("; the {} largest changes", c.largest.len())
        } else {
            String::new()
        }
    );
    for p in &c.largest {
        let number = p.employee_number.as_deref().unwrap_or("");
        let _ = write!(
            h,
            "<tr><td>{} <span class=\"sub\">{}{}{}</span></td><td class=\"n\">${}</td>\
             <td class=\"n\">${}</td><td class=\"n\">{}</td></tr>",
            escape(p.user_full_name.as_deref().unwrap_or("")),
            escape(p.user_name.as_deref().unwrap_or("")),
            if number.is_empty() { "" } else { " · #" },
            escape(number),
            money(p.was),
            money(p.now),
            percent(p.was, p.now)
        );
    }
    h.push_str("</tbody></table>");
}

/// Every person (up to [`REGISTER_LISTED`]): user name, employee number,
/// department, hours by tier, gross and status.
fn register_section(h: &mut String, run: &Overview) {
    let _ = write!(
        h,
        "<h2 id=\"register-title\">Register</h2><p class=\"sub\">Every person in the payroll{}. \
         Click a column's title to sort by it.</p>\
         <input id=\"register-filter\" type=\"search\" placeholder=\"Filter: name, user name, \
         number, department, status\" aria-label=\"Filter the register\" hidden>\
         <table id=\"register\"><thead><tr><th>Person</th><th>User name</th><th>Employee number</th>\
         <th>Department</th><th class=\"n\">Regular h</th><th class=\"n\">Overtime h</th>\
         <th class=\"n\">Double time h</th><th class=\"n\">Gross pay</th><th>Status</th></tr></thead><tbody>",
        if run.people > REGISTER_LISTED {
            format!(
                " (the first {REGISTER_LISTED} of {} by userName; payroll_summary.csv holds them all)",
                run.people
            )
        } else {
            String::new()
        }
    );
    for r in &run.register {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">${}</td>\
             <td class=\"{}\">{}</td></tr>",
            escape(r.user_full_name.as_deref().unwrap_or("")),
            escape(r.user_name.as_deref().unwrap_or("")),
            escape(r.employee_number.as_deref().unwrap_or("")),
            escape(r.department_name.as_deref().unwrap_or("")),
            hours(r.hours.regular),
            hours(r.hours.overtime),
            hours(r.hours.double_time),
            money(r.pay.gross),
            match r.status {
                Status::Held => "error",
                Status::Warning => "warning",
                Status::Ok => "ok",
            },
            r.status.as_str(),
        );
    }
    h.push_str("</tbody></table>");
}

/// The register's sort and filter: inline, loading nothing. Without
/// script the register is a plain table and the filter stays hidden.
const REGISTER_SCRIPT: &str = "<script>(function(){\
var t=document.getElementById('register');if(!t)return;var b=t.tBodies[0];\
var f=document.getElementById('register-filter');f.hidden=false;\
f.addEventListener('input',function(){var q=f.value.toLowerCase();\
for(var i=0;i<b.rows.length;i++){var r=b.rows[i];r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;}});\
var cells=t.tHead.rows[0].cells;\
for(var c=0;c<cells.length;c++){cells[c].tabIndex=0;cells[c].addEventListener('click',sort);\
cells[c].addEventListener('keydown',function(e){if(e.key==='Enter')sort.call(this);});}\
function sort(){var th=this,i=th.cellIndex,num=th.classList.contains('n');\
var dir=th.getAttribute('aria-sort')==='ascending'?-1:1;\
for(var c=0;c<cells.length;c++)cells[c].removeAttribute('aria-sort');\
th.setAttribute('aria-sort',dir>0?'ascending':'descending');\
var key=function(r){var v=r.cells[i].textContent;return num?parseFloat(v.replace(/[$,]/g,'')):v.toLowerCase();};\
var rows=Array.prototype.slice.call(b.rows);\
rows.sort(function(x,y){var a=key(x),z=key(y);return (a<z?-1:a>z?1:0)*dir;});\
for(var k=0;k<rows.length;k++)b.appendChild(rows[k]);}\
})();</script>";

#[cfg(test)]
mod tests {
    use super::*;

    /// The page of `run`, read at the epoch, with nothing beyond the run.
    fn page_of(run: &PayrollRun) -> String {
        review_page(
            &Overview::of(run).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
            &PageContext::default(),
        )
    }

    /// Two people, one with a name that is markup, 46 h and 38 h at $12.
    fn page() -> String {
        let users = r#"[{"userName": "ann", "userFullName": "<b>Ann & \"Co\"</b>", "employeeNumber": "1",
                  "role": "Employee", "rateType": "Hourly Rate", "payRate": "12.00",
                  "timeZone": "America/Chicago", "departmentName": "Kitchen"},
                 {"userName": "bob", "userFullName": "Bob", "employeeNumber": "2",
                  "role": "Employee", "rateType": "Hourly Rate", "payRate": "12.00",
                  "timeZone": "America/Chicago", "departmentName": "Yard"}]"#;
        let mut cards = Vec::new();
        for (user, hours) in [("ann", [10, 10, 10, 8, 8]), ("bob", [8, 8, 8, 8, 6])] {
            for (i, h) in hours.iter().enumerate() {
                let day = 13 + i;
                cards.push(format!(
                    r#"{{"userName": "{user}", "entryType": 0, "inDateTime": "2024-05-{day} 07:00:00", "outDateTime": "2024-05-{day} {:02}:00:00"}}"#,
                    7 + h
                ));
            }
        }
        cards.push(
            r#"{"userName": "bob", "entryType": 0, "inDateTime": "2024-05-17 09:00:00"}"#.into(),
        );
        let (run, _) = crate::test_support::weekly_run(users, &cards);
        page_of(&run)
    }

    /// Of 13 people with overtime, the ten with the most are listed, most
    /// first, a tie in hours by userName.
    #[test]
    fn the_most_overtime_lists_the_top_ten_in_order() {
        let mut users = Vec::new();
        let mut cards = Vec::new();
        let mut person = |name: String, overtime: u32| {
            users.push(format!(
                r#"{{"userName": "{name}", "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "America/Chicago"}}"#
            ));
            for (i, h) in [8, 8, 8, 8, 8 + overtime].iter().enumerate() {
                let day = 13 + i;
                cards.push(format!(
                    r#"{{"userName": "{name}", "entryType": 0, "inDateTime": "2024-05-{day} 00:00:00", "outDateTime": "2024-05-{day} {h:02}:00:00"}}"#
                ));
            }
        };
        person("q05".into(), 5);
        for i in 1..=12 {
            person(format!("p{i:02}"), i);
        }
        let (run, _) = crate::test_support::weekly_run(&format!("[{}]", users.join(",")), &cards);
        let html = page_of(&run);
        let listed: Vec<&str> = html
            .split("<span class=\"sub\">")
            .skip(1)
            .filter_map(|rest| rest.split('<').next())
            .filter(|name| name.len() == 3)
            .collect();
        assert_eq!(
            listed,
            [
                "p12", "p11", "p10", "p09", "p08", "p07", "p06", "p05", "q05", "p04"
            ]
        );
    }

    #[test]
    fn the_page_holds_the_summary_totals_and_loads_nothing() {
        let html = page();
        // 588.00 + 456.00.
        assert!(
            html.contains("<td class=\"n\" id=\"gross-pay\">$1,044.00</td>"),
            "{html}"
        );
        assert!(html.contains("id=\"regular-hours\">78.00<"));
        assert!(html.contains("id=\"overtime-hours\">6.00<"));
        assert!(html.contains("id=\"overtime-cost\">$108.00<"));
        assert!(html.contains("id=\"people\">2<"));
        for remote in NOTHING_REMOTE {
            assert!(!html.contains(remote), "{remote}");
        }
        // One inline script: the register's sort and filter.
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    }

    #[test]
    fn names_are_text_never_markup_and_charts_and_exceptions_are_there() {
        let html = page();
        assert!(!html.contains("<b>Ann"));
        assert!(html.contains("&lt;b&gt;Ann &amp; &quot;Co&quot;&lt;/b&gt;"));
        // One bar per department with overtime (Kitchen), one per week.
        assert_eq!(html.matches("<rect ").count(), 2);
        assert!(html.contains("<title>Kitchen: 6.00 h</title>"), "{html}");
        assert!(html.contains("week of 2024-05-12"));
        // Bob's open punch, grouped under its kind.
        assert!(html.contains("<span class=\"error\">error</span> open_punch (1)"));
        assert_eq!(escape("a<'>"), "a&lt;&#39;&gt;");
    }

    /// Two people who share a userName are listed together, each with the
    /// unknown_user error of the card that names only that name.
    #[test]
    fn people_who_share_a_user_name_are_listed() {
        let users = r#"[{"userName": "pat", "userFullName": "Pat One", "employeeNumber": "1",
                  "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC"},
                 {"userName": "pat", "userFullName": "Pat Two", "employeeNumber": "2",
                  "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"}]"#;
        let cards = [
            r#"{"userName": "", "employeeNumber": "1", "entryType": 0, "inDateTime": "2024-05-13 08:00:00", "outDateTime": "2024-05-13 16:00:00"}"#.to_owned(),
            r#"{"userName": "pat", "entryType": 0, "inDateTime": "2024-05-14 08:00:00", "outDateTime": "2024-05-14 09:00:00"}"#.to_owned(),
        ];
        let (run, _) = crate::test_support::weekly_run(users, &cards);
        let html = page_of(&run);
        assert!(
            html.contains("<h2>People who share a userName</h2>"),
            "{html}"
        );
        for (person, number) in [("Pat One", "1"), ("Pat Two", "2")] {
            assert!(
                html.contains(&format!(
                    "<tr><td>pat</td><td>{person}</td><td>{number}</td><td class=\"n\">1</td><td>warning</td></tr>"
                )),
                "{html}"
            );
        }
        assert!(
            !page().contains("share a userName"),
            "listed only when some do"
        );
    }

    /// A person whose pay is held is listed first, with user name,
    /// employee number, hours and why; the totals count them apart from
    /// the people paid; exceptions name people by user name and number.
    #[test]
    fn held_people_come_first_with_why_and_exceptions_name_people_fully() {
        let users = r#"[{"userName": "ann", "userFullName": "Wen Silva", "employeeNumber": "7",
                  "rateType": "Hourly Rate", "payRate": "-12.00", "timeZone": "UTC"},
                 {"userName": "bob", "userFullName": "Wen Silva", "employeeNumber": "8",
                  "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC"}]"#;
        let cards = crate::test_support::a_day_each(&["ann", "bob"]);
        let (run, _) = crate::test_support::weekly_run(users, &cards);
        let html = page_of(&run);
        let held = html
            .find("<h2 id=\"held-pay\">Held</h2>")
            .expect("a Held section");
        assert!(
            held < html.find("<h2>Totals</h2>").unwrap(),
            "before the totals"
        );
        assert!(
            html.contains(
                "<tr><td>Wen Silva</td><td>ann</td><td>7</td><td class=\"n\">8.00</td>\
                 <td class=\"n\">$0.00</td><td>"
            ),
            "{html}"
        );
        assert!(html.contains("id=\"people\">2<"));
        assert!(html.contains("id=\"paid\">1<"), "bob only");
        assert!(html.contains("id=\"held\">1<"));
        assert!(
            html.contains("<td>Wen Silva <span class=\"sub\">ann · #7</span></td>"),
            "{html}"
        );
        // Nothing held and no card kept out: no Held section.
        let users = r#"[{"userName": "cy", "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC"}]"#;
        let (run, _) =
            crate::test_support::weekly_run(users, &crate::test_support::a_day_each(&["cy"]));
        let clean = page_of(&run);
        assert!(!clean.contains("held-pay"), "{clean}");
        assert!(clean.contains("id=\"kept-out\">0<"));
    }

    /// An open punch is listed in the Held section as a card kept out of
    /// pay, with its person in full; the person is paid the rest, status
    /// warning, and the totals count the card.
    #[test]
    fn a_card_excluded_from_pay_is_listed_under_held_and_its_person_is_a_warning() {
        let html = page();
        let held = html
            .find("<h2 id=\"held-pay\">Held</h2>")
            .expect("a Held section");
        assert!(held < html.find("<h2>Totals</h2>").unwrap());
        assert!(
            html.contains(
                "<tr><td>Bob <span class=\"sub\">bob · #2</span></td><td>2024-05-17 09:00:00</td>\
                 <td class=\"n\">open</td><td>open_punch</td><td>"
            ),
            "{html}"
        );
        assert!(html.contains("id=\"kept-out\">1<"));
        assert!(html.contains("id=\"held\">0<"), "nobody's pay is held");
        // Bob's 38 h at $12 are paid; his status is warning.
        assert!(
            html.contains(
                "<tr><td>Bob</td><td>bob</td><td>2</td><td>Yard</td><td class=\"n\">38.00</td>\
                 <td class=\"n\">0.00</td><td class=\"n\">0.00</td><td class=\"n\">$456.00</td>\
                 <td class=\"warning\">warning</td></tr>"
            ),
            "{html}"
        );
    }

    /// The register lists every person with hours by tier, gross and
    /// status; its filter is hidden until the script shows it.
    #[test]
    fn the_register_lists_every_person() {
        let html = page();
        let register = &html[html.find("<table id=\"register\">").expect("a register")..];
        let register = &register[..register.find("</table>").unwrap()];
        assert_eq!(
            register.matches("<tr>").count(),
            3,
            "a title row and two people"
        );
        assert!(
            register.contains(
                "<td>Kitchen</td><td class=\"n\">40.00</td><td class=\"n\">6.00</td>\
                 <td class=\"n\">0.00</td><td class=\"n\">$588.00</td><td class=\"ok\">ok</td>"
            ),
            "{register}"
        );
        assert!(html.contains("aria-label=\"Filter the register\" hidden>"));
        assert!(html.contains("<div class=\"scroll\"><table id=\"register\">"));
    }

    /// Twelve exceptions of one kind: the first ten are listed, then how
    /// many more are in exceptions.csv.
    #[test]
    fn exceptions_list_the_first_ten_of_each_kind() {
        let users = r#"[{"userName": "dee", "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC"}]"#;
        let cards: Vec<String> = (13..=18)
            .flat_map(|day| {
                [8, 10].map(|hour| {
                    format!(
                        r#"{{"userName": "dee", "entryType": 0, "inDateTime": "2024-05-{day} {hour:02}:00:00", "outDateTime": "2024-05-{day} {:02}:00:00"}}"#,
                        hour + 1
                    )
                })
            })
            .collect();
        let (run, _) = crate::test_support::weekly_run_with(
            users,
            &cards,
            "[approvals]\nrequire = \"manager\"\n",
        );
        let html = review_page(
            &Overview::of(&run).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
            &PageContext {
                company_id: Some("4242".into()),
                compared_with: None,
            },
        );
        let section = &html[html.find("unapproved_time_card (").expect("the kind")..];
        let section = &section[..section.find("</details>").unwrap()];
        assert_eq!(section.matches("<tr><td>").count(), 10, "{section}");
        assert!(
            section.contains("… and 2 more: see exceptions.csv"),
            "{section}"
        );
        assert!(
            html.contains("<title>Payroll review company 4242 · 2024-05-12 to 2024-05-18</title>")
        );
    }
}
