//! All-or-nothing output: a run's files are written into a staging
//! directory beside the output folder, made durable, and swapped in with the
//! folder in one atomic step.
//!
//! The protocol, for `--out DIR`:
//!
//! 0. The run claims `DIR` ([`OutputLock`]: an advisory lock on `.DIR.lock`
//!    beside it) before anything is staged; a second run on the same
//!    folder fails at once. So every staging directory of `DIR` that is
//!    found while the lock is held is a dead run's.
//! 1. Every file is written into `.DIR.staging-PID` (a sibling, so on the
//!    same file system), hashed as it is written, and `fsync`ed. A staging
//!    directory that disappears meanwhile is an error, never recreated.
//! 2. Files in `DIR` that are not this kind of run's (another program's
//!    notes, say) are hard-linked into the staging directory, and its
//!    folders are rebuilt there of hard links, so they are in both sets at
//!    every moment. Every staged file is checked present with the size
//!    written.
//! 3. The staging directory is `fsync`ed and exchanged with `DIR` in one
//!    `renameat2(RENAME_EXCHANGE)` (Linux); the parent is `fsync`ed.
//! 4. The previous set, now at the staging path, is removed; a foreign file
//!    that appeared in `DIR` meanwhile is moved back first.
//!
//! So whatever moment the process dies, `DIR` holds either the complete
//! previous set or the complete new set, each matching its `manifest.json`,
//! with other programs' files and folders; never a mix. A crashed run's
//! staging directory is removed by the next run. Where the exchange is not
//! available (another OS, a file system without it), `DIR` is renamed
//! aside and the staging directory renamed in: a crash between the two
//! leaves `DIR` missing (never mixed), and the next run puts the previous
//! set back before it starts.
//!
//! It is long because the staging protocol is one sequence of steps with
//! its recovery; the last quarter is tests.

mod direct;
mod lock;
mod tables;

pub use direct::Hashing;
pub use lock::OutputLock;
pub(crate) use tables::is_formula_start;
pub use tables::{
    Format, Formats, INPUTS, PARQUET_CODEC, RECORDS_CODEC, REPORT_TABLES, REVIEW_PAGE, RowGroups,
    TableWriter, from_spreadsheet_safe, report_files, spreadsheet_safe,
};
use tables::{spreadsheet_safe_frame, write_parquet};

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use polars::prelude::*;
use sha2::Digest;

/// A set of files being written for one directory. Files may be staged
/// from several threads at once.
#[derive(Debug)]
pub struct Staging {
    /// The claim on the output directory, released when the set is done.
    _lock: OutputLock,
    /// The output directory.
    dir: PathBuf,
    /// The staging directory beside it.
    stage: PathBuf,
    staged: Mutex<Vec<Staged>>,
}

/// One staged file.
#[derive(Debug)]
struct Staged {
    name: String,
    /// SHA-256 of what was written, once written.
    sha256: Option<String>,
    /// Bytes written, once written.
    size: u64,
}

/// The writer [`Staging::stage`] hands out.
pub type StageWriter = BufWriter<Hashing>;

/// Writing an output failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {message}")]
pub struct OutputError {
    /// The file being written.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// A table's rows that could not be made into frames (rows of no summary
/// row, which the rules never give).
impl From<PolarsError> for OutputError {
    fn from(e: PolarsError) -> Self {
        OutputError {
            path: PathBuf::from("daily_hours"),
            message: e.to_string(),
        }
    }
}

fn failed(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |e| OutputError {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// For tests of crash safety: `PAYRUN_TEST_CRASH_AT=STEP` kills the process
/// (SIGKILL, no clean-up) when the commit reaches `STEP`. Inert otherwise.
fn crash_point(step: &str) {
    if std::env::var("PAYRUN_TEST_CRASH_AT").is_ok_and(|at| at == step) {
        #[cfg(unix)]
        // SAFETY: kill(2) on our own pid; no memory is involved.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort();
    }
}

/// The names of the staging and set-aside directories of `dir`.
fn sibling(dir: &Path, kind: &str, pid: u32) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.with_file_name(format!(".{name}.{kind}-{pid}"))
}

/// Where a run into `out` read in parts keeps each part's time cards
/// while it runs (`.OUT.parts-PID` beside it, on the same disk; a killed
/// run's is removed by the next run into `out`).
pub fn parts_dir(out: &Path) -> PathBuf {
    sibling(out, "parts", std::process::id())
}

/// Where `payrun run` and `payrun fetch` into `out` put the records they
/// fetch until the run or the fetch is written (`.OUT.fetch-PID` beside
/// it; a killed one's is removed by the next run into `out`).
pub fn fetch_dir(out: &Path) -> PathBuf {
    sibling(out, "fetch", std::process::id())
}

/// A scratch folder of this process, removed with what it holds when
/// dropped (whether the work it served ended well or not).
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// Makes the folder at `path` (one left there is emptied first).
    pub fn create(path: PathBuf) -> Result<Self, OutputError> {
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).map_err(failed(&path))?;
        Ok(Scratch(path))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sync_dir(path: &Path) -> std::io::Result<()> {
    File::open(path)?.sync_all()
}

/// Swaps two directories atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

impl Staging {
    /// Starts a set of files for `dir`, claiming it ([`OutputLock::take`])
    /// and creating its parent if needed. A set that is never committed
    /// leaves nothing behind.
    pub fn new(dir: &Path) -> Result<Self, OutputError> {
        Staging::claimed(OutputLock::take(dir)?)
    }

    /// Starts a set of files for the folder `lock` claims (taken early, so
    /// that a run is refused before it does any work).
    pub fn claimed(lock: OutputLock) -> Result<Self, OutputError> {
        let dir = lock.dir().to_owned();
        recover(&dir)?;
        let stage = sibling(&dir, "staging", std::process::id());
        // A leftover of a crashed run with the same pid: start clean.
        let _ = std::fs::remove_dir_all(&stage);
        std::fs::create_dir(&stage).map_err(failed(&stage))?;
        Ok(Staging {
            _lock: lock,
            dir,
            stage,
            staged: Mutex::new(Vec::new()),
        })
    }

    /// The directory the files go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Fails unless the staging directory is still there: one removed under
    /// a run is never silently recreated (its files would be lost).
    fn check_stage(&self) -> Result<(), OutputError> {
        match std::fs::symlink_metadata(&self.stage) {
            Ok(meta) if meta.is_dir() => Ok(()),
            _ => Err(OutputError {
                path: self.stage.clone(),
                message: "the staging folder disappeared while the run wrote it; \
                          nothing was replaced"
                    .into(),
            }),
        }
    }

    /// Checks that every staged file is in the staging directory, whole:
    /// present, with the size written, and hashed.
    fn check_staged(&self) -> Result<(), OutputError> {
        self.check_stage()?;
        for staged in self.list().iter() {
            let path = self.stage.join(&staged.name);
            let size = std::fs::symlink_metadata(&path).map(|m| m.len());
            let problem = match (&staged.sha256, size) {
                (None, _) => "was never finished".to_owned(),
                (_, Err(e)) => format!("is missing from the staging folder ({e})"),
                (_, Ok(size)) if size != staged.size => format!(
                    "has {size} bytes in the staging folder, {} were written",
                    staged.size
                ),
                _ => continue,
            };
            return Err(OutputError {
                path: self.dir.join(&staged.name),
                message: format!("{problem}; nothing was replaced"),
            });
        }
        Ok(())
    }

    /// Writes `name` into the staging directory through `write`, then
    /// makes it durable; it appears in the output folder at commit.
    pub fn stage(
        &self,
        name: &str,
        write: impl FnOnce(&mut StageWriter) -> Result<(), String>,
    ) -> Result<PathBuf, OutputError> {
        let target = self.dir.join(name);
        let path = self.stage.join(name);
        let fail = |message: String| OutputError {
            path: target.clone(),
            message,
        };
        let clock = std::time::Instant::now();
        self.check_stage().map_err(|e| fail(e.message))?;
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| fail(e.to_string()))?;
        }
        let hashing = Hashing::create(&path).map_err(|e| fail(e.to_string()))?;
        self.list().push(Staged {
            name: name.to_owned(),
            sha256: None,
            size: 0,
        });
        // Small writes (Parquet pages, CSV headers) gather here; the
        // writer gathers them into chunks for the disk in turn.
        let mut writer = BufWriter::with_capacity(64 << 10, hashing);
        write(&mut writer).map_err(fail)?;
        let hashing = writer.into_inner().map_err(|e| fail(e.to_string()))?;
        let size = hashing.written;
        let (file, hash) = hashing.finish().map_err(|e| fail(e.to_string()))?;
        let written = clock.elapsed();
        file.sync_all().map_err(|e| fail(e.to_string()))?;
        tracing::debug!(?written, synced = ?clock.elapsed(), "{name} staged");
        let digest = format!("{:x}", hash.finalize());
        if let Some(staged) = self.list().iter_mut().find(|s| s.name == name) {
            staged.sha256 = Some(digest);
            staged.size = size;
        }
        crash_point(&format!("staged:{name}"));
        Ok(target)
    }

    /// Stages a DataFrame as Parquet ([`PARQUET_CODEC`]).
    pub fn parquet(&self, name: &str, frame: &DataFrame) -> Result<PathBuf, OutputError> {
        self.parquet_with(name, frame, PARQUET_CODEC)
    }

    /// Stages a DataFrame as Parquet with `compression`.
    pub fn parquet_with(
        &self,
        name: &str,
        frame: &DataFrame,
        compression: ParquetCompression,
    ) -> Result<PathBuf, OutputError> {
        let mut frame = frame.clone();
        self.stage(name, |w| {
            write_parquet(w, &mut frame, compression).map_err(|e| e.to_string())
        })
    }

    /// Stages a DataFrame as CSV (header row; decimals as plain `1234.50`;
    /// text that a spreadsheet would run as a formula is neutralized, see
    /// [`spreadsheet_safe`]).
    pub fn csv(&self, name: &str, frame: &DataFrame) -> Result<PathBuf, OutputError> {
        if let Some(table) = crate::csv_table::CsvTable::new(frame) {
            return self.stage(name, |w| table.write(w).map_err(|e| e.to_string()));
        }
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

    /// Stages the frames `blocks` sends, one after the other, as one table
    /// in `format` (CSV: one header; Parquet: a row group or more per block).
    pub fn blocks(
        &self,
        name: &str,
        format: Format,
        blocks: std::sync::mpsc::Receiver<DataFrame>,
    ) -> Result<PathBuf, OutputError> {
        self.stage(name, |w| {
            let err = |e: PolarsError| e.to_string();
            match format {
                Format::Csv => {
                    for (i, frame) in blocks.into_iter().enumerate() {
                        match crate::csv_table::CsvTable::new(&frame) {
                            Some(table) => {
                                if i == 0 {
                                    table.write_header(w).map_err(|e| e.to_string())?;
                                }
                                table.write_rows(w).map_err(|e| e.to_string())?;
                            }
                            None => {
                                let mut frame = spreadsheet_safe_frame(&frame).map_err(err)?;
                                CsvWriter::new(&mut *w)
                                    .include_header(i == 0)
                                    .finish(&mut frame)
                                    .map_err(err)?;
                            }
                        }
                    }
                    Ok(())
                }
                Format::Parquet => {
                    let mut blocks = blocks.into_iter();
                    let Some(first) = blocks.next() else {
                        return Err("no rows were given to write, not even an empty table".into());
                    };
                    let mut writer =
                        crate::parquet_table::BlockWriter::new(w, first.schema(), PARQUET_CODEC)
                            .map_err(err)?;
                    for mut frame in std::iter::once(first).chain(blocks) {
                        writer.write(&mut frame).map_err(err)?;
                    }
                    writer.finish().map_err(err)
                }
            }
        })
    }

    /// Stages a copy of the file `source` was read from, checking that it
    /// is still the file that was read (same length and modification time);
    /// otherwise the copy is refused, naming the file.
    pub fn copy(&self, name: &str, source: &SourceFile) -> Result<PathBuf, OutputError> {
        self.stage(name, |w| {
            let changed = || {
                format!(
                    "{} changed while payrun read it; run again once nothing writes it",
                    source.path.display()
                )
            };
            let mut file = File::open(&source.path).map_err(|e| e.to_string())?;
            if SourceFile::stamp_of(&file)? != source.stamp {
                return Err(changed());
            }
            let copied = std::io::copy(&mut file, w).map_err(|e| e.to_string())?;
            if copied != source.stamp.0 || SourceFile::stamp_of(&file)? != source.stamp {
                return Err(changed());
            }
            Ok(())
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
            .filter_map(|s| Some((s.name.clone(), s.sha256.clone()?)))
            .collect()
    }

    /// Replaces the output folder with the staged files in one atomic step
    /// (see the module docs). Of the folder's previous files, those this
    /// kind of run writes (`owned`: earlier outputs, a format not written
    /// this time) and temporary files of older versions are not carried
    /// over; every other file stays. Returns the paths of the staged files.
    pub fn commit_owning(self, owned: &[String]) -> Result<Vec<PathBuf>, OutputError> {
        let staged: Vec<String> = self.list().iter().map(|s| s.name.clone()).collect();
        // 2. Other programs' files and folders stay: hard links into the
        // new set (folders rebuilt of links), so they are in both sets.
        let mut to_move = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let text = name.to_string_lossy();
                if owned_by(&text, owned) || staged.iter().any(|s| *s == text) {
                    continue;
                }
                let copy = self.stage.join(&name);
                if let Err(e) = link_tree(&entry.path(), &copy) {
                    // Moved over after the exchange instead, as a whole.
                    tracing::debug!(
                        "cannot link {} into the new set: {e}",
                        entry.path().display()
                    );
                    let _ = std::fs::remove_dir_all(&copy).or_else(|_| std::fs::remove_file(&copy));
                    to_move.push(name);
                }
            }
        }
        self.check_staged()?;
        sync_dir(&self.stage).map_err(failed(&self.stage))?;
        crash_point("linked");
        // 3. The swap.
        let parent = self.dir.parent().map(Path::to_owned).unwrap_or_default();
        if self.dir.exists() {
            let exchanged = if std::env::var_os("PAYRUN_TEST_NO_EXCHANGE").is_some() {
                // For tests of the fallback.
                Err(std::io::ErrorKind::Unsupported.into())
            } else {
                exchange(&self.stage, &self.dir)
            };
            if let Err(e) = exchanged {
                tracing::debug!("no atomic exchange ({e}); renaming aside");
                let aside = sibling(&self.dir, "replaced", std::process::id());
                std::fs::rename(&self.dir, &aside).map_err(failed(&self.dir))?;
                crash_point("set-aside");
                std::fs::rename(&self.stage, &self.dir).map_err(failed(&self.dir))?;
                std::fs::rename(&aside, &self.stage).map_err(failed(&aside))?;
            }
            sync_dir(&parent).map_err(failed(&parent))?;
            crash_point("exchanged");
            // 4. Anything that could not be linked moves
            // over; then the previous set goes.
            let old = self.stage.clone();
            for name in &to_move {
                move_back(&old.join(name), &self.dir.join(name));
            }
            remove_previous(&old, &self.dir, owned);
        } else {
            // A first run: nothing to replace.
            std::fs::rename(&self.stage, &self.dir).map_err(failed(&self.dir))?;
            sync_dir(&parent).map_err(failed(&parent))?;
            crash_point("exchanged");
        }
        crash_point("cleaned");
        Ok(staged.iter().map(|name| self.dir.join(name)).collect())
    }

    /// [`Staging::commit_owning`] with no previous file this kind of run's.
    pub fn commit(self) -> Result<Vec<PathBuf>, OutputError> {
        self.commit_owning(&[])
    }
}

/// Rebuilds `from` at `to` of hard links: a file is linked, a folder is
/// made anew and filled the same way, a symbolic link is copied as a link.
/// Both then name the same data; removing either loses nothing.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    let kind = meta.file_type();
    if kind.is_file() {
        std::fs::hard_link(from, to)
    } else if kind.is_symlink() {
        #[cfg(unix)]
        return std::os::unix::fs::symlink(std::fs::read_link(from)?, to);
        #[cfg(not(unix))]
        return Err(std::io::ErrorKind::Unsupported.into());
    } else if kind.is_dir() {
        std::fs::create_dir(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        std::fs::set_permissions(to, meta.permissions())
    } else {
        Err(std::io::Error::other("not a file, a folder or a link"))
    }
}

/// Moves `from` to `to` unless `to` exists; best effort, said in a warning.
fn move_back(from: &Path, to: &Path) {
    if to.exists() || std::fs::symlink_metadata(from).is_err() {
        return;
    }
    if let Err(e) = std::fs::rename(from, to) {
        tracing::warn!(
            "cannot move {} back to {}: {e}",
            from.display(),
            to.display()
        );
    }
}

/// The files `payrun fetch` writes.
pub const FETCH_FILES: [&str; 3] = ["timecards.parquet", "users.parquet", "fetch_exceptions.csv"];

/// Whether `name`, in an output folder, is one of `owned` (the files a kind
/// of run writes) or a temporary file an older payrun left of one.
fn owned_by(name: &str, owned: &[String]) -> bool {
    owned.iter().any(|own| {
        let pattern = own
            .split_once('*')
            .is_some_and(|(head, tail)| name.starts_with(head) && name.ends_with(tail));
        pattern
            || name == own
            || name
                .strip_prefix('.')
                .and_then(|t| t.strip_prefix(own.as_str()))
                .is_some_and(|rest| rest.starts_with(".partial-"))
    })
}

/// Removes a previous set at `old`, first moving back into `dir` anything
/// that is not `owned` and is not already there.
fn remove_previous(old: &Path, dir: &Path, owned: &[String]) {
    if let Ok(entries) = std::fs::read_dir(old) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !owned_by(&name.to_string_lossy(), owned) {
                move_back(&entry.path(), &dir.join(&name));
            }
        }
    }
    if let Err(e) = std::fs::remove_dir_all(old) {
        tracing::warn!("cannot remove {}: {e}", old.display());
    }
}

/// Before a run writes `dir`: what crashed runs left beside it is cleaned
/// up. A staging directory (a set never swapped in, or a previous set
/// swapped out) is removed, moving back any file of another program's that
/// is not in `dir`; if `dir` itself is missing (a crash between the two
/// renames of the fallback), the set put aside becomes `dir` again.
fn recover(dir: &Path) -> Result<(), OutputError> {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return Ok(());
    };
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    let mut leftovers: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        if rest.starts_with("staging-") {
            leftovers.push((entry.path(), false));
        } else if (rest.starts_with("parts-") || rest.starts_with("fetch-"))
            && !rest.ends_with(&format!("-{}", std::process::id()))
        {
            // A killed run's time cards read in parts, or a killed run's or
            // fetch's records: scratch, never a run (this process's own is
            // in use).
            let _ = std::fs::remove_dir_all(entry.path());
        } else if rest.starts_with("replaced-") {
            leftovers.push((entry.path(), true));
        }
    }
    // Whichever kind of run left it, none of payrun's files goes back.
    let mut every_kind = report_files();
    every_kind.extend(FETCH_FILES.map(String::from));
    for (path, replaced) in leftovers {
        if replaced && !dir.exists() {
            std::fs::rename(&path, dir).map_err(failed(dir))?;
            continue;
        }
        remove_previous(&path, dir, &every_kind);
    }
    Ok(())
}

/// A file as it was when payrun read it, so that a copy kept with the run
/// ([`Staging::copy`]) is known to be what was read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    /// Length and modification time.
    stamp: (u64, Option<std::time::SystemTime>),
}

impl SourceFile {
    /// Notes `path`'s length and modification time; call it before reading.
    pub fn stamp(path: &Path) -> Result<SourceFile, OutputError> {
        let file = File::open(path).map_err(failed(path))?;
        let stamp = SourceFile::stamp_of(&file).map_err(|message| OutputError {
            path: path.to_owned(),
            message,
        })?;
        Ok(SourceFile {
            path: path.to_owned(),
            stamp,
        })
    }

    fn stamp_of(file: &File) -> Result<(u64, Option<std::time::SystemTime>), String> {
        let meta = file.metadata().map_err(|e| e.to_string())?;
        Ok((meta.len(), meta.modified().ok()))
    }
}

impl Drop for Staging {
    /// A set never committed leaves nothing behind.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.stage);
    }
}

#[cfg(test)]
mod tests {
    use super::tables::ROW_GROUP_ROWS;
    use super::*;

    /// A frame of `chunks` chunks of `rows` rows, as fetched pages stack.
    fn paged(chunks: usize, rows: usize) -> DataFrame {
        let page = |i: usize| {
            let first = i * rows;
            df!(
                "n" => (first as i64..(first + rows) as i64).collect::<Vec<_>>(),
                "name" => (first..first + rows).map(|r| format!("user{}", r % 977)).collect::<Vec<_>>(),
            )
            .unwrap()
        };
        let mut frame = page(0);
        for i in 1..chunks {
            frame.vstack_mut_owned(page(i)).unwrap();
        }
        frame
    }

    #[test]
    fn parquet_is_written_a_row_group_at_a_time_with_finishs_bytes() {
        // Small chunks over several row groups (the gathering case), one
        // row group of small chunks, and chunks of a row group or more.
        for (chunks, rows) in [(70, 5_000), (3, 5_000), (3, ROW_GROUP_ROWS + 7)] {
            let frame = paged(chunks, rows);
            assert_eq!(frame.first_col_n_chunks(), chunks);
            let mut ours = Vec::new();
            write_parquet(&mut ours, &mut frame.clone(), ParquetCompression::Snappy).unwrap();
            let mut theirs = Vec::new();
            ParquetWriter::new(&mut theirs)
                .with_compression(ParquetCompression::Snappy)
                .finish(&mut frame.clone())
                .unwrap();
            assert!(ours == theirs, "{chunks} chunks of {rows} rows");
            let read = ParquetReader::new(std::io::Cursor::new(ours))
                .finish()
                .unwrap();
            assert!(read.equals_missing(&frame));
        }
    }

    /// Chunks smaller than a row group (a fetch's), given one at a time,
    /// make the file the whole frame makes; so do none at all.
    #[test]
    fn row_groups_put_a_chunk_at_a_time_are_the_frames_file() {
        let empty = DataFrame::empty_with_schema(paged(1, 1).schema());
        for frame in [paged(70, 5_000), paged(3, 5_000), paged(1, 7), empty] {
            let mut whole = Vec::new();
            write_parquet(&mut whole, &mut frame.clone(), ParquetCompression::Lz4Raw).unwrap();
            let mut streamed = Vec::new();
            let mut groups =
                RowGroups::new(&mut streamed, frame.schema(), ParquetCompression::Lz4Raw).unwrap();
            for chunk in frame.clone().split_chunks().filter(|c| c.height() > 0) {
                groups.put(chunk).unwrap();
            }
            groups.finish().unwrap();
            assert!(streamed == whole, "{} rows", frame.height());
        }
    }

    /// `daily_hours` and `pay_lines` built a block of users at a time are
    /// the whole tables, row for row, whatever the block size; and a set
    /// written in blocks reads back as the whole frames.
    #[test]
    fn tables_written_in_blocks_are_the_whole_tables() {
        let names = ["ann", "bob", "cy", "dee", "eve"];
        let users: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, u)| {
                format!(
                    r#"{{"userName": "{u}", "employeeNumber": "{i}", "rateType": "Hourly Rate", "payRate": "1{i}.50", "timeZone": "America/Chicago"}}"#
                )
            })
            .collect();
        let mut cards = Vec::new();
        for (i, user) in names.iter().enumerate() {
            // Users with no day at all (eve) and with overtime (ann, bob).
            for day in 0..(4 - i as i64).max(0) {
                let (date, hours) = (13 + day, 9 + (2 - i as i64).max(0));
                cards.push(format!(
                    r#"{{"userName": "{user}", "entryType": 0, "jobName": "j{day}", "inDateTime": "2024-05-{date} 07:00:00", "outDateTime": "2024-05-{date} {:02}:00:00"}}"#,
                    7 + hours
                ));
            }
        }
        let (run, _) = crate::test_support::weekly_run(&format!("[{}]", users.join(",")), &cards);
        let whole = run.report().unwrap();
        assert!(whole.daily_hours.height() >= 9 && whole.pay_lines.height() >= 6);
        for users in [1, 2, 3, 5, 64] {
            let (mut daily, mut lines) = (None::<DataFrame>, None::<DataFrame>);
            let mut blocks = 0;
            for block in payrun_rules::detail_blocks(&run, users) {
                let (d, l) = block.unwrap();
                blocks += 1;
                match (&mut daily, &mut lines) {
                    (Some(daily), Some(lines)) => {
                        daily.vstack_mut(&d).unwrap();
                        lines.vstack_mut(&l).unwrap();
                    }
                    _ => (daily, lines) = (Some(d), Some(l)),
                }
            }
            assert_eq!(blocks, 5usize.div_ceil(users), "{users} users a block");
            assert!(daily.unwrap().equals_missing(&whole.daily_hours), "{users}");
            assert!(lines.unwrap().equals_missing(&whole.pay_lines), "{users}");
        }
        // Given in parts of any size, the run is cut into the same blocks.
        let n = run.summary.len();
        let part = |rows: std::ops::Range<usize>| {
            let users: std::collections::HashSet<_> =
                run.summary[rows.clone()].iter().map(|r| r.user).collect();
            payrun_rules::PayrollRun {
                summary: run.summary[rows].to_vec(),
                days: run
                    .days
                    .iter()
                    .filter(|d| users.contains(&d.user))
                    .cloned()
                    .collect(),
                pay_lines: (run.pay_lines.iter())
                    .filter(|l| users.contains(&l.user))
                    .cloned()
                    .collect(),
                exceptions: Vec::new(),
                ..run.clone()
            }
        };
        for block_rows in [1, 2, 3, 5, 64] {
            let expected: Vec<(DataFrame, DataFrame)> =
                payrun_rules::detail_blocks(&run, block_rows)
                    .map(Result::unwrap)
                    .collect();
            for part_rows in [1, 2, 3, 4] {
                let mut blocks = payrun_rules::Blocks::new(block_rows);
                let mut got = Vec::new();
                let mut take = |b: payrun_rules::Block<'_>| -> PolarsResult<()> {
                    let t = b.tables()?;
                    got.push((t.daily_hours, t.pay_lines));
                    Ok(())
                };
                for start in (0..n).step_by(part_rows) {
                    blocks
                        .cut(&part(start..(start + part_rows).min(n)), &mut take)
                        .unwrap();
                }
                blocks.finish(&mut take).unwrap();
                assert_eq!(got.len(), expected.len(), "{block_rows} rows a block");
                for ((d, l), (ed, el)) in got.iter().zip(&expected) {
                    assert!(
                        d.equals_missing(ed) && l.equals_missing(el),
                        "{block_rows}, {part_rows}"
                    );
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path()).unwrap();
        std::thread::scope(|scope| {
            let formats = [Format::Csv, Format::Parquet];
            let mut writer =
                crate::sink::RunWriter::begin(scope, &staging, &formats, run.period, None);
            writer.add(&run).unwrap();
            writer
                .finish(crate::sink::RunEnd {
                    exceptions: run.exceptions.clone(),
                    unfinished: false,
                    as_of: chrono::DateTime::UNIX_EPOCH,
                    exports: &[],
                    review: &mut Default::default(),
                })
                .unwrap();
        });
        let stage = staging.stage.clone();
        let parquet = |name: &str| {
            ParquetReader::new(File::open(stage.join(name)).unwrap())
                .finish()
                .unwrap()
        };
        assert!(parquet("daily_hours.parquet").equals_missing(&whole.daily_hours));
        assert!(parquet("pay_lines.parquet").equals_missing(&whole.pay_lines));
        let csv = std::fs::read_to_string(stage.join("pay_lines.csv")).unwrap();
        let mut expected = Vec::new();
        crate::csv_table::CsvTable::new(&whole.pay_lines)
            .unwrap()
            .write(&mut expected)
            .unwrap();
        assert_eq!(csv, String::from_utf8(expected).unwrap());
    }

    #[test]
    fn a_staging_folder_that_disappears_or_a_file_cut_short_replaces_nothing() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.txt"), "old a").unwrap();
        // Removed under the run (as an older payrun's recovery did): never
        // recreated, so no set missing its first files is committed.
        let staging = Staging::new(&out).unwrap();
        staging.text("a.txt", "new a").unwrap();
        std::fs::remove_dir_all(&staging.stage).unwrap();
        let e = staging.text("b.txt", "new b").unwrap_err().to_string();
        assert!(e.contains("staging folder disappeared"), "{e}");
        assert!(!staging.stage.exists());
        let e = staging.commit().unwrap_err().to_string();
        assert!(e.contains("staging folder disappeared"), "{e}");
        // A file shorter on disk than written: refused before the exchange.
        let staging = Staging::new(&out).unwrap();
        staging.text("a.txt", "new a").unwrap();
        staging.text("b.txt", "new b").unwrap();
        std::fs::write(staging.stage.join("b.txt"), "new").unwrap();
        let e = staging.commit().unwrap_err().to_string();
        assert!(
            e.contains("b.txt") && e.contains("has 3 bytes in the staging folder, 5 were written"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "old a");
        assert!(!out.join("b.txt").exists());
    }

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
