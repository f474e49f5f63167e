//! `payrun compute`: payroll from time card and user files, no network.

use std::path::{Path, PathBuf};

use payrun::ingest::{Exception, exceptions_from_frame};
use polars::prelude::{CsvReadOptions, SerReader};

use payrun::ingest::RecordType;
use payrun::job::{Provenance, compute_period_as_of};
use payrun::output::{Staging, from_spreadsheet_safe, stage_report};
use payrun::rules::PayPeriod;
use sha2::Digest;

use super::common::{WriteArgs, finish, load_config, read, resolve_period};
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
    /// Recompute the run in DIR from its own `inputs/` and check that every
    /// output file is byte-identical to what its manifest lists (exit 1,
    /// naming the files, otherwise).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "period", "timecards", "users", "any_range"])]
    pub replay: Option<PathBuf>,
}

pub fn run(args: ComputeArgs) -> anyhow::Result<Outcome> {
    if let Some(dir) = &args.replay {
        return replay(dir, args.out.as_deref());
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
    };
    let config = load_config(&config_path, None)?;
    let Some(period) = resolve_period(&period_text, &config, args.any_range)? else {
        return Ok(Outcome::NothingToDo);
    };
    let clock = std::time::Instant::now();
    let cards = read(&timecards, RecordType::TimeCard)?;
    let users = read(&users_path, RecordType::User)?;
    tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = payrun::job::resident_mib(), "files read");
    let spinner = progress::working("computing");
    let mut exceptions: Vec<_> = cards
        .exceptions
        .iter()
        .chain(&users.exceptions)
        .cloned()
        .collect();
    exceptions.extend(fetch_exceptions(&timecards)?);
    let provenance = Provenance {
        time_cards: cards.frame.height(),
        users: users.frame.height(),
        pages: 0,
    };
    let (staging, computed) =
        write.compute(cards.frame, users.frame, exceptions, &config, &period)?;
    spinner.finish_and_clear();
    finish(staging, &computed, &config, &provenance, &write)
}

/// `--replay DIR`: the run in DIR computed again from its inputs, as of the
/// moment it was computed, and its files compared with its manifest.
fn replay(dir: &Path, out: Option<&Path>) -> anyhow::Result<Outcome> {
    use anyhow::Context;
    let inputs = dir.join(payrun::output::INPUTS);
    let manifest_path = dir.join("manifest.json");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&manifest_path)
            .with_context(|| format!("cannot read {}", manifest_path.display()))?,
    )
    .with_context(|| format!("{} is not a manifest", manifest_path.display()))?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let (Some(start), Some(end), Some(as_of)) = (
        text(&manifest["period"]["start"]),
        text(&manifest["period"]["end"]),
        text(&manifest["as_of"]),
    ) else {
        anyhow::bail!(
            "{} has no period or as_of: not a manifest of a run that kept its inputs",
            manifest_path.display()
        );
    };
    let files = manifest["files_sha256"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if !inputs.join("payrun.toml").is_file() {
        anyhow::bail!(
            "{} holds no inputs/ (written with --no-inputs, or by an older payrun): nothing to replay",
            dir.display()
        );
    }
    let period = PayPeriod {
        start: start.parse()?,
        end: end.parse()?,
    };
    let as_of = chrono::DateTime::parse_from_rfc3339(&as_of)?.with_timezone(&chrono::Utc);
    let settings = payrun::settings::Settings::load(&inputs.join("payrun.toml"))?;
    let cards = read(&inputs.join("timecards.parquet"), RecordType::TimeCard)?;
    let users = read(&inputs.join("users.parquet"), RecordType::User)?;
    let exceptions_path = inputs.join("exceptions.parquet");
    let exceptions_frame = polars::prelude::ParquetReader::new(
        std::fs::File::open(&exceptions_path)
            .with_context(|| format!("cannot read {}", exceptions_path.display()))?,
    )
    .finish()?;
    // The exceptions found when the inputs were first read; reading them
    // again typed finds none of its own.
    let exceptions = exceptions_from_frame(&exceptions_frame)
        .map_err(|e| anyhow::anyhow!("{}: {e}", exceptions_path.display()))?;
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
    let computed = compute_period_as_of(
        cards.frame,
        users.frame,
        exceptions,
        &settings.rules,
        &period,
        as_of,
    )?;
    // Into a scratch folder (removed unless committed), or --out.
    let scratch = std::env::temp_dir().join(format!("payrun-replay-{}", std::process::id()));
    let staging = Staging::new(out.unwrap_or(&scratch))?;
    stage_report(&staging, &computed.report, &formats)?;
    let digests = staging.digests();
    let mut differing = Vec::new();
    let mut identical = 0;
    for (name, hash) in &files {
        if name.starts_with("inputs/") {
            continue;
        }
        let on_disk = std::fs::read(dir.join(name))
            .map(|bytes| format!("{:x}", sha2::Sha256::digest(&bytes)))
            .ok();
        let recomputed = digests.get(name).map(String::as_str) == hash.as_str();
        match (recomputed, on_disk.as_deref() == hash.as_str()) {
            (true, true) => identical += 1,
            (true, false) => differing.push(format!("{name} (changed since the run)")),
            (false, _) => differing.push(format!("{name} (computes differently)")),
        }
    }
    if let Some(out) = out {
        drop(staging);
        let provenance = Provenance {
            time_cards: manifest["records_in"]["time_cards"].as_u64().unwrap_or(0) as usize,
            users: manifest["records_in"]["users"].as_u64().unwrap_or(0) as usize,
            pages: manifest["records_in"]["pages_fetched"]
                .as_u64()
                .unwrap_or(0) as usize,
        };
        let staging = Staging::new(out)?;
        for name in files.keys().filter(|k| k.starts_with("inputs/")) {
            let bytes = std::fs::read(dir.join(name))
                .with_context(|| format!("cannot read {}", dir.join(name).display()))?;
            staging.stage(name, |w| {
                std::io::Write::write_all(w, &bytes).map_err(|e| e.to_string())
            })?;
        }
        payrun::job::write_staged(staging, &computed, &formats, &settings, &provenance)?;
    }
    if !differing.is_empty() {
        anyhow::bail!(
            "replaying {} gives different {}: {}",
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
    let mut exceptions =
        exceptions_from_frame(&frame).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
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
