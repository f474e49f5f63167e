//! One pay period, end to end: fetch with the lookback the rules need,
//! join, compute, and write every output so that all of them replace the
//! previous ones or none do (see [`crate::output`]), the run's inputs kept
//! beside them for a replay.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use payrun_ingest::client::{Fetched, IngestError};
use payrun_ingest::{Exception, PayrollInput, Source};
use payrun_rules::{Calendar, PayPeriod, PayrollRun, RulesConfig, RulesError, Summaries, compute};
use polars::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::output::{Format, OutputError, Staging};
use crate::settings::Settings;

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
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096 / (1 << 20))
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

/// A computed period and its tables.
#[derive(Debug, Clone)]
pub struct Computed {
    /// When the input was read (punches later than this are held); a
    /// replay computes as of the same moment.
    pub as_of: DateTime<Utc>,
    /// Typed rows.
    pub run: PayrollRun,
    /// The small output tables (`daily_hours` and `pay_lines` are built
    /// from `run` as they are written: see [`crate::output::stage_report`]).
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
    exceptions: &[Exception],
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
    let exceptions = payrun_ingest::exceptions_frame(exceptions).map_err(|e| OutputError {
        path: staging.dir().join(at("exceptions.parquet")),
        message: e.to_string(),
    })?;
    staging.parquet(&at("exceptions.parquet"), &exceptions)?;
    staging.text(&at("payrun.toml"), &settings.effective_text())?;
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
    let clock = std::time::Instant::now();
    for sink in crate::sink::every_sink(formats) {
        sink.stage(&staging, computed)?;
    }
    tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = resident_mib(), "tables written");
    let files = staging.digests();
    let manifest = manifest(computed, settings, provenance, files);
    staging.text("manifest.json", &manifest)?;
    staging.commit_owning(&crate::output::report_files())
}

fn manifest(
    computed: &Computed,
    settings: &Settings,
    provenance: &Provenance,
    files: BTreeMap<String, String>,
) -> String {
    let run = &computed.run;
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &run.exceptions {
        *by_kind.entry(e.kind.as_str()).or_default() += 1;
        *by_severity.entry(e.severity.as_str()).or_default() += 1;
    }
    // The configuration as payrun understood it; it holds no token, only
    // where a token file is, and the API endpoint.
    let config_text = settings.canonical_text();
    let value = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "period": { "start": run.period.start.to_string(), "end": run.period.end.to_string() },
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "as_of": computed.as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "config_sha256": format!("{:x}", Sha256::digest(config_text.as_bytes())),
        "records_in": {
            "time_cards": provenance.time_cards,
            "users": provenance.users,
            "pages_fetched": provenance.pages,
        },
        "records_out": {
            "payroll_summary": computed.summaries.payroll_summary.height(),
            "daily_hours": run.days.len(),
            "department_summary": computed.summaries.department_summary.height(),
            "exceptions": computed.summaries.exceptions.height(),
            "pay_lines": run.pay_lines.len(),
        },
        "exceptions_by_kind": by_kind,
        "exceptions_by_severity": by_severity,
        "company_id": computed.review.company_id,
        "compared_with": computed.review.compared_with,
        "exports": computed.exports.iter().map(|(name, _)| name).collect::<Vec<_>>(),
        "exports_reconciled": computed
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
