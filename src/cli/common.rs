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
    /// Hold the run's memory under SIZE: bytes, or a number with K, M, G
    /// or T (e.g. 4G). Default: a quarter of this machine's memory. Rows
    /// are computed and written a part of the users at a time, in smaller
    /// parts when the limit leaves less beside the input read; the files
    /// are the same.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<payrun::job::MemorySize>,
}

impl WriteArgs {
    /// Claims `--out` for this run ([`payrun::output::OutputLock`]), before
    /// any work: a second run on the same folder, or an `--out` that is not
    /// a folder this user can write, is refused at once.
    pub fn claim(&self) -> anyhow::Result<payrun::output::OutputLock> {
        Ok(payrun::output::OutputLock::take(&self.out)?)
    }

    /// Computes the period from `input` and writes every output, all or
    /// nothing; unless `--no-inputs`, the inputs are written into the set
    /// at the same time (see [`payrun::job::stage_inputs`]): `time_cards`
    /// as they were read (needed then), `users` (as kept: a copy of their
    /// file or the frame read) and the `exceptions` found reading both.
    /// Returns how the run ended and the summary screen to print.
    ///
    /// The users' rows are computed and written a part at a time when
    /// they would not fit under `--memory-limit` (see
    /// [`payrun::job::compute_in_parts`]), except with `--export`: the
    /// exports are made from the whole run. An input read in parts
    /// ([`Read::Parts`]) is computed and written part after part.
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &self,
        claim: payrun::output::OutputLock,
        input: Read<'_>,
        time_cards: Option<payrun::job::KeptRecords>,
        users: payrun::job::KeptRecords,
        exceptions: Vec<payrun::ingest::Exception>,
        settings: &Settings,
        period: &payrun::rules::PayPeriod,
        provenance: &payrun::job::Provenance,
        company_id: Option<String>,
    ) -> anyhow::Result<(super::Outcome, String)> {
        let time_cards = match (self.no_inputs, time_cards) {
            (true, _) => None,
            (false, Some(cards)) => Some(cards),
            (false, None) => anyhow::bail!("the time cards read cannot be kept with the run"),
        };
        let previous = match &self.previous {
            Some(dir) => Some((payrun::audit::RunFolder::open(dir)?, true)),
            None => payrun::review::find_previous(&self.out, period).map(|f| (f, false)),
        };
        let staging = payrun::output::Staging::claimed(claim)?;
        let mut review = payrun::review::PageContext {
            company_id,
            compared_with: None,
        };
        let in_parts = matches!(input, Read::Parts(_));
        let (kept, written) = std::thread::scope(|scope| {
            let kept = time_cards.as_ref().map(|time_cards| {
                let staging = &staging;
                // Read in parts, the input's exceptions are known once read.
                let exceptions = (!in_parts).then_some(&exceptions[..]);
                let users = &users;
                scope.spawn(move || {
                    payrun::job::stage_inputs(staging, time_cards, users, exceptions, settings)
                })
            });
            let written = match input {
                Read::Whole(input) => {
                    self.stage(&staging, input, settings, period, previous, &mut review)
                }
                Read::Parts(mut parts) => {
                    let staged = self.stage_parts(
                        &staging,
                        &mut parts,
                        settings,
                        period,
                        previous,
                        &mut review,
                    );
                    let found = parts.exceptions().unwrap_or_default();
                    staged.and_then(|staged| {
                        if time_cards.is_some() {
                            payrun::job::stage_input_exceptions(&staging, found)?;
                        }
                        Ok(staged)
                    })
                }
            };
            (kept.map(|k| k.join()), written)
        });
        match kept {
            Some(Ok(result)) => result?,
            Some(Err(_)) => anyhow::bail!("writing the inputs stopped unexpectedly"),
            None => {}
        }
        let (as_of, overview, exports) = written?;
        let written = payrun::job::Written {
            overview: &overview,
            as_of,
            review: &review,
            exports: &exports,
        };
        payrun::job::commit(staging, &written, settings, provenance)?;
        let screen = super::screen::render(
            &overview,
            &exports,
            settings.rules.pay_period.frequency,
            &self.out,
            &self.format.to_string(),
        );
        Ok((super::Outcome::written(&overview, self.strict), screen))
    }

    /// Computes and stages the run read in `parts`, compared with `previous`.
    #[allow(clippy::type_complexity)]
    fn stage_parts(
        &self,
        staging: &payrun::output::Staging,
        parts: &mut payrun::ingest::parts::Parts<'_>,
        settings: &Settings,
        period: &payrun::rules::PayPeriod,
        previous: Option<(payrun::audit::RunFolder, bool)>,
        review: &mut payrun::review::PageContext,
    ) -> anyhow::Result<(
        chrono::DateTime<Utc>,
        payrun::overview::Overview,
        Vec<(String, payrun::export::Exported)>,
    )> {
        let as_of = payrun::job::now();
        let comparing = comparing(previous)?;
        let overview = payrun::job::compute_parts_of_files(
            staging,
            parts,
            as_of,
            &settings.rules,
            period,
            &self.format.0,
            review,
            comparing,
        )?;
        Ok((as_of, overview, Vec::new()))
    }

    /// Computes and stages the run (whole, or in parts), compared with
    /// `previous` (an error when it was named, a note when it was found).
    #[allow(clippy::type_complexity)]
    fn stage(
        &self,
        staging: &payrun::output::Staging,
        input: payrun::ingest::PayrollInput,
        settings: &Settings,
        period: &payrun::rules::PayPeriod,
        previous: Option<(payrun::audit::RunFolder, bool)>,
        review: &mut payrun::review::PageContext,
    ) -> anyhow::Result<(
        chrono::DateTime<Utc>,
        payrun::overview::Overview,
        Vec<(String, payrun::export::Exported)>,
    )> {
        let limit = self
            .memory_limit
            .or_else(payrun::job::MemorySize::quarter_of_this_machine);
        if !self.export.is_empty() {
            if let Some(limit) = self.memory_limit {
                eprintln!(
                    "payrun: the exports are made from the whole run: --memory-limit {limit} \
                     is not kept with --export"
                );
            }
            let mut computed =
                payrun::job::compute_and_export(input, settings, period, &self.export)?;
            if let Some((folder, named)) = &previous {
                match (computed.compare_with(folder), named) {
                    (Err(e), true) => return Err(e.into()),
                    (Err(e), false) => eprintln!("not compared with the last period: {e}"),
                    (Ok(()), _) => {}
                }
            }
            let mut context = computed.review.clone();
            context.company_id = review.company_id.take();
            let overview =
                payrun::job::stage_computed(staging, &computed, &self.format.0, &mut context)?;
            *review = context;
            let (as_of, exports) = (computed.as_of, std::mem::take(&mut computed.exports));
            // The process ends soon: freeing millions of rows one by one
            // would only delay the exit (about a second at 10M time cards).
            std::mem::forget(computed);
            return Ok((as_of, overview, exports));
        }
        let comparing = comparing(previous)?;
        let in_use = payrun::job::resident_bytes();
        let parts = match limit {
            None => payrun::job::PartSize::Bytes(payrun::job::PartSize::MOST_ROWS),
            Some(limit) => {
                if in_use + payrun::job::PartSize::WRITING > limit.0 {
                    eprintln!(
                        "payrun: warning: the time cards and users read take {} of the {limit} \
                         memory limit; the run goes on, computing and writing {} users at a time",
                        payrun::job::MemorySize(in_use.max(1)),
                        payrun::job::PartSize::SMALLEST
                    );
                }
                payrun::job::PartSize::within(limit.0, in_use)
            }
        };
        let (as_of, overview) = payrun::job::compute_in_parts(
            staging,
            input,
            &settings.rules,
            period,
            &self.format.0,
            parts,
            review,
            comparing,
        )?;
        Ok((as_of, overview, Vec::new()))
    }
}

/// The input of a run: read whole, or to be read a part of its users at a
/// time.
pub enum Read<'p> {
    /// Read whole.
    Whole(payrun::ingest::PayrollInput),
    /// Planned in parts (see [`payrun::ingest::parts`]).
    Parts(Box<payrun::ingest::parts::Parts<'p>>),
}

/// The comparison with the last period's folder, when there is one: an
/// error when it was named and cannot be read, a note when it was found.
fn comparing(
    previous: Option<(payrun::audit::RunFolder, bool)>,
) -> anyhow::Result<Option<payrun::review::Comparing>> {
    Ok(match previous {
        None => None,
        Some((folder, named)) => match (payrun::review::Comparing::open(&folder), named) {
            (Ok(comparing), _) => Some(comparing),
            (Err(e), true) => return Err(e.into()),
            (Err(e), false) => {
                eprintln!("not compared with the last period: {e}");
                None
            }
        },
    })
}
