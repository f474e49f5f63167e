//! Hostile and broken answers, each with its asserted outcome: one clear
//! error naming the request, or an exception row; never a panic, never a
//! silent zero.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use payrun_ingest::client::{
    ApiConfig, ClientOptions, Credentials, DeveloperToken, Q2Client, UserQuery, Verify,
};
use payrun_ingest::{PayrollInput, RecordType, decode_page, decode_records};

/// Serves `bodies` in turn (the last one again after the end), each with
/// HTTP 200, on loopback; returns the endpoint and the request count.
async fn serve(bodies: Vec<Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    use axum::routing::post;
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let bodies = Arc::new(bodies);
    let app = axum::Router::new().route(
        "/Jun-Inside-VPC",
        post(move || {
            let (seen, bodies) = (Arc::clone(&seen), Arc::clone(&bodies));
            async move {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                bodies[n.min(bodies.len() - 1)].clone()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/Jun-Inside-VPC", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, count)
}

fn client(url: &str) -> Q2Client {
    let mut options = ClientOptions::new(ApiConfig {
        base_url: url.to_owned(),
        max_retries: 1,
        // `serve` answers a script, not a data set: reading it again would
        // read a different script. Rereads are tested in tests/http.rs.
        verify: Verify::Overlap,
        ..ApiConfig::default()
    });
    options.retry_min_delay = Duration::from_millis(1);
    options.retry_max_delay = Duration::from_millis(5);
    let credentials = Credentials {
        company_id: "1".into(),
        token: DeveloperToken::new("hostile-test-token"),
    };
    Q2Client::new(options, credentials).unwrap()
}

/// Fetches users from a server answering `bodies`; the error's one line.
async fn fails_with(bodies: Vec<&[u8]>) -> String {
    let (url, _) = serve(bodies.into_iter().map(<[u8]>::to_vec).collect()).await;
    let err = client(&url).users(&UserQuery::all()).await.unwrap_err();
    let line = err.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(!line.contains("hostile-test-token"));
    line
}

const OK_EMPTY: &[u8] = br#"{"statusCode":"SUCCESS","message":"","nextRecord":"-1","data":[]}"#;

#[tokio::test]
async fn bodies_that_are_not_q2_responses_are_named_errors() {
    let cases: [(&str, &[u8], &str); 9] = [
        (
            "an HTML error page with status 200",
            b"<html><body>502 Bad Gateway</body></html>",
            "not a valid Q2 response",
        ),
        ("not JSON", b"hello", "not a valid Q2 response"),
        ("an empty body", b"", "not a valid Q2 response"),
        (
            "data missing",
            br#"{"statusCode":"SUCCESS","message":"","nextRecord":"-1"}"#,
            "a SUCCESS response without a data array",
        ),
        (
            "data null",
            br#"{"statusCode":"SUCCESS","message":"","nextRecord":"-1","data":null}"#,
            "a SUCCESS response without a data array",
        ),
        (
            "data an object",
            br#"{"statusCode":"SUCCESS","message":"","nextRecord":"-1","data":{"userName":"ann"}}"#,
            "expected an array of records",
        ),
        (
            "statusCode missing",
            br#"{"message":"","nextRecord":"-1","data":[]}"#,
            "no statusCode",
        ),
        (
            "statusCode unknown",
            br#"{"statusCode":"MAYBE","message":"","nextRecord":"-1","data":[]}"#,
            "statusCode \"MAYBE\" is neither SUCCESS nor ERROR",
        ),
        (
            "invalid UTF-8",
            b"{\"statusCode\":\"SUCCESS\",\"nextRecord\":\"-1\",\"data\":[{\"userName\":\"\xff\xfe\"}]}",
            "not a valid Q2 response",
        ),
    ];
    for (what, body, expected) in cases {
        let line = fails_with(vec![body]).await;
        assert!(
            line.starts_with("gave up on api/q2QueryUsers at nextRecord \"0\" after 2 attempts")
                && line.contains(expected),
            "{what}: {line}"
        );
    }
}

#[tokio::test]
async fn json_nested_ten_thousand_deep_is_an_exception_not_a_stack_overflow() {
    let nested = |at: &str| {
        let mut body = at.as_bytes().to_vec();
        body.extend(std::iter::repeat_n(b'[', 10_000));
        body.extend(std::iter::repeat_n(b']', 10_000));
        body
    };
    // In a record's field: the value is unreadable, said in an exception row.
    let mut body =
        nested(r#"{"statusCode":"SUCCESS","nextRecord":"-1","data":[{"userName":"ann","memo":"#);
    body.extend_from_slice(b"}]}");
    let (url, _) = serve(vec![body]).await;
    let users = client(&url).users(&UserQuery::all()).await.unwrap();
    assert_eq!(users.frame.height(), 1);
    assert_eq!(users.exceptions.len(), 1);
    assert!(
        users.exceptions[0].message.contains("`memo`"),
        "{:?}",
        users.exceptions
    );
    // As the records themselves: each is not a record, an error row.
    let mut body = nested(r#"{"statusCode":"SUCCESS","nextRecord":"-1","data":"#);
    body.extend_from_slice(b"}");
    let (url, _) = serve(vec![body]).await;
    let users = client(&url).users(&UserQuery::all()).await.unwrap();
    assert_eq!(users.frame.height(), 0);
    assert_eq!(users.exceptions.len(), 1);
    assert_eq!(users.exceptions[0].severity, payrun_ingest::Severity::Error);
    assert!(
        users.exceptions[0]
            .message
            .contains("is an array, not an object; skipped"),
        "{:?}",
        users.exceptions
    );
}

#[tokio::test]
async fn cursors_missing_or_repeating_stop_the_run_and_odd_ones_are_sent_back() {
    let line = fails_with(vec![br#"{"statusCode":"SUCCESS","message":"","data":[]}"#]).await;
    assert!(line.contains("without nextRecord"), "{line}");
    // A negative or non-numeric cursor is opaque: sent back as it came.
    for cursor in ["-5", "abc"] {
        let page = format!(
            r#"{{"statusCode":"SUCCESS","message":"","nextRecord":"{cursor}","data":[{{"userName":"ann"}}]}}"#
        );
        let (url, count) = serve(vec![page.into_bytes(), OK_EMPTY.to_vec()]).await;
        let users = client(&url).users(&UserQuery::all()).await.unwrap();
        assert_eq!((users.frame.height(), count.load(Ordering::SeqCst)), (1, 2));
    }
    let repeating = br#"{"statusCode":"SUCCESS","message":"","nextRecord":"7","data":[]}"#;
    let line = fails_with(vec![repeating]).await;
    assert!(line.contains("returned nextRecord \"7\" again"), "{line}");
}

#[test]
fn bad_values_are_exception_rows_never_silent_zeros() {
    let cards = decode_records(
        br#"[
          {"userName":"ann","inDateTime":"2024-02-30 25:61:00","outDateTime":"2024-03-01 17:00:00","entryType":0},
          {"userName":"ann","inDateTime":"2024-03-01 00:00:00","hours":"abc","entryType":1,"ptoName":"Sick"},
          {"userName":"ann","inDateTime":"2024-03-02 00:00:00","hours":"1e400","entryType":1,"ptoName":"Sick"},
          {"userName":"ann","inDateTime":"2024-03-03 00:00:00","hours":"-0","entryType":1,"ptoName":"Sick"},
          {"userName":"ann","inDateTime":"2024-03-04 09:00:00","outDateTime":"2024-03-04 10:00:00","entryType":7}
        ]"#,
        RecordType::TimeCard,
    )
    .unwrap();
    let long_name = "x".repeat(100_000);
    let users = decode_records(
        format!(
            r#"[{{"userName":"ann","payRate":"-5"}},{{"userName":"bob","payRate":"NaN"}},
                {{"userName":"{long_name}","payRate":"10"}}]"#
        )
        .as_bytes(),
        RecordType::User,
    )
    .unwrap();
    let messages: Vec<String> = cards
        .exceptions
        .iter()
        .chain(&users.exceptions)
        .map(|e| e.message.clone())
        .collect();
    let named = |field: &str, value: &str| {
        messages
            .iter()
            .any(|m| m.contains(&format!("`{field}`")) && m.contains(value))
    };
    assert!(named("inDateTime", "2024-02-30 25:61:00"), "{messages:#?}");
    assert!(named("hours", "abc"), "{messages:#?}");
    assert!(named("hours", "1e400"), "{messages:#?}");
    assert!(named("payRate", "NaN"), "{messages:#?}");
    // "-0" hours is zero, a number; -5 is a number the rules hold (payroll safety).
    assert!(!named("hours", "-0"), "{messages:#?}");
    let input =
        PayrollInput::from_frames(&cards.frame, &users.frame, cards.exceptions.clone()).unwrap();
    assert_eq!(
        input.users[2].user_name.as_deref().map(str::len),
        Some(100_000)
    );
    assert!(
        cards
            .exceptions
            .iter()
            .all(|e| e.kind == payrun_ingest::kinds::INVALID_VALUE),
        "entryType 7 is the rules' exception, unknown_entry_type"
    );
}

#[test]
fn a_success_page_reads_its_records_and_a_bare_error_page_has_no_problem() {
    let page = decode_page(OK_EMPTY, RecordType::User).unwrap();
    assert_eq!(page.header.problem(), None);
    let refused = decode_page(
        br#"{"statusCode":"ERROR","message":"Developer token is not correct."}"#,
        RecordType::User,
    )
    .unwrap();
    assert_eq!(
        refused.header.problem(),
        None,
        "the client quotes the API's message"
    );
}

/// Files with the wrong columns, cut short, or empty are one error naming
/// the file (a CSV with only its header holds no records: the rules then
/// report `empty_input`).
#[test]
fn broken_record_files_are_named_errors() {
    use payrun_ingest::{read_payroll_records, read_records};
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let good = decode_records(
        br#"[{"userName":"ann","inDateTime":"2024-05-13 09:00:00","outDateTime":"2024-05-13 17:00:00","entryType":0}]"#,
        RecordType::TimeCard,
    )
    .unwrap()
    .frame;
    let parquet = dir.path().join("cards.parquet");
    ParquetWriter::new(std::fs::File::create(&parquet).unwrap())
        .finish(&mut good.clone())
        .unwrap();
    let bytes = std::fs::read(&parquet).unwrap();
    let csv = "userName,inDateTime,outDateTime,entryType\nann,2024-05-13 09:00:00,2024-05-13 17:00:00,0\n";
    let cases: [(&str, Vec<u8>); 5] = [
        ("truncated.parquet", bytes[..bytes.len() / 2].to_vec()),
        ("empty.parquet", Vec::new()),
        ("wrong.parquet", {
            let path = dir.path().join("other.parquet");
            let mut other = df!("a" => [1, 2], "b" => ["x", "y"]).unwrap();
            ParquetWriter::new(std::fs::File::create(&path).unwrap())
                .finish(&mut other)
                .unwrap();
            std::fs::read(&path).unwrap()
        }),
        ("empty.csv", Vec::new()),
        ("wrong.csv", b"a,b\n1,2\n".to_vec()),
    ];
    for (name, content) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        for read in [read_records, read_payroll_records] {
            let err = read(&path, RecordType::TimeCard).unwrap_err().to_string();
            assert!(err.contains(name) && !err.contains('\n'), "{name}: {err}");
        }
    }
    // A CSV cut inside a record: the record is read, and its cut value is
    // an exception row.
    let cut = dir.path().join("cut.csv");
    let two = format!("{csv}bob,2024-05-14 09:00:00,2024-05-14 17:00:00,0\n");
    std::fs::write(&cut, &two.as_bytes()[..two.len() - 30]).unwrap();
    let read = read_payroll_records(&cut, RecordType::TimeCard).unwrap();
    assert_eq!(read.frame.height(), 2);
    assert!(
        read.exceptions
            .iter()
            .any(|e| e.message.contains("`inDateTime`")),
        "{:?}",
        read.exceptions
    );
    let header_only = dir.path().join("header.csv");
    std::fs::write(&header_only, "userName,inDateTime,outDateTime,entryType\n").unwrap();
    let read = read_payroll_records(&header_only, RecordType::TimeCard).unwrap();
    assert_eq!(read.frame.height(), 0);
}

/// A body sent without a length (chunked) is counted as it streams in and
/// refused once past `api.max_body_bytes`, before the rest arrives.
#[tokio::test]
async fn a_chunked_body_past_the_limit_is_refused_while_it_streams() {
    use axum::routing::post;
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let app = axum::Router::new().route(
        "/Jun-Inside-VPC",
        post(move || {
            let counter = Arc::clone(&counter);
            async move {
                // An endless stream of 1 KiB chunks: only the limit ends it.
                let chunks = futures_util::stream::repeat_with(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 1024]))
                });
                axum::body::Body::from_stream(chunks)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/Jun-Inside-VPC", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut options = ClientOptions::new(ApiConfig {
        base_url: url,
        max_body_bytes: 64 * 1024,
        ..ApiConfig::default()
    });
    options.retry_min_delay = Duration::from_millis(1);
    let credentials = Credentials {
        company_id: "1".into(),
        token: DeveloperToken::new("t"),
    };
    let err = Q2Client::new(options, credentials)
        .unwrap()
        .users(&UserQuery::all())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the api/q2QueryUsers response is larger than api.max_body_bytes (65536 bytes); refused"
    );
    // The stream has no end, so reaching here means the client stopped at
    // the limit; what the server wrote ahead sits in socket buffers.
    assert!(served.load(Ordering::SeqCst) >= 64);
}
