//! `payrun diff`: two runs of one period compared (late edits in Q2, and
//! the retro pay they call for).

use std::fmt::Write as _;
use std::path::PathBuf;

use payrun::audit::{RunDiff, RunFolder, diff_in_parts, diff_parts};
use payrun::output::{Format, Staging};
use rust_decimal::Decimal;

use super::Outcome;

/// Arguments of `payrun diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The earlier run's output folder.
    pub old: PathBuf,
    /// The later run's output folder (the same period).
    pub new: PathBuf,
    /// Where `diff.{csv,parquet}` and `diff_timecards.{csv,parquet}` go.
    #[arg(long, default_value = "payrun-diff")]
    pub out: PathBuf,
    /// Output formats.
    #[arg(long, default_value = "csv,parquet")]
    pub format: payrun::output::Formats,
    /// Hold the comparison's memory under SIZE (as `payrun compute`
    /// takes it; default: a quarter of this machine's memory): when both
    /// runs' time cards, pay lines or people would not fit, their keys
    /// are cut into parts compared one after another, each reading the
    /// runs' files again. The files written are the same.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<payrun::job::MemorySize>,
}

/// The files `payrun diff` writes, in every format.
fn diff_files() -> Vec<String> {
    ["diff", "diff_timecards"]
        .iter()
        .flat_map(|t| [format!("{t}.csv"), format!("{t}.parquet")])
        .collect()
}

pub fn run(args: DiffArgs) -> anyhow::Result<Outcome> {
    let old = RunFolder::open(&args.old)?;
    let new = RunFolder::open(&args.new)?;
    let parts = match args
        .memory_limit
        .or_else(payrun::job::MemorySize::quarter_of_this_machine)
    {
        Some(limit) => {
            if limit.0 - limit.0 / 8 < payrun::audit::DIFF_READING + (64 << 20) {
                eprintln!(
                    "payrun: warning: --memory-limit {limit} is below what a comparison needs \
                     to read the runs' files (about {}); it goes on, over the limit",
                    payrun::job::MemorySize(payrun::audit::DIFF_READING + (64 << 20))
                );
            }
            diff_parts(&old, &new, limit.0)?
        }
        None => 1,
    };
    tracing::debug!(parts, "comparing");
    let changes = diff_in_parts(&old, &new, parts)?;
    let staging = Staging::new(&args.out)?;
    for (table, frame) in [
        ("diff", changes.lines_frame()?),
        ("diff_timecards", changes.cards_frame()?),
    ] {
        for format in &args.format.0 {
            match format {
                Format::Csv => staging.csv(&format!("{table}.csv"), &frame)?,
                Format::Parquet => staging.parquet(&format!("{table}.parquet"), &frame)?,
            };
        }
    }
    staging.commit_owning(&diff_files())?;
    print!("{}", render(&old, &new, &changes, &args.out));
    Ok(if changes.is_empty() {
        Outcome::Written
    } else {
        Outcome::Changed
    })
}

fn signed(d: Decimal) -> String {
    if d.is_sign_negative() {
        format!("-${}", -d)
    } else {
        format!("+${d}")
    }
}

/// The terminal summary.
///
/// Long because it is the comparison's report section by section, in the
/// order it is read.
pub fn render(old: &RunFolder, new: &RunFolder, d: &RunDiff, out: &std::path::Path) -> String {
    let mut text = String::new();
    let w = &mut text;
    let _ = writeln!(
        w,
        "{} compared: {} (as of {}) → {} (as of {})",
        new.period,
        old.dir.display(),
        old.as_of.format("%Y-%m-%d %H:%M UTC"),
        new.dir.display(),
        new.as_of.format("%Y-%m-%d %H:%M UTC")
    );
    if d.is_empty() {
        let _ = writeln!(
            w,
            "nothing changed: the same time cards, configuration and pay"
        );
    }
    if !d.cards_compared {
        let _ = writeln!(
            w,
            "time cards: not compared (a run kept no inputs/); pay is compared"
        );
    } else if !d.cards.is_empty() {
        let count = |c: &str| d.cards.iter().filter(|x| x.change == c).count();
        let _ = writeln!(
            w,
            "time cards: {} added, {} removed, {} edited",
            count("added"),
            count("removed"),
            count("edited")
        );
        for c in &d.cards {
            let _ = write!(
                w,
                "  {:<8} {:<12} in {} (created {})",
                c.change,
                c.user_name.as_deref().unwrap_or("-"),
                c.in_date_time.as_deref().unwrap_or("-"),
                c.created.as_deref().unwrap_or("-"),
            );
            if !c.changes.is_empty() {
                let _ = write!(w, ": {}", c.changes.join("; "));
            }
            let _ = writeln!(w);
        }
    }
    if d.config_changed {
        let _ = writeln!(w, "configuration changed:");
        for key in &d.config_keys {
            let _ = writeln!(w, "  {key}");
        }
    }
    if !d.users.is_empty() {
        let _ = writeln!(w, "pay: {} people changed", d.users.len());
        for u in &d.users {
            let figures: Vec<String> = u
                .figures
                .iter()
                .map(|(name, a, b)| format!("{name} {a} → {b}"))
                .collect();
            let mut said = figures;
            for (column, was, is) in &u.record {
                let shown = |s: &str| {
                    if s.is_empty() {
                        "-".to_owned()
                    } else {
                        s.to_owned()
                    }
                };
                said.push(format!("{column} {} → {}", shown(was), shown(is)));
            }
            let _ = writeln!(
                w,
                "  {} ({}): {}",
                u.user_name.as_deref().unwrap_or("-"),
                u.employee_number.as_deref().unwrap_or("-"),
                said.join("; ")
            );
        }
    }
    if !d.lines.is_empty() {
        // Net per person: held (not a debt), to pay, to recover.
        let settlement = d.settlement();
        let (held, pay, recover) = settlement.totals();
        let held_text = if settlement.held.is_empty() {
            String::new()
        } else {
            format!(", ${held} held")
        };
        let rounding = d.lines.iter().filter(|l| l.rounding).count();
        let rounding_text = if rounding == 0 {
            String::new()
        } else {
            format!(
                " (and {rounding} of weeks that did not change moved a cent: each summary line \
                 is rounded once over the period; `rounding` in diff.csv)"
            )
        };
        let _ = writeln!(
            w,
            "retro: {} net ({} to pay, {} to recover{held_text}); {} pay lines changed{rounding_text}",
            signed(d.retro() + held),
            signed(pay),
            signed(recover),
            d.lines.len() - rounding
        );
        for (user, number, amount) in &settlement.held {
            let _ = writeln!(
                w,
                "  held: {} ({}) ${amount}, paid once the new run's held record is fixed \
                 (see its exceptions); not to recover",
                user.as_deref().unwrap_or("-"),
                number.as_deref().unwrap_or("-"),
            );
        }
    }
    let _ = writeln!(w, "written to {}", out.display());
    text
}
