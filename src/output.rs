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

mod lock;

pub use lock::OutputLock;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use polars::prelude::*;
use sha2::{Digest, Sha256};

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

/// A writer that hashes what passes through it, so a file's digest needs
/// no second read.
///
/// On Linux, on a local disk file system (ext4, XFS, Btrfs, F2FS), it
/// writes straight to the disk (`O_DIRECT`), a whole aligned chunk at a
/// time, bypassing the page cache: copying a run's gigabyte of output into
/// the cache took more CPU time than anything else at 10M time cards, and
/// written this way it takes a tenth of that (docs/performance.md). The tail
/// that does not fill a chunk is written through the cache once the file
/// is done. Elsewhere, or where direct writes are refused, the file is
/// written through the cache, and the system is asked to start writing
/// each 32 MiB to disk as soon as it is written, so that making the file
/// durable at the end (`sync_all`) waits only for its last part.
pub struct Hashing {
    inner: File,
    hash: Sha256,
    /// Bytes written.
    written: u64,
    /// Bytes the system was asked to start writing to disk.
    started: u64,
    /// The chunk being filled, when the file is written directly.
    direct: Option<Chunk>,
}

/// How many bytes are written before the system is asked to write them out.
const WRITE_OUT_EVERY: u64 = 32 << 20;

/// Bytes written to disk at a time by a direct writer.
const DIRECT_CHUNK: usize = 1 << 20;

/// Alignment of a direct write's memory, file offset and length (every
/// disk's logical block size divides it).
const DIRECT_ALIGN: usize = 4096;

/// Whether `dir` is on a local disk file system that writes directly to
/// disk well: ext2/3/4, XFS, Btrfs or F2FS.
#[cfg(target_os = "linux")]
fn on_local_disk(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    const EXT: u32 = 0xEF53;
    const XFS: u32 = 0x5846_5342;
    const BTRFS: u32 = 0x9123_683E;
    const F2FS: u32 = 0xF2F5_2010;
    let Ok(name) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `name` is a NUL-terminated path and `stat` a zeroed struct
    // statfs fills in; the call reads and writes nothing else.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(name.as_ptr(), &mut stat) } != 0 {
        return false;
    }
    // The magic numbers are 32 bits, whatever the field's width.
    matches!(stat.f_type as u32, EXT | XFS | BTRFS | F2FS)
}

/// A chunk of a direct writer: `DIRECT_CHUNK` bytes at an aligned address
/// within `memory`, `len` of them filled.
struct Chunk {
    memory: Vec<u8>,
    start: usize,
    len: usize,
}

impl Chunk {
    fn new() -> Chunk {
        let memory = vec![0u8; DIRECT_CHUNK + DIRECT_ALIGN];
        let start = memory.as_ptr().align_offset(DIRECT_ALIGN);
        Chunk {
            memory,
            start,
            len: 0,
        }
    }

    fn filled(&self) -> &[u8] {
        &self.memory[self.start..self.start + self.len]
    }
}

impl Hashing {
    /// Hashes what is written to `inner`, through the page cache.
    fn new(inner: File) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            written: 0,
            started: 0,
            direct: None,
        }
    }

    /// Creates `path` (truncating it) to be written directly to disk on a
    /// local file system that allows it, through the page cache otherwise
    /// (on a network share, say, where a direct write waits for the server).
    fn create(path: &Path) -> std::io::Result<Self> {
        #[cfg(target_os = "linux")]
        if path.parent().is_some_and(on_local_disk) {
            use std::os::unix::fs::OpenOptionsExt;
            let direct = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .custom_flags(libc::O_DIRECT)
                .open(path);
            if let Ok(file) = direct {
                return Ok(Hashing {
                    direct: Some(Chunk::new()),
                    ..Hashing::new(file)
                });
            }
        }
        File::create(path).map(Hashing::new)
    }

    /// Writes the filled chunk to disk. A file system that refuses it
    /// (some accept `O_DIRECT` when a file is opened, not when it is
    /// written) has the rest of the chunk, and of the file, written
    /// through the page cache: no byte is written twice or left out.
    fn write_chunk(&mut self) -> std::io::Result<()> {
        let Some(chunk) = self.direct.take() else {
            return Ok(());
        };
        let bytes = chunk.filled();
        let mut done = 0;
        let mut direct = true;
        while done < bytes.len() {
            match self.inner.write(&bytes[done..]) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if direct && e.raw_os_error() == Some(libc::EINVAL) => {
                    self.through_cache()?;
                    direct = false;
                }
                Err(e) => return Err(e),
            }
        }
        if direct {
            self.direct = Some(Chunk { len: 0, ..chunk });
        }
        Ok(())
    }

    /// Turns off direct writing for the rest of the file.
    fn through_cache(&mut self) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let fd = self.inner.as_raw_fd();
            // SAFETY: the descriptor is open for as long as `self.inner`
            // is; F_GETFL and F_SETFL only read and set its flags.
            let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
            if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }

    /// Writes what is still held (the tail of a direct file) and gives back
    /// the file, to be made durable, and the digest of every byte written.
    fn finish(mut self) -> std::io::Result<(File, Sha256)> {
        if let Some(chunk) = &self.direct {
            // A direct write's length is a multiple of the alignment.
            if chunk.len % DIRECT_ALIGN != 0 {
                self.through_cache()?;
            }
            self.write_chunk()?;
        }
        Ok((self.inner, self.hash))
    }

    /// Starts writing the bytes not yet started to disk, without waiting.
    /// Only a hint: `sync_all` is what makes them durable.
    fn start_write_out(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (from, len) = (self.started, self.written - self.started);
            // SAFETY: the descriptor is open for as long as `self.inner`
            // is; the call only reads its arguments.
            let _ = unsafe {
                libc::sync_file_range(
                    self.inner.as_raw_fd(),
                    from as libc::off64_t,
                    len as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                )
            };
        }
        self.started = self.written;
    }
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = match &mut self.direct {
            Some(chunk) => {
                let n = buf.len().min(DIRECT_CHUNK - chunk.len);
                let at = chunk.start + chunk.len;
                chunk.memory[at..at + n].copy_from_slice(&buf[..n]);
                chunk.len += n;
                if chunk.len == DIRECT_CHUNK {
                    self.write_chunk()?;
                }
                n
            }
            None => self.inner.write(buf)?,
        };
        self.hash.update(&buf[..n]);
        self.written += n as u64;
        if self.direct.is_none() && self.written - self.started >= WRITE_OUT_EVERY {
            self.start_write_out();
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
const ROW_GROUP_ROWS: usize = 512 * 512;

/// Writes `frame` as `ParquetWriter::finish` does, with the same row
/// groups and bytes (see [`crate::parquet_table`]), but a row group at a time. A
/// frame of many small chunks (a fetch's pages) is gathered into row
/// groups of at least [`ROW_GROUP_ROWS`] rows; `finish` gathers all of
/// them before writing the first, a copy of the whole frame, where this
/// holds one row group.
fn write_parquet(
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

impl Drop for Staging {
    /// A set never committed leaves nothing behind.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.stage);
    }
}

#[cfg(test)]
mod tests {
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

    /// A file past the write-out step, written in odd-sized pieces, is
    /// every byte given, its digest theirs, its first 32 MiB started.
    #[test]
    fn a_hashed_file_is_what_was_written_and_written_out_as_it_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let data: Vec<u8> = (0..(WRITE_OUT_EVERY * 3 / 2))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut hashing = Hashing::new(File::create(&path).unwrap());
        for piece in data.chunks(1_000_003) {
            hashing.write_all(piece).unwrap();
        }
        assert_eq!(hashing.written, data.len() as u64);
        // Started once 32 MiB were written; the rest is left to `sync_all`.
        assert!(
            (WRITE_OUT_EVERY..2 * WRITE_OUT_EVERY).contains(&hashing.started),
            "{}",
            hashing.started
        );
        hashing.inner.sync_all().unwrap();
        assert_eq!(
            format!("{:x}", hashing.hash.finalize()),
            format!("{:x}", Sha256::digest(&data))
        );
        assert!(std::fs::read(&path).unwrap() == data);
    }

    /// A file written directly to disk, in odd-sized pieces and ending
    /// anywhere in a chunk (or on a chunk's or an aligned block's end), is
    /// every byte given, and its digest theirs.
    #[test]
    fn a_file_written_directly_is_every_byte_and_its_digest() {
        let dir = tempfile::tempdir().unwrap();
        for (i, len) in [
            0,
            1,
            DIRECT_ALIGN,
            DIRECT_CHUNK,
            DIRECT_CHUNK + 3 * DIRECT_ALIGN,
            3 * DIRECT_CHUNK + DIRECT_CHUNK / 2 + 123,
        ]
        .into_iter()
        .enumerate()
        {
            let path = dir.path().join(format!("file{i}"));
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut hashing = Hashing::create(&path).unwrap();
            for piece in data.chunks(65_537) {
                hashing.write_all(piece).unwrap();
            }
            let (file, hash) = hashing.finish().unwrap();
            file.sync_all().unwrap();
            assert_eq!(
                format!("{:x}", hash.finalize()),
                format!("{:x}", Sha256::digest(&data)),
                "{len} bytes"
            );
            assert!(std::fs::read(&path).unwrap() == data, "{len} bytes");
        }
    }

    /// Only local disk file systems are written directly: not /proc, not
    /// a folder that is not there.
    #[cfg(target_os = "linux")]
    #[test]
    fn direct_writes_are_for_local_disks() {
        assert!(!on_local_disk(Path::new("/proc")));
        assert!(!on_local_disk(Path::new("/no/such/folder")));
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
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path()).unwrap();
        let summaries = payrun_rules::Summaries::build(&run).unwrap();
        stage_report(&staging, &run, &summaries, &[Format::Csv, Format::Parquet]).unwrap();
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
