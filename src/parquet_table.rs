//! Parquet for the tables payrun writes, with text columns
//! dictionary-encoded cheaply.
//!
//! The files are Polars' `ParquetWriter`'s, byte for byte (tested): the
//! same schema (and `ARROW:schema` key), row groups, encodings, pages and
//! statistics. Only two things are done differently. A decimal column
//! Polars estimates the distinct values of, then finds it cannot make a
//! dictionary of decimals and writes plain: it is written plain at once.
//! And a text column Polars' estimate finds worth a dictionary (at most
//! three quarters of its cells distinct, or 128 cells or fewer) Polars
//! then builds by hashing every cell's text. These columns repeat a value
//! over consecutive rows (a user's name on each of their days, a pay
//! line's kind) and their cells are views into a few buffers, so here a
//! cell whose 16-byte view equals the previous cell's takes its code
//! without hashing, other cells look their view up, and a text is hashed
//! once per distinct view, giving the same dictionary: its texts in
//! order of first appearance.

use std::io::Write;

use polars::prelude::*;
use polars_arrow::array::{
    Array, DictionaryArray, MutableBinaryViewArray, PrimitiveArray, Utf8ViewArray,
};
use polars_arrow::datatypes::{ArrowDataType, IntegerType};
use polars_parquet::write::{
    CompressionOptions, Compressor, DynIter, DynStreamingIterator, Encoding,
    FallibleStreamingIterator, FileWriter, ParquetType, StatisticsOptions, Version, WriteOptions,
    array_to_columns, get_dtype_encoding,
};

/// Writes frames of one schema as the row groups of one Parquet file.
pub struct BlockWriter<W: Write> {
    writer: FileWriter<W>,
    fields: Vec<ParquetType>,
    encodings: Vec<Vec<Encoding>>,
    options: WriteOptions,
}

impl<W: Write> BlockWriter<W> {
    /// A writer of frames with `schema`, compressed with `compression`.
    pub fn new(out: W, schema: &Schema, compression: ParquetCompression) -> PolarsResult<Self> {
        let schema = schema.to_arrow(CompatLevel::newest());
        let encodings = schema
            .iter_values()
            .map(|f| match f.dtype {
                // Polars would estimate the distinct values of a decimal
                // column, then find it cannot make a dictionary of
                // decimals and write it plain: it is written plain.
                ArrowDataType::Decimal(..) => vec![Encoding::Plain],
                _ => get_dtype_encoding(&f.dtype),
            })
            .collect();
        let options = WriteOptions {
            statistics: StatisticsOptions::default(),
            version: Version::V1,
            compression: CompressionOptions::from(compression),
            data_page_size: None,
        };
        let writer = FileWriter::try_new(out, schema, options)?;
        let fields = writer.parquet_schema().fields().to_vec();
        Ok(BlockWriter {
            writer,
            fields,
            encodings,
            options,
        })
    }

    /// Appends `frame`'s rows: a row group per chunk (after aligning the
    /// columns' chunks).
    pub fn write(&mut self, frame: &mut DataFrame) -> PolarsResult<()> {
        if frame.width() != self.fields.len() {
            polars_bail!(ShapeMismatch: "a frame of {} columns for a file of {}", frame.width(), self.fields.len());
        }
        frame.align_chunks_par();
        for batch in frame.iter_chunks(CompatLevel::newest(), false) {
            let rows = batch.len();
            if rows == 0 {
                continue;
            }
            let options = self.options;
            // Column after column: the tables are written several at a
            // time, and column tasks sharing the cores with them raise the
            // peak of memory and save no time.
            let columns = batch
                .columns()
                .iter()
                .zip(&self.fields)
                .zip(&self.encodings)
                .map(|((array, field), encoding)| {
                    let Some(texts) = array.as_any().downcast_ref::<Utf8ViewArray>() else {
                        return array_to_columns(array, field.clone(), options, encoding);
                    };
                    match dictionary_of(texts) {
                        Some(dictionary) => {
                            let dictionary: &dyn Array = &dictionary;
                            array_to_columns(dictionary, field.clone(), options, encoding)
                        }
                        None => array_to_columns(array, field.clone(), options, &[Encoding::Plain]),
                    }
                })
                .collect::<PolarsResult<Vec<_>>>()?;
            let pages = columns.into_iter().flatten().map(move |pages| {
                let pages = pages.map(|page| {
                    page.map_err(|e| {
                        polars_parquet::read::ParquetError::FeatureNotSupported(e.to_string())
                    })
                });
                let compressed = Compressor::new_from_vec(pages, options.compression, Vec::new())
                    .map_err(PolarsError::from);
                Ok(DynStreamingIterator::new(compressed))
            });
            self.writer.write(rows as u64, DynIter::new(pages))?;
        }
        Ok(())
    }

    /// Writes the footer (with the `ARROW:schema` key) and ends the file.
    pub fn finish(mut self) -> PolarsResult<()> {
        self.writer.end(None).map(|_| ())
    }
}

/// `array` as a dictionary of its texts in order of first appearance,
/// or `None` when Polars finds a dictionary not worth it: its estimate of
/// the distinct texts is more than three quarters of the (more than 128)
/// cells.
fn dictionary_of(array: &Utf8ViewArray) -> Option<DictionaryArray<u32>> {
    let cells = array.len();
    if cells > 128
        && polars_compute::cardinality::estimate_cardinality(array) as f64 / cells as f64 > 0.75
    {
        return None;
    }
    let views = array.views();
    let mut keys: Vec<u32> = Vec::with_capacity(cells);
    let mut texts = MutableBinaryViewArray::<str>::new();
    let mut by_view: PlHashMap<u128, u32> = PlHashMap::default();
    let mut by_text: PlHashMap<&str, u32> = PlHashMap::default();
    let mut last: Option<(u128, u32)> = None;
    for (i, view) in views.iter().enumerate() {
        if !array.is_valid(i) {
            // A null's key is never read (the page skips nulls).
            keys.push(0);
            continue;
        }
        let view = view.as_u128();
        let code = match last {
            Some((previous, code)) if previous == view => code,
            _ => match by_view.get(&view) {
                Some(&code) => code,
                None => {
                    let text = array.value(i);
                    let next = u32::try_from(texts.len()).ok()?;
                    let code = *by_text.entry(text).or_insert(next);
                    if code == next {
                        texts.push_value(text);
                    }
                    by_view.insert(view, code);
                    code
                }
            },
        };
        last = Some((view, code));
        keys.push(code);
    }
    let keys = PrimitiveArray::new(
        ArrowDataType::UInt32,
        keys.into(),
        array.validity().cloned(),
    );
    let texts: Utf8ViewArray = texts.freeze();
    DictionaryArray::try_new(
        ArrowDataType::Dictionary(
            IntegerType::UInt32,
            Box::new(ArrowDataType::Utf8View),
            false,
        ),
        keys,
        texts.boxed(),
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(frames: &[DataFrame]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer =
            BlockWriter::new(&mut out, frames[0].schema(), ParquetCompression::Snappy).unwrap();
        for frame in frames {
            writer.write(&mut frame.clone()).unwrap();
        }
        writer.finish().unwrap();
        out
    }

    fn polars(frames: &[DataFrame]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = ParquetWriter::new(&mut out)
            .with_compression(ParquetCompression::Snappy)
            .batched(frames[0].schema())
            .unwrap();
        for frame in frames {
            let mut frame = frame.clone();
            frame.align_chunks_par();
            writer.write_batch(&frame).unwrap();
        }
        writer.finish().unwrap();
        out
    }

    fn read(bytes: Vec<u8>) -> DataFrame {
        ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .unwrap()
    }

    /// A frame like a block of `pay_lines`: names repeated over runs of
    /// rows (short and long texts, taken from one column as the report
    /// does, so equal texts share a view), a few kinds, nulls, an empty
    /// text, equal long texts that are different views, and numbers.
    fn block(users: usize, seed: usize) -> DataFrame {
        let names: StringChunked = (0..users)
            .map(|u| match u % 5 {
                0 => None,
                1 => Some(format!("u{u}")),
                2 => Some(String::new()),
                _ => Some(format!("a long name, longer than twelve bytes {u}")),
            })
            .collect();
        let rows: Vec<IdxSize> = (0..users)
            .flat_map(|u| std::iter::repeat_n(u as IdxSize, 1 + (u + seed) % 7))
            .collect();
        let height = rows.len();
        let user_name = names
            .take(&IdxCa::from_vec("".into(), rows))
            .unwrap()
            .with_name("user_name".into());
        let kinds = ["regular", "overtime", "double_time", "pto"];
        // Built one text at a time: equal long texts are different views.
        let job: StringChunked = (0..height)
            .map(|i| (i % 3 != 0).then(|| format!("job with a long name {}", i % 4)))
            .collect();
        DataFrame::new(
            height,
            vec![
                user_name.into_series().into_column(),
                Column::new(
                    "kind".into(),
                    (0..height)
                        .map(|i| kinds[(i * 7 + seed) % 4])
                        .collect::<Vec<_>>(),
                ),
                job.with_name("job_name".into()).into_series().into_column(),
                Int128Chunked::from_vec("hours".into(), (0..height as i128).collect())
                    .into_decimal(18, 2)
                    .unwrap()
                    .into_series()
                    .into_column(),
            ],
        )
        .unwrap()
    }

    /// On blocks whose texts repeat, the file is Polars' byte for byte:
    /// the same dictionaries, in the same order, and the same pages.
    #[test]
    fn the_file_is_polars_file() {
        for frames in [
            vec![block(40, 0)],
            vec![block(300, 1), block(7, 2), block(1000, 3)],
        ] {
            let bytes = ours(&frames);
            assert_eq!(bytes, polars(&frames));
            let whole = frames.iter().skip(1).fold(frames[0].clone(), |mut all, f| {
                all.vstack_mut(f).unwrap();
                all
            });
            assert!(read(bytes).equals_missing(&whole));
        }
    }

    /// A text column of all distinct values (more than 128) is written
    /// plain, as Polars writes it; the rows read back the same.
    #[test]
    fn distinct_texts_are_written_plain() {
        let frame = DataFrame::new(
            500,
            vec![Column::new(
                "user_name".into(),
                (0..500).map(|i| format!("person {i}")).collect::<Vec<_>>(),
            )],
        )
        .unwrap();
        let column = frame.column("user_name").unwrap().str().unwrap().clone();
        let array = column.downcast_as_array();
        assert!(dictionary_of(array).is_none());
        let bytes = ours(std::slice::from_ref(&frame));
        assert_eq!(bytes, polars(std::slice::from_ref(&frame)));
        assert!(read(bytes).equals_missing(&frame));
    }

    /// A dictionary holds each text once, even when equal texts are
    /// different views, in order of first appearance; keys point at them.
    #[test]
    fn a_dictionary_holds_each_text_once() {
        let texts: StringChunked = [
            Some("a long text, longer than twelve"),
            Some("b"),
            None,
            Some("b"),
            Some("a long text, longer than twelve"),
            Some(""),
        ]
        .into_iter()
        .map(|t| t.map(str::to_owned))
        .collect();
        let array = texts.downcast_as_array();
        let dictionary = dictionary_of(array).unwrap();
        let values = dictionary
            .values()
            .as_any()
            .downcast_ref::<Utf8ViewArray>()
            .unwrap();
        let values: Vec<&str> = values.values_iter().collect();
        assert_eq!(values, ["a long text, longer than twelve", "b", ""]);
        let keys: Vec<Option<u32>> = dictionary.keys().iter().map(|k| k.copied()).collect();
        assert_eq!(keys, [Some(0), Some(1), None, Some(1), Some(0), Some(2)]);
    }
}
