//! What the end-to-end tests share: running the CLI, reading its files,
//! and generated companies.

use std::path::Path;
use std::process::{Command, Output};

use chrono::NaiveDate;
use payrun::q2sim::Company;
use payrun::q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN, GeneratorConfig};
use polars::prelude::*;

/// The `payrun` binary with `args`. With `api`, it talks to that simulated
/// endpoint with the simulator's credentials; without, every `OTC_*`
/// variable of the environment is removed.
pub fn payrun(args: &[&str], api: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_payrun"));
    command.args(args);
    match api {
        Some(url) => command
            .env("OTC_BASE_URL", url)
            .env("OTC_COMPANY_ID", DEFAULT_COMPANY_ID)
            .env("OTC_DEVELOPER_TOKEN", DEFAULT_TOKEN),
        None => command
            .env_remove("OTC_BASE_URL")
            .env_remove("OTC_COMPANY_ID")
            .env_remove("OTC_DEVELOPER_TOKEN"),
    };
    command
}

/// Standard output of a run that must have succeeded.
pub fn ok(output: Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `payrun compute --replay run`, under `--memory-limit limit` when given.
pub fn replay(run: &Path, limit: Option<&str>) -> Output {
    let mut command = payrun(&["compute"], None);
    if let Some(limit) = limit {
        command.args(["--memory-limit", limit]);
    }
    command.arg("--replay").arg(run).output().unwrap()
}

/// `payrun diff --out changes before after`, which must find a change
/// (exit 4); its standard output.
pub fn diff_into(changes: &Path, before: &Path, after: &Path) -> String {
    let output = payrun(&["diff", "--out"], None)
        .arg(changes)
        .arg(before)
        .arg(after)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(4), "{stdout}");
    stdout
}

/// A CSV file, every column as text.
pub fn csv(path: &Path) -> DataFrame {
    CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_owned()))
        .unwrap()
        .finish()
        .unwrap()
}

/// A text column of a frame read by [`csv`], empty cells as "".
pub fn texts(frame: &DataFrame, name: &str) -> Vec<String> {
    frame
        .column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_owned())
        .collect()
}

/// Rows of a frame read by [`csv`] as the text of `columns` joined by spaces.
pub fn rows(frame: &DataFrame, columns: &[&str]) -> Vec<String> {
    let columns: Vec<Vec<String>> = columns.iter().map(|c| texts(frame, c)).collect();
    (0..frame.height())
        .map(|i| {
            columns
                .iter()
                .map(|c| c[i].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// A generated company of `users` with time cards from `from` to `to`.
pub fn company(seed: u64, users: usize, from: (i32, u32, u32), to: (i32, u32, u32)) -> Company {
    let date = |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    Company::generate(&GeneratorConfig {
        seed,
        users,
        from: date(from),
        to: date(to),
        ..GeneratorConfig::default()
    })
}

/// `payrun run --config config` of the golden period (data/golden/spec_examples)
/// against `company` served on loopback, into `out`, with `extra` arguments.
pub async fn run_golden(company: Company, config: &Path, out: &Path, extra: &[&str]) -> String {
    let (id, token) = (company.id.clone(), company.token.clone());
    let sim = payrun::q2sim::Simulator::start(company, payrun::q2sim::Faults::none())
        .await
        .unwrap();
    let output = payrun(
        &["run", "--period", "2024-05-12..2024-05-18", "--config"],
        None,
    )
    .arg(config)
    .arg("--out")
    .arg(out)
    .args(extra)
    .args(["--base-url", &sim.url()])
    .env("OTC_COMPANY_ID", &id)
    .env("OTC_DEVELOPER_TOKEN", &token)
    .output()
    .unwrap();
    sim.stop().await;
    ok(output)
}
