//! `payrun periods`: the pay periods around a date, one per line, so a
//! scheduler script can pick one (`payrun periods --config F | grep previous`).

use std::path::PathBuf;

use chrono::{NaiveDate, Utc};
use payrun::rules::Calendar;

use super::common::load_config;

/// Arguments of `payrun periods`.
#[derive(Debug, clap::Args)]
pub struct PeriodsArgs {
    /// The configuration file (payrun.toml).
    #[arg(long)]
    pub config: PathBuf,
    /// The date to look around [default: today in company.default_time_zone].
    #[arg(long)]
    pub around: Option<NaiveDate>,
}

pub fn run(args: PeriodsArgs) -> anyhow::Result<()> {
    let config = load_config(&args.config, None)?;
    let config = config.rules;
    let calendar = Calendar::new(&config);
    let around = args.around.unwrap_or_else(|| {
        Utc::now()
            .with_timezone(&config.company.default_time_zone.0)
            .date_naive()
    });
    print!("{}", listing(&calendar, around));
    Ok(())
}

/// Three periods before the one containing `around`, it, and two after.
pub fn listing(calendar: &Calendar, around: NaiveDate) -> String {
    let current = calendar.period_containing(around);
    let mut first = current;
    for _ in 0..3 {
        first = calendar.previous(first);
    }
    let mut text = String::new();
    let mut period = first;
    for offset in -3..=2 {
        let label = match offset {
            -1 => "previous",
            0 => "current",
            1 => "next",
            _ => "",
        };
        text.push_str(format!("{period}  {label}").trim_end());
        text.push('\n');
        period = calendar.next(period);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use payrun::rules::RulesConfig;

    #[test]
    fn periods_around_a_date() {
        let config = RulesConfig::parse("[pay_period]\nfrequency = \"semimonthly\"\n").unwrap();
        let text = listing(
            &Calendar::new(&config),
            NaiveDate::from_ymd_opt(2024, 3, 5).unwrap(),
        );
        assert_eq!(
            text,
            "2024-01-16..2024-01-31\n2024-02-01..2024-02-15\n2024-02-16..2024-02-29  previous\n\
             2024-03-01..2024-03-15  current\n2024-03-16..2024-03-31  next\n2024-04-01..2024-04-15\n"
        );
    }
}
