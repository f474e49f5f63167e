//! `payrun fetch` as a user runs it, against the simulator over HTTP.

use std::path::Path;
use std::process::Output;

use payrun::q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN};
use payrun::q2sim::{Company, Faults, Simulator};
use polars::prelude::*;

use crate::helpers::payrun;

fn company() -> Company {
    crate::helpers::company(1, 50, (2024, 1, 1), (2024, 6, 30))
}

fn fetch(config: &Path, out: &Path, token: &str, period: &str) -> Output {
    payrun(&["fetch", "--config"], None)
        .arg(config)
        .args(["--period", period, "--out"])
        .arg(out)
        .env("OTC_DEVELOPER_TOKEN", token)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap()
}

fn write_config(dir: &Path, url: &str) -> std::path::PathBuf {
    let path = dir.join("payrun.toml");
    std::fs::write(
        &path,
        format!("[company]\nid = \"{DEFAULT_COMPANY_ID}\"\n\n[api]\nbase_url = \"{url}\"\nmax_records = 100\n"),
    )
    .unwrap();
    path
}

fn rows(path: &Path) -> usize {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
        .height()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_writes_every_record_of_the_range_and_never_the_token() {
    let sim = Simulator::start(company(), Faults::none()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.url());
    let out = dir.path().join("out");
    let output = fetch(&config, &out, DEFAULT_TOKEN, "2024-05-01..2024-05-31");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // The period plus its lookback: the workweek (and 14-day window) of 1 May
    // start on Sunday 28 April; two days' margin on each side.
    assert!(
        stdout.contains("inDateTime 2024-04-26 00:00:00 to 2024-06-02 23:59:59"),
        "{stdout}"
    );
    let want = sim
        .company()
        .time_cards_between("2024-04-26 00:00:00", "2024-06-02 23:59:59");
    assert!(want > 500);
    assert_eq!(rows(&out.join("timecards.parquet")), want);
    assert_eq!(rows(&out.join("users.parquet")), 50);
    assert!(
        stdout.contains(&format!("fetched {want} time cards")),
        "{stdout}"
    );
    assert!(stderr.contains("requesting page"), "trace logging was on");
    assert!(!stdout.contains(DEFAULT_TOKEN) && !stderr.contains(DEFAULT_TOKEN));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_writes_nothing_and_says_why() {
    let sim = Simulator::start(company(), Faults::none()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim.url());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("timecards.parquet"), "earlier output").unwrap();
    let output = fetch(&config, &out, "not-the-token", "2024-05-01..2024-05-31");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("Developer token is not correct."),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-token"));
    assert_eq!(
        std::fs::read_to_string(out.join("timecards.parquet")).unwrap(),
        "earlier output"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    sim.stop().await;
}

#[test]
fn usage_errors_exit_2() {
    let output = payrun(&["fetch", "--nonsense"], None).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}
