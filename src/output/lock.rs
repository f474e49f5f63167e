//! One writer per output folder.
//!
//! A run claims `--out DIR` before it stages anything, with an advisory
//! lock (`flock`) on `.DIR.lock`, a file beside the folder (the folder
//! itself is swapped out at commit, so the lock cannot live inside it).
//! A second payrun that wants the same folder fails at once, naming the
//! folder and the process that holds it; the lock is the system's, so a
//! run that is killed releases it with its last breath and nothing has to
//! be cleaned up. The lock file stays beside the folder: removing it would
//! let a third run lock a new file while the second still holds the old.
//!
//! The same step refuses an output path that cannot become a folder of
//! payroll files (an existing regular file, a folder the user cannot
//! write), before any work is done.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::{OutputError, failed};

/// The claim on one output folder, held until it is dropped.
#[derive(Debug)]
pub struct OutputLock {
    /// The output folder, as an absolute path with links resolved.
    dir: PathBuf,
    /// The locked file; closing it releases the lock.
    _file: File,
    /// The lock file, to remove when done, for a folder of this process's
    /// own (see [`OutputLock::private`]).
    remove: Option<PathBuf>,
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        if let Some(path) = &self.remove {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl OutputLock {
    /// Claims `dir` for this process: checks that it is, or can become, a
    /// folder this user writes, and locks it against every other payrun.
    pub fn take(dir: &Path) -> Result<OutputLock, OutputError> {
        let dir = output_folder(dir)?;
        let refuse = |message: String| OutputError {
            path: dir.clone(),
            message,
        };
        let parent = dir.parent().map(Path::to_owned).unwrap_or_default();
        std::fs::create_dir_all(&parent).map_err(failed(&parent))?;
        match std::fs::metadata(&dir) {
            Ok(meta) if !meta.is_dir() => {
                return Err(refuse(
                    "it exists and is not a folder; give a folder for --out".into(),
                ));
            }
            Ok(_) if !writable(&dir) => {
                return Err(refuse(
                    "the folder cannot be written by this user; nothing was done".into(),
                ));
            }
            _ => {}
        }
        if !writable(&parent) {
            return Err(refuse(format!(
                "its parent folder {} cannot be written by this user (payrun writes the new \
                 files beside the folder and swaps them in); nothing was done",
                parent.display()
            )));
        }
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let path = dir.with_file_name(format!(".{name}.lock"));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(failed(&path))?;
        if let Err(e) = flock_exclusive(&file) {
            if e.kind() != std::io::ErrorKind::WouldBlock {
                return Err(failed(&path)(e));
            }
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.chars().all(|c| c.is_ascii_digit()) && !holder.is_empty() {
                format!("process {holder}")
            } else {
                "another process".to_owned()
            };
            return Err(refuse(format!(
                "another payrun ({who}) is writing this folder; wait for it to finish, \
                 or give another --out"
            )));
        }
        // Who holds it, for the message a second run prints.
        let pid = std::process::id().to_string();
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(pid.as_bytes()));
        Ok(OutputLock {
            dir,
            _file: file,
            remove: None,
        })
    }

    /// [`OutputLock::take`] for a scratch folder no other process uses
    /// (named after this process): its lock file is removed when done,
    /// rather than left beside it.
    pub fn private(dir: &Path) -> Result<OutputLock, OutputError> {
        let mut lock = OutputLock::take(dir)?;
        let name = lock.dir.file_name().unwrap_or_default().to_string_lossy();
        lock.remove = Some(lock.dir.with_file_name(format!(".{name}.lock")));
        Ok(lock)
    }

    /// The output folder: absolute, links resolved.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// `dir` as an absolute path with symbolic links resolved (a folder reached
/// through a link is replaced where it is), refused if it has no name.
fn output_folder(dir: &Path) -> Result<PathBuf, OutputError> {
    let dir = match std::fs::canonicalize(dir) {
        Ok(real) => real,
        Err(_) => std::path::absolute(dir).map_err(failed(dir))?,
    };
    if dir.file_name().is_none() {
        return Err(OutputError {
            path: dir,
            message: "an output folder needs a name of its own".into(),
        });
    }
    Ok(dir)
}

/// Whether this user may create and remove entries in the folder `dir`.
#[cfg(unix)]
fn writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(name) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `name` is a NUL-terminated path that outlives the call.
    unsafe { libc::access(name.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

#[cfg(not(unix))]
fn writable(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
}

/// Takes an exclusive advisory lock on `file` without waiting.
#[cfg(unix)]
fn flock_exclusive(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for as long as `file` is.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn flock_exclusive(file: &File) -> std::io::Result<()> {
    file.try_lock().map_err(|e| match e {
        std::fs::TryLockError::WouldBlock => std::io::ErrorKind::WouldBlock.into(),
        std::fs::TryLockError::Error(e) => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_on_a_folder_fails_naming_it_and_the_holder() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        let first = OutputLock::take(&out).unwrap();
        let second = OutputLock::take(&out).unwrap_err().to_string();
        assert!(
            second.contains(&out.display().to_string())
                && second.contains(&format!("process {}", std::process::id()))
                && !second.contains('\n'),
            "{second}"
        );
        drop(first);
        OutputLock::take(&out).unwrap();
        assert!(
            parent.path().join(".out.lock").is_file(),
            "the lock file stays"
        );
        // A scratch folder's lock file goes with it.
        let scratch = parent.path().join("scratch");
        drop(OutputLock::private(&scratch).unwrap());
        assert!(!parent.path().join(".scratch.lock").exists());
    }

    #[test]
    fn an_output_that_is_a_file_or_not_writable_is_refused() {
        let parent = tempfile::tempdir().unwrap();
        let file = parent.path().join("out");
        std::fs::write(&file, "payroll notes").unwrap();
        let e = OutputLock::take(&file).unwrap_err().to_string();
        assert!(e.contains("not a folder"), "{e}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "payroll notes");

        use std::os::unix::fs::PermissionsExt;
        let locked = parent.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        let refused = OutputLock::take(&locked);
        // root writes anywhere: the check is the system's own.
        if !writable(&locked) {
            let e = refused.unwrap_err().to_string();
            assert!(e.contains("cannot be written"), "{e}");
        }
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
