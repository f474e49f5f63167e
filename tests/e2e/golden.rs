//! Golden end-to-end runs: fixed API pages in `data/golden/<case>/` served by
//! payrun-q2sim, `payrun run` spawned as a process, and its CSV outputs
//! compared byte for byte with `data/golden/<case>/expected/`.
//!
//! After a deliberate change to the outputs, regenerate the expected files
//! with `PAYRUN_BLESS=1 cargo test --test e2e golden`, then read the diff:
//! every changed figure must be explained.

use std::path::{Path, PathBuf};

use payrun::q2sim::{Company, Faults, Simulator};

const TABLES: [&str; 5] = [
    "payroll_summary",
    "daily_hours",
    "department_summary",
    "exceptions",
    "pay_lines",
];

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/golden");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golden_cases_match_their_expected_files() {
    let bless = std::env::var_os("PAYRUN_BLESS").is_some();
    let cases = cases();
    assert!(!cases.is_empty());
    for case in cases {
        let company = Company::load_dir(&case).unwrap();
        let (id, token) = (company.id.clone(), company.token.clone());
        let sim = Simulator::start(company, Faults::none()).await.unwrap();
        let period = std::fs::read_to_string(case.join("period.txt")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let output = crate::helpers::payrun(
            &[
                "run",
                "--format",
                "csv",
                "--period",
                period.trim(),
                "--config",
            ],
            None,
        )
        .arg(case.join("payrun.toml"))
        .arg("--out")
        .arg(out.path())
        .args(["--base-url", &sim.url()])
        .env("OTC_COMPANY_ID", &id)
        .env("OTC_DEVELOPER_TOKEN", &token)
        .output()
        .unwrap();
        sim.stop().await;
        assert!(
            output.status.success(),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        for table in TABLES {
            let name = format!("{table}.csv");
            let got = std::fs::read_to_string(out.path().join(&name)).unwrap();
            let expected_path = case.join("expected").join(&name);
            if bless {
                std::fs::write(&expected_path, &got).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            assert_eq!(
                got,
                expected,
                "{} differs from {}",
                name,
                expected_path.display()
            );
        }
        // The run kept its inputs: replaying it, without the API, gives
        // the same bytes.
        let replayed = crate::helpers::replay(out.path(), None);
        let stdout = crate::helpers::ok(replayed);
        assert!(
            stdout.contains("all 6 output files are byte-identical to its manifest"),
            "{}: {stdout}",
            case.display()
        );
        // And read a part of its users at a time, leaving out the
        // exceptions found reading its inputs again (it keeps those found
        // the first time): the same bytes.
        let replayed = crate::helpers::replay(out.path(), Some("1"));
        let stderr = String::from_utf8_lossy(&replayed.stderr).into_owned();
        let stdout = crate::helpers::ok(replayed);
        assert!(
            stdout.contains("all 6 output files are byte-identical to its manifest")
                && stderr.contains("is below what the run needs read in parts"),
            "{} in parts: {stdout}{stderr}",
            case.display()
        );
    }
}
