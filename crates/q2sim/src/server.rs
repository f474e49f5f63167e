//! The HTTP face of the simulator.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::ENDPOINT_PATH;
use crate::company::Company;
use crate::faults::{Fault, Faults};
use crate::query::{self, Answer, Params};

struct Shared {
    company: Company,
    faults: Faults,
    requests: AtomicU64,
}

/// A running simulator. Dropping it leaves the server running until the
/// runtime shuts down; call [`Simulator::stop`] to stop it deterministically.
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Simulator {
    /// Serves `company` on an ephemeral loopback port.
    pub async fn start(company: Company, faults: Faults) -> std::io::Result<Simulator> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), company, faults).await
    }

    /// Serves `company` on `addr`.
    pub async fn start_on(
        addr: SocketAddr,
        company: Company,
        faults: Faults,
    ) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            company,
            faults,
            requests: AtomicU64::new(0),
        });
        let app = Router::new()
            .route(ENDPOINT_PATH, any(handle))
            .with_state(Arc::clone(&shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("simulator stopped with an error: {e}");
            }
        });
        Ok(Simulator {
            addr,
            shared,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:41234/Jun-Inside-VPC`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, ENDPOINT_PATH)
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The company being served.
    pub fn company(&self) -> &Company {
        &self.shared.company
    }

    /// How many requests reached the endpoint so far (faulted ones included).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Stops accepting requests and waits for the server task to end.
    /// Requests in flight are aborted, as when a real server goes away.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
        let _ = (&mut self.task).await;
    }

    /// Waits until the server task ends (for `payrun sim`, which runs until killed).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let n = shared.requests.fetch_add(1, Ordering::SeqCst);
    let faults = &shared.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let fault = faults.decide(n);
    match fault {
        Fault::ServerError => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
        }
        Fault::RateLimited => {
            let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            if let Ok(value) = HeaderValue::from_str(&faults.retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        Fault::Truncate | Fault::None => {}
    }
    let params = match parse_params(query.as_deref(), &body) {
        Ok(params) => params,
        Err(message) => return json_response(Answer::Error(message).to_body()),
    };
    let company = &shared.company;
    let answer = query::answer(company, &params, faults.drift(n));
    let mut text = answer.to_body();
    if fault == Fault::Truncate {
        let mut cut = text.len() / 2;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    json_response(text)
}

fn json_response(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        body,
    )
        .into_response()
}

/// A JSON object body wins; otherwise the query string is read, as the API
/// accepts both forms.
fn parse_params(query: Option<&str>, body: &[u8]) -> Result<Params, String> {
    let trimmed = body.trim_ascii();
    if !trimmed.is_empty() {
        return match serde_json::from_slice::<Value>(trimmed) {
            Ok(Value::Object(map)) => Ok(query::params_from_json(map)),
            _ => Err("Request body is not a JSON object.".into()),
        };
    }
    Ok(query.map(|q| url_pairs(q).collect()).unwrap_or_default())
}

/// Decodes `a=b&c=d` with percent escapes and `+` for space.
fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode_like_a_browser_sends_them() {
        let pairs: Vec<_> =
            url_pairs("cmd=api%2Fq2QueryUsers&userFullName=Elon+Musk&x=%zz").collect();
        assert_eq!(pairs[0], ("cmd".into(), "api/q2QueryUsers".into()));
        assert_eq!(pairs[1], ("userFullName".into(), "Elon Musk".into()));
        assert_eq!(pairs[2], ("x".into(), "%zz".into()));
    }
}
