//! Reading typed columns of the ingest frames into plain vectors.

use chrono::NaiveDate;
use polars::prelude::*;

/// The values of a primitive column, nulls as `None`, whatever its chunking.
pub(crate) fn options<T>(ca: &ChunkedArray<T>) -> Vec<Option<T::Native>>
where
    T: PolarsNumericType,
{
    ca.downcast_iter()
        .flat_map(|arr| arr.iter().map(|v| v.copied()))
        .collect()
}

/// A column's text values; categoricals and other types are cast to text.
pub(crate) fn texts(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let column = frame.column(name)?.cast(&DataType::String)?;
    Ok(column.str()?.iter().map(|v| v.map(str::to_owned)).collect())
}

/// Wall-clock milliseconds of a `Datetime(ms)` column.
pub(crate) fn datetime_millis(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let column = frame
        .column(name)?
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    Ok(options(column.datetime()?.physical()))
}

/// Dates of a `Date` column.
pub(crate) fn dates(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<NaiveDate>>> {
    let column = frame.column(name)?.cast(&DataType::Date)?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch exists");
    Ok(options(column.date()?.physical())
        .into_iter()
        .map(|d| d.and_then(|d| epoch.checked_add_signed(chrono::Duration::days(i64::from(d)))))
        .collect())
}

/// A decimal column as mantissas and their scale.
pub(crate) fn decimals(frame: &DataFrame, name: &str) -> PolarsResult<(Vec<Option<i128>>, u32)> {
    let column = frame.column(name)?;
    let ca = column.decimal()?;
    Ok((options(ca.physical()), ca.scale() as u32))
}
