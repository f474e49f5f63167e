//! All-or-nothing output: files are staged beside their final names and
//! renamed into place only when every one of them has been written.
//!
//! A run that fails part-way leaves no partial file and does not touch the
//! outputs of an earlier run. Renames within one directory are atomic on
//! POSIX file systems, so a reader sees either the old file or the new one.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

/// A set of files being written into one directory.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    staged: Vec<(PathBuf, PathBuf)>,
}

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
            staged: Vec::new(),
        })
    }

    /// The directory the files go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `name` to a temporary file through `write`; it becomes `name`
    /// at [`Staging::commit`].
    pub fn stage(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut BufWriter<File>) -> Result<(), String>,
    ) -> Result<PathBuf, OutputError> {
        let target = self.dir.join(name);
        let temp = self
            .dir
            .join(format!(".{name}.partial-{}", std::process::id()));
        let fail = |message: String| OutputError {
            path: target.clone(),
            message,
        };
        let file = File::create(&temp).map_err(|e| fail(e.to_string()))?;
        // Registered before writing, so a failure below still removes it.
        self.staged.push((temp.clone(), target.clone()));
        let mut writer = BufWriter::new(file);
        write(&mut writer).map_err(fail)?;
        let file = writer.into_inner().map_err(|e| fail(e.to_string()))?;
        file.sync_all().map_err(|e| fail(e.to_string()))?;
        Ok(temp)
    }

    /// Stages a DataFrame as Parquet.
    pub fn parquet(&mut self, name: &str, frame: &DataFrame) -> Result<PathBuf, OutputError> {
        let mut frame = frame.clone();
        self.stage(name, |w| {
            ParquetWriter::new(w)
                .finish(&mut frame)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    /// Stages text.
    pub fn text(&mut self, name: &str, text: &str) -> Result<PathBuf, OutputError> {
        self.stage(name, |w| {
            w.write_all(text.as_bytes()).map_err(|e| e.to_string())
        })
    }

    /// Renames every staged file into place, in the order staged.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, OutputError> {
        let staged = std::mem::take(&mut self.staged);
        let mut done = Vec::with_capacity(staged.len());
        for (temp, target) in staged {
            std::fs::rename(&temp, &target).map_err(|e| OutputError {
                path: target.clone(),
                message: e.to_string(),
            })?;
            done.push(target);
        }
        Ok(done)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        for (temp, _) in &self.staged {
            let _ = std::fs::remove_file(temp);
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
        let mut staging = Staging::new(dir.path()).unwrap();
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

        let mut staging = Staging::new(dir.path()).unwrap();
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
}
