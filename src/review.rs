//! The review page: `report.html`, one self-contained file a payroll
//! administrator reads before submitting the period, on screen or printed.
//!
//! It opens with the people whose pay is held and why (when anyone's is),
//! then holds the period's totals, overtime by department and by workweek as
//! inline SVG bar charts, the people with the most overtime, unapproved
//! time, and every exception grouped by kind. It loads nothing: no script,
//! no font, no image, no style sheet from anywhere, so it reads the same
//! from a disk, a mail attachment or a printer. Figures are the summary's:
//! each total is the sum of the `payroll_summary` column it names.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use payrun_ingest::{ExceptionKind, Severity};
use payrun_rules::{PayKind, PayrollRun, Summaries};
use polars::prelude::*;
use rust_decimal::Decimal;

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

/// Exceptions listed per kind before "and N more".
const LISTED_PER_KIND: usize = 200;
/// People listed by overtime.
const TOP_PEOPLE: usize = 10;

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
@page{size:auto;margin:12mm}\
@media print{body{margin:0;max-width:none;font-size:11px}details{display:block}\
details>summary{list-style:none}h2{break-after:avoid}tr,figure{break-inside:avoid}}";

/// The review page of a computed period. `as_of` is when its input was read.
pub fn review_page(
    run: &PayrollRun,
    summaries: &Summaries,
    as_of: chrono::DateTime<chrono::Utc>,
) -> String {
    let s = &summaries.payroll_summary;
    let mut html = String::new();
    let h = &mut html;
    let period = format!("{} to {}", run.period.start, run.period.end);
    // A period not yet ended when its cards were read is a preview.
    let partial = if run.unfinished {
        "PARTIAL — not for payment: "
    } else {
        ""
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{partial}Payroll review {period}</title><style>{STYLE}</style></head><body>\
         <h1>{partial}Payroll review</h1><p class=\"sub\">Pay period {period} · time cards as of {} · \
         payrun {}</p>",
        as_of.format("%Y-%m-%d %H:%M UTC"),
        env!("CARGO_PKG_VERSION")
    );

    // Totals.
    let cost = column_total(s, "overtime_pay") + column_total(s, "double_time_pay");
    let held = run
        .summary
        .iter()
        .filter(|r| r.status == payrun_rules::Status::Held)
        .count();
    let paid = run
        .summary
        .iter()
        .filter(|r| r.status != payrun_rules::Status::Held && r.pay.gross > Decimal::ZERO)
        .count();
    let rows: [(&str, &str, String); 11] = [
        ("people", "People in the payroll", s.height().to_string()),
        ("paid", "People paid (gross above $0)", paid.to_string()),
        ("held", "People with pay held", held.to_string()),
        (
            "regular-hours",
            "Regular hours",
            grouped(column_total(s, "regular_hours")),
        ),
        (
            "overtime-hours",
            "Overtime hours",
            grouped(column_total(s, "overtime_hours")),
        ),
        (
            "double-time-hours",
            "Double-time hours",
            grouped(column_total(s, "double_time_hours")),
        ),
        (
            "pto-hours",
            "PTO hours",
            grouped(column_total(s, "pto_hours")),
        ),
        (
            "unapproved-hours",
            "Unapproved hours",
            grouped(column_total(s, "unapproved_hours")),
        ),
        (
            "overtime-cost",
            "Overtime cost (OT + DT pay)",
            format!("${}", grouped(cost)),
        ),
        (
            "adjustment-pay",
            "Adjustments and bonuses",
            format!("${}", grouped(column_total(s, "adjustment_pay"))),
        ),
        (
            "gross-pay",
            "Gross pay",
            format!("${}", grouped(column_total(s, "gross_pay"))),
        ),
    ];
    // Held pay first: who, and why, before any total is trusted.
    let held_rows: Vec<&payrun_rules::SummaryRow> = run
        .summary
        .iter()
        .filter(|r| r.status == payrun_rules::Status::Held)
        .collect();
    if !held_rows.is_empty() {
        h.push_str(
            "<h2 id=\"held-pay\">Held</h2><p class=\"sub\">Pay held at $0 (or the part of it \
             named) until the record is fixed in Q2 and the period run again.</p>\
             <table><thead><tr><th>Person</th><th>User name</th><th>Employee number</th>\
             <th class=\"n\">Hours</th><th class=\"n\">Gross paid</th><th>Why</th></tr></thead><tbody>",
        );
        for r in &held_rows {
            let why: Vec<String> = run
                .exceptions
                .iter()
                .filter(|e| e.severity == Severity::Error && e.user_name == r.user_name)
                .take(3)
                .map(|e| escape(&e.message))
                .collect();
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
                why.join("<br>"),
            );
        }
        h.push_str("</tbody></table>");
    }

    h.push_str("<h2>Totals</h2><table class=\"totals\"><tbody>");
    for (id, label, value) in rows {
        let _ = write!(
            h,
            "<tr><th>{label}</th><td class=\"n\" id=\"{id}\">{value}</td></tr>"
        );
    }
    h.push_str("</tbody></table>");

    // Overtime by department and by week.
    let departments = &summaries.department_summary;
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
    let mut by_week: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    for line in &run.pay_lines {
        if let (Some(week), PayKind::Overtime | PayKind::DoubleTime) = (line.week_start, line.kind)
        {
            *by_week.entry(week).or_default() += line.hours;
        }
    }
    let by_week: Vec<(String, Decimal)> = by_week
        .into_iter()
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

    // The people with the most overtime.
    // Most overtime first, then by userName, then in summary order: only
    // the first TOP_PEOPLE are sorted (a full sort of 865k people took
    // 0.5 s).
    let mut people: Vec<(usize, &payrun_rules::SummaryRow)> = run
        .summary
        .iter()
        .enumerate()
        .filter(|(_, r)| r.hours.overtime + r.hours.double_time > 0)
        .collect();
    let most = |(i, a): &(usize, &payrun_rules::SummaryRow),
                (j, b): &(usize, &payrun_rules::SummaryRow)| {
        (b.hours.overtime + b.hours.double_time)
            .cmp(&(a.hours.overtime + a.hours.double_time))
            .then(a.user_name.cmp(&b.user_name))
            .then(i.cmp(j))
    };
    if people.len() > TOP_PEOPLE {
        people.select_nth_unstable_by(TOP_PEOPLE, most);
        people.truncate(TOP_PEOPLE);
    }
    people.sort_unstable_by(most);
    let people: Vec<&payrun_rules::SummaryRow> = people.into_iter().map(|(_, r)| r).collect();
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

    // Unapproved time.
    let unapproved: Vec<&payrun_rules::SummaryRow> = run
        .summary
        .iter()
        .filter(|r| r.hours.unapproved > 0)
        .collect();
    h.push_str("<h2>Unapproved time</h2>");
    if unapproved.is_empty() {
        h.push_str("<p class=\"none\">No unapproved time card in the period (or approvals are not required: see [approvals]).</p>");
    } else {
        h.push_str(
            "<table><thead><tr><th>Person</th><th class=\"n\">Unapproved h</th><th>Status</th></tr></thead><tbody>",
        );
        for r in &unapproved {
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

    // People who share a userName: a time card naming only that name is
    // paid to neither of them (an unknown_user error on each one's row).
    let mut by_name: BTreeMap<&str, Vec<&payrun_rules::SummaryRow>> = BTreeMap::new();
    for r in &run.summary {
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

    // Exceptions, grouped by kind; each person by name, user name and
    // employee number (several people can share a name).
    let person = |e: &payrun_ingest::Exception| -> String {
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
    };
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
            let card = match (&e.in_date_time, &e.out_date_time) {
                (Some(i), Some(o)) => format!("{i} → {o}"),
                (Some(i), None) => i.clone(),
                _ => String::new(),
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                person(e),
                escape(&card),
                escape(&e.message)
            );
        }
        if list.len() > LISTED_PER_KIND {
            let _ = write!(
                h,
                "<tr><td colspan=\"3\" class=\"sub\">… and {} more: see exceptions.csv</td></tr>",
                list.len() - LISTED_PER_KIND
            );
        }
        h.push_str("</tbody></table></details>");
    }
    h.push_str("<p class=\"sub\">Every figure is in payroll_summary, department_summary, pay_lines and exceptions (CSV and Parquet) beside this page; `payrun explain` tells why a person's pay is what it is.</p></body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let summaries = Summaries::build(&run).unwrap();
        review_page(&run, &summaries, chrono::DateTime::UNIX_EPOCH)
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
        let html = review_page(
            &run,
            &Summaries::build(&run).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
        );
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
        for remote in [
            "http:", "https:", "<script", "<link", "src=", "@import", "url(",
        ] {
            assert!(!html.contains(remote), "{remote}");
        }
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
        let html = review_page(
            &run,
            &Summaries::build(&run).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
        );
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
        let html = review_page(
            &run,
            &Summaries::build(&run).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
        );
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
        assert!(
            !page().contains("held-pay"),
            "no Held section when nothing is held"
        );
    }
}
