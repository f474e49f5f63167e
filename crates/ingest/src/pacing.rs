//! Pacing requests to what the API accepts.
//!
//! An HTTP 429 is the API asking for fewer or slower requests, not a
//! failure: it spends none of the retry budget (`api.retry_budget` counts
//! failures only). The client answers it in two ways. It waits as
//! `Retry-After` asks (capped), and it sends fewer requests at once:
//! additive increase, multiplicative decrease, as TCP does. [`Pacer`] holds
//! the number of requests allowed in flight, starting at `api.concurrency`;
//! each 429 halves it (never below 1), and every [`RAISE_AFTER`]
//! successful pages in a row raise it by one, up to `api.concurrency`
//! again. The time the run spends waiting on 429s is bounded by
//! `api.max_wait_secs`, counted as wall-clock time (two requests waiting at
//! once count once).
//!
//! Requests hold a permit while their body is read and decoded, so at most
//! `api.concurrency` bodies are in memory at once: the worst case is
//! `api.concurrency × api.max_body_bytes`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

/// Successful pages in a row after which one more request may be in flight.
pub const RAISE_AFTER: u32 = 8;

/// The requests allowed in flight, and the run's waiting on 429s.
#[derive(Debug)]
pub struct Pacer {
    permits: Semaphore,
    most: usize,
    state: Mutex<State>,
    max_wait: Duration,
}

#[derive(Debug)]
struct State {
    /// Requests allowed in flight now.
    limit: usize,
    /// Permits to retire as they come back (the limit was lowered below
    /// what is in flight).
    owed: usize,
    /// Successful pages since the last 429 or raise.
    successes: u32,
    /// Wall-clock time spent waiting on 429s so far.
    waited: Duration,
    /// The end of the latest wait on a 429.
    waiting_until: Option<Instant>,
}

/// A permit to have one request in flight; see [`Pacer::acquire`].
#[derive(Debug)]
pub struct Permit<'a> {
    pacer: &'a Pacer,
    permit: Option<SemaphorePermit<'a>>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let mut state = self.pacer.lock();
        if state.owed > 0 {
            state.owed -= 1;
            permit.forget();
        }
    }
}

impl Pacer {
    /// At most `most` requests in flight; at most `max_wait` spent waiting
    /// on 429s over the run.
    pub fn new(most: usize, max_wait: Duration) -> Self {
        let most = most.max(1);
        Pacer {
            permits: Semaphore::new(most),
            most,
            state: Mutex::new(State {
                limit: most,
                owed: 0,
                successes: 0,
                waited: Duration::ZERO,
                waiting_until: None,
            }),
            max_wait,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until one more request may be in flight.
    pub async fn acquire(&self) -> Permit<'_> {
        // The semaphore is never closed.
        let permit = self.permits.acquire().await.ok();
        Permit {
            pacer: self,
            permit,
        }
    }

    /// Requests allowed in flight now.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    /// A page came back whole: after [`RAISE_AFTER`] in a row, one more
    /// request may be in flight.
    pub fn succeeded(&self) {
        let mut state = self.lock();
        state.successes += 1;
        if state.successes >= RAISE_AFTER && state.limit < self.most {
            state.successes = 0;
            state.limit += 1;
            if state.owed > 0 {
                state.owed -= 1;
            } else {
                self.permits.add_permits(1);
            }
        }
    }

    /// The API answered 429 and asks for `wait`: halves the requests in
    /// flight and accounts the wait. `Err` with the time waited so far when
    /// waiting would pass `api.max_wait_secs`.
    pub fn rate_limited(&self, wait: Duration) -> Result<(), Duration> {
        let mut state = self.lock();
        let halved = (state.limit / 2).max(1);
        for _ in halved..state.limit {
            // A permit not in use is retired now, one in flight when it returns.
            match self.permits.try_acquire() {
                Ok(free) => free.forget(),
                Err(_) => state.owed += 1,
            }
        }
        state.limit = halved;
        state.successes = 0;
        let now = Instant::now();
        let from = state.waiting_until.map_or(now, |until| until.max(now));
        let until = now + wait;
        let added = until.saturating_duration_since(from);
        if state.waited + added > self.max_wait {
            return Err(state.waited);
        }
        state.waited += added;
        state.waiting_until = Some(from.max(until));
        Ok(())
    }

    /// Wall-clock time spent waiting on 429s so far.
    pub fn waited(&self) -> Duration {
        self.lock().waited
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_429_halves_what_is_in_flight_and_successes_raise_it_again() {
        let pacer = Pacer::new(4, Duration::from_secs(600));
        let held: Vec<_> = futures_util::future::join_all((0..4).map(|_| pacer.acquire())).await;
        pacer.rate_limited(Duration::ZERO).unwrap();
        assert_eq!(pacer.limit(), 2);
        pacer.rate_limited(Duration::ZERO).unwrap();
        pacer.rate_limited(Duration::ZERO).unwrap();
        assert_eq!(pacer.limit(), 1, "never below one");
        drop(held);
        // Three permits were retired as they came back: one is left.
        let one = pacer.acquire().await;
        let second = tokio::time::timeout(Duration::from_millis(20), pacer.acquire()).await;
        assert!(second.is_err(), "a second request waits");
        for _ in 0..RAISE_AFTER {
            pacer.succeeded();
        }
        assert_eq!(pacer.limit(), 2);
        let two = tokio::time::timeout(Duration::from_millis(20), pacer.acquire()).await;
        assert!(two.is_ok(), "after a run of successes, two are in flight");
        drop((one, two));
        for _ in 0..RAISE_AFTER * 10 {
            pacer.succeeded();
        }
        assert_eq!(pacer.limit(), 4, "never above api.concurrency");
        let all = futures_util::future::join_all((0..4).map(|_| pacer.acquire()));
        assert_eq!(
            tokio::time::timeout(Duration::from_millis(20), all)
                .await
                .unwrap()
                .len(),
            4
        );
    }

    #[tokio::test]
    async fn waits_that_overlap_count_once_and_the_cap_stops_them() {
        let pacer = Pacer::new(4, Duration::from_secs(100));
        pacer.rate_limited(Duration::from_secs(60)).unwrap();
        // Asked at the same moment by another request: overlaps the first.
        pacer.rate_limited(Duration::from_secs(60)).unwrap();
        let waited = pacer.waited();
        assert!(
            waited >= Duration::from_secs(60) && waited < Duration::from_secs(61),
            "{waited:?}"
        );
        // Fifty within the first sixty add nothing; two hundred from now
        // would make 200 s in all, past the cap of 100.
        pacer.rate_limited(Duration::from_secs(50)).unwrap();
        let stopped = pacer.rate_limited(Duration::from_secs(200)).unwrap_err();
        assert!(stopped >= Duration::from_secs(60), "{stopped:?}");
    }
}
