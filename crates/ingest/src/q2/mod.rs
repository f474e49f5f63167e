//! The Q2 API, the one [`Source`](crate::Source) payrun has: the HTTP
//! client (credentials, errors, queries; paging, windows and retries in
//! `client.rs`; a read's pages, in memory or spilled, in `pages.rs`), decoding its pages into typed columns, and reading its
//! loosely typed values.

pub mod client;
mod credentials;
pub mod decode;
mod error;
pub mod loose;
mod pages;
mod query;
