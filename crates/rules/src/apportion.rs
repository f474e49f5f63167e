//! Largest remainder: exact values shared out in whole units (cents,
//! hundredths of an hour, minutes) so that the parts add up exactly to a
//! total rounded once. Pay lines to their summary line (design §5b), days
//! to their summary hours (design §9), per-workday export rows to the
//! period's figure: each part is its exact value rounded down, then one
//! more unit goes to the largest remainders, the earlier part first on a
//! tie, until the total is reached.

use std::cmp::Reverse;

/// The `missing` items of `items` that get one more unit: those with the
/// smallest `key` (give it as `(Reverse(remainder), index)`, so the
/// largest remainder comes first and the earlier part on a tie), found
/// without sorting them all. The order of `items` changes; the set chosen
/// does not depend on it.
pub fn largest<T, K: Ord>(items: &mut [T], missing: usize, key: impl FnMut(&T) -> K) -> &mut [T] {
    let missing = missing.min(items.len());
    if missing == 0 {
        return &mut [];
    }
    items.select_nth_unstable_by_key(missing - 1, key);
    &mut items[..missing]
}

/// Rounds `value / unit` half away from zero.
pub fn round_div(value: i128, unit: i128) -> i128 {
    let q = value / unit;
    let r = value % unit;
    if 2 * r.abs() >= unit {
        q + value.signum()
    } else {
        q
    }
}

/// `value`'s floor and remainder in `unit`s, in i64 when it fits (i128
/// division is a slow library call); hours here always fit.
pub fn floor_rem(value: i128, unit: i128) -> (i128, i128) {
    match (i64::try_from(value), i64::try_from(unit)) {
        (Ok(v), Ok(u)) => (i128::from(v.div_euclid(u)), i128::from(v.rem_euclid(u))),
        _ => (value.div_euclid(unit), value.rem_euclid(unit)),
    }
}

/// Non-negative `values` (in `unit`s per hundredth) as hundredths that add up
/// to the rounded total: floors, then one more hundredth for the largest remainders.
pub fn apportion(values: &[i128], unit: i128) -> (i128, Vec<i128>) {
    let total = round_div(values.iter().sum(), unit);
    let (mut parts, remainders): (Vec<i128>, Vec<i128>) =
        values.iter().map(|&v| floor_rem(v, unit)).unzip();
    let missing = usize::try_from(total - parts.iter().sum::<i128>()).unwrap_or(0);
    let mut order: Vec<usize> = (0..values.len()).collect();
    for &mut i in largest(&mut order, missing, |&i| (Reverse(remainders[i]), i)) {
        parts[i] += 1;
    }
    (total, parts)
}

/// `total` units shared in proportion to `weights` (each 0 or more): by
/// largest remainder of `total × weight / Σ weights`, so the parts add up
/// to `total` exactly; a negative total is shared as its magnitude.
pub fn share(total: i128, weights: &[i128]) -> Vec<i128> {
    let sum: i128 = weights.iter().sum();
    if sum <= 0 {
        return vec![0; weights.len()];
    }
    let magnitude = total.abs();
    let values: Vec<i128> = weights.iter().map(|w| magnitude * w).collect();
    let (_, mut parts) = apportion(&values, sum);
    if total < 0 {
        parts.iter_mut().for_each(|p| *p = -*p);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_add_up_and_ties_go_to_the_earlier() {
        assert_eq!(share(10, &[1, 1, 1]), [4, 3, 3]);
        assert_eq!(share(100, &[1, 2, 3, 4]), [10, 20, 30, 40]);
        assert_eq!(share(-5, &[1, 1]), [-3, -2]);
        assert_eq!(share(7, &[5, 0, 5]), [4, 0, 3]);
        assert_eq!(share(3, &[]), Vec::<i128>::new());
        // 100.2 / 3 hundredths each: 33 + 33 + 34? No: the total rounds to
        // 100, the floors are 33 each, the one left goes to the first.
        assert_eq!(apportion(&[334, 334, 334], 10), (100, vec![34, 33, 33]));
        let mut items = [(Reverse(5), 0), (Reverse(9), 1), (Reverse(9), 2)];
        let chosen: Vec<usize> = largest(&mut items, 2, |o| *o).iter().map(|o| o.1).collect();
        assert_eq!(chosen.len(), 2);
        assert!(chosen.contains(&1) && chosen.contains(&2));
    }
}
