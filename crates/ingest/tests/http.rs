//! The client against payrun-q2sim over real HTTP on loopback.
//!
//! One file because every test runs the same client against the same
//! simulator, a behaviour each.

use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use payrun_ingest::client::{
    ApiConfig, ClientOptions, Credentials, DeveloperToken, Fetched, IngestError, Q2Client,
    TimeCardQuery, UserQuery,
};
use payrun_ingest::{RecordType, decode_records};
use payrun_q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN, GeneratorConfig};
use payrun_q2sim::{Company, Faults, Simulator};
use polars::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn company(users: usize, from: NaiveDate, to: NaiveDate) -> Company {
    Company::generate(&GeneratorConfig {
        seed: 11,
        users,
        from,
        to,
        ..GeneratorConfig::default()
    })
}

fn options(url: &str, max_records: u32) -> ClientOptions {
    let mut options = ClientOptions::new(ApiConfig {
        base_url: url.to_owned(),
        max_records,
        timeout_secs: 10,
        max_retries: 8,
        concurrency: 4,
        ..ApiConfig::default()
    });
    options.retry_min_delay = Duration::from_millis(1);
    options.retry_max_delay = Duration::from_millis(20);
    options
}

fn client(sim: &Simulator, max_records: u32) -> Q2Client {
    client_as(sim, max_records, DEFAULT_COMPANY_ID, DEFAULT_TOKEN)
}

fn client_as(sim: &Simulator, max_records: u32, id: &str, token: &str) -> Q2Client {
    let credentials = Credentials {
        company_id: id.into(),
        token: DeveloperToken::new(token),
    };
    Q2Client::new(options(&sim.url(), max_records), credentials).unwrap()
}

/// A client of the simulated company with `options`.
fn client_with(options: ClientOptions) -> Q2Client {
    let credentials = Credentials {
        company_id: DEFAULT_COMPANY_ID.into(),
        token: DeveloperToken::new(DEFAULT_TOKEN),
    };
    Q2Client::new(options, credentials).unwrap()
}

/// Every second of the days `from` to `to`, as a time card query.
fn days(from: NaiveDate, to: NaiveDate) -> TimeCardQuery {
    TimeCardQuery::between(
        from.and_hms_opt(0, 0, 0).unwrap(),
        to.and_hms_opt(23, 59, 59).unwrap(),
    )
}

/// `data`'s time cards in `span` as a simulator without faults serves
/// them, `max_records` a page (what a faulty fetch must return), and the
/// requests that took.
async fn clean_fetch(data: &Company, span: &TimeCardQuery, max_records: u32) -> (Fetched, u64) {
    let clean = Simulator::start(data.clone(), Faults::none())
        .await
        .unwrap();
    let fetched = client(&clean, max_records).time_cards(span).await.unwrap();
    let requests = clean.requests();
    clean.stop().await;
    (fetched, requests)
}

fn everything() -> TimeCardQuery {
    TimeCardQuery::between(
        NaiveDateTime::parse_from_str("2000-01-01 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
        NaiveDateTime::parse_from_str("2099-12-31 23:59:59", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

/// What the simulator holds, decoded the same way, to compare against.
fn expected(records: impl Iterator<Item = String>, record_type: RecordType) -> DataFrame {
    let body = format!("[{}]", records.collect::<Vec<_>>().join(","));
    decode_records(body.as_bytes(), record_type).unwrap().frame
}

fn sorted(frame: &DataFrame) -> DataFrame {
    frame
        .sort(
            ["inDateTime", "userName"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .unwrap()
}

#[tokio::test]
async fn a_hundred_cards_seven_per_page_come_back_all_exactly_once() {
    let mut data = company(10, date(2024, 3, 1), date(2024, 3, 31));
    data.time_cards.truncate(100);
    let want = expected(
        data.time_cards.iter().map(|t| t.json.to_string()),
        RecordType::TimeCard,
    );
    let sim = Simulator::start(data, Faults::none()).await.unwrap();
    let fetched = client(&sim, 7)
        .time_cards_sequential(&everything())
        .await
        .unwrap();
    assert_eq!(fetched.frame.height(), 100);
    // Each page after the first starts with the record the previous one
    // ended with (the drift check): 7, then 6 new records a page.
    assert_eq!(fetched.pages, 17, "1 + ceil(93 / 6)");
    assert!(fetched.frame.equals_missing(&want));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windowed_concurrent_fetch_equals_sequential_fetch() {
    let data = company(30, date(2024, 2, 20), date(2024, 4, 10));
    let total = data.time_cards.len();
    let sim = Simulator::start(data, Faults::none()).await.unwrap();
    let mut options = options(&sim.url(), 50);
    options.window = chrono::Duration::days(3);
    let windowed = client_with(options);
    let query = TimeCardQuery::between(
        date(2024, 2, 20).and_hms_opt(0, 0, 0).unwrap(),
        date(2024, 4, 10).and_hms_opt(23, 59, 59).unwrap(),
    );
    let a = windowed.time_cards(&query).await.unwrap();
    let b = client(&sim, 50)
        .time_cards_sequential(&query)
        .await
        .unwrap();
    assert_eq!(a.frame.height(), total);
    assert!(a.pages > b.pages, "windows cost extra partial pages");
    assert!(sorted(&a.frame).equals_missing(&sorted(&b.frame)));
    // Windows in time order make even the order identical.
    assert!(a.frame.equals_missing(&b.frame));
    sim.stop().await;
}

#[tokio::test]
async fn each_auth_failure_surfaces_the_api_message_and_is_not_retried() {
    let sim = Simulator::start(
        company(3, date(2024, 1, 1), date(2024, 1, 3)),
        Faults::none(),
    )
    .await
    .unwrap();
    let cases = [
        ("nope", DEFAULT_TOKEN, "Company ID not found."),
        (
            DEFAULT_COMPANY_ID,
            "wrong-token",
            "Developer token is not correct.",
        ),
    ];
    for (id, token, message) in cases {
        let before = sim.requests();
        let err = client_as(&sim, 100, id, token)
            .users(&UserQuery::all())
            .await
            .unwrap_err();
        match &err {
            IngestError::Api { message: m, .. } => assert_eq!(m, message),
            other => panic!("expected an API error, got {other:?}"),
        }
        assert!(err.to_string().contains(message));
        assert!(!err.to_string().contains(token) || token == DEFAULT_TOKEN);
        assert_eq!(sim.requests() - before, 1, "an ERROR answer is not retried");
    }
    sim.stop().await;
}

#[tokio::test]
async fn filters_and_return_columns_narrow_as_documented() {
    let data = company(24, date(2024, 5, 1), date(2024, 5, 31));
    let sim = Simulator::start(data.clone(), Faults::none())
        .await
        .unwrap();
    let c = client(&sim, 500);
    let count =
        |pred: &dyn Fn(&str) -> bool| data.time_cards.iter().filter(|t| pred(&t.json)).count();

    // Date range on inDateTime, both ends inclusive.
    let first = &data.time_cards[10].in_date_time;
    let last = &data.time_cards[40].in_date_time;
    let q = TimeCardQuery::between(
        NaiveDateTime::parse_from_str(first, "%Y-%m-%d %H:%M:%S").unwrap(),
        NaiveDateTime::parse_from_str(last, "%Y-%m-%d %H:%M:%S").unwrap(),
    );
    let in_range = data.time_cards_between(first, last);
    assert!(in_range >= 31);
    assert_eq!(
        c.time_cards_sequential(&q).await.unwrap().frame.height(),
        in_range
    );

    // userFullName.
    let mut q = everything();
    q.user_full_name = Some("Ben Baker".into());
    let got = c.time_cards_sequential(&q).await.unwrap().frame;
    let want = count(&|j| j.contains(r#""userFullName":"Ben Baker""#));
    assert!(want > 5);
    assert_eq!(got.height(), want);

    // departmentName: the cards of that department's users.
    let mut q = everything();
    q.department_name = Some("Kitchen".into());
    let kitchen: Vec<&str> = data
        .users
        .iter()
        .filter(|u| u.department_name == "Kitchen")
        .map(|u| u.user_name.as_str())
        .collect();
    let want = data
        .time_cards
        .iter()
        .filter(|t| kitchen.contains(&t.user_name.as_str()))
        .count();
    assert!(want > 0);
    assert_eq!(
        c.time_cards_sequential(&q).await.unwrap().frame.height(),
        want
    );

    // Names that do not exist are API errors.
    let mut q = everything();
    q.user_full_name = Some("Nobody Here".into());
    let err = c.time_cards_sequential(&q).await.unwrap_err();
    assert!(
        err.to_string().ends_with("User Full Name not found."),
        "{err}"
    );
    let mut q = everything();
    q.department_name = Some("Moon Base".into());
    let err = c.time_cards_sequential(&q).await.unwrap_err();
    assert!(
        err.to_string().ends_with("Department Name not found."),
        "{err}"
    );

    // returnColumns: only the named fields arrive; the others are null.
    let mut q = everything();
    q.return_columns = vec!["userName".into(), "inDateTime".into()];
    let got = c.time_cards_sequential(&q).await.unwrap().frame;
    assert_eq!(got.height(), data.time_cards.len());
    assert_eq!(
        got.column("userName").unwrap().null_count(),
        1,
        "one card has an empty userName"
    );
    assert_eq!(got.column("inDateTime").unwrap().null_count(), 0);
    assert_eq!(
        got.column("outDateTime").unwrap().null_count(),
        got.height()
    );
    assert_eq!(
        got.column("userFullName").unwrap().null_count(),
        got.height()
    );

    // Users: role, department, created and updated ranges.
    let role = |r: &str| UserQuery {
        role: Some(r.into()),
        ..UserQuery::all()
    };
    for r in ["Admin", "Manager", "Employee", "Inactive"] {
        let want = data.users.iter().filter(|u| u.role == r).count();
        assert!(want > 0, "{r}");
        assert_eq!(c.users(&role(r)).await.unwrap().frame.height(), want, "{r}");
    }
    let err = c.users(&role("Boss")).await.unwrap_err();
    assert!(err.to_string().ends_with("Role not found."), "{err}");
    let q = UserQuery {
        department_name: Some("Warehouse".into()),
        ..UserQuery::all()
    };
    let want = data
        .users
        .iter()
        .filter(|u| u.department_name == "Warehouse")
        .count();
    assert_eq!(c.users(&q).await.unwrap().frame.height(), want);
    let cut = "2024-01-01 00:00:00";
    let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    let q = UserQuery {
        created: Some((t("2000-01-01 00:00:00"), t(cut))),
        ..UserQuery::all()
    };
    let want = data
        .users
        .iter()
        .filter(|u| u.created_date_time.as_str() <= cut)
        .count();
    assert!(want > 0 && want < data.users.len());
    assert_eq!(c.users(&q).await.unwrap().frame.height(), want);
    let q = UserQuery {
        updated: Some((t(cut), t("2099-01-01 00:00:00"))),
        ..UserQuery::all()
    };
    let want = data
        .users
        .iter()
        .filter(|u| u.updated_date_time.as_str() >= cut)
        .count();
    assert_eq!(c.users(&q).await.unwrap().frame.height(), want);
    sim.stop().await;
}

#[tokio::test]
async fn a_500_then_success_is_retried() {
    let faults = Faults {
        fail_first: 2,
        ..Faults::none()
    };
    let sim = Simulator::start(company(5, date(2024, 1, 1), date(2024, 1, 10)), faults)
        .await
        .unwrap();
    let users = client(&sim, 100).users(&UserQuery::all()).await.unwrap();
    assert_eq!(users.frame.height(), 5);
    assert_eq!(
        sim.requests(),
        4,
        "two 500s, then the page, then the page again to check that it reads the same"
    );
    sim.stop().await;
}

#[tokio::test]
async fn retries_give_up_after_max_retries() {
    let faults = Faults {
        error_rate: 1.0,
        ..Faults::none()
    };
    let sim = Simulator::start(company(2, date(2024, 1, 1), date(2024, 1, 2)), faults)
        .await
        .unwrap();
    let err = client(&sim, 100)
        .users(&UserQuery::all())
        .await
        .unwrap_err();
    let IngestError::GaveUp {
        command,
        attempts,
        ref last,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!((command, attempts), ("api/q2QueryUsers", 9));
    assert!(
        matches!(**last, IngestError::Server { status: 500 }),
        "{last:?}"
    );
    assert_eq!(
        err.to_string(),
        "gave up on api/q2QueryUsers at nextRecord \"0\" after 9 attempts (api.max_retries is 8): \
         the Q2 API failed with HTTP 500"
    );
    assert_eq!(sim.requests(), 9, "one attempt and max_retries = 8 retries");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_do_not_change_what_is_fetched() {
    let data = company(20, date(2024, 3, 1), date(2024, 4, 30));
    let clean = Simulator::start(data.clone(), Faults::none())
        .await
        .unwrap();
    let span = TimeCardQuery::between(
        date(2024, 3, 1).and_hms_opt(0, 0, 0).unwrap(),
        date(2024, 4, 30).and_hms_opt(23, 59, 59).unwrap(),
    );
    let want = client(&clean, 40).time_cards(&span).await.unwrap().frame;
    assert_eq!(want.height(), data.time_cards.len());
    clean.stop().await;
    let faults = Faults {
        error_rate: 0.2,
        rate_limit_rate: 0.1,
        retry_after_secs: 0,
        truncate_rate: 0.1,
        latency: Duration::from_millis(2),
        seed: 5,
        ..Faults::none()
    };
    let flaky = Simulator::start(data, faults).await.unwrap();
    // 40% of requests fail; enough retries that no page runs out of them.
    let mut patient = options(&flaky.url(), 40);
    patient.api.max_retries = 30;
    let got = client_with(patient).time_cards(&span).await.unwrap();
    assert!(got.frame.equals_missing(&want));
    assert!(
        flaky.requests() as usize > got.pages,
        "some requests failed and were retried"
    );
    flaky.stop().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let faults = Faults {
        rate_limit_rate: 0.6,
        retry_after_secs: 1,
        seed: 3,
        ..Faults::none()
    };
    let sim = Simulator::start(company(3, date(2024, 1, 1), date(2024, 1, 3)), faults)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut options = options(&sim.url(), 100);
    options.retry_max_delay = Duration::from_secs(5);
    let c = client_with(options);
    let users = c.users(&UserQuery::all()).await.unwrap();
    assert_eq!(users.frame.height(), 3);
    // Two reads of the one page, to check it; the rest were 429s.
    let limited = sim.requests() - 2;
    assert!(limited >= 1, "the seed makes the first request a 429");
    assert!(
        started.elapsed() >= Duration::from_secs(limited),
        "waited Retry-After each time"
    );
    sim.stop().await;
}

/// A refused connection is retried twice, quickly, then named with the URL.
#[tokio::test]
async fn an_unreachable_api_gets_a_short_bounded_retry_and_is_named() {
    let sim = Simulator::start(
        company(1, date(2024, 1, 1), date(2024, 1, 1)),
        Faults::none(),
    )
    .await
    .unwrap();
    let mut options = options(&sim.url(), 100);
    options.retry_min_delay = Duration::from_millis(50);
    let c = client_with(options);
    let url = sim.url();
    sim.stop().await;
    let started = std::time::Instant::now();
    let err = c.users(&UserQuery::all()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.to_string().contains(&url), "{err}");
    let IngestError::GaveUp {
        attempts,
        ref last,
        ref why,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(attempts, 3, "one attempt and two retries");
    assert!(
        matches!(**last, IngestError::Unreachable { .. }),
        "{last:?}"
    );
    assert_eq!(why, "no connection after 2 retries");
}

/// A server that always sends the same cursor: the client must stop.
#[tokio::test]
async fn a_repeating_cursor_is_an_error_not_a_loop() {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/Jun-Inside-VPC",
        post(|| async { r#"{"statusCode":"SUCCESS","message":"","nextRecord":"5","data":[]}"# }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/Jun-Inside-VPC", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let credentials = Credentials {
        company_id: "1".into(),
        token: DeveloperToken::new("t"),
    };
    let c = Q2Client::new(options(&url, 10), credentials).unwrap();
    let err = c.users(&UserQuery::all()).await.unwrap_err();
    assert!(
        matches!(&err, IngestError::CursorRepeated { cursor, .. } if cursor == "5"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_page_limit_stops_an_endless_listing() {
    let sim = Simulator::start(
        company(30, date(2024, 1, 1), date(2024, 1, 2)),
        Faults::none(),
    )
    .await
    .unwrap();
    let mut options = options(&sim.url(), 2);
    options.page_limit = 3;
    let err = client_with(options)
        .users(&UserQuery::all())
        .await
        .unwrap_err();
    assert!(
        matches!(err, IngestError::PageLimit { limit: 3, .. }),
        "{err:?}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn the_simulator_also_answers_the_query_string_form() {
    let sim = Simulator::start(
        company(4, date(2024, 1, 1), date(2024, 1, 2)),
        Faults::none(),
    )
    .await
    .unwrap();
    let url = format!(
        "{}?cmd=api/q2QueryUsers&companyId={DEFAULT_COMPANY_ID}&developerToken={DEFAULT_TOKEN}&nextRecord=0&role=ALL%20ROLES",
        sim.url()
    );
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    let page = payrun_ingest::decode_page(&body, RecordType::User).unwrap();
    assert!(page.header.is_success(), "{:?}", page.header);
    assert_eq!(page.frame.height(), 4);
    let unknown = reqwest::Client::new()
        .post(sim.url())
        .body(r#"{"cmd":"api/q2DeleteEverything"}"#)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let page = payrun_ingest::decode_page(&unknown, RecordType::User).unwrap();
    assert_eq!(page.header.status_code, "ERROR");
    assert_eq!(
        page.header.message,
        "Command not found: api/q2DeleteEverything."
    );
    sim.stop().await;
}

/// At 20% failures over more than 200 pages, the run-wide budget lets the
/// fetch finish with exactly the records of a clean one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_wide_retry_budget_carries_a_long_flaky_fetch() {
    let data = company(30, date(2024, 3, 1), date(2024, 4, 30));
    let span = days(date(2024, 3, 1), date(2024, 4, 30));
    let (want, _) = clean_fetch(&data, &span, 5).await;
    assert!(want.pages > 200, "{} pages", want.pages);
    let faults = Faults {
        error_rate: 0.2,
        seed: 9,
        ..Faults::none()
    };
    let flaky = Simulator::start(data, faults).await.unwrap();
    let mut options = options(&flaky.url(), 5);
    options.api.retry_budget = Some(1000);
    let got = client_with(options).time_cards(&span).await.unwrap();
    assert!(got.frame.equals_missing(&want.frame));
    assert!(
        flaky.requests() as usize > want.pages + 20,
        "failures were retried"
    );
    flaky.stop().await;
}

/// When the run's retries are spent, the error names the command, the
/// window and the cursor, and never the token.
#[tokio::test]
async fn a_spent_retry_budget_stops_the_run_with_one_clear_line() {
    let faults = Faults {
        error_rate: 0.6,
        seed: 4,
        ..Faults::none()
    };
    let sim = Simulator::start(company(10, date(2024, 3, 1), date(2024, 3, 31)), faults)
        .await
        .unwrap();
    let mut options = options(&sim.url(), 5);
    options.api.retry_budget = Some(3);
    options.api.concurrency = 1;
    let span = TimeCardQuery::between(
        date(2024, 3, 1).and_hms_opt(0, 0, 0).unwrap(),
        date(2024, 3, 31).and_hms_opt(23, 59, 59).unwrap(),
    );
    let err = client_with(options).time_cards(&span).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, IngestError::GaveUp { .. }), "{err:?}");
    assert!(
        text.starts_with("gave up on api/q2QueryTimeCards inDateTime 2024-03-")
            && text.contains("at nextRecord")
            && text.contains("the run's retry budget is spent (api.retry_budget)"),
        "{text}"
    );
    assert!(!text.contains(DEFAULT_TOKEN));
    sim.stop().await;
}

/// A body larger than `api.max_body_bytes` is refused while it streams,
/// and not retried; so is a run past `api.max_records_per_run`.
#[tokio::test]
async fn bodies_and_runs_past_their_limits_are_refused() {
    let sim = Simulator::start(
        company(40, date(2024, 1, 1), date(2024, 1, 5)),
        Faults::none(),
    )
    .await
    .unwrap();
    let mut small = options(&sim.url(), 100);
    small.api.max_body_bytes = 2000;
    let err = client_with(small)
        .users(&UserQuery::all())
        .await
        .unwrap_err();
    assert!(
        matches!(err, IngestError::BodyTooLarge { limit: 2000, .. }),
        "{err:?}"
    );
    assert_eq!(sim.requests(), 1, "not retried");
    let mut few = options(&sim.url(), 10);
    few.api.max_records_per_run = 25;
    let err = client_with(few).users(&UserQuery::all()).await.unwrap_err();
    assert!(
        matches!(err, IngestError::RecordLimit { limit: 25 }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "more than 25 records fetched in this run (api.max_records_per_run); stopping"
    );
    sim.stop().await;
}

/// Records that move while a window is paged (one deleted or inserted
/// before the cursor) are noticed; the page is asked again (the window read
/// again if the move stays), and the records are exactly those of a fetch
/// without drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_while_paging_is_detected_and_the_window_read_again() {
    let data = company(20, date(2024, 3, 1), date(2024, 3, 31));
    let span = days(date(2024, 3, 1), date(2024, 3, 31));
    let (want, clean_requests) = clean_fetch(&data, &span, 10).await;
    let faults = Faults {
        drift_rate: 0.05,
        seed: 21,
        ..Faults::none()
    };
    let drifting = Simulator::start(data, faults).await.unwrap();
    let got = client(&drifting, 10).time_cards(&span).await.unwrap();
    assert!(got.frame.equals_missing(&want.frame));
    assert_eq!(got.exceptions, want.exceptions);
    assert!(
        drifting.requests() > clean_requests,
        "pages were asked again ({} requests, {clean_requests} without drift)",
        drifting.requests()
    );
    drifting.stop().await;
}

/// When every read of a window is torn, the run fails naming the window;
/// it never pays from a torn read.
#[tokio::test]
async fn a_window_that_never_reads_stable_fails_naming_it() {
    let faults = Faults {
        drift_rate: 1.0,
        seed: 2,
        ..Faults::none()
    };
    let sim = Simulator::start(company(10, date(2024, 3, 1), date(2024, 3, 7)), faults)
        .await
        .unwrap();
    let span = TimeCardQuery::between(
        date(2024, 3, 1).and_hms_opt(0, 0, 0).unwrap(),
        date(2024, 3, 7).and_hms_opt(23, 59, 59).unwrap(),
    );
    let err = client(&sim, 10).time_cards(&span).await.unwrap_err();
    assert!(
        matches!(err, IngestError::Unstable { reads: 5, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the records of api/q2QueryTimeCards inDateTime 2024-03-01 00:00:00 to 2024-03-07 23:59:59 \
         kept moving while they were read (5 reads); no payroll is computed from a torn read: try again later"
    );
    sim.stop().await;
}

/// A loopback server that pages `records` (user records, `{"userName":…}`)
/// `page` at a time with Q2's numeric cursor, and runs `between` on its data
/// once, after answering the first page; returns the endpoint and the
/// number of requests.
async fn paging_server(
    records: Vec<String>,
    page: usize,
    between: impl FnOnce(&mut Vec<String>) + Send + 'static,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let data = Arc::new(Mutex::new((records, Some(between))));
    let app = axum::Router::new().route(
        "/q2",
        axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
            let (seen, data) = (Arc::clone(&seen), Arc::clone(&data));
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                let from: usize = body["nextRecord"].as_str().unwrap().parse().unwrap();
                let mut data = data.lock().unwrap();
                let (records, between) = &mut *data;
                let to = (from + page).min(records.len());
                let next = if to == records.len() {
                    "-1".to_owned()
                } else {
                    to.to_string()
                };
                let answer = format!(
                    r#"{{"statusCode":"SUCCESS","message":"","nextRecord":"{next}","data":[{}]}}"#,
                    records[from.min(to)..to].join(",")
                );
                if from == 0
                    && let Some(change) = between.take()
                {
                    change(records);
                }
                answer
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/q2", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, count)
}

fn user(name: &str) -> String {
    format!(r#"{{"userName":"{name}","updatedDateTime":"2024-01-01 00:00:00"}}"#)
}

fn user_names(frame: &DataFrame) -> Vec<String> {
    frame
        .column("userName")
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|name| name.unwrap().to_owned())
        .collect()
}

/// Between two pages one record is inserted and another deleted before the
/// cursor: each page still starts with the record the previous ended with,
/// so only reading the query again shows it. The fetch returns the final
/// records exactly, or fails naming the query; never one card missing and
/// a deleted one kept.
#[tokio::test]
async fn an_insert_and_a_delete_that_cancel_out_are_caught_by_reading_again() {
    let names: Vec<String> = (0..10).map(|i| format!("u{i}")).collect();
    let records = names.iter().map(|n| user(n)).collect();
    let (url, requests) = paging_server(records, 4, |records| {
        // Before the cursor (4): "u1" deleted, "new" inserted.
        records.remove(1);
        records.insert(2, user("new"));
    })
    .await;
    let got = client_with(options(&url, 4))
        .users(&UserQuery::all())
        .await
        .unwrap();
    let mut want: Vec<String> = names.clone();
    want.remove(1);
    want.insert(2, "new".into());
    assert_eq!(user_names(&got.frame), want, "the final records, exactly");
    assert!(
        requests.load(std::sync::atomic::Ordering::SeqCst) >= 9,
        "three reads of three pages: the torn one, then two that agree"
    );
    // With the overlap check alone the move goes unseen: what the default
    // guards against.
    let (url, _) = paging_server(names.iter().map(|n| user(n)).collect(), 4, |records| {
        records.remove(1);
        records.insert(2, user("new"));
    })
    .await;
    let mut overlap = options(&url, 4);
    overlap.api.verify = payrun_ingest::client::Verify::Overlap;
    let torn = client_with(overlap).users(&UserQuery::all()).await.unwrap();
    assert_ne!(user_names(&torn.frame), want);
}

/// `api.max_records` below 2 cannot check pages against each other: refused.
#[test]
fn max_records_below_two_is_refused() {
    let err = Q2Client::new(
        options("http://127.0.0.1:9/q2", 1),
        Credentials {
            company_id: "1".into(),
            token: DeveloperToken::new("t"),
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("api.max_records: 1 is too few"),
        "{err}"
    );
}

/// A 307 to another loopback port is not followed: the error names the
/// `Location`, and nothing (the token least of all) reaches that port.
#[tokio::test]
async fn a_redirect_is_an_error_naming_where_and_nothing_is_sent_there() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let elsewhere = Arc::new(AtomicUsize::new(0));
    let reached = Arc::clone(&elsewhere);
    let trap = axum::Router::new().fallback(move || {
        reached.fetch_add(1, Ordering::SeqCst);
        async { "{}" }
    });
    let trap_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}/steal", trap_listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(trap_listener, trap).await });
    for status in [301u16, 302, 303, 307, 308] {
        let location = target.clone();
        let app = axum::Router::new().fallback(move || {
            let location = location.clone();
            async move {
                (
                    axum::http::StatusCode::from_u16(status).unwrap(),
                    [(axum::http::header::LOCATION, location)],
                    "",
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/q2", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let err = client_with(options(&url, 100))
            .users(&UserQuery::all())
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the Q2 API answered HTTP {status} redirecting to {target}; payrun follows no \
                 redirects (the developer token would go with it): set api.base_url to the \
                 address the API answers at"
            )
        );
    }
    assert_eq!(
        elsewhere.load(Ordering::SeqCst),
        0,
        "nothing was sent there"
    );
}

/// 429s are the API pacing the client: they spend none of the retry
/// budget (here none at all), however many there are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_spend_no_retry_budget() {
    let data = company(20, date(2024, 3, 1), date(2024, 3, 31));
    let span = days(date(2024, 3, 1), date(2024, 3, 31));
    let (want, _) = clean_fetch(&data, &span, 10).await;
    let faults = Faults {
        rate_limit_rate: 0.3,
        retry_after_secs: 0,
        seed: 8,
        ..Faults::none()
    };
    let sim = Simulator::start(data, faults).await.unwrap();
    let mut no_budget = options(&sim.url(), 10);
    no_budget.api.retry_budget = Some(0);
    no_budget.api.max_retries = 0;
    let got = client_with(no_budget).time_cards(&span).await.unwrap();
    assert!(got.frame.equals_missing(&want.frame));
    assert!(sim.requests() > 2 * want.pages as u64, "some were 429s");
    sim.stop().await;
}

/// The run's waiting on 429s is bounded by `api.max_wait_secs`.
#[tokio::test]
async fn waiting_on_rate_limits_stops_at_max_wait_secs() {
    let faults = Faults {
        rate_limit_rate: 1.0,
        retry_after_secs: 1,
        ..Faults::none()
    };
    let sim = Simulator::start(company(3, date(2024, 1, 1), date(2024, 1, 3)), faults)
        .await
        .unwrap();
    let mut patient = options(&sim.url(), 100);
    patient.retry_max_delay = Duration::from_secs(5);
    patient.api.max_wait_secs = 2;
    let started = std::time::Instant::now();
    let err = client_with(patient)
        .users(&UserQuery::all())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.to_string().contains("api.max_wait_secs is 2"), "{err}");
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
    assert_eq!(sim.requests(), 3, "waited 1 s twice, then gave up");
    sim.stop().await;
}

/// A 300-user month read 37 records a page through 15% HTTP 500s, 10%
/// 429s and 5% truncated bodies, then with 5% drift on top: the default
/// budget carries it (429s spend none of it) and the records are exactly
/// a clean fetch's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_through_every_fault_reads_what_a_clean_fetch_reads() {
    let data = company(300, date(2024, 3, 1), date(2024, 3, 31));
    let span = days(date(2024, 3, 1), date(2024, 3, 31));
    let (want, _) = clean_fetch(&data, &span, 37).await;
    assert!(want.pages > 100, "{} pages", want.pages);
    for drift_rate in [0.0, 0.05] {
        let faults = Faults {
            error_rate: 0.15,
            rate_limit_rate: 0.1,
            retry_after_secs: 0,
            truncate_rate: 0.05,
            drift_rate,
            seed: 29,
            ..Faults::none()
        };
        let sim = Simulator::start(data.clone(), faults).await.unwrap();
        let mut defaults = options(&sim.url(), 37);
        defaults.api.max_retries = ApiConfig::default().max_retries;
        let c = client_with(defaults);
        let got = c.time_cards(&span).await.unwrap();
        assert!(got.frame.equals_missing(&want.frame), "drift {drift_rate}");
        assert_eq!(got.exceptions, want.exceptions);
        let users = c.users(&UserQuery::all()).await.unwrap();
        assert_eq!(users.frame.height(), 300);
        assert!(users.frame.equals_missing(&expected(
            data.users.iter().map(|u| u.json.to_string()),
            RecordType::User
        )));
        assert!(
            sim.requests() as usize > 2 * want.pages,
            "every page read twice, and failures retried"
        );
        sim.stop().await;
    }
}

/// A month streamed (`time_cards_to`, `users_to`) through faults and
/// drift, with each verification, gives `put` the records a clean fetch
/// holds, in order, and leaves no spill file behind; a spill folder that
/// cannot be written, or a `put` that fails, stops the fetch with an
/// error naming what failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_month_puts_what_a_clean_fetch_holds() {
    let data = company(120, date(2024, 3, 1), date(2024, 3, 31));
    let span = days(date(2024, 3, 1), date(2024, 3, 31));
    let (want, _) = clean_fetch(&data, &span, 37).await;
    for (drift_rate, verify) in [
        (0.05, payrun_ingest::client::Verify::Reread),
        (0.0, payrun_ingest::client::Verify::Overlap),
    ] {
        let faults = Faults {
            error_rate: 0.1,
            truncate_rate: 0.05,
            drift_rate,
            seed: 31,
            ..Faults::none()
        };
        let sim = Simulator::start(data.clone(), faults).await.unwrap();
        let mut options = options(&sim.url(), 37);
        options.api.verify = verify;
        let c = client_with(options);
        let spill = tempfile::tempdir().unwrap();
        let mut got = DataFrame::empty_with_schema(&RecordType::TimeCard.schema());
        let streamed = c
            .time_cards_to(&span, spill.path(), &mut |chunk| {
                got.vstack_mut_owned(chunk)?;
                Ok(())
            })
            .await
            .unwrap();
        assert!(got.equals_missing(&want.frame), "{verify:?}");
        assert_eq!(streamed.rows, want.frame.height());
        assert_eq!(streamed.exceptions, want.exceptions);
        let mut users = 0;
        c.users_to(&UserQuery::all(), spill.path(), &mut |chunk| {
            users += chunk.height();
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(users, 120);
        assert_eq!(
            std::fs::read_dir(spill.path()).unwrap().count(),
            0,
            "{verify:?}: spill left"
        );

        let gone = spill.path().join("gone");
        let err = c
            .time_cards_to(&span, &gone, &mut |_| Ok(()))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, IngestError::Spill { path, .. } if path.starts_with(&gone)),
            "{err}"
        );
        let err = c
            .users_to(&UserQuery::all(), spill.path(), &mut |_| {
                Err(IngestError::Credentials("the disk is full".into()))
            })
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "the disk is full");
        sim.stop().await;
    }
}
