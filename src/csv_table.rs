//! CSV for the report tables, written straight from their typed columns.
//!
//! The output is byte for byte what Polars' `CsvWriter` writes with its
//! defaults (header row, `,`, `\n`, nulls empty, an empty text `""`, text
//! quoted only when it holds `,`, `"`, `\n` or `\r`, decimals at their
//! scale with no trimmed zeros, dates `YYYY-MM-DD`), with every text made
//! [`spreadsheet_safe`] on the way, so no second text column is built. It
//! is faster because rows are formatted in parallel blocks with no dynamic
//! dispatch per cell, which matters for `daily_hours` and `pay_lines` at
//! millions of rows.
//!
//! A frame with a column type the tables never have is refused
//! ([`CsvTable::new`] gives `None`), and the caller writes it with Polars.

use std::io::Write;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use rayon::prelude::*;

use crate::output::{is_formula_start, spreadsheet_safe};

/// One column, as the typed array its cells are read from.
enum Cells {
    Text(StringChunked),
    Decimal(Int128Chunked, usize),
    Date(Int32Chunked),
    Unsigned(UInt64Chunked),
    Signed(Int64Chunked),
    Boolean(BooleanChunked),
}

/// A frame ready to be written as CSV (see the module docs).
pub struct CsvTable {
    names: Vec<String>,
    columns: Vec<Cells>,
    height: usize,
}

/// Rows formatted per task: big enough to amortise the task, small enough
/// that a batch of tasks in memory stays a few MiB.
const ROWS_PER_BLOCK: usize = 16_384;

impl CsvTable {
    /// The frame's columns, each as one contiguous typed array; `None` when
    /// a column has a type this writer does not know.
    pub fn new(frame: &DataFrame) -> Option<CsvTable> {
        let mut columns = Vec::with_capacity(frame.width());
        for column in frame.columns() {
            let cells = match column.dtype() {
                DataType::String => Cells::Text(column.str().ok()?.rechunk().into_owned()),
                DataType::Decimal(_, scale) => Cells::Decimal(
                    column.decimal().ok()?.physical().rechunk().into_owned(),
                    *scale,
                ),
                DataType::Date => {
                    Cells::Date(column.date().ok()?.physical().rechunk().into_owned())
                }
                DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                    let cast = column.cast(&DataType::UInt64).ok()?;
                    Cells::Unsigned(cast.u64().ok()?.rechunk().into_owned())
                }
                DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                    let cast = column.cast(&DataType::Int64).ok()?;
                    Cells::Signed(cast.i64().ok()?.rechunk().into_owned())
                }
                DataType::Boolean => Cells::Boolean(column.bool().ok()?.rechunk().into_owned()),
                _ => return None,
            };
            columns.push(cells);
        }
        Some(CsvTable {
            names: frame
                .get_column_names()
                .iter()
                .map(|n| n.to_string())
                .collect(),
            columns,
            height: frame.height(),
        })
    }

    /// Writes the header and every row to `out`, blocks of rows formatted
    /// in parallel and written in order.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        self.write_header(out)?;
        self.write_rows(out)
    }

    /// Writes the header line: the column names.
    pub fn write_header(&self, out: &mut impl Write) -> std::io::Result<()> {
        let mut header = Vec::new();
        for (i, name) in self.names.iter().enumerate() {
            if i > 0 {
                header.push(b',');
            }
            text(&mut header, name);
        }
        header.push(b'\n');
        out.write_all(&header)
    }

    /// Writes every row (no header), blocks of rows formatted in parallel
    /// and written in order.
    pub fn write_rows(&self, out: &mut impl Write) -> std::io::Result<()> {
        let blocks: Vec<usize> = (0..self.height).step_by(ROWS_PER_BLOCK).collect();
        let batch = 4 * rayon::current_num_threads().max(1);
        for starts in blocks.chunks(batch) {
            let formatted: Vec<Vec<u8>> = starts
                .par_iter()
                .map(|&start| self.block(start, (start + ROWS_PER_BLOCK).min(self.height)))
                .collect();
            for block in formatted {
                out.write_all(&block)?;
            }
        }
        Ok(())
    }

    /// Rows `start..end` as CSV lines.
    fn block(&self, start: usize, end: usize) -> Vec<u8> {
        // Each column as its one array (`new` rechunked them), so a cell is
        // an index into it rather than a search for its chunk.
        let columns: Vec<Access> = self.columns.iter().map(Access::of).collect();
        let mut buf = Vec::with_capacity((end - start) * 16 * columns.len());
        let mut integers = itoa::Buffer::new();
        // A column's dates are a few weeks' (a period's days, its weeks'
        // starts), so each column keeps the last date formatted in each of
        // 64 slots (by day number), and formats a date once, not per row.
        let mut dates: Vec<[Option<Formatted>; 64]> = vec![[None; 64]; columns.len()];
        // A text column repeats a cell over runs of rows (a user's name on
        // each of their days), and equal cells of one array share their
        // 16-byte view: a cell whose view is the column's last one is the
        // bytes written for that one again, not quoted and checked anew.
        let mut last_text: Vec<Option<(u128, std::ops::Range<usize>)>> = vec![None; columns.len()];
        for row in start..end {
            for (i, cells) in columns.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                match cells {
                    Access::Text(array) => {
                        if let Some(value) = array.get(row) {
                            let view = array.views()[row].as_u128();
                            match &last_text[i] {
                                Some((last, written)) if *last == view => {
                                    buf.extend_from_within(written.clone());
                                }
                                _ => {
                                    let from = buf.len();
                                    safe_text(&mut buf, value);
                                    last_text[i] = Some((view, from..buf.len()));
                                }
                            }
                        }
                    }
                    Access::Decimal(array, scale) => {
                        if let Some(value) = array.get(row) {
                            decimal(&mut buf, value, *scale, &mut integers);
                        }
                    }
                    Access::Date(array) => {
                        if let Some(days) = array.get(row) {
                            let last = &mut dates[i][(days & 63) as usize];
                            if last.is_none_or(|(shown, _)| shown != days) {
                                *last = date_text(days).map(|text| (days, text));
                            }
                            match last {
                                Some((_, text)) => buf.extend_from_slice(text),
                                None => date_far(&mut buf, days),
                            }
                        }
                    }
                    Access::Unsigned(array) => {
                        if let Some(value) = array.get(row) {
                            buf.extend_from_slice(integers.format(value).as_bytes());
                        }
                    }
                    Access::Signed(array) => {
                        if let Some(value) = array.get(row) {
                            buf.extend_from_slice(integers.format(value).as_bytes());
                        }
                    }
                    Access::Boolean(array) => {
                        if let Some(value) = array.get(row) {
                            buf.extend_from_slice(if value { b"true" } else { b"false" });
                        }
                    }
                }
            }
            buf.push(b'\n');
        }
        buf
    }
}

/// A date (days since 1970-01-01) and its text.
type Formatted = (i32, [u8; 10]);

/// A column's one array, borrowed for formatting a block.
enum Access<'a> {
    Text(&'a <StringType as PolarsDataType>::Array),
    Decimal(&'a <Int128Type as PolarsDataType>::Array, usize),
    Date(&'a <Int32Type as PolarsDataType>::Array),
    Unsigned(&'a <UInt64Type as PolarsDataType>::Array),
    Signed(&'a <Int64Type as PolarsDataType>::Array),
    Boolean(&'a <BooleanType as PolarsDataType>::Array),
}

impl<'a> Access<'a> {
    fn of(cells: &'a Cells) -> Access<'a> {
        match cells {
            Cells::Text(ca) => Access::Text(ca.downcast_as_array()),
            Cells::Decimal(ca, scale) => Access::Decimal(ca.downcast_as_array(), *scale),
            Cells::Date(ca) => Access::Date(ca.downcast_as_array()),
            Cells::Unsigned(ca) => Access::Unsigned(ca.downcast_as_array()),
            Cells::Signed(ca) => Access::Signed(ca.downcast_as_array()),
            Cells::Boolean(ca) => Access::Boolean(ca.downcast_as_array()),
        }
    }
}

/// A text cell made [`spreadsheet_safe`] and then written by [`text`],
/// without building the guarded text.
fn safe_text(buf: &mut Vec<u8>, value: &str) {
    if !is_formula_start(value) {
        return text(buf, value);
    }
    text(buf, &spreadsheet_safe(value));
}

/// A text cell: `""` when empty (an empty cell is a null), quoted when it
/// holds the separator, a quote or a line break, quotes doubled.
fn text(buf: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    if bytes.is_empty() {
        buf.extend_from_slice(b"\"\"");
        return;
    }
    // Cells are short (names, codes): a plain loop beats two memchr calls.
    let special = |b: &u8| matches!(b, b',' | b'"' | b'\n' | b'\r');
    let plain = if bytes.len() <= 64 {
        !bytes.iter().any(special)
    } else {
        memchr::memchr3(b',', b'\n', b'\r', bytes).is_none()
            && memchr::memchr(b'"', bytes).is_none()
    };
    if plain {
        buf.extend_from_slice(bytes);
        return;
    }
    buf.push(b'"');
    for part in value.split_inclusive('"') {
        buf.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            buf.push(b'"');
        }
    }
    buf.push(b'"');
}

/// A decimal mantissa at `scale`: `-12.50`, `0.05`, every digit of the scale kept.
fn decimal(buf: &mut Vec<u8>, value: i128, scale: usize, integers: &mut itoa::Buffer) {
    if value < 0 {
        buf.push(b'-');
    }
    let magnitude = value.unsigned_abs();
    // Pay figures fit in 64 bits, whose formatting is much cheaper.
    let digits = match u64::try_from(magnitude) {
        Ok(small) => integers.format(small),
        Err(_) => integers.format(magnitude),
    }
    .as_bytes();
    if scale == 0 {
        buf.extend_from_slice(digits);
        return;
    }
    if digits.len() <= scale {
        buf.extend_from_slice(b"0.");
        buf.resize(buf.len() + scale - digits.len(), b'0');
        buf.extend_from_slice(digits);
    } else {
        let whole = digits.len() - scale;
        buf.extend_from_slice(&digits[..whole]);
        buf.push(b'.');
        buf.extend_from_slice(&digits[whole..]);
    }
}

/// A date (days since 1970-01-01) as `YYYY-MM-DD`, as chrono writes it;
/// `None` outside years 0 to 9999 (see [`date_far`]).
fn date_text(days: i32) -> Option<[u8; 10]> {
    const EPOCH_FROM_CE: i32 = 719_163;
    let date = days
        .checked_add(EPOCH_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)?;
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    let digit = |n: u32| b'0' + n as u8;
    let (year, month, day) = (year as u32, date.month(), date.day());
    Some([
        digit(year / 1000),
        digit(year / 100 % 10),
        digit(year / 10 % 10),
        digit(year % 10),
        b'-',
        digit(month / 10),
        digit(month % 10),
        b'-',
        digit(day / 10),
        digit(day % 10),
    ])
}

/// A date [`date_text`] does not cover, in chrono's own formatting (a
/// sign, more digits); nothing when it is no date at all.
fn date_far(buf: &mut Vec<u8>, days: i32) {
    const EPOCH_FROM_CE: i32 = 719_163;
    if let Some(date) = days
        .checked_add(EPOCH_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
    {
        let _ = write!(buf, "{}", date.format("%Y-%m-%d"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polars_csv(frame: &DataFrame) -> String {
        let mut frame = frame.clone();
        let mut out = Vec::new();
        CsvWriter::new(&mut out)
            .include_header(true)
            .finish(&mut frame)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn ours(frame: &DataFrame) -> String {
        let mut out = Vec::new();
        CsvTable::new(frame).unwrap().write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_what_polars_writes() {
        let texts = [
            Some("plain"),
            Some(""),
            None,
            Some("a,b"),
            Some("say \"hi\""),
            Some("\"quoted\", too"),
            Some("two\nlines"),
            Some("cr\r"),
            Some("ünïcode ✓"),
            Some("x"),
            Some("\"\""),
            Some("a\"b"),
        ];
        let n = texts.len();
        let mantissas: Vec<Option<i128>> = vec![
            Some(0),
            Some(5),
            Some(-5),
            Some(-123_456),
            Some(100),
            None,
            Some(99_999_999_999_999_999),
            Some(-1),
            Some(42),
            Some(i128::MAX),
            Some(i128::MIN + 1),
            Some(-(1 << 64)),
        ];
        let dates = [
            Some(0),
            Some(19_860),
            None,
            Some(-1),
            Some(-719_162),
            Some(2_932_896),
            // The same slot of the column's formatted dates as 19,860 (64
            // days later), then 19,860 again: each is its own date.
            Some(19_860 + 64),
            Some(19_860),
            Some(-365),
            Some(-365),
            Some(2_932_897),
            Some(-800_000),
        ];
        let frame = DataFrame::new(
            n,
            vec![
                Column::new("name".into(), texts),
                Int128Chunked::from_iter_options("cents".into(), mantissas.clone().into_iter())
                    .into_decimal_unchecked(18, 2)
                    .into_series()
                    .into(),
                Int128Chunked::from_iter_options("rate".into(), mantissas.into_iter())
                    .into_decimal_unchecked(18, 4)
                    .into_series()
                    .into(),
                Column::new("day".into(), dates)
                    .cast(&DataType::Date)
                    .unwrap(),
                Column::new(
                    "count".into(),
                    (0..n as u32)
                        .map(|i| (i != 2).then_some(i * 1000))
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "signed".into(),
                    (0..n as i64).map(|i| i - 4).collect::<Vec<_>>(),
                ),
                Column::new(
                    "flag".into(),
                    (0..n)
                        .map(|i| (i != 1).then_some(i % 2 == 0))
                        .collect::<Vec<_>>(),
                ),
            ],
        )
        .unwrap();
        let expected = polars_csv(&frame);
        assert_eq!(ours(&frame), expected);
        assert!(expected.contains("\"say \"\"hi\"\"\""), "{expected}");
        assert!(expected.contains(",-0.05,"), "{expected}");
        assert!(expected.contains(",-12.3456,"), "{expected}");
    }

    #[test]
    fn blocks_join_in_row_order_and_formulas_are_neutralized() {
        let n = 3 * ROWS_PER_BLOCK + 17;
        let names: Vec<String> = (0..n)
            .map(|i| {
                if i % 1000 == 7 {
                    format!("=SUM(A{i})")
                } else if i % 1000 == 9 {
                    format!("-{i},\"x\"")
                } else {
                    format!("user{i}")
                }
            })
            .collect();
        let frame = DataFrame::new(
            n,
            vec![
                Column::new("user_name".into(), names),
                Column::new("row".into(), (0..n as u32).collect::<Vec<_>>()),
            ],
        )
        .unwrap();
        let text = ours(&frame);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), n + 1);
        assert_eq!(lines[0], "user_name,row");
        assert_eq!(lines[1], "user0,0");
        assert_eq!(lines[8], "'=SUM(A7),7");
        assert_eq!(lines[10], "\"'-9,\"\"x\"\"\",9");
        assert_eq!(lines[n], format!("user{},{}", n - 1, n - 1));
    }

    #[test]
    fn an_unknown_column_type_is_left_to_polars() {
        let frame = DataFrame::new(1, vec![Column::new("x".into(), [1.5f64])]).unwrap();
        assert!(CsvTable::new(&frame).is_none());
    }
}
