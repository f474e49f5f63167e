//! The aggregation path, stage by stage, at 10k, 100k and 1M time cards.
//!
//! Inputs are generated companies (the simulator's full mix: six zones with
//! DST, overnight shifts, daily, weekly, seventh-day and 8/80 rules,
//! salaried users, PTO, adjustments, job rates, a night differential, a
//! weekly bonus, a few bad records) dumped as Parquet the way `payrun fetch`
//! writes them, 16 days around the biweekly period 2024-05-12..2024-05-25,
//! and computed under the demo company's rules. Each stage is timed on its
//! own, its input prepared once outside the timing, with throughput in time
//! cards per second:
//!
//! * `read`: the Parquet files decoded and conformed to the typed schema
//!   (the columns a payroll reads);
//! * `join`: every time card matched to its user into the typed input;
//! * `allocate_price`: the rules (punches, overtime, ledger, pay);
//! * `report`: the output tables;
//! * `write`: every table as CSV and Parquet plus the manifest;
//! * `end_to_end`: all of them, as `payrun compute` runs them.
//!
//! `PAYRUN_BENCH_SIZES` (e.g. `10000,100000`) picks the sizes; the default
//! is all three. Generating the 1M-card company takes about half a minute.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use payrun::ingest::{PayrollInput, RecordType, read_payroll_records};
use payrun::job::{Computed, Provenance, compute_period, write_outputs};
use payrun::output::Format;
use payrun::q2sim::generate::GeneratorConfig;
use payrun::rules::{PayPeriod, compute};
use payrun::settings::Settings;

/// Time cards per user over the 16 days of the full mix.
const CARDS_PER_USER: f64 = 10.9;

fn period() -> PayPeriod {
    PayPeriod {
        start: NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
        end: NaiveDate::from_ymd_opt(2024, 5, 25).unwrap(),
    }
}

/// The demo company's rules, without the API settings.
fn settings() -> Settings {
    Settings::parse(include_str!("../data/payrun.demo.toml")).unwrap()
}

/// Dumps a company of about `cards` time cards into `dir`.
fn inputs(dir: &Path, cards: usize) -> PathBuf {
    let config = GeneratorConfig {
        seed: 7,
        users: ((cards as f64 / CARDS_PER_USER) as usize).max(1),
        from: NaiveDate::from_ymd_opt(2024, 5, 10).unwrap(),
        to: NaiveDate::from_ymd_opt(2024, 5, 25).unwrap(),
        ..GeneratorConfig::default()
    };
    payrun::dump::dump(dir, &config, false).unwrap();
    dir.to_owned()
}

fn read(dir: &Path) -> (payrun::ingest::FileRecords, payrun::ingest::FileRecords) {
    (
        read_payroll_records(&dir.join("timecards.parquet"), RecordType::TimeCard).unwrap(),
        read_payroll_records(&dir.join("users.parquet"), RecordType::User).unwrap(),
    )
}

fn sizes() -> Vec<usize> {
    std::env::var("PAYRUN_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000])
}

fn bench(c: &mut Criterion) {
    let settings = settings();
    let rules = &settings.rules;
    let period = period();
    let formats = [Format::Csv, Format::Parquet];
    for size in sizes() {
        let data = tempfile::tempdir().unwrap();
        let dir = inputs(data.path(), size);
        let (cards, users) = read(&dir);
        let rows = cards.frame.height();
        let input = PayrollInput::from_frames(&cards.frame, &users.frame, Vec::new()).unwrap();
        let run = compute(&input, rules, &period).unwrap();
        let computed: Computed = compute_period(
            cards.frame.clone(),
            users.frame.clone(),
            Vec::new(),
            rules,
            &period,
        )
        .unwrap();
        // The stages compute something real: people are paid.
        assert!(computed.run.summary.iter().any(|r| !r.pay.gross.is_zero()));
        let out = tempfile::tempdir().unwrap();
        let provenance = Provenance::default();

        let mut group = c.benchmark_group("stages");
        group.sample_size(10);
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(BenchmarkId::new("read", rows), |b| {
            b.iter(|| read(black_box(&dir)).0.frame.height())
        });
        group.bench_function(BenchmarkId::new("join", rows), |b| {
            b.iter(|| {
                PayrollInput::from_frames(black_box(&cards.frame), &users.frame, Vec::new())
                    .unwrap()
                    .time_cards
                    .len()
            })
        });
        group.bench_function(BenchmarkId::new("allocate_price", rows), |b| {
            b.iter(|| {
                compute(black_box(&input), rules, &period)
                    .unwrap()
                    .summary
                    .len()
            })
        });
        group.bench_function(BenchmarkId::new("report", rows), |b| {
            b.iter(|| black_box(&run).report().unwrap().daily_hours.height())
        });
        group.bench_function(BenchmarkId::new("write", rows), |b| {
            b.iter(|| {
                write_outputs(
                    out.path(),
                    black_box(&computed),
                    &formats,
                    &settings,
                    &provenance,
                )
                .unwrap()
                .len()
            })
        });
        group.bench_function(BenchmarkId::new("end_to_end", rows), |b| {
            b.iter(|| {
                let (cards, users) = read(black_box(&dir));
                let computed =
                    compute_period(cards.frame, users.frame, Vec::new(), rules, &period).unwrap();
                write_outputs(out.path(), &computed, &formats, &settings, &provenance)
                    .unwrap()
                    .len()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
