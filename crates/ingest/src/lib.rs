//! # payrun-ingest
//!
//! Gets OpenTimeClock Q2 time cards and users into typed Polars DataFrames,
//! completely and exactly once.
//!
//! The pieces, in the order data flows through them:
//!
//! * [`loose`] — the API's loosely typed values (numbers as text or numbers,
//!   `""` for absent, `0000-00-00 00:00:00` for no date time).
//! * [`schema`] — which fields payrun reads and their column types.
//! * [`decode`] — a streaming decoder from a response body straight into
//!   column builders; bad values become `invalid_value` [`Exception`]s.
//! * [`Source`] — where records come from; `client` — [`Q2Client`], the
//!   Q2 one (`q2/`): POST-only requests, the opaque `nextRecord`
//!   cursor with loop guards, date windows fetched concurrently, and retries
//!   with backoff for transport errors, timeouts, 429 and 5xx.
//! * [`join`](mod@join) — time cards matched to users by `userName`, then
//!   `employeeNumber`, then a unique `userFullName`; the rest become
//!   `unknown_user` exceptions.
//! * [`input`] — [`PayrollInput`], the one typed value the rules compute
//!   from: users by [`UserId`], each user's time cards sorted and
//!   contiguous, and every exception found on the way.
//!
//! Nothing in this crate knows about overtime or pay; that is `payrun-rules`.

pub mod exception;
pub mod files;
pub mod schema;

pub use decode::{
    DecodedPage, MalformedPage, PageHeader, conform, conform_columns, decode_page, decode_records,
};
pub use exception::{
    Exception, ExceptionKind, Severity, exceptions_frame, exceptions_from_frame,
    exceptions_parquet_frame, kinds,
};
pub use files::{
    FileError, FileRecords, TimeCardsRead, parquet_rows, read_payroll_records, read_records,
    read_time_cards_into, read_user_keys,
};
pub use schema::{FieldKind, FieldSpec, RecordType, TIME_CARD_FIELDS, USER_FIELDS};
pub use source::Source;
mod q2;
pub use q2::{client, decode, loose};
pub mod input;
pub mod join;
pub mod pacing;
pub mod parts;
mod prefetch;
pub mod source;

pub use client::{
    ApiConfig, ClientOptions, Credentials, DeveloperToken, FetchEvent, Fetched, IngestError, Put,
    Q2Client, Streamed, TimeCardQuery, UserQuery,
};
pub use input::{
    CardNumbers, InputBuilder, InputException, NameId, Names, PayrollInput, TimeCard, User, UserId,
};

/// The process's resident memory in bytes (Linux; 0 elsewhere), for the
/// `RUST_LOG=debug` lines that say where memory goes.
pub fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}
