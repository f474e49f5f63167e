//! Fault injection: the ways a real API misbehaves under load.
//!
//! Each request draws one number from a deterministic sequence (seeded by
//! [`Faults::seed`]), so a given fault configuration misbehaves the same way
//! on every run with the same request order.

use std::time::Duration;

/// What goes wrong, and how often. Rates are shares of requests in `0.0..=1.0`.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// The first this many requests answer HTTP 500, whatever the rates say.
    pub fail_first: u32,
    /// Share of requests answered with HTTP 500.
    pub error_rate: f64,
    /// Share of requests answered with HTTP 429 and `Retry-After`.
    pub rate_limit_rate: f64,
    /// The `Retry-After` value sent with a 429, in seconds.
    pub retry_after_secs: u64,
    /// Share of successful responses whose body is cut in half.
    pub truncate_rate: f64,
    /// Delay added before every response.
    pub latency: Duration,
    /// Share of requests for a later page (`nextRecord` > 0) during which
    /// the data moves: a record before the cursor is deleted (the page
    /// starts one record later, so one is never read) or inserted (one
    /// record is read twice), as when a manager edits time cards while a
    /// client pages through them. The data itself stays as it was.
    pub drift_rate: f64,
    /// Seed for the per-request draws.
    pub seed: u64,
}

/// What the server does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    ServerError,
    RateLimited,
    Truncate,
}

impl Faults {
    /// No faults: every request is answered promptly and completely.
    pub fn none() -> Self {
        Faults::default()
    }

    /// The fault for the `n`-th request (0-based).
    pub(crate) fn decide(&self, n: u64) -> Fault {
        if n < u64::from(self.fail_first) {
            return Fault::ServerError;
        }
        let draw = unit_interval(splitmix64(
            self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        ));
        if draw < self.error_rate {
            Fault::ServerError
        } else if draw < self.error_rate + self.rate_limit_rate {
            Fault::RateLimited
        } else if draw < self.error_rate + self.rate_limit_rate + self.truncate_rate {
            Fault::Truncate
        } else {
            Fault::None
        }
    }
}

impl Faults {
    /// How far records before the cursor moved during the `n`-th request:
    /// -1 (one deleted), +1 (one inserted) or 0.
    pub(crate) fn drift(&self, n: u64) -> i64 {
        if self.drift_rate <= 0.0 {
            return 0;
        }
        let draw = splitmix64(self.seed ^ 0xd21f7 ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if unit_interval(draw) >= self.drift_rate {
            0
        } else if draw & 1 == 0 {
            -1
        } else {
            1
        }
    }
}

/// One step of SplitMix64: a small, well-mixed, reproducible generator.
pub(crate) fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Maps a 64-bit draw onto `[0, 1)`.
pub(crate) fn unit_interval(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_respected_roughly_and_deterministically() {
        let faults = Faults {
            error_rate: 0.2,
            rate_limit_rate: 0.1,
            seed: 7,
            ..Faults::none()
        };
        let draws: Vec<Fault> = (0..10_000).map(|n| faults.decide(n)).collect();
        let errors = draws.iter().filter(|f| **f == Fault::ServerError).count();
        let limited = draws.iter().filter(|f| **f == Fault::RateLimited).count();
        assert!((1800..2200).contains(&errors), "{errors}");
        assert!((850..1150).contains(&limited), "{limited}");
        let again: Vec<Fault> = (0..10_000).map(|n| faults.decide(n)).collect();
        assert_eq!(draws, again);
    }

    #[test]
    fn fail_first_fails_exactly_the_first_requests() {
        let faults = Faults {
            fail_first: 2,
            ..Faults::none()
        };
        assert_eq!(faults.decide(0), Fault::ServerError);
        assert_eq!(faults.decide(1), Fault::ServerError);
        assert_eq!(faults.decide(2), Fault::None);
    }
}
