//! Payroll-provider exports of the golden company (the worked examples of
//! design §5): each built-in profile and a profile of the configuration,
//! compared with hand-checked files in `data/golden/spec_examples/exports/`.
//!
//! After a deliberate change, regenerate them with
//! `PAYRUN_BLESS=1 cargo test --test e2e export`, then check every figure.

use std::path::{Path, PathBuf};

use payrun::q2sim::Company;

use crate::helpers::{csv, rows, run_golden};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/golden/spec_examples")
}

/// The golden configuration plus the provider's company code, Gusto ids
/// for two of the people, and a bureau's own layout.
const EXPORT_CONFIG: &str = r#"
[payroll_provider]
company_code = "GLD"
batch_id = "WK20"

[users."ann"]
provider_id = "5G9934"

[users."cal"]
provider_id = "7H2210"

[exports.bureau]
layout = "wide"
identify = "user_name"
date_format = "%m/%d/%Y"
write_zeros = true
columns = [
  { header = "Employee", value = "user_name" },
  { header = "Name", value = "last_name" },
  { header = "Check Date", value = "period_end" },
  { header = "Straight Hours", value = "hours:regular+salary" },
  { header = "Premium Hours", value = "hours:overtime+double_time" },
  { header = "Gross", value = "amount:gross" },
]
"#;

const EXPORTS: [&str; 5] = ["adp_wfn", "gusto", "quickbooks", "long", "bureau"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_profile_matches_its_hand_checked_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("payrun.toml");
    let golden_config = std::fs::read_to_string(golden().join("payrun.toml")).unwrap();
    std::fs::write(&config, format!("{golden_config}\n{EXPORT_CONFIG}")).unwrap();
    let out = dir.path().join("run");
    let stdout = run_golden(
        Company::load_dir(&golden()).unwrap(),
        &config,
        &out,
        &["--export", &EXPORTS.join(",")],
    )
    .await;
    assert!(
        stdout.contains("export_adp_wfn.csv (the adp_wfn export)"),
        "{stdout}"
    );
    let bless = std::env::var_os("PAYRUN_BLESS").is_some();
    for name in EXPORTS {
        let file = format!("export_{name}.csv");
        let got = std::fs::read_to_string(out.join(&file)).unwrap();
        let expected = golden().join("exports").join(&file);
        if bless {
            std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
            std::fs::write(&expected, &got).unwrap();
            continue;
        }
        assert_eq!(
            got,
            std::fs::read_to_string(&expected).unwrap_or_default(),
            "{file} differs from {}",
            expected.display()
        );
        // Everyone written reconciles to the cent; salaried people are the
        // provider's to price.
        let reconciled = csv(&out.join(format!("export_{name}.reconcile.csv")));
        for line in rows(&reconciled, &["user_name", "difference", "outcome"]) {
            assert!(
                line.ends_with(" 0.00 written")
                    || line.ends_with("salaried, priced by the provider")
                    || line.ends_with("left out: not identified"),
                "{name}: {line}"
            );
        }
    }
    // Gusto knows fww and sal by no provider_id: it matches them by first
    // and last name (from their full names: the cards have none), so
    // every profile identifies everyone.
    let exceptions = csv(&out.join("exceptions.csv"));
    let kinds: Vec<String> = rows(&exceptions, &["severity", "kind", "user_name"])
        .into_iter()
        .filter(|k| k.contains("export_"))
        .collect();
    assert_eq!(kinds, Vec::<String>::new());
    let gusto = std::fs::read_to_string(out.join("export_gusto.csv")).unwrap();
    assert!(
        gusto.contains("\r\nFay,Walker,,,10.00,,,\r\n")
            && gusto.contains("\r\nSam,Salter,,,4.00,,,\r\n"),
        "{gusto}"
    );
    // The manifest lists every export, and a replay recomputes them too.
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"export_bureau.csv\""), "{manifest}");
    // ann 46 h at $12 (588.00) and cal's California week (1275.00) are
    // priced by ADP exactly as payrun pays them; fww and sal are salaried.
    let manifest_json: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        manifest_json["exports_reconciled"]["adp_wfn"],
        serde_json::json!({"written": 4, "left_out": 0, "payrun_pays": "1863.00", "premium_carried": "0.00"}),
        "{manifest}"
    );
    let replayed = crate::helpers::replay(&out, None);
    let stdout = crate::helpers::ok(replayed);
    assert!(
        stdout.contains("all 21 output files are byte-identical"),
        "{stdout}"
    );
    // Under a limit it does not fit, it is replayed whole all the same,
    // and says so: its exports are made from the whole run.
    let replayed = crate::helpers::replay(&out, Some("1"));
    let stderr = String::from_utf8_lossy(&replayed.stderr).into_owned();
    let stdout = crate::helpers::ok(replayed);
    assert!(
        stdout.contains("all 21 output files are byte-identical")
            && stderr.contains(
                "the run wrote exports, which are made from the whole run: it is replayed whole"
            )
            && stderr.ends_with("over --memory-limit 1 B\n"),
        "{stdout}{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_profile_or_a_missing_company_code_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let company = || Company::load_dir(&golden()).unwrap();
    for (export, expected) in [
        ("paychex", "no export profile is called `paychex`"),
        (
            "adp_wfn",
            "fills its \"Co Code\" column from [payroll_provider] company_code",
        ),
    ] {
        let (id, token) = (company().id.clone(), company().token.clone());
        let sim = payrun::q2sim::Simulator::start(company(), payrun::q2sim::Faults::none())
            .await
            .unwrap();
        let out = dir.path().join(export);
        let output = crate::helpers::payrun(
            &[
                "run",
                "--period",
                "2024-05-12..2024-05-18",
                "--export",
                export,
                "--config",
            ],
            None,
        )
        .arg(golden().join("payrun.toml"))
        .arg("--out")
        .arg(&out)
        .args(["--base-url", &sim.url()])
        .env("OTC_COMPANY_ID", &id)
        .env("OTC_DEVELOPER_TOKEN", &token)
        .output()
        .unwrap();
        sim.stop().await;
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!out.exists(), "nothing is written");
    }
}

/// The demo company (200 users, seed 2024, the demo configuration: job and
/// shift rates, a production bonus) through every built-in profile: each
/// person written is paid payrun's figure to the cent, the regular-rate
/// premium carried where the provider would price hours otherwise, and
/// anyone the layout cannot pay exactly is left out with an error. The
/// 157 hourly people of the period are all written by `adp_wfn` and `long`.
#[test]
fn the_demo_company_reconciles_to_the_cent_in_every_built_in_profile() {
    use payrun::export::{Identify, ProviderConfig, export, profile};
    use payrun::q2sim::generate::GeneratorConfig;
    let period = payrun::rules::PayPeriod {
        start: chrono::NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
        end: chrono::NaiveDate::from_ymd_opt(2024, 5, 25).unwrap(),
    };
    let company = Company::generate(&GeneratorConfig {
        seed: 2024,
        users: 200,
        from: chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
        to: period.end,
        ..GeneratorConfig::default()
    });
    let records = |json: Vec<&str>, kind| {
        payrun::ingest::decode_records(format!("[{}]", json.join(",")).as_bytes(), kind).unwrap()
    };
    let cards = records(
        company.time_cards.iter().map(|c| &*c.json).collect(),
        payrun::ingest::RecordType::TimeCard,
    );
    let users = records(
        company.users.iter().map(|u| &*u.json).collect(),
        payrun::ingest::RecordType::User,
    );
    let input =
        payrun::ingest::PayrollInput::from_frames(&cards.frame, &users.frame, cards.exceptions)
            .unwrap();
    let settings =
        payrun::settings::Settings::parse(include_str!("../../data/payrun.demo.toml")).unwrap();
    let run = payrun::rules::compute(&input, &settings.rules, &period).unwrap();
    let provider = ProviderConfig {
        company_code: Some("PRN".into()),
        batch_id: Some("PAYRUN".into()),
    };
    let hourly = run
        .summary
        .iter()
        .filter(|r| {
            r.rate_type.as_deref() == Some("Hourly Rate")
                && r.status != payrun::rules::Status::Held
                && r.pay.gross > rust_decimal::Decimal::ZERO
        })
        .count();
    for name in ["adp_wfn", "gusto", "quickbooks", "long"] {
        let mut built_in = profile(name, &Default::default()).unwrap();
        if name == "gusto" {
            // The demo configures no provider_id: identify by number here.
            built_in.identify = Identify::EmployeeNumber;
        }
        let out = export(name, &built_in, &run, &settings.rules, &provider).unwrap();
        let mut written_hourly = 0;
        let mut carried = 0;
        for line in out.reconcile_csv.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let (premium, difference, outcome) = (cells[5], cells[6], cells[7]);
            if outcome.starts_with("written") && !outcome.contains("salaried") {
                assert_eq!(difference, "0.00", "{name}: {line}");
                written_hourly += 1;
                carried += usize::from(premium != "0.00");
            } else {
                assert!(
                    outcome.starts_with("left out") || outcome.contains("salaried"),
                    "{name}: {line}"
                );
            }
        }
        match name {
            "adp_wfn" | "gusto" => {
                assert_eq!(written_hourly, hourly, "{name}");
                assert!(carried > 100, "{name}: {carried} people carry a premium");
            }
            "long" => assert_eq!((written_hourly, carried), (hourly, 0)),
            _ => {
                // QuickBooks takes hours only: whoever needs a premium is left out.
                assert_eq!(carried, 0);
                let left_out = out
                    .exceptions
                    .iter()
                    .filter(|(_, e)| e.kind == payrun::export::kinds::EXPORT_UNRECONCILED)
                    .count();
                assert!(left_out > 0);
            }
        }
    }
    assert!(hourly > 100, "{hourly} hourly people paid");
}
