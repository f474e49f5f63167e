//! Decoding API pages into typed DataFrames: MB/s and records/s.
//!
//! Pages are the simulator's full time card records (every documented
//! field), 5,000 per page as the API sends them by default.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use payrun_ingest::{RecordType, decode_page};
use payrun_q2sim::Company;
use payrun_q2sim::generate::GeneratorConfig;

const PAGE: usize = 5000;

fn pages() -> Vec<Vec<u8>> {
    let company = Company::generate(&GeneratorConfig {
        seed: 7,
        users: 120,
        from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2024, 3, 31).unwrap(),
        ..GeneratorConfig::default()
    });
    company
        .time_cards
        .chunks(PAGE)
        .map(|chunk| {
            let records: Vec<&str> = chunk.iter().map(|t| &*t.json).collect();
            format!(
                r#"{{"statusCode":"SUCCESS","message":"","nextRecord":"-1","data":[{}]}}"#,
                records.join(",")
            )
            .into_bytes()
        })
        .collect()
}

fn decode_all(pages: &[Vec<u8>]) -> usize {
    pages
        .iter()
        .map(|p| {
            decode_page(black_box(p), RecordType::TimeCard)
                .expect("valid page")
                .frame
                .height()
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let pages = pages();
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let records = decode_all(&pages);
    let mut group = c.benchmark_group("ingest_decode");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("time_card_pages_bytes", |b| b.iter(|| decode_all(&pages)));
    group.throughput(Throughput::Elements(records as u64));
    group.bench_function("time_card_pages_records", |b| b.iter(|| decode_all(&pages)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
