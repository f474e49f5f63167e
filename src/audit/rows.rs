//! A run's tables read for comparing a batch of rows at a time, each
//! column as text as [`Table::of`] gives it, and rows told apart by a
//! digest of their text rather than kept: two runs of a period differ in
//! a few rows, and a run may have millions (a 10M time card run's inputs
//! as text took more than 20 GiB).

use std::hash::{BuildHasher, Hasher, RandomState};
use std::path::Path;

use polars::prelude::*;

use super::{AuditError, RunFolder, Table, fail};

/// Rows read at a time.
const BATCH_ROWS: usize = 1 << 18;

/// A 128-bit digest of a row's texts: SipHash-1-3 with its 128-bit
/// output, keyed at random once per process, so equal texts have equal
/// digests and two different ones the same with a chance of about one
/// in 2^128, which no input can be made to raise (the key is not known
/// beyond the process).
pub struct Digests(siphasher::sip128::SipHasher13);

impl Digests {
    pub fn new() -> Digests {
        // Two random words from the standard library's own random keys.
        let word = || RandomState::new().build_hasher().finish();
        Digests(siphasher::sip128::SipHasher13::new_with_keys(
            word(),
            word(),
        ))
    }

    /// The digest of `values`, each told apart from absent and from its
    /// neighbours (a mark and its length before its bytes).
    pub fn of<'a>(&self, values: impl Iterator<Item = Option<&'a str>>) -> u128 {
        use siphasher::sip128::Hasher128;
        thread_local! {
            static ROW: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        ROW.with_borrow_mut(|row| {
            row.clear();
            for v in values {
                match v {
                    None => row.push(0),
                    Some(text) => {
                        row.push(1);
                        row.extend_from_slice(&(text.len() as u64).to_le_bytes());
                        row.extend_from_slice(text.as_bytes());
                    }
                }
            }
            let mut h = self.0;
            h.write(row);
            h.finish128().as_u128()
        })
    }
}

/// A file of a run, checked against its manifest once (see
/// [`RunFolder::checked`]) and then read as often as needed.
pub struct RunFile {
    path: std::path::PathBuf,
    csv: bool,
}

impl RunFile {
    /// The file `name` of `run`, checked.
    pub fn open(run: &RunFolder, name: &str) -> Result<RunFile, AuditError> {
        Ok(RunFile {
            path: run.checked(name)?,
            csv: name.ends_with(".csv"),
        })
    }

    /// The file that holds `table` in `run`, checked: its Parquet file
    /// when the run wrote one, else its CSV file (as [`RunFolder::table`]).
    pub fn table(run: &RunFolder, table: &str) -> Result<RunFile, AuditError> {
        let parquet = format!("{table}.parquet");
        let csv = format!("{table}.csv");
        if run.files.contains_key(&parquet) {
            RunFile::open(run, &parquet)
        } else if run.files.contains_key(&csv) {
            RunFile::open(run, &csv)
        } else {
            Err(fail(&run.dir, format!("the run wrote no {table} table")))
        }
    }

    /// Its rows: a Parquet file's count, a CSV file's estimated from its
    /// size (32 bytes a row, more than its tables' rows take).
    pub fn rows(&self) -> Result<usize, AuditError> {
        if self.csv {
            let bytes = std::fs::metadata(&self.path)
                .map_err(|e| fail(&self.path, e.to_string()))?
                .len();
            return Ok((bytes / 32) as usize);
        }
        payrun_ingest::parquet_rows(&self.path).map_err(|e| fail(&self.path, e.to_string()))
    }

    /// Its columns, in order.
    pub fn column_names(&self) -> Result<Vec<String>, AuditError> {
        let frame = read(&self.path, None, None, self.csv)?;
        Ok(frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect())
    }
}

/// Reads the columns `names` of `file`, a batch of rows at a time: `each`
/// is given the batch's first row and each column as text, `None` for a
/// column the file lacks. With `only` (rows in increasing order), a
/// Parquet file's batches without any of them are not read.
pub fn text_batches(
    file: &RunFile,
    names: &[&str],
    only: Option<&[u32]>,
    mut each: impl FnMut(usize, &[Option<StringChunked>]) -> Result<(), String>,
) -> Result<(), AuditError> {
    let path = &file.path;
    let from_csv = file.csv;
    let present: Vec<String> = file
        .column_names()?
        .into_iter()
        .filter(|c| names.contains(&c.as_str()))
        .collect();
    let failed = |e: String| fail(path, e);
    // A CSV file is read whole (its columns named only); Parquet a
    // batch at a time.
    let rows = match from_csv {
        true => None,
        false => Some(
            ParquetReader::new(std::fs::File::open(path).map_err(|e| failed(e.to_string()))?)
                .num_rows()
                .map_err(|e| failed(e.to_string()))?,
        ),
    };
    let mut start = 0;
    loop {
        if let (Some(rows), Some(only)) = (rows, only) {
            // The next batch holding a row asked for.
            let next = only.partition_point(|&r| (r as usize) < start);
            match only.get(next) {
                Some(&row) if (row as usize) < rows => {
                    start += (row as usize - start) / BATCH_ROWS * BATCH_ROWS;
                }
                _ => return Ok(()),
            }
        }
        let slice = rows.map(|_| (start, BATCH_ROWS));
        let frame = read(path, Some(&present), slice, from_csv)?;
        let columns = names
            .iter()
            .map(|n| match frame.column(n) {
                Ok(column) => text_of(column, from_csv).map(Some),
                Err(_) => Ok(None),
            })
            .collect::<PolarsResult<Vec<_>>>()
            .map_err(|e| failed(e.to_string()))?;
        if frame.height() > 0 {
            each(start, &columns).map_err(failed)?;
        }
        start += frame.height();
        match rows {
            Some(rows) if start < rows && frame.height() > 0 => {}
            _ => return Ok(()),
        }
    }
}

/// The rows `rows` (in increasing order; every row when `None`) of
/// `file`, every column, as a [`Table`].
pub fn rows_table(file: &RunFile, rows: Option<&[u32]>) -> Result<Table, AuditError> {
    let names = file.column_names()?;
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut table = Table {
        names: names.clone(),
        rows: Vec::with_capacity(rows.map_or(0, <[u32]>::len)),
    };
    let mut next = 0;
    text_batches(file, &refs, rows, |start, columns| {
        let row_of = |i: usize| {
            columns
                .iter()
                .map(|c| cell(c, i).map(str::to_owned))
                .collect()
        };
        let height = height(columns);
        match rows {
            None => table.rows.extend((0..height).map(row_of)),
            Some(rows) => {
                while next < rows.len() && (rows[next] as usize) < start + height {
                    table.rows.push(row_of(rows[next] as usize - start));
                    next += 1;
                }
            }
        }
        Ok(())
    })?;
    Ok(table)
}

/// Reads `columns` (all when `None`) of the Parquet or CSV file at `path`,
/// the rows of `slice` when given.
fn read(
    path: &Path,
    columns: Option<&[String]>,
    slice: Option<(usize, usize)>,
    from_csv: bool,
) -> Result<DataFrame, AuditError> {
    let failed = |e: PolarsError| fail(path, e);
    if from_csv {
        let mut options = CsvReadOptions::default().with_infer_schema_length(Some(0));
        if let Some(columns) = columns {
            options = options.with_columns(Some(columns.iter().map(|c| c.into()).collect()));
        } else {
            options = options.with_n_rows(Some(0));
        }
        return options
            .try_into_reader_with_file_path(Some(path.to_owned()))
            .and_then(|r| r.finish())
            .map_err(failed);
    }
    // A run's inputs hold categorical columns.
    payrun_ingest::schema::hold_categories();
    let file = std::fs::File::open(path).map_err(|e| fail(path, e))?;
    let reader = ParquetReader::new(file);
    let reader = match columns {
        Some(columns) => reader
            .with_columns(Some(columns.to_vec()))
            .with_slice(slice),
        None => reader.with_slice(Some((0, 0))),
    };
    reader.finish().map_err(failed)
}

/// A column as text, as [`Table::of`] gives it (a CSV cell loses the mark
/// that kept a spreadsheet from running it, a time its `.000`), in one
/// chunk.
pub fn text_of(column: &Column, from_csv: bool) -> PolarsResult<StringChunked> {
    let times = !from_csv && column.dtype() == &DataType::Datetime(TimeUnit::Milliseconds, None);
    if let Some(text) = times
        .then(|| column.datetime().map(|t| times_as_text(t.physical())))
        .transpose()?
        .flatten()
    {
        return Ok(text);
    }
    let text = column.cast(&DataType::String)?;
    let text = text.str()?;
    let datetime = matches!(column.dtype(), DataType::Datetime(..));
    let text: StringChunked = match (from_csv, datetime) {
        (true, _) => text
            .iter()
            .map(|v| v.map(crate::output::from_spreadsheet_safe))
            .collect(),
        (false, true) => text
            .iter()
            .map(|v| v.map(|t| t.strip_suffix(".000").unwrap_or(t)))
            .collect(),
        (false, false) => text.clone(),
    };
    Ok(text.rechunk().into_owned())
}

/// Milliseconds since 1970 as the text a cast to text gives them, less a
/// `.000` (`2024-05-13 08:00:00`, `2024-05-13 08:00:00.250`), written
/// here rather than through a format string (a quarter of a diff's time
/// at 10M time cards); `None` when a time is outside the years 1000-9999,
/// which are left to the cast.
fn times_as_text(ms: &Int64Chunked) -> Option<StringChunked> {
    use std::io::Write;
    let mut out = StringChunkedBuilder::new(ms.name().clone(), ms.len());
    let mut day: Option<(i64, [u8; 10])> = None;
    let mut text = Vec::with_capacity(23);
    for v in ms.iter() {
        let Some(v) = v else {
            out.append_null();
            continue;
        };
        let (secs, milli) = (v.div_euclid(1000), v.rem_euclid(1000));
        let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let date = match day {
            Some((d, date)) if d == days => date,
            _ => {
                let d = chrono::NaiveDate::from_num_days_from_ce_opt(
                    i32::try_from(days + 719_163).ok()?,
                )?;
                if !(1000..=9999).contains(&chrono::Datelike::year(&d)) {
                    return None;
                }
                let mut date = [0u8; 10];
                date.copy_from_slice(d.format("%Y-%m-%d").to_string().as_bytes());
                day = Some((days, date));
                date
            }
        };
        text.clear();
        text.extend_from_slice(&date);
        let _ = write!(
            text,
            " {:02}:{:02}:{:02}",
            of_day / 3600,
            of_day / 60 % 60,
            of_day % 60
        );
        if milli != 0 {
            let _ = write!(text, ".{milli:03}");
        }
        out.append_value(std::str::from_utf8(&text).ok()?);
    }
    Some(out.finish())
}

/// The rows of a batch of columns (0 when it has none of them).
pub fn height(columns: &[Option<StringChunked>]) -> usize {
    columns
        .iter()
        .flatten()
        .map(|c| c.len())
        .next()
        .unwrap_or(0)
}

/// The text of row `i` of `column` (`None` when absent or the file lacks
/// the column).
pub fn cell(column: &Option<StringChunked>, i: usize) -> Option<&str> {
    let column = column.as_ref()?;
    match column.chunks().len() {
        // Read by its one array: a chunked array's `get` looks for its chunk.
        1 => column.downcast_get(0)?.get(i),
        _ => column.get(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times written here are the text the cast gives, less `.000`.
    #[test]
    fn times_are_the_text_of_the_cast() {
        let day = 86_400_000i64;
        let values: Vec<Option<i64>> = [
            Some(0),
            Some(1_715_587_200_000),
            Some(1_715_587_200_250),
            Some(1_715_587_200_000 + day - 1),
            Some(-1),
            Some(-day * 365 * 900),
            None,
            Some(253_402_300_799_999),
        ]
        .into_iter()
        .collect();
        let column = Int64Chunked::from_iter_options("t".into(), values.into_iter())
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_column();
        let fast = times_as_text(column.datetime().unwrap().physical()).unwrap();
        let cast = column.cast(&DataType::String).unwrap();
        let cast: Vec<Option<String>> = cast
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(|t| t.strip_suffix(".000").unwrap_or(t).to_owned()))
            .collect();
        let fast: Vec<Option<String>> = fast.iter().map(|v| v.map(str::to_owned)).collect();
        assert_eq!(fast, cast);
        assert_eq!(fast[2].as_deref(), Some("2024-05-13 08:00:00.250"));
        // Before the year 1000: left to the cast.
        let early = Int64Chunked::from_vec("t".into(), vec![-day * 365 * 1000]);
        assert!(times_as_text(&early).is_none());
    }

    /// Equal texts have equal digests; a text's place and absence count.
    #[test]
    fn digests_tell_rows_apart() {
        let d = Digests::new();
        let of = |v: &[Option<&str>]| d.of(v.iter().copied());
        assert_eq!(of(&[Some("a"), None]), of(&[Some("a"), None]));
        assert_ne!(of(&[Some("a"), None]), of(&[None, Some("a")]));
        assert_ne!(of(&[Some("ab"), Some("")]), of(&[Some("a"), Some("b")]));
        assert_ne!(of(&[Some("")]), of(&[None]));
    }
}
