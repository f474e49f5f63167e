//! One read of a query, page after page: its pages gathered into compact
//! chunks, held in memory ([`Q2Client::query`](super::client::Q2Client::query))
//! or written to a spill file as they are made
//! ([`Q2Client::time_cards_to`](super::client::Q2Client::time_cards_to)),
//! or dropped (the first of two reads that must agree: only its
//! fingerprint is kept), and the fingerprint that tells one whole read
//! from the next.
//!
//! A read written to a file holds one chunk in memory, not the read: a
//! fetch of any size streams through [`api.concurrency`](super::client::ApiConfig)
//! windows' chunks.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::client::{Fetched, IngestError};
use crate::exception::Exception;
use crate::schema::RecordType;

/// Rows of fetched pages copied into one chunk at a time: a page's freshly
/// decoded columns carry spare capacity that the copy drops, and copying a
/// whole window at its end would hold its pages and their copy at once,
/// with the other windows' (docs/performance.md).
pub(crate) const ROWS_PER_CHUNK: usize = 1 << 16;

/// Where a streamed query gives its records, a chunk at a time, in order.
pub type Put<'a> = &'a mut (dyn FnMut(DataFrame) -> Result<(), IngestError> + Send);

/// What a query streamed to its `put` (see
/// [`Q2Client::time_cards_to`](super::client::Q2Client::time_cards_to)):
/// how many records, the exceptions found decoding them, the pages read.
#[derive(Debug, Clone, Default)]
pub struct Streamed {
    /// Records put.
    pub rows: usize,
    /// Problems found while decoding them.
    pub exceptions: Vec<Exception>,
    /// Pages requested successfully.
    pub pages: usize,
}

impl Streamed {
    pub(crate) fn add(&mut self, other: Streamed) {
        self.rows += other.rows;
        self.exceptions.extend(other.exceptions);
        self.pages += other.pages;
    }
}

/// Where a read's compact chunks go.
pub(crate) enum Out {
    /// Held, to become one frame.
    Memory(Vec<DataFrame>),
    /// Written to a spill file as they are made.
    File(Box<SpillWriter>),
    /// Dropped: a read whose records are never kept, only its
    /// fingerprint (the first of reads that must agree).
    Discard,
}

impl Out {
    /// A new spill file at `path` (one there already is replaced).
    pub(crate) fn file(path: &Path, record_type: RecordType) -> Result<Self, IngestError> {
        SpillWriter::create(path, record_type).map(|w| Out::File(Box::new(w)))
    }
}

/// The records of one whole read.
pub(crate) enum Records {
    /// In memory.
    Frame(DataFrame),
    /// In the spill file there, a chunk a row group.
    File(PathBuf),
}

/// One whole read of a query.
pub(crate) struct Read {
    pub(crate) records: Records,
    pub(crate) rows: usize,
    pub(crate) exceptions: Vec<Exception>,
    pub(crate) pages: usize,
    /// The read's fingerprint, when asked for (see [`Print`]).
    pub(crate) print: Option<u128>,
}

impl Read {
    /// The read as [`Fetched`] (a read held in memory; a spilled one is
    /// read back whole, and its file removed).
    pub(crate) fn fetched(self, record_type: RecordType) -> Result<Fetched, IngestError> {
        let frame = match self.records {
            Records::Frame(frame) => frame,
            Records::File(path) => {
                let mut chunks = Vec::new();
                each_chunk(&path, &mut |chunk| {
                    chunks.push(chunk);
                    Ok(())
                })?;
                std::fs::remove_file(&path).map_err(|e| spill_error(&path, &e))?;
                stack(record_type, chunks, false)?
            }
        };
        Ok(Fetched {
            frame,
            exceptions: self.exceptions,
            pages: self.pages,
        })
    }

    /// Gives each chunk of the read to `put`, in order; a spill file is
    /// removed once read.
    pub(crate) fn put_chunks(self, put: Put<'_>) -> Result<Streamed, IngestError> {
        match self.records {
            Records::Frame(mut frame) => {
                for chunk in frame.split_chunks() {
                    put(chunk)?;
                }
            }
            Records::File(path) => {
                each_chunk(&path, put)?;
                std::fs::remove_file(&path).map_err(|e| spill_error(&path, &e))?;
            }
        }
        Ok(Streamed {
            rows: self.rows,
            exceptions: self.exceptions,
            pages: self.pages,
        })
    }
}

/// A read's pages as they come, copied into compact chunks of at least
/// `rows_per_chunk` rows (see [`ROWS_PER_CHUNK`]) that go `out`.
pub(crate) struct Pages {
    record_type: RecordType,
    rows_per_chunk: usize,
    /// Pages not yet copied into a chunk, and their rows.
    parts: Vec<DataFrame>,
    rows: usize,
    out: Out,
    exceptions: Vec<Exception>,
    /// Pages pushed, and their rows.
    pages: usize,
    total: usize,
    print: Option<Print>,
}

impl Pages {
    /// An empty read; `fingerprint`: whether [`Read::print`] is made.
    pub(crate) fn new(
        record_type: RecordType,
        rows_per_chunk: usize,
        out: Out,
        fingerprint: bool,
    ) -> Self {
        Pages {
            record_type,
            rows_per_chunk,
            parts: Vec::new(),
            rows: 0,
            out,
            exceptions: Vec::new(),
            pages: 0,
            total: 0,
            print: fingerprint.then(Print::new),
        }
    }

    /// Pages pushed so far.
    pub(crate) fn pages(&self) -> usize {
        self.pages
    }

    pub(crate) fn push(&mut self, page: Fetched) -> Result<(), IngestError> {
        if let Some(print) = &mut self.print {
            print.fold(&page.frame)?;
        }
        self.pages += page.pages;
        self.rows += page.frame.height();
        self.total += page.frame.height();
        self.exceptions.extend(page.exceptions);
        self.parts.push(page.frame);
        if self.rows >= self.rows_per_chunk {
            self.flush()?;
        }
        Ok(())
    }

    /// The pages not yet in a chunk, as one.
    fn flush(&mut self) -> Result<(), IngestError> {
        if let Out::Discard = self.out {
            self.parts.clear();
            self.rows = 0;
            return Ok(());
        }
        let chunk = stack(self.record_type, std::mem::take(&mut self.parts), true)?;
        self.rows = 0;
        match &mut self.out {
            Out::Memory(chunks) => chunks.push(chunk),
            Out::File(spill) => spill.write(&chunk)?,
            Out::Discard => {}
        }
        Ok(())
    }

    /// Every page pushed, in order: in memory one chunk when they fit in one.
    pub(crate) fn finish(mut self) -> Result<Read, IngestError> {
        let held = matches!(&self.out, Out::Memory(chunks) if chunks.is_empty());
        if !self.parts.is_empty() || held {
            self.flush()?;
        }
        let records = match self.out {
            Out::Memory(mut chunks) => match chunks.len() {
                1 => Records::Frame(chunks.remove(0)),
                _ => Records::Frame(stack(self.record_type, chunks, false)?),
            },
            Out::File(spill) => Records::File(spill.finish()?),
            Out::Discard => {
                Records::Frame(DataFrame::empty_with_schema(&self.record_type.schema()))
            }
        };
        Ok(Read {
            records,
            rows: self.total,
            exceptions: self.exceptions,
            pages: self.pages,
            print: self.print.map(|p| p.finish()),
        })
    }
}

/// `frames` stacked in order into one frame of the record type's schema;
/// with `compact`, copied into one chunk (a page's freshly decoded
/// columns carry spare capacity that this drops).
pub(crate) fn stack(
    record_type: RecordType,
    frames: Vec<DataFrame>,
    compact: bool,
) -> Result<DataFrame, IngestError> {
    let mut frame = DataFrame::empty_with_schema(&record_type.schema());
    for part in frames {
        frame.vstack_mut(&part)?;
    }
    if compact {
        frame.rechunk_mut_par();
    }
    Ok(frame)
}

/// A fingerprint of a read's records, every field and their order, made
/// a page at a time: two reads with the same fingerprint returned the
/// same records. Each row is hashed twice, with two seeds, and the rows
/// folded in order into 128 bits; the number of rows is folded in last.
pub(crate) struct Print {
    halves: [u64; 2],
    rows: u64,
}

const SEEDS: [u64; 2] = [0x7061_7972_756e_0001, 0x7061_7972_756e_0002];

impl Print {
    fn new() -> Self {
        Print {
            halves: SEEDS,
            rows: 0,
        }
    }

    fn fold(&mut self, frame: &DataFrame) -> Result<(), IngestError> {
        for (half, seed) in self.halves.iter_mut().zip(SEEDS) {
            let state = || PlSeedableRandomStateQuality::seed_from_u64(seed);
            let mut rows = Vec::with_capacity(frame.height());
            let mut columns = frame.columns().iter();
            if let Some(first) = columns.next() {
                first.vec_hash(state(), &mut rows)?;
                for column in columns {
                    column.vec_hash_combine(state(), &mut rows)?;
                }
            }
            for row in rows {
                *half = mix(*half, row);
            }
        }
        self.rows += frame.height() as u64;
        Ok(())
    }

    fn finish(self) -> u128 {
        let [a, b] = self.halves.map(|half| mix(half, self.rows));
        u128::from(a) << 64 | u128::from(b)
    }
}

fn mix(folded: u64, value: u64) -> u64 {
    (folded.rotate_left(23) ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A read's chunks written to a Parquet file (LZ4), a row group each, so
/// that they are read back as they were made.
pub(crate) struct SpillWriter {
    path: PathBuf,
    writer: polars::io::parquet::write::BatchedWriter<std::fs::File>,
}

impl SpillWriter {
    fn create(path: &Path, record_type: RecordType) -> Result<Self, IngestError> {
        let fail = |e: &dyn std::fmt::Display| spill_error(path, e);
        let file = std::fs::File::create(path).map_err(|e| fail(&e))?;
        let writer = ParquetWriter::new(file)
            .with_compression(ParquetCompression::Lz4Raw)
            .batched(&record_type.schema())
            .map_err(|e| fail(&e))?;
        Ok(SpillWriter {
            path: path.to_owned(),
            writer,
        })
    }

    fn write(&mut self, chunk: &DataFrame) -> Result<(), IngestError> {
        self.writer
            .write_batch(chunk)
            .map_err(|e| spill_error(&self.path, &e))
    }

    fn finish(self) -> Result<PathBuf, IngestError> {
        self.writer
            .finish()
            .map_err(|e| spill_error(&self.path, &e))?;
        Ok(self.path)
    }
}

/// Each row group of the spill file at `path`, in order, to `put`.
fn each_chunk(path: &Path, put: Put<'_>) -> Result<(), IngestError> {
    let open = || std::fs::File::open(path).map_err(|e| spill_error(path, &e));
    let mut reader = ParquetReader::new(open()?);
    let metadata = reader
        .get_metadata()
        .map_err(|e| spill_error(path, &e))?
        .clone();
    let mut start = 0;
    for group in &metadata.row_groups {
        let rows = group.num_rows();
        let mut reader = ParquetReader::new(open()?);
        reader.set_metadata(metadata.clone());
        let chunk = reader
            .with_slice(Some((start, rows)))
            .finish()
            .map_err(|e| spill_error(path, &e))?;
        start += rows;
        put(chunk)?;
    }
    Ok(())
}

fn spill_error(path: &Path, e: &dyn std::fmt::Display) -> IngestError {
    IngestError::Spill {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exception::Severity;

    fn page(first: u32, rows: u32) -> Fetched {
        let names: Vec<String> = (first..first + rows).map(|i| format!("u{i}")).collect();
        let columns = RecordType::TimeCard
            .schema()
            .iter()
            .map(|(name, dtype)| {
                if name.as_str() == crate::schema::col::USER_NAME {
                    Column::new(name.clone(), &names)
                } else {
                    Column::full_null(name.clone(), rows as usize, dtype)
                }
            })
            .collect();
        let frame = DataFrame::new(rows as usize, columns).unwrap();
        let exceptions = vec![Exception::unattached(
            Severity::Error,
            crate::kinds::INVALID_VALUE,
            format!("page {first}"),
        )];
        Fetched {
            frame,
            exceptions,
            pages: 1,
        }
    }

    fn user_names(frame: &DataFrame) -> Vec<String> {
        frame
            .column(crate::schema::col::USER_NAME)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|name| name.unwrap_or_default().to_owned())
            .collect()
    }

    const SIZES: [u32; 7] = [3, 4, 2, 5, 1, 0, 6];

    fn read(rows_per_chunk: usize, out: Out) -> Read {
        let mut pages = Pages::new(RecordType::TimeCard, rows_per_chunk, out, true);
        let mut first = 0;
        for rows in SIZES {
            pages.push(page(first, rows)).unwrap();
            first += rows;
        }
        pages.finish().unwrap()
    }

    #[test]
    fn pages_become_compact_chunks_in_order() {
        let mut whole = Vec::new();
        for rows_per_chunk in [1, 5, 8, 100] {
            let fetched = read(rows_per_chunk, Out::Memory(Vec::new()))
                .fetched(RecordType::TimeCard)
                .unwrap();
            assert_eq!(
                user_names(&fetched.frame),
                (0..21).map(|i| format!("u{i}")).collect::<Vec<_>>()
            );
            assert_eq!(fetched.pages, SIZES.len());
            assert_eq!(fetched.exceptions.len(), SIZES.len());
            assert_eq!(fetched.exceptions[3].message, "page 9");
            whole.push((rows_per_chunk, fetched.frame.first_col_n_chunks()));
        }
        // Chunks of at least so many rows: 21 rows in 3+4+2+5+1+0+6 pages.
        assert_eq!(whole, vec![(1, 6), (5, 3), (8, 2), (100, 1)]);
    }

    #[test]
    fn a_spilled_read_gives_back_the_chunks_it_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.parquet");
        for rows_per_chunk in [1, 5, 8, 100] {
            let held = read(rows_per_chunk, Out::Memory(Vec::new()));
            let spilled = read(
                rows_per_chunk,
                Out::file(&path, RecordType::TimeCard).unwrap(),
            );
            assert_eq!((spilled.rows, spilled.pages), (21, SIZES.len()));
            assert_eq!(spilled.exceptions.len(), SIZES.len());
            // The same records, so the same fingerprint.
            assert_eq!(spilled.print, held.print);
            let mut chunks = Vec::new();
            let streamed = spilled
                .put_chunks(&mut |chunk| {
                    chunks.push(chunk);
                    Ok(())
                })
                .unwrap();
            assert_eq!((streamed.rows, streamed.pages), (21, SIZES.len()));
            let Records::Frame(mut frame) = held.records else {
                panic!("held in memory")
            };
            let expected: Vec<DataFrame> = frame.split_chunks().collect();
            assert_eq!(
                chunks.len(),
                expected.len(),
                "{rows_per_chunk} rows a chunk"
            );
            for (chunk, expected) in chunks.iter().zip(&expected) {
                assert!(chunk.equals_missing(expected));
            }
            assert!(!path.exists(), "the spill file is removed once read");
            // Read back whole, it is the frame held.
            let spilled = read(
                rows_per_chunk,
                Out::file(&path, RecordType::TimeCard).unwrap(),
            );
            let whole = spilled.fetched(RecordType::TimeCard).unwrap();
            assert!(whole.frame.equals_missing(&frame));
            assert_eq!(whole.exceptions.len(), SIZES.len());
            assert!(!path.exists());
        }
    }

    #[test]
    fn fingerprints_tell_reads_apart() {
        let print = |pages: &[(u32, u32)]| {
            let mut read = Pages::new(RecordType::TimeCard, 4, Out::Memory(Vec::new()), true);
            for &(first, rows) in pages {
                read.push(page(first, rows)).unwrap();
            }
            read.finish().unwrap().print.unwrap()
        };
        // Pages cut elsewhere: the same records.
        assert_eq!(print(&[(0, 3), (3, 4)]), print(&[(0, 5), (5, 2)]));
        // A record more, fewer, or another.
        assert_ne!(print(&[(0, 7)]), print(&[(0, 8)]));
        assert_ne!(print(&[(0, 7)]), print(&[(0, 6)]));
        assert_ne!(print(&[(0, 7)]), print(&[(1, 7)]));
        // The same records in another order.
        assert_ne!(print(&[(0, 3), (3, 4)]), print(&[(3, 4), (0, 3)]));
    }
}
