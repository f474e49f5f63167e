//! The Q2 HTTP client: the cursor, windows and retries (its credentials,
//! errors and queries are `credentials.rs`, `error.rs` and `query.rs`).
//!
//! Requests are always `POST` with a JSON body, so the developer token never
//! appears in a URL, a proxy log or a tracing span. No redirect is
//! followed: a 3xx answer is an error naming where it pointed, since
//! following it would send the token to another address. Every page is
//! retried on transport errors, timeouts, 5xx and bodies that are not a
//! complete response (a truncated transfer), with exponential backoff and
//! jitter, at most `api.max_retries` times and within the run's
//! `api.retry_budget`. HTTP 429 is pacing, not failure (see
//! [`crate::pacing`]). An `ERROR` answer is the API speaking, not a fault,
//! and is never retried.
//!
//! A query is accepted only when it reads the same twice in a row
//! (`api.verify = "reread"`, the default; see [`Verify`]), so records that
//! move while it is paged cannot be lost or read twice, whatever the moves.
//!
//! Time cards are fetched in date windows, `api.concurrency` windows at a
//! time. Windows partition the `inDateTime` range at whole seconds, so each
//! record belongs to exactly one window and the concatenation, in window
//! order, is the same set of records a single sequential fetch returns:
//! de-duplication across windows holds by construction. Identical records
//! inside the data are kept; reporting them is the rules' job.
//!
//! It is long because paging, windows, retries, pacing and verification
//! share one fetch's state; the last sixth is tests.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use chrono::NaiveDateTime;
use futures_util::{StreamExt, TryStreamExt};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use super::credentials::{
    Credentials, DeveloperToken, ENV_BASE_URL, ENV_COMPANY_ID, ENV_DEVELOPER_TOKEN,
};
pub use super::error::IngestError;
use super::pages::{Out, Pages, ROWS_PER_CHUNK, Read, stack};
pub use super::pages::{Put, Streamed};
pub use super::query::{TimeCardQuery, UserQuery};
use crate::decode::{DecodedPage, decode_page, identify};
use crate::exception::{Exception, Severity};
use crate::pacing::Pacer;
use crate::schema::RecordType;

/// The production endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api1.opentimeclock.com/Jun-Inside-VPC";

/// The `[api]` table of `payrun.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// The endpoint URL (env `OTC_BASE_URL` overrides it).
    pub base_url: String,
    /// `maxRecords` per page.
    pub max_records: u32,
    /// Timeout of one request, in seconds.
    pub timeout_secs: u64,
    /// Retries per page after the first attempt.
    pub max_retries: u32,
    /// Retries of failures (not 429s) allowed across the whole run;
    /// `None`: 20 plus one for every two pages fetched so far.
    pub retry_budget: Option<u32>,
    /// Date windows fetched at once.
    pub concurrency: usize,
    /// The largest response body accepted, in bytes; a larger one is
    /// refused while it streams in, before it is held in memory.
    pub max_body_bytes: u64,
    /// The most records one run fetches, all queries together.
    pub max_records_per_run: u64,
    /// The most pages one query (a time card window, the users list) reads.
    pub max_pages: usize,
    /// How a query is checked for records that moved while it was paged.
    pub verify: Verify,
    /// The most wall-clock time, in seconds, a run spends waiting on HTTP
    /// 429s before it gives up.
    pub max_wait_secs: u64,
}

/// How a query is checked for records inserted, deleted or edited while it
/// was paged (`api.verify`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verify {
    /// Read each query again, whole, until two reads in a row return the
    /// same records (every field, so the same keys and `updateDateTime`s).
    /// Catches every move, including an insert and a delete that cancel
    /// out; costs a second read of everything.
    #[default]
    Reread,
    /// Only check that each page starts with the record the previous one
    /// ended with. One read; misses moves that cancel out between two
    /// pages.
    Overlap,
}

impl ApiConfig {
    /// Checks the table's values: `Err((key, message))` for the first one
    /// out of range.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let positive = [
            ("timeout_secs", self.timeout_secs),
            ("concurrency", self.concurrency as u64),
            ("max_body_bytes", self.max_body_bytes),
            ("max_records_per_run", self.max_records_per_run),
            ("max_pages", self.max_pages as u64),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err((key, "must be more than 0".into()));
        }
        if self.max_records < 2 {
            return Err((
                "max_records",
                format!(
                    "{} is too few: pages of at least 2 records are needed to check that \
                     no record moved between them",
                    self.max_records
                ),
            ));
        }
        Ok(())
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            max_records: 5000,
            timeout_secs: 60,
            // At 20% failed requests, 5 retries gave up on some page of a
            // 500-page fetch about once in 30 (0.2^6 a page); 8 make it
            // 0.2^9, and the run's budget still stops a dying API.
            max_retries: 8,
            retry_budget: None,
            concurrency: 4,
            max_body_bytes: 64 << 20,
            max_records_per_run: 100_000_000,
            max_pages: 100_000,
            verify: Verify::Reread,
            max_wait_secs: 600,
        }
    }
}

/// The most date windows one time card query is split into.
pub const MAX_WINDOWS: usize = 64;

/// Client behaviour beyond the `[api]` table.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The `[api]` table.
    pub api: ApiConfig,
    /// Length of one time card date window (a range wider than
    /// [`MAX_WINDOWS`] windows uses longer ones).
    pub window: chrono::Duration,
    /// Pages per query before giving up (`api.max_pages`).
    pub page_limit: usize,
    /// First retry delay; later ones grow exponentially, with jitter.
    pub retry_min_delay: Duration,
    /// Longest delay between retries, and the cap on an honoured `Retry-After`.
    pub retry_max_delay: Duration,
    /// Accept a plain `http://` endpoint on a host that is not loopback
    /// (the developer token would cross the network in cleartext).
    pub allow_insecure_http: bool,
}

impl ClientOptions {
    /// Options with the given `[api]` table and defaults for the rest.
    pub fn new(api: ApiConfig) -> Self {
        ClientOptions {
            page_limit: api.max_pages,
            api,
            window: chrono::Duration::days(7),
            retry_min_delay: Duration::from_millis(250),
            retry_max_delay: Duration::from_secs(60),
            allow_insecure_http: false,
        }
    }
}

/// Checks an endpoint before anything is sent to it: a URL, `https`, or
/// `http` to a loopback host (`127.0.0.0/8`, `::1`, `localhost`) unless
/// `allow_insecure_http`. No name is resolved and no connection is made.
pub fn check_endpoint(url: &str, allow_insecure_http: bool) -> Result<(), IngestError> {
    let refuse = |message: String| {
        Err(IngestError::Endpoint {
            url: url.to_owned(),
            message,
        })
    };
    let parsed = match reqwest::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(e) => return refuse(format!("not a URL ({e})")),
    };
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback || allow_insecure_http => Ok(()),
        "http" => refuse(
            "plain http to a host that is not loopback would send the developer token in \
             cleartext; use https, or --allow-insecure-http if you must"
                .into(),
        ),
        other => refuse(format!("the scheme `{other}` is not http or https")),
    }
}

/// Records fetched by one query.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The records, typed per [`RecordType::schema`].
    pub frame: DataFrame,
    /// Problems found while decoding.
    pub exceptions: Vec<Exception>,
    /// Pages requested successfully.
    pub pages: usize,
}

/// Progress of a fetch, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum FetchEvent {
    /// A window's time cards are all in.
    WindowDone {
        /// Windows finished so far.
        done: usize,
        /// Windows in total.
        total: usize,
    },
    /// A page arrived.
    Page {
        /// Which records.
        record_type: RecordType,
        /// Records on that page.
        records: usize,
    },
}

type Observer = Arc<dyn Fn(FetchEvent) + Send + Sync>;

/// A client for one company's Q2 data.
///
/// ```no_run
/// # async fn run() -> Result<(), payrun_ingest::IngestError> {
/// use payrun_ingest::client::{ApiConfig, ClientOptions, Credentials, DeveloperToken, Q2Client, TimeCardQuery, UserQuery};
/// use chrono::NaiveDate;
///
/// let credentials = Credentials { company_id: "12345".into(), token: DeveloperToken::new("…") };
/// let client = Q2Client::new(ClientOptions::new(ApiConfig::default()), credentials)?;
/// let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
/// let cards = client
///     .time_cards(&TimeCardQuery::between(day.and_hms_opt(0, 0, 0).unwrap(), day.and_hms_opt(23, 59, 59).unwrap()))
///     .await?;
/// let users = client.users(&UserQuery::all()).await?;
/// println!("{} time cards, {} users", cards.frame.height(), users.frame.height());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Q2Client {
    http: reqwest::Client,
    options: ClientOptions,
    credentials: Credentials,
    observer: Option<Observer>,
    /// Shared by clones: what the run has spent.
    spent: Arc<Spent>,
    /// Shared by clones: the requests allowed in flight.
    pacer: Arc<Pacer>,
}

/// Retries and records spent by one client (and its clones) so far.
#[derive(Debug, Default)]
struct Spent {
    pages: AtomicU64,
    retries: AtomicU64,
    records: AtomicU64,
}

/// How many times a page is retried when no connection can be made.
const UNREACHABLE_RETRIES: u32 = 2;

/// How many times a query torn by moving records is read before giving up.
pub const STABLE_READS: u32 = 5;

/// How many times in a row a page that does not start with the record the
/// previous one ended with is asked again before the read starts over.
const PAGE_REREADS: u32 = 3;

impl std::fmt::Debug for Q2Client {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("Q2Client")
            .field("options", &self.options)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Q2Client {
    /// A client with its own connection pool.
    pub fn new(options: ClientOptions, credentials: Credentials) -> Result<Self, IngestError> {
        check_endpoint(&options.api.base_url, options.allow_insecure_http)?;
        options
            .api
            .check()
            .map_err(|(key, message)| IngestError::Config { key, message })?;
        let (options_concurrency, max_wait_secs) =
            (options.api.concurrency, options.api.max_wait_secs);
        let http = reqwest::Client::builder()
            // A redirect would carry the token's request body elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(options.api.timeout_secs.max(1)))
            .user_agent(concat!("payrun/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| IngestError::Transport {
                url: options.api.base_url.clone(),
                message: e.without_url().to_string(),
            })?;
        Ok(Q2Client {
            http,
            options,
            credentials,
            observer: None,
            spent: Arc::default(),
            pacer: Arc::new(Pacer::new(
                options_concurrency,
                Duration::from_secs(max_wait_secs),
            )),
        })
    }

    /// Calls `observer` as pages and windows complete.
    pub fn with_observer(mut self, observer: impl Fn(FetchEvent) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The options in use.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Every time card matching `query`, fetched in date windows,
    /// `api.concurrency` at a time, in `inDateTime` window order.
    pub async fn time_cards(&self, query: &TimeCardQuery) -> Result<Fetched, IngestError> {
        let windows = self.windows(query);
        let done = (&AtomicUsize::new(0), windows.len());
        let parts: Vec<Fetched> =
            futures_util::stream::iter(windows.into_iter().map(|window| async move {
                let out = || Ok(Out::Memory(Vec::new()));
                let read = self.window(query, window, &out, done).await?;
                read.fetched(RecordType::TimeCard)
            }))
            .buffered(self.options.api.concurrency.max(1))
            .try_collect()
            .await?;
        // Each window's pages are already compact chunks (see
        // `ROWS_PER_CHUNK`); they stay chunks (copying them into one would
        // double the peak).
        let mut frames = Vec::with_capacity(parts.len());
        let (mut exceptions, mut pages) = (Vec::new(), 0);
        for part in parts {
            frames.push(part.frame);
            exceptions.extend(part.exceptions);
            pages += part.pages;
        }
        Ok(Fetched {
            frame: stack(RecordType::TimeCard, frames, false)?,
            exceptions,
            pages,
        })
    }

    /// [`Q2Client::time_cards`], each chunk of records given to `put` in
    /// order as soon as the windows before it are in, rather than held:
    /// each window's read goes to a file of its own in `spill` (a folder
    /// this client may write), removed once its chunks are put. So a fetch
    /// of any size holds about `api.concurrency` chunks of 65,536 rows,
    /// and the chunks `put` gets are those [`Q2Client::time_cards`] would
    /// hold.
    pub async fn time_cards_to(
        &self,
        query: &TimeCardQuery,
        spill: &Path,
        put: Put<'_>,
    ) -> Result<Streamed, IngestError> {
        let windows = self.windows(query);
        let done = (&AtomicUsize::new(0), windows.len());
        let mut reads =
            futures_util::stream::iter(windows.into_iter().enumerate().map(|(i, window)| {
                let path = spill.join(format!("timecards-{i}.parquet"));
                async move {
                    let out = || Out::file(&path, RecordType::TimeCard);
                    self.window(query, window, &out, done).await
                }
            }))
            .buffered(self.options.api.concurrency.max(1));
        let mut streamed = Streamed::default();
        while let Some(read) = reads.try_next().await? {
            streamed.add(read.put_chunks(put)?);
        }
        Ok(streamed)
    }

    /// The date windows of `query` (a very wide range grows the windows
    /// rather than their number).
    fn windows(&self, query: &TimeCardQuery) -> Vec<(NaiveDateTime, NaiveDateTime)> {
        let span = query.to - query.from;
        let length = self
            .options
            .window
            .max(span / MAX_WINDOWS as i32 + chrono::Duration::seconds(1));
        windows(query.from, query.to, length)
    }

    /// One window of a time card query, read into what `out` makes;
    /// `done` counts the windows read of a total, for the observer.
    async fn window(
        &self,
        query: &TimeCardQuery,
        (from, to): (NaiveDateTime, NaiveDateTime),
        out: &(dyn Fn() -> Result<Out, IngestError> + Sync),
        (done, total): (&AtomicUsize, usize),
    ) -> Result<Read, IngestError> {
        let params = query.params(from, to);
        let window = format!("inDateTime {from} to {to} ");
        let read = self
            .query_in(RecordType::TimeCard, params, window, out)
            .await?;
        let done = done.fetch_add(1, Ordering::SeqCst) + 1;
        self.notify(FetchEvent::WindowDone { done, total });
        Ok(read)
    }

    /// Every time card matching `query`, one page after another, no windows.
    pub async fn time_cards_sequential(
        &self,
        query: &TimeCardQuery,
    ) -> Result<Fetched, IngestError> {
        self.query(RecordType::TimeCard, query.params(query.from, query.to))
            .await
    }

    /// Every user matching `query`.
    pub async fn users(&self, query: &UserQuery) -> Result<Fetched, IngestError> {
        self.query(RecordType::User, query.params()).await
    }

    /// [`Q2Client::users`], given to `put` a chunk at a time as
    /// [`Q2Client::time_cards_to`] gives time cards (the read goes to
    /// `users.parquet` in `spill` first: a read that has to start over
    /// puts nothing twice).
    pub async fn users_to(
        &self,
        query: &UserQuery,
        spill: &Path,
        put: Put<'_>,
    ) -> Result<Streamed, IngestError> {
        let path = spill.join("users.parquet");
        let out = || Out::file(&path, RecordType::User);
        let read = self
            .query_in(RecordType::User, query.params(), String::new(), &out)
            .await?;
        read.put_chunks(put)
    }

    /// Runs one query to its last page, following the opaque `nextRecord`
    /// cursor verbatim. A cursor seen before, or more than the page limit,
    /// is an error rather than a loop.
    pub async fn query(
        &self,
        record_type: RecordType,
        params: Map<String, Value>,
    ) -> Result<Fetched, IngestError> {
        let out = || Ok(Out::Memory(Vec::new()));
        self.query_in(record_type, params, String::new(), &out)
            .await?
            .fetched(record_type)
    }

    /// [`Q2Client::query`], naming `window` in errors, each read into what
    /// `out` makes. A read torn by records that moved while it paged
    /// ([`IngestError::Drifted`]) is read again from its first page; with
    /// [`Verify::Reread`] a whole read is accepted only when the next one
    /// returns the same records. At most [`STABLE_READS`] reads, then
    /// [`IngestError::Unstable`].
    async fn query_in(
        &self,
        record_type: RecordType,
        params: Map<String, Value>,
        window: String,
        out: &(dyn Fn() -> Result<Out, IngestError> + Sync),
    ) -> Result<Read, IngestError> {
        let reread = self.options.api.verify == Verify::Reread;
        // The fingerprint of the last whole read's records: a read equal
        // to it is kept, so only one read is held at a time.
        let mut previous: Option<u128> = None;
        for read in 1..=STABLE_READS {
            // A read is kept only when it agrees with the one before: the
            // first whole read's records are not kept, only its fingerprint.
            let out = if reread && previous.is_none() {
                Out::Discard
            } else {
                out()?
            };
            let pages = Pages::new(record_type, ROWS_PER_CHUNK, out, reread);
            match self
                .read_once(record_type, params.clone(), &window, pages)
                .await
            {
                Err(IngestError::Drifted { cursor, .. }) => {
                    tracing::warn!(
                        "records of {} {window}moved while it was read (at nextRecord {cursor:?}); \
                         reading it again ({read} of {STABLE_READS})",
                        record_type.command()
                    );
                }
                Ok(fetched) if reread => {
                    if previous.is_some() && previous == fetched.print {
                        return Ok(fetched);
                    }
                    if previous.is_some() {
                        tracing::warn!(
                            "records of {} {window}differ from one read to the next; \
                             reading it again ({read} of {STABLE_READS})",
                            record_type.command()
                        );
                    }
                    previous = fetched.print;
                }
                other => return other,
            }
        }
        Err(IngestError::Unstable {
            command: record_type.command(),
            window,
            reads: STABLE_READS,
        })
    }

    /// One read of a query, page after page. Where the cursor is a record
    /// number (as Q2's is) each page after the first starts one record
    /// early, and that record must be the one the previous page ended
    /// with: otherwise records were inserted or deleted before the cursor
    /// while paging (one would be read twice, or never), and the read is
    /// [`IngestError::Drifted`] once the page, asked again
    /// [`PAGE_REREADS`] times, still does not start there.
    ///
    /// Long because one read of a query is a loop over its pages that shares
    /// the cursor, the checks of each page against the last, and the retry
    /// and pacing state.
    async fn read_once(
        &self,
        record_type: RecordType,
        params: Map<String, Value>,
        window: &str,
        mut fetched: Pages,
    ) -> Result<Read, IngestError> {
        let command = record_type.command();
        let mut body = params;
        body.insert("cmd".into(), json!(command));
        body.insert("companyId".into(), json!(self.credentials.company_id));
        body.insert("developerToken".into(), json!(self.credentials.token.0));
        body.insert(
            "maxRecords".into(),
            json!(self.options.api.max_records.to_string()),
        );
        let body = Value::Object(body);
        let mut cursor = "0".to_owned();
        let mut seen = HashSet::from([cursor.clone()]);
        let overlap = self.options.api.max_records >= 2;
        // The record the previous page ended with, and that page's exceptions.
        let mut last: Option<(DataFrame, Vec<Exception>)> = None;
        // Times in a row this page did not start where the previous ended.
        let mut shifted = 0;
        loop {
            if fetched.pages() >= self.options.page_limit {
                return Err(IngestError::PageLimit {
                    command,
                    limit: self.options.page_limit,
                });
            }
            let mut request = body.clone();
            let early = match cursor.parse::<u64>() {
                Ok(n) if n > 0 && overlap && last.is_some() => Some((n - 1).to_string()),
                _ => None,
            };
            let sent = early.clone().unwrap_or_else(|| cursor.clone());
            request["nextRecord"] = json!(sent);
            tracing::debug!(command, cursor = %sent, "requesting page");
            let mut page = self
                .page_with_retries(record_type, &request, window, &sent)
                .await?;
            if early.is_some()
                && let Some((previous, previous_exceptions)) = &last
            {
                let first = page.frame.slice(0, 1);
                if first.height() != 1 || !first.equals_missing(previous) {
                    // A page caught while the data moves is asked again; a
                    // move that stays (a record really inserted or deleted)
                    // shows every time, and the read starts over.
                    shifted += 1;
                    if shifted > PAGE_REREADS {
                        return Err(IngestError::Drifted {
                            command,
                            window: window.to_owned(),
                            cursor,
                        });
                    }
                    tracing::debug!(command, cursor = %sent, "page shifted; asking again");
                    continue;
                }
                shifted = 0;
                // That record and its exceptions are the previous page's.
                let mine = identify(&first, 0, Severity::Error, crate::kinds::INVALID_VALUE);
                let same_record = |e: &Exception| {
                    e.user_name == mine.user_name
                        && e.user_full_name == mine.user_full_name
                        && e.in_date_time == mine.in_date_time
                        && e.out_date_time == mine.out_date_time
                };
                page.exceptions
                    .retain(|e| !(same_record(e) && previous_exceptions.contains(e)));
                page.frame = page.frame.slice(1, page.frame.height());
            }
            if page.frame.height() > 0 {
                last = Some((page.frame.tail(Some(1)), page.exceptions.clone()));
            }
            self.spent.pages.fetch_add(1, Ordering::Relaxed);
            let records = self
                .spent
                .records
                .fetch_add(page.frame.height() as u64, Ordering::Relaxed)
                + page.frame.height() as u64;
            if records > self.options.api.max_records_per_run {
                return Err(IngestError::RecordLimit {
                    limit: self.options.api.max_records_per_run,
                });
            }
            if !page.header.is_success() {
                return Err(IngestError::Api {
                    command,
                    message: page.header.message,
                });
            }
            self.notify(FetchEvent::Page {
                record_type,
                records: page.frame.height(),
            });
            let next = page.header.next_record.clone();
            fetched.push(Fetched {
                frame: page.frame,
                exceptions: page.exceptions,
                pages: 1,
            })?;
            match next {
                None => return Err(IngestError::MissingCursor { command }),
                Some(next) if next == "-1" => break,
                Some(next) => {
                    if !seen.insert(next.clone()) {
                        return Err(IngestError::CursorRepeated {
                            command,
                            cursor: next,
                        });
                    }
                    cursor = next;
                }
            }
        }
        fetched.finish()
    }

    fn notify(&self, event: FetchEvent) {
        if let Some(observer) = &self.observer {
            observer(event);
        }
    }

    /// The retry schedule of one page: exponential, with a random jitter
    /// of each client's own (two workers never wait in step).
    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.options.retry_min_delay)
            .with_max_delay(self.options.retry_max_delay)
            .with_max_times(self.options.api.max_retries as usize)
            .with_jitter()
    }

    /// Retries the run may still spend: `api.retry_budget`, or 20 plus one
    /// per two pages fetched. So a run carries on while fewer than about a
    /// third of its requests fail, and one whose API has died (no page
    /// comes back) stops after 20.
    fn retries_left(&self) -> u64 {
        let budget = match self.options.api.retry_budget {
            Some(b) => u64::from(b),
            None => 20 + self.spent.pages.load(Ordering::Relaxed) / 2,
        };
        budget.saturating_sub(self.spent.retries.load(Ordering::Relaxed))
    }

    /// One page, retried as the module docs say: failures (5xx,
    /// transport errors, truncated bodies) within `api.max_retries` and
    /// the run's budget; 429s as the pacer allows (they spend neither).
    async fn page_with_retries(
        &self,
        record_type: RecordType,
        request: &Value,
        window: &str,
        cursor: &str,
    ) -> Result<DecodedPage, IngestError> {
        let cap = self.options.retry_max_delay;
        let mut failures = self.backoff().build();
        // 429s without a Retry-After wait as failures do, without limit
        // but the run's (api.max_wait_secs).
        let mut pauses = self.backoff().without_max_times().build();
        let mut attempts = 0u32;
        let mut unreachable = 0u32;
        loop {
            attempts += 1;
            let failed = match self.page_once(record_type, request).await {
                Ok(page) => {
                    self.pacer.succeeded();
                    return Ok(page);
                }
                Err(e) => e,
            };
            let give_up = |why: String, last: IngestError| IngestError::GaveUp {
                command: record_type.command(),
                window: window.to_owned(),
                cursor: cursor.to_owned(),
                attempts,
                why,
                last: Box::new(last),
            };
            if let IngestError::RateLimited { retry_after } = &failed {
                let wait = retry_after
                    .map(|after| after.min(cap))
                    .or_else(|| pauses.next())
                    .unwrap_or(cap);
                if let Err(waited) = self.pacer.rate_limited(wait) {
                    let why = format!(
                        "the API kept rate limiting: {:.0?} waited on HTTP 429s, \
                         api.max_wait_secs is {}",
                        waited, self.options.api.max_wait_secs
                    );
                    return Err(give_up(why, failed));
                }
                tracing::info!(
                    "{failed}; waiting {wait:.1?}, {} requests at once from now",
                    self.pacer.limit()
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            if !failed.is_retryable() {
                return Err(failed);
            }
            if matches!(failed, IngestError::Unreachable { .. }) {
                unreachable += 1;
                if unreachable > UNREACHABLE_RETRIES {
                    let why = format!("no connection after {UNREACHABLE_RETRIES} retries");
                    return Err(give_up(why, failed));
                }
            }
            if self.retries_left() == 0 {
                let why = "the run's retry budget is spent (api.retry_budget)".to_owned();
                return Err(give_up(why, failed));
            }
            let Some(delay) = failures.next() else {
                let why = format!("api.max_retries is {}", self.options.api.max_retries);
                return Err(give_up(why, failed));
            };
            self.spent.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("{failed}; retrying in {delay:.1?}");
            tokio::time::sleep(delay).await;
        }
    }

    /// Long because one request's checks come in order (status, pacing, size,
    /// envelope, decoding), each needing the response the previous one read.
    async fn page_once(
        &self,
        record_type: RecordType,
        request: &Value,
    ) -> Result<DecodedPage, IngestError> {
        let url = &self.options.api.base_url;
        let transport = |e: reqwest::Error| {
            let connect = e.is_connect();
            let message = error_chain(&e.without_url());
            let url = url.clone();
            if is_tls_failure(&message) {
                IngestError::Tls { url, message }
            } else if connect {
                IngestError::Unreachable { url, message }
            } else {
                IngestError::Transport { url, message }
            }
        };
        // Held while the body is read and decoded: at most
        // api.concurrency bodies are in memory at once.
        let _permit = self.pacer.acquire().await;
        let response = self
            .http
            .post(url)
            .json(request)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
                .unwrap_or_else(|| "nowhere (no Location)".into());
            return Err(IngestError::Redirect {
                status: status.as_u16(),
                location,
            });
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(IngestError::RateLimited { retry_after });
        }
        if status.is_server_error() {
            return Err(IngestError::Server {
                status: status.as_u16(),
            });
        }
        if !status.is_success() {
            return Err(IngestError::Http {
                status: status.as_u16(),
            });
        }
        let limit = self.options.api.max_body_bytes;
        let too_large = || IngestError::BodyTooLarge {
            command: record_type.command(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut response = response;
        // The body's length when announced, else the limit: address space
        // only (untouched pages take no memory), so the buffer is never
        // copied into a larger one, which held a body one and a half
        // times over while it grew.
        let room = response.content_length().unwrap_or(limit).min(limit);
        let mut body = Vec::with_capacity(usize::try_from(room).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if !append_bounded(&mut body, &chunk, limit) {
                return Err(too_large());
            }
        }
        let decoded = tokio::task::spawn_blocking(move || decode_page(&body, record_type))
            .await
            .map_err(|e| IngestError::Malformed {
                command: record_type.command(),
                message: format!("decoding stopped: {e}"),
            })?;
        let page = decoded.map_err(|e| IngestError::Malformed {
            command: record_type.command(),
            message: e.0,
        })?;
        match page.header.problem() {
            Some(message) => Err(IngestError::Malformed {
                command: record_type.command(),
                message,
            }),
            None => Ok(page),
        }
    }
}

/// Appends `chunk` to `body` unless that makes it longer than `limit`
/// (then `false`). The buffer grows by doubling, but never past the limit:
/// a body at the limit holds the limit, not up to twice it (and not a
/// second copy while it grows past it).
fn append_bounded(body: &mut Vec<u8>, chunk: &[u8], limit: u64) -> bool {
    let needed = body.len() + chunk.len();
    if needed as u64 > limit {
        return false;
    }
    if needed > body.capacity() {
        let most = usize::try_from(limit).unwrap_or(usize::MAX);
        let grown = needed.max(body.capacity() * 2).min(most);
        body.reserve_exact(grown - body.len());
    }
    body.extend_from_slice(chunk);
    true
}

/// The error and its causes in one line (reqwest's top level alone says
/// only "error sending request"); a cause that repeats what is already
/// said (an OS error wrapped in an I/O error) is said once.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

/// Whether a connection failure is the TLS handshake's (retrying cannot help).
fn is_tls_failure(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    [
        "certificate",
        "tls handshake",
        "invalid peer",
        "unknownissuer",
        "handshake failure",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

/// Splits `from..=to` into consecutive windows of `length` that share no second.
pub fn windows(
    from: NaiveDateTime,
    to: NaiveDateTime,
    length: chrono::Duration,
) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let one = chrono::Duration::seconds(1);
    let length = length.max(one);
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = (start + length - one).min(to);
        out.push((start, end));
        start = end + one;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked_before_anything_is_sent() {
        for ok in [
            "https://api1.opentimeclock.com/Jun-Inside-VPC",
            "http://127.0.0.1:8080/Jun-Inside-VPC",
            "http://[::1]:8080/x",
            "http://localhost/x",
        ] {
            assert!(check_endpoint(ok, false).is_ok(), "{ok}");
        }
        let refused = |url: &str| check_endpoint(url, false).unwrap_err().to_string();
        assert_eq!(
            refused("http://payroll.example.com/x"),
            "cannot use the API endpoint http://payroll.example.com/x: plain http to a host that is \
             not loopback would send the developer token in cleartext; use https, or \
             --allow-insecure-http if you must"
        );
        assert!(refused("not a url").contains("not a URL"));
        assert!(refused("ftp://example.com/x").contains("the scheme `ftp` is not http or https"));
        assert!(check_endpoint("http://payroll.example.com/x", true).is_ok());
    }
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2024, 1, d)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    }

    #[test]
    fn windows_partition_the_range_at_whole_seconds() {
        let w = windows(
            at(1, 0, 0, 0),
            at(15, 23, 59, 59),
            chrono::Duration::days(7),
        );
        assert_eq!(
            w,
            vec![
                (at(1, 0, 0, 0), at(7, 23, 59, 59)),
                (at(8, 0, 0, 0), at(14, 23, 59, 59)),
                (at(15, 0, 0, 0), at(15, 23, 59, 59)),
            ]
        );
        assert_eq!(
            windows(at(2, 0, 0, 0), at(1, 0, 0, 0), chrono::Duration::days(1)),
            vec![]
        );
        assert_eq!(
            windows(at(1, 0, 0, 0), at(1, 0, 0, 0), chrono::Duration::days(1)).len(),
            1
        );
    }

    #[test]
    fn each_client_has_its_own_jitter() {
        let client = |_| {
            let mut options = ClientOptions::new(ApiConfig {
                base_url: "http://127.0.0.1:9/".into(),
                ..ApiConfig::default()
            });
            options.retry_min_delay = Duration::from_secs(1);
            let credentials = Credentials {
                company_id: "1".into(),
                token: DeveloperToken::new("t"),
            };
            Q2Client::new(options, credentials).unwrap()
        };
        let delays = |c: Q2Client| -> Vec<Duration> {
            backon::BackoffBuilder::build(c.backoff()).take(5).collect()
        };
        let (a, b) = (delays(client(0)), delays(client(1)));
        assert_eq!(a.len(), 5);
        assert_ne!(a, b, "two workers' retries do not fall in step");
        // Jitter adds up to the step itself: each delay is in [step, 2 step).
        for (i, d) in a.iter().enumerate() {
            let step = Duration::from_secs(1 << i);
            assert!(*d >= step && *d < 2 * step, "{i}: {d:?}");
        }
    }

    #[test]
    fn an_os_error_is_said_once() {
        let os = std::io::Error::from_raw_os_error(2);
        let wrapped = std::io::Error::other(os);
        let text = error_chain(&wrapped);
        assert_eq!(text.matches("os error 2").count(), 1, "{text}");
    }

    /// A body read up to the limit never holds more memory than the limit.
    #[test]
    fn a_body_grows_to_its_limit_and_no_further() {
        let limit = 10_000u64;
        let mut body = Vec::new();
        let chunk = [7u8; 300];
        let mut appended = 0;
        while append_bounded(&mut body, &chunk, limit) {
            appended += chunk.len();
            assert!(body.capacity() as u64 <= limit, "{}", body.capacity());
        }
        assert_eq!((appended, body.len()), (9_900, 9_900));
        assert!(
            append_bounded(&mut body, &[1u8; 100], limit),
            "exactly the limit fits"
        );
        assert_eq!((body.len(), body.capacity()), (10_000, 10_000));
        assert!(!append_bounded(&mut body, &[1], limit));
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let credentials = Credentials {
            company_id: "12345".into(),
            token: DeveloperToken::new("s3cr3t-token\n"),
        };
        let client = Q2Client::new(ClientOptions::new(ApiConfig::default()), credentials).unwrap();
        let text = format!(
            "{client:?} {:?} {}",
            client.credentials, client.credentials.token
        );
        assert!(!text.contains("s3cr3t"), "{text}");
        assert_eq!(client.credentials.token.0, "s3cr3t-token");
    }

    #[test]
    fn query_bodies_use_the_all_forms_and_dollar_columns() {
        let mut q = TimeCardQuery::between(at(1, 0, 0, 0), at(2, 23, 59, 59));
        q.return_columns = vec!["userName".into(), "inDateTime".into()];
        let p = q.params(q.from, q.to);
        assert_eq!(p["dateTimeFrom"], "2024-01-01 00:00:00");
        assert_eq!(p["dateTimeTo"], "2024-01-02 23:59:59");
        assert_eq!(p["userFullName"], "ALL USERS");
        assert_eq!(p["departmentName"], "ALL DEPARTMENTS");
        assert_eq!(p["returnColumns"], "$userName$inDateTime");
        let u = UserQuery::all().params();
        assert_eq!(u["role"], "ALL ROLES");
        assert_eq!(u["createdDateTimeFrom"], "");
    }
}
