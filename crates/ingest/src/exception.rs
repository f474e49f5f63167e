//! Exceptions: every problem found in the data becomes a row, never a silent drop.
//!
//! The columns are those of design §6 and the `exceptions` output file:
//! `severity`, `kind`, `user_name`, `user_full_name`, `in_date_time`,
//! `out_date_time`, `message`. Ingest raises `invalid_value` and
//! `unknown_user`; the rules crate raises the rest.

use std::fmt;

use polars::prelude::*;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Pay may be wrong or incomplete: the record was excluded or changed.
    Error,
    /// Worth a look; pay is computed as documented.
    Warning,
    /// For the record; nothing is wrong.
    Info,
}

impl Severity {
    /// The text used in output files.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("`{text}` is not a severity (error, warning, info)"))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of problem an exception is (design §6): its name in the
/// files (`open_punch`) and its rank, its place in the order exceptions
/// are listed in. Each layer owns the kinds it raises: reading records
/// ([`kinds`]: `invalid_value`, `unknown_user`), the pay rules
/// (`payrun_rules::kinds`) and the exports (`payrun::export::kinds`);
/// this is the type their rows share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExceptionKind {
    rank: u8,
    name: &'static str,
}

impl ExceptionKind {
    /// A kind called `name` (snake_case), listed at `rank` (design §6's
    /// order: errors of records first, then of people, exports, and
    /// information).
    pub const fn new(rank: u8, name: &'static str) -> Self {
        ExceptionKind { rank, name }
    }

    /// The snake_case name used in output files.
    pub fn as_str(self) -> &'static str {
        self.name
    }

    /// The kind of `known` called `text`.
    pub fn parse(text: &str, known: &[ExceptionKind]) -> Result<Self, String> {
        known
            .iter()
            .copied()
            .find(|k| k.name == text)
            .ok_or_else(|| format!("`{text}` is not an exception kind"))
    }
}

impl PartialOrd for ExceptionKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ExceptionKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.rank, self.name).cmp(&(other.rank, other.name))
    }
}

impl fmt::Display for ExceptionKind {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds raised reading records: a value that cannot mean what its
/// field means, a time card that matches no user.
pub mod kinds {
    use super::ExceptionKind;

    /// A time card that matches no user; excluded from pay.
    pub const UNKNOWN_USER: ExceptionKind = ExceptionKind::new(5, "unknown_user");
    /// A field whose value cannot mean what the field means.
    pub const INVALID_VALUE: ExceptionKind = ExceptionKind::new(9, "invalid_value");

    /// Every kind this crate raises.
    pub const ALL: [ExceptionKind; 2] = [UNKNOWN_USER, INVALID_VALUE];
}

/// One problem, tied to the record it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// How bad it is.
    pub severity: Severity,
    /// What kind of problem.
    pub kind: ExceptionKind,
    /// The record's `userName`, if known.
    pub user_name: Option<String>,
    /// The record's `userFullName`, if known.
    pub user_full_name: Option<String>,
    /// The record's `inDateTime` as `YYYY-MM-DD HH:MM:SS`, if any.
    pub in_date_time: Option<String>,
    /// The record's `outDateTime` as `YYYY-MM-DD HH:MM:SS`, if any.
    pub out_date_time: Option<String>,
    /// One sentence naming the field and value where there is one.
    pub message: String,
    /// The record's (or user's) `employeeNumber`, if known: it tells apart
    /// people who share a `userName` or a name.
    pub employee_number: Option<String>,
}

impl Exception {
    /// An exception that names no record (a record that could not be read
    /// as one, say): only its severity, kind and message.
    pub fn unattached(severity: Severity, kind: ExceptionKind, message: String) -> Self {
        Exception {
            severity,
            kind,
            user_name: None,
            user_full_name: None,
            in_date_time: None,
            out_date_time: None,
            message,
            employee_number: None,
        }
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} {}: ", self.severity, self.kind)?;
        if let Some(user) = self.user_name.as_deref().or(self.user_full_name.as_deref()) {
            write!(f, "user {user}: ")?;
        }
        if let Some(t) = &self.in_date_time {
            write!(f, "{t}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Reads exceptions back from a frame with the output columns (an
/// `exceptions.csv` or `fetch_exceptions.csv` read as text, or an
/// `exceptions.parquet` with its times as timestamps), each kind one of
/// `known` (this crate's [`kinds::ALL`] for records read; a run's
/// `exceptions` have every layer's).
pub fn exceptions_from_frame(
    frame: &DataFrame,
    known: &[ExceptionKind],
) -> Result<Vec<Exception>, String> {
    let column = |name: &str| -> Result<Vec<Option<String>>, String> {
        let c = frame
            .column(name)
            .map_err(|_| format!("no `{name}` column"))?;
        if let DataType::Datetime(TimeUnit::Milliseconds, None) = c.dtype() {
            return Ok(c
                .datetime()
                .map_err(|e| e.to_string())?
                .physical()
                .iter()
                .map(|v| v.and_then(crate::decode::format_millis))
                .collect());
        }
        let c = c.cast(&DataType::String).map_err(|e| e.to_string())?;
        Ok(c.str()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect())
    };
    let [
        severity,
        kind,
        user_name,
        user_full_name,
        in_date_time,
        out_date_time,
        message,
    ] = [
        "severity",
        "kind",
        "user_name",
        "user_full_name",
        "in_date_time",
        "out_date_time",
        "message",
    ]
    .map(column);
    let (severity, kind, user_name, user_full_name, in_date_time, out_date_time, message) = (
        severity?,
        kind?,
        user_name?,
        user_full_name?,
        in_date_time?,
        out_date_time?,
        message?,
    );
    // Files written before the column existed have none.
    let employee_number = column("employee_number").unwrap_or_else(|_| vec![None; frame.height()]);
    (0..frame.height())
        .map(|i| {
            Ok(Exception {
                severity: severity[i].as_deref().unwrap_or_default().parse()?,
                kind: ExceptionKind::parse(kind[i].as_deref().unwrap_or_default(), known)?,
                user_name: user_name[i].clone(),
                user_full_name: user_full_name[i].clone(),
                in_date_time: in_date_time[i].clone(),
                out_date_time: out_date_time[i].clone(),
                message: message[i].clone().unwrap_or_default(),
                employee_number: employee_number[i].clone(),
            })
        })
        .collect()
}

/// The exceptions as a DataFrame with the output columns, all text.
pub fn exceptions_frame(exceptions: &[Exception]) -> PolarsResult<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&Exception) -> Option<&str>| -> Column {
        Column::new(name.into(), exceptions.iter().map(f).collect::<Vec<_>>())
    };
    DataFrame::new(
        exceptions.len(),
        vec![
            text("severity", &|e| Some(e.severity.as_str())),
            text("kind", &|e| Some(e.kind.as_str())),
            text("user_name", &|e| e.user_name.as_deref()),
            text("user_full_name", &|e| e.user_full_name.as_deref()),
            text("in_date_time", &|e| e.in_date_time.as_deref()),
            text("out_date_time", &|e| e.out_date_time.as_deref()),
            text("message", &|e| Some(e.message.as_str())),
            // Last, so that importers reading columns by position are undisturbed.
            text("employee_number", &|e| e.employee_number.as_deref()),
        ],
    )
}

/// [`exceptions_frame`] with `in_date_time` and `out_date_time` as
/// timestamps (wall-clock milliseconds, no zone: the card's local time), as
/// `exceptions.parquet` holds them. A time that is not one is null there;
/// the message of its exception names the value.
pub fn exceptions_parquet_frame(exceptions: &[Exception]) -> PolarsResult<DataFrame> {
    let mut frame = exceptions_frame(exceptions)?;
    for (name, of) in [
        (
            "in_date_time",
            (|e: &Exception| e.in_date_time.as_deref()) as fn(&Exception) -> Option<&str>,
        ),
        ("out_date_time", |e: &Exception| e.out_date_time.as_deref()),
    ] {
        let millis: Int64Chunked = exceptions
            .iter()
            .map(|e| {
                of(e).and_then(|t| {
                    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
                        .ok()
                        .map(crate::decode::to_millis)
                })
            })
            .collect();
        let times = millis
            .with_name(name.into())
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_column();
        frame.with_column(times)?;
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_survive_a_round_trip_through_their_frame() {
        let exceptions = vec![Exception {
            severity: Severity::Warning,
            kind: kinds::INVALID_VALUE,
            user_name: Some("ann".into()),
            user_full_name: None,
            in_date_time: Some("2024-01-02 08:00:00".into()),
            out_date_time: None,
            message: "time card field `inLatitude` has invalid value \"north\": not a number"
                .into(),
            employee_number: Some("7".into()),
        }];
        let frame = exceptions_frame(&exceptions).unwrap();
        assert_eq!(
            exceptions_from_frame(&frame, &kinds::ALL).unwrap(),
            exceptions
        );
        // Parquet's times are timestamps: 2024-01-02 08:00:00 is
        // 1,704,182,400,000 ms of wall clock; the other is null.
        let stamped = exceptions_parquet_frame(&exceptions).unwrap();
        let times = stamped.column("in_date_time").unwrap();
        assert_eq!(
            times.dtype(),
            &DataType::Datetime(TimeUnit::Milliseconds, None)
        );
        assert_eq!(
            times.datetime().unwrap().physical().get(0),
            Some(1_704_182_400_000)
        );
        assert_eq!(stamped.column("out_date_time").unwrap().null_count(), 1);
        assert_eq!(stamped.get_column_names(), frame.get_column_names());
        assert_eq!(
            exceptions_from_frame(&stamped, &kinds::ALL).unwrap(),
            exceptions
        );
        // A file written before `employee_number` existed reads back without it.
        let older = frame.drop("employee_number").unwrap();
        let read = exceptions_from_frame(&older, &kinds::ALL).unwrap();
        assert_eq!(read[0].employee_number, None);
        assert_eq!(read[0].message, exceptions[0].message);
        for kind in kinds::ALL {
            assert_eq!(ExceptionKind::parse(kind.as_str(), &kinds::ALL), Ok(kind));
        }
        assert!(ExceptionKind::parse("flood", &kinds::ALL).is_err());
        // Listed in rank order: unknown_user (5) before invalid_value (9).
        assert!(kinds::UNKNOWN_USER < kinds::INVALID_VALUE);
    }
}
