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

/// The codec of every column chunk of the Parquet file at `path`.
fn codecs(path: &Path) -> Vec<String> {
    let mut reader = ParquetReader::new(std::fs::File::open(path).unwrap());
    let metadata = reader.get_metadata().unwrap();
    metadata
        .row_groups
        .iter()
        .flat_map(|group| group.parquet_columns().iter())
        .map(|column| format!("{:?}", column.compression()))
        .collect()
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
    // Kept records are zstd (`output::RECORDS_CODEC`), every column.
    for file in ["timecards.parquet", "users.parquet"] {
        let codecs = codecs(&out.join(file));
        assert!(
            !codecs.is_empty() && codecs.iter().all(|c| c == "Zstd"),
            "{file}: {codecs:?}"
        );
    }
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

/// A token file others can read draws a warning naming it and `chmod 600`.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_file_readable_by_others_draws_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Simulator::start(company(), Faults::none()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, DEFAULT_TOKEN).unwrap();
    let config = dir.path().join("payrun.toml");
    let write_config = || {
        std::fs::write(
            &config,
            format!(
                "[company]\nid = \"{DEFAULT_COMPANY_ID}\"\ntoken_file = \"{}\"\n[api]\nbase_url = \"{}\"\n",
                token.display(),
                sim.url()
            ),
        )
        .unwrap()
    };
    write_config();
    let fetch = |out: &str| {
        payrun(&["fetch", "--config"], None)
            .arg(&config)
            .args(["--period", "2024-05-12", "--out"])
            .arg(dir.path().join(out))
            .output()
            .unwrap()
    };
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = fetch("shared");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("chmod 600 {}", token.display())),
        "{stderr}"
    );
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let output = fetch("private");
    assert!(output.status.success());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("chmod"));
    sim.stop().await;
}

/// Cleartext http to a host that is not loopback is refused before any
/// connection (nothing is resolved or sent), as are URLs that are not http.
#[test]
fn an_insecure_or_unusable_endpoint_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("payrun.toml");
    std::fs::write(
        &config,
        format!("[company]\nid = \"{DEFAULT_COMPANY_ID}\"\n"),
    )
    .unwrap();
    for (url, says) in [
        ("http://payroll.example.com/Jun-Inside-VPC", "cleartext"),
        ("not a url", "not a URL"),
        ("ftp://payroll.example.com/x", "the scheme `ftp`"),
    ] {
        let started = std::time::Instant::now();
        let output = payrun(&["fetch", "--config"], None)
            .arg(&config)
            .args(["--period", "2024-05-12", "--base-url", url, "--out"])
            .arg(dir.path().join("out"))
            .env("OTC_DEVELOPER_TOKEN", DEFAULT_TOKEN)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{url}: {stderr}");
        assert!(stderr.contains(says), "{url}: {stderr}");
        assert!(!stderr.contains(DEFAULT_TOKEN));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{url}: not retried"
        );
    }
    assert!(!dir.path().join("out").exists());
}

/// The simulator serves loopback only, unless `--public`.
#[test]
fn the_simulator_refuses_a_public_address() {
    let output = payrun(&["sim", "--addr", "0.0.0.0:0"], None)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not loopback"));
}
