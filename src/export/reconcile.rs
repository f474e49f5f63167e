//! Reconciling an export with payrun's pay: what the provider will pay for
//! what the file sends it, against what payrun computed.
//!
//! A provider that imports hours prices them itself: hours × the rate it
//! holds for the person × its multiplier for the tier. Where payrun's
//! overtime is paid on a regular rate above the base rate (job and shift
//! rates, bonuses: 29 CFR 778.115, .207, .209), or a week mixes rates, the
//! provider's figure falls short of payrun's (or exceeds it). The
//! difference, the *premium*, is what the export must carry as an amount
//! the provider pays as is (`amount:…+premium`, or a `premium` code in a
//! long layout); a profile that cannot carry it leaves the person out
//! (`export_unreconciled`) rather than let the provider pay another figure.
//!
//! The rate the provider holds is `[users."X"] provider_rate`, else an
//! hourly user's `payRate`; each tier is priced at its rule's multiplier
//! (regular, PTO and adjustment hours at 1) on the hours as the file
//! writes them (rounded to the profile's decimals, or to the minute in
//! `h:mm`), each line rounded to the cent. Salaried users are paid by the
//! provider from its own records and are not priced here.

use payrun_rules::{PayKind, RulesConfig, SummaryRow};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{Figures, KINDS, Layout, Profile, Value, slot};

/// How a profile hands each kind to the provider.
#[derive(Debug, Clone, Copy)]
pub(super) struct Handover {
    /// Kinds sent as hours, which the provider prices.
    hours: [bool; KINDS.len()],
    /// Kinds sent as amounts, which the provider pays as they are (an
    /// amount wins over hours of the same kind).
    amounts: [bool; KINDS.len()],
    /// Hours are written as `h:mm`, not decimals.
    hhmm: bool,
    /// Decimals of written hours.
    decimals: u32,
    /// Whether the profile can carry a premium.
    pub carries_premium: bool,
}

impl Handover {
    /// The handover of `profile`, whose columns hold `values`.
    pub(super) fn of(profile: &Profile, values: &[Value]) -> Handover {
        let mut handover = Handover {
            hours: [false; KINDS.len()],
            amounts: [false; KINDS.len()],
            hhmm: false,
            decimals: profile.decimals,
            carries_premium: false,
        };
        let coded = |kind: &PayKind| profile.codes.contains_key(kind.as_str());
        for value in values {
            match value {
                Value::Hours(kinds) => kinds.iter().for_each(|k| handover.hours[slot(*k)] = true),
                Value::Amount(kinds, premium) => {
                    kinds.iter().for_each(|k| handover.amounts[slot(*k)] = true);
                    handover.carries_premium |= *premium;
                }
                Value::Line(what) if profile.layout == Layout::Long => {
                    for kind in KINDS.iter().filter(|k| coded(k)) {
                        match *what {
                            "hours" => handover.hours[slot(*kind)] = true,
                            "hours_hhmm" => {
                                handover.hours[slot(*kind)] = true;
                                handover.hhmm = true;
                            }
                            "amount" => handover.amounts[slot(*kind)] = true,
                            _ => {}
                        }
                    }
                    if *what == "amount" && profile.codes.contains_key(super::PREMIUM) {
                        handover.carries_premium = true;
                    }
                }
                _ => {}
            }
        }
        handover
    }

    /// Hours as the file writes them.
    fn written(&self, hours: Decimal) -> Decimal {
        if self.hhmm {
            let minutes = (hours * Decimal::from(60))
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            minutes / Decimal::from(60)
        } else {
            hours.round_dp_with_strategy(self.decimals, RoundingStrategy::MidpointAwayFromZero)
        }
    }
}

/// One person's figures, reconciled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Reconciled {
    /// What payrun pays of the kinds the file sends.
    pub payrun: Decimal,
    /// What the provider pays for the hours and amounts the file sends,
    /// before any premium.
    pub provider: Decimal,
}

impl Reconciled {
    /// What the file must carry for the provider to pay payrun's figure.
    pub fn premium(&self) -> Decimal {
        self.payrun - self.provider
    }
}

/// The hourly rate the provider holds for `row`'s person: `provider_rate`,
/// else `payRate`; none for a salaried user, whom the provider pays from
/// its own records (their hours are not priced from the file: the salary
/// covers a week's regular hours, which the file still sends).
pub(super) fn provider_rate(row: &SummaryRow, rules: &RulesConfig) -> Option<Decimal> {
    if row.rate_type.as_deref() == Some("Salary Rate") {
        return None;
    }
    row.user_name
        .as_ref()
        .and_then(|name| rules.users.get(name))
        .and_then(|user| user.provider_rate)
        .or(row.pay_rate)
}

/// `f`'s kinds in `placed` (and not omitted), priced as the provider will at
/// `rate` under `row`'s overtime rule, against what payrun pays for them.
pub(super) fn reconcile(
    handover: &Handover,
    f: &Figures,
    placed: &[PayKind],
    row: &SummaryRow,
    rules: &RulesConfig,
    rate: Decimal,
) -> Reconciled {
    let rule = rules
        .overtime_rules
        .get(&row.overtime_rule)
        .cloned()
        .unwrap_or_default();
    let multiplier = |kind: PayKind| match kind {
        PayKind::Overtime => rule.ot_multiplier,
        PayKind::DoubleTime => rule.dt_multiplier,
        _ => Decimal::ONE,
    };
    let cents = |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let mut reconciled = Reconciled {
        payrun: Decimal::ZERO,
        provider: Decimal::ZERO,
    };
    for &kind in placed {
        let k = slot(kind);
        reconciled.payrun += f.amount[k];
        reconciled.provider += if handover.amounts[k] {
            f.amount[k]
        } else if handover.hours[k] {
            cents(handover.written(f.hours[k]) * rate * multiplier(kind))
        } else {
            Decimal::ZERO
        };
    }
    reconciled
}

/// The header of `export_NAME.reconcile.csv`.
pub(super) const HEADER: &str = "employee_id,user_name,full_name,payrun_pays,provider_prices,premium_carried,difference,outcome\r\n";
