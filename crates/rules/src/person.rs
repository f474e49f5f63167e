//! One person's payroll: steps 1-5 of the pipeline for one user, from
//! their time cards to their summary row, workday rows and pay lines
//! ([`Context::work`], [`Context::rows`]). [`compute`](crate::compute())
//! runs it for every user in parallel; [`explain`](crate::explain()) runs
//! it for one, tracing why each second got its tier.
//!
//! 1. **Resolve** (`users.rs`): the zone their punches are read in; for
//!    users in the summary, their overtime rule and pay terms.
//! 2. **Punches** (`punches.rs`): their time cards become worked pieces
//!    (one workday each), PTO, adjustments and bonuses.
//! 3. **Allocate** ([`allocate`](crate::allocate)): each worked second gets
//!    its tier, over everything the input has (so a workweek that straddles
//!    the period's start counts its earlier days).
//! 4. **Ledger** (`ledger.rs`): per workweek, seconds by tier and rate,
//!    PTO, adjustments and bonuses.
//! 5. **Price** ([`price`](crate::price)): pay lines and the summary's pay.

use chrono::{Duration, NaiveDate};
use payrun_ingest::{Names, PayrollInput, Severity, TimeCard, User, UserId};
use rust_decimal::Decimal;

use crate::allocate::{Allocation, Why, allocate_traced};
use crate::calendar::{Calendar, PayPeriod};
use crate::config::{Basis, OvertimeRule, RulesConfig, Shortfall};
use crate::error::RulesError;
use crate::exceptions::Raised;
use crate::ledger::{Ledger, Part, Week};
use crate::price::{Priced, Pricing, Share, apportion, price};
use crate::punches::{Reading, UserEntries, prepare};
use crate::run::{DayRow, PayKind, PayLine, PeriodHours, Status, SummaryRow};
use crate::time::Workdays;
use crate::users::{RateTables, RateType, Terms, terms_of, zone_of};

/// What every user's computation shares.
pub(crate) struct Context<'c> {
    config: &'c RulesConfig,
    period: &'c PayPeriod,
    pub calendar: Calendar,
    tables: RateTables<'c>,
    /// The calendar periods the period covers: (days covered, days).
    covered: Vec<(i64, i64)>,
    /// Users whose `payRate` could not be read, by [`UserId`].
    unreadable_pay_rate: Vec<bool>,
}

/// One user's priced period.
pub(crate) struct Paid<'c> {
    /// Some of the user's pay is held (see their exceptions).
    pub held: bool,
    pub terms: Terms<'c>,
    pub hours: PeriodHours,
    /// Why each piece was allocated so (only when traced).
    pub why: Vec<Why>,
    pub ledger: Ledger,
    pub pricing: Pricing,
    /// Flat-sum bonuses of the period priced over its non-overtime hours
    /// (0 when none, or when the rule prices them as any bonus).
    pub flat: Decimal,
    /// Workdays that missed a required meal (design §5d), in order.
    pub missed_meals: Vec<crate::meal_periods::Missed>,
}

/// Steps 1-5 for one user, everything kept.
pub(crate) struct Worked<'c> {
    pub zone: Workdays,
    pub entries: UserEntries,
    /// `None` when the user is not in the summary.
    pub paid: Option<Paid<'c>>,
    pub raised: Vec<Raised>,
}

/// Summary rows, workday rows and pay lines, user after user; and the
/// buffers building a user's pay lines takes, kept from one user to the next.
#[derive(Default)]
pub(crate) struct Rows {
    pub summary: Vec<SummaryRow>,
    pub days: Vec<DayRow>,
    pub pay_lines: Vec<PayLine>,
    lines: Vec<PayLine>,
    shares: Vec<Share>,
}

impl Rows {
    /// Rows with room for `summary` users, `days` workday rows and
    /// `pay_lines` pay lines.
    pub fn with_capacity(summary: usize, days: usize, pay_lines: usize) -> Rows {
        Rows {
            summary: Vec::with_capacity(summary),
            days: Vec::with_capacity(days),
            pay_lines: Vec::with_capacity(pay_lines),
            ..Rows::default()
        }
    }
}

impl<'c> Context<'c> {
    pub fn new(input: &PayrollInput, config: &'c RulesConfig, period: &'c PayPeriod) -> Self {
        let calendar = Calendar::new(config);
        let covered = calendar.periods_covered(*period);
        Context {
            config,
            period,
            calendar,
            tables: RateTables::new(config, &input.names),
            covered: covered.iter().map(|(p, days)| (*days, p.days())).collect(),
            unreadable_pay_rate: input.unreadable_users("payRate"),
        }
    }

    /// Steps 1-5 for one user; `trace` keeps why each piece was allocated.
    pub fn work(
        &self,
        input: &PayrollInput,
        id: UserId,
        trace: bool,
    ) -> Result<Worked<'c>, RulesError> {
        let user = input.user(id);
        let mut raised = Vec::new();
        // 1. Resolve the zone; 2. punches.
        let zone = zone_of(id, user, self.config, &mut raised);
        let reading = Reading {
            config: self.config,
            is_bonus: &self.tables.is_bonus,
            is_flat_sum: &self.tables.is_flat_sum,
            now: input.as_of.timestamp(),
            period: self.period,
        };
        let entries = prepare(id, user, input.cards_of(id), zone, &reading, &mut raised);
        // 3-5. Allocate, ledger, price.
        let pay_rate_unreadable = self.unreadable_pay_rate[id.index()];
        let punched = Punched {
            entries: &entries,
            cards: input.cards_of(id),
            zone,
        };
        let paid = self.pay(id, user, punched, pay_rate_unreadable, trace, &mut raised)?;
        Ok(Worked {
            zone,
            entries,
            paid,
            raised,
        })
    }

    /// A priced user's summary row, workday rows and pay lines, added to `rows`.
    pub fn rows(
        &self,
        input: &PayrollInput,
        id: UserId,
        zone: Workdays,
        paid: Paid,
        rows: &mut Rows,
    ) {
        let period = self.period;
        let user = input.user(id);
        push_pay_lines(rows, id, &input.names, &paid.pricing);
        rows.days.extend(paid.ledger.days.iter().map(|d| DayRow {
            user: id,
            work_date: d.date,
            regular: d.tiers.regular,
            overtime: d.tiers.overtime,
            double_time: d.tiers.double_time,
            pto: d.pto,
        }));
        rows.summary.push(SummaryRow {
            user: id,
            period_start: period.start,
            period_end: period.end,
            user_name: user.user_name.clone(),
            employee_number: user.employee_number.clone(),
            user_full_name: user.full_name.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            department_name: user.department.clone(),
            rate_type: user.rate_type.clone(),
            pay_rate: user.pay_rate,
            overtime_rule: paid.terms.rule_name,
            time_zone: zone.tz.name().to_owned(),
            hours: paid.hours,
            pay: paid.pricing.totals,
            exceptions: 0,
            status: if paid.held { Status::Held } else { Status::Ok },
        });
    }

    /// Steps 3-5 for one user, or `None` when the user is not in the
    /// summary: not active, nothing in the period, and nothing owed.
    ///
    /// Long because it is steps 3-5 for one person in order, each using the
    /// last one's result.
    fn pay(
        &self,
        id: UserId,
        user: &User,
        punched: Punched,
        pay_rate_unreadable: bool,
        trace: bool,
        raised: &mut Vec<Raised>,
    ) -> Result<Option<Paid<'c>>, RulesError> {
        let (period, calendar) = (self.period, &self.calendar);
        let entries = punched.entries;
        let active =
            user.role.as_deref() != Some("Inactive") && user.hired.is_none_or(|h| h <= period.end);
        // Someone who is neither active nor worked in the period may still be
        // owed the deferred premium of a workweek that ends in it (design §5c).
        let only_owed = !active && !entries.has_activity(|d| period.contains(d));
        if only_owed
            && !entries.pieces.iter().any(|p| {
                p.workday < period.start
                    && calendar.workweek_start(p.workday) + Duration::days(6) >= period.start
            })
        {
            return Ok(None);
        }
        let terms = match terms_of(id, user, self.config, pay_rate_unreadable, raised) {
            Ok(terms) => terms,
            Err(_) if only_owed => return Ok(None),
            Err(e) => return Err(e),
        };
        // Flat sums join the bonuses under a rule that prices them as any
        // bonus; otherwise they are priced over the period (flat_sum.rs).
        let with_flat_sums;
        let (entries, flat_sums) = if crate::flat_sum::over_non_overtime_hours(terms.rule) {
            (entries, entries.flat_sums.as_slice())
        } else if entries.flat_sums.is_empty() {
            (entries, &[][..])
        } else {
            with_flat_sums = entries.flat_sums_as_bonuses();
            (&with_flat_sums, &[][..])
        };
        let flat_in_period: Vec<_> = flat_sums
            .iter()
            .filter(|f| period.contains(f.workday))
            .collect();
        let flat: Decimal = flat_in_period.iter().map(|f| f.value).sum();
        let mut why = Vec::new();
        let allocations = self.allocate(&terms, entries, |w| {
            if trace {
                why.push(*w);
            }
        });
        let mut ledger = Ledger::build(
            entries,
            &allocations,
            calendar,
            period,
            self.config.salary.hours_per_week.seconds,
            // Job and shift rates are for hourly users.
            |worked_as| match terms.rate_type {
                RateType::Hourly => self.tables.rate(terms.pay_rate, worked_as),
                RateType::Salary => terms.pay_rate,
            },
        );
        // The minimum wage: not for pay held or a rate missing, each
        // already an error. A shortfall paid enters its week's regular rate.
        let checked = !terms.held && !terms.pay_rate.is_zero();
        let shortfalls_paid = if checked && self.config.minimum_wage.shortfall == Shortfall::Pay {
            crate::minimum_wage::pay_shortfalls(
                &mut ledger,
                &entries.pieces,
                &terms,
                self.config,
                period,
            )
        } else {
            Vec::new()
        };
        let mut hours = PeriodHours {
            unapproved: entries
                .unapproved
                .iter()
                .filter(|(day, _)| period.contains(*day))
                .map(|(_, seconds)| seconds)
                .sum(),
            ..period_hours(&ledger)
        };
        // Money adjustments include bonuses, flat sums too.
        hours.adjustment_amount += flat;
        let mut pricing = price(&ledger, &terms, self.config, &self.covered);
        pricing.add(crate::flat_sum::lines(
            flat,
            flat_in_period.iter().map(|f| f.workday).min(),
            &ledger,
            terms.rule,
            terms.exempt(),
        ));
        let missed_meals = crate::meal_periods::missed(
            &punched.entries.shifts,
            punched.cards,
            punched.zone,
            terms.rule,
            self.config.punches.split_at_workday,
            terms.exempt(),
        );
        let (meal_lines, meal_warnings) =
            self.meal_premiums(id, user, &terms, &missed_meals, &ledger, flat);
        pricing.add(meal_lines);
        raised.extend(meal_warnings);
        if checked {
            raised.extend(self.minimum_wage_warnings(
                id,
                user,
                &terms,
                (&ledger, &entries.pieces),
                &shortfalls_paid,
            ));
        }
        if terms.held {
            // A rate no administrator would sign pays nothing; the exception says why.
            pricing = Pricing::default();
        }
        if only_owed && pricing.totals.gross.is_zero() {
            return Ok(None);
        }
        let needs_rate = terms.rate_type == RateType::Salary
            || ledger.tiers().total() > 0
            || !hours.pto_hours.is_zero()
            || !hours.adjustment_hours.is_zero();
        if terms.pay_rate.is_zero() && needs_rate && !terms.held {
            raised.push(Raised::about_user(
                id,
                user,
                Severity::Error,
                crate::kinds::MISSING_PAY_RATE,
                format!(
                    "payRate is {}; pay is computed at 0.00",
                    user.pay_rate.map_or("empty".to_owned(), |r| r.to_string())
                ),
            ));
        }
        for &(week, seconds) in &pricing.deferred {
            raised.push(deferred_premium(id, user, week, seconds, period));
        }
        Ok(Some(Paid {
            held: terms.held || entries.held.iter().any(|d| period.contains(*d)),
            terms,
            hours,
            why,
            ledger,
            pricing,
            flat,
            missed_meals,
        }))
    }

    /// The minimum wage's warnings (design §5d): each workweek below it,
    /// flagged (the weeks that end in the period) or with the shortfall
    /// `paid`; an exempt salary below the threshold.
    fn minimum_wage_warnings(
        &self,
        id: UserId,
        user: &User,
        terms: &Terms,
        (ledger, pieces): (&Ledger, &[crate::overtime::Piece]),
        paid: &[crate::minimum_wage::Payment],
    ) -> Vec<Raised> {
        let period = self.period;
        let warning = |workday: NaiveDate, kind, message: String| Raised {
            workday: Some(workday),
            ..Raised::about_user(id, user, Severity::Warning, kind, message)
        };
        let mut raised = Vec::new();
        if self.config.minimum_wage.shortfall == Shortfall::Flag {
            for short in crate::minimum_wage::short_weeks(ledger, pieces, terms, self.config) {
                let end = short.week + Duration::days(6);
                raised.push(warning(
                    end,
                    crate::kinds::BELOW_MINIMUM_WAGE,
                    format!(
                        "workweek {} to {end}: straight-time pay is below the minimum wage ({}); \
                         flagged, pay unchanged ([minimum_wage] shortfall = \"flag\")",
                        short.week,
                        short.words()
                    ),
                ));
            }
        }
        for payment in paid {
            let week = payment.short.week;
            let end = week + Duration::days(6);
            let (days, last) = if payment.so_far {
                (format!(", its days to {}", period.end), period.end)
            } else {
                (String::new(), end)
            };
            let before = if payment.paid_before.is_zero() {
                String::new()
            } else {
                format!(
                    ", less ${} the earlier period paid",
                    crate::words::money_text(payment.paid_before)
                )
            };
            raised.push(warning(
                last,
                crate::kinds::BELOW_MINIMUM_WAGE,
                format!(
                    "workweek {week} to {end}{days}: straight-time pay is below the minimum wage \
                     ({}){before}; paid ${} as a minimum_wage line ([minimum_wage] shortfall = \
                     \"pay\")",
                    payment.short.words(),
                    crate::words::money_text(payment.now())
                ),
            ));
        }
        if let Some((weekly, threshold)) =
            crate::minimum_wage::exempt_below(terms, self.config, period.end)
        {
            raised.push(warning(
                period.end,
                crate::kinds::EXEMPT_BELOW_SALARY_THRESHOLD,
                format!(
                    "exempt, but the salary is ${} a week, below the ${} a week an exempt \
                     salary must reach on {}; pay unchanged",
                    crate::words::money_text(weekly),
                    crate::words::money_text(threshold),
                    period.end
                ),
            ));
        }
        raised
    }

    /// Meal-period premiums (design §5d): the workdays that missed a
    /// required meal, each a `meal_premium` warning, and the premium lines
    /// the period pays.
    fn meal_premiums(
        &self,
        id: UserId,
        user: &User,
        terms: &Terms,
        missed: &[crate::meal_periods::Missed],
        ledger: &Ledger,
        flat: Decimal,
    ) -> (Vec<Priced>, Vec<Raised>) {
        if missed.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let flat_per_hour = crate::flat_sum::per_regular_hour(flat, ledger, terms.rule);
        let (lines, outcomes) = crate::meal_periods::lines(
            missed,
            ledger,
            terms,
            self.config,
            self.period,
            flat_per_hour,
        );
        let warnings = outcomes.into_iter().map(|(missed, outcome)| Raised {
            workday: Some(missed.workday),
            ..Raised::about_user(
                id,
                user,
                Severity::Warning,
                crate::kinds::MEAL_PREMIUM,
                format!(
                    "workday {}: {}; {}",
                    missed.workday,
                    missed.reason,
                    outcome.words()
                ),
            )
        });
        (lines, warnings.collect())
    }

    /// Step 3 over everything the input has for the user, so a workweek
    /// that straddles the period's start counts its earlier days. Exempt
    /// salaried time is all regular.
    fn allocate(
        &self,
        terms: &Terms,
        entries: &UserEntries,
        trace: impl FnMut(&Why),
    ) -> Vec<Allocation> {
        if terms.exempt() {
            let all_regular = OvertimeRule {
                basis: Basis::Off,
                ..OvertimeRule::default()
            };
            return allocate_traced(&all_regular, &self.calendar, &entries.pieces, &[], trace);
        }
        let counted = if self.config.pto.counts_toward_overtime {
            entries.counted_pto()
        } else {
            Vec::new()
        };
        allocate_traced(terms.rule, &self.calendar, &entries.pieces, &counted, trace)
    }
}

/// A user's time cards, as read and as they are counted.
struct Punched<'a> {
    entries: &'a UserEntries,
    cards: &'a [TimeCard],
    zone: Workdays,
}

/// The summary's hours: worked seconds by tier, PTO and adjustments of the period.
fn period_hours(ledger: &Ledger) -> PeriodHours {
    let tiers = ledger.tiers();
    let sum = |f: fn(&Week) -> Decimal| ledger.weeks.iter().map(f).sum();
    PeriodHours {
        regular: tiers.regular,
        overtime: tiers.overtime,
        double_time: tiers.double_time,
        pto_hours: sum(|w| w.pto),
        adjustment_hours: sum(|w| w.adjustment_hours),
        adjustment_amount: sum(|w| w.adjustment_amount + w.bonus[Part::During as usize]),
        unapproved: 0,
    }
}

/// The `deferred_premium` info exception of design §5c.
fn deferred_premium(
    id: UserId,
    user: &User,
    week: NaiveDate,
    seconds: i64,
    period: &PayPeriod,
) -> Raised {
    Raised {
        workday: Some(period.end),
        ..Raised::about_user(
            id,
            user,
            Severity::Info,
            crate::kinds::DEFERRED_PREMIUM,
            format!(
                "the workweek {week} to {} ends after the period: the premium of its {} overtime and \
                 double-time hours here depends on the whole week's hours and is paid in the period \
                 the week ends in; their straight time is paid now",
                week + Duration::days(6),
                (Decimal::from(seconds) / Decimal::from(3600)).round_dp(2)
            ),
        )
    }
}

/// The user's priced lines as output rows, their amounts apportioned to
/// the summary's rounded columns, added to `rows.pay_lines`.
fn push_pay_lines(rows: &mut Rows, id: UserId, names: &Names, pricing: &Pricing) {
    let name = |n: Option<payrun_ingest::NameId>| n.map(|n| names.shared(n));
    let lines = &mut rows.lines;
    lines.clear();
    lines.extend(pricing.lines.iter().map(|l| PayLine {
        user: id,
        week_start: l.week,
        kind: l.kind,
        job_name: name(l.worked_as.job),
        shift_name: name(l.worked_as.shift),
        hours: l.hours,
        rate: l.rate,
        exact_amount: l.amount(),
        amount: Decimal::ZERO,
        regular_rate: l.regular_rate,
    }));
    // Salary first, then week by week, kind by kind, jobs and shifts by name.
    fn key(l: &PayLine) -> (Option<NaiveDate>, PayKind, Option<&str>, Option<&str>) {
        (
            l.week_start,
            l.kind,
            l.job_name.as_deref(),
            l.shift_name.as_deref(),
        )
    }
    lines.sort_by(|a, b| key(a).cmp(&key(b)));
    // One row per week, kind, job and shift: a premium deferred from the
    // previous period joins the row of this period's hours with the same
    // key, and the row's rate is then its amount per hour.
    lines.dedup_by(|later, kept| {
        if key(later) != key(kept) {
            return false;
        }
        kept.hours += later.hours;
        kept.exact_amount += later.exact_amount;
        if kept.rate.is_some() && !kept.hours.is_zero() {
            kept.rate = Some(kept.exact_amount / kept.hours);
        }
        true
    });
    let t = &pricing.totals;
    for column in PayKind::SUMMARY_LINES {
        let total = t.of(column);
        let mut members = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind.summary_line() == column);
        let Some((first, _)) = members.next() else {
            continue;
        };
        let Some((second, _)) = members.next() else {
            // The column's one line is the column.
            lines[first].amount = total;
            continue;
        };
        let shares = &mut rows.shares;
        shares.clear();
        shares.extend(
            [first, second]
                .into_iter()
                .chain(members.map(|(i, _)| i))
                .map(|i| Share::new(i, lines[i].exact_amount)),
        );
        for (i, cents) in apportion(shares, total) {
            lines[i].amount = cents;
        }
    }
    rows.pay_lines.append(lines);
}
