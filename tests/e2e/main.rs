//! End-to-end tests: the `payrun` binary and library against the simulated
//! Q2 API on loopback. One test binary (each links Polars), one module per verb.

mod audit;
mod compute;
mod export;
mod fetch;
mod fetch_windows;
mod fuzz;
mod golden;
mod helpers;
mod review;
mod run;
