//! Decoding API pages into typed DataFrames in one streaming pass.
//!
//! A page body is parsed once with serde: the envelope's `data` array is
//! visited record by record and each field's value goes straight into its
//! column builder, so no per-record map or intermediate value tree is built.
//! A value that cannot mean what its field means becomes null in the column
//! and an `invalid_value` [`Exception`] naming the record, field and value.
//! Unknown fields are skipped; missing fields are null.
//!
//! It is long because the streaming decoder handles the envelope and every
//! field kind in one pass; the last fifth is tests.

use std::fmt;

use chrono::{DateTime, NaiveDateTime};
use polars::prelude::*;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::exception::{Exception, ExceptionKind, Severity};
use crate::loose::Loose;
use crate::schema::{FieldKind, FieldSpec, RecordType, col};

/// The envelope of one API response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageHeader {
    /// `statusCode`: `SUCCESS` or `ERROR`.
    pub status_code: String,
    /// `message`: the API's explanation when `ERROR`.
    pub message: String,
    /// `nextRecord`; `None` if the response had none.
    pub next_record: Option<String>,
    /// Whether `data` was an array (possibly empty).
    pub has_data: bool,
}

impl PageHeader {
    /// True for `statusCode: "SUCCESS"` (case-insensitive).
    pub fn is_success(&self) -> bool {
        self.status_code.eq_ignore_ascii_case("SUCCESS")
    }

    /// What makes this envelope not a Q2 answer: a `statusCode` that is
    /// neither `SUCCESS` nor `ERROR` (or none), or a `SUCCESS` without a
    /// `data` array (which would otherwise read as no records at all).
    pub fn problem(&self) -> Option<String> {
        if !self.is_success() && !self.status_code.eq_ignore_ascii_case("ERROR") {
            return Some(if self.status_code.is_empty() {
                "no statusCode".to_owned()
            } else {
                format!(
                    "statusCode {:?} is neither SUCCESS nor ERROR",
                    self.status_code
                )
            });
        }
        (self.is_success() && !self.has_data)
            .then(|| "a SUCCESS response without a data array".to_owned())
    }
}

/// One decoded page: its envelope, its records as a typed frame, and the
/// problems found in them.
#[derive(Debug, Clone)]
pub struct DecodedPage {
    /// The envelope.
    pub header: PageHeader,
    /// The records, typed per [`RecordType::schema`].
    pub frame: DataFrame,
    /// `invalid_value` exceptions, one per bad field.
    pub exceptions: Vec<Exception>,
}

/// The body is not an API response at all (not JSON, cut short, not an object).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct MalformedPage(pub String);

/// Decodes one response body.
pub fn decode_page(body: &[u8], record_type: RecordType) -> Result<DecodedPage, MalformedPage> {
    let mut table = Columns::new(record_type);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let header = EnvelopeSeed { table: &mut table }
        .deserialize(&mut deserializer)
        .and_then(|header| deserializer.end().map(|()| header))
        .map_err(|e| MalformedPage(format!("not a valid Q2 response: {e}")))?;
    let (frame, exceptions) = table.finish().map_err(|e| {
        MalformedPage(format!(
            "cannot build the {} frame: {e}",
            record_type.noun()
        ))
    })?;
    Ok(DecodedPage {
        header,
        frame,
        exceptions,
    })
}

/// Decodes a bare JSON array of records (a file of records rather than a response).
pub fn decode_records(body: &[u8], record_type: RecordType) -> Result<DecodedPage, MalformedPage> {
    let mut table = Columns::new(record_type);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    DataSeed { table: &mut table }
        .deserialize(&mut deserializer)
        .and_then(|_| deserializer.end())
        .map_err(|e| MalformedPage(format!("not a JSON array of records: {e}")))?;
    let (frame, exceptions) = table.finish().map_err(|e| {
        MalformedPage(format!(
            "cannot build the {} frame: {e}",
            record_type.noun()
        ))
    })?;
    Ok(DecodedPage {
        header: PageHeader::default(),
        frame,
        exceptions,
    })
}

/// A column under construction.
enum Builder {
    Text(StringChunkedBuilder),
    DateTime(Vec<Option<i64>>),
    Date(Vec<Option<i32>>),
    Decimal(Vec<Option<i128>>),
    Int(Vec<Option<i32>>),
    Flag(Vec<Option<bool>>),
    Float(Vec<Option<f64>>),
}

/// A field value that could not be typed, before it is tied to its record.
struct BadValue {
    row: usize,
    field: &'static FieldSpec,
    value: String,
    reason: String,
}

/// Column builders for one record type, filled record by record.
struct Columns {
    record_type: RecordType,
    fields: &'static [FieldSpec],
    builders: Vec<Builder>,
    rows: usize,
    bad: Vec<BadValue>,
    /// Records that were not JSON objects (row index they would have had).
    not_objects: Vec<(usize, String)>,
}

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

impl Columns {
    fn new(record_type: RecordType) -> Self {
        Self::with_fields(record_type, record_type.fields())
    }

    /// A table of only `fields` (a slice of the record type's fields).
    fn with_fields(record_type: RecordType, fields: &'static [FieldSpec]) -> Self {
        Self::with_capacity(record_type, fields, 0)
    }

    /// [`with_fields`](Self::with_fields), with room for `rows` rows.
    fn with_capacity(record_type: RecordType, fields: &'static [FieldSpec], rows: usize) -> Self {
        let builders = fields
            .iter()
            .map(|f| match f.kind {
                FieldKind::Text | FieldKind::Category => {
                    Builder::Text(StringChunkedBuilder::new(f.name.into(), rows))
                }
                FieldKind::DateTime => Builder::DateTime(Vec::with_capacity(rows)),
                FieldKind::Date => Builder::Date(Vec::with_capacity(rows)),
                FieldKind::Decimal(_) => Builder::Decimal(Vec::with_capacity(rows)),
                FieldKind::Int => Builder::Int(Vec::with_capacity(rows)),
                FieldKind::Flag => Builder::Flag(Vec::with_capacity(rows)),
                FieldKind::Float => Builder::Float(Vec::with_capacity(rows)),
            })
            .collect();
        Columns {
            record_type,
            fields,
            builders,
            rows: 0,
            bad: Vec::new(),
            not_objects: Vec::new(),
        }
    }

    /// Appends `value` to field `index`, or null and a [`BadValue`].
    fn push(&mut self, index: usize, value: &Loose<'_>) {
        let field = &self.fields[index];
        let outcome: Result<(), String> = match (&mut self.builders[index], field.kind) {
            (Builder::Text(b), _) => value.to_text().map(|t| match t {
                Some(t) => b.append_value(t.as_ref()),
                None => b.append_null(),
            }),
            (Builder::DateTime(v), _) => value.to_millis().map(|t| v.push(t)),
            (Builder::Date(v), _) => value.to_date().map(|d| {
                v.push(d.map(|d| chrono::Datelike::num_days_from_ce(&d) - UNIX_EPOCH_DAYS_FROM_CE))
            }),
            (Builder::Decimal(v), FieldKind::Decimal(scale)) => {
                value.to_decimal(scale).map(|d| v.push(d))
            }
            (Builder::Decimal(v), _) => {
                v.push(None);
                Ok(())
            }
            (Builder::Int(v), _) => value.to_int().map(|i| v.push(i)),
            (Builder::Flag(v), _) => value.to_flag().map(|f| v.push(f)),
            (Builder::Float(v), _) => value.to_float().map(|f| v.push(f)),
        };
        if let Err(reason) = outcome {
            self.push_null(index);
            self.bad.push(BadValue {
                row: self.rows,
                field,
                value: value.display(),
                reason,
            });
        }
    }

    fn push_null(&mut self, index: usize) {
        match &mut self.builders[index] {
            Builder::Text(b) => b.append_null(),
            Builder::DateTime(v) => v.push(None),
            Builder::Date(v) => v.push(None),
            Builder::Decimal(v) => v.push(None),
            Builder::Int(v) => v.push(None),
            Builder::Flag(v) => v.push(None),
            Builder::Float(v) => v.push(None),
        }
    }

    /// Finds a field by name, trying `hint` first: records usually list their
    /// fields in the same order, so this is one comparison per key.
    fn field_index(&self, key: &str, hint: usize) -> Option<usize> {
        if self.fields.get(hint).is_some_and(|f| f.name == key) {
            return Some(hint);
        }
        self.fields.iter().position(|f| f.name == key)
    }

    /// The built columns, and the bad values still to be tied to records.
    fn finish_columns(self) -> PolarsResult<(Vec<Column>, Problems)> {
        let mut columns = Vec::with_capacity(self.fields.len());
        for (field, builder) in self.fields.iter().zip(self.builders) {
            let name: PlSmallStr = field.name.into();
            let series: Series = match builder {
                Builder::Text(b) => b.finish().into_series(),
                Builder::DateTime(v) => Int64Chunked::from_iter_options(name, v.into_iter())
                    .into_datetime(TimeUnit::Milliseconds, None)
                    .into_series(),
                Builder::Date(v) => Int32Chunked::from_iter_options(name, v.into_iter())
                    .into_date()
                    .into_series(),
                Builder::Decimal(v) => {
                    let FieldKind::Decimal(scale) = field.kind else {
                        unreachable!("decimal builders belong to decimal fields")
                    };
                    Int128Chunked::from_iter_options(name, v.into_iter())
                        .into_decimal(18, scale as usize)?
                        .into_series()
                }
                Builder::Int(v) => {
                    Int32Chunked::from_iter_options(name, v.into_iter()).into_series()
                }
                Builder::Flag(v) => {
                    BooleanChunked::from_iter_options(name, v.into_iter()).into_series()
                }
                Builder::Float(v) => {
                    Float64Chunked::from_iter_options(name, v.into_iter()).into_series()
                }
            };
            let series = if field.kind == FieldKind::Category {
                series.cast(&field.kind.dtype())?
            } else {
                series
            };
            columns.push(series.into_column());
        }
        Ok((
            columns,
            Problems {
                record_type: self.record_type,
                bad: self.bad,
                not_objects: self.not_objects,
            },
        ))
    }

    fn finish(self) -> PolarsResult<(DataFrame, Vec<Exception>)> {
        let rows = self.rows;
        let (columns, problems) = self.finish_columns()?;
        let frame = DataFrame::new(rows, columns)?;
        let exceptions = problems.into_exceptions(&frame);
        Ok((frame, exceptions))
    }
}

/// Bad values found while building a table, waiting for the finished frame
/// that identifies their records.
struct Problems {
    record_type: RecordType,
    bad: Vec<BadValue>,
    not_objects: Vec<(usize, String)>,
}

impl Problems {
    fn extend(&mut self, other: Problems) {
        self.bad.extend(other.bad);
        self.not_objects.extend(other.not_objects);
    }

    fn into_exceptions(self, frame: &DataFrame) -> Vec<Exception> {
        let noun = self.record_type.noun();
        let mut exceptions: Vec<Exception> = self
            .bad
            .iter()
            .map(|bad| {
                let severity = if bad.field.pay_relevant {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                let mut e = identify(frame, bad.row, severity, crate::kinds::INVALID_VALUE);
                e.message = format!(
                    "{noun} field `{}` has invalid value {}: {}",
                    bad.field.name, bad.value, bad.reason
                );
                e
            })
            .collect();
        exceptions.extend(self.not_objects.iter().map(|(position, found)| {
            Exception::unattached(
                Severity::Error,
                crate::kinds::INVALID_VALUE,
                format!("{noun} record at position {position} is {found}, not an object; skipped"),
            )
        }));
        exceptions
    }
}

/// Gives any frame with the API's column names the typed schema of
/// `record_type`: columns already of the right type are kept, text columns
/// (from CSV, say) are decoded like API values with the same
/// `invalid_value` exceptions, missing columns are null and extra ones dropped.
pub fn conform(frame: &DataFrame, record_type: RecordType) -> Result<DecodedPage, MalformedPage> {
    conform_columns(frame, record_type, None)
}

/// [`conform`] for only the fields named in `only` (every field when
/// `None`): the frame has those columns alone.
pub fn conform_columns(
    frame: &DataFrame,
    record_type: RecordType,
    only: Option<&[&str]>,
) -> Result<DecodedPage, MalformedPage> {
    conform_typed(frame, record_type, only, CategoryFields::Categorical)
}

/// What [`conform_typed`] makes of a categorical field given as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CategoryFields {
    /// A categorical column, as the typed schema says.
    Categorical,
    /// The text column as it is: for a reader that turns each name into
    /// its own id anyway ([`crate::input::InputBuilder`]), building the
    /// categories first (each cell's text hashed into Polars' global
    /// categories) would be the work done twice.
    Text,
}

/// [`conform_columns`], categorical fields given as text made what `categories` says.
pub(crate) fn conform_typed(
    frame: &DataFrame,
    record_type: RecordType,
    only: Option<&[&str]>,
    categories: CategoryFields,
) -> Result<DecodedPage, MalformedPage> {
    let failed = |e: PolarsError| {
        MalformedPage(format!(
            "cannot type the {} columns: {e}",
            record_type.noun()
        ))
    };
    let height = frame.height();
    let fields = record_type.fields();
    // Columns are independent: each is typed on its own, in parallel, and
    // the results are kept in field order.
    use rayon::prelude::*;
    /// One field's typed columns, and what could not be read in it.
    type Typed = Result<(Vec<Column>, Option<Problems>), MalformedPage>;
    let typed: Vec<Typed> = fields
        .par_iter()
        .enumerate()
        .filter(|(_, field)| only.is_none_or(|c| c.contains(&field.name)))
        .map(|(i, field)| {
            let target = field.kind.dtype();
            let Ok(column) = frame.column(field.name) else {
                return Ok((
                    vec![Column::full_null(field.name.into(), height, &target)],
                    None,
                ));
            };
            if field.kind == FieldKind::Category
                && categories == CategoryFields::Text
                && column.dtype().is_string()
            {
                return Ok((vec![column.clone().with_name(field.name.into())], None));
            }
            // A cast that would lose values (an overflowing integer, say) fails,
            // and the column is then read as text, value by value.
            if let Some(Ok(typed)) = typed_as(column, field.kind) {
                return Ok((vec![typed.with_name(field.name.into())], None));
            }
            let text = column.cast(&DataType::String).map_err(failed)?;
            let mut table = Columns::with_capacity(record_type, &fields[i..=i], height);
            for value in text.str().map_err(failed)?.iter() {
                match value {
                    Some(s) => table.push(0, &Loose::Str(std::borrow::Cow::Borrowed(s))),
                    None => table.push_null(0),
                }
                table.rows += 1;
            }
            let (built, found) = table.finish_columns().map_err(failed)?;
            Ok((built, Some(found)))
        })
        .collect();
    let mut columns = Vec::with_capacity(fields.len());
    let mut problems = Problems {
        record_type,
        bad: Vec::new(),
        not_objects: Vec::new(),
    };
    for result in typed {
        let (built, found) = result?;
        columns.extend(built);
        if let Some(found) = found {
            problems.extend(found);
        }
    }
    let frame = DataFrame::new(height, columns).map_err(failed)?;
    let exceptions = problems.into_exceptions(&frame);
    Ok(DecodedPage {
        header: PageHeader::default(),
        frame,
        exceptions,
    })
}

/// The column cast to `kind`'s type when that loses nothing; `None` when its
/// values should be read as text instead.
fn typed_as(column: &Column, kind: FieldKind) -> Option<PolarsResult<Column>> {
    let dtype = column.dtype();
    let lossless = match kind {
        FieldKind::Text => !dtype.is_string() && !dtype.is_temporal() && !dtype.is_float(),
        FieldKind::Category => dtype.is_string() || dtype.is_categorical(),
        FieldKind::DateTime => matches!(dtype, DataType::Datetime(_, None) | DataType::Date),
        FieldKind::Date => matches!(dtype, DataType::Date),
        FieldKind::Decimal(scale) => match dtype {
            DataType::Decimal(_, s) => *s <= scale as usize,
            d => d.is_integer(),
        },
        FieldKind::Int => dtype.is_integer(),
        FieldKind::Flag => matches!(dtype, DataType::Boolean),
        FieldKind::Float => dtype.is_primitive_numeric(),
    };
    if dtype.is_string() && kind == FieldKind::Text {
        return Some(Ok(column.clone()));
    }
    lossless.then(|| column.strict_cast(&kind.dtype()))
}

/// An exception pre-filled with the identity of `row` in a time card or user frame.
pub fn identify(
    frame: &DataFrame,
    row: usize,
    severity: Severity,
    kind: ExceptionKind,
) -> Exception {
    Exception {
        severity,
        kind,
        user_name: cell_text(frame, col::USER_NAME, row),
        user_full_name: cell_text(frame, col::USER_FULL_NAME, row),
        in_date_time: cell_text(frame, col::IN_DATE_TIME, row),
        out_date_time: cell_text(frame, col::OUT_DATE_TIME, row),
        message: String::new(),
        employee_number: cell_text(frame, col::EMPLOYEE_NUMBER, row).filter(|n| !n.is_empty()),
    }
}

/// A cell as text: strings as they are, date times as `YYYY-MM-DD HH:MM:SS`.
pub fn cell_text(frame: &DataFrame, column: &str, row: usize) -> Option<String> {
    let column = frame.column(column).ok()?;
    match column.dtype() {
        DataType::String => column.str().ok()?.get(row).map(str::to_owned),
        DataType::Datetime(TimeUnit::Milliseconds, _) => column
            .datetime()
            .ok()?
            .physical()
            .get(row)
            .and_then(format_millis),
        _ => None,
    }
}

/// Formats wall-clock milliseconds as the API's `YYYY-MM-DD HH:MM:SS`.
pub fn format_millis(millis: i64) -> Option<String> {
    DateTime::from_timestamp_millis(millis)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
}

/// Wall-clock milliseconds of a naive date time, as stored in date time columns.
pub fn to_millis(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_millis()
}

struct EnvelopeSeed<'t> {
    table: &'t mut Columns,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = PageHeader;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<PageHeader, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = PageHeader;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Q2 response object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageHeader, A::Error> {
        let mut header = PageHeader::default();
        let text = |v: Loose<'_>| v.to_text().ok().flatten().map(|t| t.into_owned());
        while let Some(key) = map.next_key::<KeyText<'de>>()? {
            match key.0.as_ref() {
                "statusCode" => header.status_code = text(map.next_value()?).unwrap_or_default(),
                "message" => header.message = text(map.next_value()?).unwrap_or_default(),
                "nextRecord" => header.next_record = text(map.next_value()?),
                "data" => {
                    header.has_data = map.next_value_seed(DataSeed { table: self.table })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(header)
    }
}

/// A map key, borrowed from the body when it has no escapes.
struct KeyText<'a>(std::borrow::Cow<'a, str>);

impl<'de> de::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Loose::deserialize(d)? {
            Loose::Str(s) => Ok(KeyText(s)),
            other => Err(de::Error::custom(format!(
                "unexpected key {}",
                other.display()
            ))),
        }
    }
}

struct DataSeed<'t> {
    table: &'t mut Columns,
}

/// Reads `data`; `true` when it is an array.
impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut position = 0;
        while seq
            .next_element_seed(RecordSeed {
                table: &mut *self.table,
                position,
            })?
            .is_some()
        {
            position += 1;
        }
        Ok(true)
    }
}

struct RecordSeed<'t> {
    table: &'t mut Columns,
    position: usize,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let table = self.table;
        let mut seen = vec![false; table.fields.len()];
        let mut hint = 0;
        while let Some(key) = map.next_key::<KeyText<'de>>()? {
            let Some(index) = table.field_index(&key.0, hint) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            hint = index + 1;
            let value: Loose<'de> = map.next_value()?;
            if std::mem::replace(&mut seen[index], true) {
                // A repeated field keeps its first value; the repeat is reported.
                table.bad.push(BadValue {
                    row: table.rows,
                    field: &table.fields[index],
                    value: value.display(),
                    reason: "the field appears twice in the record; the first value is kept".into(),
                });
                continue;
            }
            table.push(index, &value);
        }
        for (index, was_seen) in seen.into_iter().enumerate() {
            if !was_seen {
                table.push_null(index);
            }
        }
        table.rows += 1;
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_object("an array")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_object("text")
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_object("a number")
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_object("a number")
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_object("a number")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_object("a boolean")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_object("null")
    }
}

impl RecordSeed<'_> {
    fn not_object<E>(self, found: &str) -> Result<(), E> {
        self.table
            .not_objects
            .push((self.position, found.to_owned()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::RecordType::{TimeCard, User};

    fn decimals(f: &DataFrame, name: &str) -> Vec<Option<i128>> {
        let ca = f.column(name).unwrap().decimal().unwrap().physical();
        (0..ca.len()).map(|i| ca.get(i)).collect()
    }

    fn page(data: &str) -> String {
        format!(r#"{{"statusCode":"SUCCESS","message":"","nextRecord":"-1","data":[{data}]}}"#)
    }

    #[test]
    fn the_documented_sample_record_decodes() {
        // The API document's own sample, including its numbers as text.
        let body = page(
            r#"{ "userFullName": "Elon Musk", "firstName": "Elon", "lastName": "Musk",
            "employeeNumber": "12345", "userName": "elonmusk", "digitId": "123456",
            "inDateTime": "2021-05-27 08:49:00", "outDateTime": "2021-05-27 18:35:00",
            "hours": "0.000", "entryType":0, "adjustHoursAmount": "0", "jobName": "job 1",
            "ptoName": "vacation", "adjustTypeName": "", "shiftName": "day shift",
            "inLatitude": "", "approvedByEmployee": 0, "approvedManagerFullName": "",
            "updateDateTime": "2021-05-27 18:35:00", "createdDateTime": "2021-05-27 08:49:00",
            "someFutureField": {"nested": [1, 2]} }"#,
        );
        let decoded = decode_page(body.as_bytes(), TimeCard).unwrap();
        assert_eq!(decoded.header.next_record.as_deref(), Some("-1"));
        assert!(decoded.header.is_success());
        assert!(decoded.exceptions.is_empty(), "{:?}", decoded.exceptions);
        let f = &decoded.frame;
        assert_eq!(f.height(), 1);
        assert_eq!(f.width(), crate::schema::TIME_CARD_FIELDS.len());
        assert_eq!(cell_text(f, "userName", 0).as_deref(), Some("elonmusk"));
        assert_eq!(
            cell_text(f, "outDateTime", 0).as_deref(),
            Some("2021-05-27 18:35:00")
        );
        assert_eq!(
            f.column("entryType").unwrap().i32().unwrap().get(0),
            Some(0)
        );
        assert_eq!(
            f.column("adjustHoursAmount").unwrap().i32().unwrap().get(0),
            Some(0)
        );
        assert_eq!(
            f.column("approvedByEmployee")
                .unwrap()
                .bool()
                .unwrap()
                .get(0),
            Some(false)
        );
        assert_eq!(f.column("inLatitude").unwrap().f64().unwrap().get(0), None);
        assert_eq!(f.column("adjustTypeName").unwrap().null_count(), 1);
        // A field the record does not have at all is null.
        assert_eq!(f.column("managerComment").unwrap().null_count(), 1);
        let hours = f
            .column("hours")
            .unwrap()
            .decimal()
            .unwrap()
            .physical()
            .get(0);
        assert_eq!(hours, Some(0));
    }

    #[test]
    fn every_loose_form_of_a_value() {
        let body = page(
            r#"{"userName":"a","inDateTime":"2024-01-02 08:00:00","outDateTime":"0000-00-00 00:00:00","hours":7.5,"entryType":"1"},
               {"userName":"b","inDateTime":"2024-01-02 08:00:00","outDateTime":"","hours":"7.250","entryType":2,"adjustHoursAmount":1},
               {"userName":"c","inDateTime":"2024-01-02 08:00:00","outDateTime":null,"hours":null,"entryType":3.0,"employeeNumber":1001}"#,
        );
        let d = decode_page(body.as_bytes(), TimeCard).unwrap();
        assert!(d.exceptions.is_empty(), "{:?}", d.exceptions);
        let f = &d.frame;
        assert_eq!(f.column("outDateTime").unwrap().null_count(), 3);
        let hours = decimals(f, "hours");
        assert_eq!(hours, vec![Some(7_500_000), Some(7_250_000), None]);
        let types: Vec<_> = (0..3)
            .map(|i| f.column("entryType").unwrap().i32().unwrap().get(i))
            .collect();
        assert_eq!(types, vec![Some(1), Some(2), Some(3)]);
        assert_eq!(cell_text(f, "employeeNumber", 2).as_deref(), Some("1001"));
    }

    #[test]
    fn bad_values_are_named_exceptions_and_the_record_is_kept() {
        let body = page(
            r#"{"userName":"a","userFullName":"Ann A","inDateTime":"2024-13-02 08:00:00","outDateTime":"2024-01-02 16:00:00","hours":"lots","entryType":"job"},
               {"userName":"b","inDateTime":"2024-01-02 08:00:00","inLatitude":"north","approvedByEmployee":7},
               17,
               {"userName":"c","userName":"d"}"#,
        );
        let d = decode_page(body.as_bytes(), TimeCard).unwrap();
        assert_eq!(
            d.frame.height(),
            3,
            "the non-object is skipped; the rest kept"
        );
        let messages: Vec<String> = d.exceptions.iter().map(|e| e.message.clone()).collect();
        assert_eq!(
            messages,
            vec![
                "time card field `inDateTime` has invalid value \"2024-13-02 08:00:00\": not a date time (YYYY-MM-DD HH:MM:SS)",
                "time card field `hours` has invalid value \"lots\": not a decimal number",
                "time card field `entryType` has invalid value \"job\": not a whole number",
                "time card field `inLatitude` has invalid value \"north\": not a number",
                "time card field `approvedByEmployee` has invalid value 7: not 0 or 1",
                "time card field `userName` has invalid value \"d\": the field appears twice in the record; the first value is kept",
                "time card record at position 2 is a number, not an object; skipped",
            ]
        );
        let first = &d.exceptions[0];
        assert_eq!(first.kind, crate::kinds::INVALID_VALUE);
        assert_eq!(first.severity, Severity::Error);
        assert_eq!(first.user_name.as_deref(), Some("a"));
        assert_eq!(first.user_full_name.as_deref(), Some("Ann A"));
        assert_eq!(first.out_date_time.as_deref(), Some("2024-01-02 16:00:00"));
        assert_eq!(
            d.exceptions[3].severity,
            Severity::Warning,
            "coordinates do not change pay"
        );
        assert_eq!(d.exceptions[5].user_name.as_deref(), Some("c"));
    }

    #[test]
    fn users_decode_with_money_dates_and_categories() {
        let body = page(
            r#"{"userFullName":"Elon Musk","userName":"elonmusk","role":"Admin","hiredDate":"2021-05-01",
               "rateType":"Hourly Rate","payRate":"18.50","timeZone":"America/New_York","departmentName":"HR department",
               "dateOfBirth":"0000-00-00"},
               {"userName":"x","payRate":22.125,"hiredDate":""},
               {"userName":"y","payRate":"12.34567"}"#,
        );
        let d = decode_page(body.as_bytes(), User).unwrap();
        let f = &d.frame;
        let rates = decimals(f, "payRate");
        assert_eq!(rates, vec![Some(185_000), Some(221_250), None]);
        assert_eq!(d.exceptions.len(), 1);
        assert_eq!(
            d.exceptions[0].message,
            "user field `payRate` has invalid value \"12.34567\": more than 4 decimal places"
        );
        assert!(matches!(
            f.column("role").unwrap().dtype(),
            DataType::Categorical(..)
        ));
        assert_eq!(f.column("hiredDate").unwrap().null_count(), 2);
        assert_eq!(f.column("dateOfBirth").unwrap().null_count(), 3);
        let hired = f
            .column("hiredDate")
            .unwrap()
            .date()
            .unwrap()
            .physical()
            .get(0);
        assert_eq!(
            hired,
            Some(18748),
            "2021-05-01 is day 18748 of the Unix epoch"
        );
    }

    #[test]
    fn error_envelopes_and_malformed_bodies() {
        let d = decode_page(
            br#"{"statusCode":"ERROR","message":"Developer token is not correct.","nextRecord":"-1","data":[]}"#,
            TimeCard,
        )
        .unwrap();
        assert!(!d.header.is_success());
        assert_eq!(d.header.message, "Developer token is not correct.");
        let d = decode_page(br#"{"statusCode":"SUCCESS","nextRecord":0}"#, TimeCard).unwrap();
        assert_eq!(d.header.next_record.as_deref(), Some("0"));
        assert_eq!(d.frame.height(), 0);
        let full = page(r#"{"userName":"a"}"#);
        for cut in [0, 1, full.len() / 2, full.len() - 1] {
            assert!(
                decode_page(&full.as_bytes()[..cut], TimeCard).is_err(),
                "cut at {cut}"
            );
        }
        assert!(decode_page(b"<html>502 Bad Gateway</html>", TimeCard).is_err());
        assert!(decode_page(b"[]", TimeCard).is_err());
    }
}
