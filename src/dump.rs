//! Generated companies as Parquet files at any size, without HTTP
//! (`payrun sim --dump`, the benchmarks and the peers in `benches/peers`).

use std::path::Path;

use payrun_ingest::{RecordType, decode_records};
use payrun_q2sim::generate::{Generator, GeneratorConfig};
use polars::prelude::*;

/// Users generated per step of `--dump`, so memory stays flat at any size.
const DUMP_USERS: usize = 20_000;

/// A Parquet file written a batch of JSON records at a time.
struct Dump {
    writer: polars::io::parquet::write::BatchedWriter<std::fs::File>,
    record_type: RecordType,
    raw: bool,
    written: usize,
}

impl Dump {
    fn create(path: &Path, record_type: RecordType, raw: bool) -> anyhow::Result<Self> {
        let file = std::fs::File::create(path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        let schema = if raw {
            record_type
                .fields()
                .iter()
                .map(|f| Field::new(f.name.into(), DataType::String))
                .collect()
        } else {
            record_type.schema()
        };
        Ok(Dump {
            writer: ParquetWriter::new(file)
                .with_compression(crate::output::RECORDS_CODEC)
                .batched(&schema)?,
            record_type,
            raw,
            written: 0,
        })
    }

    /// Writes `records` (JSON object texts), decoded as `payrun fetch`
    /// decodes them (or as text with --raw).
    fn write(&mut self, records: &[String]) -> anyhow::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let frame = if self.raw {
            raw_frame(records, self.record_type)?
        } else {
            decode_records(
                format!("[{}]", records.join(",")).as_bytes(),
                self.record_type,
            )
            .map_err(|e| anyhow::anyhow!("{}", e.0))?
            .frame
        };
        self.writer.write_batch(&frame)?;
        self.written += records.len();
        Ok(())
    }

    fn finish(self) -> anyhow::Result<usize> {
        self.writer.finish()?;
        Ok(self.written)
    }
}

/// Writes the company of `config` into `dir` as `timecards.parquet` and
/// `users.parquet` (typed as `payrun fetch` writes them, or every column
/// text with `raw`), the users' records made as they are written and the
/// time cards a day and a slice of users at a time (in API order within
/// each slice), two slices at once. Memory holds about 60 bytes a user
/// (a name and a number more while the users file is written) and one
/// slice's records: 0.55 GiB at 10M time cards (862k users), against 1.4
/// GiB when every user's record was held. Returns the time cards and
/// users written.
pub fn dump(dir: &Path, config: &GeneratorConfig, raw: bool) -> anyhow::Result<(usize, usize)> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let generator = Generator::new(config);
    let mut users = Dump::create(&dir.join("users.parquet"), RecordType::User, raw)?;
    let mut records = generator.users().map(|u| u.json.to_string()).peekable();
    while records.peek().is_some() {
        users.write(&records.by_ref().take(DUMP_USERS).collect::<Vec<_>>())?;
    }
    let users = users.finish()?;
    let mut cards = Dump::create(&dir.join("timecards.parquet"), RecordType::TimeCard, raw)?;
    let slices: Vec<_> = (0..config.users)
        .step_by(DUMP_USERS)
        .map(|start| start..(start + DUMP_USERS).min(config.users))
        .collect();
    for date in generator.dates() {
        for pair in slices.chunks(2) {
            let batches: Vec<Vec<String>> = std::thread::scope(|scope| {
                let handles: Vec<_> = pair
                    .iter()
                    .map(|range| scope.spawn(|| generator.cards_on(date, range.clone())))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_default())
                    .collect()
            });
            for batch in &batches {
                cards.write(batch)?;
            }
        }
    }
    cards.write(&generator.special_cards())?;
    Ok((cards.finish()?, users))
}

/// Records as the API sends them: each field's text, numbers as written.
fn raw_frame(records: &[String], record_type: RecordType) -> anyhow::Result<DataFrame> {
    let fields = record_type.fields();
    let mut columns: Vec<Vec<Option<String>>> =
        vec![Vec::with_capacity(records.len()); fields.len()];
    for record in records {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(record)?;
        for (field, column) in fields.iter().zip(&mut columns) {
            column.push(object.get(field.name).and_then(|v| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            }));
        }
    }
    let columns = fields
        .iter()
        .zip(columns)
        .map(|(f, values)| Column::new(f.name.into(), values))
        .collect();
    Ok(DataFrame::new(records.len(), columns)?)
}
