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
