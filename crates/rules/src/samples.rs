//! Test data shared by the crate's unit tests.

use rust_decimal::Decimal;

/// `count` decimals from `seed` (xorshift): every scale from 0 to 28,
/// both signs, mantissas up to about 2^95, so the same figures come back
/// on every run.
pub(crate) fn random_decimals(seed: u64, count: usize) -> Vec<Decimal> {
    let mut x = seed;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let scale = (x % 29) as u32;
            let mantissa = i128::from(x >> 1) * i128::from((x >> 40) as u32 | 1);
            let mantissa = if x & 1 == 1 { -mantissa } else { mantissa };
            Decimal::from_i128_with_scale(mantissa, scale)
        })
        .collect()
}
