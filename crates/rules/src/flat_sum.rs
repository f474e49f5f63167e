//! Flat-sum bonuses, California's way (design §5d): under a rule with
//! `flat_sum_bonus_divisor = "non_overtime_hours"`, a flat-sum bonus F
//! (`[regular_rate] flat_sum_bonuses`: paid whatever the hours, an
//! attendance bonus say) dated in the pay period is paid in full and,
//! instead of entering the workweek's weighted average, adds F / N ×
//! `ot_multiplier` to each overtime hour and F / N × `dt_multiplier` to
//! each double-time hour of the pay period, N being the user's regular
//! (non-overtime) hours worked in it. With N = 0 the bonus is paid with no
//! premium. Under the default `all_hours` a flat sum is a bonus exactly as
//! design §5b says (it joins the bonuses before the ledger is built), and
//! exempt salaries are paid it with no premium.
//!
//! Why: Alvarado v. Dart Container Corp. of California, 4 Cal.5th 542
//! (2018): for a flat-sum bonus, the regular rate divides it by the
//! non-overtime hours actually worked in the pay period, and the premium
//! is 1.5 times that (the federal method, 29 CFR 778.209, divides by every
//! hour and pays half).
//!
//! Example: $20 an hour, Monday to Friday 9 h (daily overtime after 8) in a
//! weekly period, a $100 attendance bonus: 800 + 5 × 30 + 100 + 5 × 1.5 ×
//! 100 / 40 = **$1,068.75** (the federal method: $1,055.56).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::config::{FlatSumDivisor, OvertimeRule};
use crate::ledger::Ledger;
use crate::price::{Priced, money_line};
use crate::run::PayKind;
use crate::words::{money_text, rate_text};

/// The period's flat sums and what they add: the bonus line (dated in the
/// workweek of its first day) and, for overtime and double-time hours,
/// their premium lines (money only: their hours are already on the hours'
/// own lines).
pub(crate) fn lines(
    flat: Decimal,
    first_day: Option<NaiveDate>,
    ledger: &Ledger,
    rule: &OvertimeRule,
    exempt: bool,
) -> Vec<Priced> {
    if flat.is_zero() {
        return Vec::new();
    }
    let week = first_day.and_then(|day| {
        ledger
            .weeks
            .iter()
            .find(|w| w.start <= day && day < w.start + chrono::Duration::days(7))
            .map(|w| w.start)
    });
    let mut out = vec![money_line(week, PayKind::Bonus, flat)];
    let tiers = ledger.tiers();
    if exempt || tiers.regular == 0 {
        return out;
    }
    // F / N per hour, times each tier's multiplier, over its seconds.
    let per_hour = per_regular_hour(flat, ledger, rule);
    for (kind, seconds, multiplier) in [
        (PayKind::Overtime, tiers.overtime, rule.ot_multiplier),
        (PayKind::DoubleTime, tiers.double_time, rule.dt_multiplier),
    ] {
        if seconds > 0 {
            let amount = per_hour * multiplier * Decimal::from(seconds) / Decimal::from(3600);
            out.push(money_line(None, kind, amount));
        }
    }
    out
}

/// F / N: what the period's flat sums `flat` add to its regular rate under
/// `rule` (0 under `all_hours`, where they are bonuses, or with N = 0).
pub(crate) fn per_regular_hour(flat: Decimal, ledger: &Ledger, rule: &OvertimeRule) -> Decimal {
    let regular = ledger.tiers().regular;
    if flat.is_zero() || regular == 0 || !over_non_overtime_hours(rule) {
        return Decimal::ZERO;
    }
    flat * Decimal::from(3600) / Decimal::from(regular)
}

/// Whether `rule` prices flat sums over the period's non-overtime hours.
pub(crate) fn over_non_overtime_hours(rule: &OvertimeRule) -> bool {
    rule.flat_sum_bonus_divisor == FlatSumDivisor::NonOvertimeHours
}

/// The rule in words, when it has one.
pub fn describe(rule: &OvertimeRule) -> Vec<String> {
    if !over_non_overtime_hours(rule) {
        return Vec::new();
    }
    vec![format!(
        "flat-sum bonuses: paid in full, and each overtime hour of the pay period gets the \
         bonus / the period's non-overtime hours × {} (double time × {})",
        rule.ot_multiplier, rule.dt_multiplier
    )]
}

/// What a flat sum added, in words: `flat-sum bonus: $100 / 40 non-overtime
/// hours x 1.5`.
pub fn reason(flat: Decimal, regular_seconds: i64, multiplier: Decimal) -> String {
    format!(
        "flat-sum bonus: ${} / {} non-overtime hours x {}",
        money_text(flat),
        rate_text(Decimal::from(regular_seconds) / Decimal::from(3600)).trim_end_matches(".00"),
        multiplier.normalize()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_names_the_bonus_the_hours_and_the_multiplier() {
        assert_eq!(
            reason(Decimal::ONE_HUNDRED, 40 * 3600, Decimal::new(15, 1)),
            "flat-sum bonus: $100.00 / 40 non-overtime hours x 1.5"
        );
    }
}
