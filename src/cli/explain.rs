//! `payrun explain`: why one person's payroll in a run is what it is.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::NaiveDate;
use payrun::audit::{RunFolder, explain_run};
use payrun::rules::Explanation;
use payrun::rules::config::Tier;
use payrun::rules::words::{hours, money_text, rate_text};
use rust_decimal::Decimal;

/// Arguments of `payrun explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The run's output folder (it must have kept its inputs).
    #[arg(long = "run", value_name = "DIR")]
    pub run: PathBuf,
    /// The person: a userName, or an employeeNumber.
    #[arg(long, value_name = "NAME")]
    pub user: String,
    /// Only the workweek containing this date.
    #[arg(long, value_name = "DATE")]
    pub week: Option<NaiveDate>,
    /// `text` for a terminal, `json` for tools.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExplainFormat,
}

/// How `payrun explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Plain words.
    Text,
    /// One JSON document.
    Json,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<()> {
    let run = RunFolder::open(&args.run)?;
    let explanation = explain_run(&run, &args.user, args.week)?;
    match args.format {
        ExplainFormat::Json => println!("{}", serde_json::to_string_pretty(&explanation)?),
        ExplainFormat::Text => print!("{}", render(&explanation, args.week.is_some())),
    }
    Ok(())
}

fn tier(t: Tier) -> &'static str {
    match t {
        Tier::Regular => "regular",
        Tier::Overtime => "overtime",
        Tier::DoubleTime => "double time",
    }
}

fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().filter(|v| !v.is_empty()).unwrap_or("-")
}

fn money(d: Decimal) -> String {
    format!("${}", money_text(d))
}

/// The explanation in plain words.
///
/// Long because it prints the explanation's sections in order, each from
/// the parts the one before it named.
pub fn render(e: &Explanation, one_week: bool) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "{} ({}), employee {}, {}",
        or_dash(&e.user_name),
        or_dash(&e.user_full_name),
        or_dash(&e.employee_number),
        or_dash(&e.department_name)
    );
    let _ = writeln!(
        w,
        "period {} to {}; punches read in {}; {} {}",
        e.period_start,
        e.period_end,
        e.time_zone,
        or_dash(&e.rate_type),
        e.pay_rate
            .map_or("(no payRate)".to_owned(), |r| format!("${}", rate_text(r)))
    );
    let _ = writeln!(w, "\novertime rule `{}`:", e.overtime_rule);
    for line in &e.rule {
        let _ = writeln!(w, "  - {line}");
    }
    let _ = writeln!(
        w,
        "\nshifts (as punched; then each workday's seconds by tier):"
    );
    if e.shifts.is_empty() {
        let _ = writeln!(w, "  none");
    }
    for s in &e.shifts {
        let worked_as = match (&s.job, &s.shift) {
            (None, None) => String::new(),
            (job, shift) => format!(
                "  [{}]",
                [job.as_deref(), shift.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let _ = writeln!(w, "  {} → {}{worked_as}", s.punched_in, s.punched_out);
        for note in &s.notes {
            let _ = writeln!(w, "      note: {note}");
        }
        for p in &s.pieces {
            let when = if p.in_period {
                String::new()
            } else {
                " (outside the period: counts toward its week, paid in its own period)".into()
            };
            let _ = writeln!(
                w,
                "    workday {} {}: {} to {}, {} h{when}",
                p.workday.format("%a"),
                p.workday,
                p.from,
                p.to,
                hours(p.seconds)
            );
            for part in &p.parts {
                let why = part
                    .reason
                    .as_ref()
                    .map_or(String::new(), |r| format!("  ← {r}"));
                let _ = writeln!(
                    w,
                    "      {:<11} {:>8} h  {} to {}{why}",
                    tier(part.tier),
                    hours(part.seconds),
                    part.from,
                    part.to
                );
            }
        }
    }
    if !e.entries.is_empty() {
        let _ = writeln!(w, "\nPTO, adjustments and bonuses:");
        for d in &e.entries {
            let value = match d.kind {
                "adjustment_amount" | "bonus" => money(d.value),
                _ => format!("{} h", d.value.normalize()),
            };
            let when = if d.in_period {
                ""
            } else {
                " (outside the period)"
            };
            let _ = writeln!(
                w,
                "  {} {}  {}  {value}{when}",
                d.workday.format("%a"),
                d.workday,
                d.kind
            );
        }
    }
    let _ = writeln!(w, "\nworkweeks:");
    for week in &e.weeks {
        let _ = writeln!(
            w,
            "  {} to {}: {} h worked in the whole week",
            week.start,
            week.end,
            hours(week.worked_seconds)
        );
        let _ = writeln!(w, "    regular rate: {}", week.regular_rate_basis);
    }
    let _ = writeln!(w, "\npay lines (hours × rate = amount):");
    for l in &e.pay_lines {
        let week = l
            .week_start
            .map_or("period".to_owned(), |d| format!("week {d}"));
        let worked_as = [l.job.as_deref(), l.shift.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        let worked_as = if worked_as.is_empty() {
            String::new()
        } else {
            format!(" [{worked_as}]")
        };
        let figure = match l.rate {
            Some(rate) => format!(
                "{} h × ${} = {}",
                l.hours.round_dp(4).normalize(),
                rate_text(rate),
                money(l.amount)
            ),
            None if l.hours.is_zero() => money(l.amount),
            None => format!("{} h: {}", l.hours.round_dp(4).normalize(), money(l.amount)),
        };
        let _ = writeln!(w, "  {week:<16} {:<12}{worked_as} {figure}", l.kind);
    }
    for note in &e.notes {
        let _ = writeln!(w, "  {note}");
    }
    let total = e.lines_total();
    if one_week {
        let _ = writeln!(
            w,
            "  this week's lines: {}; gross pay for the period: {}",
            money(total),
            money(e.gross_pay)
        );
    } else {
        let adds_up = if total == e.gross_pay {
            "the lines add up to it"
        } else {
            "THE LINES DO NOT ADD UP TO IT"
        };
        let _ = writeln!(w, "  gross pay {} ({adds_up})", money(e.gross_pay));
    }
    let _ = writeln!(
        w,
        "\nin the period: {} h regular, {} h overtime, {} h double time; status {}",
        hours(e.regular_seconds),
        hours(e.overtime_seconds),
        hours(e.double_time_seconds),
        e.status
    );
    let _ = writeln!(w, "\nexceptions:");
    if e.exceptions.is_empty() {
        let _ = writeln!(w, "  none");
    }
    for x in &e.exceptions {
        let at = x
            .in_date_time
            .as_deref()
            .map_or(String::new(), |t| format!(" ({t})"));
        let _ = writeln!(w, "  {} {}{at}: {}", x.severity, x.kind, x.message);
    }
    out
}
