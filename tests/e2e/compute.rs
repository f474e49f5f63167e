//! `payrun fetch` then `payrun compute`, as a user runs them, against the simulator.
//!
//! One file because each test runs the same command on files it writes, a
//! behaviour each.

use payrun::q2sim::{Faults, Simulator};
use polars::prelude::*;

use crate::helpers::csv;

/// The demo company's configuration: federal, California and 8/80 rules.
const CONFIG: &str = include_str!("../../data/payrun.demo.toml");

fn payrun(args: &[&str], url: &str) -> std::process::Output {
    crate::helpers::payrun(args, Some(url)).output().unwrap()
}

/// A decimal text column in hundredths.
fn hundredths(frame: &DataFrame, name: &str) -> Vec<i64> {
    frame
        .column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().replace('.', "").parse::<i64>().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compute_on_fetched_parquet_writes_every_file_and_the_days_add_up() {
    let company = crate::helpers::company(1, 50, (2024, 1, 1), (2024, 6, 30));
    let sim = Simulator::start(company, Faults::none()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("payrun.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let fetched = dir.path().join("fetched");
    let out = dir.path().join("out");
    let c = config.to_str().unwrap();
    let f = payrun(
        &[
            "fetch",
            "--config",
            c,
            "--period",
            "2024-05-12",
            "--out",
            fetched.to_str().unwrap(),
        ],
        &sim.url(),
    );
    assert!(f.status.success(), "{}", String::from_utf8_lossy(&f.stderr));
    // A value fetch could not read is reported by compute too.
    let sidecar = fetched.join("fetch_exceptions.csv");
    let mut text = std::fs::read_to_string(&sidecar).unwrap();
    assert_eq!(text.lines().count(), 1, "the simulator's values all read");
    text.push_str("warning,invalid_value,aadams0,Ava Adams,2024-05-13 08:00:00,,time card field `inLatitude` has invalid value \"north\": not a number\n");
    std::fs::write(&sidecar, text).unwrap();
    let cards = fetched.join("timecards.parquet");
    let users = fetched.join("users.parquet");
    let run = payrun(
        &[
            "compute",
            "--config",
            c,
            "--timecards",
            cards.to_str().unwrap(),
            "--users",
            users.to_str().unwrap(),
            "--period",
            "2024-05-12",
            "--out",
            out.to_str().unwrap(),
        ],
        &sim.url(),
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.starts_with("Pay period 2024-05-12 to 2024-05-25 (biweekly)"),
        "{stdout}"
    );
    for table in [
        "payroll_summary",
        "daily_hours",
        "department_summary",
        "exceptions",
    ] {
        for ext in ["csv", "parquet"] {
            assert!(
                out.join(format!("{table}.{ext}")).is_file(),
                "{table}.{ext}"
            );
        }
    }
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(
        exceptions.contains("warning,invalid_value,aadams0,Ava Adams,2024-05-13 08:00:00,,"),
        "{exceptions}"
    );
    let summary = csv(&out.join("payroll_summary.csv"));
    let daily = csv(&out.join("daily_hours.csv"));
    // 47 of the 50 users are active, hired by the period's end, or worked in it.
    assert_eq!(summary.height(), 47);
    for tier in [
        "worked_hours",
        "regular_hours",
        "overtime_hours",
        "double_time_hours",
        "pto_hours",
    ] {
        let users = summary.column("user_name").unwrap().str().unwrap().clone();
        let totals = hundredths(&summary, tier);
        let day_users = daily.column("user_name").unwrap().str().unwrap().clone();
        let days = hundredths(&daily, tier);
        for (i, user) in users.iter().enumerate() {
            let sum: i64 = day_users
                .iter()
                .zip(&days)
                .filter(|(u, _)| *u == user)
                .map(|(_, h)| h)
                .sum();
            assert_eq!(sum, totals[i], "{tier} of {user:?}");
        }
    }
    let worked = hundredths(&summary, "worked_hours");
    let parts: Vec<i64> = (0..summary.height())
        .map(|i| {
            ["regular_hours", "overtime_hours", "double_time_hours"]
                .iter()
                .map(|t| hundredths(&summary, t)[i])
                .sum()
        })
        .collect();
    assert_eq!(worked, parts);
    // The Parquet summary is typed: money is Decimal(18, 2).
    let typed =
        ParquetReader::new(std::fs::File::open(out.join("payroll_summary.parquet")).unwrap())
            .finish()
            .unwrap();
    assert_eq!(
        typed.column("gross_pay").unwrap().dtype(),
        &DataType::Decimal(18, 2)
    );
    assert_eq!(
        typed.column("period_start").unwrap().dtype(),
        &DataType::Date
    );
    sim.stop().await;
}

/// `payrun compute` over users given as JSON text and time cards as the
/// text of `<dir>/<cards_file>`, for the week of 2024-05-12 (a weekly
/// calendar), writing into `<dir>/out`; `more` are extra arguments.
fn compute_files(
    dir: &std::path::Path,
    users: &str,
    cards: &str,
    cards_file: &str,
    more: &[&str],
) -> std::process::Output {
    compute_period_of_files(
        dir,
        users,
        cards,
        cards_file,
        "2024-05-12..2024-05-18",
        more,
    )
}

/// [`compute_files`] for `period`.
fn compute_period_of_files(
    dir: &std::path::Path,
    users: &str,
    cards: &str,
    cards_file: &str,
    period: &str,
    more: &[&str],
) -> std::process::Output {
    Compute {
        config: "[pay_period]\nfrequency = \"weekly\"\nanchor = \"2024-05-12\"\n[overtime_rules.default]\n",
        users,
        cards,
        cards_file,
        period,
        out: "out",
    }
    .run(dir, more)
}

/// One `payrun compute` over texts written into a directory.
struct Compute<'a> {
    /// `payrun.toml`.
    config: &'a str,
    /// `users.json`.
    users: &'a str,
    /// The time cards, written as `cards_file`.
    cards: &'a str,
    cards_file: &'a str,
    period: &'a str,
    /// The output folder's name in the directory.
    out: &'a str,
}

impl Compute<'_> {
    fn run(&self, dir: &std::path::Path, more: &[&str]) -> std::process::Output {
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_owned()
        };
        let users = write("users.json", self.users);
        let cards = write(self.cards_file, self.cards);
        let config = write("payrun.toml", self.config);
        let out = dir.join(self.out);
        let mut args = vec![
            "compute",
            "--config",
            &config,
            "--timecards",
            &cards,
            "--users",
            &users,
            "--period",
            self.period,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(more);
        crate::helpers::payrun(&args, None).output().unwrap()
    }
}

/// `--strict` fails on an error or a held row; `--strict=warnings` on a
/// warning too. Files are written every time.
#[test]
fn strict_means_clean() {
    let user = |rate: &str| {
        format!(
            r#"[{{"userName": "ann", "role": "Employee", "rateType": "Hourly Rate", "payRate": "{rate}", "timeZone": "UTC"}}]"#
        )
    };
    let card = r#"{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-13 09:00:00", "outDateTime": "2024-05-13 17:00:00"}"#;
    let one = format!("[{card}]");
    let twice = format!("[{card}, {card}]"); // a duplicate_record warning
    let cases = [
        ("10.00", &one, "--strict", 0),
        ("10.00", &twice, "--strict", 0),
        ("10.00", &twice, "--strict=warnings", 3),
        ("-5", &one, "--strict", 3),
        ("-5", &one, "--format=csv", 0),
    ];
    for (rate, cards, flag, code) in cases {
        let dir = tempfile::tempdir().unwrap();
        let output = compute_files(dir.path(), &user(rate), cards, "timecards.json", &[flag]);
        assert_eq!(
            output.status.code(),
            Some(code),
            "payRate {rate}, {flag}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary = csv(&dir.path().join("out/payroll_summary.csv"));
        let status = summary
            .column("status")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_owned();
        let expected = match (rate, cards == &twice) {
            ("-5", _) => "held",
            (_, true) => "warning",
            _ => "ok",
        };
        assert_eq!(status, expected, "payRate {rate}, {flag}");
    }
}

/// Text a spreadsheet would run as a formula is neutralized in CSV files
/// and kept exactly in Parquet.
#[test]
fn csv_cells_never_start_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::ok(compute_files(
        dir.path(),
        r#"[{"userName": "ann", "userFullName": "=HYPERLINK(\"http://evil.example\",\"Ann\")",
             "employeeNumber": "-5", "role": "Employee", "rateType": "Hourly Rate",
             "payRate": "10.00", "timeZone": "UTC", "departmentName": "@Ops"}]"#,
        r#"[{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-13 09:00:00",
             "outDateTime": "2024-05-13 17:00:00"}]"#,
        "timecards.json",
        &[],
    ));
    let out = dir.path().join("out");
    let summary = csv(&out.join("payroll_summary.csv"));
    let cell = |frame: &DataFrame, name: &str| {
        frame
            .column(name)
            .unwrap()
            .cast(&DataType::String)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        cell(&summary, "user_full_name"),
        "'=HYPERLINK(\"http://evil.example\",\"Ann\")"
    );
    assert_eq!(cell(&summary, "employee_number"), "'-5");
    assert_eq!(cell(&summary, "department_name"), "'@Ops");
    assert_eq!(cell(&summary, "gross_pay"), "80.00");
    let parquet =
        ParquetReader::new(std::fs::File::open(out.join("payroll_summary.parquet")).unwrap())
            .finish()
            .unwrap();
    assert_eq!(
        cell(&parquet, "user_full_name"),
        "=HYPERLINK(\"http://evil.example\",\"Ann\")"
    );
    assert_eq!(cell(&parquet, "employee_number"), "-5");
}

/// Input that is not time cards is refused, naming the file and what is
/// missing; input with no time card at all is an `empty_input` error.
#[test]
fn input_that_is_not_time_cards_is_refused_and_empty_input_is_an_error() {
    let users = r#"[{"userName": "ann", "role": "Employee", "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC"}]"#;
    let dir = tempfile::tempdir().unwrap();
    let output = compute_files(dir.path(), users, "a,b,c\n1,2,3\n", "cards.csv", &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cards.csv")
            && stderr.contains(
                "no value in inDateTime, outDateTime, entryType, any of userName, employeeNumber, userFullName"
            ),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists(), "nothing written");

    for (cards, file) in [
        ("[]", "timecards.json"),
        ("{\"foo\": 1}", "timecards.json"),
        ("", "cards.jsonl"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let output = compute_files(dir.path(), users, cards, file, &["--strict"]);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{cards:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let exceptions = std::fs::read_to_string(dir.path().join("out/exceptions.csv")).unwrap();
        assert!(
            exceptions.contains("error,empty_input,"),
            "{cards:?}: {exceptions}"
        );
    }
}

/// A `--period` range that is not one period of the calendar is refused,
/// listing the periods around it, unless `--any-range`.
#[test]
fn a_range_off_the_calendar_needs_any_range() {
    let users = r#"[{"userName": "ann", "role": "Employee", "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC"}]"#;
    let cards = r#"[{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-13 09:00:00", "outDateTime": "2024-05-13 17:00:00"}]"#;
    let dir = tempfile::tempdir().unwrap();
    let range = "2024-05-13..2024-05-19";
    let output = compute_period_of_files(dir.path(), users, cards, "timecards.json", range, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2024-05-13..2024-05-19 is not one pay period of the calendar")
            && stderr.contains("\n  2024-05-12..2024-05-18\n  2024-05-19..2024-05-25"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());
    let output = compute_period_of_files(
        dir.path(),
        users,
        cards,
        "timecards.json",
        range,
        &["--any-range"],
    );
    crate::helpers::ok(output);
    let exceptions = std::fs::read_to_string(dir.path().join("out/exceptions.csv")).unwrap();
    assert!(exceptions.contains("info,partial_period,"), "{exceptions}");
}

/// `payrun sim --dump` writes a generated company as Parquet, typed or
/// every column text as the API sends it; both give the same payroll.
/// `payrun sim --dump DATA <more>`; what it printed.
fn dump(data: &std::path::Path, more: &[&str]) -> String {
    let mut command = crate::helpers::payrun(&["sim", "--dump"], None);
    command.arg(data).args(more);
    crate::helpers::ok(command.output().unwrap())
}

/// A span of days reaching before any date is an error that says so, not
/// a panic, and nothing is written.
#[test]
fn a_dump_of_too_many_days_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let output = crate::helpers::payrun(&["sim", "--dump"], None)
        .arg(&data)
        .args(["--users", "5", "--to", "2024-05-25", "--days", "4294967295"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("4294967294 days before 2024-05-25 is before any date payrun can hold"),
        "{stderr}"
    );
    assert!(!data.exists());
}

/// `payrun compute` of the files `payrun sim --dump` wrote into `data`.
fn compute_dumped(
    config: &std::path::Path,
    data: &std::path::Path,
    period: &str,
    out: &std::path::Path,
    more: &[&str],
) -> std::process::Output {
    crate::helpers::payrun(&["compute", "--period", period], None)
        .arg("--config")
        .arg(config)
        .arg("--timecards")
        .arg(data.join("timecards.parquet"))
        .arg("--users")
        .arg(data.join("users.parquet"))
        .arg("--out")
        .arg(out)
        .args(more)
        .output()
        .unwrap()
}

#[test]
fn dumped_companies_typed_or_raw_give_the_same_payroll() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("payrun.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut summaries = Vec::new();
    for raw in [false, true] {
        let data = dir.path().join(if raw { "raw" } else { "typed" });
        let mut args = vec![
            "--users",
            "30",
            "--days",
            "60",
            "--to",
            "2024-05-31",
            "--seed",
            "4",
        ];
        if raw {
            args.push("--raw");
        }
        let said = dump(&data, &args);
        assert!(
            said.starts_with("wrote ") && said.contains(" time cards and 30 users"),
            "{said}"
        );
        let out = dir.path().join(format!("out-{raw}"));
        crate::helpers::ok(compute_dumped(&config, &data, "2024-05-12", &out, &[]));
        summaries.push(std::fs::read_to_string(out.join("payroll_summary.csv")).unwrap());
    }
    assert!(summaries[0].lines().count() > 20);
    assert_eq!(summaries[0], summaries[1]);
}

/// After a run the folder holds exactly its files: a format not written
/// this time and an interrupted run's temporary files are gone; other
/// people's files stay.
#[test]
fn the_output_folder_holds_exactly_one_run() {
    let users = r#"[{"userName": "ann", "role": "Employee", "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "UTC"}]"#;
    let cards = r#"[{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-13 09:00:00", "outDateTime": "2024-05-13 17:00:00"}]"#;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    crate::helpers::ok(compute_files(
        dir.path(),
        users,
        cards,
        "timecards.json",
        &[],
    ));
    assert!(out.join("payroll_summary.parquet").is_file());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(
        out.join(".payroll_summary.csv.partial-99999"),
        "half a payroll",
    )
    .unwrap();
    crate::helpers::ok(compute_files(
        dir.path(),
        users,
        cards,
        "timecards.json",
        &["--format", "csv"],
    ));
    let mut present: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    present.sort();
    let mut expected: Vec<String> = [
        "daily_hours.csv",
        "department_summary.csv",
        "exceptions.csv",
        "inputs",
        "manifest.json",
        "notes.txt",
        "pay_lines.csv",
        "payroll_summary.csv",
        "report.html",
    ]
    .map(String::from)
    .to_vec();
    expected.sort();
    assert_eq!(present, expected);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = manifest["files_sha256"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    listed.sort();
    let mut csvs: Vec<String> = expected
        .into_iter()
        .filter(|f| f.ends_with(".csv") || f == "report.html")
        .chain(
            [
                "exceptions.parquet",
                "payrun.toml",
                "timecards.parquet",
                "users.parquet",
            ]
            .map(|f| format!("inputs/{f}")),
        )
        .collect();
    csvs.sort();
    assert_eq!(listed, csvs);
}

/// design §5c through the command line: a fluctuating workweek straddling
/// 05-15, computed from the cards a run would have fetched on 05-16,
/// 05-17 or 05-20, pays the same $1,300.00 for 05-01..05-15, with the
/// premium deferred; 05-16..05-31 pays it once ($1,457.14).
#[test]
fn a_straddling_week_pays_the_same_whatever_the_run_date() {
    let dir = tempfile::tempdir().unwrap();
    // 12 h a day Sunday 05-12 to Saturday 05-18, and a short day in the
    // week before the first period's first workweek.
    let mut days: Vec<String> = vec!["2024-04-29".into()];
    days.extend((12..=18).map(|d| format!("2024-05-{d}")));
    let gross = |as_of: &str, period: &str| {
        let cards: Vec<String> = days
            .iter()
            .filter(|d| d.as_str() < as_of)
            .map(|d| {
                format!(
                    r#"{{"userName": "fww", "entryType": 0, "inDateTime": "{d} 07:00:00", "outDateTime": "{d} 19:00:00"}}"#
                )
            })
            .collect();
        let out = format!("out-{as_of}-{period}");
        let said = crate::helpers::ok(
            Compute {
                config: "[pay_period]\nfrequency = \"semimonthly\"\n[overtime_rules.default]\n\
                         [salary]\nperiod = \"weekly\"\nmode = \"fluctuating_workweek\"\n",
                users: r#"[{"userName": "fww", "role": "Employee", "rateType": "Salary Rate", "payRate": "600.00", "timeZone": "UTC"}]"#,
                cards: &format!("[{}]", cards.join(",")),
                cards_file: "timecards.json",
                period,
                out: &out,
            }
            .run(dir.path(), &[]),
        );
        let summary = csv(&dir.path().join(&out).join("payroll_summary.csv"));
        let cell = |name: &str| {
            summary
                .column(name)
                .unwrap()
                .str()
                .unwrap()
                .get(0)
                .unwrap()
                .to_owned()
        };
        (
            cell("overtime_pay"),
            cell("gross_pay"),
            said.contains("deferred_premium"),
        )
    };
    for as_of in ["2024-05-16", "2024-05-17", "2024-05-20"] {
        assert_eq!(
            gross(as_of, "2024-05-01..2024-05-15"),
            ("0.00".to_owned(), "1300.00".to_owned(), true),
            "as of {as_of}"
        );
    }
    assert_eq!(
        gross("2024-05-20", "2024-05-16..2024-05-31"),
        ("157.14".to_owned(), "1457.14".to_owned(), false)
    );
}

/// An error is one line, each cause said once (not `No such file or
/// directory (os error 2): No such file or directory (os error 2)`).
#[test]
fn a_missing_file_is_one_line_naming_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.toml");
    let output = crate::helpers::payrun(
        &[
            "compute",
            "--config",
            missing.to_str().unwrap(),
            "--period",
            "2024-05-12",
            "--timecards",
            "cards.parquet",
            "--users",
            "users.parquet",
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ],
        None,
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: cannot read the config file {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
}

/// A computed run keeps its inputs; `--replay` recomputes it from them and
/// checks every output byte for byte: an edited output is named, and a run
/// without inputs says there is nothing to replay.
#[test]
fn a_run_replays_byte_for_byte_and_an_edited_output_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    dump(
        &data,
        &[
            "--users",
            "40",
            "--days",
            "20",
            "--to",
            "2024-05-25",
            "--seed",
            "3",
        ],
    );
    let config = dir.path().join("payrun.toml");
    std::fs::write(&config, include_str!("../../data/payrun.demo.toml")).unwrap();
    let compute = |out: &str, more: &[&str]| {
        let out = dir.path().join(out);
        crate::helpers::ok(compute_dumped(&config, &data, "2024-05-12", &out, more));
        out
    };
    let replay = |out: &std::path::Path| crate::helpers::replay(out, None);
    let out = compute("out", &[]);
    let inputs = out.join("inputs");
    assert!(inputs.join("payrun.toml").is_file());
    // Time cards and users read from one Parquet file each are kept as
    // those files, byte for byte.
    for file in ["timecards.parquet", "users.parquet"] {
        assert!(
            std::fs::read(inputs.join(file)).unwrap() == std::fs::read(data.join(file)).unwrap(),
            "inputs/{file} is not a copy of the file read"
        );
    }
    let kept = std::fs::read_to_string(inputs.join("payrun.toml")).unwrap();
    assert!(!kept.contains("token") && !kept.contains("12345"), "{kept}");
    let stdout = crate::helpers::ok(replay(&out));
    assert!(
        stdout.contains("all 11 output files are byte-identical"),
        "{stdout}"
    );

    let mut summary = std::fs::read(out.join("pay_lines.csv")).unwrap();
    summary.extend_from_slice(b"x,1,2024-05-12,regular,,,1.00,1.0000,1.00,\n");
    std::fs::write(out.join("pay_lines.csv"), summary).unwrap();
    let output = replay(&out);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: replaying {} gives different contents for: pay_lines.csv (changed since the run)",
            out.display()
        )
    );

    // A run another version made says which, since its outputs may differ
    // by design (docs/changes.md).
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let older = manifest.replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"0.1.0\"",
    );
    assert_ne!(manifest, older);
    std::fs::write(out.join("manifest.json"), older).unwrap();
    let output = replay(&out);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&format!(
            "pay_lines.csv (changed since the run) (the run was made by payrun 0.1.0; this is \
             payrun {}, whose outputs may differ by design: docs/changes.md says how)",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // An input changed since the run is named, whole or read in parts.
    std::fs::write(out.join("manifest.json"), &manifest).unwrap();
    let users = std::fs::read(inputs.join("users.parquet")).unwrap();
    std::fs::write(inputs.join("users.parquet"), &users[..users.len() - 1]).unwrap();
    for limit in ["1", "4G"] {
        let output = crate::helpers::replay(&out, Some(limit));
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr).trim_end(),
            format!(
                "error: {}: has changed since the run wrote it (its SHA-256 differs from the \
                 manifest's)",
                inputs.join("users.parquet").display()
            )
        );
    }

    let bare = compute("bare", &["--no-inputs"]);
    assert!(!bare.join("inputs").exists());
    let output = replay(&bare);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("holds no inputs/"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `--period current` (a period not yet ended) is refused, naming the
/// period; with `--partial` it is computed and marked not for payment in
/// its exceptions, its review page's title and its exports' file names.
#[test]
fn a_period_not_yet_ended_is_refused_unless_partial() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("payrun.toml");
    std::fs::write(
        &config,
        "[company]\ndefault_time_zone = \"UTC\"\n[overtime_rules.default]\nweekly_ot_after = 40\n",
    )
    .unwrap();
    let users = dir.path().join("users.json");
    std::fs::write(
        &users,
        r#"[{"userName": "ann", "employeeNumber": "7", "rateType": "Hourly Rate", "payRate": "20.00", "timeZone": "UTC"}]"#,
    )
    .unwrap();
    let today = chrono::Utc::now().date_naive();
    let cards = dir.path().join("timecards.json");
    std::fs::write(
        &cards,
        format!(
            r#"[{{"userName": "ann", "entryType": 0, "inDateTime": "{today} 00:00:01", "outDateTime": "{today} 00:00:02"}}]"#
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let compute = |extra: &[&str]| {
        let mut command = crate::helpers::payrun(&["compute", "--period", "current"], None);
        command
            .arg("--config")
            .arg(&config)
            .arg("--timecards")
            .arg(&cards)
            .arg("--users")
            .arg(&users)
            .arg("--out")
            .arg(&out)
            .args(extra);
        command.output().unwrap()
    };
    let refused = compute(&["--export", "long"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("has not ended (today is")
            && stderr.contains("give --partial for a preview marked not for payment"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");
    crate::helpers::ok(compute(&["--export", "long", "--partial"]));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("<title>PARTIAL — not for payment: Payroll review"),
        "{}",
        &html[..300]
    );
    assert!(
        out.join("export_long_PARTIAL-not-for-payment.csv")
            .is_file()
    );
    assert!(!out.join("export_long.csv").exists());
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(
        exceptions.contains("info,partial_period,,,,,\"PARTIAL, not for payment:"),
        "{exceptions}"
    );
}

/// exceptions.parquet holds a time card's punches as timestamps (wall
/// clock, no zone); exceptions.csv as the same text; an open punch has no
/// out time in either.
#[test]
fn exception_times_are_timestamps_in_parquet() {
    let users = r#"[{"userName": "ann", "role": "Employee", "rateType": "Hourly Rate", "payRate": "10.00", "timeZone": "America/Chicago"}]"#;
    let cards = r#"[{"userName": "ann", "entryType": 0, "inDateTime": "2024-05-13 09:00:00"},
                    {"userName": "ann", "entryType": 0, "inDateTime": "2024-05-14 09:00:00", "outDateTime": "2024-05-14 08:00:00"}]"#;
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::ok(compute_files(
        dir.path(),
        users,
        cards,
        "timecards.json",
        &[],
    ));
    let out = dir.path().join("out");
    let parquet = ParquetReader::new(std::fs::File::open(out.join("exceptions.parquet")).unwrap())
        .finish()
        .unwrap();
    let csv = crate::helpers::csv(&out.join("exceptions.csv"));
    for name in ["in_date_time", "out_date_time"] {
        let times = parquet.column(name).unwrap();
        assert_eq!(
            times.dtype(),
            &DataType::Datetime(TimeUnit::Milliseconds, None)
        );
        let as_text: Vec<String> = times
            .cast(&DataType::String)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|t| t.unwrap_or("").trim_end_matches(".000").to_owned())
            .collect();
        assert_eq!(as_text, crate::helpers::texts(&csv, name), "{name}");
    }
    assert_eq!(
        crate::helpers::rows(&csv, &["kind", "in_date_time", "out_date_time"]),
        [
            "open_punch 2024-05-13 09:00:00 ",
            "non_positive_duration 2024-05-14 09:00:00 2024-05-14 08:00:00"
        ]
    );
}

/// `payrun packs` lists the rule packs with their jurisdiction and the day
/// their sources were read; `payrun packs us-co` prints the file as a
/// rule applies it; an unknown name is one line naming the packs.
#[test]
fn packs_are_listed_and_printed_with_their_sources() {
    let listed = crate::helpers::ok(crate::helpers::payrun(&["packs"], None).output().unwrap());
    for line in [
        "us-ak      Alaska                   2026-12-07",
        "us-ca      California               2026-12-07",
        "us-co      Colorado                 2026-12-07",
        "us-flsa    United States (FLSA)     2026-12-07",
        "us-ky      Kentucky                 2026-12-07",
    ] {
        assert!(listed.contains(line), "{listed}");
    }
    let co = crate::helpers::ok(
        crate::helpers::payrun(&["packs", "us-co"], None)
            .output()
            .unwrap(),
    );
    assert!(co.contains("consecutive_ot_after = 12"), "{co}");
    assert!(co.contains("cdle.colorado.gov"), "{co}");
    let unknown = crate::helpers::payrun(&["packs", "us-xx"], None)
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains(
            "no pack is called \"us-xx\"; there are: us-ak, us-ca, us-co, us-flsa, us-ky"
        ),
    );
}

/// The `files_sha256` of the manifest in `out`.
fn digests(out: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    manifest["files_sha256"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, hash)| (name.clone(), hash.as_str().unwrap().to_owned()))
        .collect()
}

/// A run whose input does not fit under `--memory-limit` is read,
/// computed and written a part of the users at a time (here a user or
/// two at a time, the limit of one byte being below what the run needs,
/// which cuts it into the most parts): every file is byte for byte the
/// file of the run read whole, the kept inputs and the review page's comparison with the last period
/// included, and the manifest counts the same rows. The time cards spilled
/// beside the folder while it runs are gone after it, and a killed run's
/// with them (and a killed run's records fetched).
#[test]
fn a_run_in_parts_writes_the_files_of_the_run_whole() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("payrun.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let data = dir.path().join("data");
    let said = dump(
        &data,
        &[
            "--users",
            "300",
            "--days",
            "40",
            "--to",
            "2024-05-31",
            "--seed",
            "11",
        ],
    );
    assert!(said.contains(" time cards and 300 users"), "{said}");
    let runs = dir.path().join("runs");
    let last = runs.join("last");
    crate::helpers::ok(compute_dumped(&config, &data, "2024-04-28", &last, &[]));
    let previous = ["--previous", last.to_str().unwrap()];
    let whole = runs.join("whole");
    crate::helpers::ok(compute_dumped(
        &config,
        &data,
        "2024-05-12",
        &whole,
        &previous,
    ));
    let parts = runs.join("parts");
    // A killed run's time cards spilled beside the folder.
    let killed = runs.join(".parts.parts-99999");
    std::fs::create_dir_all(&killed).unwrap();
    std::fs::write(killed.join("part-3.parquet"), "half").unwrap();
    // And a killed `payrun run`'s records fetched.
    let fetched = runs.join(".parts.fetch-99999");
    std::fs::create_dir_all(fetched.join("fetching")).unwrap();
    std::fs::write(fetched.join("timecards.parquet"), "half").unwrap();
    let mut more = vec!["--memory-limit", "1"];
    more.extend(previous);
    let output = compute_dumped(&config, &data, "2024-05-12", &parts, &more);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    crate::helpers::ok(output);
    assert!(
        stderr.contains("--memory-limit 1 B is below what the run needs read in parts")
            && stderr.contains("in at most about 256 parts); it goes on, over the limit"),
        "{stderr}"
    );
    // Neither the killed runs' scratch nor this run's is left.
    let beside: Vec<String> = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.contains(".parts-") || name.contains(".fetch-"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
    let (mut whole_files, mut parts_files) = (digests(&whole), digests(&parts));
    assert_eq!(whole_files.len(), 15, "{whole_files:?}");
    // The page says when the time cards were read, to the minute.
    whole_files.remove("report.html");
    parts_files.remove("report.html");
    assert_eq!(whole_files, parts_files);
    let page = |out: &std::path::Path| {
        let page = std::fs::read_to_string(out.join("report.html")).unwrap();
        let at = page.find("time cards as of ").unwrap();
        format!(
            "{}{}",
            &page[..at],
            &page[at + "time cards as of 2024-05-31 12:00".len()..]
        )
    };
    assert_eq!(page(&whole), page(&parts));
    assert!(page(&parts).contains("Compared with the last period"));
    let rows = |out: &std::path::Path| {
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        m["records_out"].clone()
    };
    assert_eq!(rows(&whole), rows(&parts));
    assert!(rows(&parts)["payroll_summary"].as_u64().unwrap() > 100);

    // Each run replays in parts as well as whole, and a replay in parts
    // into --out writes the run again, as of the moment it was computed.
    for run in [&whole, &parts] {
        for limit in ["1", "4G"] {
            let replayed = crate::helpers::replay(run, Some(limit));
            let stdout = crate::helpers::ok(replayed);
            assert!(
                stdout.contains("all 11 output files are byte-identical to its manifest"),
                "{} under {limit}: {stdout}",
                run.display()
            );
        }
    }
    let again = runs.join("again");
    crate::helpers::ok(
        crate::helpers::payrun(&["compute", "--memory-limit", "1", "--replay"], None)
            .arg(&parts)
            .arg("--out")
            .arg(&again)
            .output()
            .unwrap(),
    );
    assert_eq!(digests(&again), digests(&parts));
    let spilled = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.contains(".parts-"))
        .count();
    assert_eq!(spilled, 0);
}

/// The configuration and the files of `payrun sim --dump --raw` (every
/// column text) of `users` users over `days` days to 2024-05-31, in `dir`.
fn raw_company(
    dir: &std::path::Path,
    users: &str,
    days: &str,
    seed: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let config = dir.join("payrun.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let data = dir.join("data");
    let args = [
        "--users",
        users,
        "--days",
        days,
        "--to",
        "2024-05-31",
        "--seed",
        seed,
        "--raw",
    ];
    dump(&data, &args);
    (config, data)
}

/// A run whose time cards hold values that cannot be read keeps the
/// exceptions that reading found in `inputs/`; a replay, whole or in
/// parts, reads the same cards again and tells those exceptions once.
#[test]
fn a_replay_in_parts_tells_what_reading_found_once() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = raw_company(dir.path(), "60", "30", "5");
    // Two times that are not times, in the text the API sends.
    let path = data.join("timecards.parquet");
    let mut frame = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let times: Vec<Option<String>> = frame
        .column("inDateTime")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(row, time)| match row {
            3 | 170 => Some("not a time".to_owned()),
            _ => time.map(str::to_owned),
        })
        .collect();
    frame
        .replace("inDateTime", Column::new("inDateTime".into(), times))
        .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    let out = dir.path().join("out");
    crate::helpers::ok(compute_dumped(&config, &data, "2024-05-12", &out, &[]));
    let kept =
        ParquetReader::new(std::fs::File::open(out.join("inputs/exceptions.parquet")).unwrap())
            .finish()
            .unwrap();
    assert_eq!(kept.height(), 2, "{kept}");
    let found = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert_eq!(found.matches("not a time").count(), 2, "{found}");
    for limit in ["1", "4G"] {
        let replayed = crate::helpers::replay(&out, Some(limit));
        let stdout = crate::helpers::ok(replayed);
        assert!(
            stdout.contains("all 11 output files are byte-identical to its manifest"),
            "under {limit}: {stdout}"
        );
    }
}

/// `payrun diff` pairs off the time cards identical in both runs by
/// their digests and words only the rest: a card kept twice is one added,
/// a card left out one removed, and nothing else is reported.
#[test]
fn a_diff_tells_a_twin_added_and_a_card_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = raw_company(dir.path(), "30", "20", "9");
    let frame = ParquetReader::new(std::fs::File::open(data.join("timecards.parquet")).unwrap())
        .finish()
        .unwrap();
    let name_of = |row: usize| {
        frame
            .column("userName")
            .unwrap()
            .str()
            .unwrap()
            .get(row)
            .unwrap()
            .to_owned()
    };
    // Card 5 twice, card 9 left out.
    let mut edited = frame.slice(0, 9);
    edited.vstack_mut(&frame.slice(5, 1)).unwrap();
    edited
        .vstack_mut(&frame.slice(10, frame.height() - 10))
        .unwrap();
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    ParquetWriter::new(std::fs::File::create(other.join("timecards.parquet")).unwrap())
        .finish(&mut edited)
        .unwrap();
    std::fs::copy(data.join("users.parquet"), other.join("users.parquet")).unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    crate::helpers::ok(compute_dumped(&config, &data, "2024-05-12", &before, &[]));
    crate::helpers::ok(compute_dumped(&config, &other, "2024-05-12", &after, &[]));
    let changes = dir.path().join("changes");
    let stdout = crate::helpers::diff_into(&changes, &before, &after);
    assert!(
        stdout.contains("time cards: 1 added, 1 removed, 0 edited"),
        "{stdout}"
    );
    let cards = csv(&changes.join("diff_timecards.csv"));
    let mut found: Vec<(String, String)> = crate::helpers::texts(&cards, "change")
        .into_iter()
        .zip(crate::helpers::texts(&cards, "user_name"))
        .collect();
    found.sort();
    let mut expected = vec![
        ("added".to_owned(), name_of(5)),
        ("removed".to_owned(), name_of(9)),
    ];
    expected.sort();
    assert_eq!(found, expected);
}

/// `--memory-limit` takes bytes or a size with a unit, and refuses what
/// is not a size, saying what one is.
#[test]
fn a_memory_limit_is_a_size() {
    let output = crate::helpers::payrun(
        &[
            "compute",
            "--config",
            "c",
            "--period",
            "2024-05-12",
            "--timecards",
            "t",
        ],
        None,
    )
    .args(["--users", "u", "--out", "o", "--memory-limit", "4 parsecs"])
    .output()
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"4 parsecs\" is not a size: give bytes, or a number with K, M, G or T"),
        "{stderr}"
    );
    for (text, bytes) in [
        ("1", 1),
        ("512M", 512 << 20),
        ("4G", 4 << 30),
        ("1.5GiB", 3 << 29),
        ("2 tb", 2 << 40),
    ] {
        assert_eq!(
            text.parse::<payrun::job::MemorySize>(),
            Ok(payrun::job::MemorySize(bytes)),
            "{text}"
        );
    }
    assert!("0".parse::<payrun::job::MemorySize>().is_err());
    assert!("0.1".parse::<payrun::job::MemorySize>().is_err());
    assert!("G".parse::<payrun::job::MemorySize>().is_err());
    // Too large for 64 bits, and for a decimal times 2^40: an error, no panic.
    for text in ["18446744073709551616", "16777216T", "99999999999999999999T"] {
        assert_eq!(
            text.parse::<payrun::job::MemorySize>(),
            Err(format!("{text:?} is more bytes than a size can be")),
        );
    }
    assert_eq!(
        "16777215T".parse::<payrun::job::MemorySize>(),
        Ok(payrun::job::MemorySize(16_777_215 << 40))
    );
}
