//! Everything that can stop a fetch, and which of it another attempt may
//! cure.

use std::time::Duration;

use polars::prelude::PolarsError;

/// Everything that can stop a fetch.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The API answered `statusCode: "ERROR"`.
    #[error("the Q2 API refused {command}: {message}")]
    Api {
        /// The command sent.
        command: &'static str,
        /// The API's message, verbatim.
        message: String,
    },
    /// The API kept answering HTTP 429.
    #[error("the Q2 API is rate limiting requests (HTTP 429)")]
    RateLimited {
        /// The `Retry-After` the server asked for.
        retry_after: Option<Duration>,
    },
    /// The API answered a 5xx status.
    #[error("the Q2 API failed with HTTP {status}")]
    Server {
        /// The status code.
        status: u16,
    },
    /// The API answered a redirect, which payrun never follows.
    #[error(
        "the Q2 API answered HTTP {status} redirecting to {location}; payrun follows no \
         redirects (the developer token would go with it): set api.base_url to the address \
         the API answers at"
    )]
    Redirect {
        /// The status code.
        status: u16,
        /// The `Location` it pointed to, as sent.
        location: String,
    },
    /// The API answered a status that retrying cannot fix.
    #[error("the Q2 API answered HTTP {status}")]
    Http {
        /// The status code.
        status: u16,
    },
    /// The endpoint cannot be used: not a URL, not http(s), or cleartext
    /// http to a host that is not loopback. Nothing was sent.
    #[error("cannot use the API endpoint {url}: {message}")]
    Endpoint {
        /// The endpoint as configured.
        url: String,
        /// Why not.
        message: String,
    },
    /// The request did not complete: connection reset, timeout, a body cut off.
    #[error("could not reach the Q2 API at {url}: {message}")]
    Transport {
        /// The endpoint (which never carries credentials).
        url: String,
        /// What went wrong.
        message: String,
    },
    /// No connection could be made (refused, no route, name not found).
    /// Retried briefly: a server restarting comes back, a wrong address
    /// does not.
    #[error("could not connect to the Q2 API at {url}: {message}")]
    Unreachable {
        /// The endpoint.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The TLS handshake failed (certificate not trusted, expired, for
    /// another name). Retrying cannot help.
    #[error("the TLS connection to {url} failed: {message}")]
    Tls {
        /// The endpoint.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The body was not a complete Q2 response (cut short, not JSON).
    #[error("the Q2 API sent an unreadable {command} response: {message}")]
    Malformed {
        /// The command sent.
        command: &'static str,
        /// What is wrong with the body.
        message: String,
    },
    /// A success response without `nextRecord`.
    #[error(
        "the Q2 API sent a {command} page without nextRecord; cannot tell whether more pages exist"
    )]
    MissingCursor {
        /// The command sent.
        command: &'static str,
    },
    /// The cursor came back unchanged or already seen.
    #[error(
        "the Q2 API returned nextRecord {cursor:?} again for {command}; stopping rather than looping"
    )]
    CursorRepeated {
        /// The command sent.
        command: &'static str,
        /// The repeated cursor.
        cursor: String,
    },
    /// More pages than the page limit.
    #[error(
        "more than {limit} pages for {command}; stopping (raise api.max_pages if the data is really this large)"
    )]
    PageLimit {
        /// The command sent.
        command: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A page kept failing: its retries, or the run's, ran out.
    #[error(
        "gave up on {command} {window}at nextRecord {cursor:?} after {attempts} attempts ({why}): {last}"
    )]
    GaveUp {
        /// The command sent.
        command: &'static str,
        /// The time card window (`inDateTime from .. to `), or empty.
        window: String,
        /// The cursor of the page.
        cursor: String,
        /// Attempts made.
        attempts: u32,
        /// Which limit stopped the retries.
        why: String,
        /// The last failure.
        last: Box<IngestError>,
    },
    /// A response body larger than `api.max_body_bytes`.
    #[error("the {command} response is larger than api.max_body_bytes ({limit} bytes); refused")]
    BodyTooLarge {
        /// The command sent.
        command: &'static str,
        /// The limit.
        limit: u64,
    },
    /// More records than `api.max_records_per_run`.
    #[error("more than {limit} records fetched in this run (api.max_records_per_run); stopping")]
    RecordLimit {
        /// The limit.
        limit: u64,
    },
    /// Records moved while a query paged (read again; see [`IngestError::Unstable`]).
    #[error("records of {command} {window}moved while it was read (at nextRecord {cursor:?})")]
    Drifted {
        /// The command sent.
        command: &'static str,
        /// The time card window, or empty.
        window: String,
        /// The cursor where it showed.
        cursor: String,
    },
    /// Every read of a window was torn by records moving while it paged.
    #[error(
        "the records of {command} {window}kept moving while they were read ({reads} reads); \
         no payroll is computed from a torn read: try again later"
    )]
    Unstable {
        /// The command sent.
        command: &'static str,
        /// The time card window, or empty.
        window: String,
        /// Reads made.
        reads: u32,
    },
    /// An `[api]` value out of range.
    #[error("api.{key}: {message}")]
    Config {
        /// The key under `[api]`.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Company id or token missing or unreadable.
    #[error("{0}")]
    Credentials(String),
    /// Records fetched could not be kept in a file as they came.
    #[error("cannot keep the fetched records in {}: {message}", path.display())]
    Spill {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Frames could not be combined.
    #[error("cannot assemble the fetched records: {0}")]
    Frame(#[from] PolarsError),
}

impl IngestError {
    /// Whether another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            IngestError::RateLimited { .. }
                | IngestError::Server { .. }
                | IngestError::Transport { .. }
                | IngestError::Unreachable { .. }
                | IngestError::Malformed { .. }
        )
    }
}
