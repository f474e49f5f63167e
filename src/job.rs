//! One pay period, end to end: fetch with the lookback the rules need,
//! join, compute, and write every output so that all of them replace the
//! previous ones or none do (see [`crate::output`]), the run's inputs kept
//! beside them for a replay.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use payrun_ingest::client::{Fetched, IngestError, Streamed};
use payrun_ingest::{Exception, PayrollInput, Source};
use payrun_rules::{
    Calendar, Computation, PayPeriod, PayrollRun, RulesConfig, RulesError, Summaries, compute,
};
use polars::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::output::{Format, OutputError, Staging};
use crate::overview::Overview;
use crate::settings::Settings;
use crate::sink::{RunEnd, RunWriter};

/// The `inDateTime` range to fetch for `period`: from two days before the
/// first workweek (or 14-day window) the period touches, so workweeks that
/// straddle its start are complete and night shifts begun the day before are
/// seen, to two days after its end, for shifts that belong to its last
/// workday but start after midnight. The rules assign every second to its
/// workday precisely, so the margins never add pay.
pub fn fetch_range(config: &RulesConfig, period: &PayPeriod) -> (NaiveDateTime, NaiveDateTime) {
    let calendar = Calendar::new(config);
    let from = calendar.lookback_start(*period) - Duration::days(2);
    let to = period.end + Duration::days(2);
    (
        from.and_hms_opt(0, 0, 0).expect("midnight exists"),
        to.and_hms_opt(23, 59, 59).expect("23:59:59 exists"),
    )
}

/// The process's resident memory in MiB (Linux; 0 elsewhere), for the
/// `RUST_LOG=payrun=debug` phase lines.
pub fn resident_mib() -> u64 {
    resident_bytes() >> 20
}

pub use payrun_ingest::resident_bytes;

/// A size of memory, as `--memory-limit` takes it: bytes, or a number
/// with `K`, `M`, `G` or `T` (powers of 1,024; `KiB`, `MB`, … read the
/// same), e.g. `4G`, `512MiB`, `1.5G`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemorySize(pub u64);

impl std::str::FromStr for MemorySize {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let digits = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(digits);
        let shift = match unit.trim().to_ascii_uppercase().as_str() {
            "" | "B" => 0,
            "K" | "KB" | "KIB" => 10,
            "M" | "MB" | "MIB" => 20,
            "G" | "GB" | "GIB" => 30,
            "T" | "TB" | "TIB" => 40,
            _ => {
                return Err(format!(
                    "{text:?} is not a size: give bytes, or a number with K, M, G or T (e.g. 4G)"
                ));
            }
        };
        let number: rust_decimal::Decimal = number
            .parse()
            .map_err(|_| format!("{text:?} is not a size: it has no number (e.g. 4G)"))?;
        let bytes = number
            .checked_mul(rust_decimal::Decimal::from(1u64 << shift))
            .map(|b| b.trunc())
            .ok_or_else(|| format!("{text:?} is more bytes than a size can be"))?;
        match u64::try_from(bytes) {
            Ok(0) => Err(format!("{text:?} is not a size above zero bytes")),
            Ok(b) => Ok(MemorySize(b)),
            Err(_) => Err(format!("{text:?} is more bytes than a size can be")),
        }
    }
}

impl std::fmt::Display for MemorySize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = self.0 as f64 / f64::from(1 << 20);
        if mib >= 1024.0 {
            write!(f, "{:.1} GiB", mib / 1024.0)
        } else if mib >= 1.0 {
            write!(f, "{mib:.0} MiB")
        } else {
            write!(f, "{} B", self.0)
        }
    }
}

impl MemorySize {
    /// A quarter of this machine's memory (`MemTotal` of
    /// `/proc/meminfo`), the default `--memory-limit`; none where it is
    /// not known.
    pub fn quarter_of_this_machine() -> Option<MemorySize> {
        let info = std::fs::read_to_string("/proc/meminfo").ok()?;
        let kib: u64 = info
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(MemorySize(kib * 1024 / 4))
    }
}

/// Time cards and users as fetched for one period.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Time cards.
    pub time_cards: Fetched,
    /// Users.
    pub users: Fetched,
}

/// Fetches everything `period` needs from `source` (see [`fetch_range`]),
/// time cards and users at the same time.
pub async fn fetch_period(
    source: &impl Source,
    config: &RulesConfig,
    period: &PayPeriod,
) -> Result<Inputs, IngestError> {
    let (from, to) = fetch_range(config, period);
    let (time_cards, users) = tokio::try_join!(source.time_cards(from, to), source.users())?;
    Ok(Inputs { time_cards, users })
}

/// Time cards and users fetched into files (see [`fetch_period_to`]).
#[derive(Debug, Clone)]
pub struct FetchedFiles {
    /// `timecards.parquet`.
    pub time_cards: PathBuf,
    /// `users.parquet`.
    pub users: PathBuf,
    /// What fetching the time cards found and spent.
    pub time_card_fetch: Streamed,
    /// What fetching the users found and spent.
    pub user_fetch: Streamed,
}

impl FetchedFiles {
    /// The exceptions found reading both, time cards first.
    pub fn exceptions(&self) -> Vec<Exception> {
        let mut exceptions = self.time_card_fetch.exceptions.clone();
        exceptions.extend(self.user_fetch.exceptions.iter().cloned());
        exceptions
    }

    /// Pages fetched, both queries.
    pub fn pages(&self) -> usize {
        self.time_card_fetch.pages + self.user_fetch.pages
    }
}

/// Fetches everything `period` needs from `source`, as [`fetch_period`],
/// into `timecards.parquet` and `users.parquet` in `dir` (compressed with
/// `codec`), each written as its records come rather than held: a fetch
/// of any size holds about a row group of each and what the source holds
/// per query (the Q2 client: `api.concurrency` windows' chunks, its
/// scratch files in `dir/fetching`, removed once read). The files are
/// those the frames [`fetch_period`] returns make with
/// [`Staging::parquet_with`] (row groups of at least 262,144 records;
/// see [`crate::output::RowGroups`]).
pub async fn fetch_period_to(
    source: &impl Source,
    config: &RulesConfig,
    period: &PayPeriod,
    dir: &Path,
    codec: ParquetCompression,
) -> Result<FetchedFiles, IngestError> {
    use payrun_ingest::RecordType;
    let (from, to) = fetch_range(config, period);
    let spill = dir.join("fetching");
    let failed = |path: &Path| {
        let path = path.to_owned();
        move |e: &dyn std::fmt::Display| IngestError::Spill {
            path: path.clone(),
            message: e.to_string(),
        }
    };
    std::fs::create_dir_all(&spill).map_err(|e| failed(&spill)(&e))?;
    let writer = |name: &str, record_type: RecordType| {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).map_err(|e| failed(&path)(&e))?;
        let schema = SchemaRef::new(record_type.schema());
        let groups = crate::output::RowGroups::new(std::io::BufWriter::new(file), &schema, codec)
            .map_err(|e| failed(&path)(&e))?;
        Ok::<_, IngestError>((path, groups))
    };
    let (cards_path, mut cards) = writer("timecards.parquet", RecordType::TimeCard)?;
    let (users_path, mut users) = writer("users.parquet", RecordType::User)?;
    let (card_failed, user_failed) = (failed(&cards_path), failed(&users_path));
    let mut put_card = |chunk| cards.put(chunk).map_err(|e| card_failed(&e));
    let mut put_user = |chunk| users.put(chunk).map_err(|e| user_failed(&e));
    let (time_card_fetch, user_fetch) = tokio::try_join!(
        source.time_cards_to(from, to, &spill, &mut put_card),
        source.users_to(&spill, &mut put_user),
    )?;
    cards.finish().map_err(|e| failed(&cards_path)(&e))?;
    users.finish().map_err(|e| failed(&users_path)(&e))?;
    std::fs::remove_dir_all(&spill).map_err(|e| failed(&spill)(&e))?;
    Ok(FetchedFiles {
        time_cards: cards_path,
        users: users_path,
        time_card_fetch,
        user_fetch,
    })
}

/// A computed period and its tables.
#[derive(Debug, Clone)]
pub struct Computed {
    /// When the input was read (punches later than this are held); a
    /// replay computes as of the same moment.
    pub as_of: DateTime<Utc>,
    /// Typed rows.
    pub run: PayrollRun,
    /// The small output tables (the files are built from `run` as they
    /// are written: see [`crate::sink`]).
    pub summaries: Summaries,
    /// The payroll-provider exports asked for (see [`Computed::export`]), by name.
    pub exports: Vec<(String, crate::export::Exported)>,
    /// What the review page shows beyond the run: the company, and the
    /// last period (see [`Computed::compare_with`]). The manifest records it.
    pub review: crate::review::PageContext,
}

impl Computed {
    /// Compares the period with the run in `previous` on the review page.
    pub fn compare_with(
        &mut self,
        previous: &crate::audit::RunFolder,
    ) -> Result<(), crate::audit::AuditError> {
        self.review.compared_with = Some(crate::review::Comparison::between(previous, &self.run)?);
        Ok(())
    }

    /// Adds the payroll-provider exports `names` (profiles from `settings`
    /// or built in) to a period already computed. Their exceptions join
    /// the run's, and the tables are built again when there are any;
    /// [`compute_and_export`] decides them before the tables are built.
    pub fn export(&mut self, names: &[String], settings: &Settings) -> Result<(), ComputeError> {
        let exported = exports_of(&mut self.run, names, settings)?;
        if exported.iter().any(|(_, e)| !e.exceptions.is_empty()) {
            self.summaries = Summaries::build(&self.run)?;
        }
        self.exports.extend(exported);
        Ok(())
    }
}

/// Why a period could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    /// The rules refused (no `default` rule for a user who needs it).
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The frames are not the typed frames ingest produces.
    #[error("the input data is not what payrun-ingest produces: {0}")]
    Frame(#[from] PolarsError),
    /// An export asked for has no profile, or its profile is wrong.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// The outputs of a run written as it is computed could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An input read a part at a time could not be read.
    #[error(transparent)]
    Input(#[from] payrun_ingest::FileError),
}

/// Reads the typed frames into a [`PayrollInput`] and computes; decode
/// exceptions of both frames are carried into the run. The frames are
/// dropped as soon as the input is read, so they do not share the peak of
/// memory with the computation.
pub fn compute_period(
    time_cards: DataFrame,
    users: DataFrame,
    input_exceptions: Vec<Exception>,
    config: &RulesConfig,
    period: &PayPeriod,
) -> Result<Computed, ComputeError> {
    compute_period_as_of(time_cards, users, input_exceptions, config, period, now())
}

/// This moment, to the second (as a manifest records it).
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// [`compute_period`] as of a given moment (a replay's).
pub fn compute_period_as_of(
    time_cards: DataFrame,
    users: DataFrame,
    input_exceptions: Vec<Exception>,
    config: &RulesConfig,
    period: &PayPeriod,
    as_of: DateTime<Utc>,
) -> Result<Computed, ComputeError> {
    let mut input = PayrollInput::from_owned_frames(time_cards, &users, input_exceptions)?;
    input.as_of = as_of;
    drop(users);
    compute_input(input, config, period)
}

/// Computes a period from its [`PayrollInput`] (as of `input.as_of`),
/// letting the input go as soon as the rules have read it.
pub fn compute_input(
    input: PayrollInput,
    config: &RulesConfig,
    period: &PayPeriod,
) -> Result<Computed, ComputeError> {
    let (as_of, run) = compute_run(input, config, period)?;
    finish(as_of, run, Vec::new())
}

/// [`compute_input`] with the payroll-provider exports `names` (profiles
/// of `settings` or built in): every exception, the exports' included, is
/// decided before the tables are built, once.
pub fn compute_and_export(
    input: PayrollInput,
    settings: &Settings,
    period: &PayPeriod,
    names: &[String],
) -> Result<Computed, ComputeError> {
    let (as_of, mut run) = compute_run(input, &settings.rules, period)?;
    let exports = exports_of(&mut run, names, settings)?;
    finish(as_of, run, exports)
}

/// The rules' run of `input`, and when its input was read.
fn compute_run(
    input: PayrollInput,
    config: &RulesConfig,
    period: &PayPeriod,
) -> Result<(DateTime<Utc>, PayrollRun), ComputeError> {
    // `RUST_LOG=payrun=debug` shows where the time goes.
    let clock = std::time::Instant::now();
    tracing::debug!(
        rss_mib = resident_mib(),
        cards = input.time_cards.len(),
        "input read"
    );
    let as_of = input.as_of;
    let run = compute(&input, config, period)?;
    drop(input);
    tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = resident_mib(), rows = run.summary.len(), "computed");
    Ok((as_of, run))
}

/// The exports `names` of `run`; their exceptions join the run's.
fn exports_of(
    run: &mut PayrollRun,
    names: &[String],
    settings: &Settings,
) -> Result<Vec<(String, crate::export::Exported)>, ComputeError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let exported = crate::export::export_all(
        names,
        &settings.exports,
        run,
        &settings.rules,
        &settings.payroll_provider,
    )?;
    Ok(names.iter().cloned().zip(exported).collect())
}

/// A finished run and its exports, with the tables built from it.
fn finish(
    as_of: DateTime<Utc>,
    run: PayrollRun,
    exports: Vec<(String, crate::export::Exported)>,
) -> Result<Computed, ComputeError> {
    let clock = std::time::Instant::now();
    let summaries = Summaries::build(&run)?;
    tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = resident_mib(), "summaries built");
    Ok(Computed {
        as_of,
        run,
        summaries,
        exports,
        review: crate::review::PageContext::default(),
    })
}

/// Where the inputs of a run came from, for the manifest.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Time card records read.
    pub time_cards: usize,
    /// User records read.
    pub users: usize,
    /// API pages fetched (0 when read from files).
    pub pages: usize,
}

/// Writes the report in `formats` and `manifest.json` into `dir`, all or nothing.
pub fn write_outputs(
    dir: &Path,
    computed: &Computed,
    formats: &[Format],
    settings: &Settings,
    provenance: &Provenance,
) -> Result<Vec<PathBuf>, OutputError> {
    write_staged(Staging::new(dir)?, computed, formats, settings, provenance)
}

/// Records a run keeps in `inputs/` (`timecards.parquet`, `users.parquet`).
#[derive(Debug, Clone)]
pub enum KeptRecords {
    /// The frame as read (typed), written as Parquet.
    Frame(DataFrame),
    /// The Parquet file they were read from, copied byte for byte: reading
    /// the copy gives the frame the run read, and copying is much cheaper
    /// than encoding millions of rows again.
    File(crate::output::SourceFile),
}

/// Keeps a run's inputs with it, in `inputs/`: the time cards and the
/// users (see [`KeptRecords`]), the exceptions found reading them, and the
/// effective configuration (no credentials).
/// With them and the manifest's `as_of`, `payrun compute --replay`
/// recomputes the run exactly.
pub fn stage_inputs(
    staging: &Staging,
    time_cards: &KeptRecords,
    users: &KeptRecords,
    exceptions: Option<&[Exception]>,
    settings: &Settings,
) -> Result<(), OutputError> {
    let at = |name: &str| format!("{}/{name}", crate::output::INPUTS);
    // LZ4: a copy kept for audit is written at the speed of the payroll
    // beside it; reading it back is as exact as any.
    let fast = ParquetCompression::Lz4Raw;
    for (name, kept) in [("timecards.parquet", time_cards), ("users.parquet", users)] {
        match kept {
            KeptRecords::Frame(frame) => staging.parquet_with(&at(name), frame, fast)?,
            KeptRecords::File(source) => staging.copy(&at(name), source)?,
        };
    }
    if let Some(exceptions) = exceptions {
        stage_input_exceptions(staging, exceptions)?;
    }
    staging.text(&at("payrun.toml"), &settings.effective_text())?;
    Ok(())
}

/// The exceptions found reading a run's inputs, kept with them as
/// `inputs/exceptions.parquet` (see [`stage_inputs`]; `None` there when
/// they are known only once the inputs are read, a part at a time).
pub fn stage_input_exceptions(
    staging: &Staging,
    exceptions: &[Exception],
) -> Result<(), OutputError> {
    let name = format!("{}/exceptions.parquet", crate::output::INPUTS);
    let exceptions = payrun_ingest::exceptions_frame(exceptions).map_err(|e| OutputError {
        path: staging.dir().join(&name),
        message: e.to_string(),
    })?;
    staging.parquet(&name, &exceptions)?;
    Ok(())
}

/// [`write_outputs`] into a staging already begun (holding the inputs, say).
pub fn write_staged(
    staging: Staging,
    computed: &Computed,
    formats: &[Format],
    settings: &Settings,
    provenance: &Provenance,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut review = computed.review.clone();
    let overview = stage_computed(&staging, computed, formats, &mut review)?;
    let written = Written {
        overview: &overview,
        as_of: computed.as_of,
        review: &review,
        exports: &computed.exports,
    };
    commit(staging, &written, settings, provenance)
}

/// Stages every output of `computed` but the manifest (see
/// [`crate::sink`]) and returns its overview; `review` is what the page
/// shows beyond the run.
pub fn stage_computed(
    staging: &Staging,
    computed: &Computed,
    formats: &[Format],
    review: &mut crate::review::PageContext,
) -> Result<Overview, OutputError> {
    let clock = std::time::Instant::now();
    let overview = std::thread::scope(|scope| {
        let mut writer = RunWriter::begin(scope, staging, formats, computed.run.period, None);
        writer.add(&computed.run)?;
        writer.finish(RunEnd {
            exceptions: computed.run.exceptions.clone(),
            unfinished: computed.run.unfinished,
            as_of: computed.as_of,
            exports: &computed.exports,
            review,
        })
    })?;
    tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = resident_mib(), "tables written");
    Ok(overview)
}

/// A run's outputs staged, as the manifest records them.
pub struct Written<'a> {
    /// The run's overview.
    pub overview: &'a Overview,
    /// When its time cards were read.
    pub as_of: DateTime<Utc>,
    /// What the review page showed beyond the run.
    pub review: &'a crate::review::PageContext,
    /// The payroll-provider exports, by name.
    pub exports: &'a [(String, crate::export::Exported)],
}

/// Stages `manifest.json` for the files staged and commits the set.
pub fn commit(
    staging: Staging,
    written: &Written<'_>,
    settings: &Settings,
    provenance: &Provenance,
) -> Result<Vec<PathBuf>, OutputError> {
    let files = staging.digests();
    let manifest = manifest(written, settings, provenance, files);
    staging.text("manifest.json", &manifest)?;
    staging.commit_owning(&crate::output::report_files())
}

/// How many users' rows a run computes and writes at a time: as many as
/// fit in [`PartSize::MOST_ROWS`], or in what the memory limit leaves
/// beside the input when that is less (see [`PartSize::within`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartSize {
    /// Every user at once.
    Whole,
    /// At most this many users at a time.
    Users(usize),
    /// The rows of at most this many bytes at a time (a part is never
    /// less than [`PartSize::SMALLEST`] users).
    Bytes(u64),
}

impl PartSize {
    /// The fewest users in a part.
    pub const SMALLEST: usize = 64;

    /// The most bytes of rows computed at a time, whatever the limit. A
    /// run's rows are the most fresh memory it touches (1.5 GiB at 10M
    /// time cards): computed and written a part at a time, each part's
    /// memory serves the next. 10M typed peaks at 2.0 GiB rather than
    /// 2.55 GiB computed whole, in the same time within noise; 1M typed
    /// at a median 412 MiB with parts of 16 MiB, 423 MiB with 32 and 452
    /// MiB with 64 (six alternated runs each; text 399, 408 and 429 MiB),
    /// and 10M in the same CPU time with 16 as with 64
    /// (docs/performance.md).
    pub const MOST_ROWS: u64 = 16 << 20;

    /// Parts whose rows fit in `limit` bytes beside `in_use` (the
    /// process's memory now, the input read; a block of rows being
    /// written takes [`PartSize::WRITING`] more), and in
    /// [`PartSize::MOST_ROWS`].
    pub fn within(limit: u64, in_use: u64) -> PartSize {
        PartSize::Bytes(
            limit
                .saturating_sub(in_use + PartSize::WRITING)
                .min(PartSize::MOST_ROWS),
        )
    }

    /// What writing takes beside the rows: a block of each table in
    /// frames, and one waiting per file.
    pub const WRITING: u64 = 160 << 20;
}

/// Bytes of rows a user with `cards` time cards is estimated to take
/// once computed: their summary row (and its names), about a workday per
/// card and a pay line per two.
fn row_bytes(cards: usize) -> u64 {
    let summary = std::mem::size_of::<payrun_rules::SummaryRow>() + 192;
    let per_card = std::mem::size_of::<payrun_rules::DayRow>()
        + std::mem::size_of::<payrun_rules::PayLine>() / 2;
    (summary + cards * per_card) as u64
}

/// Computes `period` from `input` and writes its outputs into `staging`
/// at the same time, `parts` users at a time ([`PartSize`]): a part's rows
/// are written, then let go, before the next part is computed, so the
/// files are those of the run computed whole while only a part's rows are
/// in memory. Compared with the last period when `comparing` is given.
/// Returns when the input was read and the run's overview.
#[allow(clippy::too_many_arguments)]
pub fn compute_in_parts(
    staging: &Staging,
    input: PayrollInput,
    config: &RulesConfig,
    period: &PayPeriod,
    formats: &[Format],
    parts: PartSize,
    review: &mut crate::review::PageContext,
    comparing: Option<crate::review::Comparing>,
) -> Result<(DateTime<Utc>, Overview), ComputeError> {
    let clock = std::time::Instant::now();
    let as_of = input.as_of;
    let overview = std::thread::scope(move |scope| -> Result<Overview, ComputeError> {
        let mut writer = RunWriter::begin(scope, staging, formats, *period, comparing);
        let mut computation = Computation::new(&input, config, period);
        let mut count = 1;
        let (last, exceptions, unfinished) = loop {
            let users = match parts {
                PartSize::Whole => computation.remaining(),
                PartSize::Users(users) => users.max(1),
                PartSize::Bytes(bytes) => {
                    computation.users_within(bytes, row_bytes, PartSize::SMALLEST)
                }
            };
            let part = computation.next_part(users)?;
            if computation.remaining() == 0 {
                let (exceptions, unfinished) = computation.finish();
                break (part, exceptions, unfinished);
            }
            writer.add(&part)?;
            count += 1;
        };
        // The last part is written once the input is let go: a run of one
        // part does not hold its input and its rows' frames at once.
        drop(input);
        tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = resident_mib(), parts = count, "computed");
        writer.add(&last)?;
        drop(last);
        Ok(writer.finish(RunEnd {
            exceptions,
            unfinished,
            as_of,
            exports: &[],
            review,
        })?)
    })?;
    tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = resident_mib(), "written");
    Ok((as_of, overview))
}

/// [`compute_in_parts`] of an input read a part of its users at a time
/// ([`payrun_ingest::parts::Parts`]: a time card file and a users file,
/// both Parquet, too large to hold at once): each part's users are
/// computed and written, then let go, before the next part is read. The
/// period's exceptions are the parts' ones with the period's own, made
/// from what every part tells ([`payrun_rules::PeriodFacts`]); every
/// part is computed as of `as_of`.
#[allow(clippy::too_many_arguments)]
pub fn compute_parts_of_files(
    staging: &Staging,
    parts: &mut payrun_ingest::parts::Parts<'_>,
    as_of: DateTime<Utc>,
    config: &RulesConfig,
    period: &PayPeriod,
    formats: &[Format],
    review: &mut crate::review::PageContext,
    comparing: Option<crate::review::Comparing>,
) -> Result<Overview, ComputeError> {
    let clock = std::time::Instant::now();
    std::thread::scope(|scope| -> Result<Overview, ComputeError> {
        let mut writer = RunWriter::begin(scope, staging, formats, *period, comparing);
        let mut kept = Vec::new();
        let mut facts = payrun_rules::PeriodFacts::default();
        for k in 0..parts.len() {
            let mut input = parts.read(k)?;
            input.as_of = as_of;
            tracing::debug!(
                part = k,
                cards = input.time_cards.len(),
                users = input.users.len(),
                rss_mib = resident_mib(),
                "part read"
            );
            let mut computation = Computation::new(&input, config, period);
            let mut rows = computation.next_part(input.users.len())?;
            let (exceptions, part_facts) = computation.end_input();
            kept.extend(exceptions);
            facts.merge(&part_facts);
            drop(input);
            // A user's id in the part is their row among its users: the
            // rows carry their id in the whole input, as when it is read
            // whole, so that no two parts' users share one.
            let ids = parts.users_of(k);
            let id = |user: payrun_ingest::UserId| ids[user.index()];
            rows.summary.iter_mut().for_each(|r| r.user = id(r.user));
            rows.days.iter_mut().for_each(|d| d.user = id(d.user));
            rows.pay_lines.iter_mut().for_each(|l| l.user = id(l.user));
            writer.add(&rows)?;
        }
        let (exceptions, unfinished) = facts.finish(config, period, kept);
        tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = resident_mib(), parts = parts.len(), "computed");
        Ok(writer.finish(RunEnd {
            exceptions,
            unfinished,
            as_of,
            exports: &[],
            review,
        })?)
    })
}

/// Bytes a user with `cards` time cards is estimated to take, read and
/// computed (their user record, cards, rows and the frames they pass
/// through), for [`payrun_ingest::parts::Parts::plan`]: 10M time cards
/// of 862k users peak at 2.5 GiB read and computed whole.
pub fn user_bytes(cards: usize) -> u64 {
    900 + 250 * cards as u64
}

/// Bytes kept for the whole run while it is read in parts: each time
/// card's user (4 bytes) and each user's part (8), what writing takes,
/// and the process itself ([`PROCESS_BYTES`]).
pub fn kept_bytes(cards: usize, users: usize) -> u64 {
    4 * cards as u64 + 8 * users as u64 + PartSize::WRITING + PROCESS_BYTES
}

/// The process itself beside its input, rows and writers: its threads and
/// the memory a part let go that the allocator has not given back yet.
/// 1M time cards read in parts held 250 MiB between two parts, of which
/// the cards' users, the users' parts and the writers were 165 MiB; with
/// 96 MiB here, 1M under limits of 340-360 MiB still peaked up to 7% over.
pub const PROCESS_BYTES: u64 = 128 << 20;

/// Bytes `users` users with `cards` time cards in all are estimated to
/// take read and computed at once ([`user_bytes`] each).
pub fn whole_bytes(cards: usize, users: usize) -> u64 {
    // Every user's own bytes, their cards spread over them.
    users as u64 * user_bytes(0) + (user_bytes(cards) - user_bytes(0))
}

/// What a run may plan to take under `limit` bytes: seven eighths of it,
/// the eighth left for what the estimates miss (the memory a part lets
/// go, which the allocator gives back after 200 ms, while the next is
/// read; a part's users' own mix of time cards).
pub fn usable_bytes(limit: u64) -> u64 {
    limit - limit / 8
}

/// Whether an input of `users` users and `cards` time cards is read
/// whole under `limit` bytes: its estimate and the process fit in
/// [`usable_bytes`].
pub fn fits_whole(limit: u64, cards: usize, users: usize) -> bool {
    whole_bytes(cards, users) + PROCESS_BYTES <= usable_bytes(limit)
}

/// The most parts an input is read in, whatever the limit: each part
/// reads the users file again, so a limit below what a run keeps
/// throughout cuts it into about this many parts rather than one a
/// `userName` (which at 100M time cards would be millions of parts).
pub const MOST_PARTS: u64 = 256;

/// What each part of an input read in parts may take (the budget of
/// [`payrun_ingest::parts::Parts::plan`]) under `limit` bytes:
/// [`usable_bytes`] less what the run keeps throughout, never less than
/// [`MOST_PARTS`]th of the whole input's estimate.
pub fn part_budget(limit: u64, cards: usize, users: usize) -> u64 {
    (usable_bytes(limit).saturating_sub(kept_bytes(cards, users)))
        .max(whole_bytes(cards, users).div_ceil(MOST_PARTS))
}

/// Long because the manifest is one JSON document, its keys in order.
fn manifest(
    written: &Written<'_>,
    settings: &Settings,
    provenance: &Provenance,
    files: BTreeMap<String, String>,
) -> String {
    let overview = written.overview;
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &overview.exceptions {
        *by_kind.entry(e.kind.as_str()).or_default() += 1;
        *by_severity.entry(e.severity.as_str()).or_default() += 1;
    }
    // The configuration as payrun understood it; it holds no token, only
    // where a token file is, and the API endpoint.
    let config_text = settings.canonical_text();
    let period = overview.period;
    let value = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "period": { "start": period.start.to_string(), "end": period.end.to_string() },
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "as_of": written.as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "config_sha256": format!("{:x}", Sha256::digest(config_text.as_bytes())),
        "records_in": {
            "time_cards": provenance.time_cards,
            "users": provenance.users,
            "pages_fetched": provenance.pages,
        },
        "records_out": {
            "payroll_summary": overview.people,
            "daily_hours": overview.days,
            "department_summary": overview.departments.height(),
            "exceptions": overview.exceptions.len(),
            "pay_lines": overview.pay_lines,
        },
        "exceptions_by_kind": by_kind,
        "exceptions_by_severity": by_severity,
        "company_id": written.review.company_id,
        "compared_with": written.review.compared_with,
        "exports": written.exports.iter().map(|(name, _)| name).collect::<Vec<_>>(),
        "exports_reconciled": written
            .exports
            .iter()
            .map(|(name, e)| {
                let r = e.reconciled;
                (
                    name.clone(),
                    serde_json::json!({
                        "written": r.written,
                        "left_out": r.left_out,
                        "payrun_pays": crate::export::cents(r.payrun_pays),
                        "premium_carried": crate::export::cents(r.premium_carried),
                    }),
                )
            })
            .collect::<serde_json::Map<_, _>>(),
        "files_sha256": files,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use payrun_ingest::{RecordType, decode_records};

    /// A part's budget under a limit: seven eighths of it less what the
    /// run keeps, and under a limit too low for that, the 256th of the
    /// whole input's estimate (figures of 99,931,154 time cards of
    /// 8,620,680 users).
    #[test]
    fn a_part_takes_seven_eighths_of_the_limit_less_what_is_kept_and_never_too_little() {
        let (cards, users) = (99_931_154, 8_620_680);
        // 4 bytes a card, 8 a user, 160 MiB for the writers, 128 for the process.
        assert_eq!(
            kept_bytes(cards, users),
            399_724_616 + 68_965_440 + 167_772_160 + 134_217_728
        );
        // 900 bytes a user, 250 a card.
        assert_eq!(whole_bytes(cards, users), 7_758_612_000 + 24_982_788_500);
        let limit: MemorySize = "3.5G".parse().unwrap();
        assert_eq!(limit.0, 3_758_096_384);
        // 3,288,334,336 usable less 770,679,944 kept.
        assert_eq!(part_budget(limit.0, cards, users), 2_517_654_392);
        // A byte, or a limit below what is kept: 32,741,400,500 / 256, up.
        assert_eq!(part_budget(1, cards, users), 127_896_096);
        assert_eq!(part_budget(600 << 20, cards, users), 127_896_096);
        // Nothing to read: no part needs anything.
        assert_eq!(part_budget(1, 0, 0), 0);
        // Read whole when the estimate and the process fit in 7/8: 1M
        // time cards of 86,206 users (327,430,400 bytes and 128 MiB) from
        // a limit of 527,597,860 bytes (461,648,128 usable).
        assert!(!fits_whole(527_597_859, 999_380, 86_206));
        assert!(fits_whole(527_597_860, 999_380, 86_206));
    }

    /// Seven users (two share a `userName`; one has a negative rate, one
    /// an open punch), a card of nobody's, one of the shared name, one
    /// with an employee number alone and one with an unreadable time: the
    /// run computed whole and written, computed and written 1, 2 or 3
    /// users at a time, and read from Parquet files a `userName` at a
    /// time, stage the same bytes in every file.
    #[test]
    fn a_run_computed_in_parts_writes_the_files_of_the_run_whole() {
        let user = |name: &str, number: u32, rate: &str| {
            format!(
                r#"{{"userName": "{name}", "employeeNumber": "{number}", "userFullName": "{name} Q",
                    "rateType": "Hourly Rate", "payRate": "{rate}", "timeZone": "America/Chicago",
                    "departmentName": "D{}"}}"#,
                number % 3
            )
        };
        let users = [
            user("cy", 1, "20.00"),
            user("ann", 2, "12.00"),
            user("bob", 3, "-5.00"),
            user("dee", 4, "30.00"),
            user("ann", 5, "14.00"),
            user("eve", 6, "18.50"),
            user("abe", 7, "22.00"),
        ];
        let card = |name: &str, day: u32, hours: u32| {
            format!(
                r#"{{"userName": "{name}", "entryType": 0, "inDateTime": "2024-05-{day:02} 07:00:00", "outDateTime": "2024-05-{day:02} {:02}:00:00"}}"#,
                7 + hours
            )
        };
        let mut cards = Vec::new();
        for (i, name) in ["cy", "bob", "dee", "eve", "abe"].iter().enumerate() {
            for day in 13..18 {
                cards.push(card(name, day, 8 + (i as u32 + day) % 4));
            }
        }
        cards.push(card("ann", 14, 9));
        cards.push(card("zed", 15, 8));
        cards.push(r#"{"employeeNumber": "6", "entryType": 0, "inDateTime": "2024-05-12 07:00:00", "outDateTime": "2024-05-12 15:00:00"}"#.into());
        cards.push(r#"{"userName": "dee", "entryType": 0, "inDateTime": "2024-05-18 07:00:00", "outDateTime": "later"}"#.into());
        cards.push(
            r#"{"userName": "eve", "entryType": 0, "inDateTime": "2024-05-18 09:00:00"}"#.into(),
        );
        // The same record twice, and two records that differ only in
        // their notes (a part read from a spill tells them apart by their
        // details' digests); names from cards, not each user's first card.
        let twin = |name: &str, day: u32, note: &str| {
            format!(
                r#"{{"userName": "{name}", "entryType": 0, "inDateTime": "2024-05-{day} 06:00:00", "outDateTime": "2024-05-{day} 06:30:00", "employeeNote": "{note}", "createdDateTime": "2024-05-{day} 06:31:00"}}"#
            )
        };
        cards.extend([
            twin("cy", 13, "twice"),
            twin("abe", 14, "one"),
            twin("cy", 13, "twice"),
            twin("abe", 14, "two"),
            twin("eve", 15, ""),
            twin("eve", 15, ""),
        ]);
        cards.push(r#"{"userName": "abe", "firstName": "Abe", "lastName": " Lin ", "entryType": 0, "inDateTime": "2024-05-16 05:00:00", "outDateTime": "2024-05-16 06:00:00"}"#.into());
        cards.push(r#"{"userName": "abe", "firstName": "Not", "entryType": 0, "inDateTime": "2024-05-17 05:00:00", "outDateTime": "2024-05-17 06:00:00"}"#.into());
        cards.push(r#"{"userName": "dee", "lastName": "Dee", "entryType": 0, "inDateTime": "2024-05-16 05:00:00", "outDateTime": "2024-05-16 06:00:00"}"#.into());
        let (user_records, card_records) = (users, cards);
        let users = decode_records(
            format!("[{}]", user_records.join(",")).as_bytes(),
            RecordType::User,
        )
        .unwrap();
        let cards = decode_records(
            format!("[{}]", card_records.join(",")).as_bytes(),
            RecordType::TimeCard,
        )
        .unwrap();
        let config = RulesConfig::parse(
            "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n[overtime_rules.default]\n",
        )
        .unwrap();
        let period = PayPeriod {
            start: chrono::NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
            end: chrono::NaiveDate::from_ymd_opt(2024, 5, 18).unwrap(),
        };
        let input = || {
            let mut input =
                PayrollInput::from_frames(&cards.frame, &users.frame, Vec::new()).unwrap();
            input.as_of = DateTime::from_timestamp(1_717_000_000, 0).unwrap();
            input
        };
        let formats = [Format::Csv, Format::Parquet];
        let dir = tempfile::tempdir().unwrap();
        let whole = Staging::new(&dir.path().join("whole")).unwrap();
        let computed = compute_input(input(), &config, &period).unwrap();
        assert_eq!(computed.run.summary.len(), 7);
        let overview =
            stage_computed(&whole, &computed, &formats, &mut Default::default()).unwrap();
        assert_eq!((overview.people, overview.held), (7, 1));
        // cy's and eve's records twice, not abe's two notes; names from cards.
        let twice: Vec<_> = overview
            .exceptions
            .iter()
            .filter(|e| e.kind.as_str() == "duplicate_record")
            .map(|e| e.user_name.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(twice, ["cy", "eve"], "{:?}", overview.exceptions);
        let named: Vec<_> = computed
            .run
            .summary
            .iter()
            .map(|r| (r.first_name.as_deref(), r.last_name.as_deref()))
            .collect();
        assert!(named.contains(&(Some("Abe"), Some("Lin"))), "{named:?}");
        assert!(named.contains(&(None, Some("Dee"))), "{named:?}");
        assert!(
            overview
                .exceptions
                .iter()
                .any(|e| e.kind.as_str() == "unknown_user")
        );
        for users in [1, 2, 3] {
            let parts = Staging::new(&dir.path().join(format!("parts{users}"))).unwrap();
            let (_, in_parts) = compute_in_parts(
                &parts,
                input(),
                &config,
                &period,
                &formats,
                PartSize::Users(users),
                &mut Default::default(),
                None,
            )
            .unwrap();
            assert_eq!(parts.digests(), whole.digests(), "{users} users a part");
            assert_eq!(in_parts.exceptions, overview.exceptions);
            assert_eq!(whole.digests().len(), 11);
        }
        // The same records in Parquet files, every value text as the API
        // sends it: read whole as `payrun compute` reads them, and read a
        // `userName` at a time.
        let file = |name: &str, records: &[String]| {
            let objects: Vec<serde_json::Map<String, serde_json::Value>> = records
                .iter()
                .map(|r| serde_json::from_str(r).unwrap())
                .collect();
            let mut fields: Vec<&String> = objects.iter().flat_map(|o| o.keys()).collect();
            fields.sort();
            fields.dedup();
            let columns = fields
                .iter()
                .map(|f| {
                    let values: Vec<Option<String>> = objects
                        .iter()
                        .map(|o| {
                            o.get(*f).map(|v| match v {
                                serde_json::Value::String(text) => text.clone(),
                                number => number.to_string(),
                            })
                        })
                        .collect();
                    Column::new(f.as_str().into(), values)
                })
                .collect();
            let mut frame = DataFrame::new(objects.len(), columns).unwrap();
            let path = dir.path().join(name);
            ParquetWriter::new(std::fs::File::create(&path).unwrap())
                .finish(&mut frame)
                .unwrap();
            path
        };
        let (cards_file, users_file) = (
            file("cards.parquet", &card_records),
            file("users.parquet", &user_records),
        );
        let users_read =
            payrun_ingest::read_payroll_records(&users_file, RecordType::User).unwrap();
        let mut builder = payrun_ingest::InputBuilder::new(&users_read.frame).unwrap();
        let cards_read = payrun_ingest::read_time_cards_into(&cards_file, &mut builder).unwrap();
        let mut found = cards_read.exceptions;
        found.extend(users_read.exceptions);
        assert_eq!(found.len(), 1, "the unreadable time: {found:?}");
        let mut input = builder.finish(found.clone()).unwrap();
        let as_of = DateTime::from_timestamp(1_717_000_000, 0).unwrap();
        input.as_of = as_of;
        let read_whole = Staging::new(&dir.path().join("read-whole")).unwrap();
        let (_, whole_overview) = compute_in_parts(
            &read_whole,
            input,
            &config,
            &period,
            &formats,
            PartSize::Whole,
            &mut Default::default(),
            None,
        )
        .unwrap();
        // Read a userName at a time from the time card file each time, and
        // from a file of each part's own that the first read writes.
        for spill in [None, Some(dir.path().join("spill"))] {
            let plan = payrun_ingest::parts::Parts::plan(
                &cards_file,
                &users_file,
                Vec::new(),
                0,
                user_bytes,
            )
            .unwrap();
            let mut parts = match &spill {
                Some(spill) => plan.spill_into(spill.clone()),
                None => plan,
            };
            assert_eq!(parts.len(), 6, "a part a userName");
            let read = Staging::new(&dir.path().join(format!("read-{}", spill.is_some()))).unwrap();
            let in_parts = compute_parts_of_files(
                &read,
                &mut parts,
                as_of,
                &config,
                &period,
                &formats,
                &mut Default::default(),
                None,
            )
            .unwrap();
            assert_eq!(read.digests(), read_whole.digests(), "spilled: {spill:?}");
            assert_eq!(in_parts.exceptions, whole_overview.exceptions);
            assert_eq!(parts.exceptions(), Some(&found[..]));
            // Each part read again has its users' names from their cards.
            let mut names = Vec::new();
            for k in 0..parts.len() {
                let part = parts.read(k).unwrap();
                names.extend(part.users.iter().map(|u| {
                    let name = u.user_name.clone();
                    (name, u.first_name.clone(), u.last_name.clone())
                }));
            }
            let whole_users = PayrollInput::from_frames(&cards.frame, &users.frame, Vec::new())
                .unwrap()
                .users;
            let mut expected: Vec<_> = whole_users
                .iter()
                .map(|u| {
                    (
                        u.user_name.clone(),
                        u.first_name.clone(),
                        u.last_name.clone(),
                    )
                })
                .collect();
            expected.sort();
            names.sort();
            assert_eq!(names, expected);
            if let Some(spill) = &spill {
                let mut files: Vec<String> = std::fs::read_dir(spill)
                    .unwrap()
                    .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                files.sort();
                // Every part's cards but the first's (abe) and ann's (the
                // card naming "ann" is no one's); dee's name from a card.
                let count = |ending: &str| files.iter().filter(|f| f.ends_with(ending)).count();
                assert_eq!(count(".cards"), 4, "{files:?}");
                assert_eq!(count(".users"), 4, "{files:?}");
                assert_eq!(count(".names"), 1);
                // A spill file cut short is an error naming it, not a
                // part with fewer cards.
                let spilled: Vec<&String> =
                    files.iter().filter(|f| f.ends_with(".cards")).collect();
                let named = files.iter().find(|f| f.ends_with(".names")).unwrap();
                for (cut, ending) in [
                    (spilled[0], ".cards"),
                    (spilled[1], ".users"),
                    (named, ".names"),
                ] {
                    let stem = &cut[..cut.find('.').unwrap()];
                    let j: usize = stem["part-".len()..].parse().unwrap();
                    let cut = format!("{stem}{ending}");
                    let path = spill.join(&cut);
                    let len = std::fs::metadata(&path).unwrap().len();
                    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                    file.set_len(len - 1).unwrap();
                    let error = parts.read(j).unwrap_err().to_string();
                    assert!(
                        error.contains(&cut) && error.contains("not what this run wrote"),
                        "{error}"
                    );
                }
                drop(parts);
                assert!(!spill.exists(), "removed with the parts");
            }
        }
        let in_parts = &whole_overview;
        let kinds: Vec<&str> = in_parts
            .exceptions
            .iter()
            .map(|e| e.kind.as_str())
            .collect();
        for kind in ["invalid_value", "unknown_user", "open_punch"] {
            assert!(kinds.contains(&kind), "{kind}: {kinds:?}");
        }
    }

    /// An accounting tool's own records as a [`Source`]: the time cards it
    /// holds in the range asked for, every user; no HTTP.
    struct InMemory {
        cards: Vec<(NaiveDateTime, String)>,
        users: String,
    }

    impl Source for InMemory {
        async fn time_cards(
            &self,
            from: NaiveDateTime,
            to: NaiveDateTime,
        ) -> Result<Fetched, IngestError> {
            let wanted: Vec<&str> = self
                .cards
                .iter()
                .filter(|(at, _)| (from..=to).contains(at))
                .map(|(_, json)| json.as_str())
                .collect();
            let page = decode_records(
                format!("[{}]", wanted.join(",")).as_bytes(),
                RecordType::TimeCard,
            )
            .expect("the test's cards decode");
            Ok(Fetched {
                frame: page.frame,
                exceptions: page.exceptions,
                pages: 0,
            })
        }

        async fn users(&self) -> Result<Fetched, IngestError> {
            let page = decode_records(self.users.as_bytes(), RecordType::User)
                .expect("the test's users decode");
            Ok(Fetched {
                frame: page.frame,
                exceptions: page.exceptions,
                pages: 0,
            })
        }
    }

    /// `fetch_period` asks any source for the period and its lookback: a
    /// card of the week before the weekly period is not asked for; 46 h at
    /// $12 in the period pay $588.00 (design §5).
    #[tokio::test]
    async fn a_source_other_than_q2_feeds_the_same_payroll() {
        let config = RulesConfig::parse(
            "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n[overtime_rules.default]\n",
        )
        .unwrap();
        let period = PayPeriod {
            start: chrono::NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
            end: chrono::NaiveDate::from_ymd_opt(2024, 5, 18).unwrap(),
        };
        let card = |day: u32, hours: u32| {
            let at = chrono::NaiveDate::from_ymd_opt(2024, 5, day)
                .unwrap()
                .and_hms_opt(7, 0, 0)
                .unwrap();
            (
                at,
                format!(
                    r#"{{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-{day:02} 07:00:00", "outDateTime": "2024-05-{day:02} {:02}:00:00"}}"#,
                    7 + hours
                ),
            )
        };
        let mut cards: Vec<_> = [(13, 10), (14, 10), (15, 10), (16, 8), (17, 8)]
            .into_iter()
            .map(|(d, h)| card(d, h))
            .collect();
        cards.push(card(1, 8));
        let source = InMemory {
            cards,
            users: r#"[{"userName": "ann", "rateType": "Hourly Rate", "payRate": "12.00", "timeZone": "UTC"}]"#.into(),
        };
        let inputs = fetch_period(&source, &config, &period).await.unwrap();
        assert_eq!(
            inputs.time_cards.frame.height(),
            5,
            "05-01 is not asked for"
        );
        let input =
            PayrollInput::from_frames(&inputs.time_cards.frame, &inputs.users.frame, Vec::new())
                .unwrap();
        let run = compute(&input, &config, &period).unwrap();
        assert_eq!(run.summary[0].pay.gross.to_string(), "588.00");
    }
}
