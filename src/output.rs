//! All-or-nothing output: files are staged beside their final names and
//! renamed into place only when every one of them has been written.
//!
//! A run that fails part-way leaves no partial file and does not touch the
//! outputs of an earlier run. Renames within one directory are atomic on
//! POSIX file systems, so a reader sees either the old file or the new one.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use polars::prelude::*;
use sha2::{Digest, Sha256};

/// A set of files being written into one directory. Files may be staged
/// from several threads at once.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    staged: Mutex<Vec<Staged>>,
}

/// One staged file.
#[derive(Debug)]
struct Staged {
    temp: PathBuf,
    target: PathBuf,
    /// SHA-256 of what was written, once written.
    sha256: Option<String>,
}

/// A writer that hashes what passes through it, so a file's digest needs
/// no second read.
pub struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The writer [`Staging::stage`] hands out.
pub type StageWriter = BufWriter<Hashing<File>>;

/// Writing an output failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {message}")]
pub struct OutputError {
    /// The file being written.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl Staging {
    /// Starts a set of files in `dir`, creating the directory if needed.
    pub fn new(dir: &Path) -> Result<Self, OutputError> {
        std::fs::create_dir_all(dir).map_err(|e| OutputError {
            path: dir.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Staging {
            dir: dir.to_owned(),
            staged: Mutex::new(Vec::new()),
        })
    }

    /// The directory the files go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `name` to a temporary file through `write`; it becomes `name`
    /// at [`Staging::commit`].
    pub fn stage(
        &self,
        name: &str,
        write: impl FnOnce(&mut StageWriter) -> Result<(), String>,
    ) -> Result<PathBuf, OutputError> {
        let target = self.dir.join(name);
        let temp = self
            .dir
            .join(format!(".{name}.partial-{}", std::process::id()));
        let fail = |message: String| OutputError {
            path: target.clone(),
            message,
        };
        let clock = std::time::Instant::now();
        let file = File::create(&temp).map_err(|e| fail(e.to_string()))?;
        // Registered before writing, so a failure below still removes it.
        self.list().push(Staged {
            temp: temp.clone(),
            target: target.clone(),
            sha256: None,
        });
        let mut writer = BufWriter::with_capacity(
            1 << 20,
            Hashing {
                inner: file,
                hash: Sha256::new(),
            },
        );
        write(&mut writer).map_err(fail)?;
        let hashing = writer.into_inner().map_err(|e| fail(e.to_string()))?;
        let written = clock.elapsed();
        hashing.inner.sync_all().map_err(|e| fail(e.to_string()))?;
        tracing::debug!(?written, synced = ?clock.elapsed(), "{name} staged");
        let digest = format!("{:x}", hashing.hash.finalize());
        if let Some(staged) = self.list().iter_mut().find(|s| s.temp == temp) {
            staged.sha256 = Some(digest);
        }
        Ok(temp)
    }

    /// Stages a DataFrame as Parquet.
    pub fn parquet(&self, name: &str, frame: &DataFrame) -> Result<PathBuf, OutputError> {
        let mut frame = frame.clone();
        self.stage(name, |w| {
            ParquetWriter::new(w)
                .finish(&mut frame)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    /// Stages a DataFrame as CSV (header row; decimals as plain `1234.50`;
    /// text that a spreadsheet would run as a formula is neutralized, see
    /// [`spreadsheet_safe`]).
    pub fn csv(&self, name: &str, frame: &DataFrame) -> Result<PathBuf, OutputError> {
        let mut frame = spreadsheet_safe_frame(frame).map_err(|e| OutputError {
            path: self.dir.join(name),
            message: e.to_string(),
        })?;
        self.stage(name, |w| {
            CsvWriter::new(w)
                .include_header(true)
                .finish(&mut frame)
                .map_err(|e| e.to_string())
        })
    }

    /// Stages text.
    pub fn text(&self, name: &str, text: &str) -> Result<PathBuf, OutputError> {
        self.stage(name, |w| {
            w.write_all(text.as_bytes()).map_err(|e| e.to_string())
        })
    }

    fn list(&self) -> std::sync::MutexGuard<'_, Vec<Staged>> {
        // A panic while holding the lock leaves the list whole.
        self.staged.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The files staged so far, by final name, with the SHA-256 of each
    /// one written completely.
    pub fn digests(&self) -> std::collections::BTreeMap<String, String> {
        self.list()
            .iter()
            .filter_map(|s| {
                let name = s.target.file_name()?.to_str()?.to_owned();
                Some((name, s.sha256.clone()?))
            })
            .collect()
    }

    /// Renames every staged file into place, then removes what earlier
    /// runs left of the files this kind of run writes (`owned`: a format
    /// not written this time, temporary files of an interrupted run), so
    /// the folder holds exactly this run's files. Other files are left alone.
    pub fn commit_owning(self, owned: &[String]) -> Result<Vec<PathBuf>, OutputError> {
        let dir = self.dir.clone();
        let done = self.commit()?;
        let written: Vec<&std::ffi::OsStr> = done.iter().filter_map(|p| p.file_name()).collect();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(done);
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(text) = name.to_str() else { continue };
            let stale = owned.iter().any(|own| {
                (text == own && !written.contains(&name.as_os_str()))
                    || text
                        .strip_prefix('.')
                        .and_then(|t| t.strip_prefix(own.as_str()))
                        .is_some_and(|rest| rest.starts_with(".partial-"))
            });
            if stale {
                // Best effort: a file that cannot be removed is not a failed payroll.
                if let Err(e) = std::fs::remove_file(entry.path()) {
                    tracing::warn!("cannot remove {}: {e}", entry.path().display());
                }
            }
        }
        Ok(done)
    }

    /// Renames every staged file into place, in the order staged.
    pub fn commit(self) -> Result<Vec<PathBuf>, OutputError> {
        let staged = std::mem::take(&mut *self.list());
        let mut done = Vec::with_capacity(staged.len());
        for Staged { temp, target, .. } in staged {
            std::fs::rename(&temp, &target).map_err(|e| OutputError {
                path: target.clone(),
                message: e.to_string(),
            })?;
            done.push(target);
        }
        Ok(done)
    }
}

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as it is safe to put in a CSV cell that a spreadsheet opens: text
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'`, so that it is shown, never run (a `userFullName` of
/// `=HYPERLINK(…)` stays text). Parquet keeps the exact value.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The value [`spreadsheet_safe`] was given, from what it returned.
pub fn from_spreadsheet_safe(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// `frame` with every text column made [`spreadsheet_safe`].
fn spreadsheet_safe_frame(frame: &DataFrame) -> PolarsResult<DataFrame> {
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
    files
}

/// Stages the tables of a payroll report in each format:
/// `payroll_summary`, `daily_hours`, `department_summary`, `exceptions`, `pay_lines`.
pub fn stage_report(
    staging: &Staging,
    report: &payrun_rules::Report,
    formats: &[Format],
) -> Result<Vec<PathBuf>, OutputError> {
    let frames = [
        &report.payroll_summary,
        &report.daily_hours,
        &report.department_summary,
        &report.exceptions,
        &report.pay_lines,
    ];
    let files: Vec<(String, &DataFrame, Format)> = REPORT_TABLES
        .into_iter()
        .zip(frames)
        .flat_map(|(name, frame)| {
            formats
                .iter()
                .map(move |f| (format!("{name}.{}", f.extension()), frame, *f))
        })
        .collect();
    // Files are independent: write them at the same time.
    use rayon::prelude::*;
    files
        .par_iter()
        .map(|(file, frame, format)| match format {
            Format::Csv => staging.csv(file, frame),
            Format::Parquet => staging.parquet(file, frame),
        })
        .collect()
}

impl Drop for Staging {
    fn drop(&mut self) {
        for staged in self.list().iter() {
            let _ = std::fs::remove_file(&staged.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_replaces_earlier_outputs_unless_everything_was_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "old a").unwrap();
        let staging = Staging::new(dir.path()).unwrap();
        staging.text("a.txt", "new a").unwrap();
        let failed = staging.stage("b.txt", |_| Err("disk full".into()));
        assert_eq!(
            failed.unwrap_err().to_string(),
            format!(
                "cannot write {}: disk full",
                dir.path().join("b.txt").display()
            )
        );
        drop(staging);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("a.txt")],
            "no temporary file is left"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            "old a"
        );

        let staging = Staging::new(dir.path()).unwrap();
        staging.text("a.txt", "new a").unwrap();
        staging.text("b.txt", "new b").unwrap();
        staging.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            "new a"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b.txt")).unwrap(),
            "new b"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn formulas_are_neutralized_and_restored() {
        for text in ["=SUM(A1)", "+1", "-5", "@cmd", "\tx", "\rx"] {
            let safe = spreadsheet_safe(text);
            assert_eq!(safe, format!("'{text}"));
            assert_eq!(from_spreadsheet_safe(&safe), text);
        }
        for text in ["Ann Lee", "'quoted", "12.50", ""] {
            assert_eq!(spreadsheet_safe(text), text);
            assert_eq!(from_spreadsheet_safe(text), text);
        }
    }
}
