//! `payrun run` as a scheduler runs it.
//!
//! One file because each test runs `payrun run` against the same simulator,
//! a behaviour each.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use payrun::q2sim::generate::DEFAULT_TOKEN;
use payrun::q2sim::{Company, Faults, Simulator};

use crate::helpers::{csv, ok, texts};

const CONFIG: &str = r#"
[company]
id = "12345"
default_time_zone = "America/New_York"

[api]
max_records = 200
max_retries = 1

[pay_period]
frequency = "semimonthly"

[overtime_rules.default]
weekly_ot_after = 40

[overtime_rules.ot1]
daily_ot_after = 8
daily_dt_after = 12
seventh_day = true

[overtime_rules.ot2]
basis = "biweekly"
daily_ot_after = 8
biweekly_ot_after = 80
"#;

fn company() -> Company {
    crate::helpers::company(9, 60, (2024, 1, 1), (2024, 4, 30))
}

/// A simulator with `faults`, and a directory holding `config` as payrun.toml.
async fn setup(faults: Faults, config: &str) -> (Simulator, tempfile::TempDir, std::path::PathBuf) {
    let sim = Simulator::start(company(), faults).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("payrun.toml");
    std::fs::write(&path, config).unwrap();
    (sim, dir, path)
}

/// `payrun <args> --config …` against the simulator at `url`.
fn payrun(args: &[&str], url: &str) -> Command {
    let mut command = crate::helpers::payrun(args, Some(url));
    command.arg("--config");
    command
}

/// `payrun run --period period --out out --config config` against `url`.
fn run_period(period: &str, out: &Path, url: &str, config: &Path) -> Command {
    let mut command = payrun(
        &["run", "--period", period, "--out", out.to_str().unwrap()],
        url,
    );
    command.arg(config);
    command
}

fn csvs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "payroll_summary",
        "daily_hours",
        "department_summary",
        "exceptions",
        "pay_lines",
    ]
    .iter()
    .map(|t| {
        (
            t.to_string(),
            std::fs::read(dir.join(format!("{t}.csv"))).unwrap(),
        )
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_equals_fetch_then_compute_byte_for_byte() {
    let (sim, dir, config) = setup(Faults::none(), CONFIG).await;
    let (ran, fetched, computed) = (
        dir.path().join("run"),
        dir.path().join("fetched"),
        dir.path().join("computed"),
    );
    let period = "2024-03-05"; // the semimonthly period 1-15 March, starting on a Friday
    ok(payrun(
        &["run", "--period", period, "--out", ran.to_str().unwrap()],
        &sim.url(),
    )
    .arg(&config)
    .output()
    .unwrap());
    ok(payrun(
        &[
            "fetch",
            "--period",
            period,
            "--out",
            fetched.to_str().unwrap(),
        ],
        &sim.url(),
    )
    .arg(&config)
    .output()
    .unwrap());
    let stdout = ok(payrun(
        &[
            "compute",
            "--period",
            period,
            "--out",
            computed.to_str().unwrap(),
            "--timecards",
            fetched.join("timecards.parquet").to_str().unwrap(),
            "--users",
            fetched.join("users.parquet").to_str().unwrap(),
        ],
        &sim.url(),
    )
    .arg(&config)
    .output()
    .unwrap());
    assert!(
        stdout.starts_with("Pay period 2024-03-01 to 2024-03-15 (semimonthly)"),
        "{stdout}"
    );
    let (a, b) = (csvs(&ran), csvs(&computed));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x.len() > 100, "{name} has rows");
        assert!(x == y, "{name}.csv differs between run and fetch + compute");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ran.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["period"]["start"], "2024-03-01");
    assert!(manifest["records_in"]["pages_fetched"].as_u64().unwrap() > 1);
    assert_eq!(
        manifest["files_sha256"].as_object().unwrap().len(),
        15,
        "10 tables, the review page and 4 inputs"
    );
    assert!(
        !String::from_utf8_lossy(&std::fs::read(ran.join("manifest.json")).unwrap())
            .contains(DEFAULT_TOKEN)
    );
    sim.stop().await;
}

/// `payrun run` for March's first half into `out`, with the API stopped
/// once it has answered `requests` more requests; its output.
async fn run_until_the_api_goes(
    sim: Simulator,
    config: &Path,
    out: &Path,
    requests: u64,
    env: &[(&str, &str)],
) -> std::process::Output {
    let child = payrun(&["run", "--period", "2024-03-05"], &sim.url())
        .arg(config)
        .arg("--out")
        .arg(out)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let before = sim.requests();
    while sim.requests() < before + requests {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sim.stop().await;
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_that_dies_midway_leaves_the_output_directory_as_it_was() {
    let faults = Faults {
        latency: Duration::from_millis(300),
        ..Faults::none()
    };
    // Small pages: the fetch needs dozens of slow requests, so it is surely midway.
    let (sim, dir, config) = setup(
        faults,
        &CONFIG.replace("max_records = 200", "max_records = 10"),
    )
    .await;
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("payroll_summary.csv"), "last period's summary\n").unwrap();
    std::fs::write(out.join("manifest.json"), "{}\n").unwrap();
    // Let the first pages through, then take the API away.
    let output = run_until_the_api_goes(sim, &config, &out, 6, &[]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: gave up on api/q2Query")
            && last.contains("at nextRecord")
            && last.contains("could not connect to the Q2 API at http://127.0.0.1:"),
        "{stderr}"
    );
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["manifest.json", "payroll_summary.csv"]);
    assert_eq!(
        std::fs::read_to_string(out.join("payroll_summary.csv")).unwrap(),
        "last period's summary\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_exits_3_when_errors_exist_but_still_writes() {
    let (sim, dir, config) = setup(Faults::none(), CONFIG).await;
    let out = dir.path().join("out");
    let output = payrun(
        &[
            "run",
            "--strict",
            "--format",
            "csv",
            "--period",
            "2024-03-05",
            "--out",
            out.to_str().unwrap(),
        ],
        &sim.url(),
    )
    .arg(&config)
    .output()
    .unwrap();
    // The generated company always has users with invalid time zones.
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("payroll_summary.csv").is_file());
    assert!(
        !out.join("payroll_summary.parquet").exists(),
        "--format csv writes CSV only"
    );
    sim.stop().await;
}

/// Every file under `dir` (hidden and temporary ones too), with its bytes.
fn every_file(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(every_file(&path));
        } else {
            files.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// With every log line on (`RUST_LOG=trace`), faults injected, a run that
/// succeeds and one whose last requests fail: the developer token is in no
/// output, log line, error, manifest or file, temporary or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_appears_nowhere_even_at_trace_level_and_under_faults() {
    // A fault in three requests meets every kind (each asserted below);
    // fewer failures than that keep one page from backing off for long
    // (a page's retries wait 250 ms, doubling, up to a minute).
    let faults = Faults {
        error_rate: 0.1,
        rate_limit_rate: 0.1,
        retry_after_secs: 0,
        truncate_rate: 0.15,
        seed: 13,
        ..Faults::none()
    };
    let config = CONFIG.replace("max_retries = 1", "max_retries = 12");
    let (sim, dir, config) = setup(faults, &config).await;
    let out = dir.path().join("out");
    let output = run_period("2024-03-05", &out, &sim.url(), &config)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let (stdout, stderr) = (output.stdout.clone(), output.stderr.clone());
    ok(output);
    for fault in ["HTTP 500; retrying", "HTTP 429); waiting", "unreadable"] {
        assert!(
            contains(&stderr, fault),
            "{fault}: faults were met and logged"
        );
    }
    assert!(contains(&stderr, "TRACE"), "trace logging was on");
    let mut seen = vec![stdout, stderr];
    let files = every_file(dir.path());
    assert!(files.iter().any(|(p, _)| p.ends_with("manifest.json")));
    seen.extend(files.into_iter().map(|(_, bytes)| bytes));

    // A run whose API goes away part-way: its error, logs and leftovers.
    let failing = dir.path().join("failing");
    let output = run_until_the_api_goes(sim, &config, &failing, 4, &[("RUST_LOG", "trace")]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(contains(&output.stderr, "error: gave up on api/q2Query"));
    seen.push(output.stdout);
    seen.push(output.stderr);
    seen.extend(every_file(dir.path()).into_iter().map(|(_, bytes)| bytes));

    for bytes in &seen {
        assert!(
            !contains(bytes, DEFAULT_TOKEN),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// The period `out` holds, after checking that it is one complete set: every
/// file its manifest lists, with that hash, and no other payrun file.
fn one_complete_set(out: &Path) -> String {
    use sha2::{Digest, Sha256};
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let listed = manifest["files_sha256"].as_object().unwrap();
    for (name, hash) in listed {
        let bytes = std::fs::read(out.join(name)).unwrap();
        assert_eq!(
            format!("{:x}", Sha256::digest(&bytes)),
            hash.as_str().unwrap(),
            "{name} is the file its manifest lists"
        );
    }
    for entry in std::fs::read_dir(out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let inputs = name == "inputs" && listed.keys().any(|k| k.starts_with("inputs/"));
        let foreign = ["notes.txt", "accounting"].contains(&name.as_str());
        assert!(
            listed.contains_key(&name) || inputs || name == "manifest.json" || foreign,
            "{name} is not of this set"
        );
    }
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "an accountant's notes\n",
        "another program's file stays"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("accounting/ledger/march.txt")).unwrap(),
        "another program's folder\n",
        "another program's folder stays, whole"
    );
    manifest["period"]["start"].as_str().unwrap().to_owned()
}

/// Nothing of payrun's beside `out` but `out` itself and its lock file.
fn no_leftovers(out: &Path) {
    let parent = out.parent().unwrap();
    let strays: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out.") && n != ".out.lock")
        .collect();
    assert!(strays.is_empty(), "{strays:?}");
}

/// `payrun run` killed (SIGKILL) at every step of the write phase: the
/// folder always holds the whole previous set or the whole new one, each
/// matching its manifest, and the next run cleans up what was left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_at_any_step_of_writing_leaves_one_whole_set() {
    let (sim, dir, config) = setup(Faults::none(), CONFIG).await;
    let out = dir.path().join("out");
    let run = |period: &str, crash_at: Option<&str>, no_exchange: bool| {
        let mut command = run_period(period, &out, &sim.url(), &config);
        if let Some(step) = crash_at {
            command.env("PAYRUN_TEST_CRASH_AT", step);
        }
        if no_exchange {
            command.env("PAYRUN_TEST_NO_EXCHANGE", "1");
        }
        command.output().unwrap()
    };
    let first = run("2024-03-05", None, false);
    assert!(
        first.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    ok(first);
    std::fs::write(out.join("notes.txt"), "an accountant's notes\n").unwrap();
    std::fs::create_dir_all(out.join("accounting/ledger")).unwrap();
    std::fs::write(
        out.join("accounting/ledger/march.txt"),
        "another program's folder\n",
    )
    .unwrap();
    assert_eq!(one_complete_set(&out), "2024-03-01");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let mut steps: Vec<String> = manifest["files_sha256"]
        .as_object()
        .unwrap()
        .keys()
        .chain(std::iter::once(&"manifest.json".to_owned()))
        .map(|f| format!("staged:{f}"))
        .collect();
    steps.extend(["linked", "exchanged", "cleaned"].map(String::from));
    let mut killed = 0;
    for (i, step) in steps.iter().enumerate() {
        // Alternate the period, so "new" and "previous" differ each time.
        let period = if i % 2 == 0 {
            "2024-03-20"
        } else {
            "2024-03-05"
        };
        let before = one_complete_set(&out);
        let output = run(period, Some(step), false);
        use std::os::unix::process::ExitStatusExt;
        if output.status.signal() == Some(9) {
            killed += 1;
        }
        let after = one_complete_set(&out);
        let new = if i % 2 == 0 {
            "2024-03-16"
        } else {
            "2024-03-01"
        };
        assert!(
            after == before || after == new,
            "{step}: {before} then {after}"
        );
        if matches!(step.as_str(), "exchanged" | "cleaned") {
            assert_eq!(after, new, "{step}: the new set is in");
        }
    }
    assert!(
        killed >= steps.len() - 2,
        "{killed} of {} steps were reached",
        steps.len()
    );
    // Without the atomic exchange: killed between the two renames, the
    // folder is missing (never mixed), and the next run puts it back first.
    let output = run("2024-03-20", Some("set-aside"), true);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(output.status.signal(), Some(9));
    assert!(!out.exists());
    ok(run("2024-03-20", None, true));
    assert_eq!(one_complete_set(&out), "2024-03-16");
    no_leftovers(&out);
    // A clean run after all that leaves nothing behind either.
    ok(run("2024-03-05", None, false));
    assert_eq!(one_complete_set(&out), "2024-03-01");
    no_leftovers(&out);
}

/// Two runs into one folder, the second started while the first works (10
/// trials): the second is refused at once, naming the folder and the first
/// run's process, and the folder holds the first run's whole set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_into_the_same_folder_is_refused_and_the_set_stays_whole() {
    let faults = Faults {
        latency: Duration::from_millis(40),
        ..Faults::none()
    };
    let (sim, dir, config) = setup(faults, CONFIG).await;
    let out = dir.path().join("out");
    let start = |period: &str| {
        run_period(period, &out, &sim.url(), &config)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    for trial in 0..10 {
        let (first_period, second_period) = if trial % 2 == 0 {
            ("2024-03-05", "2024-03-20")
        } else {
            ("2024-03-20", "2024-03-05")
        };
        let first = start(first_period);
        std::thread::sleep(Duration::from_millis(80));
        let second = start(second_period).wait_with_output().unwrap();
        let first_pid = first.id();
        let first = first.wait_with_output().unwrap();
        ok(first);
        let stderr = String::from_utf8_lossy(&second.stderr);
        assert_eq!(second.status.code(), Some(1), "trial {trial}: {stderr}");
        assert!(
            stderr.contains("another payrun")
                && stderr.contains(&format!("process {first_pid}"))
                && stderr.contains(out.file_name().unwrap().to_str().unwrap())
                && stderr.trim_end().lines().count() == 1,
            "trial {trial}: {stderr}"
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        for name in manifest["files_sha256"].as_object().unwrap().keys() {
            assert!(out.join(name).is_file(), "trial {trial}: {name} is missing");
        }
        let start = if trial % 2 == 0 {
            "2024-03-01"
        } else {
            "2024-03-16"
        };
        assert_eq!(manifest["period"]["start"], start, "trial {trial}");
        no_leftovers(&out);
    }
}

/// An `--out` that is a file is refused before any work, and the file is
/// left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_that_is_a_file_is_refused_and_left_alone() {
    let (sim, dir, config) = setup(Faults::none(), CONFIG).await;
    let out = dir.path().join("out");
    std::fs::write(&out, "not a folder\n").unwrap();
    let output = run_period("2024-03-05", &out, &sim.url(), &config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is not a folder") && stderr.trim_end().lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(sim.requests(), 0, "refused before anything was fetched");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "not a folder\n");
    no_leftovers(&out);
}

/// The gross pay of each person of a payroll_summary.csv, by userName and
/// employee number, and the totals the review page compares.
fn gross_by_person(
    dir: &Path,
) -> (
    std::collections::HashMap<(String, String), rust_decimal::Decimal>,
    rust_decimal::Decimal,
) {
    let summary = crate::helpers::csv(&dir.join("payroll_summary.csv"));
    let key = crate::helpers::rows(&summary, &["user_name", "employee_number"]);
    let gross = crate::helpers::texts(&summary, "gross_pay");
    let mut by_person = std::collections::HashMap::new();
    let mut total = rust_decimal::Decimal::ZERO;
    for (k, g) in key.into_iter().zip(gross) {
        let g: rust_decimal::Decimal = g.parse().unwrap();
        total += g;
        let (user, number) = k.split_once(' ').unwrap();
        by_person.insert((user.to_owned(), number.to_owned()), g);
    }
    (by_person, total)
}

/// Two periods run into folders side by side: the second's review page
/// compares with the first (found beside it, or named by --previous),
/// with totals and the count of people whose gross moved by more than a
/// quarter, each figure computed here from the two summaries; the company
/// is in the title; a replay writes the same page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_page_compares_with_the_last_period_beside_it() {
    let (sim, dir, config) = setup(Faults::none(), CONFIG).await;
    let runs = dir.path().join("runs");
    let (first, second) = (runs.join("2024-03-01"), runs.join("2024-03-16"));
    ok(
        run_period("2024-03-01..2024-03-15", &first, &sim.url(), &config)
            .output()
            .unwrap(),
    );
    ok(
        run_period("2024-03-16..2024-03-31", &second, &sim.url(), &config)
            .output()
            .unwrap(),
    );
    let page = std::fs::read_to_string(second.join("report.html")).unwrap();
    assert!(
        page.contains("<title>Payroll review company 12345 · 2024-03-16 to 2024-03-31</title>"),
        "{page}"
    );
    let section = &page[page
        .find("<h2 id=\"compared\">Compared with the last period</h2>")
        .expect("a comparison")..];
    assert!(
        section.contains(&format!(
            "Pay period 2024-03-01 to 2024-03-15, from {}.",
            first.display()
        )),
        "{section}"
    );
    let (was, was_total) = gross_by_person(&first);
    let (now, now_total) = gross_by_person(&second);
    let dollars = |d: rust_decimal::Decimal| {
        format!(
            "${}",
            payrun::review::grouped((d * rust_decimal::Decimal::ONE_HUNDRED).trunc().mantissa())
        )
    };
    assert!(
        section.contains(&format!(
            "<tr><th>Gross pay</th><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            dollars(was_total),
            dollars(now_total)
        )),
        "{section}"
    );
    let four = rust_decimal::Decimal::from(4);
    let moved = now
        .iter()
        .filter(|(k, n)| {
            was.get(*k)
                .is_some_and(|w| (**n - *w).abs() * four > w.abs() || (w.is_zero() && !n.is_zero()))
        })
        .count();
    assert!(moved > 0, "the generated company has some large changes");
    assert!(
        section.contains(&format!(
            "<p class=\"sub\">{moved} people in both payrolls had their gross change by more than 25%"
        )),
        "{section}"
    );
    // The manifest keeps what the page compared with: a replay writes the same page.
    let replayed = ok(crate::helpers::payrun(
        &["compute", "--replay", second.to_str().unwrap()],
        None,
    )
    .output()
    .unwrap());
    assert!(replayed.contains("byte-identical"), "{replayed}");
    // Elsewhere, with the last period named.
    let elsewhere = dir.path().join("elsewhere");
    ok(
        run_period("2024-03-16..2024-03-31", &elsewhere, &sim.url(), &config)
            .arg("--previous")
            .arg(&first)
            .output()
            .unwrap(),
    );
    let named = std::fs::read_to_string(elsewhere.join("report.html")).unwrap();
    let start = |p: &str| p.find("<h2 id=\"compared\">").unwrap();
    let end = |p: &str| p.find("<h2>Overtime</h2>").unwrap();
    assert_eq!(
        &named[start(&named)..end(&named)],
        &page[start(&page)..end(&page)]
    );
    // The first period has no period before it.
    let first_page = std::fs::read_to_string(first.join("report.html")).unwrap();
    assert!(!first_page.contains("id=\"compared\""));
}

/// `payrun demo --jurisdictions`: Colorado and California users among the
/// company's, meal premiums paid and warned of, a flat-sum attendance
/// bonus, and the review page's premium total equal to the summary's.
#[test]
fn the_jurisdictions_demo_pays_meal_premiums_and_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    ok(
        crate::helpers::payrun(&["demo", "--jurisdictions", "--out"], None)
            .arg(&out)
            .output()
            .unwrap(),
    );
    let summary = csv(&out.join("payroll_summary.csv"));
    let rules = texts(&summary, "overtime_rule");
    assert!(rules.iter().any(|r| r == "co"), "{rules:?}");
    assert!(rules.iter().any(|r| r == "ca"), "{rules:?}");
    let cents = |text: &str| -> i64 { text.replace('.', "").parse().unwrap() };
    let premium: i64 = texts(&summary, "premium_pay")
        .iter()
        .map(|t| cents(t))
        .sum();
    assert!(premium > 0);
    // Only the California users have premiums.
    for (rule, pay) in rules.iter().zip(texts(&summary, "premium_pay")) {
        assert!(rule == "ca" || cents(&pay) == 0, "{rule}: {pay}");
    }
    // The meal_premium lines add up to the column, one warning a workday.
    let lines = csv(&out.join("pay_lines.csv"));
    let line_total: i64 = texts(&lines, "kind")
        .iter()
        .zip(texts(&lines, "amount"))
        .filter(|(k, _)| *k == "meal_premium")
        .map(|(_, a)| cents(&a))
        .sum();
    assert_eq!(line_total, premium);
    let line_hours: i64 = texts(&lines, "kind")
        .iter()
        .zip(texts(&lines, "hours"))
        .filter(|(k, _)| *k == "meal_premium")
        .map(|(_, h)| cents(&h) / 100)
        .sum();
    let exceptions = csv(&out.join("exceptions.csv"));
    let warned = texts(&exceptions, "kind")
        .iter()
        .filter(|k| *k == "meal_premium")
        .count();
    assert_eq!(line_hours, warned as i64);
    // The attendance bonus is a flat sum, priced over non-overtime hours.
    let config = std::fs::read_to_string(out.join("inputs").join("payrun.toml")).unwrap();
    assert!(
        config.contains("flat_sum_bonuses = [\"Attendance Bonus\"]"),
        "{config}"
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let shown = format!(
        "id=\"premium-pay\">${}<",
        payrun::review::grouped(i128::from(premium))
    );
    assert!(page.contains(&shown), "{shown}");
}
