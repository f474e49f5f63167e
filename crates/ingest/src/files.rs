//! Reading time cards and users from files instead of the API.
//!
//! `payrun compute` and embedding tools accept, with the API's column names:
//!
//! * `.json`: an API response (`{"statusCode": …, "data": [...]}`) or a bare
//!   array of records;
//! * a directory of `.json` page files, read in name order;
//! * `.jsonl`: one record per line;
//! * `.csv`: a header row, then one record per row, every value as text;
//! * `.parquet`: typed columns (as `payrun fetch` writes them) or text.
//!
//! Values are read exactly as from the API, so a bad value in a file is an
//! `invalid_value` exception naming the record and field, never a panic.
//!
//! [`read_time_cards_into`] reads a payroll's time cards straight into an
//! [`InputBuilder`](crate::input::InputBuilder), a Parquet file a few row
//! groups at a time, so a large file is never a whole frame in memory.
//!
//! It is long because each input form (JSON, JSONL, CSV, Parquet, a page
//! folder) is read into the same columns here; the last third is tests.

use std::path::Path;

use polars::prelude::*;

use crate::decode::{
    CategoryFields, DecodedPage, MalformedPage, conform_columns, conform_typed, decode_page,
    decode_records,
};
use crate::exception::Exception;
use crate::schema::{RecordType, col};

/// A file could not be read as records.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FileError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Records read from a file, typed per [`RecordType::schema`].
#[derive(Debug, Clone)]
pub struct FileRecords {
    /// The records.
    pub frame: DataFrame,
    /// Values that could not be read.
    pub exceptions: Vec<Exception>,
}

/// Reads `path` (a file or a directory of JSON pages) as `record_type`
/// records. Records without any of the columns their type needs (another
/// kind of file, or other column names) are refused, naming the columns.
pub fn read_records(path: &Path, record_type: RecordType) -> Result<FileRecords, FileError> {
    read_columns(path, record_type, None)
}

/// Reads `path` as [`read_records`] does, but only the columns a payroll
/// reads ([`RecordType::payroll_columns`]): from Parquet and CSV files the
/// other columns are not read at all (they are absent from the frame), so
/// neither their time nor their memory is spent, and a value that could not
/// be read in them is no exception.
pub fn read_payroll_records(
    path: &Path,
    record_type: RecordType,
) -> Result<FileRecords, FileError> {
    read_columns(path, record_type, Some(record_type.payroll_columns()))
}

/// The user-key columns alone (`userName`, `employeeNumber`,
/// `userFullName`) of the users file `path`, typed: which users a key
/// names, without reading their other fields.
pub fn read_user_keys(path: &Path) -> Result<FileRecords, FileError> {
    read_columns(path, RecordType::User, Some(&col::USER_KEYS))
}

fn read_columns(
    path: &Path,
    record_type: RecordType,
    columns: Option<&[&str]>,
) -> Result<FileRecords, FileError> {
    let records = read_any(path, record_type, columns)?;
    let mut presence = Presence::default();
    presence.observe(&records.frame);
    presence.check(path, record_type)?;
    Ok(records)
}

/// The records in the Parquet file `path`, from its footer alone.
pub fn parquet_rows(path: &Path) -> Result<usize, FileError> {
    ParquetFile::open(path, CategoryFields::Text)
        .map(|file| file.metadata.num_rows)
        .map_err(|message| FileError {
            path: path.display().to_string(),
            message,
        })
}

/// Time cards read by [`read_time_cards_into`].
#[derive(Debug)]
pub struct TimeCardsRead {
    /// Values that could not be read.
    pub exceptions: Vec<Exception>,
    /// The whole frame, when the file's form is read whole (every form but
    /// Parquet); `None` for a Parquet file, never whole in memory.
    pub frame: Option<DataFrame>,
}

/// Rows of a Parquet file read at a time by [`read_time_cards_into`]:
/// whole row groups, at least this many rows when the groups are smaller.
pub(crate) const BATCH_ROWS: usize = 1 << 17;

/// Reads the time cards of `path` (in any form [`read_payroll_records`]
/// takes) into `builder`, with the same checks and exceptions. A Parquet
/// file is read a few row groups at a time, each batch typed, matched and
/// let go before the next is read, so memory holds the typed cards and one
/// batch, never the whole frame.
pub fn read_time_cards_into(
    path: &Path,
    builder: &mut crate::input::InputBuilder,
) -> Result<TimeCardsRead, FileError> {
    read_time_cards_batched(path, builder, BATCH_ROWS)
}

/// Long because it is the builder's two passes over a file's batches,
/// which share the reader and the row counts.
fn read_time_cards_batched(
    path: &Path,
    builder: &mut crate::input::InputBuilder,
    batch_rows: usize,
) -> Result<TimeCardsRead, FileError> {
    let record_type = RecordType::TimeCard;
    let fail = |message: String| FileError {
        path: path.display().to_string(),
        message,
    };
    let is_parquet = path.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if !is_parquet {
        let records = read_payroll_records(path, record_type)?;
        let failed = |e: PolarsError| fail(e.to_string());
        builder.match_keys(&records.frame).map_err(failed)?;
        builder.push(&records.frame).map_err(failed)?;
        return Ok(TimeCardsRead {
            exceptions: records.exceptions,
            frame: Some(records.frame),
        });
    }
    let file = ParquetFile::open(path, CategoryFields::Text).map_err(fail)?;
    let batches = file.batches(batch_rows);
    let batch = |columns: &[&str], rows: (usize, usize)| {
        file.read(record_type, Some(columns), Some(rows))
            .map_err(fail)
    };
    let clock = std::time::Instant::now();
    let mut presence = Presence::default();
    // Pass 1: the user keys alone, so each user's count of cards is known.
    // `userName` first: the other two keys are read only for a batch with
    // a card it does not match (none, in most files).
    let keys = col::USER_KEYS;
    let by_name = file.names.iter().any(|n| n == col::USER_NAME);
    let first: &[&str] = if by_name { &keys[..1] } else { &keys };
    let mut next = 0;
    ahead(batches.len(), &|i| batch(first, batches[i]), |decoded| {
        let rows = batches[next];
        next += 1;
        presence.observe(&decoded.frame);
        let failed = |e: PolarsError| fail(e.to_string());
        if !by_name {
            return builder.match_keys(&decoded.frame).map_err(failed);
        }
        if builder.match_user_names(&decoded.frame).map_err(failed)? {
            return Ok(());
        }
        let others = batch(&keys[1..], rows)?;
        presence.observe(&others.frame);
        let mut frame = decoded.frame;
        frame.hstack_mut(others.frame.columns()).map_err(failed)?;
        builder.match_keys(&frame).map_err(failed)
    })?;
    tracing::debug!(elapsed = ?clock.elapsed(), batches = batches.len(), rss_mib = crate::resident_bytes() >> 20, "time card keys matched");
    // Pass 2: every other column a payroll reads, each card placed by user.
    // The keys only name records in exceptions: they are read again just
    // for a batch with an unmatched card or a value that cannot be read.
    let all = record_type.payroll_columns();
    let rest: Vec<&str> = all.iter().copied().filter(|c| !keys.contains(c)).collect();
    let unmatched: Vec<bool> = batches
        .iter()
        .map(|&(start, len)| builder.has_unmatched(start..start + len))
        .collect();
    let typed = |i: usize| {
        if unmatched[i] {
            return batch(all, batches[i]);
        }
        let decoded = batch(&rest, batches[i])?;
        if decoded.exceptions.is_empty() {
            Ok(decoded)
        } else {
            batch(all, batches[i])
        }
    };
    let mut exceptions = Vec::new();
    ahead(batches.len(), &typed, |decoded| {
        presence.observe(&decoded.frame);
        exceptions.extend(decoded.exceptions);
        builder
            .push_owned(decoded.frame)
            .map_err(|e| fail(e.to_string()))
    })?;
    tracing::debug!(elapsed = ?clock.elapsed(), rss_mib = crate::resident_bytes() >> 20, "time cards placed");
    presence.check(path, record_type)?;
    Ok(TimeCardsRead {
        exceptions,
        frame: None,
    })
}

/// Long because it is one case per input form (JSON response or array,
/// page folder, JSONL, CSV, Parquet), each reading the same columns.
fn read_any(
    path: &Path,
    record_type: RecordType,
    columns: Option<&[&str]>,
) -> Result<FileRecords, FileError> {
    let fail = |message: String| FileError {
        path: path.display().to_string(),
        message,
    };
    if path.is_dir() {
        let mut pages: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| fail(e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        pages.sort();
        if pages.is_empty() {
            return Err(fail("the directory has no .json files".into()));
        }
        let mut frame = DataFrame::empty_with_schema(&record_type.schema());
        let mut exceptions = Vec::new();
        for page in pages {
            let records = read_any(&page, record_type, columns)?;
            frame
                .vstack_mut(&records.frame)
                .map_err(|e| fail(e.to_string()))?;
            exceptions.extend(records.exceptions);
        }
        frame.rechunk_mut_par();
        return Ok(FileRecords { frame, exceptions });
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let malformed = |e: MalformedPage| fail(e.0);
    let decoded: DecodedPage = match extension.as_str() {
        "json" => {
            let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
            if bytes.trim_ascii_start().starts_with(b"[") {
                decode_records(&bytes, record_type).map_err(malformed)?
            } else {
                let page = decode_page(&bytes, record_type).map_err(malformed)?;
                if !page.header.status_code.is_empty() && !page.header.is_success() {
                    return Err(fail(format!(
                        "the saved response is an API error: {}",
                        page.header.message
                    )));
                }
                page
            }
        }
        "jsonl" | "ndjson" => {
            let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
            let lines: Vec<(usize, &str)> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .collect();
            let body = format!(
                "[{}]",
                lines.iter().map(|(_, l)| *l).collect::<Vec<_>>().join(",")
            );
            decode_records(body.as_bytes(), record_type).map_err(|_| {
                // Say which line is broken rather than where in the joined text.
                let bad = lines
                    .iter()
                    .find(|(_, l)| serde_json::from_str::<serde::de::IgnoredAny>(l).is_err())
                    .map_or(0, |(n, _)| n + 1);
                fail(format!("line {bad} is not a JSON record"))
            })?
        }
        "csv" => {
            let header = CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .with_n_rows(Some(0))
                .try_into_reader_with_file_path(Some(path.to_owned()))
                .and_then(|r| r.finish())
                .map_err(|e| fail(e.to_string()))?;
            let frame = CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .with_columns(present(
                    header
                        .get_column_names()
                        .into_iter()
                        .map(|n| n.as_str())
                        .collect(),
                    columns,
                ))
                .try_into_reader_with_file_path(Some(path.to_owned()))
                .and_then(|r| r.finish())
                .map_err(|e| fail(e.to_string()))?;
            conform_columns(&frame, record_type, columns).map_err(malformed)?
        }
        "parquet" => ParquetFile::open(path, CategoryFields::Categorical)
            .and_then(|file| file.read(record_type, columns, None))
            .map_err(fail)?,
        other => {
            return Err(fail(format!(
                "cannot read `.{other}` files; use .json, .jsonl, .csv, .parquet or a directory of .json pages"
            )));
        }
    };
    Ok(FileRecords {
        frame: decoded.frame,
        exceptions: decoded.exceptions,
    })
}

/// Of `columns` (all when `None`), those the file has, in the file's
/// order; `None` (every column) when `columns` is `None` or the file has
/// none of them.
fn present(file: Vec<&str>, columns: Option<&[&str]>) -> Option<std::sync::Arc<[PlSmallStr]>> {
    let wanted = columns?;
    let chosen: std::sync::Arc<[PlSmallStr]> = file
        .into_iter()
        .filter(|name| wanted.contains(name))
        .map(PlSmallStr::from)
        .collect();
    // A file with none of them is read whole (an empty projection is not
    // one the readers take), then refused for what it lacks.
    (!chosen.is_empty()).then_some(chosen)
}

/// The identity columns, one of which a record set needs.
const IDENTITY: [&str; 3] = col::USER_KEYS;

fn required_columns(record_type: RecordType) -> &'static str {
    match record_type {
        RecordType::TimeCard => {
            "inDateTime, outDateTime, entryType, and one of userName, employeeNumber, userFullName"
        }
        RecordType::User => "one of userName, employeeNumber, userFullName",
    }
}

/// A Parquet file whose metadata and column names are read once, for
/// reading it whole or a slice of rows at a time, its categorical fields
/// read as `categories` says.
pub(crate) struct ParquetFile<'p> {
    path: &'p Path,
    metadata: std::sync::Arc<FileMetadata>,
    pub(crate) names: Vec<String>,
    categories: CategoryFields,
}

impl<'p> ParquetFile<'p> {
    /// Its rows in batches of whole row groups, at least `batch_rows`
    /// rows each (the last fewer): each batch's first row and length.
    pub(crate) fn batches(&self, batch_rows: usize) -> Vec<(usize, usize)> {
        let mut batches = Vec::new();
        let mut groups = self
            .metadata
            .row_groups
            .iter()
            .map(|g| g.num_rows())
            .peekable();
        let mut start = 0;
        while groups.peek().is_some() {
            let mut len = 0;
            while len < batch_rows
                && let Some(rows) = groups.next()
            {
                len += rows;
            }
            batches.push((start, len));
            start += len;
        }
        batches
    }

    pub(crate) fn open(path: &'p Path, categories: CategoryFields) -> Result<Self, String> {
        crate::schema::hold_categories();
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let mut reader = ParquetReader::new(file);
        let mut metadata = reader.get_metadata().map_err(|e| e.to_string())?.clone();
        let schema = reader.schema().map_err(|e| e.to_string())?;
        if categories == CategoryFields::Text {
            metadata = categories_as_text(metadata, &schema);
        }
        let names = schema.iter_names().map(|n| n.to_string()).collect();
        Ok(ParquetFile {
            path,
            metadata,
            names,
            categories,
        })
    }

    /// Rows `start..start + len` (every row when `None`) of `columns` (see
    /// [`present`]), typed by [`conform_columns`], categorical fields made
    /// what `categories` says (as text, see [`categories_as_text`]).
    pub(crate) fn read(
        &self,
        record_type: RecordType,
        columns: Option<&[&str]>,
        rows: Option<(usize, usize)>,
    ) -> Result<DecodedPage, String> {
        let file = std::fs::File::open(self.path).map_err(|e| e.to_string())?;
        let mut reader = ParquetReader::new(file);
        reader.set_metadata(self.metadata.clone());
        let names = self.names.iter().map(String::as_str).collect();
        let frame = reader
            .with_columns(
                present(names, columns).map(|c| c.iter().map(|n| n.to_string()).collect()),
            )
            .with_slice(rows)
            .finish()
            .map_err(|e| e.to_string())?;
        conform_typed(&frame, record_type, columns, self.categories).map_err(|e| e.0)
    }
}

/// `metadata` read with its categorical (dictionary) columns as text,
/// when the file's Arrow schema (`ARROW:schema`, which `payrun fetch`
/// writes) is what the Parquet schema alone gives but for those columns:
/// the time card reader turns each name into its own id, and Polars would
/// first hash every cell's text into its global categories (2.6% of a
/// run's time at 1M typed time cards). Otherwise `metadata` as it is.
fn categories_as_text(
    metadata: std::sync::Arc<FileMetadata>,
    schema: &ArrowSchema,
) -> std::sync::Arc<FileMetadata> {
    use polars_arrow::datatypes::ArrowDataType as A;
    let text = |dtype: &A| matches!(dtype, A::Utf8 | A::LargeUtf8 | A::Utf8View);
    let categorical = |dtype: &A| matches!(dtype, A::Dictionary(_, values, _) if text(values));
    if !schema.iter_values().any(|f| categorical(&f.dtype)) {
        return metadata;
    }
    let mut plain = (*metadata).clone();
    if let Some(pairs) = &mut plain.key_value_metadata {
        pairs.retain(|pair| pair.key != "ARROW:schema");
    }
    let Ok(inferred) = polars_parquet::read::infer_schema(&plain) else {
        return metadata;
    };
    let alike = inferred.len() == schema.len()
        && schema
            .iter_values()
            .zip(inferred.iter_values())
            .all(|(given, plain)| {
                given.name == plain.name
                    && (given.dtype == plain.dtype
                        || categorical(&given.dtype) && text(&plain.dtype))
            });
    if alike {
        std::sync::Arc::new(plain)
    } else {
        metadata
    }
}

/// Calls `each` with batches `0..batches` as `read` gives them, in order, while another
/// thread reads the next batch (decoding one batch and placing the
/// previous one's cards at the same time). Stops at the first error.
pub(crate) fn ahead<T: Send>(
    batches: usize,
    read: &(dyn Fn(usize) -> Result<T, FileError> + Sync),
    mut each: impl FnMut(T) -> Result<(), FileError>,
) -> Result<(), FileError> {
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            for i in 0..batches {
                let batch = read(i);
                let failed = batch.is_err();
                // A send fails once `each` has failed: nothing more is wanted.
                if sender.send(batch).is_err() || failed {
                    break;
                }
            }
        });
        // Ends when the reader has sent every batch (a reader that panics
        // panics the scope, so no batch is silently missing).
        for batch in receiver {
            each(batch?)?;
        }
        Ok(())
    })
}

/// Which of the required columns have a value in some record, over every
/// batch of a file (a file of other data, or with other column names, has
/// none in some).
#[derive(Debug, Default)]
pub(crate) struct Presence {
    /// Whether any record was seen.
    any: bool,
    /// Of [`Presence::CHECKED`], those with a value somewhere.
    valued: [bool; 6],
    /// Whether some record is a job entry (type 0), which has an out time.
    job_entries: bool,
}

impl Presence {
    const CHECKED: [&str; 6] = [
        "inDateTime",
        "outDateTime",
        "entryType",
        IDENTITY[0],
        IDENTITY[1],
        IDENTITY[2],
    ];

    pub(crate) fn observe(&mut self, frame: &DataFrame) {
        self.any |= frame.height() > 0;
        for (valued, name) in self.valued.iter_mut().zip(Self::CHECKED) {
            *valued |= frame
                .column(name)
                .is_ok_and(|c| c.null_count() < frame.height());
        }
        self.job_entries |= frame
            .column("entryType")
            .ok()
            .and_then(|c| c.i32().ok().map(|c| c.iter().any(|t| t == Some(0))))
            .unwrap_or(false);
    }

    fn empty(&self, name: &str) -> bool {
        !Self::CHECKED
            .iter()
            .zip(self.valued)
            .any(|(checked, valued)| *checked == name && valued)
    }

    /// The required columns of `record_type` with no value in any record
    /// (none when there are no records).
    fn missing(&self, record_type: RecordType) -> Vec<String> {
        if !self.any {
            return Vec::new();
        }
        let mut missing: Vec<String> = Vec::new();
        if record_type == RecordType::TimeCard {
            // PTO and adjustments have no out time; job entries (type 0) do.
            for column in ["inDateTime", "outDateTime", "entryType"] {
                if self.empty(column)
                    && (column != "outDateTime" || self.job_entries || self.empty("entryType"))
                {
                    missing.push(column.to_owned());
                }
            }
        }
        if IDENTITY.iter().all(|c| self.empty(c)) {
            missing.push(format!("any of {}", IDENTITY.join(", ")));
        }
        missing
    }

    /// Refuses records without any of the columns their type needs.
    pub(crate) fn check(&self, path: &Path, record_type: RecordType) -> Result<(), FileError> {
        let missing = self.missing(record_type);
        if missing.is_empty() {
            return Ok(());
        }
        Err(FileError {
            path: path.display().to_string(),
            message: format!(
                "these are not {} records: no value in {} (a file of {}s needs {})",
                record_type.noun(),
                missing.join(", "),
                record_type.noun(),
                required_columns(record_type)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn hours(frame: &DataFrame) -> Vec<Option<i128>> {
        let ca = frame
            .column("hours")
            .unwrap()
            .decimal()
            .unwrap()
            .physical()
            .clone();
        (0..ca.len()).map(|i| ca.get(i)).collect()
    }

    #[test]
    fn every_input_form_gives_the_same_typed_frame() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let records = r#"[{"userName":"a","inDateTime":"2024-01-02 08:00:00","outDateTime":"2024-01-02 16:00:00","entryType":0,"hours":"0.000"},
                         {"userName":"b","inDateTime":"2024-01-03 00:00:00","outDateTime":"0000-00-00 00:00:00","entryType":1,"hours":"8.000"}]"#;
        let array = read_records(&write(d, "a.json", records), RecordType::TimeCard).unwrap();
        let response = format!(
            r#"{{"statusCode":"SUCCESS","message":"","nextRecord":"-1","data":{records}}}"#
        );
        let page = read_records(&write(d, "b.json", &response), RecordType::TimeCard).unwrap();
        let jsonl = records
            .trim_start_matches('[')
            .trim_end_matches(']')
            .replace("},\n", "}\n");
        let lines = read_records(&write(d, "c.jsonl", &jsonl), RecordType::TimeCard).unwrap();
        let csv = "userName,inDateTime,outDateTime,entryType,hours,unknownColumn\n\
                   a,2024-01-02 08:00:00,2024-01-02 16:00:00,0,0.000,x\n\
                   b,2024-01-03 00:00:00,0000-00-00 00:00:00,1,8.000,y\n";
        let csv = read_records(&write(d, "d.csv", csv), RecordType::TimeCard).unwrap();
        let mut typed = array.frame.clone();
        ParquetWriter::new(std::fs::File::create(d.join("e.parquet")).unwrap())
            .finish(&mut typed)
            .unwrap();
        let parquet = read_records(&d.join("e.parquet"), RecordType::TimeCard).unwrap();
        for other in [&page, &lines, &csv, &parquet] {
            assert!(
                other.frame.equals_missing(&array.frame),
                "{:?}",
                other.frame
            );
            assert!(other.exceptions.is_empty());
        }
        assert_eq!(hours(&csv.frame), vec![Some(0), Some(8_000_000)]);
    }

    #[test]
    fn a_directory_of_pages_is_read_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "page_2.json", r#"[{"userName":"second"}]"#);
        write(
            dir.path(),
            "page_1.json",
            r#"{"statusCode":"SUCCESS","nextRecord":"1","data":[{"userName":"first"}]}"#,
        );
        let records = read_records(dir.path(), RecordType::User).unwrap();
        let names = records
            .frame
            .column("userName")
            .unwrap()
            .str()
            .unwrap()
            .clone();
        assert_eq!(names.get(0), Some("first"));
        assert_eq!(names.get(1), Some("second"));
    }

    #[test]
    fn payroll_reads_take_only_the_columns_a_payroll_uses() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "cards.csv",
            "userName,inDateTime,outDateTime,entryType,inIp,inLatitude\n\
             ann,2024-05-13 09:00:00,2024-05-13 17:00:00,0,10.0.0.1,not a number\n",
        );
        let all = read_records(&path, RecordType::TimeCard).unwrap();
        assert!(all.frame.column("inIp").is_ok());
        assert_eq!(
            all.exceptions.len(),
            1,
            "inLatitude is read, and unreadable"
        );
        let payroll = read_payroll_records(&path, RecordType::TimeCard).unwrap();
        let mut names: Vec<&str> = payroll
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect();
        names.sort();
        let mut wanted = RecordType::TimeCard.payroll_columns().to_vec();
        wanted.sort();
        assert_eq!(
            names, wanted,
            "the payroll's columns (absent ones empty), no others"
        );
        assert!(
            payroll.exceptions.is_empty(),
            "columns not read raise nothing"
        );
        assert_eq!(
            payroll.frame.column("inDateTime").unwrap().dtype(),
            all.frame.column("inDateTime").unwrap().dtype()
        );
    }

    #[test]
    fn records_of_another_kind_are_refused_naming_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "users.json",
            r#"[{"userName":"ann","payRate":"10"}]"#,
        );
        let e = read_records(&dir.path().join("users.json"), RecordType::TimeCard)
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("users.json: these are not time card records: no value in inDateTime, outDateTime, entryType (a file of time cards needs inDateTime, outDateTime, entryType, and one of userName, employeeNumber, userFullName)"),
            "{e}"
        );
        // PTO and adjustments alone have no out time, and are time cards.
        write(
            dir.path(),
            "pto.json",
            r#"[{"userName":"ann","entryType":1,"inDateTime":"2024-05-13 00:00:00","outDateTime":"","hours":"8"}]"#,
        );
        assert!(read_records(&dir.path().join("pto.json"), RecordType::TimeCard).is_ok());
        // No record at all is not refused here: the rules raise empty_input.
        write(dir.path(), "none.json", "[]");
        assert!(read_records(&dir.path().join("none.json"), RecordType::TimeCard).is_ok());
    }

    #[test]
    fn bad_values_in_files_are_exceptions_and_bad_files_are_named_errors() {
        let dir = tempfile::tempdir().unwrap();
        let csv = "userName,payRate,hiredDate\nann,12.5,2024-01-01\nbob,twelve,2024-13-01\n";
        let users = read_records(&write(dir.path(), "u.csv", csv), RecordType::User).unwrap();
        let messages: Vec<_> = users.exceptions.iter().map(|e| e.message.clone()).collect();
        assert_eq!(
            messages,
            vec![
                "user field `hiredDate` has invalid value \"2024-13-01\": not a date (YYYY-MM-DD)",
                "user field `payRate` has invalid value \"twelve\": not a decimal number",
            ]
        );
        assert_eq!(users.exceptions[0].user_name.as_deref(), Some("bob"));
        let err = read_records(
            &write(dir.path(), "x.jsonl", "{\"userName\":\"a\"}\n{oops\n"),
            RecordType::User,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.ends_with("x.jsonl: line 2 is not a JSON record"),
            "{err}"
        );
        let err = read_records(&write(dir.path(), "x.xlsx", ""), RecordType::User)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot read `.xlsx` files"), "{err}");
        let error_page = r#"{"statusCode":"ERROR","message":"Company ID not found.","nextRecord":"-1","data":[]}"#;
        let err = read_records(&write(dir.path(), "err.json", error_page), RecordType::User)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("the saved response is an API error: Company ID not found."),
            "{err}"
        );
    }

    /// A Parquet file of text columns (as the API sends them) in row groups
    /// of two rows, read four rows at a time, gives the input read whole:
    /// the same cards in the same order, duplicate classes across batches,
    /// and the same exceptions, naming their records (the first batch has
    /// an unknown user, the second a bad value, the third neither).
    #[test]
    fn parquet_read_in_batches_gives_the_input_read_whole() {
        use crate::input::{InputBuilder, PayrollInput};
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let users = read_records(
            &write(d, "users.csv", "userName,payRate\nann,20\nbob,30\n"),
            RecordType::User,
        )
        .unwrap()
        .frame;
        let job = "0,2024-05-13 09:00:00,2024-05-13 17:00:00,0.000,Pack";
        let rows = [
            format!("ann,{job},"),
            "bob,1,2024-05-14 00:00:00,,8.000,,".to_owned(),
            format!("ann,{job},"),
            "zed,1,2024-05-14 00:00:00,,8.000,,".to_owned(),
            format!("ann,{job},late"),
            "bob,1,2024-05-15 00:00:00,,eight,,".to_owned(),
            format!("ann,{job},"),
            "bob,1,2024-05-12 00:00:00,,4.000,,".to_owned(),
            // A batch with nothing to report: its keys are not read again.
            "bob,1,2024-05-16 00:00:00,,2.000,,".to_owned(),
            "bob,1,2024-05-17 00:00:00,,3.000,,".to_owned(),
        ];
        let csv = format!(
            "userName,entryType,inDateTime,outDateTime,hours,jobName,employeeNote\n{}\n",
            rows.join("\n")
        );
        let text = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(write(d, "cards.csv", &csv)))
            .unwrap()
            .finish()
            .unwrap();
        assert!(text.dtypes().iter().all(|t| t.is_string()));
        let path = d.join("cards.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .with_row_group_size(Some(2))
            .finish(&mut text.clone())
            .unwrap();

        let whole = read_payroll_records(&path, RecordType::TimeCard).unwrap();
        let expected =
            PayrollInput::from_frames(&whole.frame, &users, whole.exceptions.clone()).unwrap();
        let mut builder = InputBuilder::new(&users).unwrap();
        let read = read_time_cards_batched(&path, &mut builder, 4).unwrap();
        assert!(read.frame.is_none(), "a Parquet file is never whole");
        assert_eq!(builder.rows(), 10);
        assert_eq!(read.exceptions, whole.exceptions);
        let input = builder.finish(read.exceptions).unwrap();

        let named = |input: &PayrollInput| -> Vec<_> {
            input
                .user_ids()
                .flat_map(|user| input.cards_of(user).iter().copied())
                .map(|card| (card.job.map(|j| input.names.get(j).to_owned()), card))
                .map(|(job, mut card)| {
                    card.job = None;
                    (job, card)
                })
                .collect()
        };
        assert_eq!(named(&input), named(&expected));
        assert_eq!(input.records_read, 10);
        assert_eq!(input.exceptions, expected.exceptions);
        let kinds: Vec<_> = input.exceptions.iter().map(|e| e.exception.kind).collect();
        assert_eq!(
            kinds,
            [crate::kinds::INVALID_VALUE, crate::kinds::UNKNOWN_USER],
            "bob's hours `eight`, then zed"
        );
        let ann = input.user_ids().next().unwrap();
        let cards = input.cards_of(ann);
        assert_eq!(
            cards.iter().map(|c| c.row).collect::<Vec<_>>(),
            [0, 2, 4, 6]
        );
        // Rows 2 and 6 (the next batch) are row 0 again; row 4 has a note.
        assert_eq!(
            cards.iter().map(|c| c.details).collect::<Vec<_>>(),
            [0, 0, 2, 0]
        );
        let bob = input.user_ids().nth(1).unwrap();
        let rows: Vec<u32> = input.cards_of(bob).iter().map(|c| c.row).collect();
        assert_eq!(rows, [7, 1, 5, 8, 9], "sorted by inDateTime across batches");
        let unknown = input
            .exceptions
            .iter()
            .map(|e| e.exception.user_name.as_deref());
        assert_eq!(unknown.collect::<Vec<_>>(), [Some("bob"), Some("zed")]);

        // Typed, as `payrun fetch` writes them (`jobName` categorical): the
        // batches read the categorical columns as text, every other column
        // as the file's Arrow schema says, and give the same input.
        let mut typed = whole.frame.clone();
        assert!(
            typed
                .column(col::JOB_NAME)
                .unwrap()
                .dtype()
                .is_categorical()
        );
        let typed_path = d.join("typed.parquet");
        ParquetWriter::new(std::fs::File::create(&typed_path).unwrap())
            .with_row_group_size(Some(2))
            .finish(&mut typed)
            .unwrap();
        let file = ParquetFile::open(&typed_path, CategoryFields::Text).unwrap();
        let batch = file
            .read(RecordType::TimeCard, None, Some((0, 10)))
            .unwrap()
            .frame;
        for given in typed.columns() {
            let want = if given.dtype().is_categorical() {
                DataType::String
            } else {
                given.dtype().clone()
            };
            let read = batch.column(given.name()).unwrap();
            assert_eq!(read.dtype(), &want, "{}", given.name());
        }
        let mut builder = InputBuilder::new(&users).unwrap();
        let read = read_time_cards_batched(&typed_path, &mut builder, 4).unwrap();
        let from_typed = builder.finish(read.exceptions).unwrap();
        assert_eq!(named(&from_typed), named(&expected));

        // User records are refused as time cards, read in batches too.
        let mut users_frame = users.clone();
        let users_path = d.join("users.parquet");
        ParquetWriter::new(std::fs::File::create(&users_path).unwrap())
            .finish(&mut users_frame)
            .unwrap();
        let mut builder = InputBuilder::new(&users).unwrap();
        let refused = read_time_cards_batched(&users_path, &mut builder, 4).unwrap_err();
        assert!(
            refused.message.contains("no value in inDateTime"),
            "{}",
            refused.message
        );
    }
}
