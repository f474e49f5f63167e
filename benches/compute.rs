//! The compute path: typed Parquet in, payroll summaries out.
//!
//! Time cards come from the simulator's generator (every documented field,
//! day and night shifts, PTO, adjustments, open punches), are written to
//! Parquet once, and each iteration reads them back, joins, allocates,
//! prices and builds the output tables, as `payrun compute` does.
//! `PAYRUN_BENCH_CARDS` sets the size (default 100,000 time cards).

use std::hint::black_box;
use std::path::Path;

use chrono::{Duration, NaiveDate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use payrun::ingest::{RecordType, decode_records, read_records};
use payrun::job::compute_period;
use payrun::q2sim::Company;
use payrun::q2sim::generate::GeneratorConfig;
use payrun::rules::{PayPeriod, RulesConfig};
use polars::prelude::*;

/// The demo company's rules (federal, California, 8/80), paid monthly.
fn config() -> RulesConfig {
    let text = include_str!("../data/payrun.demo.toml")
        .replace("frequency = \"biweekly\"", "frequency = \"monthly\"");
    RulesConfig::parse(&text).unwrap()
}

/// Writes `cards` time cards (about a month per user) and their users as Parquet.
fn write_inputs(dir: &Path, cards: usize) -> PayPeriod {
    let from = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
    // About 24 time cards per user-month.
    let company = Company::generate(&GeneratorConfig {
        seed: 3,
        users: (cards / 24).max(1),
        from: from - Duration::days(7),
        to,
        ..GeneratorConfig::default()
    });
    let records = |items: Vec<&str>| format!("[{}]", items.join(","));
    let mut time_cards = decode_records(
        records(company.time_cards.iter().map(|t| &*t.json).collect()).as_bytes(),
        RecordType::TimeCard,
    )
    .unwrap()
    .frame;
    let mut users = decode_records(
        records(company.users.iter().map(|u| &*u.json).collect()).as_bytes(),
        RecordType::User,
    )
    .unwrap()
    .frame;
    ParquetWriter::new(std::fs::File::create(dir.join("timecards.parquet")).unwrap())
        .finish(&mut time_cards)
        .unwrap();
    ParquetWriter::new(std::fs::File::create(dir.join("users.parquet")).unwrap())
        .finish(&mut users)
        .unwrap();
    PayPeriod {
        start: from,
        end: to,
    }
}

fn compute_once(dir: &Path, config: &RulesConfig, period: &PayPeriod) -> usize {
    let cards = read_records(&dir.join("timecards.parquet"), RecordType::TimeCard).unwrap();
    let users = read_records(&dir.join("users.parquet"), RecordType::User).unwrap();
    let computed = compute_period(cards.frame, users.frame, Vec::new(), config, period).unwrap();
    computed.report.payroll_summary.height()
}

fn bench(c: &mut Criterion) {
    let cards: usize = std::env::var("PAYRUN_BENCH_CARDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let period = write_inputs(dir.path(), cards);
    let config = config();
    let rows = read_records(&dir.path().join("timecards.parquet"), RecordType::TimeCard)
        .unwrap()
        .frame
        .height();
    assert!(compute_once(dir.path(), &config, &period) > 0);
    let mut group = c.benchmark_group("compute");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function(format!("parquet_to_summaries_{rows}_cards"), |b| {
        b.iter(|| compute_once(black_box(dir.path()), &config, &period))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
