//! What several verbs share: the configuration file and the period argument.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use payrun::ingest::client::ENV_BASE_URL;
use payrun::rules::{Calendar, PayPeriod, PeriodSpec};
use payrun::settings::Settings;

/// Reads `payrun.toml`; `OTC_BASE_URL`, then `--base-url`, override `api.base_url`.
pub fn load_config(path: &Path, base_url_flag: Option<&str>) -> anyhow::Result<Settings> {
    let mut config = Settings::load(path)?;
    if let Ok(url) = std::env::var(ENV_BASE_URL)
        && !url.trim().is_empty()
    {
        config.api.base_url = url.trim().to_owned();
    }
    if let Some(url) = base_url_flag {
        config.api.base_url = url.to_owned();
    }
    Ok(config)
}

/// The pay period `text` names (`A..B`, `current`, `previous`,
/// `just-ended` or a date), with "today" taken in the company's default
/// time zone. `None` (after saying so on standard output) when
/// `just-ended` finds that no period ended yesterday: nothing to do.
///
/// A range that is not exactly one period of the calendar is refused,
/// listing the periods around it, unless `any_range` (a payroll over it
/// pays salaries for the days it covers).
pub fn resolve_period(
    text: &str,
    settings: &Settings,
    any_range: bool,
) -> anyhow::Result<Option<PayPeriod>> {
    let spec: PeriodSpec = text.parse()?;
    let config = &settings.rules;
    let today = Utc::now()
        .with_timezone(&config.company.default_time_zone.0)
        .date_naive();
    let calendar = Calendar::new(config);
    let period = spec.resolve(&calendar, today).ok();
    if let Some(range) = period
        && !any_range
        && !calendar.is_period(range)
    {
        let mut around = vec![calendar.previous(calendar.period_containing(range.start))];
        while around.len() < 4 || around.last().is_some_and(|p| p.end < range.end) {
            let next = calendar.next(*around.last().expect("one period at least"));
            around.push(next);
        }
        let listed: Vec<String> = around.iter().map(|p| format!("  {p}")).collect();
        anyhow::bail!(
            "{range} is not one pay period of the calendar; give one of these, or \
             --any-range to pay salaries for the days it covers:\n{}",
            listed.join("\n")
        );
    }
    if period.is_none() {
        println!(
            "no pay period ended yesterday ({}); nothing to do",
            today - chrono::Duration::days(1)
        );
    }
    Ok(period)
}

/// Reads the columns a payroll needs of a records file, with a message naming it.
pub fn read(
    path: &Path,
    record_type: payrun::ingest::RecordType,
) -> anyhow::Result<payrun::ingest::FileRecords> {
    payrun::ingest::read_payroll_records(path, record_type)
        .with_context(|| format!("cannot read {}s", record_type.noun()))
}

/// The configuration file and the pay period, which every payroll verb takes.
#[derive(Debug, clap::Args)]
pub struct PeriodArgs {
    /// The configuration file (payrun.toml).
    #[arg(long)]
    pub config: std::path::PathBuf,
    /// The pay period: `YYYY-MM-DD..YYYY-MM-DD`, `just-ended`, `current`, `previous` or a date.
    #[arg(long)]
    pub period: String,
    /// Accept a range that is not one period of the calendar (salaries are
    /// then paid for the days it covers).
    #[arg(long)]
    pub any_range: bool,
}

/// Refuses a period that has not ended yet (today, in the company's zone,
/// is on or before its last day) unless `partial`: its salaries would be
/// paid in full and the days still to come would be missing.
pub fn refuse_unfinished(
    period: &PayPeriod,
    settings: &Settings,
    partial: bool,
) -> anyhow::Result<()> {
    let today = Utc::now()
        .with_timezone(&settings.rules.company.default_time_zone.0)
        .date_naive();
    if today <= period.end && !partial {
        anyhow::bail!(
            "pay period {period} has not ended (today is {today}): its salaries would be paid \
             in full and the days still to come would be missing; run it after {}, or give \
             --partial for a preview marked not for payment",
            period.end
        );
    }
    Ok(())
}

/// Where and how a payroll is written.
#[derive(Debug, clap::Args)]
pub struct WriteArgs {
    /// Directory for the output files.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Output formats.
    #[arg(long, default_value = "csv,parquet")]
    pub format: payrun::output::Formats,
    /// Exit with status 3 unless the payroll is clean: `--strict` (or
    /// `--strict=errors`) fails on any error exception or held row,
    /// `--strict=warnings` on warnings too. Files are written either way.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "errors", value_name = "LEVEL")]
    pub strict: Option<super::Strictness>,
    /// Do not keep the run's inputs (time cards, users, the exceptions
    /// found reading them, the effective configuration) in `inputs/`.
    #[arg(long)]
    pub no_inputs: bool,
    /// Payroll-provider exports to write beside the tables, as
    /// `export_NAME.csv`: built in `adp_wfn`, `gusto`, `quickbooks`, `long`,
    /// or an `[exports.NAME]` of the configuration.
    #[arg(long, value_delimiter = ',', value_name = "NAME[,NAME]")]
    pub export: Vec<String>,
    /// The last period's output folder, to compare with on the review
    /// page. Without it, a folder beside `--out` whose run ended the day
    /// before this period starts is used, when there is one.
    #[arg(long, value_name = "DIR")]
    pub previous: Option<std::path::PathBuf>,
}

impl WriteArgs {
    /// Claims `--out` for this run ([`payrun::output::OutputLock`]), before
    /// any work: a second run on the same folder, or an `--out` that is not
    /// a folder this user can write, is refused at once.
    pub fn claim(&self) -> anyhow::Result<payrun::output::OutputLock> {
        Ok(payrun::output::OutputLock::take(&self.out)?)
    }

    /// Begins the output set and computes the period from `input`; unless
    /// `--no-inputs`, the inputs are written into the set at the same time
    /// (see [`payrun::job::stage_inputs`]): `time_cards` as they were read
    /// (needed then), `users` (as kept: a copy of their file or the frame
    /// read) and the `exceptions` found reading both.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(
        &self,
        claim: payrun::output::OutputLock,
        input: payrun::ingest::PayrollInput,
        time_cards: Option<payrun::job::KeptRecords>,
        users: payrun::job::KeptRecords,
        exceptions: Vec<payrun::ingest::Exception>,
        settings: &Settings,
        period: &payrun::rules::PayPeriod,
    ) -> anyhow::Result<(payrun::output::Staging, payrun::job::Computed)> {
        let time_cards = match (self.no_inputs, time_cards) {
            (true, _) => None,
            (false, Some(cards)) => Some(cards),
            (false, None) => anyhow::bail!("the time cards read cannot be kept with the run"),
        };
        let staging = payrun::output::Staging::claimed(claim)?;
        let (kept, computed) = std::thread::scope(|scope| {
            let kept = time_cards.map(|time_cards| {
                let staging = &staging;
                scope.spawn(move || {
                    payrun::job::stage_inputs(staging, &time_cards, &users, &exceptions, settings)
                })
            });
            let computed = payrun::job::compute_and_export(input, settings, period, &self.export);
            (kept.map(|k| k.join()), computed)
        });
        match kept {
            Some(Ok(result)) => result?,
            Some(Err(_)) => anyhow::bail!("writing the inputs stopped unexpectedly"),
            None => {}
        }
        let mut computed = computed?;
        computed.review.company_id = settings.company_id.clone();
        match &self.previous {
            Some(dir) => computed.compare_with(&payrun::audit::RunFolder::open(dir)?)?,
            None => {
                if let Some(found) = payrun::review::find_previous(&self.out, period)
                    && let Err(e) = computed.compare_with(&found)
                {
                    eprintln!("not compared with the last period: {e}");
                }
            }
        }
        Ok((staging, computed))
    }
}

/// Writes a computed period, prints the summary screen, and says how it ended.
pub fn finish(
    staging: payrun::output::Staging,
    computed: &payrun::job::Computed,
    config: &Settings,
    provenance: &payrun::job::Provenance,
    write: &WriteArgs,
) -> anyhow::Result<super::Outcome> {
    payrun::job::write_staged(staging, computed, &write.format.0, config, provenance)?;
    print!(
        "{}",
        super::screen::render(
            computed,
            config.rules.pay_period.frequency,
            &write.out,
            &write.format.to_string()
        )
    );
    Ok(super::Outcome::written(computed, write.strict))
}
