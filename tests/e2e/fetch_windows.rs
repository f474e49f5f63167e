//! Fetching a period in one range or in concurrent windows gives the same payroll.

use chrono::NaiveDate;
use payrun::ingest::PayrollInput;
use payrun::ingest::client::{
    ApiConfig, ClientOptions, Credentials, DeveloperToken, Q2Client, TimeCardQuery, UserQuery,
};
use payrun::q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN};
use payrun::q2sim::{Faults, Simulator};
use payrun::rules::{PayPeriod, RulesConfig, compute};
use proptest::prelude::*;

fn client(url: &str, window_days: i64, concurrency: usize, max_records: u32) -> Q2Client {
    let mut options = ClientOptions::new(ApiConfig {
        base_url: url.to_owned(),
        max_records,
        concurrency,
        ..ApiConfig::default()
    });
    options.window = chrono::Duration::days(window_days);
    let credentials = Credentials {
        company_id: DEFAULT_COMPANY_ID.into(),
        token: DeveloperToken::new(DEFAULT_TOKEN),
    };
    Q2Client::new(options, credentials).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn one_range_or_windows_give_the_same_payroll(
        window_days in 1i64..12,
        concurrency in 1usize..5,
        max_records in 20u32..400,
        seed in 1u64..1000,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let company = crate::helpers::company(seed, 15, (2024, 2, 20), (2024, 3, 31));
            let sim = Simulator::start(company, Faults::none()).await.unwrap();
            let config = RulesConfig::parse("[overtime_rules.default]\n[overtime_rules.ot1]\ndaily_ot_after = 8\nseventh_day = true\n[overtime_rules.ot2]\nbasis = \"biweekly\"\n").unwrap();
            let period = PayPeriod {
                start: NaiveDate::from_ymd_opt(2024, 3, 3).unwrap(),
                end: NaiveDate::from_ymd_opt(2024, 3, 16).unwrap(),
            };
            let query = TimeCardQuery::between(
                NaiveDate::from_ymd_opt(2024, 2, 23).unwrap().and_hms_opt(0, 0, 0).unwrap(),
                NaiveDate::from_ymd_opt(2024, 3, 18).unwrap().and_hms_opt(23, 59, 59).unwrap(),
            );
            let one = client(&sim.url(), 1000, 1, 5000);
            let windowed = client(&sim.url(), window_days, concurrency, max_records);
            let users = one.users(&UserQuery::all()).await.unwrap().frame;
            let a = one.time_cards_sequential(&query).await.unwrap().frame;
            let b = windowed.time_cards(&query).await.unwrap().frame;
            let payroll = |cards| {
                let input = PayrollInput::from_frames(cards, &users, Vec::new()).unwrap();
                compute(&input, &config, &period).unwrap()
            };
            let (run_a, run_b) = (payroll(&a), payroll(&b));
            sim.stop().await;
            assert!(!run_a.summary.is_empty());
            assert_eq!(run_a.summary, run_b.summary);
            assert_eq!(run_a.days, run_b.days);
            assert_eq!(run_a.pay_lines, run_b.pay_lines);
            assert_eq!(run_a.exceptions, run_b.exceptions);
        });
    }
}

/// A fetch streamed into files (`payrun run`, `payrun fetch`) writes the
/// files that the fetch held in memory writes, byte for byte, whatever the
/// windows, the pages and the records moving while they are paged (reads
/// started over replace what they had spilled).
#[test]
fn a_streamed_fetch_writes_the_files_of_the_fetch_held() {
    use payrun::job::{fetch_period, fetch_period_to};
    use polars::prelude::ParquetCompression;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = RulesConfig::parse("[overtime_rules.default]\n").unwrap();
    let period = PayPeriod {
        start: NaiveDate::from_ymd_opt(2024, 3, 3).unwrap(),
        end: NaiveDate::from_ymd_opt(2024, 3, 16).unwrap(),
    };
    for (window_days, concurrency, max_records, drift_rate) in
        [(1, 3, 37, 0.0), (4, 2, 200, 0.05), (1000, 1, 5000, 0.0)]
    {
        runtime.block_on(async {
            let company = crate::helpers::company(5, 40, (2024, 2, 20), (2024, 3, 31));
            let faults = Faults {
                drift_rate,
                seed: 3,
                ..Faults::none()
            };
            let sim = Simulator::start(company, faults).await.unwrap();
            let client = client(&sim.url(), window_days, concurrency, max_records);
            let held = fetch_period(&client, &config, &period).await.unwrap();
            let dir = tempfile::tempdir().unwrap();
            let files = fetch_period_to(
                &client,
                &config,
                &period,
                dir.path(),
                ParquetCompression::Lz4Raw,
            )
            .await
            .unwrap();
            sim.stop().await;
            let case =
                format!("{window_days} days a window, {max_records} a page, drift {drift_rate}");
            // The held frames written as a run kept them.
            let staging = payrun::output::Staging::new(&dir.path().join("held")).unwrap();
            for (fetched, path) in [
                (&held.time_cards, &files.time_cards),
                (&held.users, &files.users),
            ] {
                assert!(fetched.frame.height() >= 40, "{case}: records fetched");
                let name = path.file_name().unwrap().to_str().unwrap();
                staging
                    .parquet_with(name, &fetched.frame, ParquetCompression::Lz4Raw)
                    .unwrap();
            }
            staging.commit().unwrap();
            for path in [&files.time_cards, &files.users] {
                let name = path.file_name().unwrap();
                let want = std::fs::read(dir.path().join("held").join(name)).unwrap();
                let got = std::fs::read(path).unwrap();
                assert!(got == want, "{case}: {name:?} differs from the fetch held");
            }
            assert_eq!(files.time_card_fetch.rows, held.time_cards.frame.height());
            assert_eq!(files.user_fetch.rows, held.users.frame.height());
            assert_eq!(files.time_card_fetch.exceptions, held.time_cards.exceptions);
            assert_eq!(files.user_fetch.exceptions, held.users.exceptions);
            if drift_rate == 0.0 {
                assert_eq!(
                    files.pages(),
                    held.time_cards.pages + held.users.pages,
                    "{case}"
                );
            }
            // Nothing left but the two files (and the held copies' staging).
            let mut left: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && n != "held")
                .collect();
            left.sort();
            assert_eq!(left, ["timecards.parquet", "users.parquet"], "{case}");
        });
    }
}
