//! The writer every output file goes through: it hashes what passes
//! (so a file's SHA-256 needs no second read) and, on a local disk, writes
//! straight to it, bypassing the page cache.
//!
//! All of the direct writer's `unsafe` is here: three system calls made
//! through `libc` (`statfs` to tell a local disk, `fcntl` to turn direct
//! writing off for the tail, `sync_file_range` to start writing out).
//! Each block's SAFETY comment says why it holds: they take a
//! NUL-terminated path and a zeroed struct the call fills, or a file
//! descriptor this writer owns and integers. The aligned buffer of direct
//! writes is a plain `Vec` with an aligned offset, no `unsafe`. (The
//! staging protocol's own system calls, the exchange and the lock, are in
//! `output.rs` and `lock.rs`.)

use std::fs::File;
use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

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
    pub(super) written: u64,
    /// Bytes the system was asked to start writing to disk.
    started: u64,
    /// The chunk being filled, when the file is written directly.
    direct: Option<Chunk>,
}

/// How many bytes are written before the system is asked to write them out.
pub(super) const WRITE_OUT_EVERY: u64 = 32 << 20;

/// Bytes written to disk at a time by a direct writer.
pub(super) const DIRECT_CHUNK: usize = 1 << 20;

/// Alignment of a direct write's memory, file offset and length (every
/// disk's logical block size divides it).
pub(super) const DIRECT_ALIGN: usize = 4096;

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
    pub(super) fn create(path: &Path) -> std::io::Result<Self> {
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
    pub(super) fn finish(mut self) -> std::io::Result<(File, Sha256)> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
