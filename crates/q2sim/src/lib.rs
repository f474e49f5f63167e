//! # payrun-q2sim: a local OpenTimeClock Q2 API
//!
//! payrun talks to one remote endpoint, the Q2 API. This crate is a faithful,
//! self-contained implementation of that endpoint's contract so that payrun can
//! be tested, demonstrated and benchmarked without network access or
//! credentials.
//!
//! The model is simple:
//!
//! * A [`Company`] holds the data the API serves: its id, its developer token,
//!   its users and its time cards. Each record is kept as the exact JSON text
//!   the API would send (loosely typed, as the API document shows: numbers as
//!   strings, `""` for absent, `"0000-00-00 00:00:00"` for an open punch),
//!   plus the few fields the query filters look at.
//! * A company comes either from the deterministic [`generate`] module
//!   (`--seed`, `--users`, a date span) or from a directory of JSON files
//!   ([`Company::load_dir`]) for golden tests.
//! * [`Simulator::start`] serves a company over HTTP on loopback, at the real
//!   endpoint's path `/Jun-Inside-VPC`, accepting POST with a JSON body and GET
//!   with a query string. [`Faults`] injects HTTP 500s, 429s with
//!   `Retry-After`, latency and truncated bodies.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use payrun_q2sim::{Company, Faults, Simulator, generate::GeneratorConfig};
//! use chrono::NaiveDate;
//!
//! let company = Company::generate(&GeneratorConfig {
//!     seed: 1,
//!     users: 50,
//!     from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
//!     to: NaiveDate::from_ymd_opt(2024, 3, 31).unwrap(),
//!     ..GeneratorConfig::default()
//! });
//! let sim = Simulator::start(company, Faults::none()).await?;
//! println!("serving the Q2 API at {}", sim.url());
//! sim.stop().await;
//! # Ok(()) }
//! ```
//!
//! ## Query semantics
//!
//! The behaviour payrun relies on is written down in `docs/design.md` §2. Where the
//! API document is silent, the simulator chooses as follows (and payrun must
//! not depend on these choices beyond what §2 says):
//!
//! * Records are served in a fixed order (time cards by `inDateTime`, then
//!   user name; users by user name). `nextRecord` is the offset of the next
//!   record in the filtered result, as a decimal string; `"-1"` ends the list.
//! * `dateTimeFrom` / `dateTimeTo` bound `inDateTime`, both inclusive; either
//!   may be empty for an open bound.
//! * `departmentName` on time cards filters by the department of the time
//!   card's user; a time card whose user is unknown never matches a named
//!   department.
//! * A named user, department or role that does not exist in the company is
//!   an ERROR with the API's messages ("User Full Name not found.",
//!   "Department Name not found.", "Role not found.").

pub mod company;
pub mod faults;
pub mod generate;
mod query;
mod server;

pub use company::{Company, LoadError, TimeCardRecord, UserRecord};
pub use faults::Faults;
pub use server::Simulator;

/// The path of the real endpoint, kept so that a base URL written for the
/// real API works unchanged against the simulator.
pub const ENDPOINT_PATH: &str = "/Jun-Inside-VPC";
