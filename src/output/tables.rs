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
    let chunk_rows: Vec<usize> = frame
        .columns()
        .first()
        .map(|c| c.as_materialized_series().chunk_lengths().collect())
        .unwrap_or_default();
    // `finish` gathers chunks only when the first five are all smaller
    // than a row group; with one row group there is nothing to save.
    let gathers = chunk_rows.iter().take(5).all(|&rows| rows < ROW_GROUP_ROWS);
    if !gathers || frame.height() <= ROW_GROUP_ROWS {
        let mut writer = crate::parquet_table::BlockWriter::new(w, frame.schema(), compression)?;
        let mut groups = polars::frame::chunk_df_for_writing(frame, ROW_GROUP_ROWS)?.into_owned();
        writer.write(&mut groups)?;
        return writer.finish();
    }
    let mut groups = RowGroups::new(w, &frame.schema().clone(), compression)?;
    for chunk in frame.split_chunks() {
        groups.put(chunk)?;
    }
    groups.finish()
}

/// Frames given a chunk at a time, in order, gathered into row groups of
/// at least 262,144 rows, as [`Staging::parquet_with`](super::Staging::parquet_with)
/// gathers a frame of small chunks: the same file when every chunk is
/// smaller than a row group (a fetch's are), without holding more than a
/// row group.
pub struct RowGroups<W: Write> {
    writer: crate::parquet_table::BlockWriter<W>,
    schema: SchemaRef,
    group: Option<DataFrame>,
    remaining: usize,
    written: bool,
}

impl<W: Write> RowGroups<W> {
    /// A Parquet file of frames with `schema`, compressed with `compression`.
    pub fn new(w: W, schema: &SchemaRef, compression: ParquetCompression) -> PolarsResult<Self> {
        Ok(RowGroups {
            writer: crate::parquet_table::BlockWriter::new(w, schema, compression)?,
            schema: schema.clone(),
            group: None,
            remaining: ROW_GROUP_ROWS,
            written: false,
        })
    }

    /// The next rows.
    pub fn put(&mut self, chunk: DataFrame) -> PolarsResult<()> {
        self.remaining = self.remaining.saturating_sub(chunk.height());
        match &mut self.group {
            Some(rows) => {
                rows.vstack_mut_owned(chunk)?;
            }
            None => self.group = Some(chunk),
        }
        if self.remaining == 0 {
            self.remaining = ROW_GROUP_ROWS;
            self.write_group()?;
        }
        Ok(())
    }

    fn write_group(&mut self) -> PolarsResult<()> {
        if let Some(mut rows) = self.group.take() {
            rows.rechunk_mut_par();
            self.writer.write(&mut rows)?;
            self.written = true;
        }
        Ok(())
    }

    /// Writes the rows left and the footer (no rows: one empty row
    /// group, as for an empty frame).
    pub fn finish(mut self) -> PolarsResult<()> {
        self.write_group()?;
        if !self.written {
            self.writer
                .write(&mut DataFrame::empty_with_schema(&self.schema))?;
        }
        self.writer.finish()
    }
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

/// Stages the tables of a payroll report in each format as the rows of
/// its users come, a [`payrun_rules::TableBlock`] at a time:
/// `payroll_summary`, `daily_hours` and `pay_lines` are appended block by
/// block, each file by its own writer (at most one block waits per file),
/// so no table is ever whole in memory; `department_summary` and
/// `exceptions` are written whole at the end. The files are what writing
/// the whole frames writes, CSV byte for byte; in Parquet, `daily_hours`
/// and `pay_lines` have a row group (or more) per block and
/// `payroll_summary` one per 262,144 rows (`ROW_GROUP_ROWS`), the last
/// fewer.
pub struct TableWriter<'scope> {
    staging: &'scope Staging,
    formats: Vec<Format>,
    /// Each file's feed: its table (0 `payroll_summary`, 1 `daily_hours`,
    /// 2 `pay_lines`) and format.
    feeds: Vec<(usize, Format, std::sync::mpsc::SyncSender<DataFrame>)>,
    writers: Vec<std::thread::ScopedJoinHandle<'scope, Result<PathBuf, OutputError>>>,
    /// `payroll_summary` rows not yet in a Parquet row group.
    summary_rows: Vec<DataFrame>,
    departments: payrun_rules::Departments,
}

impl<'scope> TableWriter<'scope> {
    /// Begins the tables in `formats`, their writers running in `scope`.
    pub fn begin<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        staging: &'scope Staging,
        formats: &[Format],
    ) -> Self {
        let mut feeds = Vec::new();
        let mut writers = Vec::new();
        for (table, name) in ["payroll_summary", "daily_hours", "pay_lines"]
            .into_iter()
            .enumerate()
        {
            for &format in formats {
                let (feed, blocks) = std::sync::mpsc::sync_channel::<DataFrame>(1);
                let file = format!("{name}.{}", format.extension());
                feeds.push((table, format, feed));
                writers.push(scope.spawn(move || staging.blocks(&file, format, blocks)));
            }
        }
        TableWriter {
            staging,
            formats: formats.to_vec(),
            feeds,
            writers,
            summary_rows: Vec::new(),
            departments: payrun_rules::Departments::default(),
        }
    }

    /// Appends the next block of rows.
    pub fn add(&mut self, block: payrun_rules::TableBlock) -> Result<(), OutputError> {
        let payrun_rules::TableBlock {
            payroll_summary,
            daily_hours,
            pay_lines,
            departments,
        } = block;
        self.departments.merge(departments);
        let mut summary_group = None;
        if self.formats.contains(&Format::Parquet) {
            self.summary_rows.push(payroll_summary.clone());
            summary_group = self
                .full_row_group()
                .map_err(|e| self.failed("payroll_summary", e))?;
        }
        let frames = [payroll_summary, daily_hours, pay_lines];
        for i in 0..self.feeds.len() {
            let (table, format) = (self.feeds[i].0, self.feeds[i].1);
            let frame = match (table, format) {
                (0, Format::Parquet) => match summary_group.take() {
                    Some(group) => group,
                    None => continue,
                },
                _ => frames[table].clone(),
            };
            if self.feeds[i].2.send(frame).is_err() {
                return Err(self.stopped());
            }
        }
        Ok(())
    }

    /// The next row group of `payroll_summary` once [`ROW_GROUP_ROWS`] rows
    /// wait (in one chunk, as one row group), the rest kept waiting.
    fn full_row_group(&mut self) -> PolarsResult<Option<DataFrame>> {
        let waiting: usize = self.summary_rows.iter().map(DataFrame::height).sum();
        if waiting < ROW_GROUP_ROWS {
            return Ok(None);
        }
        let mut rows = self.gather()?;
        let rest = rows.slice(ROW_GROUP_ROWS as i64, rows.height() - ROW_GROUP_ROWS);
        rows = rows.slice(0, ROW_GROUP_ROWS);
        rows.rechunk_mut_par();
        if rest.height() > 0 {
            self.summary_rows.push(rest);
        }
        Ok(Some(rows))
    }

    /// The waiting `payroll_summary` rows as one frame.
    fn gather(&mut self) -> PolarsResult<DataFrame> {
        let mut frames = std::mem::take(&mut self.summary_rows).into_iter();
        let Some(mut rows) = frames.next() else {
            return Ok(DataFrame::empty());
        };
        for frame in frames {
            rows.vstack_mut_owned(frame)?;
        }
        rows.rechunk_mut_par();
        Ok(rows)
    }

    fn failed(&self, table: &str, e: PolarsError) -> OutputError {
        OutputError {
            path: self.staging.dir().join(table),
            message: e.to_string(),
        }
    }

    /// Why a writer stopped: its error, once every writer is stopped.
    fn stopped(&mut self) -> OutputError {
        self.feeds.clear();
        let written = join(std::mem::take(&mut self.writers), self.staging);
        match written {
            Err(e) => e,
            Ok(_) => OutputError {
                path: self.staging.dir().to_owned(),
                message: "a table writer stopped unexpectedly".into(),
            },
        }
    }

    /// Ends the three long tables and writes `department_summary` and the
    /// run's `exceptions` (sorted); returns the files written and
    /// `department_summary`.
    pub fn finish(
        mut self,
        exceptions: &[payrun_ingest::Exception],
    ) -> Result<(Vec<PathBuf>, DataFrame), OutputError> {
        use rayon::prelude::*;
        if self.formats.contains(&Format::Parquet) {
            // The last row group, even of no rows: the file has its schema.
            let rows = self
                .gather()
                .map_err(|e| self.failed("payroll_summary", e))?;
            let feed = self
                .feeds
                .iter()
                .find(|(table, format, _)| *table == 0 && *format == Format::Parquet);
            if let Some((.., feed)) = feed
                && (rows.width() > 0)
                && feed.send(rows).is_err()
            {
                return Err(self.stopped());
            }
        }
        self.feeds.clear();
        let departments = self
            .departments
            .frame()
            .map_err(|e| self.failed("department_summary", e))?;
        let csv = payrun_ingest::exceptions_frame(exceptions)
            .map_err(|e| self.failed("exceptions.csv", e))?;
        // exceptions.parquet holds its times as timestamps; the CSV as text.
        let stamped = if self.formats.contains(&Format::Parquet) {
            payrun_ingest::exceptions_parquet_frame(exceptions)
                .map_err(|e| self.failed("exceptions.parquet", e))?
        } else {
            DataFrame::empty()
        };
        let staging = self.staging;
        let files: Vec<(String, &DataFrame, Format)> = self
            .formats
            .iter()
            .flat_map(|&f| {
                [
                    ("department_summary", &departments),
                    (
                        "exceptions",
                        if f == Format::Parquet { &stamped } else { &csv },
                    ),
                ]
                .map(|(name, frame)| (format!("{name}.{}", f.extension()), frame, f))
            })
            .collect();
        let small = files
            .par_iter()
            .map(|(file, frame, format)| match format {
                Format::Csv => staging.csv(file, frame),
                Format::Parquet => staging.parquet(file, frame),
            })
            .collect::<Result<Vec<_>, _>>();
        let mut written = join(std::mem::take(&mut self.writers), staging)?;
        written.extend(small?);
        Ok((written, departments))
    }
}

/// The files `writers` wrote, or the first error among them.
fn join(
    writers: Vec<std::thread::ScopedJoinHandle<'_, Result<PathBuf, OutputError>>>,
    staging: &Staging,
) -> Result<Vec<PathBuf>, OutputError> {
    writers
        .into_iter()
        .map(|w| {
            w.join().unwrap_or_else(|_| {
                Err(OutputError {
                    path: staging.dir().to_owned(),
                    message: "a table writer stopped unexpectedly".into(),
                })
            })
        })
        .collect()
}
