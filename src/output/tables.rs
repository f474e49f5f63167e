//! Writing the report's tables: each in CSV and Parquet (codecs, row
//! groups), text made safe for spreadsheets, the formats, the list of a
//! run's files, and staging the tables of a run, `daily_hours` and
//! `pay_lines` a block of users at a time.

use std::io::Write;
use std::path::PathBuf;

use polars::prelude::*;

use super::{OutputError, Staging};

/// The codec of the report tables in Parquet: Snappy, the codec most
/// Parquet writers default to. Every reader has it, and it encodes the
/// tables in about 60% of zstd's time for files about twice as large.
pub const PARQUET_CODEC: ParquetCompression = ParquetCompression::Snappy;

/// The codec of the records `payrun fetch` keeps (`timecards.parquet`,
/// `users.parquet`; `payrun sim --dump` writes the same): zstd. They are
/// kept, and each run computed from them copies them into its `inputs/`:
/// zstd makes them two thirds of Snappy's size, and `payrun compute`
/// reads either in the same time (docs/performance.md).
pub const RECORDS_CODEC: ParquetCompression = ParquetCompression::Zstd(None);

/// Rows per Parquet row group (Polars' default, set explicitly so that both
/// paths of [`write_parquet`] cut the same row groups).
pub(super) const ROW_GROUP_ROWS: usize = 512 * 512;

/// Writes `frame` as `ParquetWriter::finish` does, with the same row
/// groups and bytes (see [`crate::parquet_table`]), but a row group at a time. A
/// frame of many small chunks (a fetch's pages) is gathered into row
/// groups of at least [`ROW_GROUP_ROWS`] rows; `finish` gathers all of
/// them before writing the first, a copy of the whole frame, where this
/// holds one row group.
pub(super) fn write_parquet(
    w: &mut impl Write,
    frame: &mut DataFrame,
    compression: ParquetCompression,
) -> PolarsResult<()> {
    frame.align_chunks_par();
    let mut writer = crate::parquet_table::BlockWriter::new(w, frame.schema(), compression)?;
    let chunk_rows: Vec<usize> = frame
        .columns()
        .first()
        .map(|c| c.as_materialized_series().chunk_lengths().collect())
        .unwrap_or_default();
    // `finish` gathers chunks only when the first five are all smaller
    // than a row group; with one row group there is nothing to save.
    let gathers = chunk_rows.iter().take(5).all(|&rows| rows < ROW_GROUP_ROWS);
    if !gathers || frame.height() <= ROW_GROUP_ROWS {
        let mut groups = polars::frame::chunk_df_for_writing(frame, ROW_GROUP_ROWS)?.into_owned();
        writer.write(&mut groups)?;
        return writer.finish();
    }
    let mut group: Option<DataFrame> = None;
    let mut write = |group: &mut Option<DataFrame>| -> PolarsResult<()> {
        if let Some(mut rows) = group.take() {
            rows.rechunk_mut_par();
            writer.write(&mut rows)?;
        }
        Ok(())
    };
    let mut remaining = ROW_GROUP_ROWS;
    for chunk in frame.split_chunks() {
        remaining = remaining.saturating_sub(chunk.height());
        match &mut group {
            Some(rows) => {
                rows.vstack_mut_owned(chunk)?;
            }
            None => group = Some(chunk),
        }
        if remaining == 0 {
            remaining = ROW_GROUP_ROWS;
            write(&mut group)?;
        }
    }
    write(&mut group)?;
    writer.finish()
}

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as it is safe to put in a CSV cell that a spreadsheet opens: text
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'`, so that it is shown, never run (a `userFullName` of
/// `=HYPERLINK(…)` stays text). Parquet keeps the exact value.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_start(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Whether [`spreadsheet_safe`] guards `text`.
pub(crate) fn is_formula_start(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS)
}

/// The value [`spreadsheet_safe`] was given, from what it returned.
pub fn from_spreadsheet_safe(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// `frame` with every text column made [`spreadsheet_safe`].
pub(super) fn spreadsheet_safe_frame(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let columns = frame
        .columns()
        .iter()
        .map(|column| {
            if !column.dtype().is_string() {
                return Ok(column.clone());
            }
            let texts = column.str()?;
            if !texts
                .iter()
                .flatten()
                .any(|t| matches!(spreadsheet_safe(t), std::borrow::Cow::Owned(_)))
            {
                return Ok(column.clone());
            }
            let values: Vec<Option<std::borrow::Cow<str>>> = column
                .str()?
                .iter()
                .map(|v| v.map(spreadsheet_safe))
                .collect();
            Ok(Column::new(column.name().clone(), values))
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(frame.height(), columns)
}

/// An output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// Comma-separated text with a header row.
    Csv,
    /// Apache Parquet with typed columns.
    Parquet,
}

impl Format {
    /// Parses `csv,parquet` (either, both, any order).
    pub fn parse_list(text: &str) -> Result<Vec<Format>, String> {
        let mut formats = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let format = match part.to_ascii_lowercase().as_str() {
                "csv" => Format::Csv,
                "parquet" => Format::Parquet,
                other => {
                    return Err(format!(
                        "unknown format `{other}` (use csv, parquet or csv,parquet)"
                    ));
                }
            };
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        if formats.is_empty() {
            return Err("no format given (use csv, parquet or csv,parquet)".into());
        }
        formats.sort();
        Ok(formats)
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// A list of formats, as `--format csv,parquet` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formats(pub Vec<Format>);

impl std::fmt::Display for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|f| f.extension()).collect();
        f.write_str(&names.join(", "))
    }
}

impl std::str::FromStr for Formats {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Format::parse_list(text).map(Formats)
    }
}

/// The tables of a payroll report, by file stem.
pub const REPORT_TABLES: [&str; 5] = [
    "payroll_summary",
    "daily_hours",
    "department_summary",
    "exceptions",
    "pay_lines",
];

/// Every file a payroll run may write into its folder.
pub fn report_files() -> Vec<String> {
    let mut files: Vec<String> = REPORT_TABLES
        .iter()
        .flat_map(|t| [format!("{t}.csv"), format!("{t}.parquet")])
        .collect();
    files.push("manifest.json".into());
    files.push(INPUTS.into());
    files.push("export_*.csv".into());
    files.push(REVIEW_PAGE.into());
    files
}

/// The review page every run writes (see [`crate::review`]).
pub const REVIEW_PAGE: &str = "report.html";

/// The folder of a run's inputs (`inputs/timecards.parquet`, …).
pub const INPUTS: &str = "inputs";

use payrun_rules::USERS_PER_BLOCK;

/// Stages the tables of a payroll report in each format:
/// `payroll_summary`, `daily_hours`, `department_summary`, `exceptions`,
/// `pay_lines`. The summaries are written whole; `daily_hours` and
/// `pay_lines` are built from `run` and appended a block of users at a time
/// ([`payrun_rules::detail_blocks`]), every file at once, so neither table
/// is ever whole in memory. The files are what writing the whole frames
/// writes (CSV byte for byte; Parquet the same rows in more row groups).
pub fn stage_report(
    staging: &Staging,
    run: &payrun_rules::PayrollRun,
    summaries: &payrun_rules::Summaries,
    formats: &[Format],
) -> Result<Vec<PathBuf>, OutputError> {
    use rayon::prelude::*;
    let small = [
        ("payroll_summary", &summaries.payroll_summary),
        ("department_summary", &summaries.department_summary),
        ("exceptions", &summaries.exceptions),
    ];
    // exceptions.parquet holds its times as timestamps; the CSV as text.
    let stamped = if formats.contains(&Format::Parquet) {
        payrun_ingest::exceptions_parquet_frame(&run.exceptions).map_err(|e| OutputError {
            path: staging.dir().join("exceptions.parquet"),
            message: e.to_string(),
        })?
    } else {
        DataFrame::empty()
    };
    let files: Vec<(String, &DataFrame, Format)> = small
        .into_iter()
        .flat_map(|(name, frame)| {
            let stamped = &stamped;
            formats.iter().map(move |f| {
                let frame = match (name, f) {
                    ("exceptions", Format::Parquet) => stamped,
                    _ => frame,
                };
                (format!("{name}.{}", f.extension()), frame, *f)
            })
        })
        .collect();
    // Files are independent: write them at the same time. The blocks are
    // fed from this thread, not from a rayon worker, which must not wait
    // on a channel.
    let (small, details) = std::thread::scope(|scope| {
        let small = scope.spawn(|| {
            files
                .par_iter()
                .map(|(file, frame, format)| match format {
                    Format::Csv => staging.csv(file, frame),
                    Format::Parquet => staging.parquet(file, frame),
                })
                .collect::<Result<Vec<_>, _>>()
        });
        let details = stage_details(staging, run, formats);
        (small.join(), details)
    });
    let mut written = small.unwrap_or_else(|_| {
        Err(OutputError {
            path: staging.dir().to_owned(),
            message: "a table writer stopped unexpectedly".into(),
        })
    })?;
    written.extend(details?);
    Ok(written)
}

/// `daily_hours` and `pay_lines` in each format: one writer per file, fed
/// each block as it is built (at most one block waits per file).
fn stage_details(
    staging: &Staging,
    run: &payrun_rules::PayrollRun,
    formats: &[Format],
) -> Result<Vec<PathBuf>, OutputError> {
    use std::sync::mpsc::sync_channel;
    let tables = ["daily_hours", "pay_lines"];
    std::thread::scope(|scope| {
        let mut feeds = Vec::new();
        let mut writers = Vec::new();
        for (table, name) in tables.iter().enumerate() {
            for &format in formats {
                let (feed, blocks) = sync_channel::<DataFrame>(1);
                let file = format!("{name}.{}", format.extension());
                feeds.push((table, feed));
                writers.push(scope.spawn(move || staging.blocks(&file, format, blocks)));
            }
        }
        let mut failed = None;
        'blocks: for block in payrun_rules::detail_blocks(run, USERS_PER_BLOCK) {
            let frames = match block {
                Ok((daily, lines)) => [daily, lines],
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            for (table, feed) in &feeds {
                // A writer that stopped says why when it is joined.
                if feed.send(frames[*table].clone()).is_err() {
                    break 'blocks;
                }
            }
        }
        drop(feeds);
        let written: Vec<Result<PathBuf, OutputError>> = writers
            .into_iter()
            .map(|w| {
                w.join().unwrap_or_else(|_| {
                    Err(OutputError {
                        path: staging.dir().to_owned(),
                        message: "a table writer stopped unexpectedly".into(),
                    })
                })
            })
            .collect();
        let written = written.into_iter().collect::<Result<Vec<_>, _>>()?;
        match failed {
            Some(e) => Err(OutputError {
                path: staging.dir().join("daily_hours"),
                message: e.to_string(),
            }),
            None => Ok(written),
        }
    })
}
