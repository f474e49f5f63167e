//! `payrun compute`: payroll from time card and user files, no network.

use std::path::{Path, PathBuf};

use anyhow::Context;

use payrun::ingest::{Exception, exceptions_from_frame};
use polars::prelude::{CsvReadOptions, SerReader};

use payrun::ingest::RecordType;
use payrun::job::Provenance;
use payrun::output::{Staging, from_spreadsheet_safe};

use super::common::{Read, WriteArgs, load_config, read, refuse_unfinished, resolve_period};
use super::{Outcome, progress};

/// Arguments of `payrun compute`.
#[derive(Debug, clap::Args)]
pub struct ComputeArgs {
    /// The configuration file (payrun.toml).
    #[arg(long, required_unless_present = "replay")]
    pub config: Option<PathBuf>,
    /// The pay period: `YYYY-MM-DD..YYYY-MM-DD`, `just-ended`, `current`, `previous` or a date.
    #[arg(long, required_unless_present = "replay")]
    pub period: Option<String>,
    /// Accept a range that is not one period of the calendar (salaries are
    /// then paid for the days it covers).
    #[arg(long)]
    pub any_range: bool,
    /// Compute a period that has not ended yet, as a preview: marked
    /// PARTIAL, not for payment, in the exceptions, the review page and
    /// the exports' file names.
    #[arg(long)]
    pub partial: bool,
    /// Time cards: .json, .jsonl, .csv, .parquet, or a directory of .json pages.
    /// A `fetch_exceptions.csv` beside them (as `payrun fetch` writes) is carried
    /// into the run, so values that could not be read are still reported.
    #[arg(long, required_unless_present = "replay")]
    pub timecards: Option<PathBuf>,
    /// Users, in any of the same forms.
    #[arg(long, required_unless_present = "replay")]
    pub users: Option<PathBuf>,
    /// Directory for the output files (with --replay: also write the
    /// recomputed run there).
    #[arg(long, required_unless_present = "replay")]
    pub out: Option<PathBuf>,
    /// Output formats.
    #[arg(long, default_value = "csv,parquet")]
    pub format: payrun::output::Formats,
    /// Exit with status 3 unless the payroll is clean: `--strict` (or
    /// `--strict=errors`) fails on any error exception or held row,
    /// `--strict=warnings` on warnings too. Files are written either way.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "errors", value_name = "LEVEL")]
    pub strict: Option<super::Strictness>,
    /// Do not keep the run's inputs in `inputs/`.
    #[arg(long)]
    pub no_inputs: bool,
    /// Payroll-provider exports to write beside the tables, as
    /// `export_NAME.csv`: built in `adp_wfn`, `gusto`, `quickbooks`, `long`,
    /// or an `[exports.NAME]` of the configuration.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAME[,NAME]",
        conflicts_with = "replay"
    )]
    pub export: Vec<String>,
    /// The last period's output folder, to compare with on the review
    /// page. Without it, a folder beside `--out` whose run ended the day
    /// before this period starts is used, when there is one.
    #[arg(long, value_name = "DIR", conflicts_with = "replay")]
    pub previous: Option<PathBuf>,
    /// Hold the run's memory under SIZE: bytes, or a number with K, M, G
    /// or T (e.g. 4G). Default: a quarter of this machine's memory. Rows
    /// are computed and written a part of the users at a time, in smaller
    /// parts when the limit leaves less beside the input read; when Parquet
    /// time card and users files would not fit themselves, they are read a
    /// part of the users at a time too (the time cards of the parts to come
    /// wait in `.OUT.parts-PID` beside --out). The files are the same.
    /// With --replay, the run's inputs are recomputed under SIZE the same
    /// way.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<payrun::job::MemorySize>,
    /// Recompute the run in DIR from its own `inputs/` and check that every
    /// output file is byte-identical to what its manifest lists (exit 1,
    /// naming the files, otherwise).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "period", "timecards", "users", "any_range", "partial"])]
    pub replay: Option<PathBuf>,
}

/// Long because `payrun compute` is a sequence of steps over the same
/// arguments: read, compute, write, report.
pub fn run(args: ComputeArgs) -> anyhow::Result<Outcome> {
    if let Some(dir) = &args.replay {
        return replay(dir, args.out.as_deref(), args.memory_limit);
    }
    let missing = |what: &str| anyhow::anyhow!("--{what} is required");
    let config_path = args.config.clone().ok_or_else(|| missing("config"))?;
    let period_text = args.period.clone().ok_or_else(|| missing("period"))?;
    let timecards = args.timecards.clone().ok_or_else(|| missing("timecards"))?;
    let users_path = args.users.clone().ok_or_else(|| missing("users"))?;
    let write = WriteArgs {
        out: args.out.clone().ok_or_else(|| missing("out"))?,
        format: args.format.clone(),
        strict: args.strict,
        no_inputs: args.no_inputs,
        export: args.export.clone(),
        previous: args.previous.clone(),
        memory_limit: args.memory_limit,
    };
    let config = load_config(&config_path, None)?;
    let Some(period) = resolve_period(&period_text, &config, args.any_range)? else {
        return Ok(Outcome::NothingToDo);
    };
    refuse_unfinished(&period, &config, args.partial)?;
    let claim = write.claim()?;
    let given = fetch_exceptions(&timecards)?;
    let files = Files {
        time_cards: &timecards,
        users: &users_path,
        given,
        pages: 0,
    };
    let company_id = config.company_id.clone();
    compute_files(&write, claim, files, &config, &period, company_id)
}

/// Time card and users files to compute from.
pub(super) struct Files<'a> {
    pub time_cards: &'a Path,
    pub users: &'a Path,
    /// The exceptions found before (fetching them).
    pub given: Vec<Exception>,
    /// The pages fetched for them, for the manifest.
    pub pages: usize,
}

/// Computes the period from `files` and writes the run into `write.out`
/// (claimed by `claim`), as `payrun compute` and `payrun run` do: a
/// Parquet file is kept in `inputs/` as it is, and the files are read a
/// part of the users at a time when they would not fit under
/// `--memory-limit`.
///
/// Long because it is a sequence of steps over the same arguments: plan,
/// read, compute, write, report.
pub(super) fn compute_files(
    write: &WriteArgs,
    claim: payrun::output::OutputLock,
    files: Files<'_>,
    config: &payrun::settings::Settings,
    period: &payrun::rules::PayPeriod,
    company_id: Option<String>,
) -> anyhow::Result<Outcome> {
    let Files {
        time_cards: timecards,
        users: users_path,
        given,
        pages,
    } = files;
    let clock = std::time::Instant::now();
    // One Parquet file of time cards or users is kept as it is (see
    // KeptRecords); noted before it is read, so the copy is known to be
    // what was read.
    let kept_file = |path: &std::path::Path| {
        (!write.no_inputs
            && path.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("parquet")))
        .then(|| payrun::output::SourceFile::stamp(path))
        .transpose()
    };
    let time_card_file = kept_file(timecards)?;
    let users_file = kept_file(users_path)?;
    let planned = plan_parts(
        write.memory_limit,
        (!write.export.is_empty()).then_some(Plan::RefuseExports),
        &write.out,
        timecards,
        users_path,
        given.clone(),
    )?;
    if let Some(parts) = planned {
        let provenance = Provenance {
            time_cards: parts.records(),
            users: payrun::ingest::parquet_rows(users_path)?,
            pages,
        };
        let spinner = progress::working("computing");
        let outcome = write.write(
            claim,
            Read::Parts(Box::new(parts)),
            time_card_file.map(payrun::job::KeptRecords::File),
            users_file.map_or_else(
                || payrun::job::KeptRecords::Frame(polars::prelude::DataFrame::empty()),
                payrun::job::KeptRecords::File,
            ),
            Vec::new(),
            config,
            period,
            &provenance,
            company_id,
        );
        spinner.finish_and_clear();
        let (outcome, screen) = outcome?;
        print!("{screen}");
        return Ok(outcome);
    }
    let users = read(users_path, RecordType::User)?;
    let mut builder = payrun::ingest::InputBuilder::new(&users.frame)?;
    // A Parquet file is read a batch at a time straight into typed cards.
    let cards = payrun::ingest::read_time_cards_into(timecards, &mut builder)
        .with_context(|| format!("cannot read {}s", RecordType::TimeCard.noun()))?;
    tracing::debug!(
        elapsed = ?clock.elapsed(),
        rss_mib = payrun::job::resident_mib(),
        "files read"
    );
    let spinner = progress::working("computing");
    let mut exceptions: Vec<_> = cards
        .exceptions
        .iter()
        .chain(&users.exceptions)
        .cloned()
        .collect();
    exceptions.extend(given);
    let provenance = Provenance {
        time_cards: builder.rows(),
        users: users.frame.height(),
        pages,
    };
    let input = builder.finish(exceptions.clone())?;
    let kept = match (time_card_file, cards.frame) {
        // Kept as a copy of the file they were read from, when it is Parquet.
        (Some(file), _) => Some(payrun::job::KeptRecords::File(file)),
        (None, frame) => frame.map(payrun::job::KeptRecords::Frame),
    };
    let kept_users = match users_file {
        Some(file) => {
            // The copy is made from the file: the frame is done with.
            drop(users.frame);
            payrun::job::KeptRecords::File(file)
        }
        None => payrun::job::KeptRecords::Frame(users.frame),
    };
    let outcome = write.write(
        claim,
        Read::Whole(input),
        kept,
        kept_users,
        exceptions,
        config,
        period,
        &provenance,
        company_id,
    );
    spinner.finish_and_clear();
    let (outcome, screen) = outcome?;
    print!("{screen}");
    Ok(outcome)
}

/// `--replay DIR`: the run in DIR computed again from its inputs, as of the
/// moment it was computed, and its files compared with its manifest. The
/// inputs are read in parts under `memory_limit` as `payrun compute`
/// reads them (a run that wrote exports is recomputed whole: its exports
/// are made from the whole run); no file is ever read whole to be checked.
///
/// Long because a replay is a sequence of steps (read the run, recompute,
/// stage, compare every file, write when asked) over the same run folder.
fn replay(
    dir: &Path,
    out: Option<&Path>,
    memory_limit: Option<payrun::job::MemorySize>,
) -> anyhow::Result<Outcome> {
    let run = payrun::audit::RunFolder::open(dir)?;
    if !run.has_inputs() {
        anyhow::bail!(
            "{} holds no inputs/ (written with --no-inputs, or by an older payrun): nothing to replay",
            dir.display()
        );
    }
    let files = &run.files;
    let settings = run.settings()?;
    let formats: Vec<payrun::output::Format> = [
        (".csv", payrun::output::Format::Csv),
        (".parquet", payrun::output::Format::Parquet),
    ]
    .into_iter()
    .filter(|(ext, _)| {
        files
            .keys()
            .any(|k| !k.starts_with("inputs/") && k.ends_with(ext))
    })
    .map(|(_, f)| f)
    .collect();
    let exports: Vec<String> = run.manifest["exports"]
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // What the page showed beyond the run, as the manifest recorded it.
    let mut review = payrun::review::PageContext {
        company_id: serde_json::from_value(run.manifest["company_id"].clone()).unwrap_or(None),
        compared_with: serde_json::from_value(run.manifest["compared_with"].clone())
            .unwrap_or(None),
    };
    // Into a scratch folder (removed unless committed), or --out.
    let scratch = std::env::temp_dir().join(format!("payrun-replay-{}", std::process::id()));
    let staging = match out {
        Some(out) => Staging::new(out)?,
        None => Staging::claimed(payrun::output::OutputLock::private(&scratch)?)?,
    };
    let (cards_path, users_path) = run.input_files()?;
    let planned = plan_parts(
        memory_limit,
        (!exports.is_empty()).then_some(Plan::Whole),
        out.unwrap_or(&scratch),
        &cards_path,
        &users_path,
        run.input_exceptions()?,
    )?;
    let (overview, as_of, exported) = match planned {
        Some(parts) => {
            let mut parts = parts.read_again();
            let overview = payrun::job::compute_parts_of_files(
                &staging,
                &mut parts,
                run.as_of,
                &settings.rules,
                &run.period,
                &formats,
                &mut review,
                None,
            )?;
            (overview, run.as_of, Vec::new())
        }
        None => {
            let input = run.input_from(&cards_path, &users_path)?;
            let mut computed =
                payrun::job::compute_and_export(input, &settings, &run.period, &exports)?;
            computed.review = review.clone();
            let overview = payrun::job::stage_computed(&staging, &computed, &formats, &mut review)?;
            let exported = std::mem::take(&mut computed.exports);
            (overview, computed.as_of, exported)
        }
    };
    let digests = staging.digests();
    let mut differing = Vec::new();
    let mut identical = 0;
    for (name, hash) in files {
        if name.starts_with("inputs/") {
            continue;
        }
        let on_disk = payrun::audit::sha256_of(&dir.join(name)).ok();
        let recomputed = digests.get(name) == Some(hash);
        match (recomputed, on_disk.as_ref() == Some(hash)) {
            (true, true) => identical += 1,
            (true, false) => differing.push(format!("{name} (changed since the run)")),
            (false, _) => differing.push(format!("{name} (computes differently)")),
        }
    }
    if out.is_some() {
        let records_in = &run.manifest["records_in"];
        let count = |key: &str| records_in[key].as_u64().unwrap_or(0) as usize;
        let provenance = Provenance {
            time_cards: count("time_cards"),
            users: count("users"),
            pages: count("pages_fetched"),
        };
        // The inputs as they are, each checked against the manifest as it
        // is copied.
        for name in files.keys().filter(|k| k.starts_with("inputs/")) {
            let from = dir.join(name);
            staging.stage(name, |w| {
                let mut file = std::fs::File::open(&from).map_err(|e| e.to_string())?;
                std::io::copy(&mut file, w)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })?;
            if staging.digests().get(name) != files.get(name) {
                anyhow::bail!(
                    "{}: has changed since the run wrote it (its SHA-256 differs from the \
                     manifest's)",
                    from.display()
                );
            }
        }
        let written = payrun::job::Written {
            overview: &overview,
            as_of,
            review: &review,
            exports: &exported,
        };
        payrun::job::commit(staging, &written, &settings, &provenance)?;
    }
    if !differing.is_empty() {
        // A later version may add a column or a rule the contract asks for.
        let made_by = run.manifest["version"]
            .as_str()
            .unwrap_or("an unknown version");
        let versions = if made_by == env!("CARGO_PKG_VERSION") {
            String::new()
        } else {
            format!(
                " (the run was made by payrun {made_by}; this is payrun {}, whose outputs \
                 may differ by design: docs/changes.md says how)",
                env!("CARGO_PKG_VERSION")
            )
        };
        anyhow::bail!(
            "replaying {} gives different {}: {}{versions}",
            dir.display(),
            if differing.len() == 1 {
                "contents for"
            } else {
                "contents for these files"
            },
            differing.join(", ")
        );
    }
    println!(
        "replayed {}: all {identical} output files are byte-identical to its manifest",
        dir.display()
    );
    Ok(Outcome::Written)
}

/// What [`plan_parts`] does with a run that writes exports (made from the
/// whole run) when it does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Refuses it, naming the memory it needs (`payrun compute --export`).
    RefuseExports,
    /// Reads it whole (a replay of a run that wrote exports).
    Whole,
}

/// The time cards and users to read a part of the users at a time, when
/// both are Parquet files and reading them whole would take more than
/// `memory_limit` (about [`payrun::job::user_bytes`] a user); `None`
/// when they are read whole. `exports`: what to do when the run writes
/// exports. The spill goes beside `out`.
fn plan_parts<'p>(
    memory_limit: Option<payrun::job::MemorySize>,
    exports: Option<Plan>,
    out: &Path,
    time_cards: &'p Path,
    users: &'p Path,
    given: Vec<Exception>,
) -> anyhow::Result<Option<payrun::ingest::parts::Parts<'p>>> {
    use payrun::job::{
        MemorySize, fits_whole, kept_bytes, part_budget, usable_bytes, user_bytes, whole_bytes,
    };
    let parquet = |path: &Path| {
        path.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    };
    let Some(limit) = memory_limit.or_else(MemorySize::quarter_of_this_machine) else {
        return Ok(None);
    };
    if !(parquet(time_cards) && parquet(users)) {
        return Ok(None);
    }
    let cards = payrun::ingest::parquet_rows(time_cards)?;
    let people = payrun::ingest::parquet_rows(users)?;
    if fits_whole(limit.0, cards, people) {
        return Ok(None);
    }
    let whole = whole_bytes(cards, people);
    match exports {
        None => {}
        Some(Plan::Whole) => {
            eprintln!(
                "payrun: warning: the run wrote exports, which are made from the whole run: it \
                 is replayed whole, in about {}, over --memory-limit {limit}",
                MemorySize(whole)
            );
            return Ok(None);
        }
        Some(Plan::RefuseExports) => anyhow::bail!(
            "the exports are made from the whole run, which needs about {} here, more than \
             --memory-limit {limit}: raise the limit, or leave --export out and export from \
             payroll_summary and pay_lines",
            MemorySize(whole)
        ),
    }
    let budget = part_budget(limit.0, cards, people);
    let least = kept_bytes(cards, people) + budget;
    if least > usable_bytes(limit.0) {
        eprintln!(
            "payrun: warning: --memory-limit {limit} is below what the run needs read in parts \
             (about {}: 4 bytes a time card, 8 a user, the writers, and a part, in at most \
             about {} parts); it goes on, over the limit",
            MemorySize(least + least / 7),
            payrun::job::MOST_PARTS
        );
    }
    let parts = payrun::ingest::parts::Parts::plan(time_cards, users, given, budget, user_bytes)?;
    Ok(Some(parts.spill_into(payrun::output::parts_dir(out))))
}

/// The exceptions `payrun fetch` wrote beside the time cards, if any.
fn fetch_exceptions(time_cards: &Path) -> anyhow::Result<Vec<Exception>> {
    let dir = if time_cards.is_dir() {
        Some(time_cards)
    } else {
        time_cards.parent()
    };
    let Some(path) = dir
        .map(|d| d.join("fetch_exceptions.csv"))
        .filter(|p| p.is_file())
    else {
        return Ok(Vec::new());
    };
    let frame = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.clone()))
        .and_then(|r| r.finish())
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut exceptions = exceptions_from_frame(&frame, &payrun::ingest::kinds::ALL)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    // The CSV holds text as a spreadsheet may open it; these are the values.
    let restore = |v: &mut Option<String>| {
        if let Some(text) = v {
            *text = from_spreadsheet_safe(text).to_owned();
        }
    };
    for e in &mut exceptions {
        restore(&mut e.user_name);
        restore(&mut e.user_full_name);
        restore(&mut e.in_date_time);
        restore(&mut e.out_date_time);
        e.message = from_spreadsheet_safe(&e.message).to_owned();
    }
    Ok(exceptions)
}
